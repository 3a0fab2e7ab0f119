"""Sweeps: many runs of one scenario over a design of parameter values and seeds, on local processes or a Dask
cluster, written incrementally to Parquet so that an interrupted sweep loses no finished run.

A sweep spec (TOML) names a base scenario, parameters as dotted paths with values (grid) or ranges (lhs, sobol,
morris), seeds per point, the horizon (weeks or periods), metrics and whether the per-step series are kept.
Every run is identified by its point and seed, and its result depends on nothing else: one worker, N workers
and Dask give identical rows.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable, Iterable
from concurrent.futures import as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.input import (
    InputError,
    ScenarioError,
    check_path,
    format_validation_error,
    load_scenario,
    path_problem,
    read_toml,
    scenario_from_toml,
    show,
)
from sim.present.levers import get_value
from sim.registry import CLI_BUDGET_SECONDS, check_budget, cost, get_model
from sim.runner import process_pool, run, versions
from sim.scenario import ScenarioBase

Design = Literal["grid", "lhs", "sobol", "morris"]
MORRIS_LEVELS = 4
#: Most runs one sweep may plan (its design and run table are held in memory), whatever the budget.
MAX_RUNS = 1_000_000
#: Seconds a Dask sweep waits for a live worker before it stops and says how to resume.
DASK_WORKER_TIMEOUT = float(os.environ.get("ALIGNSIM_DASK_WORKER_TIMEOUT", "60"))


class SweepError(InputError):
    """A sweep spec or output folder that cannot be used; the message names the field and allowed values."""


class SweepSpec(BaseModel):
    """What to run: a base scenario, a design over parameters, seeds per point, and what to keep."""

    scenario: str = Field(description="bundled scenario name or path to a scenario file")
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    parameters: dict[str, list[float | int | str | bool]] = Field(
        description="dotted path -> values (grid) or [low, high] (lhs, sobol, morris)", max_length=64
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
        for path, values in v.items():
            check_path(path, "parameters")
            if not values:
                raise ValueError(f"{show(path)} has no values")
        return v

    @model_validator(mode="after")
    def _ranges(self) -> SweepSpec:
        if self.weeks is not None and self.periods is not None:
            raise ValueError("give weeks (alignment model) or periods (reference models), not both")
        if self.design != "grid":
            for path, values in self.parameters.items():
                numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values)
                if len(values) != 2 or not numeric or not values[0] < values[1]:
                    raise ValueError(
                        f"parameters.{path}: design {self.design!r} needs a range [low, high] with "
                        f"low < high, got {values}"
                    )
        if self.design == "morris" and len(self.parameters) < 1:
            raise ValueError("morris needs at least one parameter")
        if self.design == "sobol" and len(self.parameters) < 2:
            raise ValueError("sobol needs at least two parameters")
        return self


def load_spec(path: str | Path) -> SweepSpec:
    """A sweep spec from a TOML file, validated."""
    p = Path(path)
    try:
        data = read_toml(p, "sweep spec")
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
    scenario = data.get("scenario")
    if isinstance(scenario, str) and scenario.endswith(".toml") and "\x00" not in scenario:
        data["scenario"] = os.path.abspath(p.parent / scenario)  # relative to the spec
    return spec_from_dict(data, source=str(p))


def spec_from_dict(data: dict[str, Any], source: str = "sweep spec") -> SweepSpec:
    try:
        return SweepSpec.model_validate(data)
    except ValidationError as exc:
        message = format_validation_error(exc, SweepSpec)
        raise SweepError(f"{source}: {message}") from None


# ---------------------------------------------------------------- the design


def count_points(spec: SweepSpec) -> int:
    """How many design points the spec makes, counted without making them."""
    d = len(spec.parameters)
    if spec.design == "grid":
        return math.prod(len(v) for v in spec.parameters.values())
    return spec.samples * {"lhs": 1, "sobol": d + 2, "morris": d + 1}[spec.design]


def problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem of a range design."""
    names = list(spec.parameters)
    return {"num_vars": len(names), "names": names, "bounds": [list(map(float, spec.parameters[n])) for n in names]}


