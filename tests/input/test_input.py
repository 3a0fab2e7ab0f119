"""The input boundary: files, uploads, extends, --set overrides, TOML writing and one-line messages.

Every reproducer of issue 16 that concerns scenario input is a test here; fuzzing is in tests/input/test_fuzz.py.
"""

import ast
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import Scenario, ScenarioError, bundled_scenarios, load_scenario, scenario_from_toml
from sim.input import (
    MAX_EXTENDS_DEPTH,
    MAX_FILE_BYTES,
    MAX_KEY_PARTS,
    MAX_NESTING,
    clean,
    dumps_toml,
    parse_override,
    parse_toml,
    parse_value,
    scenario_from_bytes,
    scenario_model,
)
from sim.registry import get_model

PRESETS = list(bundled_scenarios())
ROOT = Path(__file__).resolve().parents[2]


def test_extends_inherits_and_overrides():
    base, child = load_scenario("b2b_activation"), load_scenario("product_logic")
    assert child.leadership.trump == 0.9 and base.leadership.trump == 0.0
    assert child.departments["sales"].max_open_promises == base.departments["sales"].max_open_promises


def test_dotted_overrides_reach_any_value():
    s = load_scenario("b2b_activation").with_overrides(
        {"departments.sales.alignment": 0.9, "customers.population": 100000, "teams.core.wip_limit": 5}
    )
    assert s.departments["sales"].alignment == 0.9
    assert s.customers.population == 100000
    assert s.teams["core"].wip_limit == 5


def test_overrides_leave_the_original_untouched():
    s = load_scenario("b2b_activation")
    s.with_overrides({"leadership.trump": 1.0})
    assert s.leadership.trump == 0.0


@pytest.mark.parametrize(
    "text,expected",
    [
        ("a.b=0.9", ("a.b", 0.9)),
        ("a=3", ("a", 3)),
        ("a=true", ("a", True)),
        ("a=word", ("a", "word")),
        ('a=["x", "y"]', ("a", ["x", "y"])),
        ("a = 2 ", ("a", 2)),
    ],
)
def test_parse_override(text, expected):
    assert parse_override(text) == expected


def test_resolved_toml_round_trips():
    for name in PRESETS:
        s = load_scenario(name)
        again = scenario_from_toml(s.to_toml())
        assert again == s, name


@pytest.mark.parametrize(
    "overrides,fragments",
    [
        ({"departments.salez.alignment": 1}, ["unknown department 'salez'", "sales", "marketing"]),
        ({"departments.sales.alignmnt": 1}, ["unknown field 'alignmnt'", "alignment"]),
        ({"departments.sales.alignment": 1.5}, ["departments.sales.alignment", "less than or equal to 1"]),
        (
            {"leadership.shared_criterion": "vibes"},
            ["leadership.shared_criterion", "unknown metric", "activation_rate_30d"],
        ),
        ({"departments.sales.kpi": "vibes"}, ["departments.sales.kpi", "outcome_index"]),
        ({"funding.mode": "grant"}, ["funding.mode", "'product'", "'project'"]),
        ({"teams.core.approval_chain": ["legal", "ghost"]}, ["teams.core.approval_chain", "ghost", "legal"]),
        ({"departments.sales.requests.ghost": 1}, ["departments.sales.requests", "ghost", "core"]),
        ({"weeks": 0}, ["weeks", "greater than or equal to 1"]),
        ({"customers.population": "many"}, ["customers.population", "integer"]),
        ({"model": "march"}, ["model", "alignment"]),
    ],
)
def test_bad_overrides_name_field_and_allowed_values(overrides, fragments):
    with pytest.raises(ScenarioError) as err:
        load_scenario("b2b_activation", overrides)
    for fragment in fragments:
        assert fragment in str(err.value)


def test_unknown_scenario_lists_the_bundled_ones():
    with pytest.raises(ScenarioError, match="bundled scenarios: .*b2b_activation"):
        load_scenario("nope")


