"""Dotted paths into scenario data: ``--set`` overrides parsed, checked, read and written in one place."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from sim.i18n import N_, Message
from sim.input.errors import MAX_KEY_PARTS, MAX_NAME_CHARS, MAX_VALUE_CHARS, ScenarioError, clean, show
from sim.input.toml import parse_toml

# ---------------------------------------------------------------- --set overrides


def parse_value(text: str) -> Any:
    """A TOML value (number, bool, string, array, inline table); bare words are strings."""
    if len(text) > MAX_VALUE_CHARS:
        raise ScenarioError(f"value {show(text)}: longer than {MAX_VALUE_CHARS:,} characters")
    try:
        return parse_toml(f"v = {text}", "value")["v"]
    except ScenarioError as exc:
        if "malformed TOML" in str(exc):
            return text
        raise ScenarioError(f"value {show(text)}: {str(exc).removeprefix('value: ')}") from None


def check_path(path: str, what: str = "override") -> list[str]:
    """A dotted path's parts, capped in length and depth."""
    shown = clean(path if len(path) <= 80 else path[:77] + "...")
    if len(path) > MAX_KEY_PARTS * (MAX_NAME_CHARS + 1) or path.count(".") >= MAX_KEY_PARTS:
        raise ScenarioError(
            f"{what} {shown}: a path has at most {MAX_KEY_PARTS} parts of at most {MAX_NAME_CHARS} characters"
        )
    parts = path.split(".")
    if any(not p for p in parts):
        raise ScenarioError(
            f"{what} {shown}: empty part in the path; use dots between names, e.g. departments.sales.alignment"
        )
    if any(len(p) > MAX_NAME_CHARS for p in parts):
        raise ScenarioError(f"{what} {shown}: names are at most {MAX_NAME_CHARS} characters")
    return parts


def parse_override(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` -> (path, value)."""
    if "=" not in text:
        raise ScenarioError(
            Message(
                N_("override {text}: expected PATH=VALUE, e.g. {example}"),
                text=show(text),
                example="departments.sales.alignment=0.9",
            )
        )
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ScenarioError(Message(N_("override {text}: empty path"), text=show(text)))
    check_path(path)
    return path, parse_value(value.strip())


def path_problem(data: dict[str, Any], parts: list[str], free: Iterable[str] = ()) -> Message | None:
    """What ``data`` lacks for a dotted path (its parts), with what it has there; None when the path exists or
    may be added (new keys only under the mappings named in ``free``)."""
    node: Any = data
    for depth, part in enumerate(parts):
        parent = parts[depth - 1] if depth else ""
        here = ".".join(parts[:depth]) or "scenario"
        if not isinstance(node, dict):
            return Message(N_("{here} is a value, not a table"), here=here)
        if part not in node and parent not in free:
            what = {
                "departments": N_("unknown department"),
                "teams": N_("unknown team"),
                "kinds": N_("unknown kind"),
            }.get(parent, N_("unknown field"))
            return Message(
                N_("{unknown} {name} in {here}; allowed: {allowed}"),
                unknown=Message(what),
                name=show(part),
                here=here,
                allowed=", ".join(map(str, node)),
            )
        node = {} if node.get(part) is None else node[part]
    return None


def set_path(data: dict[str, Any], path: str, value: Any, free: Iterable[str] = ()) -> None:
    """Set ``data`` at a dotted path. New keys may be added only under the mappings named in ``free``
    (their keys are names chosen by the user, e.g. team names in ``requests``)."""
    parts = check_path(path)
    problem = path_problem(data, parts, set(free))
    if problem is not None:
        raise ScenarioError(Message(N_("override {path}: {problem}"), path=clean(path), problem=problem))
    node: Any = data
    for part in parts[:-1]:
        if node.get(part) is None:
            node[part] = {}
        node = node[part]
    node[parts[-1]] = value


def get_path(data: Any, path: str) -> Any:
    """The value of ``data`` (nested mappings) at a dotted path; a KeyError names the missing part."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(f"{path}: no {part!r} there")
        node = node[part]
    return node


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``, merging nested tables key by key."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out
