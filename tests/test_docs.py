"""The documentation stays true to the code: every parameter, metric and preset is documented."""

from pathlib import Path

from sim import METRICS, bundled_scenarios
from sim.scenario import ROLES, Behaviour, Customers, Funding, Kind, LeadershipLevers, Product, Scenario, Team

ROOT = Path(__file__).resolve().parent.parent
MODEL = (ROOT / "docs" / "MODEL.md").read_text()


def test_every_parameter_is_in_model_md():
    missing = []
    for cls in (Scenario, LeadershipLevers, Funding, Product, Customers, Team, Kind, Behaviour, *ROLES.values()):
        missing += [
            f"{cls.__name__}.{name}"
            for name in cls.model_fields
            if not any(form in MODEL for form in (f"`{name}`", f".{name}`", f"`{name}."))
        ]
    assert not missing, missing


def test_every_metric_and_role_is_in_model_md():
    assert [m for m in METRICS if f"| {m} |" not in MODEL] == []
    assert [r for r in ROLES if f"| {r} |" not in MODEL] == []


def test_every_preset_is_on_the_scenarios_page():
    scenarios = (ROOT / "docs" / "scenarios.md").read_text()
    assert [n for n in bundled_scenarios() if f"| `{n}` |" not in scenarios] == []


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_claims_report_is_generated_for_the_current_claims():
    from sim.research.claims import CLAIMS

    report = (ROOT / "docs" / "CLAIMS.md").read_text()
    assert report.startswith("# The claims, checked")
    for claim in CLAIMS:
        assert f"## {claim.id}: {claim.title}" in report, f"regenerate docs/CLAIMS.md ({claim.id} changed)"
    assert "## Robustness" in report


def test_research_example_specs_are_valid():
    from sim.research.sweep import load_spec, plan

    for path in sorted((ROOT / "docs" / "examples").glob("*.toml")):
        _base, _points, runs = plan(load_spec(path))
        assert len(runs) > 0, path.name


def test_research_example_script_runs(tmp_path):
    import re
    import shutil
    import subprocess
    import sys

    text = (ROOT / "docs" / "RESEARCH.md").read_text()
    script = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    shutil.copytree(ROOT / "docs" / "examples", tmp_path / "docs" / "examples")
    (tmp_path / "example.py").write_text(script)
    proc = subprocess.run(
        [sys.executable, "example.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": ""},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (tmp_path / "results" / "sales" / "activation.png").read_bytes().startswith(b"\x89PNG")


def test_classics_doc_documents_every_reference_parameter_and_metric():
    from sim import MODELS
    from sim.scenario import ScenarioBase

    classics = (ROOT / "docs" / "CLASSICS.md").read_text()
    for name, spec in MODELS.items():
        if name == "alignment":
            continue
        assert f"`{name}`" in classics
        params = [p for p in spec.schema().model_fields if p not in ScenarioBase.model_fields]
        assert [p for p in params if f"| `{p}` |" not in classics] == [], name
        assert [m for m in spec.metrics() if f"| {m} |" not in classics] == [], name
    for figure in ("march_figure1.png", "march_turnover.png", "march_turbulence.png", "nk_incentives.png"):
        assert f"classics/{figure}" in classics and (ROOT / "docs" / "classics" / figure).is_file()


def test_classics_specs_are_valid_and_the_reproduction_script_runs(tmp_path):
    import subprocess
    import sys

    from sim.research.sweep import load_spec, plan

    for path in sorted((ROOT / "docs" / "classics").glob("*.toml")):
        assert len(plan(load_spec(path))[2]) > 0, path.name
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "docs" / "classics" / "reproduce.py"),
            "--seeds",
            "2",
            "--workers",
            "1",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "### Figure 1" in proc.stdout and "| random, K = 3 |" in proc.stdout
    assert (tmp_path / "march_figure1.png").read_bytes().startswith(b"\x89PNG")


# ---------------------------------------------------------------- MODEL.md §10 defaults against the schema


def _section(text: str, number: int) -> str:
    start = text.index(f"\n## {number}. ")
    return text[start : text.index("\n## ", start + 1)]