def test_malformed_toml(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("weeks = \n")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(path)


def test_unknown_field_in_file_lists_allowed_fields(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[teams.core]\nspeed = 3\n")
    with pytest.raises(ScenarioError, match=r"teams\.core\.speed: unknown field; allowed: capacity, wip_limit"):
        load_scenario(path)


def test_unknown_role(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[departments.wizards]\nrole = "magic"\n')
    with pytest.raises(ScenarioError, match="departments.wizards: unknown or missing role; allowed: leadership, sales"):
        load_scenario(path)


def test_extends_cycle_is_refused(tmp_path):
    (tmp_path / "a.toml").write_text('extends = "b.toml"\n')
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="extends: cycle"):
        load_scenario(tmp_path / "a.toml")


def test_oversized_upload_is_refused_before_parsing():
    with pytest.raises(ScenarioError, match="larger than"):
        scenario_from_toml("#" * (MAX_FILE_BYTES + 1))


def test_upload_may_extend_only_bundled_scenarios():
    with pytest.raises(
        ScenarioError,
        match="extends: unknown scenario '/etc/passwd'; an upload may extend a bundled scenario: .*b2b_activation",
    ):
        scenario_from_toml('extends = "/etc/passwd"\n')
    assert scenario_from_toml('extends = "data_blind"\n').departments["data_analytics"].maturity == 0.0


def test_bundled_files_are_valid_toml_with_only_known_top_level_keys():
    for path in bundled_scenarios().values():
        allowed = set(get_model(scenario_model(path)).schema().model_fields) | {"extends", "schema_version"}
        assert set(tomllib.loads(path.read_text())) <= allowed, path.name


def test_uploaded_bytes_are_size_checked_and_decoded():
    with pytest.raises(ScenarioError, match="larger than 256 KiB"):
        scenario_from_bytes(b"#" * (MAX_FILE_BYTES + 1), "big.toml")
    with pytest.raises(ScenarioError, match="not a UTF-8 text file"):
        scenario_from_bytes(b"\xff\xfe\x00weeks = 3", "binary.toml")
    with pytest.raises(ScenarioError, match="up.toml: weeks"):
        scenario_from_bytes(b"weeks = -1\n", "up.toml")
    assert scenario_from_bytes(b'extends = "data_blind"\nweeks = 12\n', "ok.toml").weeks == 12


def test_the_model_key_picks_the_schema_and_unknown_models_are_named():
    march = scenario_from_toml('model = "march1991"\np1 = 0.1\n')
    assert type(march).__name__ == "MarchScenario" and march.p1 == 0.1 and march.m == 30
    assert type(scenario_from_toml("weeks = 3\n")) is Scenario  # no model: the alignment model
    with pytest.raises(
        ScenarioError, match="model: unknown model 'nope'; registered: alignment, march1991, nk_departments"
    ):
        scenario_from_toml('model = "nope"\n')


def test_presets_can_be_listed_per_model_and_extends_keeps_the_model():
    assert set(bundled_scenarios("march1991")) == {"march1991", "march1991_turnover", "march1991_turbulence"}
    assert "b2b_activation" in bundled_scenarios("alignment")
    assert not set(bundled_scenarios("alignment")) & set(bundled_scenarios("nk_departments"))
    assert scenario_model("nk_departments_rubber_stamp") == "nk_departments"
    turnover = load_scenario("march1991_turnover")
    assert (turnover.model, turnover.p3, turnover.m) == ("march1991", 0.1, 30)
    assert scenario_from_toml(turnover.to_toml()) == turnover  # TOML round trip


# ---------------------------------------------------------------- issue 16's reproducers


def test_an_unknown_model_is_one_line_for_run_as_for_validate(tmp_path):
    path = tmp_path / "m.toml"
    path.write_text('model = "nope"\n')
    from sim.cli import main

    assert main(["validate", str(path)]) == 2
    assert main(["run", str(path), "--weeks", "5"]) == 2


@pytest.mark.parametrize(
    "text",
    [
        "v = " + "[" * 1000 + "]" * 1000,
        "v = " + "{a=" * 1000 + "1" + "}" * 1000,
        "a" + ".a" * 120_000 + " = 1",
        "[" + ".".join(["t"] * 5000) + "]",
        "\n".join(f"k{i} = {i}" for i in range(12_000)),
    ],
)
def test_expensive_toml_is_refused_before_parsing(text):
    with pytest.raises(
        ScenarioError,
        match=f"nested deeper than {MAX_NESTING}|more than {MAX_KEY_PARTS} parts|more than 10,000 keys|larger than",
    ):
        scenario_from_toml(text)


def test_strings_that_look_like_nesting_are_not_counted():
    deep = "[" * 100
    s = scenario_from_toml(f"description = \"{deep} # {{\"\nname = 'a.b.c.d.e.f.g.h.i.j.k.l.m.n'\n")
    assert s.description == deep + " # {" and s.name == "a.b.c.d.e.f.g.h.i.j.k.l.m.n"


def test_a_deep_set_value_and_a_deep_path_are_refused():
    with pytest.raises(ScenarioError, match="nested deeper"):
        parse_value("[" * 2000)
    with pytest.raises(ScenarioError, match="at most"):
        parse_override(".".join(["departments"] * 40) + "=1")
    assert parse_value("[" * 3) == "[[["  # malformed but shallow: a bare word


def test_a_long_extends_chain_is_refused(tmp_path):
    for i in range(1200):
        (tmp_path / f"s{i}.toml").write_text(f'extends = "s{i + 1}.toml"\n')
    (tmp_path / "s1200.toml").write_text("weeks = 3\n")
    with pytest.raises(ScenarioError, match=f"more than {MAX_EXTENDS_DEPTH} files"):
        load_scenario(tmp_path / "s0.toml")
    assert load_scenario(tmp_path / f"s{1200 - MAX_EXTENDS_DEPTH}.toml").weeks == 3


def test_nan_and_inf_kind_effects_are_refused_with_the_field_named():
    for value in ("nan", "inf", "-inf"):
        with pytest.raises(ScenarioError, match=r"kinds\.guided_setup\.true\.self_service: must be a finite"):
            scenario_from_toml(f"[kinds.guided_setup.true]\nself_service = {value}\n")


@pytest.mark.parametrize("name", ["x" * 300 + ".toml", "a/" * 600 + "b.toml", "bad\x00name.toml"])
def test_long_or_nul_paths_are_one_line(name, tmp_path):
    with pytest.raises(ScenarioError, match="too long|NUL") as err:
        load_scenario(name)
    assert "\x00" not in str(err.value)
    (tmp_path / "child.toml").write_text(f'extends = "{"y" * 300}.toml"\n')
    with pytest.raises(ScenarioError, match="too long|outside"):
        load_scenario(tmp_path / "child.toml")


@pytest.mark.parametrize("extends", ['["b2b_activation"]', "{a=1}", "3", '"../../etc/passwd"'])
def test_uploads_with_a_bad_extends_get_one_line(extends):
    with pytest.raises(ScenarioError, match="extends: unknown scenario"):
        scenario_from_toml(f"extends = {extends}\n")


def test_extends_stays_in_the_scenario_files_folder_unless_allowed(tmp_path):
    secret = tmp_path / "secret.toml"
    secret.write_text('password_hint = "hunter2"\n[private_table]\nx = 1\n')
    (tmp_path / "org").mkdir()
    child = tmp_path / "org" / "child.toml"
    for parent in ("../secret.toml", str(secret)):
        child.write_text(f'extends = "{parent}"\n')
        with pytest.raises(ScenarioError, match="outside the folder of child.toml; allowed: a bundled") as err:
            load_scenario(child)
        assert "hunter2" not in str(err.value) and "private_table" not in str(err.value)
        with pytest.raises(ScenarioError) as err:  # allowed: then checked like any file, without its content
            load_scenario(child, extends_anywhere=True)
        assert "hunter2" not in str(err.value)
    (tmp_path / "org" / "base.toml").write_text("weeks = 7\n")
    child.write_text('extends = "base.toml"\n')
    assert load_scenario(child).weeks == 7


def test_control_characters_are_never_echoed_raw():
    assert clean("a\x1b[31mred\nline\u202e") == "a\\x1b[31mred\\nline\\u202e"
    for text in ('[departments."evil\\u001b[2J"]\nrole = "x"\n', 'weeks = "\\u001b[2J"\n'):
        with pytest.raises(ScenarioError) as err:
            scenario_from_toml(text, "up\nload\x07.toml")
        assert str(err.value).isprintable(), repr(str(err.value))
    with pytest.raises(ScenarioError) as err:
        load_scenario("b2b_activation", dict([parse_override("departments.\x1bsales.alignment=1")]))
    assert str(err.value).isprintable() and "\\x1bsales" in str(err.value)


def test_names_and_strings_are_capped():
    with pytest.raises(ScenarioError, match="names are at most"):
        scenario_from_toml(f"[teams.{'t' * 500}]\n")
    with pytest.raises(ScenarioError, match="text is longer than"):
        scenario_from_toml(f'description = "{"d" * 6000}"\n')


def test_many_problems_make_one_short_line():
    text = "".join(f"[teams.t{i}]\nspeed = 1\n" for i in range(500))
    with pytest.raises(ScenarioError) as err:
        scenario_from_toml(text)
    assert "more problem(s)" in str(err.value) and len(str(err.value)) < 1000 and "\n" not in str(err.value)


def test_written_toml_escapes_control_characters_and_round_trips():
    s = Scenario().with_overrides({"description": 'tab\there\nline "q" \\ \x7f'})
    assert scenario_from_toml(s.to_toml()) == s


def _imports() -> dict[str, set[str]]:
    """sim module -> the sim modules it imports anywhere in its code (function-level imports included; imports
    for type checking only are not imports at run time)."""

    def nodes(tree):
        for node in ast.iter_child_nodes(tree):
            if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
                continue
            yield node
            yield from nodes(node)

    graph = {}
    for path in (ROOT / "sim").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found = set()
        for node in nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.startswith("sim."))
        graph[name] = found
    return graph


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, stack = set(), [start]
    while stack:
        for nxt in graph.get(stack.pop(), ()):
            if nxt not in seen and nxt != "sim":
                seen.add(nxt)
                stack.append(nxt)
    return seen


def test_the_schema_and_the_boundary_reach_no_model_and_no_registry():
    graph = _imports()
    for module in ("sim.scenario", "sim.input"):
        reached = _reach(graph, module)
        assert not reached & {"sim.registry", "sim.model", "sim.runner", "sim.classics.march1991.model"}, (
            module,
            reached,
        )
    assert "sim.scenario" not in _reach(graph, "sim.scenario")  # no circle through the schema
    assert "sim.input" in graph["sim.registry"]
    assert {"sim.input.files", "sim.input.toml"} <= _reach(graph, "sim.input")  # the walk sees the package's modules


def test_long_lists_do_not_make_long_messages():
    chain = '"legal",' * 25_000
    with pytest.raises(ScenarioError, match="'legal' appear\\(s\\) more than once") as err:
        scenario_from_toml(f"[teams.core]\napproval_chain = [{chain}]\n")
    assert len(str(err.value)) < 200
    teams = "".join(f"[teams.t{i}]\n" for i in range(3000))
    with pytest.raises(ScenarioError) as err:
        scenario_from_toml(teams + "[departments.sales.requests]\nghost = 1\n")
    assert "unknown team 'ghost'" in str(err.value) and len(str(err.value)) <= 1000


_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)
_SCALAR = st.one_of(st.integers(-(2**63), 2**63 - 1), st.floats(allow_nan=False), st.booleans(), _TEXT)
_DATA = st.recursive(
    st.dictionaries(_TEXT.filter(bool), _SCALAR, max_size=4),
    lambda inner: st.dictionaries(_TEXT.filter(bool), st.one_of(inner, st.lists(_SCALAR, max_size=4)), max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(data=_DATA)
def test_the_caps_never_refuse_what_the_writer_writes_and_it_reads_back(data):
    """No false alarms: brackets, dots, quotes and # inside strings and keys are not nesting, key parts or
    comments; what dumps_toml writes parses back to the same data."""
    text = dumps_toml(data)
    assert parse_toml(text, "t") == data


@pytest.mark.parametrize(
    "text, english, danish",
    [
        (
            "[leadership]\ntrump = 7",
            "pasted: leadership.trump: Input should be less than or equal to 1",
            "pasted: leadership.trump: Værdien må højst være 1",
        ),
        (
            "[leadership]\nbogus = 1",
            "pasted: leadership.bogus: unknown field; allowed: shared_criterion,",
            "pasted: leadership.bogus: ukendt felt; allowed: shared_criterion,".replace("allowed", "tilladt"),
        ),
        (
            '[leadership]\nshared_criterion = "vibes"',
            "unknown metric 'vibes'; allowed: activation_rate_30d",
            "ukendt måltal 'vibes'; tilladt: activation_rate_30d",
        ),
        (
            'extends = "nope"',
            "pasted: extends: unknown scenario 'nope'; an upload may extend a bundled scenario: ",
            "pasted: extends: ukendt scenarie 'nope'; en upload kan bygge videre på et medfølgende scenarie: ",
        ),
        ("x = [", "pasted: malformed TOML: ", "pasted: ugyldig TOML: "),
    ],
)
def test_messages_the_app_shows_read_in_danish_with_fields_and_allowed_values_as_they_are(text, english, danish):
    """The English message (str, the CLI) is unchanged; ``shown()`` in Danish keeps field names and values."""
    import pickle

    from sim import i18n

    with pytest.raises(ScenarioError) as err:
        scenario_from_toml(text, "pasted")
    assert english in str(err.value) and "\n" not in str(err.value)
    with i18n.language("da"):
        shown = err.value.shown()
    assert danish in shown and "\n" not in shown
    assert err.value.shown() == str(err.value)  # in English, shown is the message itself
    again = pickle.loads(pickle.dumps(err.value))  # e.g. from a worker process
    with i18n.language("da"):
        assert again.shown() == shown


@pytest.mark.parametrize(
    "text, english, danish",
    [
        (
            "a = 1\nb = 2\nc\n",
            "Expected '=' after a key in a key/value pair (at line 3, column 2)",
            "Der mangler '=' efter nøglen i et nøgle/værdi-par (linje 3, kolonne 2)",
        ),
        (
            "a = 1\nb",
            "Expected '=' after a key in a key/value pair (at end of document)",
            "Der mangler '=' efter nøglen i et nøgle/værdi-par (ved dokumentets slutning)",
        ),
        (
            "a = 1 2\n",
            "Expected newline or end of document after a statement (at line 1, column 7)",
            "Der skal være linjeskift eller slut på dokumentet efter en erklæring (linje 1, kolonne 7)",
        ),
        (
            "a = {b = 1, b = 2}\n",
            "Duplicate inline table key 'b' (at line 1, column 18)",
            "Nøglen 'b' står to gange i samme tabel (linje 1, kolonne 18)",
        ),
        (
            'a = "x',
            "Unterminated string (at end of document)",
            "En tekst mangler sit afsluttende anførselstegn (ved dokumentets slutning)",
        ),
        ('a = "x\n', "Illegal character '\\n' (at line 1, column 7)", "Ulovligt tegn '\\n' (linje 1, kolonne 7)"),
    ],
)
def test_malformed_toml_is_english_for_the_cli_and_danish_in_the_app(text, english, danish):
    """tomllib's message, line and column: the text (the CLI's) is tomllib's English as it was; shown in Danish it
    is a Danish sentence with the same line and column."""
    from sim.i18n import language, shown

    with pytest.raises(ScenarioError) as exc:
        scenario_from_toml(text, "pasted scenario")
    assert str(exc.value) == f"pasted scenario: malformed TOML: {english}"
    with language("da"):
        assert exc.value.shown() == f"pasted scenario: ugyldig TOML: {danish}"
        assert shown(exc.value) == exc.value.shown()


def test_an_unknown_toml_message_keeps_its_words_and_gets_its_position_translated():
    from sim.i18n import language, shown
    from sim.input import toml_problem

    cases = {
        "Something new (at line 2, column 1)": "Something new (linje 2, kolonne 1)",
        "No position at all": "No position at all",
    }
    for text, danish in cases.items():
        problem = toml_problem(tomllib.TOMLDecodeError(text))
        assert problem == text
        with language("da"):
            assert shown(problem) == danish


@pytest.mark.parametrize(
    "toml, english, danish",
    [
        ('model = "march1991"\np1 = 2', "p1: Input should be less than or equal to 1", "p1: Værdien må højst være 1"),
        (
            'model = "march1991"\nm = 0',
            "m: Input should be greater than or equal to 1",
            "m: Værdien skal være mindst 1",
        ),
        (
            'model = "march1991"\nm = "x"',
            "m: Input should be a valid integer, unable to parse string as an integer",
            "m: Værdien skal være et helt tal",
        ),
        (
            'model = "nk_departments"\nceo = "boss"',
            "ceo: Input should be 'screen' or 'rubber_stamp'",
            "ceo: Værdien skal være 'screen' eller 'rubber_stamp'",
        ),
        (
            'model = "march1991"\nbogus = 1',
            "bogus: unknown field; allowed: name, description, model, m, n",
            "bogus: ukendt felt; tilladt: name, description, model, m, n",
        ),
        (
            'model = "nk_departments"\ninteraction = "x"',
            "interaction: Input should be 'block', 'random' or 'full'",
            "interaction: Værdien skal være 'block', 'random' eller 'full'",
        ),
    ],
)
def test_pydantic_messages_are_english_text_and_danish_when_shown(toml, english, danish):
    from sim.i18n import language

    with pytest.raises(ScenarioError) as exc:
        scenario_from_toml(toml, "pasted")
    assert english in str(exc.value)
    with language("da"):
        assert danish in exc.value.shown(), exc.value.shown()
