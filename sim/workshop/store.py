"""Workshop sessions in an embedded SQLite database: workshops, seats, decisions, passes and rate limits.

A workshop is a template (a bundled scenario, ``sim.workshop.rules``), one seed (every table plays the same market),
a join code, seats and a log of decisions. Results are never stored: they are replayed from the decisions
(``sim.workshop.replay``), so a refresh, a reconnect or a restarted server loses nothing.

Everything that changes the state is one short transaction that checks what the caller saw:

- playing a round, switching the logic and revealing are compare-and-set operations (the caller says which round
  it saw; of two facilitator tabs pressing *Play* together exactly one wins, the other gets a clear message);
- a decision carries the round it was made for, and a decision for a round that has been played is refused;
- a decision with a request id already stored is not stored twice (a retried save after a reconnect);
- every change bumps the workshop's ``version``, so a screen knows it is up to date by reading a few numbers
  (``pulse``), not by redrawing itself.

Seats: each table has one seat per playable department, and each seat holds a team of up to ``seat_size``
people (1-6). The team's decision for a round is the *last one saved* by any member (everyone sees who saved
it). A full seat is refused with the seats still free, never swapped. A browser id (the page keeps it in a
cookie) gives the same seat back to a browser that opens the join link again; a **seat code** shown on the
participant's screen gives it back on a new device, and without it the facilitator can approve a request to get
it back (either way the old device's link stops working).

Who may read what, codes, secrets and rate limits: ``sim.workshop.access``. Every method that returns something
checks that its caller may read it.
"""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from sim.i18n import DEFAULT as DEFAULT_LANGUAGE
from sim.i18n import LANGUAGES, _
from sim.workshop.access import (
    CODE_LENGTH,
    CONNECTED_SECONDS,
    JOINS_PER_WORKSHOP,
    PASS_SECONDS,
    PENDING_RECLAIMS,
    PRESENCE_EVERY,
    SEAT_CODE_LENGTH,
    SEAT_CODES_PER_ADDRESS,
    SEAT_CODES_PER_BROWSER,
    SEAT_CODES_PER_WORKSHOP,
    TICKET_SECONDS,
    UNKNOWN_CODES_PER_ADDRESS,
    UNKNOWN_CODES_PER_BROWSER,
    Limit,
    RateLimited,
    Role,
    buckets,
    new_code,
    new_secret,
    normal_code,
    normal_seat_code,
    readable_tables,
    same_secret,
    secret_hash,
    valid_secret,
)
from sim.workshop.rules import (
    MAX_SEAT_SIZE,
    MAX_TABLES,
    OPEN_SECONDS,
    TEMPLATES,
    Decision,
    Seat,
    StaleError,
    State,
    WorkshopError,
    available_switches,
    check_department,
    check_language,
    check_table,
    clean_name,
    dept_label,
    switch_label,
)

log = logging.getLogger(__name__)

