"""Workshop sessions: people play the departments of a scenario, round by round, against the model.

A session is a template (a bundled scenario), a seed, a join code and a log of decisions, kept in an embedded
SQLite database. Its results are never stored: they are recomputed by replaying the decisions, so a refresh,
a reconnect or a restarted server loses nothing and every table that makes the same decisions sees the same
results. Departments nobody plays keep the behaviour of the model's agents.
"""

from __future__ import annotations

import math
import os
import secrets
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd

from agents.department import progress
from sim.metrics import METRICS, capacity_frame, window_value
from sim.input import load_scenario

#: Templates: a bundled scenario, rounds, weeks per round, and the departments people can play.
TEMPLATES: dict[str, dict] = {
    "b2b_activation": {"title": "The B2B activation tug of war", "rounds": 4, "weeks": 13,
                       "departments": ("sales", "marketing", "customer_success", "customer_support", "finance")},
    "self_service_launch": {"title": "The self-service launch", "rounds": 4, "weeks": 13,
                            "departments": ("sales", "marketing", "customer_success", "customer_support",
                                            "finance")},
}
PUSH = {"own KPI": 0.1, "balanced": 0.5, "shared goal": 0.9}
DEMANDS = {"few": 0.5, "normal": 1.0, "many": 1.6}
#: What each role's own action does, in words, for the participant's form.
ACTIONS = {"sales": "Promise features to key accounts", "marketing": "Run a campaign this round",
           "customer_success": "Hold as many onboarding calls as possible", "customer_support": "",
           "finance": "Tie the budget to a fixed milestone plan (counts in the first round)"}
LOGIC_SWITCHES = {"shared_criterion": "A shared success criterion that trumps local KPIs",
                  "product_funding": "Fund the team as a product team"}
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
EXPIRY_SECONDS = 12 * 3600
MAX_PLAYERS = 40


RESULT_COLUMNS = ["round", "department", "played_by", "decided", "kpi", "kpi_value", "kpi_target", "kpi_attainment",
                  "shared_metric", "shared_outcome", "output_attainment", "logic"]


class WorkshopError(ValueError):
    """A code, token or action that cannot be accepted; the message says why and what to do."""


@dataclass(frozen=True)
class Decision:
    """One department's choices for one round."""

    push: Literal["own KPI", "balanced", "shared goal"] = "balanced"
    demands: Literal["few", "normal", "many"] = "normal"
    action: bool = False

    def __post_init__(self):
        if self.push not in PUSH:
            raise WorkshopError(f"push must be one of {', '.join(PUSH)}, got {self.push!r}")
        if self.demands not in DEMANDS:
            raise WorkshopError(f"demands must be one of {', '.join(DEMANDS)}, got {self.demands!r}")


SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    code TEXT PRIMARY KEY, template TEXT NOT NULL, seed INTEGER NOT NULL, facilitator_key TEXT NOT NULL,
    created REAL NOT NULL, rounds_played INTEGER NOT NULL DEFAULT 0, switch TEXT, switch_round INTEGER,
    revealed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS players (
    token TEXT PRIMARY KEY, code TEXT NOT NULL REFERENCES sessions(code), department TEXT NOT NULL,
    name TEXT NOT NULL, joined REAL NOT NULL, UNIQUE (code, department)
);
CREATE TABLE IF NOT EXISTS decisions (
    code TEXT NOT NULL, round INTEGER NOT NULL, department TEXT NOT NULL, push TEXT NOT NULL,
    demands TEXT NOT NULL, action INTEGER NOT NULL, PRIMARY KEY (code, round, department)
);
"""


def default_path() -> Path:
    return Path(os.environ.get("ALIGNSIM_WORKSHOP_DB", "workshop.sqlite3"))


class Workshop:
    """The session store. Every method is a short transaction; one instance per process is enough."""

    def __init__(self, path: str | Path | None = None, clock=time.time):
        self.path = Path(path) if path is not None else default_path()
        self.clock = clock
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.row_factory = sqlite3.Row
        return db

    # ---------------------------------------------------------------- sessions
    def create(self, template: str = "b2b_activation", seed: int | None = None) -> tuple[str, str]:
        """A new session: (join code, facilitator key)."""
        if template not in TEMPLATES:
            raise WorkshopError(f"unknown template {template!r}; allowed: {', '.join(TEMPLATES)}")
        key = secrets.token_urlsafe(16)
        with self._db() as db:
            for _ in range(20):
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
                try:
                    db.execute("INSERT INTO sessions (code, template, seed, facilitator_key, created) "
                               "VALUES (?, ?, ?, ?, ?)",
                               (code, template, secrets.randbelow(10_000) if seed is None else seed, key,
                                self.clock()))
                    return code, key
                except sqlite3.IntegrityError:
                    continue
        raise WorkshopError("could not find a free join code; try again")

    def session(self, code: str) -> sqlite3.Row:
        """The open session with this code; a clear message for unknown or expired codes."""
        code = (code or "").strip().upper()
        with self._db() as db:
            row = db.execute("SELECT * FROM sessions WHERE code = ?", (code,)).fetchone()
        if row is None:
            raise WorkshopError(f"no workshop with code {code!r}: check the code on the facilitator's screen")
        if self.clock() - row["created"] > EXPIRY_SECONDS:
            raise WorkshopError(f"the workshop {code} has expired (codes last {EXPIRY_SECONDS // 3600} hours); "
                                "ask the facilitator for a new one")
        return row

    def check_facilitator(self, code: str, key: str) -> sqlite3.Row:
        row = self.session(code)
        if not secrets.compare_digest(row["facilitator_key"], key or ""):
            raise WorkshopError("this link does not open the facilitator's view of that workshop")
        return row

    # ---------------------------------------------------------------- players
    def join(self, code: str, department: str, name: str) -> str:
        """Claim a department in a session; returns the player's token."""
        row = self.session(code)
        playable = TEMPLATES[row["template"]]["departments"]
        if department not in playable:
            raise WorkshopError(f"department must be one of {', '.join(playable)}, got {department!r}")
        name = (name or "").strip()[:40] or department
        token = secrets.token_urlsafe(16)
        with self._db() as db:
            count = db.execute("SELECT COUNT(*) FROM players WHERE code = ?", (row["code"],)).fetchone()[0]
            if count >= MAX_PLAYERS:
                raise WorkshopError("this workshop is full")
            try:
                db.execute("INSERT INTO players VALUES (?, ?, ?, ?, ?)",
                           (token, row["code"], department, name, self.clock()))
            except sqlite3.IntegrityError:
                raise WorkshopError(f"{department} is already played in {row['code']}; pick another "
                                    "department") from None
        return token

    def player(self, token: str) -> sqlite3.Row:
        with self._db() as db:
            row = db.execute("SELECT * FROM players WHERE token = ?", (token or "",)).fetchone()
        if row is None:
            raise WorkshopError("unknown player link: join again with the workshop code")
        self.session(row["code"])  # still open?
        return row

    def players(self, code: str) -> dict[str, str]:
        """Department -> player name."""
        with self._db() as db:
            rows = db.execute("SELECT department, name FROM players WHERE code = ?", (code,)).fetchall()
        return {r["department"]: r["name"] for r in rows}

    # ---------------------------------------------------------------- decisions and rounds
    def decide(self, token: str, decision: Decision) -> None:
        """A player's decision for the session's current round (their own department only)."""
        p = self.player(token)
        self._record(p["code"], p["department"], decision)

    def decide_as_facilitator(self, code: str, key: str, department: str, decision: Decision) -> None:
        """Single-screen mode: the facilitator enters a department's decision."""
        row = self.check_facilitator(code, key)
        if department not in TEMPLATES[row["template"]]["departments"]:
            raise WorkshopError(f"{department!r} is not a playable department")
        self._record(row["code"], department, decision)

    def _record(self, code: str, department: str, decision: Decision) -> None:
        row = self.session(code)
        spec = TEMPLATES[row["template"]]
        if row["rounds_played"] >= spec["rounds"]:
            raise WorkshopError("the game is over: every round has been played")
        with self._db() as db:
            db.execute("INSERT OR REPLACE INTO decisions VALUES (?, ?, ?, ?, ?, ?)",
                       (code, row["rounds_played"], department, decision.push, decision.demands,
                        int(decision.action)))

    def decisions(self, code: str) -> dict[tuple[int, str], Decision]:
        with self._db() as db:
            rows = db.execute("SELECT * FROM decisions WHERE code = ?", (code,)).fetchall()
        return {(r["round"], r["department"]): Decision(r["push"], r["demands"], bool(r["action"])) for r in rows}

    def play_round(self, code: str, key: str) -> int:
        """Close the current round (departments without a decision are played by the model); returns rounds played."""
        row = self.check_facilitator(code, key)
        if row["rounds_played"] >= TEMPLATES[row["template"]]["rounds"]:
            raise WorkshopError("every round has been played: open the debrief")
        with self._db() as db:
            db.execute("UPDATE sessions SET rounds_played = rounds_played + 1 WHERE code = ?", (row["code"],))
        return row["rounds_played"] + 1

    def switch_logic(self, code: str, key: str, switch: str) -> int:
        """From the next round to be played on, change the organisation's logic; returns that round."""
        row = self.check_facilitator(code, key)
        if switch not in LOGIC_SWITCHES:
            raise WorkshopError(f"switch must be one of {', '.join(LOGIC_SWITCHES)}, got {switch!r}")
        with self._db() as db:
            db.execute("UPDATE sessions SET switch = ?, switch_round = ? WHERE code = ?",
                       (switch, row["rounds_played"], row["code"]))
        return row["rounds_played"]

    def reveal(self, code: str, key: str, revealed: bool = True) -> None:
        """Show (or hide) the shared outcome on the players' screens."""
        row = self.check_facilitator(code, key)
        with self._db() as db:
            db.execute("UPDATE sessions SET revealed = ? WHERE code = ?", (int(revealed), row["code"]))

    # ---------------------------------------------------------------- results
    def results(self, code: str) -> pd.DataFrame:
        """One row per played round and department: the shared outcome and each department's KPI."""
        row = self.session(code)
        return replay(row["template"], row["seed"], row["rounds_played"], self.decisions(row["code"]),
                      row["switch"], row["switch_round"], players=self.players(row["code"]))

    def team_time(self, code: str) -> pd.DataFrame:
        """Where the product team's time went in the played rounds."""
        row = self.session(code)
        return team_time(row["template"], row["seed"], row["rounds_played"], self.decisions(row["code"]),
                         row["switch"], row["switch_round"])