def design_points(spec: SweepSpec, base: ScenarioBase) -> pd.DataFrame:
    """One row per design point, one column per parameter (values cast to the scenario field's type)."""
    names = list(spec.parameters)
    if spec.design == "grid":
        grids = np.meshgrid(*[np.arange(len(spec.parameters[n])) for n in names], indexing="ij")
        rows = [{n: spec.parameters[n][int(i)] for n, i in zip(names, idx)} for idx in zip(*(g.ravel() for g in grids))]
        frame = pd.DataFrame(rows, columns=names)
    else:
        from SALib.sample import latin, morris, sobol

        prob = problem(spec)
        if spec.design == "lhs":
            x = latin.sample(prob, spec.samples, seed=spec.design_seed)
        elif spec.design == "sobol":
            x = sobol.sample(prob, spec.samples, calc_second_order=False, seed=spec.design_seed)
        else:
            x = morris.sample(prob, spec.samples, num_levels=MORRIS_LEVELS, seed=spec.design_seed)
        frame = pd.DataFrame(x, columns=names)
    for n in names:  # integer fields get integer values
        current = get_value(base, n)
        if isinstance(current, int) and not isinstance(current, bool):
            bad = [v for v in frame[n] if isinstance(v, bool) or not isinstance(v, (int, float)) or not abs(v) < 2**53]
            if bad:
                raise SweepError(
                    f"parameters.{show(n)}: a whole-number field; values must be numbers, got {show(bad[0])}"
                )
            frame[n] = frame[n].astype(float).round().astype(int)
    return frame


def plan(spec: SweepSpec, budget: float | None = CLI_BUDGET_SECONDS) -> tuple[ScenarioBase, pd.DataFrame, pd.DataFrame]:
    """The base scenario, the design points and the runs (run, point, seed); checks every point's overrides.

    The runs are counted, and their cost estimated, before anything is allocated: more than MAX_RUNS runs are
    refused, and so is a cost above ``budget`` seconds (None: no budget)."""
    n_runs = count_points(spec) * spec.seeds
    if n_runs > MAX_RUNS:
        raise SweepError(
            f"the design makes {n_runs:,} runs ({count_points(spec):,} points x {spec.seeds:,} seeds); "
            f"a sweep holds at most {MAX_RUNS:,}: use fewer values, samples or seeds, or split it"
        )
    try:
        base = load_scenario(spec.scenario)
        scenario_from_toml(base.to_toml(), "the resolved scenario")  # what the workers receive must load again
    except ScenarioError as exc:
        raise SweepError(f"scenario: {exc}") from None
    model = get_model(base.model)
    for field in ("weeks", "periods"):
        value = getattr(spec, field)
        if value is not None and field != model.horizon:
            raise SweepError(f"{field}: model {base.model!r} runs in {model.horizon}; give {model.horizon} instead")
        if value is not None:
            try:
                base = base.with_overrides({field: value})
            except ScenarioError as exc:
                raise SweepError(f"{field}: {exc}") from None
    if budget is not None:
        check_budget(
            n_runs * _run_cost(spec, base),
            budget,
            f"the sweep's {n_runs:,} runs",
            "add --yes to run it anyway (alignsim sweep SPEC --yes), or use fewer points or seeds",
        )
    known = model.metrics()
    unknown = [m for m in spec.metrics or [] if m not in known]
    if unknown:
        raise SweepError(f"metrics: unknown metric(s) {unknown} for model {base.model!r}; allowed: {', '.join(known)}")
    for path in spec.parameters:
        try:
            get_value(base, path)
        except (KeyError, TypeError):
            problem = path_problem(base.model_dump(mode="python"), path.split("."))
            raise SweepError(
                f"parameters: unknown scenario path {path!r}{f': {problem}' if problem else ''} (see "
                f"`alignsim show {spec.scenario}` for the paths)"
            ) from None
    points = design_points(spec, base)
    seconds = 0.0
    for i, row in points.iterrows():
        try:
            seconds += cost(base.with_overrides(row.to_dict())) * spec.seeds
        except ScenarioError as exc:
            raise SweepError(f"parameters, design point {i}: {exc}") from None
    if budget is not None:  # the points themselves, now that they exist (e.g. a swept population)
        check_budget(
            seconds,
            budget,
            f"the sweep's {n_runs:,} runs",
            "add --yes to run it anyway (alignsim sweep SPEC --yes), or use fewer points or seeds",
        )
    runs = pd.DataFrame(
        [(p * spec.seeds + s, p, s) for p in range(len(points)) for s in range(spec.seeds)],
        columns=["run", "point", "seed"],
    )
    return base, points, runs


