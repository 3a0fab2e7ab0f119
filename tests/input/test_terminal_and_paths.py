"""User text reaches the terminal escaped, and paths of any length are one line and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
EVIL = (
    'name = "evil\\u001b[31mred\\u001b]0;pwned\\u0007"\n'
    'description = "desc \\u001b[2J cleared \\u202e"\n'
    'extends = "b2b_activation"\nweeks = 2\n[customers]\npopulation = 100\n'
)


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{f}"],
        ["run", "{f}"],
        ["compare", "{f}", "{f}", "--seeds", "2"],
        ["run", "{f}", "--format", "json"],
    ],
    ids=["validate", "run", "compare", "run-json"],
)
def test_a_scenarios_name_and_description_reach_the_terminal_escaped(argv, tmp_path, capsys):
    path = tmp_path / "evil.toml"
    path.write_text(EVIL)
    assert main([a.replace("{f}", str(path)) for a in argv]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "evil" in captured.out


LONG = "/tmp/" + "x" * 5000


@pytest.mark.parametrize(
    "argv",
    [
        ["analyze", LONG],
        ["calibrate", LONG, "--out", "org.toml"],
        ["calibrate", str(EXAMPLES / "own_org"), "--observed", LONG, "--out", "org.toml"],
        ["calibrate", str(EXAMPLES / "own_org"), "--out", LONG + ".toml"],
        ["run", "b2b_activation", "--weeks", "1", "--out", LONG],
        ["validate", LONG],
        ["run", LONG],
        ["analyze", "/tmp/" + "y" * 300],  # one part longer than 255
    ],
    ids=["analyze", "calibrate-org", "calibrate-observed", "calibrate-out", "run-out", "validate", "run", "part"],
)
def test_very_long_paths_give_one_short_line_and_exit_2(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err and err.startswith("alignsim: error: "), err
    assert "path is too long" in err and len(err) < 400
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(
    "flags",
    [
        ["--rank", "--lever", "leadership.real_choice", "--seeds", "2", "--confirm-seeds", "2"],
        ["--target", "<=100%", "--set", "weeks=26", "--set", "customers.population=1000", "--seeds", "2"],
    ],
    ids=["rank", "goal-seek"],
)
def test_advise_prints_the_scenarios_name_escaped(flags, tmp_path, capsys):
    """``advise --rank`` ("What moves ... in NAME") and the goal seek ("NAME already reaches ...") print the name."""
    from sim.research import advice

    path = tmp_path / "evil.toml"
    path.write_text(EVIL)
    advice.clear_cache()
    assert main(["advise", str(path), *flags, "--trials", "2", "--workers", "1"]) == 0
    captured = capsys.readouterr()
    for text in (captured.out, captured.err):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "evil\\x1b[31mred\\x1b]0;pwned\\x07" in captured.out


def test_a_very_long_sweep_out_path_is_one_short_line(tmp_path, capsys, monkeypatch):
    """The sweep --out message repeated the whole 5,000-character path; it is shortened like the others."""
    monkeypatch.chdir(tmp_path)
    spec = tmp_path / "s.toml"
    spec.write_text(
        'scenario = "b2b_activation"\nweeks = 2\nseeds = 1\n[parameters]\n"leadership.trump" = [0.0, 1.0]\n'
    )
    assert main(["sweep", str(spec), "--out", LONG]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and len(err) < 200 and "path is too long" in err, err
