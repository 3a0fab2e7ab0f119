"""Your own organisation as a spreadsheet: the template a leader fills in, and its import into a scenario.

A workbook (XLSX) or a set of CSV files (one per sheet, e.g. in a ZIP) holds five sheets:

- ``organisation``: ``setting, value`` rows (name, market size, contract value, funding, shared goal, ...);
- ``departments``: one row per department: its role, KPI and target, and its influence and alignment, given as
  numbers 0..1 or as answers to two plain questions (:data:`INFLUENCE_ANSWERS`, :data:`ALIGNMENT_ANSWERS`);
- ``teams``: one row per product team: people, WIP limit, alignment (number or answer) and its approval chain;
- ``requests``: who requests work from whom (department, team, weight);
- ``dependencies``: which team needs work from which (team, needs, share of items).

The import caps the upload (size, compressed members, rows, text length) before parsing, reads cells as values
(never formulas or macros), checks every cell against the allowed values and validates the result through the
scenario boundary (``sim.input``) with the same caps as a scenario file. A problem is one line naming the sheet,
row and column and the allowed values: a :class:`~sim.i18n.Message` whose ``str`` is English (the CLI's) and that
``ScenarioError.shown()`` writes in the page's language (sheet, column and allowed names stay the file's). The
result is a complete scenario: every value explicit, nothing extended, and exactly the departments of the sheet
(``default_departments = false``): a department the sheet leaves out does not exist in the model, and
:class:`OrgImport` says what its absence means (``sim.scenario.WITHOUT_ROLE``). No role is required: approvals and
requests may name only the departments the sheet lists.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import re
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.i18n import N_, Message
from sim.input import MAX_FILE_BYTES, MAX_NAME_CHARS, ScenarioError, check_lengths, clean, show, validation_problems
from sim.input.errors import check_file_path
from sim.input.names import LookAlikes, name_problem
from sim.input.observed import as_typed
from sim.input.workbook import UNPACK_ERRORS, MemberError, open_member, read_sheets
from sim.metrics import METRICS
from sim.present.levers import DEPARTMENT_NAMES
from sim.scenario import ALL_TEAMS, ROLES, WITHOUT_ROLE, Scenario

#: Sheets of the template, in order, and their columns (the first column names the row's unit or setting).
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": ("setting", "value"),
    "departments": (
        "department",
        "kpi",
        "target",
        "influence",
        "alignment",
        "gets_what_it_asks_for",
        "follows_when_goals_clash",
    ),
    "teams": ("team", "people", "wip_limit", "alignment", "follows_when_goals_clash", "approvals"),
    "requests": ("department", "team", "weight"),
    "dependencies": ("team", "needs", "share"),
}
REQUIRED_SHEETS = ("departments", "teams")
#: Plain question -> influence: "When this department asks a product team for work, does it get it?"
INFLUENCE_QUESTION = "When this department asks a product team for work, does it get it?"
INFLUENCE_ANSWERS: dict[str, float] = {"rarely": 0.1, "sometimes": 0.35, "usually": 0.6, "almost always": 0.85}
#: Plain question -> alignment: "When the shared goal and its own KPI pull apart, which does it follow?"
ALIGNMENT_QUESTION = "When the shared goal and its own KPI pull apart, which does it follow?"
ALIGNMENT_ANSWERS: dict[str, float] = {
    "its own kpi": 0.1,
    "mostly its own kpi": 0.3,
    "both equally": 0.5,
    "mostly the shared goal": 0.7,
    "the shared goal": 0.9,
}
#: Settings of the organisation sheet: name -> (scenario path, what it means).
SETTINGS: dict[str, tuple[str, str]] = {
    "name": ("name", "a short name for your organisation"),
    "description": ("description", "one sentence about it"),
    "weeks": ("weeks", "weeks to simulate (1..2000)"),
    "accounts": ("customers.population", "accounts in your market: prospects and customers (10..5,000,000)"),
    "contract_value": ("customers.acv", "annual contract value per account (EUR)"),
    "funding": ("funding.mode", "product (teams persist) or project (planned by milestones)"),
    "shared_goal": ("leadership.shared_criterion", "the metric everyone is asked to serve"),
    "shared_target": ("leadership.shared_target", "its target"),
    "shared_goal_trumps_kpis": ("leadership.trump", "how much the shared goal overrides local KPIs (0..1)"),
    "teams_can_say_no": ("leadership.real_choice", "yes: a team's WIP limit holds against demands"),
}
#: Caps of the import on top of the file size cap: rows per sheet, members and unpacked bytes of a ZIP/XLSX.
MAX_ROWS = 200
MAX_MEMBERS = 64
MAX_UNPACKED_BYTES = 8 * 1024 * 1024
#: Unit names: letters, digits, spaces, ``_`` and ``-`` (they become TOML keys and parts of override paths).
NAME = re.compile(r"[^\W][\w \-]*", re.UNICODE)
YES, NO = ("yes", "true", "1"), ("no", "false", "0")


@dataclass
class OrgImport:
    """An imported organisation: the scenario, and what the import says about it (e.g. what the departments the
    sheet leaves out mean); each note a :class:`~sim.i18n.Message` (English, shown in the current language with
    ``sim.i18n.shown``)."""

    scenario: Scenario
    notes: list[Message] = field(default_factory=list)


class _Cell:
    """Where a value came from: for messages naming the sheet, row (as the spreadsheet numbers it) and column."""

    def __init__(self, sheet: str, row: int, column: str):
        self.sheet, self.row, self.column = sheet, row, column

    def error(self, problem: Message | str) -> ScenarioError:
        """The problem of this cell, prefixed with where it is (``sheet teams, row 2, column approvals: ...``; in
        Danish ``ark teams, række 2, kolonne approvals: ...``: sheet and column keep the file's names)."""
        return ScenarioError(
            Message(
                N_("sheet {sheet}, row {row}, column {column}: {problem}"),
                sheet=self.sheet,
                row=self.row,
                column=self.column,
                problem=problem,
            )
        )


# ---------------------------------------------------------------- reading files into tables


Tables = dict[str, list[dict[str, Any]]]


def read_tables(data: bytes, filename: str) -> Tables:
    """Sheet -> rows (column -> cell value) from an uploaded XLSX workbook, a ZIP of CSV files or one CSV file
    (a CSV's name says its sheet: ``teams.csv``). Size and unpacked size are capped before parsing."""
    source = clean(Path(filename).name) or "upload"
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(
            Message(N_("{source}: file is larger than {size} KiB"), source=source, size=MAX_FILE_BYTES // 1024)
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data, source)
    if suffix == ".zip":
        tables: Tables = {}
        with _open_zip(data, source) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.lower().endswith(".csv"):
                    continue
                tables.update(_read_csv(_read_member(zf, info, source), Path(info.filename).name))
        return tables
    if suffix == ".csv":
        return _read_csv(data, source)
    raise ScenarioError(
        Message(
            N_(
                "{source}: unknown kind of file; allowed: .xlsx (a workbook), .zip (CSV files, "
                "one per sheet), .csv (one sheet: {sheets})"
            ),
            source=source,
            sheets=", ".join(COLUMNS),
        )
    )


def read_path(path: str | Path) -> Tables:
    """Tables from a workbook, ZIP or CSV file, or from a folder of CSV files named after their sheets."""
    p = check_file_path(path, "organisation file")
    try:
        is_dir, is_file = p.is_dir(), p.is_file()
    except OSError as exc:
        raise ScenarioError(
            Message(N_("{source}: cannot read: {reason}"), source=show(str(p)), reason=exc.strerror)
        ) from None
    if is_dir:
        tables: Tables = {}
        for sheet in COLUMNS:
            f = p / f"{sheet}.csv"
            if f.is_file():
                tables.update(read_tables(_read_capped(f), f.name))
        if not tables:
            raise ScenarioError(
                Message(
                    N_("{source}: no sheet files found; expected {sheets} as .csv"),
                    source=show(str(p)),
                    sheets=", ".join(COLUMNS),
                )
            )
        return tables
    if not is_file:
        raise ScenarioError(Message(N_("organisation file {path} does not exist"), path=show(str(p))))
    return read_tables(_read_capped(p), p.name)


#: Uploads parsed lately (a digest of the bytes and the file name -> the tables, or the error): the app's page
#: runs again on every click, and a spreadsheet is parsed once.
_PARSED: OrderedDict[tuple[bytes, str], Tables | ScenarioError] = OrderedDict()
_PARSED_SIZE = 32
_PARSED_LOCK = threading.Lock()


def read_tables_cached(data: bytes, filename: str) -> Tables:
    """:func:`read_tables`, parsed once per file (the same bytes and name): later calls get a copy of the tables,
    or the same error, from a small cache shared by all sessions."""
    key = (hashlib.sha256(data).digest(), filename)
    with _PARSED_LOCK:
        hit = _PARSED.get(key)
        if hit is not None:
            _PARSED.move_to_end(key)
    if hit is None:
        try:
            hit = read_tables(data, filename)
        except ScenarioError as exc:
            hit = exc
        with _PARSED_LOCK:
            _PARSED[key] = hit
            while len(_PARSED) > _PARSED_SIZE:
                _PARSED.popitem(last=False)
    if isinstance(hit, ScenarioError):
        raise ScenarioError(hit.message)
    return copy.deepcopy(hit)


def _read_capped(p: Path) -> bytes:
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(
                Message(
                    N_("{source}: file is larger than {size} KiB"), source=show(p.name), size=MAX_FILE_BYTES // 1024
                )
            )
        return p.read_bytes()
    except OSError as exc:
        raise ScenarioError(
            Message(N_("{source}: cannot read: {reason}"), source=show(str(p)), reason=exc.strerror)
        ) from None


def _open_zip(data: bytes, source: str) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except UNPACK_ERRORS:  # e.g. a central directory naming a ZIP version zipfile does not read
        raise ScenarioError(Message(N_("{source}: not a valid .xlsx or .zip file"), source=source)) from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNPACKED_BYTES:
        raise ScenarioError(
            Message(
                N_("{source}: unpacks to more than {members} files or {size} MiB; a template has a few small sheets"),
                source=source,
                members=MAX_MEMBERS,
                size=MAX_UNPACKED_BYTES // 2**20,
            )
        )
    return zf


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> bytes:
    """One CSV file of a ZIP, or one line naming the ZIP and the file: encrypted, or damaged (a broken deflate
    stream, a wrong checksum)."""
    try:
        with open_member(zf, info) as stream:
            return stream.read()
    except MemberError as exc:
        raise ScenarioError(Message(N_("{source}: {problem}"), source=source, problem=exc.problem)) from None
    except UNPACK_ERRORS:
        raise ScenarioError(
            Message(
                N_("{source}: {part} cannot be unpacked (the ZIP file is damaged); zip the CSV files again"),
                source=source,
                part=clean(info.filename)[:80],
            )
        ) from None


def _read_xlsx(data: bytes, source: str) -> Tables:
    with _open_zip(data, source) as zf:
        sheets = read_sheets(zf, source, COLUMNS, MAX_ROWS + 1)
    return {name: _records(rows, name) for name, rows in sheets.items()}


def _read_csv(data: bytes, filename: str) -> Tables:
    sheet = Path(filename).stem.strip().lower()
    if sheet not in COLUMNS:
        raise ScenarioError(
            Message(
                N_("{source}: the file name says which sheet it is; allowed: {allowed}"),
                source=clean(filename),
                allowed=", ".join(s + ".csv" for s in COLUMNS),
            )
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(
            Message(N_("{source}: not a UTF-8 text file (save the sheet as CSV UTF-8)"), source=clean(filename))
        ) from None
    lines = text.splitlines()
    if len(lines) > MAX_ROWS + 1:
        raise ScenarioError(_too_many_rows(sheet))
    dialect = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    try:
        rows = [row[:20] for row in csv.reader(lines, delimiter=dialect)]
    except csv.Error as exc:
        raise ScenarioError(
            Message(N_("sheet {sheet}: malformed CSV: {problem}"), sheet=sheet, problem=str(exc))
        ) from None
    return {sheet: _records(rows, sheet)}


def _records(rows: list[list[Any]], sheet: str) -> list[dict[str, Any]]:
    """Header row + data rows -> records with the spreadsheet's row number in ``_row``; empty rows skipped."""
    if not rows:
        return []
    header = [str(h).strip().lower() if h is not None else "" for h in rows[0]]
    allowed = COLUMNS[sheet]
    for i, h in enumerate(header):
        if h and h not in allowed:
            raise _Cell(sheet, 1, _letter(i)).error(
                Message(N_("unknown column {name}; allowed: {allowed}"), name=show(h, 40), allowed=", ".join(allowed))
            )
    if allowed[0] not in header:
        raise ScenarioError(
            Message(
                N_("sheet {sheet}, row {row}: the column {column} is missing; columns: {columns}"),
                sheet=sheet,
                row=1,
                column=repr(allowed[0]),
                columns=", ".join(allowed),
            )
        )
    out = []
    for n, row in enumerate(rows[1:], start=2):
        values = {h: _value(row[i]) for i, h in enumerate(header) if h and i < len(row)}
        if all(v is None for v in values.values()):
            continue
        values["_row"] = n
        out.append(values)
    return out


def _too_many_rows(sheet: str) -> Message:
    return Message(N_("sheet {sheet}: more than {most} rows"), sheet=sheet, most=MAX_ROWS)


def _letter(i: int) -> str:
    return chr(ord("A") + i) if i < 26 else f"#{i + 1}"


def _value(v: Any) -> Any:
    if isinstance(v, str):
        v = v.strip()
        if len(v) > MAX_NAME_CHARS * 5:
            v = v[: MAX_NAME_CHARS * 5]
        return v or None
    return v


# ---------------------------------------------------------------- tables -> scenario


def organisation(tables: Tables, source: str = "organisation") -> OrgImport:
    """The scenario of an organisation described by the sheets, validated through the scenario boundary."""
    for sheet in REQUIRED_SHEETS:
        if not tables.get(sheet):
            raise ScenarioError(
                Message(
                    N_("sheet {sheet} is missing or empty; the template has the sheets {sheets} ({required} required)"),
                    sheet=sheet,
                    sheets=", ".join(COLUMNS),
                    required=", ".join(REQUIRED_SHEETS),
                )
            )
    origin: dict[str, _Cell] = {}
    data: dict[str, Any] = {"default_departments": False}
    _settings(tables.get("organisation", []), data, origin)
    departments = _departments(tables["departments"], origin)
    teams = _teams(tables["teams"], departments, origin)
    _requests(tables.get("requests", []), departments, teams, origin)
    _dependencies(tables.get("dependencies", []), teams, origin)
    data["departments"], data["teams"] = departments, teams
    check_lengths(data, source)
    scenario = _validate(data, origin)
    notes = [
        Message(
            N_("no {role} in your departments sheet, so none in the model ({meaning})"),
            role=Message(DEPARTMENT_NAMES[role]),
            meaning=Message(WITHOUT_ROLE[role]),
        )
        for role in ROLES
        if role not in departments
    ]
    if "requests" not in tables:
        notes.append(Message(N_("no requests sheet: departments request work from every team at the default weights")))
    return OrgImport(scenario, notes)


def import_file(data: bytes, filename: str) -> OrgImport:
    """An uploaded organisation file (XLSX, ZIP of CSVs, or one CSV) -> the imported organisation."""
    return organisation(read_tables(data, filename), clean(filename))


def _validate(data: dict[str, Any], origin: dict[str, _Cell]) -> Scenario:
    try:
        return Scenario.model_validate(Scenario.complete(data))
    except ValidationError as exc:
        field_, msg = validation_problems(exc, Scenario, 1)[0]
        cell = origin.get(field_) or next((c for p, c in origin.items() if field_.startswith(p + ".")), None)
        if cell is None:
            raise ScenarioError(Message("{field}: {problem}", field=field_, problem=msg) if field_ else msg) from None
        raise cell.error(msg) from None


def _settings(rows: list[dict[str, Any]], data: dict[str, Any], origin: dict[str, _Cell]) -> None:
    for row in rows:
        key = str(row.get("setting") or "").strip().lower()
        where = _Cell("organisation", row["_row"], "setting")
        if key not in SETTINGS:
            raise where.error(
                Message(
                    N_("unknown setting {name}; allowed: {allowed}"), name=show(key, 40), allowed=", ".join(SETTINGS)
                )
            )
        path, _ = SETTINGS[key]
        cell = _Cell("organisation", row["_row"], "value")
        value = row.get("value")
        if value is None:
            continue
        if key == "teams_can_say_no":
            value = _yes_no(value, cell)
        elif key == "shared_goal":
            value = _choice(value, METRICS, cell)
        elif key == "funding":
            value = _choice(value, ("product", "project"), cell)
        elif key in ("name", "description"):
            value = str(value)
        else:
            value = _number(value, cell, whole=key in ("weeks", "accounts"))
        node = data
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        origin[path] = cell


def _departments(rows: list[dict[str, Any]], origin: dict[str, _Cell]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in rows:
        n = row["_row"]
        role = _choice(row.get("department"), ROLES, _Cell("departments", n, "department"))
        if role in out:
            raise _Cell("departments", n, "department").error(
                Message(N_("{name} appears twice; one row per department"), name=role)
            )
        dept: dict[str, Any] = {"role": role}
        origin[f"departments.{role}"] = _Cell("departments", n, "department")
        if row.get("kpi") is not None:
            dept["kpi"] = _choice(row["kpi"], METRICS, _Cell("departments", n, "kpi"))
        for col, key, answers, question in (
            ("influence", "influence", INFLUENCE_ANSWERS, "gets_what_it_asks_for"),
            ("alignment", "alignment", ALIGNMENT_ANSWERS, "follows_when_goals_clash"),
        ):
            value = _unit_or_answer(row, col, question, answers, "departments", n)
            if value is not None:
                dept[key] = value
                origin[f"departments.{role}.{key}"] = _Cell(
                    "departments", n, col if row.get(col) is not None else question
                )
        if row.get("target") is not None:
            dept["target"] = _number(row["target"], _Cell("departments", n, "target"))
            origin[f"departments.{role}.target"] = _Cell("departments", n, "target")
        origin[f"departments.{role}.kpi"] = _Cell("departments", n, "kpi")
        out[role] = dept
    return out


def _teams(rows: list[dict[str, Any]], departments: dict[str, Any], origin: dict[str, _Cell]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    names = LookAlikes()
    for department in departments:
        names.add(department)  # role names: plain and distinct
    for row in rows:
        n = row["_row"]
        name = _name(row.get("team"), _Cell("teams", n, "team"))
        if name in out:
            raise _Cell("teams", n, "team").error(
                Message(N_("team {name} appears twice; one row per team"), name=repr(name))
            )
        if name in ROLES:
            raise _Cell("teams", n, "team").error(
                Message(N_("{name} is a department's name; give the team another name"), name=repr(name))
            )
        look_alike = names.add(name)
        if look_alike is not None:  # looks like a department or an earlier team (its row names the later one)
            raise _Cell("teams", n, "team").error(look_alike[1])
        team: dict[str, Any] = {}
        origin[f"teams.{name}"] = _Cell("teams", n, "team")
        if row.get("people") is not None:
            team["capacity"] = _number(row["people"], _Cell("teams", n, "people"))
            origin[f"teams.{name}.capacity"] = _Cell("teams", n, "people")
        if row.get("wip_limit") is not None:
            team["wip_limit"] = _number(row["wip_limit"], _Cell("teams", n, "wip_limit"), whole=True)
            origin[f"teams.{name}.wip_limit"] = _Cell("teams", n, "wip_limit")
        value = _unit_or_answer(row, "alignment", "follows_when_goals_clash", ALIGNMENT_ANSWERS, "teams", n)
        if value is not None:
            team["alignment"] = value
            origin[f"teams.{name}.alignment"] = _Cell("teams", n, "alignment")
        approvals = row.get("approvals")
        cell = _Cell("teams", n, "approvals")
        chain = (
            []
            if approvals is None or str(approvals).strip().lower() in ("none", "-")
            else [p.strip().lower() for p in re.split(r"[>;,]", str(approvals)) if p.strip()]
        )
        for unit in chain:
            if unit not in departments:
                raise cell.error(
                    Message(
                        N_(
                            "{problem}; allowed: {allowed} (in order, separated by >, e.g. legal > "
                            "marketing; none for no approvals)"
                        ),
                        problem=_unknown_department(unit),
                        allowed=", ".join(departments),
                    )
                )
        team["approval_chain"] = chain
        origin[f"teams.{name}.approval_chain"] = cell
        out[name] = team
    return out


def _requests(
    rows: list[dict[str, Any]], departments: dict[str, Any], teams: dict[str, Any], origin: dict[str, _Cell]
) -> None:
    if not rows:
        return
    for dept in departments.values():  # with a requests sheet, only the demands it lists reach a team
        dept["requests"] = {ALL_TEAMS: 0.0}  # ("*": no other team)
    for row in rows:
        n = row["_row"]
        cell = _Cell("requests", n, "department")
        key = _key(row.get("department"))
        if key in ROLES and key not in departments:
            raise cell.error(
                Message(
                    N_("{problem}; allowed: {allowed}"),
                    problem=_unknown_department(key),
                    allowed=", ".join(departments),
                )
            )
        role = _choice(row.get("department"), list(departments), cell)
        team = _choice(row.get("team"), list(teams), _Cell("requests", n, "team"))
        weight = 1.0 if row.get("weight") is None else _number(row["weight"], _Cell("requests", n, "weight"))
        departments[role]["requests"][team] = weight
        origin[f"departments.{role}.requests.{team}"] = _Cell("requests", n, "weight")


def _dependencies(rows: list[dict[str, Any]], teams: dict[str, Any], origin: dict[str, _Cell]) -> None:
    for team in teams.values():
        team["depends_on"] = {}
    for row in rows:
        n = row["_row"]
        team = _choice(row.get("team"), list(teams), _Cell("dependencies", n, "team"))
        needs = _choice(row.get("needs"), [t for t in teams if t != team], _Cell("dependencies", n, "needs"))
        share = 0.2 if row.get("share") is None else _number(row["share"], _Cell("dependencies", n, "share"))
        teams[team]["depends_on"][needs] = share
        origin[f"teams.{team}.depends_on"] = _Cell("dependencies", n, "share")


def _unknown_department(name: str) -> Message:
    """Why a department named in approvals or requests is refused: not a role, or a role the sheet leaves out."""
    key = _key(name)
    if key in ROLES:
        return Message(
            N_("{name} is not in the departments sheet (add a row for it there, or leave it out here)"), name=key
        )
    return Message(N_("unknown department {name}"), name=show(name, 40))


def _not_allowed(value: str | Message, allowed) -> Message:
    return Message(N_("{value}; allowed: {allowed}"), value=value, allowed=", ".join(allowed))


def _name(value: Any, cell: _Cell) -> str:
    text = "" if value is None else str(value).strip()
    if not text or len(text) > 40 or not NAME.fullmatch(text):
        raise cell.error(
            Message(
                N_("{name} is not a usable name; use letters, digits, spaces, _ or - (at most 40 characters)"),
                name=show(text, 40),
            )
        )
    problem = name_problem(text)
    if problem is not None:
        raise cell.error(problem)
    return text


def _key(value: Any) -> str:
    """A cell's text as a name is written in a scenario: ``Customer Success`` -> ``customer_success``."""
    return "" if value is None else str(value).strip().lower().replace(" ", "_")


def _choice(value: Any, allowed, cell: _Cell) -> str:
    text = "" if value is None else str(value).strip()
    key = _key(text) if _key(text) in allowed else text
    if key not in allowed:
        raise cell.error(_not_allowed(show(text, 40) if text else Message(N_("empty")), allowed))
    return key


def _yes_no(value: Any, cell: _Cell) -> bool:
    text = str(value).strip().lower()
    if isinstance(value, bool):
        return value
    if text in YES or text in NO:
        return text in YES
    raise cell.error(_not_allowed(show(text, 40), ("yes", "no")))


def _number(value: Any, cell: _Cell, whole: bool = False) -> float | int:
    if isinstance(value, bool):
        raise cell.error(Message(N_("expected a number, got a yes/no value")))
    try:
        x = float(str(value).replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise cell.error(
            Message(
                N_("expected a whole number, got {value}") if whole else N_("expected a number, got {value}"),
                value=show(value, 40),
            )
        ) from None
    if x != x or x in (float("inf"), float("-inf")):
        raise cell.error(Message(N_("expected a finite number")))
    if whole:
        if x != int(x):
            raise cell.error(Message(N_("expected a whole number, got {value}"), value=as_typed(x)))
        return int(x)
    return x


def _unit_or_answer(
    row: dict[str, Any], col: str, question: str, answers: dict[str, float], sheet: str, n: int
) -> float | None:
    """A number 0..1 from its column, or from the plain question's answer; both given must agree."""
    number = row.get(col)
    answer = row.get(question)
    if number is not None:
        return _number(number, _Cell(sheet, n, col))
    if answer is not None:
        text = str(answer).strip().lower()
        if text not in answers:
            raise _Cell(sheet, n, question).error(_not_allowed(show(answer, 40), answers))
        return answers[text]
    return None


# ---------------------------------------------------------------- the template


def example_tables() -> dict[str, list[list[Any]]]:
    """The template's example: a B2B software company of about 120 people (rows with their header first)."""
    return {
        "organisation": [
            ["setting", "value"],
            ["name", "nordlys"],
            ["description", "Nordlys Software: B2B scheduling software, two product teams, sold by a sales team"],
            ["weeks", 52],
            ["accounts", 4000],
            ["contract_value", 9000],
            ["funding", "product"],
            ["shared_goal", "activation_rate_30d"],
            ["shared_target", 0.45],
            ["shared_goal_trumps_kpis", 0.2],
            ["teams_can_say_no", "no"],
        ],
        "departments": [
            list(COLUMNS["departments"]),
            ["leadership", "outcome_index", 60, None, None, "almost always", "the shared goal"],
            ["sales", "deals_closed", 4, None, None, "almost always", "its own kpi"],
            ["marketing", "leads", 14, None, None, "usually", "its own kpi"],
            ["customer_success", "onboarding_calls", 12, None, None, "sometimes", "mostly its own kpi"],
            ["customer_support", "support_contacts_per_customer", 0.45, None, None, "sometimes", "both equally"],
            ["finance", "milestones_on_plan_rate", 0.9, None, None, "usually", "its own kpi"],
            ["legal", "reviews_cleared", 1.5, 0.5, 0.3, None, None],
            ["ux_design", "activation_rate_30d", 0.45, 0.3, 0.6, None, None],
            ["data_analytics", "belief_error", 0.01, 0.2, 0.5, None, None],
            ["hr", "features_delivered", 1.5, 0.2, 0.2, None, None],
        ],
        "teams": [
            list(COLUMNS["teams"]),
            ["onboarding", 5, 3, None, "mostly the shared goal", "legal"],
            ["platform", 7, 4, 0.4, None, "legal > finance"],
        ],
        "requests": [
            list(COLUMNS["requests"]),
            ["sales", "platform", 1.5],
            ["sales", "onboarding", 0.5],
            ["marketing", "onboarding", 1.0],
            ["customer_success", "onboarding", 1.0],
            ["customer_support", "platform", 1.0],
            ["customer_support", "onboarding", 0.5],
            ["finance", "platform", 1.0],
            ["legal", "platform", 0.5],
            ["ux_design", "onboarding", 1.0],
        ],
        "dependencies": [
            list(COLUMNS["dependencies"]),
            ["onboarding", "platform", 0.3],
        ],
    }


def help_rows() -> list[list[str]]:
    """The template's help sheet: every sheet's columns and their allowed values."""
    metrics = ", ".join(METRICS)
    return [
        ["sheet", "column", "what it means and the allowed values"],
        ["organisation", "setting", "one of: " + "; ".join(f"{k} ({v[1]})" for k, v in SETTINGS.items())],
        [
            "departments",
            "department",
            "one row per department; role: " + ", ".join(ROLES) + ". Only the "
            "departments listed exist in the simulated organisation (a role left out is absent, not added)",
        ],
        ["departments", "kpi", "the metric it is measured on: " + metrics],
        ["departments", "target", "its weekly target (a number >= 0)"],
        ["departments", "influence", "0..1, or leave empty and answer gets_what_it_asks_for"],
        ["departments", "gets_what_it_asks_for", INFLUENCE_QUESTION + " " + ", ".join(INFLUENCE_ANSWERS)],
        ["departments", "alignment", "0..1, or leave empty and answer follows_when_goals_clash"],
        ["departments", "follows_when_goals_clash", ALIGNMENT_QUESTION + " " + ", ".join(ALIGNMENT_ANSWERS)],
        ["teams", "team", "the team's name (letters, digits, spaces, _ or -)"],
        ["teams", "people", "people in the team (person-weeks per week, > 0)"],
        ["teams", "wip_limit", "items in development at once (whole number 1..100)"],
        ["teams", "alignment / follows_when_goals_clash", "as for departments"],
        ["teams", "approvals", "departments that must sign off, in order, e.g. legal > finance; none for none"],
        ["requests", "department, team, weight", "who asks which team for work, and how loudly (0..10, 1 normal)"],
        ["dependencies", "team, needs, share", "share 0..1 of the team's items that need work from the other"],
    ]


def template_xlsx() -> bytes:
    """The template as an XLSX workbook: the example filled in, drop-down lists for answers, and a help sheet."""
    import openpyxl
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, rows in example_tables().items():
        ws = wb.create_sheet(sheet)
        for row in rows:
            ws.append(row)
        for i, _ in enumerate(rows[0]):
            ws.column_dimensions[_letter(i)].width = 24
    lists = {
        ("departments", "A"): list(ROLES),
        ("departments", "F"): list(INFLUENCE_ANSWERS),
        ("departments", "G"): list(ALIGNMENT_ANSWERS),
        ("teams", "E"): list(ALIGNMENT_ANSWERS),
    }
    for (sheet, col), values in lists.items():
        dv = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        wb[sheet].add_data_validation(dv)
        dv.add(f"{col}2:{col}{MAX_ROWS}")
    ws = wb.create_sheet("help")
    for row in help_rows():
        ws.append(row)
    ws.column_dimensions["C"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_csv_zip() -> bytes:
    """The template as a ZIP of CSV files, one per sheet (and help.txt)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for sheet, rows in example_tables().items():
            zf.writestr(f"{sheet}.csv", _csv_text(rows))
        zf.writestr("help.txt", "\n".join(" | ".join(r) for r in help_rows()) + "\n")
    return buf.getvalue()


def _csv_text(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return out.getvalue()