def _run_cost(spec: SweepSpec, base: ScenarioBase) -> float:
    """Estimated seconds of one run: the base, or the base with every numeric parameter at its largest value when
    that is valid and dearer (a cheap upper guess before the design points exist)."""
    corner = {}
    for path, values in spec.parameters.items():
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if numbers:
            corner[path] = max(numbers)
    try:
        return max(cost(base), cost(base.with_overrides(corner)))
    except (ScenarioError, TypeError, ValueError):
        return cost(base)


def spec_hash(spec: SweepSpec, base: ScenarioBase) -> str:
    """Identity of a sweep: the spec and the fully resolved base scenario."""
    text = json.dumps(spec.model_dump(mode="json"), sort_keys=True) + base.to_toml()
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------- running


def run_chunk(
    base_toml: str, jobs: list[tuple[int, int, int, dict]], metrics: list[str] | None, keep_weekly: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Run a chunk of (run, point, seed, overrides); returns summary rows and, if kept, weekly rows."""
    base = scenario_from_toml(base_toml, "sweep base")
    rows, weeklies = [], []
    for run_id, point, seed, overrides in jobs:
        result = run(base.with_overrides(overrides), seed=seed)
        summary = result.summary if metrics is None else {m: result.summary[m] for m in metrics}
        rows.append({"run": run_id, "point": point, "seed": seed, **overrides, **summary})
        if keep_weekly:
            weekly = result.weekly if metrics is None else result.weekly[_series_columns(base, result.weekly, metrics)]
            weeklies.append(weekly.assign(run=run_id, point=point, seed=seed))
    return pd.DataFrame(rows), (pd.concat(weeklies, ignore_index=True) if keep_weekly else None)


def _series_columns(base: ScenarioBase, series: pd.DataFrame, metrics: list[str]) -> list[str]:
    """The per-step columns a sweep keeps: the time, the chosen metrics, and columns that are not metrics (a
    reference model's series, e.g. March's code knowledge per period)."""
    known = get_model(base.model).metrics()
    return [c for c in series.columns if c in metrics or c not in known]


def _atomic_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _read_part(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A part file of a sweep; a damaged one is a SweepError saying how to get past it."""
    try:
        frame = pd.read_parquet(path, columns=columns)
    except Exception:  # pyarrow raises several types for damaged files
        raise SweepError(
            f"{path}: damaged part file (not a Parquet table of runs); delete it and rerun with "
            "--resume: its runs are run again"
        ) from None
    if "run" not in frame.columns:
        raise SweepError(f"{path}: part file without a run column; delete it and rerun with --resume")
    return frame


def _done_runs(out: Path) -> set[int]:
    parts = sorted((out / "parts").glob("runs-*.parquet"))
    if not parts:
        return set()
    return set(pd.concat([_read_part(p, ["run"]) for p in parts])["run"].tolist())


def _read_manifest(out: Path) -> dict[str, Any]:
    """A sweep folder's manifest.json; a missing or damaged one is a SweepError with a way out."""
    path = out / "manifest.json"
    if not path.is_file():
        raise SweepError(f"--out {out}: no manifest.json, so this is not a sweep folder; choose another folder")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        manifest = None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("spec"), dict):
        raise SweepError(
            f"{path}: damaged manifest (not a sweep's manifest.json); finished runs stay in "
            f"{out}/parts: move them aside, or choose another --out and run the sweep again"
        )
    return manifest


