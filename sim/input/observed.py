"""Observed series: an organisation's own weekly or monthly numbers, read, checked and set beside simulated ones.

A CSV file with a ``week`` or a ``month`` column (1, 2, 3, ... in order) and any subset of the columns in
:data:`SERIES`; empty cells are missing values. A problem names the row and column, as a :class:`~sim.i18n.Message`
(English ``str``, the page's language through ``ScenarioError.shown()``). Simulated runs are turned into the same
table from the model's weekly counters (:func:`simulated`): counts are summed over the weeks of a period and shares
are ratios of summed counters, so a month of simulated activation is computed as the data's month is. A month is
52/12 weeks: month ``m`` covers weeks ``(m-1) * 52/12`` to ``m * 52/12``, a week split between two months counting
in each by its share.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.i18n import N_, Decimal, Message
from sim.input import MAX_FILE_BYTES, ScenarioError, clean, show
from sim.input.errors import check_file_path
from sim.metrics import WEEKS_PER_MONTH, Records


@dataclass(frozen=True)
class Series:
    """An observable series: the model's counter(s) behind it and what a data cell means (English, marked for
    translation: show it with ``_(series.meaning)``)."""

    name: str
    numerator: str
    denominator: str | None
    meaning: str

    @property
    def share(self) -> bool:
        return self.denominator is not None


SERIES: dict[str, Series] = {
    s.name: s
    for s in [
        Series("new_customers", "deals", None, N_("accounts that bought in the period")),
        Series(
            "activation_30d",
            "activated30",
            "cohort_closed",
            N_(
                "share (0..1) of new customers whose first success "
                "came within 30 days, among those whose 30 days "
                "ended in the period"
            ),
        ),
        Series("churned", "churned", None, N_("paying customers lost in the period")),
        Series("support_contacts", "contacts", None, N_("support contacts (tickets, calls) in the period")),
        Series("leads", "leads", None, N_("new leads in the period")),
        Series("releases", "released", None, N_("work items released to customers in the period")),
    ]
}
FREQUENCIES = ("week", "month")
#: At most ten years of weeks or months.
MAX_PERIODS = {"week": 520, "month": 120}


@dataclass(frozen=True)
class Observed:
    """Observed series: a row per period (1..n), a column per series (NaN: missing)."""

    frequency: str
    data: pd.DataFrame

    @property
    def periods(self) -> int:
        return len(self.data)

    @property
    def series(self) -> list[str]:
        return list(self.data.columns)

    def weeks(self) -> int:
        """Weeks a simulation must run to cover every observed period."""
        return self.periods if self.frequency == "week" else math.ceil(self.periods * WEEKS_PER_MONTH)

    def long(self) -> pd.DataFrame:
        """period, series, observed (missing values dropped)."""
        frame = self.data.rename_axis("period").reset_index().melt("period", var_name="series", value_name="observed")
        return frame.dropna(subset=["observed"]).reset_index(drop=True)


def read_observed(data: bytes, filename: str = "observed.csv") -> Observed:
    """Observed series from CSV bytes: size-capped, every cell checked; a problem names the row and column."""
    source = clean(Path(filename).name) or "observed.csv"
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(_too_large(source))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ScenarioError(Message(N_("{source}: not a UTF-8 CSV file"), source=source)) from None
    lines = text.splitlines()
    if not lines:
        raise ScenarioError(
            Message(
                N_("{source}: empty file; expected a header row with week or month and series columns"), source=source
            )
        )
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:
        rows = list(csv.reader(lines[: MAX_PERIODS["week"] + 2], delimiter=delimiter))
    except csv.Error as exc:
        raise ScenarioError(
            Message(N_("{source}: malformed CSV: {problem}"), source=source, problem=str(exc))
        ) from None
    if len(lines) > MAX_PERIODS["week"] + 1 and any(x.strip() for x in lines[MAX_PERIODS["week"] + 1 :]):
        raise ScenarioError(
            Message(
                N_("{source}: more than {most} rows (at most ten years of weeks)"),
                source=source,
                most=MAX_PERIODS["week"],
            )
        )
    header = [h.strip().lower() for h in rows[0]]
    allowed = ", ".join(SERIES)
    freq = [h for h in header if h in FREQUENCIES]
    if len(freq) != 1:
        raise ScenarioError(
            Message(
                N_("{source}, row {row}: expected exactly one period column, week or month; then any of {allowed}"),
                source=source,
                row=1,
                allowed=allowed,
            )
        )
    frequency = freq[0]
    columns: list[str] = []
    for i, h in enumerate(header):
        if h in FREQUENCIES or not h:
            continue
        if h not in SERIES:
            raise _problem(
                source,
                1,
                i + 1,
                Message(N_("unknown series {name}; allowed: {allowed}"), name=show(h, 40), allowed=allowed),
            )
        if h in columns:
            raise ScenarioError(
                Message(N_("{source}, row {row}: column {column} appears twice"), source=source, row=1, column=h)
            )
        columns.append(h)
    if not columns:
        raise ScenarioError(
            Message(N_("{source}: no series columns; give any of {allowed}"), source=source, allowed=allowed)
        )
    values: dict[str, list[float]] = {c: [] for c in columns}
    p_col = header.index(frequency)
    expected = 1
    for n, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        period = _number(row[p_col] if p_col < len(row) else "", source, n, frequency)
        if period != expected:
            raise _problem(
                source,
                n,
                frequency,
                Message(
                    N_("expected {expected} (periods 1, 2, 3, ... in order, none skipped), got {got}"),
                    expected=expected,
                    got=show(row[p_col] if p_col < len(row) else ""),
                ),
            )
        expected += 1
        for c in columns:
            i = header.index(c)
            cell = row[i].strip() if i < len(row) else ""
            x = float("nan") if not cell else _number(cell, source, n, c)
            if x == x and (x < 0 or (SERIES[c].share and x > 1)):
                raise _problem(
                    source,
                    n,
                    c,
                    Message(
                        N_("{value} is out of range; allowed: a share 0..1 (e.g. 0.42 for 42 %)")
                        if SERIES[c].share
                        else N_("{value} is out of range; allowed: a count >= 0"),
                        value=as_typed(x),
                    ),
                )
            values[c].append(x)
    periods = expected - 1
    if periods < 3:
        raise ScenarioError(
            Message(
                N_("{source}: {periods} period(s); at least 3 are needed to fit anything"),
                source=source,
                periods=periods,
            )
        )
    if periods > MAX_PERIODS[frequency]:
        raise ScenarioError(
            Message(
                N_("{source}: {periods} weeks; at most {most}")
                if frequency == "week"
                else N_("{source}: {periods} months; at most {most}"),
                source=source,
                periods=periods,
                most=MAX_PERIODS[frequency],
            )
        )
    frame = pd.DataFrame(values, index=pd.RangeIndex(1, periods + 1, name="period"))
    empty = [c for c in columns if frame[c].isna().all()]
    if empty:
        raise ScenarioError(
            Message(
                N_("{source}: column {column} has no values; fill it in or leave the column out"),
                source=source,
                column=empty[0],
            )
        )
    return Observed(frequency, frame)


def read_observed_path(path: str | Path) -> Observed:
    """Observed series from a CSV file (size-capped before reading)."""
    p = check_file_path(path, "observed data")
    try:
        if not p.is_file():
            raise ScenarioError(Message(N_("observed data {path} does not exist"), path=show(str(p))))
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ScenarioError(_too_large(show(p.name)))
        return read_observed(p.read_bytes(), p.name)
    except OSError as exc:
        raise ScenarioError(
            Message(N_("observed data {path}: cannot read: {reason}"), path=show(str(p)), reason=exc.strerror)
        ) from None


def as_typed(x: float) -> Decimal | str:
    """A number read from a file for a message, as ``f"{x:g}"`` writes it in English (``2.5``, ``-3``) and in
    the current language's style when shown (Danish ``2,5``); very large or small numbers as ``:g`` has them."""
    text = f"{x:g}"
    if "e" in text or "n" in text or abs(x) >= 1000:
        return text
    return Decimal(x, len(text.split(".")[1]) if "." in text else 0)


