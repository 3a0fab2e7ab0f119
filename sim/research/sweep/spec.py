"""A sweep spec: which scenario, which parameters over which design, how many seeds, what to keep.

A spec is TOML: a base scenario, ``[parameters]`` as dotted paths with values (grid) or ranges (lhs, sobol,
morris), seeds per point, the horizon (weeks or periods), metrics and whether the per-step series are kept.
``[levers]`` (grid or lhs designs) crosses policies with the sampled assumptions: every combination of the levers'
values runs on every point of the parameters' design, on the same seeds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.input import InputError, ScenarioError, check_path, format_validation_error, read_toml, show

Design = Literal["grid", "lhs", "sobol", "morris"]
Value = float | int | str | bool


class SweepError(InputError):
    """A sweep spec or output folder that cannot be used; the message names the field and allowed values."""


class SweepSpec(BaseModel):
    """What to run: a base scenario, a design over parameters (and levers), seeds per point, and what to keep."""

    scenario: str = Field(description="bundled scenario name or path to a scenario file")
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    parameters: dict[str, list[Value]] = Field(
        description="dotted path -> values (grid) or [low, high] (lhs, sobol, morris)", max_length=64
    )
    levers: dict[str, list[Value]] = Field(
        default_factory=dict,
        description="dotted path -> values: policies crossed with the parameters' design (grid and lhs)",
        max_length=16,
    )
    design: Design = "grid"
    samples: int = Field(8, ge=1, le=100_000, description="lhs: points; sobol: base samples N; morris: trajectories")
    seeds: int = Field(1, ge=1, le=10_000, description="seeds per point: 0..seeds-1")
    weeks: int | None = Field(None, ge=1, le=2000, description="horizon of an alignment-model sweep")
    periods: int | None = Field(None, ge=1, le=1_000_000, description="horizon of a reference-model sweep")
    metrics: list[str] | None = Field(None, description="summary metrics to keep (default: all of the model's)")
    keep_weekly: bool = False
    design_seed: int = Field(0, ge=0, description="seed of the sampling design (lhs, sobol, morris)")

    @field_validator("parameters")
    @classmethod
    def _some(cls, v: dict) -> dict:
        if not v:
            raise ValueError('at least one parameter is needed, e.g. "departments.sales.alignment" = [0.0, 1.0]')
        return _checked(v, "parameters")

    @field_validator("levers")
    @classmethod
    def _levers(cls, v: dict) -> dict:
        return _checked(v, "levers")

    @model_validator(mode="after")
    def _ranges(self) -> SweepSpec:
        if self.weeks is not None and self.periods is not None:
            raise ValueError("give weeks (alignment model) or periods (reference models), not both")
        if self.design != "grid":
            for path, values in self.parameters.items():
                numbers = [float(x) for x in values if isinstance(x, (int, float)) and not isinstance(x, bool)]
                if len(values) != 2 or len(numbers) != 2 or not numbers[0] < numbers[1]:
                    raise ValueError(
                        f"parameters.{path}: design {self.design!r} needs a range [low, high] with "
                        f"low < high, got {values}"
                    )
        if self.design == "sobol" and len(self.parameters) < 2:
            raise ValueError("sobol needs at least two parameters")
        if self.levers and self.design not in ("grid", "lhs"):
            raise ValueError(
                f"levers: design {self.design!r} keeps its own structure; levers are crossed with a grid or lhs "
                "design (or add them to [parameters] as ranges)"
            )
        both = sorted(set(self.levers) & set(self.parameters))
        if both:
            raise ValueError(f"levers and parameters both name {both}; a path is a lever or a parameter")
        return self


def _checked(v: dict[str, list[Value]], where: str) -> dict[str, list[Value]]:
    for path, values in v.items():
        try:
            check_path(path, where)
        except ScenarioError as exc:
            raise ValueError(str(exc)) from None
        if not values:
            raise ValueError(f"{show(path)} has no values")
    return v


def is_folder(path: str | Path) -> bool:
    """Whether ``path`` names a sweep folder (or its manifest.json) rather than a spec file."""
    p = Path(path)
    try:
        return p.is_dir() or (p.name == "manifest.json" and p.is_file())
    except (OSError, ValueError):
        return False


def folder_of(path: str | Path) -> Path:
    """The sweep folder ``path`` names: the folder itself, or the folder of its manifest.json."""
    p = Path(path)
    return p.parent if p.name == "manifest.json" and is_folder(p) and not p.is_dir() else p


def load_spec(path: str | Path) -> SweepSpec:
    """A sweep spec from a TOML file, validated. A sweep folder or its manifest.json is refused with the command
    that continues that sweep (``sweep(folder)`` takes the folder itself)."""
    p = Path(path)
    if is_folder(p):
        folder = folder_of(p)
        raise SweepError(
            f"{show(str(p))}: a sweep folder's manifest, not a sweep spec; continue that sweep with "
            f"`alignsim sweep {show(str(folder))}` (its spec and scenario are kept in the folder)"
        )
    try:
        data = read_toml(p, "sweep spec")
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
    scenario = data.get("scenario")
    if isinstance(scenario, str) and scenario.endswith(".toml") and "\x00" not in scenario:
        data["scenario"] = os.path.abspath(p.parent / scenario)  # relative to the spec
    return spec_from_dict(data, source=str(p))


def spec_from_dict(data: dict[str, Any], source: str = "sweep spec") -> SweepSpec:
    """A sweep spec from a mapping (e.g. parsed TOML), validated; a SweepError names the field."""
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        message = format_validation_error(exc, SweepSpec)
        raise SweepError(f"{source}: {message}") from None
