"""Fuzzers of every input surface: scenario files, ``--set`` paths and values, sweep specs, uploads in the app,
organisation workbooks with hostile XML, and paths of any length on the command line.

Each case must end in a result or a clean one-line error (exit code 2, a ScenarioError/SweepError, a message in
the page), never a traceback. The quick profile runs in the normal test command (a few hundred cases per surface);
the long one (``make fuzz``: ``ALIGNSIM_FUZZ=long``, >= 10,000 cases per surface) also writes the figures of
docs/RELIABILITY.md to ``ALIGNSIM_FUZZ_REPORT`` (cases, clean errors, tracebacks, slowest case, peak memory).
``ALIGNSIM_FUZZ_CASES`` sets another number of cases per surface.
"""

from __future__ import annotations

import io
import json
import os
import resource
import time
from pathlib import Path
from typing import get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim import bundled_scenarios
from sim.cli import main
from sim.input import ScenarioError, dumps_toml, load_scenario, parse_override, scenario_from_bytes
from sim.registry import MODELS, BudgetError, cost, get_model
from sim.research.sweep import SweepError, plan, spec_from_dict, sweep

LONG = os.environ.get("ALIGNSIM_FUZZ") == "long"
CASES = {
    "quick": {
        "files": 300,
        "overrides": 300,
        "specs": 300,
        "uploads": 150,
        "workbooks": 200,
        "zips": 200,
        "paths": 150,
    },
    "long": {
        "files": 10_000,
        "overrides": 10_000,
        "specs": 10_000,
        "uploads": 10_000,
        "workbooks": 10_000,
        "zips": 10_000,
        "paths": 10_000,
    },
}["long" if LONG else "quick"]
if os.environ.get("ALIGNSIM_FUZZ_CASES"):  # one count for every surface (as the sweep-folder fuzzer takes it)
    CASES = dict.fromkeys(CASES, int(os.environ["ALIGNSIM_FUZZ_CASES"]))
#: A valid fuzzed scenario is also run for one week when one seed costs less than this (estimated seconds).
RUN_BELOW_SECONDS = 0.5
TALLY: dict[str, dict[str, float]] = {}


def _fuzz(surface: str):
    return settings(
        max_examples=CASES[surface],
        deadline=None,
        database=None,
        derandomize=not LONG,
        suppress_health_check=list(HealthCheck),
    )


def _count(surface: str, outcome: str, seconds: float) -> None:
    t = TALLY.setdefault(surface, {"cases": 0, "ok": 0, "clean_errors": 0, "tracebacks": 0, "slowest_s": 0.0})
    t["cases"] += 1
    t[outcome] += 1
    t["slowest_s"] = max(t["slowest_s"], round(seconds, 3))


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    path = os.environ.get("ALIGNSIM_FUZZ_REPORT")
    if path:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        Path(path).write_text(
            json.dumps(
                {"profile": "long" if LONG else "quick", "surfaces": TALLY, "peak_memory_mib": round(peak)}, indent=2
            )
        )


# ---------------------------------------------------------------- strategies, derived from the schemas


def _field_names() -> list[str]:
    names, seen, stack = set(), set(), [spec.schema() for spec in MODELS.values()]
    while stack:
        cls = stack.pop()
        if cls in seen:
            continue
        seen.add(cls)
        for name, field in cls.model_fields.items():
            names.add(name)
            args = [field.annotation]
            while args:
                a = args.pop()
                if isinstance(a, type) and issubclass(a, BaseModel):
                    stack.append(a)
                else:
                    args.extend(get_args(a))
                    names.update(x for x in get_args(a) if isinstance(x, str))
    from sim.scenario import ROLES, Scenario

    defaults = Scenario()
    names.update(ROLES, defaults.teams, defaults.departments, defaults.kinds, ["*"], MODELS, bundled_scenarios())
    return sorted(names)