def _subsections(section: str) -> dict[str, str]:
    """``### heading`` -> its text."""
    parts = section.split("\n### ")[1:]
    return {p.split("\n", 1)[0]: p.split("\n", 1)[1] for p in parts}


def _rows(text: str) -> list[list[str]]:
    """The body rows of every Markdown table in ``text`` (header and rule rows left out)."""
    rows, lines = [], text.splitlines()
    for n, line in enumerate(lines):
        if not line.startswith("| ") or set(line) <= set("|- "):
            continue
        if n + 1 < len(lines) and set(lines[n + 1]) <= set("|- ") and lines[n + 1].startswith("|-"):
            continue  # a header row
        rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows


def _value(cell: str):
    """A documented default as a Python value: none, true/false, "text", numbers (thin spaces allowed), JSON."""
    import json

    cell = cell.strip()
    if cell == "required for a new kind":
        return REQUIRED
    if cell == "none":
        return None
    if cell in ("true", "false"):
        return cell == "true"
    if cell[:1] in '"[{':
        return json.loads(cell)
    return float(cell.replace(" ", "").replace(" ", ""))


def _same(documented, default) -> bool:
    import math

    if isinstance(documented, bool) or isinstance(default, bool):
        return type(documented) is type(default) and documented == default
    if isinstance(documented, float) and isinstance(default, (int, float)) and not isinstance(default, bool):
        return math.isclose(documented, float(default), rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(documented, dict) and isinstance(default, dict):
        return documented.keys() == default.keys() and all(_same(_num(documented[k]), default[k]) for k in default)
    return documented == default


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


#: How MODEL.md writes the default of a field that has none (the schema requires it).
REQUIRED = "required"


def _schema_default(cls, name: str):
    from pydantic_core import PydanticUndefined

    field = cls.model_fields[name]
    if field.default_factory is not None:
        return field.default_factory()
    if field.is_required():
        return REQUIRED
    return None if field.default is PydanticUndefined else field.default


#: Rows of §10 whose default is not a schema default, and why.
NOT_SCHEMA_DEFAULTS = {"extends": "files only, not a schema field", "name": "a file's name is its file name"}


def test_every_default_in_model_md_parameter_tables_is_the_schema_default():
    from sim.scenario import Assumptions, KpiProxy, _DepartmentSettings

    params = _subsections(_section(MODEL, 10))
    tables = {  # heading prefix -> (schema class, documented path prefix)
        "Top level": (Scenario, ""),
        "Leadership": (LeadershipLevers, "leadership."),
        "Funding": (Funding, "funding."),
        "Product drivers": (Product, "product."),
        "Customers": (Customers, "customers."),
        "Behaviour": (Behaviour, "behaviour."),
        "Teams": (Team, ""),
        "Kinds": (Kind, ""),
    }
    checked, wrong = set(), []
    for heading, (cls, prefix) in tables.items():
        (body,) = [text for h, text in params.items() if h.startswith(heading)]
        for path, cell, *_ in _rows(body):
            name = path.strip("`").removeprefix(prefix)
            if name in NOT_SCHEMA_DEFAULTS:
                continue
            assert name in cls.model_fields, f"§10 {heading}: {path} is not a field of {cls.__name__}"
            if not _same(_value(cell), _schema_default(cls, name)):
                wrong.append(f"{heading}: {path} documented {cell}, code {_schema_default(cls, name)!r}")
            checked.add((cls, name))
    (body,) = [text for h, text in params.items() if h.startswith("Assumptions")]
    for path, cell, *_ in _rows(body):
        *table, name = path.strip("`").removeprefix("assumptions.").split(".")
        cls = KpiProxy if table == ["kpi_proxy"] else Assumptions
        if not _same(_value(cell), _schema_default(cls, name)):
            wrong.append(f"Assumptions: {path} documented {cell}, code {_schema_default(cls, name)!r}")
        checked.add((cls, name))
    # every field of these schemas has a row (nested tables are documented by their own rows)
    nested = {
        "leadership",
        "funding",
        "product",
        "customers",
        "teams",
        "departments",
        "kinds",
        "assumptions",
        "behaviour",
    }
    for cls in (Scenario, LeadershipLevers, Funding, Product, Customers, Team, Kind, KpiProxy, Behaviour):
        missing = [
            n for n in cls.model_fields if (cls, n) not in checked and n not in nested and n not in NOT_SCHEMA_DEFAULTS
        ]
        assert not missing, f"§10 has no row for {cls.__name__}: {missing}"
    assert (Assumptions, "folk_wisdom") in checked

    # departments: the common table against the base schema, the role table against each role's schema
    (body,) = [text for h, text in params.items() if h.startswith("Departments")]
    common, roles = [], []
    for row in _rows(body):
        (roles if row[0] in ROLES else common).append(row)
    for path, cell, _ in common:
        name = path.strip("`")
        assert name in _DepartmentSettings.model_fields or name == "role", f"§10 Departments: {path} is not a parameter"
        if cell == "per role":
            assert name not in _DepartmentSettings.model_fields or _schema_default(_DepartmentSettings, name) in (
                None,
                REQUIRED,
            ), name
            assert all(_schema_default(cls, name) is not None for cls in ROLES.values()), name
            continue
        if not _same(_value(cell), _schema_default(_DepartmentSettings, name)):
            wrong.append(f"Departments: {path} documented {cell}, code {_schema_default(_DepartmentSettings, name)!r}")
    assert {r[0] for r in roles} == set(ROLES)
    import re

    columns = ("kpi", "target", "alignment", "influence", "demand_rate", "requests")
    for role, *cells, own in roles:
        cls = ROLES[role]
        documented = dict(zip(columns, cells))
        documented["kpi"] = f'"{documented["kpi"]}"'
        documented.update(re.findall(r"`(\w+)` = ([^,]+)", own))
        for name, cell in documented.items():
            assert name in cls.model_fields, f"§10 role table: {name} is not a parameter of {role}"
            if not _same(_value(cell), _schema_default(cls, name)):
                wrong.append(f"{role}: {name} documented {cell}, code {_schema_default(cls, name)!r}")
        # every own parameter of the role, and every common one it changes, is in its row
        for name in cls.model_fields:
            if name in documented or name == "role":
                continue
            own_field = name not in _DepartmentSettings.model_fields
            assert not own_field and _same(
                _num(_schema_default(cls, name)), _schema_default(_DepartmentSettings, name)
            ), f"§10 role table: {role}.{name} = {_schema_default(cls, name)!r} is not documented"
    assert not wrong, wrong


def test_model_md_metrics_table_is_the_registry():
    rows = {row[0]: row[1] for row in _rows(_section(MODEL, 9)) if len(row) == 3}
    assert set(rows) == set(METRICS), set(rows) ^ set(METRICS)
    assert {name: kind for name, kind in rows.items() if METRICS[name].kind != kind} == {}


def _worth() -> dict[str, tuple[float, float]]:
    """Each kind's value per person-week on the yardstick, true and believed, the best kind 1 (§6's last column)."""
    from sim.model import AlignmentModel
    from sim.work import realised

    m = AlignmentModel(Scenario().with_overrides({"customers.population": 100}), seed=0)
    true = [float(realised(t, m.drivers) @ m.yardstick.value) / s for t, s in zip(m.kind_true, m.kind_size)]
    believed = [float(realised(b, m.drivers) @ m.yardstick.value) / s for b, s in zip(m.kind_believed, m.kind_size)]
    top = max(true)
    return {n: (t / top, b / top) for n, t, b in zip(m.kind_names, true, believed)}


def test_model_md_catalogue_table_is_the_code_catalogue():
    """§6's table of kinds: serves, direction and size as in sim/work.py, value columns as the default assumptions
    make them, and the scale constant as in code."""
    from sim.scenario import Assumptions
    from sim.work import DEFAULT_KINDS, OUTCOME

    section = _section(MODEL, 6)
    assert f"`behaviour.effect_scale` = {Behaviour().effect_scale}" in section
    short = {
        "onboarding": "onboarding_ease",
        "fit": "feature_fit",
        "reliability": "reliability",
        "self-service": "self_service",
    }
    a = Assumptions()
    rows = {row[0]: row[1:] for row in _rows(section) if row[0] in DEFAULT_KINDS}
    assert set(rows) == set(DEFAULT_KINDS)
    worth = _worth()
    for kind, (serves, direction, size, true, believed, value) in rows.items():
        spec = DEFAULT_KINDS[kind]
        assert serves == spec["serves"], kind
        documented = {
            short[d.rsplit(" ", 1)[0]]: float(d.rsplit(" ", 1)[1].replace("−", "-")) for d in direction.split(", ")
        }
        assert documented == spec["direction"], kind
        assert float(size) == spec["size"], kind
        q = 1.0 if spec["serves"] == OUTCOME else a.proxy(spec["serves"])
        assert float(true) == round(q, 2), kind
        assert float(believed) == round(a.folk_wisdom * q + 1 - a.folk_wisdom, 2), kind
        assert float(value.split(" ")[0]) == round(worth[kind][0], 2), kind
        if spec["serves"] != OUTCOME:
            assert float(value.split("(")[1].rstrip(")")) == round(worth[kind][1], 2), kind
    proxies = {
        row[0].strip("`"): float(row[1]) for row in _rows(section) if row[0].startswith(("`kpi_proxy.", "`folk_wisdom"))
    }
    roles = type(a.kpi_proxy).model_fields
    assert proxies == {"folk_wisdom": a.folk_wisdom, **{f"kpi_proxy.{r}": a.proxy(r) for r in roles}}


def test_odd_has_every_element_and_its_code_references_exist():
    """docs/ODD.md follows ODD (Grimm et al. 2020) with the ODD+D decision elements, and every `file: name`
    reference names a function, class or method that exists."""
    import importlib
    import re

    odd = (ROOT / "docs" / "ODD.md").read_text()
    for heading in (
        "## 1. Purpose and patterns",
        "## 2. Entities, state variables and scales",
        "## 3. Process overview and scheduling",
        "## 4. Design concepts",
        "## 5. Initialization",
        "## 6. Input data",
        "## 7. Submodels",
        "### Decision-making (ODD+D)",
    ):
        assert heading in odd, heading
    for concept in (
        "Basic principles",
        "Emergence",
        "Adaptation",
        "Objectives",
        "Learning",
        "Prediction",
        "Sensing",
        "Interaction",
        "Stochasticity",
        "Collectives",
        "Observation",
        "Theoretical and empirical background",
        "Decision model",
        "Heuristics",
        "Uncertainty",
        "Social norms and cultural values",
        "Heterogeneity",
    ):
        assert f"**{concept}.**" in odd, concept
    refs = re.findall(r"`((?:sim|agents)/\w+\.py): ([\w., ]+)`", odd)
    assert len(refs) > 20
    missing = []
    for path, names in refs:
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        owner = None
        for name in (n.strip() for n in names.split(",")):
            if "." in name:
                cls, attr = name.split(".")
                owner = getattr(module, cls, None)
                found = owner is not None and hasattr(owner, attr)
            else:
                found = hasattr(module, name) or (owner is not None and hasattr(owner, name))
            if not found:
                missing.append(f"{path}: {name}")
    assert not missing, missing


def test_model_md_driver_weights_are_the_derived_ones():
    """§3's table of driver weights is what sim.value derives for the default scenario (to two decimals)."""
    from sim.value import yardstick

    names = {
        "value (the yardstick; outcome_index, outcome_change)": "value",
        "revenue": "revenue",
        "30-day activation": "activation_rate_30d",
        "active_share (customers using the product per 100 paying)": "active_share",
        "support contacts per customer": "support_contacts_per_customer",
        "churn": "churn_rate",
    }
    weights = yardstick(Scenario()).weights
    rows = {r[0]: r[1:] for r in _rows(_section(MODEL, 3)) if r[0] in names}
    assert set(rows) == set(names)
    for label, cells in rows.items():
        assert [float(c) for c in cells] == [
            round(abs(w), 2) if abs(w) < 0.005 else round(w, 2) for w in weights[names[label]]
        ], label