#: Tables of this schema; the first workshop version's ``sessions``, ``players`` and ``decisions`` tables (a
#: 12-hour life, one player per department) and the old ``attempts`` table are left alone and not read.
SCHEMA = """
CREATE TABLE IF NOT EXISTS workshops (
    code TEXT PRIMARY KEY, template TEXT NOT NULL, seed INTEGER NOT NULL, key_hash TEXT NOT NULL,
    presenter TEXT NOT NULL, created REAL NOT NULL, archived REAL, round INTEGER NOT NULL DEFAULT 0,
    revealed INTEGER NOT NULL DEFAULT 0, tables INTEGER NOT NULL, seat_size INTEGER NOT NULL,
    lang TEXT NOT NULL DEFAULT 'en', version INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS switches (
    code TEXT NOT NULL REFERENCES workshops(code), switch TEXT NOT NULL, round INTEGER NOT NULL,
    PRIMARY KEY (code, switch)
);
CREATE TABLE IF NOT EXISTS members (
    token TEXT PRIMARY KEY, code TEXT NOT NULL REFERENCES workshops(code), table_no INTEGER NOT NULL,
    department TEXT NOT NULL, name TEXT NOT NULL, browser TEXT, joined REAL NOT NULL,
    removed INTEGER NOT NULL DEFAULT 0, seat_code TEXT, seen REAL
);
CREATE INDEX IF NOT EXISTS members_seat ON members (code, table_no, department);
CREATE TABLE IF NOT EXISTS saves (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, table_no INTEGER NOT NULL, round INTEGER NOT NULL,
    department TEXT NOT NULL, push TEXT NOT NULL, demands TEXT NOT NULL, action INTEGER NOT NULL,
    saved_by TEXT NOT NULL, saved REAL NOT NULL, request TEXT UNIQUE
);
CREATE INDEX IF NOT EXISTS saves_round ON saves (code, table_no, round, department);
CREATE TABLE IF NOT EXISTS failures (bucket TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS failures_bucket ON failures (bucket, at);
CREATE TABLE IF NOT EXISTS passes (
    hash TEXT PRIMARY KEY, code TEXT NOT NULL, kind TEXT NOT NULL, expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reclaims (
    id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, member INTEGER NOT NULL, browser TEXT NOT NULL,
    name TEXT NOT NULL, asked REAL NOT NULL, status TEXT NOT NULL DEFAULT 'pending', token TEXT
);
"""
#: Columns added since the first version of each table, with their definitions (added on opening an old file).
ADDED_COLUMNS = {
    "workshops": {"lang": "TEXT NOT NULL DEFAULT 'en'", "version": "INTEGER NOT NULL DEFAULT 0"},
    "members": {"seat_code": "TEXT", "seen": "REAL"},
}


def default_path() -> Path:
    return Path(os.environ.get("ALIGNSIM_WORKSHOP_DB", "workshop.sqlite3"))


def _seat(row: sqlite3.Row, rejoin: bool = False) -> Seat:
    return Seat(
        row["rowid"],
        row["code"],
        row["table_no"],
        row["department"],
        row["name"],
        row["seat_code"] if rejoin and row["seat_code"] else "",
        row["seen"],
    )