NAMES = _field_names()
KEYS = st.one_of(
    st.sampled_from(NAMES),
    st.text(min_size=1, max_size=12),
    st.text(alphabet="ab._-*\x00\x1b\n\"'", min_size=1, max_size=6),
)
NUMBERS = st.one_of(
    st.integers(-3, 12),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2, 20),
)
SCALARS = st.one_of(NUMBERS, st.booleans(), st.sampled_from(NAMES), st.text(max_size=20))
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=12,
)
TABLES = st.recursive(
    st.dictionaries(KEYS, SCALARS, max_size=5),
    lambda inner: st.dictionaries(KEYS, st.one_of(inner, VALUES), max_size=5),
    max_leaves=25,
)
SNIPPETS = st.sampled_from(
    [
        "[" * 40,
        "{a=" * 40,
        "nan",
        "inf",
        "-inf",
        "\x00",
        "\x1b[2J",
        '"',
        "'''",
        "= =",
        "[[teams]]",
        "\n[a.b.c]\n",
        ".".join("k" * 3 for _ in range(20)),
        'extends = "../../etc/passwd"\n',
        'extends = ["b2b_activation"]\n',
        'extends = "b2b_activation"\n',
        'model = "march1991"\n',
        'model = "nope"\n',
        "population = 5000000\n",
        "weeks = 2000\n",
        "\n[teams.t1]\n[teams.t2]\n",
        "1e400",
        "0x7fffffffffffffffff",
        "\ufeff",
        "\u202e",
    ]
)


def _mutate(data) -> st.SearchStrategy[str]:
    return st.builds(
        lambda text, cuts: _splice(text, cuts),
        st.just(data),
        st.lists(st.tuples(st.integers(0, 10**6), SNIPPETS), max_size=4),
    )


def _splice(text: str, cuts) -> str:
    for pos, snippet in cuts:
        i = pos % (len(text) + 1)
        text = text[:i] + snippet + text[i:]
    return text


def _as_toml(data: dict) -> str:
    try:
        return dumps_toml(data)
    except (TypeError, ValueError, RecursionError):
        return ""


PRESET_TEXTS = [p.read_text() for p in bundled_scenarios().values()]
FILES = st.one_of(
    TABLES.map(_as_toml),
    st.sampled_from(PRESET_TEXTS).flatmap(_mutate),
    st.lists(st.sampled_from([*list("[]{}=.,\"'#\n abc0123+-e_"), "nan", "inf", "true"]), max_size=120).map("".join),
)


# ---------------------------------------------------------------- the CLI: files and overrides


def _cli(argv: list[str], capsys) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    return code, capsys.readouterr().err