def _too_large(source: str) -> Message:
    return Message(N_("{source}: file is larger than {size} KiB"), source=source, size=MAX_FILE_BYTES // 1024)


def _problem(source: str, row: int, column: str | int, problem: Message) -> ScenarioError:
    """A cell's problem, prefixed with the file, row and column (``observed.csv, row 3, column month: ...``; in
    Danish ``observed.csv, række 3, kolonne month: ...``: the column keeps the file's name)."""
    return ScenarioError(
        Message(
            N_("{source}, row {row}, column {column}: {problem}"),
            source=source,
            row=row,
            column=column,
            problem=problem,
        )
    )


def _number(text: str, source: str, row: int, column: str) -> float:
    text = text.strip()
    try:
        x = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
    except ValueError:
        raise _problem(
            source, row, column, Message(N_("expected a number, got {value}"), value=show(text, 40))
        ) from None
    if not math.isfinite(x):
        raise _problem(source, row, column, Message(N_("expected a finite number")))
    return x


def period_bounds(periods: int, frequency: str) -> np.ndarray:
    """Where each period starts, in weeks, and where the last ends: ``periods + 1`` numbers (a month is 52/12
    weeks, so its bounds fall inside weeks)."""
    if frequency == "week":
        return np.arange(periods + 1, dtype=float)
    return np.arange(periods + 1) * WEEKS_PER_MONTH


def _per_period(weekly: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """A weekly counter summed over periods whose bounds may fall inside a week: a week split between two months
    counts in each by the share of it that lies there (a calendar month holds 4 1/3 weeks, not 4 or 5)."""
    cum = np.concatenate([[0.0], np.cumsum(weekly)])
    whole = np.floor(bounds).astype(int)
    part = bounds - whole
    nxt = np.where(whole < weekly.size, weekly[np.minimum(whole, weekly.size - 1)], 0.0)
    at = cum[np.minimum(whole, weekly.size)] + part * nxt
    return np.diff(at)


def simulated(records: Records, observed: Observed) -> pd.DataFrame:
    """One run's counters as the observed table: a row per period, a column per observed series."""
    bounds = period_bounds(observed.periods, observed.frequency)
    out = {}
    for name in observed.series:
        s = SERIES[name]
        num = _per_period(records.c[s.numerator], bounds)
        if s.share:
            den = _per_period(records.c[s.denominator], bounds)
            with np.errstate(divide="ignore", invalid="ignore"):
                num = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        out[name] = num
    return pd.DataFrame(out, index=observed.data.index)


def to_csv(frame: pd.DataFrame, frequency: str) -> str:
    """An observed-style table as CSV text (the period column named after the frequency)."""
    buf = io.StringIO()
    frame.rename_axis(frequency).reset_index().to_csv(buf, index=False, float_format="%.6g")
    return buf.getvalue()