class Workshop:
    """The workshop store. Every method is one short transaction; one instance per process is enough."""

    def __init__(self, path: str | Path | None = None, clock: Callable[[], float] = time.time):
        self.path = Path(path) if path is not None else default_path()
        self.clock = clock
        self._local = threading.local()
        with self._db() as db:
            db.executescript(SCHEMA)
            for table, added in ADDED_COLUMNS.items():
                columns = {r["name"] for r in db.execute(f"PRAGMA table_info({table})")}
                for name, definition in added.items():
                    if name not in columns:  # a database of an earlier version: the column gets its default
                        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")

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
        key = new_secret()
        seed = secrets.randbelow(10_000) if seed is None else int(seed)
        with self._db() as db:
            for _attempt in range(20):
                code = new_code(CODE_LENGTH)
                try:
                    db.execute(
                        "INSERT INTO workshops (code, template, seed, key_hash, presenter, created, tables, "
                        "seat_size, lang) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (code, template, seed, secret_hash(key), new_secret(), self.clock(), tables, seat_size, lang),
                    )
                    return code, key
                except sqlite3.IntegrityError:
                    continue
        raise WorkshopError(_("could not find a free join code; try again"))

    def _row(self, db: sqlite3.Connection, code: str) -> sqlite3.Row:
        row = db.execute("SELECT * FROM workshops WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise WorkshopError(
                _("no workshop with code {code}: check the code on the facilitator's screen").format(code=code)
            )
        return row

    def _state(self, db: sqlite3.Connection, code: str) -> State:
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
            row["version"],
        )

    @staticmethod
    def _bump(db: sqlite3.Connection, code: str) -> None:
        db.execute("UPDATE workshops SET version = version + 1 WHERE code = ?", (code,))

    # ---------------------------------------------------------------- rate limits
    def _failures(self, db: sqlite3.Connection, bucket: str, limit: Limit) -> int:
        return db.execute(
            "SELECT COUNT(*) FROM failures WHERE bucket = ? AND at >= ?", (bucket, self.clock() - limit.seconds)
        ).fetchone()[0]

    def _check_limits(self, db: sqlite3.Connection, limits: dict[str, tuple[str, Limit]], message: str) -> None:
        """RateLimited when any bucket is full (old failures are forgotten on the way)."""
        longest = max(limit.seconds for _bucket, limit in limits.values())
        db.execute("DELETE FROM failures WHERE at < ?", (self.clock() - longest,))
        for bucket, limit in limits.values():
            if self._failures(db, bucket, limit) >= limit.attempts:
                raise RateLimited(message)

    def _fail(self, db: sqlite3.Connection, limits: dict[str, tuple[str, Limit]]) -> None:
        db.executemany("INSERT INTO failures VALUES (?, ?)", [(b, self.clock()) for b, _limit in limits.values()])

    def lookup(self, code: str, client: str = "local", browser: str | None = None) -> State:
        """The workshop a participant typed the code of. Unknown codes are rate-limited per browser and, more
        generously, per address (``sim.workshop.access``); a browser or address over its limit waits, even for a
        right code."""
        code = normal_code(code)
        keys = buckets(client, browser)
        limits = {"address": ("code:" + keys["address"], UNKNOWN_CODES_PER_ADDRESS)}
        if "browser" in keys:
            limits["browser"] = ("code:" + keys["browser"], UNKNOWN_CODES_PER_BROWSER)
        elif client != "local":  # an API caller without a browser id: its address is its browser
            limits["browser"] = ("code:api:" + keys["address"], UNKNOWN_CODES_PER_BROWSER)
        message = _(
            "too many unknown codes from this device: wait a minute, then check the code on the facilitator's screen"
        )
        with self._db() as db:
            self._check_limits(db, limits, message)
            try:
                return self._state(db, code)
            except WorkshopError:
                self._fail(db, limits)
                raise

    # ---------------------------------------------------------------- access
    def access(self, code: str, secret: str) -> Role:
        """Which role ``secret`` (the facilitator's key or pass, a presenter token or a player's token) has in this
        workshop."""
        return self._access(code, secret)[0]

    def _access(self, code: str, secret: str) -> tuple[Role, sqlite3.Row | None]:
        """The role and, for a player, their member row."""
        code = normal_code(code)
        refused = WorkshopError(_("this link does not open that workshop: use the link you were given"))
        try:
            secret = valid_secret(secret, "secret")  # ASCII only from here on (compare_digest needs it)
        except WorkshopError:
            raise refused from None
        with self._db() as db:
            row = self._row(db, code)
            hashed = secret_hash(secret)
            if same_secret(row["key_hash"], hashed):
                return "facilitator", None
            if same_secret(row["presenter"], secret):
                return "presenter", None
            held = db.execute(
                "SELECT 1 FROM passes WHERE hash = ? AND code = ? AND kind = 'pass' AND expires > ?",
                (hashed, code, self.clock()),
            ).fetchone()
            if held is not None:
                return "facilitator", None
            player = db.execute("SELECT rowid, * FROM members WHERE token = ? AND removed = 0", (secret,)).fetchone()
        if player is not None and player["code"] == code:
            return "player", player
        raise refused

    def _readable(self, code: str, secret: str) -> tuple[Role, frozenset[int], State]:
        role, player = self._access(code, secret)
        with self._db() as db:
            state = self._state(db, normal_code(code))
        own = player["table_no"] if player is not None else None
        return role, readable_tables(role, own, state.tables, state.over or state.archived), state

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

    # ---------------------------------------------------------------- facilitator passes (the HttpOnly cookie)
    def ticket(self, code: str, key: str) -> str:
        """A one-time ticket (good for ``TICKET_SECONDS``) that the facilitator's browser exchanges for a pass
        (``redeem``); the key itself never reaches the browser's scripts."""
        code = self._facilitator(code, key)
        ticket = new_secret()
        with self._db() as db:
            db.execute("DELETE FROM passes WHERE expires < ?", (self.clock(),))
            db.execute(
                "INSERT INTO passes VALUES (?, ?, 'ticket', ?)",
                (secret_hash(ticket), code, self.clock() + TICKET_SECONDS),
            )
        return ticket

    def redeem(self, ticket: str) -> tuple[str, str, float]:
        """Exchange a ticket, once, for a facilitator pass: (code, pass, seconds it lasts)."""
        ticket = valid_secret(ticket, "pass")
        granted = new_secret()
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT code FROM passes WHERE hash = ? AND kind = 'ticket' AND expires > ?",
                (secret_hash(ticket), self.clock()),
            ).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                raise WorkshopError(_("this ticket is unknown or used: open the control link again"))
            db.execute("DELETE FROM passes WHERE hash = ?", (secret_hash(ticket),))
            db.execute(
                "INSERT INTO passes VALUES (?, ?, 'pass', ?)",
                (secret_hash(granted), row["code"], self.clock() + PASS_SECONDS),
            )
            db.execute("COMMIT")
        return row["code"], granted, float(PASS_SECONDS)

    def end_passes(self, code: str, key: str) -> int:
        """The facilitator signs every browser out (their passes stop working); returns how many."""
        code = self._facilitator(code, key)
        with self._db() as db:
            return db.execute("DELETE FROM passes WHERE code = ?", (code,)).rowcount

    # ---------------------------------------------------------------- the workshop's life
    def archive(self, code: str, key: str) -> None:
        """Close the workshop for play; its debrief stays readable."""
        code = self._facilitator(code, key)
        with self._db() as db:
            db.execute(
                "UPDATE workshops SET archived = ?, version = version + 1 WHERE code = ? AND archived IS NULL",
                (self.clock(), code),
            )

    def add_table(self, code: str, key: str, expected_tables: int) -> int:
        """One more table (compare-and-set on the number of tables seen); returns the number of tables."""
        code = self._facilitator(code, key)
        with self._db() as db:
            cur = db.execute(
                "UPDATE workshops SET tables = tables + 1, version = version + 1 "
                "WHERE code = ? AND tables = ? AND tables < ?",
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
    def _seat_at(
        self, code: str, table: int, department: str, name: str, client: str, browser: str | None
    ) -> tuple[State, str]:
        """The open workshop behind ``code`` and the cleaned player name, once the seat (a department at a table)
        is checked to exist: what joining and asking for a seat back both need first."""
        state = self.lookup(code, client, browser)
        if state.archived:
            raise WorkshopError(
                _("the workshop {code} is archived: ask the facilitator for a new one").format(code=state.code)
            )
        check_department(state.template, department)
        check_table(table, state.tables)
        return state, clean_name(name, department)

    def join(
        self,
        code: str,
        table: int,
        department: str,
        name: str,
        browser: str | None = None,
        client: str = "local",
    ) -> str:
        """Take a place in a seat (a department at a table); returns the player's token.

        A browser that already holds a place in this workshop gets that place back (same token). A full seat
        is refused with the seats still free at that table; nobody is moved to another seat."""
        if browser is not None:
            browser = valid_secret(browser, "browser id")
        state, name = self._seat_at(code, table, department, name, client, browser)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            if browser is not None:
                again = db.execute(
                    "SELECT token FROM members WHERE code = ? AND browser = ? AND removed = 0",
                    (state.code, browser),
                ).fetchone()
                if again is not None:
                    db.execute("COMMIT")
                    return again["token"]
            recent = db.execute(
                "SELECT COUNT(*) FROM members WHERE code = ? AND joined >= ?",
                (state.code, self.clock() - JOINS_PER_WORKSHOP.seconds),
            ).fetchone()[0]
            if recent >= JOINS_PER_WORKSHOP.attempts:
                raise RateLimited(_("too many people joined this workshop in the last minute: try again in a minute"))
            taken = dict(
                db.execute(
                    "SELECT department, COUNT(*) FROM members WHERE code = ? AND table_no = ? "
                    "AND removed = 0 GROUP BY department",
                    (state.code, table),
                ).fetchall()
            )
            if taken.get(department, 0) >= state.seat_size:
                playable = TEMPLATES[state.template]["departments"]
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
            token = new_secret()
            db.execute(
                "INSERT INTO members (token, code, table_no, department, name, browser, joined, seat_code) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (token, state.code, table, department, name, browser, self.clock(), new_code(SEAT_CODE_LENGTH)),
            )
            self._bump(db, state.code)
            db.execute("COMMIT")
            return token

    def seat_of_browser(self, code: str, browser: str) -> str | None:
        """The token of the place this browser holds in the workshop, if any."""
        code, browser = normal_code(code), valid_secret(browser, "browser id")
        with self._db() as db:
            row = db.execute(
                "SELECT token FROM members WHERE code = ? AND browser = ? AND removed = 0", (code, browser)
            ).fetchone()
        return None if row is None else row["token"]

    def seat(self, token: str) -> Seat:
        """The place a player's token holds, with its seat code; a clear message for unknown or removed players."""
        token = valid_secret(token, "player link")
        with self._db() as db:
            row = db.execute("SELECT rowid, * FROM members WHERE token = ?", (token,)).fetchone()
            if row is not None and not row["seat_code"]:  # a place taken before seat codes existed
                db.execute("UPDATE members SET seat_code = ? WHERE token = ?", (new_code(SEAT_CODE_LENGTH), token))
                row = db.execute("SELECT rowid, * FROM members WHERE token = ?", (token,)).fetchone()
        if row is None:
            raise WorkshopError(_("unknown player link: join again with the workshop code"))
        if row["removed"]:
            raise WorkshopError(_("the facilitator has freed this place: join again with the workshop code"))
        return _seat(row, rejoin=True)

    def players(self, code: str, secret: str) -> list[Seat]:
        """Everyone seated (not removed) at the tables the caller may read, by table and department. Seat codes
        only for the facilitator; tokens for nobody."""
        role, tables, state = self._readable(code, secret)
        with self._db() as db:
            rows = db.execute(
                "SELECT rowid, * FROM members WHERE code = ? AND removed = 0 ORDER BY table_no, department, joined",
                (state.code,),
            ).fetchall()
        return [_seat(r, rejoin=role == "facilitator") for r in rows if r["table_no"] in tables]

    def connected(self, seat: Seat) -> bool:
        """Whether a screen of this place asked for news in the last ``CONNECTED_SECONDS``."""
        return seat.seen is not None and self.clock() - seat.seen < CONNECTED_SECONDS

    def remove_player(self, code: str, key: str, member: int) -> None:
        """The facilitator removes one player (their link stops working; their saved decisions stay)."""
        code = self._facilitator(code, key)
        with self._db() as db:
            cur = db.execute(
                "UPDATE members SET removed = 1 WHERE code = ? AND rowid = ? AND removed = 0", (code, member)
            )
            if cur.rowcount == 1:
                self._bump(db, code)
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
            self._bump(db, code)
        return cur.rowcount

    # ---------------------------------------------------------------- getting a seat back on a new device
    def _move(self, db: sqlite3.Connection, code: str, member: int, browser: str) -> str:
        """Give the place ``member`` to ``browser`` with a new token (the old device's link stops working)."""
        token = new_secret()
        db.execute(
            "UPDATE members SET browser = NULL WHERE code = ? AND browser = ? AND rowid != ?", (code, browser, member)
        )
        db.execute("UPDATE members SET token = ?, browser = ?, seen = NULL WHERE rowid = ?", (token, browser, member))
        self._bump(db, code)
        return token

    def reclaim(self, code: str, seat_code: str, browser: str, client: str = "local") -> str:
        """The place whose seat code this is, moved to this browser; returns its new token. Wrong seat codes are
        rate-limited per browser, per address and per workshop."""
        code = normal_code(code)
        browser = valid_secret(browser, "browser id")
        keys = buckets(client, browser)
        limits = {
            "browser": ("seat:" + keys["browser"], SEAT_CODES_PER_BROWSER),
            "address": ("seat:" + keys["address"], SEAT_CODES_PER_ADDRESS),
            "workshop": (f"seat:workshop:{code}", SEAT_CODES_PER_WORKSHOP),
        }
        message = _("too many wrong seat codes: wait a minute, or ask the facilitator to give you your seat back")
        with self._db() as db:
            self._check_limits(db, limits, message)
            try:
                seat_code = normal_seat_code(seat_code)
            except WorkshopError:
                self._fail(db, limits)
                raise
            db.execute("BEGIN IMMEDIATE")
            state = self._state(db, code)
            row = db.execute(
                "SELECT rowid FROM members WHERE code = ? AND seat_code = ? AND removed = 0", (code, seat_code)
            ).fetchone()
            if row is None or state.archived:
                db.execute("ROLLBACK")
                self._fail(db, limits)
                if state.archived:
                    raise WorkshopError(
                        _("the workshop {code} is archived: ask the facilitator for a new one").format(code=code)
                    )
                raise WorkshopError(
                    _("no seat in workshop {code} has this seat code: check it, or ask the facilitator").format(
                        code=code
                    )
                )
            token = self._move(db, code, row["rowid"], browser)
            db.execute("COMMIT")
        return token

    def ask_for_seat(
        self, code: str, table: int, department: str, name: str, browser: str, client: str = "local"
    ) -> int:
        """A request, from a browser without the seat code, to get back the place held by ``name`` at that seat;
        the facilitator approves or refuses it (``answer_request``). Returns the request's id."""
        browser = valid_secret(browser, "browser id")
        state, name = self._seat_at(code, table, department, name, client, browser)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.execute(
                    "SELECT rowid FROM members WHERE code = ? AND table_no = ? AND department = ? AND removed = 0 "
                    "AND lower(name) = lower(?)",
                    (state.code, table, department, name),
                ).fetchone()
                if row is None:
                    raise WorkshopError(
                        _(
                            "nobody called {name} sits at {department}, table {table}: check the name as you typed it "
                            "when you joined"
                        ).format(name=name, department=dept_label(department), table=table)
                    )
                pending = db.execute(
                    "SELECT COUNT(*) FROM reclaims WHERE code = ? AND status = 'pending' AND browser != ?",
                    (state.code, browser),
                ).fetchone()[0]
                if pending >= PENDING_RECLAIMS:
                    raise RateLimited(_("the facilitator has many requests waiting: try again in a minute"))
                db.execute(
                    "UPDATE reclaims SET status = 'withdrawn' WHERE code = ? AND browser = ? AND status = 'pending'",
                    (state.code, browser),
                )
                cur = db.execute(
                    "INSERT INTO reclaims (code, member, browser, name, asked) VALUES (?, ?, ?, ?, ?)",
                    (state.code, row["rowid"], browser, name, self.clock()),
                )
                self._bump(db, state.code)
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return int(cur.lastrowid or 0)

    def request_status(self, code: str, browser: str) -> tuple[str, str | None]:
        """This browser's latest request to get a seat back: (``pending``, ``approved``, ``refused`` or ``none``,
        the place's token when approved)."""
        code, browser = normal_code(code), valid_secret(browser, "browser id")
        with self._db() as db:
            row = db.execute(
                "SELECT status, token FROM reclaims WHERE code = ? AND browser = ? ORDER BY id DESC LIMIT 1",
                (code, browser),
            ).fetchone()
        if row is None or row["status"] == "withdrawn":
            return "none", None
        return row["status"], row["token"] if row["status"] == "approved" else None

    def requests(self, code: str, key: str) -> list[tuple[int, str, Seat]]:
        """Requests waiting for the facilitator: (id, the name typed, the place asked for)."""
        code = self._facilitator(code, key)
        with self._db() as db:
            rows = db.execute(
                "SELECT r.id, r.name AS asked_name, m.rowid, m.* FROM reclaims r JOIN members m ON m.rowid = r.member "
                "WHERE r.code = ? AND r.status = 'pending' AND m.removed = 0 ORDER BY r.id",
                (code,),
            ).fetchall()
        return [(r["id"], r["asked_name"], _seat(r)) for r in rows]

    def answer_request(self, code: str, key: str, request: int, approve: bool) -> None:
        """The facilitator approves (the place moves to the asking browser, the old device's link stops working)
        or refuses a request to get a seat back."""
        code = self._facilitator(code, key)
        with self._db() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT r.member, r.browser FROM reclaims r JOIN members m ON m.rowid = r.member "
                "WHERE r.id = ? AND r.code = ? AND r.status = 'pending' AND m.removed = 0",
                (request, code),
            ).fetchone()
            if row is None:
                db.execute("ROLLBACK")
                raise StaleError(_("that request has already been answered or withdrawn"))
            if approve:
                token = self._move(db, code, row["member"], row["browser"])
                db.execute("UPDATE reclaims SET status = 'approved', token = ? WHERE id = ?", (token, request))
            else:
                db.execute("UPDATE reclaims SET status = 'refused' WHERE id = ?", (request,))
                self._bump(db, code)
            db.execute("COMMIT")

    # ---------------------------------------------------------------- what screens read several times a minute
    def pulse(self, code: str, secret: str) -> tuple:
        """The numbers a facilitator's or presenter's screen compares to know whether it is up to date: the
        workshop's stage (round, reveal, tables, archive, logic), its version (every change bumps it) and the
        places with a screen connected now."""
        self.access(code, secret)
        code = normal_code(code)
        with self._db() as db:
            state = self._state(db, code)
            connected = tuple(
                r[0]
                for r in db.execute(
                    "SELECT rowid FROM members WHERE code = ? AND removed = 0 AND seen >= ? ORDER BY rowid",
                    (code, self.clock() - CONNECTED_SECONDS),
                )
            )
        return (state.stage, state.version, connected)

    def player_pulse(self, token: str) -> tuple:
        """What a participant's screen compares: the workshop's stage and their own seat (the team's last save for
        the open round, who sits in it, a request to get a place back). Notes that a screen of this place is
        connected (written at most every ``PRESENCE_EVERY`` seconds)."""
        token = valid_secret(token, "player link")
        now = self.clock()
        with self._db() as db:
            row = db.execute(
                "SELECT m.rowid AS member, m.seen, m.removed, m.code, w.round, w.revealed, w.tables, w.archived, "
                "w.created, (SELECT COUNT(*) FROM switches s WHERE s.code = w.code) AS switches, "
                "(SELECT MAX(id) FROM saves v WHERE v.code = w.code AND v.table_no = m.table_no "
                " AND v.department = m.department AND v.round = w.round) AS saved, "
                "(SELECT group_concat(n.rowid) FROM members n WHERE n.code = w.code AND n.table_no = m.table_no "
                " AND n.department = m.department AND n.removed = 0) AS team "
                "FROM members m JOIN workshops w ON w.code = m.code WHERE m.token = ?",
                (token,),
            ).fetchone()
            if row is None:
                return ("gone",)
            if not row["removed"] and (row["seen"] is None or now - row["seen"] >= PRESENCE_EVERY):
                db.execute("UPDATE members SET seen = ? WHERE token = ?", (now, token))
        archived = row["archived"] is not None or now - row["created"] > OPEN_SECONDS
        stage = (row["round"], bool(row["revealed"]), row["tables"], archived, row["switches"], bool(row["removed"]))
        return (stage, (row["saved"], row["team"]))

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
        check_department(state.template, department)
        check_table(table, state.tables)
        self._save(code, table, department, round_index, decision, "facilitator", request)

    def _save(
        self,
        code: str,
        table: int,
        department: str,
        round_index: int,
        decision: Decision,
        by: str,
        request: str | None,
    ) -> None:
        if not isinstance(decision, Decision):
            raise WorkshopError(_("decision must be a Decision"))
        with self._db() as db:
            rounds = TEMPLATES[self._row(db, code)["template"]]["rounds"]
            db.execute("BEGIN IMMEDIATE")
            # the round check and the insert are one statement in one transaction with the version's bump
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
                        rounds,
                        self.clock() - OPEN_SECONDS,
                    ),
                )
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                return  # this request was stored already
            if cur.rowcount == 1:
                self._bump(db, code)
                db.execute("COMMIT")
                return
            db.execute("ROLLBACK")
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

    def _scope(self, code: str, secret: str, table: int | None) -> tuple[str, frozenset[int]]:
        """The workshop and the tables to read: ``table`` (which the caller must be allowed to read), or every
        table the caller may read."""
        _role, tables, state = self._readable(code, secret)
        if table is None:
            return state.code, tables
        if table not in tables:
            raise WorkshopError(_("this link reads its own table only until the game is over"))
        return state.code, frozenset({table})

    def decisions(self, code: str, secret: str, table: int | None = None) -> dict[tuple[int, int, str], Decision]:
        """(table, round, department) -> the decision in force (the last one saved for that seat and round), for
        ``table`` or every table the caller may read."""
        code, tables = self._scope(code, secret, table)
        with self._db() as db:
            rows = db.execute("SELECT * FROM saves WHERE code = ? ORDER BY id", (code,)).fetchall()
        return {
            (r["table_no"], r["round"], r["department"]): Decision(r["push"], r["demands"], bool(r["action"]))
            for r in rows
            if r["table_no"] in tables
        }

    def saved_by(
        self, code: str, secret: str, table: int | None = None
    ) -> dict[tuple[int, int, str], tuple[str, float]]:
        """(table, round, department) -> who saved the decision in force, and when (tables as ``decisions``)."""
        code, tables = self._scope(code, secret, table)
        with self._db() as db:
            rows = db.execute(
                "SELECT table_no, round, department, saved_by, saved FROM saves WHERE code = ? ORDER BY id",
                (code,),
            ).fetchall()
        return {
            (r["table_no"], r["round"], r["department"]): (r["saved_by"], r["saved"])
            for r in rows
            if r["table_no"] in tables
        }

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
            rounds = TEMPLATES[self._row(db, code)["template"]]["rounds"]
            cur = db.execute(
                "UPDATE workshops SET round = round + 1, version = version + 1 WHERE code = ? AND round = ? "
                "AND round < ? AND archived IS NULL",
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
            db.execute("BEGIN IMMEDIATE")
            try:
                cur = db.execute(
                    "INSERT INTO switches (code, switch, round) SELECT code, ?, round FROM workshops "
                    "WHERE code = ? AND round = ? AND round < ? AND archived IS NULL",
                    (switch, code, expected_round, state.rounds),
                )
            except sqlite3.IntegrityError:
                db.execute("ROLLBACK")
                raise StaleError(_("{switch} is already in force").format(switch=switch_label(switch))) from None
            if cur.rowcount == 1:
                self._bump(db, code)
                db.execute("COMMIT")
                return expected_round
            db.execute("ROLLBACK")
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
                "UPDATE workshops SET revealed = ?, version = version + 1 WHERE code = ? AND revealed = ?",
                (int(bool(revealed)), code, int(bool(expected))),
            )
            return bool(self._row(db, code)["revealed"])


class _Connection:
    """A kept connection used as ``with``: a transaction left open by an error is rolled back at the end."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