def _check_cli(surface: str, argv: list[str], capsys) -> int:
    started = time.perf_counter()
    try:
        code, err = _cli(argv, capsys)
    except BaseException:
        _count(surface, "tracebacks", time.perf_counter() - started)
        raise
    _count(surface, "ok" if code == 0 else "clean_errors", time.perf_counter() - started)
    assert code in (0, 2), (code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.strip().isprintable() and "Traceback" not in err, err
    return code


def _cheap(scenario) -> bool:
    """Whether one time step of ``scenario`` is cheap enough for the fuzzer to run."""
    try:
        return cost(scenario.with_overrides({get_model(scenario.model).horizon: 1})) < RUN_BELOW_SECONDS
    except ScenarioError:
        return False


@_fuzz("files")
@given(text=FILES)
def test_fuzz_scenario_files_validate_and_run(tmp_path_factory, capsys, text):
    path = tmp_path_factory.mktemp("fuzz") / "scenario.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    if _check_cli("files", ["validate", str(path)], capsys) == 0 and _cheap(load_scenario(path)):
        _check_cli("files", ["run", str(path), "--weeks", "1"], capsys)


def _leaf_paths() -> list[str]:
    """Every dotted path to a value in the bundled presets (derived from the data, not listed by hand)."""
    found = set()

    def walk(node, prefix):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{prefix}{key}.")
        else:
            found.add(prefix.rstrip("."))

    for name in bundled_scenarios():
        walk(load_scenario(name).model_dump(mode="json"), "")
    return sorted(found)


LEAVES = _leaf_paths()
RANDOM_PATHS = st.lists(st.one_of(st.sampled_from(NAMES), KEYS), min_size=1, max_size=6).map(".".join)
PATHS = st.one_of(st.sampled_from(LEAVES), st.sampled_from(LEAVES), RANDOM_PATHS)
PLAUSIBLE = st.one_of(st.integers(0, 60), st.floats(0, 1), st.floats(-1, 50), st.booleans())
OVERRIDE_VALUES = st.one_of(
    PLAUSIBLE.map(lambda v: _as_toml({"v": v})[4:].strip()),
    PLAUSIBLE.map(lambda v: _as_toml({"v": v})[4:].strip()),
    VALUES.map(lambda v: _as_toml({"v": v})[4:].strip() or "x"),
    st.text(max_size=30),
    SNIPPETS,
)


@_fuzz("overrides")
@given(
    sets=st.lists(st.tuples(PATHS, OVERRIDE_VALUES), min_size=1, max_size=3),
    scenario=st.sampled_from(list(bundled_scenarios())),
)
def test_fuzz_set_paths_and_values(capsys, sets, scenario):
    argv = ["run", scenario, "--weeks", "1"]
    for path, value in sets:
        argv += ["--set", f"{path}={value}"]
    try:  # keep the fuzzer's runs short: a scenario made dear by the overrides is only shown
        if not _cheap(load_scenario(scenario, dict(parse_override(f"{p}={v}") for p, v in sets))):
            argv = ["show", scenario, *argv[4:]]
    except ScenarioError:
        pass
    _check_cli("overrides", argv, capsys)


# ---------------------------------------------------------------- sweep specs


SPEC_PARAMS = st.one_of(
    st.dictionaries(PATHS, st.lists(SCALARS, max_size=5), max_size=4),
    st.dictionaries(st.sampled_from(LEAVES), st.lists(PLAUSIBLE, min_size=1, max_size=3), min_size=1, max_size=3),
)
SPECS = st.fixed_dictionaries(
    {
        "scenario": st.one_of(st.sampled_from(list(bundled_scenarios())), st.text(max_size=20)),
        "parameters": st.one_of(
            SPEC_PARAMS, st.just({"leadership.trump": [0.0, 1.0]}), st.just({"customers.population": [100, 5_000_000]})
        ),
    },
    optional={
        "design": st.sampled_from(["grid", "lhs", "sobol", "morris", "x"]),
        "samples": st.one_of(st.integers(1, 4), NUMBERS),
        "seeds": st.one_of(st.integers(1, 2), NUMBERS),
        "weeks": st.one_of(st.just(1), NUMBERS),
        "periods": st.one_of(st.just(1), NUMBERS),
        "metrics": st.lists(st.sampled_from(NAMES), max_size=2),
        "keep_weekly": st.booleans(),
        "design_seed": NUMBERS,
        "extra": SCALARS,
    },
)


@_fuzz("specs")
@given(data=SPECS)
def test_fuzz_sweep_specs(data):
    started = time.perf_counter()
    outcome = "ok"
    try:
        spec = spec_from_dict(data)
        _, _points, runs = plan(spec, budget=5.0)
        if len(runs) <= 4:
            sweep(spec, workers=1, budget=5.0)
    except (SweepError, BudgetError):
        outcome = "clean_errors"
    except BaseException:
        _count("specs", "tracebacks", time.perf_counter() - started)
        raise
    _count("specs", outcome, time.perf_counter() - started)


# ---------------------------------------------------------------- uploads in the app


def _upload_page():
    import streamlit as st_

    from ui.widgets import upload_panel

    def accept(scenario, label):
        st_.session_state["accepted"] = scenario.to_toml()
        return ""

    upload_panel("", accept, "")


UPLOADS = st.one_of(FILES, TABLES.map(_as_toml).map(lambda t: 'extends = "b2b_activation"\n' + t)).map(
    lambda t: t.encode("utf-8", "replace").decode("utf-8")
)  # what a browser can send


@pytest.fixture(scope="module")
def upload_app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_upload_page, default_timeout=30)
    at.run()
    return at


