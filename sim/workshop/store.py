"""Workshop sessions: a room of people plays the departments of a scenario, round by round, against the model.

A workshop is a template (a bundled scenario), one seed (every table plays the same market), a join code,
seats and a log of decisions, kept in an embedded SQLite database. Results are never stored: they are replayed
from the decisions (``sim.workshop.replay``), so a refresh, a reconnect or a restarted server loses nothing.

Everything that changes the state is one short transaction that checks what the caller saw:

- playing a round, switching the logic and revealing are compare-and-set operations (the caller says which round
  it saw; of two facilitator tabs pressing *Play* together exactly one wins, the other gets a clear message);
- a decision carries the round it was made for, and a decision for a round that has been played is refused;
- a decision with a request id already stored is not stored twice (a retried save after a reconnect).

Seats: each table has one seat per playable department, and each seat holds a team of up to ``seat_size``
people (1-6). The team's decision for a round is the *last one saved* by any member (everyone sees who saved
it). A full seat is refused with the seats still free, never swapped. A browser id (the page keeps it in a
cookie) gives the same seat back to a browser that opens the join link again.

Access: the facilitator's key (stored hashed) controls the workshop; a presenter token shows the projected
view (no controls, no secrets); a player's token plays one seat. Reading results needs one of them. Unknown
join codes are rate-limited per client.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from sim.i18n import DEFAULT as DEFAULT_LANGUAGE
from sim.i18n import LANGUAGES, N_, _
from sim.input import load_scenario
from sim.present.levers import department_name

log = logging.getLogger(__name__)

#: Templates: a bundled scenario, rounds, weeks per round, and the departments people can play.
TEMPLATES: dict[str, dict] = {
    "b2b_activation": {
        "title": N_("The B2B activation tug of war"),
        "rounds": 4,
        "weeks": 13,
        "departments": ("sales", "marketing", "customer_success", "customer_support", "finance"),
    },
    "self_service_launch": {
        "title": N_("The self-service launch"),
        "rounds": 4,
        "weeks": 13,
        "departments": ("sales", "marketing", "customer_success", "customer_support", "finance"),
    },
}
PUSH = {"own KPI": 0.1, "balanced": 0.5, "shared goal": 0.9}
DEMANDS = {"few": 0.5, "normal": 1.0, "many": 1.6}
#: How the choices are shown (the keys above are what is stored); translate with ``_`` where shown.
CHOICE_LABELS = {
    "own KPI": N_("own KPI"),
    "balanced": N_("balanced"),
    "shared goal": N_("shared goal"),
    "few": N_("few"),
    "normal": N_("normal"),
    "many": N_("many"),
}
#: What each role's own action does, in words, for the participant's form (translate with ``_`` where shown).
ACTIONS = {
    "sales": N_("Promise features to key accounts"),
    "marketing": N_("Run a campaign this round"),
    "customer_success": N_("Hold as many onboarding calls as possible"),
    "customer_support": "",
    "finance": N_("Tie the budget to a fixed milestone plan (counts in the first round)"),
}
#: The same action in a table of decisions ("…: yes").
ACTIONS_SHORT = {
    "sales": N_("promise features to key accounts"),
    "marketing": N_("run a campaign this round"),
    "customer_success": N_("hold as many onboarding calls as possible"),
    "finance": N_("tie the budget to a fixed milestone plan"),
}
LOGIC_SWITCHES = {
    "shared_criterion": N_("A shared success criterion that trumps local KPIs"),
    "product_funding": N_("Fund the team as a product team"),
}
#: The value a switch sets; a switch is offered only where the template does not already have it.
SHARED_CRITERION_TRUMP = 0.9
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 6
SECRET_LENGTH = 22  # secrets.token_urlsafe(16)
#: How the secrets a link can carry are named in messages (translate with ``_``).
SECRET_FIELDS = {
    "token": N_("token"),
    "show": N_("show"),
    "key": N_("key"),
    "secret": N_("secret"),
    "player link": N_("player link"),
    "presenter link": N_("presenter link"),
    "browser id": N_("browser id"),
    "cookie value": N_("cookie value"),
}

#: A workshop stays open until the facilitator archives it, or this long after it was created.
OPEN_SECONDS = 30 * 24 * 3600
MAX_TABLES = 8
MAX_SEAT_SIZE = 6
NAME_LENGTH = 40
#: Unknown join codes a client may try per window before it has to wait.
CODE_ATTEMPTS = 10
CODE_WINDOW_SECONDS = 60.0

Role = Literal["facilitator", "presenter", "player"]


class WorkshopError(ValueError):
    """A code, token or action that cannot be accepted; the message says why and what to do."""


class StaleError(WorkshopError):
    """The caller acted on a state that has moved on (a round already played, a switch already made)."""


class RateLimited(WorkshopError):
    """Too many unknown codes from one client."""


def dept_label(department: str) -> str:
    """``customer_success`` -> ``Customer Success`` (``Kundesucces``), in the current language."""
    return department_name(department)


def choice_label(choice: str) -> str:
    """A push or demands choice in words, in the current language."""
    return _(CHOICE_LABELS[choice]) if choice in CHOICE_LABELS else choice


def switch_label(switch: str) -> str:
    """A logic switch in words, in the current language."""
    return _(LOGIC_SWITCHES[switch]) if switch in LOGIC_SWITCHES else switch


def template_title(template: str) -> str:
    """A template's title in the current language."""
    title = TEMPLATES[template]["title"]
    return _(title)