def replay(template: str, seed: int, rounds: int, decisions: dict[tuple[int, str], Decision],
           switch: str | None = None, switch_round: int | None = None,
           players: dict[str, str] | None = None) -> pd.DataFrame:
    """Run the template's scenario for ``rounds`` rounds, applying the decisions at the start of each round;
    one row per round and playable department."""
    return _play(template, seed, rounds, decisions, switch, switch_round, players)[0]


def team_time(template: str, seed: int, rounds: int, decisions: dict[tuple[int, str], Decision],
              switch: str | None = None, switch_round: int | None = None) -> pd.DataFrame:
    """Where the product team's time went in the played rounds: week, requester, person_weeks."""
    model = _play(template, seed, rounds, decisions, switch, switch_round)[1]
    frame = capacity_frame(model.records)
    return frame[frame["week"] <= model.week].reset_index(drop=True)


def _play(template, seed, rounds, decisions, switch=None, switch_round=None, players=None):
    from sim.model import AlignmentModel

    spec = TEMPLATES[template]
    scenario = load_scenario(template, {"weeks": spec["rounds"] * spec["weeks"]})
    model = AlignmentModel(scenario, seed=seed)
    base = {name: d.cfg for name, d in model.departments_by_name.items()}
    shared = model.shared
    rows = []
    for r in range(rounds):
        start = model.week
        if switch is not None and switch_round is not None and r >= switch_round:
            _apply_switch(model, switch)
        for dept in spec["departments"]:
            decision = decisions.get((r, dept))
            if decision is not None:
                _apply(model, dept, base[dept], decision)
        for _ in range(spec["weeks"]):
            model.step()
        outcome = window_value(shared, model.records, start, model.week)
        attainment = window_value(METRICS["output_attainment"], model.records, start, model.week)
        for dept in spec["departments"]:
            agent = model.departments_by_name[dept]
            value = window_value(agent.kpi, model.records, start, model.week)
            rows.append({"round": r + 1, "department": dept, "played_by": (players or {}).get(dept, "model"),
                         "decided": (r, dept) in decisions, "kpi": agent.kpi.name, "kpi_value": value,
                         "kpi_target": agent.cfg.target,
                         "kpi_attainment": (min(progress(value, agent.cfg.target, agent.kpi.better), 1.5)
                                            if not math.isnan(value) else math.nan),
                         "shared_metric": shared.name, "shared_outcome": outcome,
                         "output_attainment": attainment,
                         "logic": LOGIC_SWITCHES[switch] if switch and switch_round is not None
                         and r >= switch_round else "local KPIs"})
    return pd.DataFrame(rows, columns=RESULT_COLUMNS), model


def _apply(model, dept: str, base_cfg, decision: Decision) -> None:
    agent = model.departments_by_name[dept]
    update = {"alignment": PUSH[decision.push], "demand_rate": base_cfg.demand_rate * DEMANDS[decision.demands]}
    if dept == "sales":
        update["max_open_promises"] = base_cfg.max_open_promises if decision.action else 0
    if dept == "customer_success":
        update["call_capacity"] = base_cfg.call_capacity * (2.0 if decision.action else 1.0)
    if dept == "marketing" and agent.campaign_left == 0:
        # yes: launch this round (an aligned Marketing may still wait for readiness); no: no campaign now
        agent.campaign_done = not decision.action
        update["campaign_start_week"] = model.week + 1
    if dept == "finance":
        update["plan_items"] = base_cfg.plan_items if decision.action else 0
    agent.cfg = agent.cfg.model_copy(update=update)


def _apply_switch(model, switch: str) -> None:
    if switch == "shared_criterion":
        model.trump = 0.9
    elif switch == "product_funding":
        model.setup = model.setup.with_overrides({"funding.mode": "product"})