@_fuzz("uploads")
@given(text=UPLOADS)
def test_fuzz_uploads_through_the_app(upload_app, text):
    at = upload_app
    started = time.perf_counter()
    at.session_state["accepted"] = ""
    at.sidebar.text_area(key="pasted").set_value(text).run()
    at.sidebar.button(key="use_pasted").click().run()
    seconds = time.perf_counter() - started
    if at.exception:
        _count("uploads", "tracebacks", seconds)
        pytest.fail(f"exception on the page: {at.exception[0].value}")
    errors = [e.value for e in at.sidebar.error]
    _count("uploads", "clean_errors" if errors else "ok", seconds)
    if errors:
        assert len(errors) == 1 and "\n" not in errors[0] and at.session_state["accepted"] == ""
    else:  # accepted: it is what the boundary makes of the same bytes
        expected = scenario_from_bytes(text.encode("utf-8", "surrogatepass"), "pasted scenario")
        assert at.session_state["accepted"] == expected.to_toml()


# ---------------------------------------------------------------- organisation workbooks with hostile XML


def _workbook_parts() -> dict[str, bytes]:
    from sim.input import orgsheet
    from tests.input.test_workbook import _parts, _with_shared_strings

    return _parts(_with_shared_strings(orgsheet.template_xlsx()))


WORKBOOK = _workbook_parts()
XML_SNIPPETS = st.sampled_from(
    [
        b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
        b"&e;",
        b"<c/>" * 5000,
        b"<row/>" * 5000,
        b'<c r="XFD1048576"><v>1</v></c>',
        b'<c r="A1" t="s"><v>-1</v></c>',
        b'<c t="b"><v>2</v></c>',
        b'<c t="n"><v>1e999</v></c>',
        b"<v>" + b"9" * 20000 + b"</v>",
        b'<row r="99999999">',
        b"</sheetData>",
        b"<",
        b"\x00",
        b"\xff\xfe",
        b"]]>",
        b"<![CDATA[",
        b'<?xml version="1.0" encoding="utf-16"?>',
        b'<dimension ref="A1:A1"/>',
    ]
)


@st.composite
def _workbooks(draw) -> bytes:
    from tests.input.test_workbook import _zip

    parts = dict(WORKBOOK)
    for _ in range(draw(st.integers(1, 3))):
        name = draw(st.sampled_from(sorted(n for n in parts if n.endswith((".xml", ".rels")))))
        data = parts[name]
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "truncate", "replace", "drop"]))
        if kind == "insert":
            data = data[:at] + draw(XML_SNIPPETS) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "replace":
            data = data[:at] + draw(st.binary(max_size=12)) + data[at + draw(st.integers(0, 12)) :]
        else:
            parts.pop(name)
            continue
        parts[name] = data
    return _zip(parts)


@_fuzz("workbooks")
@given(data=_workbooks())
def test_fuzz_organisation_workbooks(data):
    """A damaged or hostile workbook imports or gives one line; never a traceback, never a slow or costly parse."""
    _import_counted("workbooks", data, "org.xlsx")


def _import_counted(surface: str, data: bytes, name: str) -> None:
    """Import an organisation file as the app and ``alignsim calibrate`` do; count its outcome under ``surface``
    (imported, one clean line, or a traceback, which fails the test)."""
    from sim.input import orgsheet

    started = time.perf_counter()
    try:
        orgsheet.organisation(orgsheet.read_tables(data, name))
        outcome = "ok"
    except ScenarioError as exc:
        outcome = "clean_errors"
        assert "\n" not in str(exc) and str(exc).isprintable(), str(exc)
    except BaseException:
        _count(surface, "tracebacks", time.perf_counter() - started)
        raise
    _count(surface, outcome, time.perf_counter() - started)


# ---------------------------------------------------------------- workbooks and ZIPs of CSV files damaged below the XML


def _zips() -> dict[str, bytes]:
    from sim.input import orgsheet
    from tests.input.test_workbook import _zip

    return {"org.xlsx": _zip(WORKBOOK), "org.zip": orgsheet.template_csv_zip()}


ZIPS = _zips()