def _write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(tmp, out / "manifest.json")


def _chunks(jobs: list, size: int) -> list[list]:
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool = False,
    budget: float | None = CLI_BUDGET_SECONDS,
) -> pd.DataFrame:
    """Run a sweep and return its runs table (one row per run: parameters, seed, summary metrics).

    A sweep whose estimated cost is above ``budget`` seconds is refused before anything runs (None: no budget).

    With ``out``, each finished chunk is written at once to ``out/parts`` and the sweep ends with
    ``runs.parquet`` (and ``weekly.parquet`` if kept) and ``manifest.json``; ``resume`` runs only what is missing.
    ``address`` sends the runs to a Dask scheduler instead of local processes.
    """
    spec = load_spec(spec) if isinstance(spec, (str, Path)) else spec
    base, points, runs = plan(spec, budget)
    digest = spec_hash(spec, base)
    workers = workers or os.cpu_count() or 1
    out_dir = Path(out) if out is not None else None
    done: set[int] = set()
    manifest: dict[str, Any] = {}
    if out_dir is not None:
        manifest = _prepare(out_dir, spec, digest, resume, len(runs))
        done = _done_runs(out_dir)
    todo = [
        (int(r.run), int(r.point), int(r.seed), points.iloc[int(r.point)].to_dict())
        for r in runs.itertuples()
        if int(r.run) not in done
    ]
    size = chunk_size or max(1, min(50, math.ceil(len(todo) / (workers * 4))))
    chunks = _chunks(todo, size)
    results: list[pd.DataFrame] = []
    weeklies: list[pd.DataFrame] = []

    def keep(chunk_rows: pd.DataFrame, chunk_weekly: pd.DataFrame | None) -> None:
        if out_dir is not None:
            first = int(chunk_rows["run"].min())
            if chunk_weekly is not None:
                _atomic_parquet(chunk_weekly, out_dir / "parts" / f"weekly-{first:09d}.parquet")
            _atomic_parquet(chunk_rows, out_dir / "parts" / f"runs-{first:09d}.parquet")
        else:
            results.append(chunk_rows)
            if chunk_weekly is not None:
                weeklies.append(chunk_weekly)

    resume_hint = (
        f"finished runs are kept in {out_dir}/parts: rerun with --resume"
        if out_dir is not None
        else "give the sweep an output folder (--out) to keep finished runs"
    )
    _execute(chunks, base.to_toml(), spec, workers, address, keep, progress, total=len(todo), resume_hint=resume_hint)
    if out_dir is None:
        table = pd.concat(results, ignore_index=True) if results else pd.DataFrame()
        return table.sort_values("run").reset_index(drop=True)
    return _finish(out_dir, manifest, spec, get_model(base.model).time)


def _execute(
    chunks: list,
    base_toml: str,
    spec: SweepSpec,
    workers: int,
    address: str | None,
    keep: Callable,
    progress: bool,
    total: int,
    resume_hint: str = "",
) -> None:
    from tqdm import tqdm

    bar = tqdm(total=total, unit="run", desc="sweep", disable=None if progress else True)
    args = (spec.metrics, spec.keep_weekly)
    try:
        if address:
            _execute_dask(chunks, base_toml, args, address, keep, bar, resume_hint)
        elif workers <= 1 or len(chunks) <= 1:
            for c in chunks:
                rows, weekly = run_chunk(base_toml, c, *args)
                keep(rows, weekly)
                bar.update(len(rows))
        else:
            with process_pool(workers) as pool:
                futures = [pool.submit(run_chunk, base_toml, c, *args) for c in chunks]
                for fut in as_completed(futures):
                    rows, weekly = fut.result()
                    keep(rows, weekly)
                    bar.update(len(rows))
    finally:
        bar.close()