def check_language(code: str) -> str:
    """A workshop language code, or a WorkshopError naming the allowed ones."""
    if code not in LANGUAGES:
        raise WorkshopError(_("language must be one of: {allowed}").format(allowed=", ".join(LANGUAGES)))
    return code


@dataclass(frozen=True)
class Decision:
    """One department's choices for one round."""

    push: Literal["own KPI", "balanced", "shared goal"] = "balanced"
    demands: Literal["few", "normal", "many"] = "normal"
    action: bool = False

    def __post_init__(self):
        if self.push not in PUSH:
            raise WorkshopError(_("push must be one of: {allowed}").format(allowed=", ".join(PUSH)))
        if self.demands not in DEMANDS:
            raise WorkshopError(_("demands must be one of: {allowed}").format(allowed=", ".join(DEMANDS)))
        if not isinstance(self.action, bool):
            raise WorkshopError(_("action must be true or false"))

    def describe(self, department: str) -> str:
        """In words, for tables and the handout, in the current language."""
        text = _("push {push}, {demands} demands").format(
            push=choice_label(self.push), demands=choice_label(self.demands)
        )
        if ACTIONS.get(department):
            text += ", " + _("{action}: {answer}").format(
                action=_(ACTIONS_SHORT[department]), answer=_("yes") if self.action else _("no")
            )
        return text


@dataclass(frozen=True)
class State:
    """What a screen needs to know to decide whether it is up to date."""

    code: str
    template: str
    seed: int
    created: float
    rounds: int
    round: int  # rounds played; the round open for decisions is ``round`` (0-based)
    revealed: bool
    tables: int
    seat_size: int
    archived: bool
    switches: tuple[tuple[str, int], ...]  # (switch, first round it applies to, 0-based)
    lang: str = DEFAULT_LANGUAGE  # the language the facilitator chose: participants see it by default

    @property
    def over(self) -> bool:
        return self.round >= self.rounds

    @property
    def open(self) -> bool:
        return not self.archived and not self.over

    @property
    def version(self) -> tuple:
        return (self.round, self.revealed, self.tables, self.archived, self.switches)


@dataclass(frozen=True)
class Seat:
    token: str
    code: str
    table: int
    department: str
    name: str