def _offsets() -> dict[str, dict[str, tuple[int, int, int, int]]]:
    """Where each member of each clean ZIP is: damage keeps the length, so these hold after it too."""
    import zipfile

    from tests.input.test_workbook import _member_offsets

    return {
        name: {i.filename: _member_offsets(data, i.filename) for i in zipfile.ZipFile(io.BytesIO(data)).infolist()}
        for name, data in ZIPS.items()
    }


OFFSETS = _offsets()


@st.composite
def _damaged_zips(draw) -> tuple[bytes, str]:
    """A workbook or a ZIP of CSV files whose bytes are damaged after zipping, where the XML fuzzer cannot reach:
    bytes flipped in a member's compressed data, its encryption flag set, its checksum or compression method
    changed, or bytes flipped anywhere in the file."""
    from tests.input.test_workbook import damaged_member

    name = draw(st.sampled_from(sorted(ZIPS)))
    data = ZIPS[name]
    for _ in range(draw(st.integers(1, 3))):
        member = draw(st.sampled_from(sorted(OFFSETS[name])))
        where = OFFSETS[name][member]  # the first damage may leave a ZIP that zipfile cannot even list
        how = draw(st.sampled_from(["deflate", "deflate", "deflate", "encrypted", "crc", "method", "anywhere"]))
        if how == "deflate":
            flips = draw(st.binary(min_size=1, max_size=16).filter(any))
            data = damaged_member(data, member, "deflate", at=draw(st.floats(0, 1)), flips=flips, offsets=where)
        elif how == "method":  # stored, bzip2, LZMA or a method zipfile does not know, in the central directory
            method = draw(st.sampled_from([0, 12, 14, 99]))
            data = damaged_member(data, member, "method", method=method, offsets=where)
        elif how == "anywhere":
            at = draw(st.integers(0, len(data) - 1))
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
        else:
            data = damaged_member(data, member, how, offsets=where)
    return data, name


@_fuzz("zips")
@given(case=_damaged_zips())
def test_fuzz_zip_damage_below_the_xml(case):
    """A workbook or ZIP of CSV files damaged after zipping imports or gives one line; never a traceback."""
    data, name = case
    _import_counted("zips", data, name)


# ---------------------------------------------------------------- paths given on the command line

PATH_PARTS = st.one_of(
    st.text(min_size=1, max_size=20),
    st.sampled_from(["..", ".", "x" * 255, "y" * 256, "\x00", "\x1b[2J", "\u202e", "con", "a/b", "", "~", "-"]),
    st.integers(1, 6000).map(lambda n: "z" * n),
)
PATHS = st.lists(PATH_PARTS, min_size=1, max_size=4).map("/".join)


@_fuzz("paths")
@given(
    path=PATHS, command=st.sampled_from(["analyze", "calibrate", "observed", "calibrate-out", "run-out", "validate"])
)
def test_fuzz_paths_on_the_command_line(tmp_path_factory, capsys, monkeypatch, path, command):
    """Any path, of any length or make, in any command: a result or one line with exit 2."""
    path = "./" + path if path.startswith("-") else path  # not a flag
    folder = tmp_path_factory.mktemp("paths")
    monkeypatch.chdir(folder)  # relative paths land here
    org = str(Path(__file__).resolve().parents[2] / "docs" / "examples" / "own_org")
    argv = {
        "analyze": ["analyze", path],
        "calibrate": ["calibrate", path, "--out", "org.toml"],
        "observed": ["calibrate", org, "--observed", path, "--out", "org.toml"],
        "calibrate-out": ["calibrate", org, "--out", f"{path}.toml"],
        "run-out": ["run", "b2b_activation", "--weeks", "1", "--set", "customers.population=50", "--out", path],
        "validate": ["validate", path],
    }[command]
    _check_cli("paths", argv, capsys)


def test_the_fuzzers_count_what_they_see():
    """Runs last in this module: each surface saw cases and none of them ended in a traceback."""
    for surface in CASES:
        assert TALLY.get(surface, {}).get("cases", 0) > 0, surface
        assert TALLY[surface]["tracebacks"] == 0, surface