def _execute_dask(
    chunks: list, base_toml: str, args: tuple, address: str, keep: Callable, bar, resume_hint: str
) -> None:
    """Run the chunks on a Dask cluster. Without a live worker for DASK_WORKER_TIMEOUT seconds (at the start or
    later) the sweep stops with a SweepError saying how to resume."""
    import time

    from dask.distributed import Client
    from distributed import KilledWorker

    def no_workers() -> SweepError:
        return SweepError(
            f"--address {address}: no live Dask worker for {DASK_WORKER_TIMEOUT:g} s; start workers "
            f"(dask worker {address}), then {resume_hint}"
        )

    with Client(address, timeout=30) as client:
        try:
            client.wait_for_workers(1, timeout=DASK_WORKER_TIMEOUT)
        except (TimeoutError, OSError):
            raise no_workers() from None
        pending = [client.submit(run_chunk, base_toml, c, *args, pure=False) for c in chunks]
        idle_since: float | None = None
        while pending:
            progressed, still = False, []
            for i, fut in enumerate(pending):
                if not fut.done():
                    still.append(fut)
                    continue
                try:  # a finished chunk's rows live on its worker: fetching them needs that worker alive
                    rows, weekly = fut.result(timeout=min(DASK_WORKER_TIMEOUT, 5.0))
                except KilledWorker:
                    raise SweepError(
                        f"--address {address}: Dask workers died running this sweep; {resume_hint}"
                    ) from None
                except TimeoutError:  # its worker is gone: the scheduler recomputes it when a worker comes
                    still.extend(pending[i:])
                    break
                keep(rows, weekly)
                bar.update(len(rows))
                progressed = True
            pending = still
            if progressed or not pending:
                idle_since = None
                continue
            if client.scheduler_info().get("workers"):
                idle_since = None
            elif idle_since is None:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > DASK_WORKER_TIMEOUT:
                for fut in pending:
                    fut.cancel()
                raise no_workers()
            time.sleep(0.2)