#: Tables of this schema; the first workshop version's ``sessions``, ``players`` and ``decisions`` tables (a
#: 12-hour life, one player per department) are left alone in an old database file and not read.
SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    code TEXT PRIMARY KEY, template TEXT NOT NULL, seed INTEGER NOT NULL, key_hash TEXT NOT NULL,
    presenter TEXT NOT NULL, created REAL NOT NULL, archived REAL, round INTEGER NOT NULL DEFAULT 0,
    revealed INTEGER NOT NULL DEFAULT 0, tables INTEGER NOT NULL, seat_size INTEGER NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en'
);
CREATE TABLE IF NOT EXISTS switches (
    code TEXT NOT NULL REFERENCES workshops(code), switch TEXT NOT NULL, round INTEGER NOT NULL,
    PRIMARY KEY (code, switch)
);
CREATE TABLE IF NOT EXISTS members (
    token TEXT PRIMARY KEY, code TEXT NOT NULL REFERENCES workshops(code), table_no INTEGER NOT NULL,
    department TEXT NOT NULL, name TEXT NOT NULL, browser TEXT, joined REAL NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS members_seat ON members (code, table_no, department);
CREATE TABLE IF NOT EXISTS saves (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, table_no INTEGER NOT NULL, round INTEGER NOT NULL,
    department TEXT NOT NULL, push TEXT NOT NULL, demands TEXT NOT NULL, action INTEGER NOT NULL,
    saved_by TEXT NOT NULL, saved REAL NOT NULL, request TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS saves_round ON saves (code, table_no, round, department);
CREATE TABLE IF NOT EXISTS attempts (client TEXT NOT NULL, at REAL NOT NULL);
"""


def default_path() -> Path:
    return Path(os.environ.get("ALIGNSIM_WORKSHOP_DB", "workshop.sqlite3"))


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


def normal_code(code: str) -> str:
    """A join code as stored (upper case, no spaces), or a message naming the allowed characters."""
    text = str(code or "").strip().upper()
    if len(text) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in text):
        raise WorkshopError(
            _(
                "code must be {length} characters from A-Z (without I and O) and 2-9, as on the facilitator's screen"
            ).format(length=CODE_LENGTH)
        )
    return text


def valid_secret(value: str, field: str) -> str:
    """A key or token as issued (22 characters of A-Z, a-z, 0-9, - and _), or a message naming the field."""
    text = str(value or "")
    if len(text) != SECRET_LENGTH or not all(c.isascii() and (c.isalnum() or c in "-_") for c in text):
        raise WorkshopError(
            _("{field} must be {length} characters from A-Z, a-z, 0-9, - and _ (copy the whole link)").format(
                field=_(SECRET_FIELDS.get(field, field)), length=SECRET_LENGTH
            )
        )
    return text


class Workshop:
    """The workshop store. Every method is one short transaction; one instance per process is enough."""

    def __init__(self, path: str | Path | None = None, clock=time.time):
        self.path = Path(path) if path is not None else default_path()
        self.clock = clock
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)
            columns = {r["name"] for r in db.execute("PRAGMA table_info(workshops)")}
            if "lang" not in columns:  # a database of a workshop version before languages: English
                db.execute("ALTER TABLE workshops ADD COLUMN lang TEXT NOT NULL DEFAULT 'en'")

    def _db(self) -> _Connection:
        """This thread's connection (autocommit; each statement or BEGIN IMMEDIATE block is a transaction).
        Live screens ask several times a second, so connections are kept per thread, not opened per call."""
        db = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=True)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA busy_timeout=30000")
            db.row_factory = sqlite3.Row
            self._local.db, self._local.pid = db, os.getpid()
        return _Connection(db)

    # ---------------------------------------------------------------- workshops
    def create(
        self,
        template: str = "b2b_activation",
        seed: int | None = None,
        tables: int = 1,
        seat_size: int = MAX_SEAT_SIZE,
        lang: str = DEFAULT_LANGUAGE,
    ) -> tuple[str, str]:
        """A new workshop in language ``lang``: (join code, facilitator key). The key is stored hashed: keep it."""
        if template not in TEMPLATES:
            raise WorkshopError(_("template must be one of: {allowed}").format(allowed=", ".join(TEMPLATES)))
        if not isinstance(tables, int) or not 1 <= tables <= MAX_TABLES:
            raise WorkshopError(_("tables must be a whole number from 1 to {most}").format(most=MAX_TABLES))
        if not isinstance(seat_size, int) or not 1 <= seat_size <= MAX_SEAT_SIZE:
            raise WorkshopError(_("seat_size must be a whole number from 1 to {most}").format(most=MAX_SEAT_SIZE))
        check_language(lang)
        key = secrets.token_urlsafe(16)
        seed = secrets.randbelow(10_000) if seed is None else int(seed)
        with self._db() as db:
            for _attempt in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _letter in range(CODE_LENGTH))
                try:
                    db.execute(
                        "INSERT INTO workshops (code, template, seed, key_hash, presenter, created, tables, "
                        "seat_size, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (
                            code,
                            template,
                            seed,
                            _hash(key),
                            secrets.token_urlsafe(16),
                            self.clock(),
                            tables,
                            seat_size,
                            lang,
                        ),
                    )
                    return code, key
                except sqlite3.IntegrityError:
                    continue
        raise WorkshopError(_("could not find a free join code; try again"))

    def _row(self, db, code: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM workshops WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise WorkshopError(
                _("no workshop with code {code}: check the code on the facilitator's screen").format(code=code)
            )
        return row

    def _state(self, db, code: str) -> State:
        row = self._row(db, code)
        switches = tuple(
            (r["switch"], r["round"])
            for r in db.execute("SELECT switch, round FROM switches WHERE code = ? ORDER BY round, switch", (code,))
        )
        archived = row["archived"] is not None or self.clock() - row["created"] > OPEN_SECONDS
        return State(
            row["code"],
            row["template"],
            row["seed"],
            row["created"],
            TEMPLATES[row["template"]]["rounds"],
            row["round"],
            bool(row["revealed"]),
            row["tables"],
            row["seat_size"],
            archived,
            switches,
            row["lang"] if row["lang"] in LANGUAGES else DEFAULT_LANGUAGE,
        )

    def lookup(self, code: str, client: str = "local") -> State:
        """The workshop a participant typed the code of. Unknown codes are rate-limited per client."""
        code = normal_code(code)
        now = self.clock()
        with self._db() as db:
            db.execute("DELETE FROM attempts WHERE at < ?", (now - CODE_WINDOW_SECONDS,))
            tried = db.execute("SELECT COUNT(*) FROM attempts WHERE client = ?", (client,)).fetchone()[0]
            if tried >= CODE_ATTEMPTS:
                raise RateLimited(
                    _(
                        "too many unknown codes from this device: wait a minute, then check the code "
                        "on the facilitator's screen"
                    )
                )
            try:
                return self._state(db, code)
            except WorkshopError:
                db.execute("INSERT INTO attempts VALUES (?, ?)", (client, now))
                raise

    def access(self, code: str, secret: str) -> Role:
        """Which role ``secret`` (facilitator key, presenter token or a player's token) has in this workshop."""
        code = normal_code(code)
        refused = WorkshopError(_("this link does not open that workshop: use the link you were given"))
        try:
            secret = valid_secret(secret, "secret")  # ASCII only from here on (compare_digest needs it)
        except WorkshopError:
            raise refused from None
        with self._db() as db:
            row = self._row(db, code)
            if secrets.compare_digest(row["key_hash"], _hash(secret)):
                return "facilitator"
            if secrets.compare_digest(row["presenter"], secret):
                return "presenter"
            player = db.execute("SELECT code FROM members WHERE token = ? AND removed = 0", (secret,)).fetchone()
        if player is not None and player["code"] == code:
            return "player"
        raise refused

    def state(self, code: str, secret: str) -> State:
        """The workshop's state, for anyone with access to it."""
        self.access(code, secret)
        with self._db() as db:
            return self._state(db, normal_code(code))

    def _facilitator(self, code: str, key: str) -> str:
        code = normal_code(code)
        if self.access(code, key) != "facilitator":
            raise WorkshopError(_("only the facilitator's control link can do this"))
        return code

    def presenter_token(self, code: str, key: str) -> str:
        """The token of the presenter view (safe to project: it shows, it cannot control)."""
        code = self._facilitator(code, key)
        with self._db() as db:
            return self._row(db, code)["presenter"]

    def presenter(self, token: str) -> State:
        """The workshop a presenter token shows."""
        token = valid_secret(token, "presenter link")
        with self._db() as db:
            row = db.execute("SELECT code FROM workshops WHERE presenter = ?", (token,)).fetchone()
            if row is None:
                raise WorkshopError(
                    _("this presenter link does not open a workshop: copy it again from the facilitator's screen")
                )
            return self._state(db, row["code"])

    def archive(self, code: str, key: str) -> None:
        """Close the workshop for play; its debrief stays readable."""
        code = self._facilitator(code, key)
        with self._db() as db:
            db.execute("UPDATE workshops SET archived = ? WHERE code = ? AND archived IS NULL", (self.clock(), code))

    def add_table(self, code: str, key: str, expected_tables: int) -> int:
        """One more table (compare-and-set on the number of tables seen); returns the number of tables."""
        code = self._facilitator(code, key)
        with self._db() as db:
            cur = db.execute(
                "UPDATE workshops SET tables = tables + 1 WHERE code = ? AND tables = ? AND tables < ?",
                (code, expected_tables, MAX_TABLES),
            )
            if cur.rowcount != 1:
                state = self._state(db, code)
                if state.tables >= MAX_TABLES:
                    raise WorkshopError(_("a workshop has at most {most} tables").format(most=MAX_TABLES))
                raise StaleError(
                    _("the workshop already has {tables} tables: this screen was out of date").format(
                        tables=state.tables
                    )
                )
            return expected_tables + 1

    # ---------------------------------------------------------------- seats
    def join(
        self, code: str, table: int, department: str, name: str, browser: str | None = None, client: str = "local"
    ) -> str:
        """Take a place in a seat (a department at a table); returns the player's token.

        A browser that already holds a place in this workshop gets that place back (same token). A full seat
        is refused with the seats still free at that table; nobody is moved to another seat."""
        state = self.lookup(code, client)
        if state.archived:
            raise WorkshopError(
                _("the workshop {code} is archived: ask the facilitator for a new one").format(code=state.code)
            )
        playable = TEMPLATES[state.template]["departments"]
        if department not in playable:
            raise WorkshopError(_("department must be one of: {allowed}").format(allowed=", ".join(playable)))
        if not isinstance(table, int) or isinstance(table, bool) or not 1 <= table <= state.tables:
            raise WorkshopError(_("table must be a number from 1 to {most}").format(most=state.tables))
        name = " ".join(str(name or "").split())[:NAME_LENGTH]
        if not name.isprintable():
            raise WorkshopError(_("name must be printable text"))
        name = name or dept_label(department)
        if browser is not None:
            browser = valid_secret(browser, "browser id")
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                if browser is not None:
                    again = db.execute(
                        "SELECT token FROM members WHERE code = ? AND browser = ? AND removed = 0",
                        (state.code, browser),
                    ).fetchone()
                    if again is not None:
                        db.execute("COMMIT")
                        return again["token"]
                taken = dict(
                    db.execute(
                        "SELECT department, COUNT(*) FROM members WHERE code = ? AND table_no = ? "
                        "AND removed = 0 GROUP BY department",
                        (state.code, table),
                    ).fetchall()
                )
                if taken.get(department, 0) >= state.seat_size:
                    free = [dept_label(d) for d in playable if taken.get(d, 0) < state.seat_size]
                    raise WorkshopError(
                        _("{department} at table {table} is full ({size} of {size} players)").format(
                            department=dept_label(department), table=table, size=state.seat_size
                        )
                        + "; "
                        + (
                            _("seats with room at this table: {seats}").format(seats=", ".join(free))
                            if free
                            else _("every seat at this table is full: pick another table")
                        )
                    )
                token = secrets.token_urlsafe(16)
                db.execute(
                    "INSERT INTO members (token, code, table_no, department, name, browser, joined) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (token, state.code, table, department, name, browser, self.clock()),
                )
                db.execute("COMMIT")
                return token
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise

    def seat_of_browser(self, code: str, browser: str) -> str | None:
        """The token of the place this browser holds in the workshop, if any."""
        code, browser = normal_code(code), valid_secret(browser, "browser id")
        with self._db() as db:
            row = db.execute(
                "SELECT token FROM members WHERE code = ? AND browser = ? AND removed = 0", (code, browser)
            ).fetchone()
        return None if row is None else row["token"]

    def seat(self, token: str) -> Seat:
        """The place a player's token holds; a clear message for unknown or removed players."""
        token = valid_secret(token, "player link")
        with self._db() as db:
            row = db.execute("SELECT * FROM members WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise WorkshopError(_("unknown player link: join again with the workshop code"))
        if row["removed"]:
            raise WorkshopError(_("the facilitator has freed this place: join again with the workshop code"))
        return Seat(row["token"], row["code"], row["table_no"], row["department"], row["name"])

    def players(self, code: str, secret: str) -> list[Seat]:
        """Everyone seated (not removed), by table and department."""
        self.access(code, secret)
        with self._db() as db:
            rows = db.execute(
                "SELECT * FROM members WHERE code = ? AND removed = 0 ORDER BY table_no, department, joined",
                (normal_code(code),),
            ).fetchall()
        return [Seat(r["token"], r["code"], r["table_no"], r["department"], r["name"]) for r in rows]

    def remove_player(self, code: str, key: str, token: str) -> None:
        """The facilitator removes one player (their link stops working; their saved decisions stay)."""
        code = self._facilitator(code, key)
        with self._db() as db:
            cur = db.execute(
                "UPDATE members SET removed = 1 WHERE code = ? AND token = ? AND removed = 0", (code, token)
            )
        if cur.rowcount != 1:
            raise StaleError(_("that player has already left or been removed"))

    def free_seat(self, code: str, key: str, table: int, department: str) -> int:
        """The facilitator frees a seat: everyone in it is removed; returns how many."""
        code = self._facilitator(code, key)
        with self._db() as db:
            cur = db.execute(
                "UPDATE members SET removed = 1 WHERE code = ? AND table_no = ? AND department = ? AND removed = 0",
                (code, table, department),
            )
        return cur.rowcount

    # ---------------------------------------------------------------- decisions and rounds
    def decide(self, token: str, round_index: int, decision: Decision, request: str | None = None) -> None:
        """A player's decision for ``round_index`` (0-based), for their own seat. Refused if that round is not
        the one open for decisions. A retry with the same ``request`` id is stored once."""
        seat = self.seat(token)
        self._save(seat.code, seat.table, seat.department, round_index, decision, seat.name, request)

    def decide_as_facilitator(
        self,
        code: str,
        key: str,
        table: int,
        department: str,
        round_index: int,
        decision: Decision,
        request: str | None = None,
    ) -> None:
        """Single-screen mode: the facilitator enters a seat's decision."""
        code = self._facilitator(code, key)
        with self._db() as db:
            state = self._state(db, code)
        if department not in TEMPLATES[state.template]["departments"]:
            raise WorkshopError(
                _("department must be one of: {allowed}").format(
                    allowed=", ".join(TEMPLATES[state.template]["departments"])
                )
            )
        if not 1 <= table <= state.tables:
            raise WorkshopError(_("table must be a number from 1 to {most}").format(most=state.tables))
        self._save(code, table, department, round_index, decision, "facilitator", request)

    def _save(self, code, table, department, round_index, decision, by, request) -> None:
        if not isinstance(decision, Decision):
            raise WorkshopError(_("decision must be a Decision"))
        with self._db() as db:
            # one statement: the round check and the insert cannot be split by a round being played
            try:
                cur = db.execute(
                    "INSERT INTO saves (code, table_no, round, department, push, demands, action, saved_by, saved, "
                    "request) SELECT code, ?, round, ?, ?, ?, ?, ?, ?, ? FROM workshops WHERE code = ? AND round = ? "
                    "AND archived IS NULL AND round < ? AND created > ?",
                    (
                        table,
                        department,
                        decision.push,
                        decision.demands,
                        int(decision.action),
                        by,
                        self.clock(),
                        request,
                        code,
                        round_index,
                        TEMPLATES[self._template(db, code)]["rounds"],
                        self.clock() - OPEN_SECONDS,
                    ),
                )
            except sqlite3.IntegrityError:
                return  # this request was stored already
            if cur.rowcount == 1:
                return
            if request is not None and db.execute("SELECT 1 FROM saves WHERE request = ?", (request,)).fetchone():
                return  # a retry of a save stored before the round moved on
            state = self._state(db, code)
        if state.archived:
            raise WorkshopError(_("the workshop is archived: decisions are closed"))
        if state.over:
            raise StaleError(_("the game is over: every round has been played, so this decision was not saved"))
        raise StaleError(
            _(
                "round {round} has already been played; the table is now in round {now}: this decision "
                "was not saved, decide again for round {now}"
            ).format(round=round_index + 1, now=state.round + 1)
        )

    def _template(self, db, code: str) -> str:
        return self._row(db, code)["template"]

    def decisions(self, code: str, secret: str, table: int | None = None) -> dict[tuple[int, int, str], Decision]:
        """(table, round, department) -> the decision in force (the last one saved for that seat and round)."""
        self.access(code, secret)
        return self._decisions(normal_code(code), table)

    def _decisions(self, code: str, table: int | None = None) -> dict[tuple[int, int, str], Decision]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM saves WHERE code = ? ORDER BY id", (code,)).fetchall()
        out = {}
        for r in rows:
            if table is None or r["table_no"] == table:
                out[(r["table_no"], r["round"], r["department"])] = Decision(r["push"], r["demands"], bool(r["action"]))
        return out

    def saved_by(self, code: str, secret: str) -> dict[tuple[int, int, str], tuple[str, float]]:
        """(table, round, department) -> who saved the decision in force, and when."""
        self.access(code, secret)
        with self._db() as db:
            rows = db.execute(
                "SELECT table_no, round, department, saved_by, saved FROM saves WHERE code = ? ORDER BY id",
                (normal_code(code),),
            ).fetchall()
        return {(r["table_no"], r["round"], r["department"]): (r["saved_by"], r["saved"]) for r in rows}

    def saves(self, code: str, key: str) -> list[dict]:
        """Every save, in order (for the facilitator and for audits such as the soak test)."""
        code = self._facilitator(code, key)
        with self._db() as db:
            return [dict(r) for r in db.execute("SELECT * FROM saves WHERE code = ? ORDER BY id", (code,))]

    def play_round(self, code: str, key: str, expected_round: int) -> int:
        """Play the open round for every table (compare-and-set: ``expected_round`` is the number of rounds
        played the caller saw). Departments without a decision are played by the model. Returns rounds played."""
        code = self._facilitator(code, key)
        with self._db() as db:
            rounds = TEMPLATES[self._template(db, code)]["rounds"]
            cur = db.execute(
                "UPDATE workshops SET round = round + 1 WHERE code = ? AND round = ? AND round < ? "
                "AND archived IS NULL",
                (code, expected_round, rounds),
            )
            if cur.rowcount == 1:
                return expected_round + 1
            state = self._state(db, code)
        if state.archived:
            raise WorkshopError(_("the workshop is archived: its rounds cannot change"))
        if state.over:
            raise StaleError(_("every round has been played: open the debrief"))
        raise StaleError(
            _("round {round} was already played (another screen?): this screen now shows round {now}").format(
                round=expected_round + 1, now=state.round + 1
            )
        )

    def switch_logic(self, code: str, key: str, switch: str, expected_round: int) -> int:
        """Change the organisation's logic from the open round on (compare-and-set on the round). Played rounds
        never change; each switch is made once. Returns the (0-based) round it applies from."""
        code = self._facilitator(code, key)
        with self._db() as db:
            state = self._state(db, code)
            if switch not in available_switches(state.template):
                raise WorkshopError(
                    _("switch must be one of: {allowed}").format(allowed=", ".join(available_switches(state.template)))
                )
            try:
                cur = db.execute(
                    "INSERT INTO switches (code, switch, round) SELECT code, ?, round FROM workshops "
                    "WHERE code = ? AND round = ? AND round < ? AND archived IS NULL",
                    (switch, code, expected_round, state.rounds),
                )
            except sqlite3.IntegrityError:
                raise StaleError(_("{switch} is already in force").format(switch=switch_label(switch))) from None
            if cur.rowcount == 1:
                return expected_round
            state = self._state(db, code)
        if state.over or state.archived:
            raise StaleError(_("the game is over: the logic can no longer change"))
        raise StaleError(
            _(
                "round {round} was already played: this screen now shows round {now}; switch again if you still want to"
            ).format(round=expected_round + 1, now=state.round + 1)
        )

    def reveal(self, code: str, key: str, revealed: bool, expected: bool) -> bool:
        """Show (or hide) the shared outcome on the players' screens, only if it still is as the caller saw it
        (``expected``): a stale screen never flips it back. Returns whether it is revealed now."""
        code = self._facilitator(code, key)
        with self._db() as db:
            db.execute(
                "UPDATE workshops SET revealed = ? WHERE code = ? AND revealed = ?",
                (int(bool(revealed)), code, int(bool(expected))),
            )
            return bool(self._row(db, code)["revealed"])


def available_switches(template: str) -> dict[str, str]:
    """The logic switches that change something in this template (e.g. product funding is not offered when the
    template is already product-funded), with their labels in the current language."""
    scenario = load_scenario(template)
    out = {}
    if scenario.leadership.trump < SHARED_CRITERION_TRUMP:
        out["shared_criterion"] = switch_label("shared_criterion")
    if scenario.funding.mode != "product":
        out["product_funding"] = switch_label("product_funding")
    return out


class _Connection:
    """A kept connection used as ``with``: a transaction left open by an error is rolled back at the end."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