def _prepare(out: Path, spec: SweepSpec, digest: str, resume: bool, n_runs: int) -> dict[str, Any]:
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {out}: is a file, not a folder; choose another folder")
    if out.exists() and any(out.iterdir()):
        if not resume:
            raise SweepError(
                f"--out {out}: folder is not empty; use --resume to continue that sweep or choose another folder"
            )
        manifest = _read_manifest(out)
        if manifest.get("spec_hash") != digest:
            raise SweepError(f"--out {out}: holds a different sweep (spec or scenario changed); choose another folder")
        resumed = manifest.get("resumed", 0)
        manifest["resumed"] = (resumed if isinstance(resumed, int) and not isinstance(resumed, bool) else 0) + 1
        (out / "parts").mkdir(exist_ok=True)
        _write_manifest(out, manifest)  # counted now, so a resume that is itself killed still counts
        return manifest
    (out / "parts").mkdir(parents=True, exist_ok=True)
    manifest = {
        "spec": spec.model_dump(mode="json"),
        "spec_hash": digest,
        "runs": n_runs,
        "seeds": list(range(spec.seeds)),
        "versions": versions(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": None,
    }
    _write_manifest(out, manifest)
    return manifest


def _finish(out: Path, manifest: dict[str, Any], spec: SweepSpec, time: str) -> pd.DataFrame:
    parts = sorted((out / "parts").glob("runs-*.parquet"))
    table = pd.concat([_read_part(p) for p in parts], ignore_index=True)
    table = table.drop_duplicates("run").sort_values("run").reset_index(drop=True)
    _atomic_parquet(table, out / "runs.parquet")
    if spec.keep_weekly:
        weekly = (
            pd.concat([pd.read_parquet(p) for p in sorted((out / "parts").glob("weekly-*.parquet"))], ignore_index=True)
            .sort_values(["run", time])
            .reset_index(drop=True)
        )
        _atomic_parquet(weekly, out / "weekly.parquet")
    manifest["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    manifest["completed_runs"] = len(table)
    _write_manifest(out, manifest)
    return table


# ---------------------------------------------------------------- analysis


def analyze(out: str | Path, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Sensitivity indices per metric and parameter for a finished sobol or morris sweep (SALib).

    Sobol: first-order S1 and total ST with confidence half-widths; Morris: mu_star, sigma and mu_star_conf.
    Outcomes are averaged over seeds per design point first.
    """
    out = Path(out)
    manifest_path, runs_path = out / "manifest.json", out / "runs.parquet"
    if not manifest_path.is_file() or not runs_path.is_file():
        raise SweepError(f"{out}: not a finished sweep (needs manifest.json and runs.parquet)")
    spec = spec_from_dict(_read_manifest(out)["spec"], source=str(manifest_path))
    if spec.design not in ("sobol", "morris"):
        raise SweepError(f"{out}: analyze needs a 'sobol' or 'morris' design; this sweep used {spec.design!r}")
    table = _read_part(runs_path)
    names = list(spec.parameters)
    means = table.groupby("point").mean(numeric_only=True).sort_index()
    base = load_scenario(spec.scenario)
    expected = len(design_points(spec, base))
    if len(means) != expected:
        raise SweepError(f"{out}: {len(means)} of {expected} design points finished; resume the sweep first")
    known = get_model(base.model).metrics()
    wanted = list(metrics) if metrics else [m for m in (spec.metrics or known) if m in means.columns]
    unknown = [m for m in wanted if m not in means.columns]
    if unknown:
        raise SweepError(
            f"--metric: not in this sweep: {unknown}; allowed: {', '.join(c for c in means.columns if c in known)}"
        )
    prob = problem(spec)
    x = means[names].to_numpy(dtype=float)
    rows = []
    for m in wanted:
        y = means[m].to_numpy(dtype=float)
        undefined = int(np.isnan(y).sum())
        if undefined:  # no data at some design points: indices would be silently wrong, so there are none
            rows += [
                {
                    "metric": m,
                    "parameter": n,
                    **_blank(spec.design, float("nan")),
                    "note": f"undefined at {undefined} of {len(y)} design points",
                }
                for n in names
            ]
            continue
        if np.allclose(y, y[0]):
            rows += [{"metric": m, "parameter": n, **_blank(spec.design)} for n in names]
            continue
        if spec.design == "sobol":
            from SALib.analyze import sobol

            r = sobol.analyze(prob, y, calc_second_order=False, seed=spec.design_seed)
            rows += [
                {
                    "metric": m,
                    "parameter": n,
                    "S1": r["S1"][i],
                    "S1_conf": r["S1_conf"][i],
                    "ST": r["ST"][i],
                    "ST_conf": r["ST_conf"][i],
                }
                for i, n in enumerate(names)
            ]
        else:
            from SALib.analyze import morris

            r = morris.analyze(prob, x, y, num_levels=MORRIS_LEVELS, seed=spec.design_seed)
            rows += [
                {
                    "metric": m,
                    "parameter": n,
                    "mu_star": r["mu_star"][i],
                    "sigma": r["sigma"][i],
                    "mu_star_conf": r["mu_star_conf"][i],
                }
                for i, n in enumerate(names)
            ]
    return pd.DataFrame(rows)


def _blank(design: str, value: float = 0.0) -> dict[str, float]:
    keys = ("S1", "S1_conf", "ST", "ST_conf") if design == "sobol" else ("mu_star", "sigma", "mu_star_conf")
    return dict.fromkeys(keys, value)


def analysis_chart(table: pd.DataFrame):
    """A bar chart of the main index (ST or mu_star) per parameter, one panel per metric."""
    import altair as alt

    index = "ST" if "ST" in table else "mu_star"
    return (
        alt.Chart(table)
        .mark_bar()
        .encode(
            x=alt.X(f"{index}:Q", title=index),
            y=alt.Y("parameter:N", title=None),
            tooltip=["metric", "parameter", alt.Tooltip(f"{index}:Q", format=".3f")],
        )
        .properties(width=260, height=22 * table["parameter"].nunique() + 40)
        .facet(facet=alt.Facet("metric:N", title=None), columns=2)
        .resolve_scale(x="independent")
    )
