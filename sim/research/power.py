"""How many paired seeds each claim runs on: a power rule applied to the pilot (seeds 500..515).

The catalogue's bounds (``sim/research/claims.py``) were written from a pilot on ``PILOT_SEEDS``. A block of 30
seeds judged three checks whose effect sits two to two and a half standard errors from its bound: such a check
passes on a fresh block only about two times in three, whatever the model does. So each claim runs on as many
seeds as its checks need to pass with high power, computed from the pilot alone (never from a reported block):

* For every check of a claim (its failure side included) the pilot gives the quantity the check judges per seed
  (the paired difference B - A, or one arm's values), its mean ``m`` and standard deviation ``s`` over the pilot's
  ``k`` = 16 seeds.
* The margin is the distance of ``m`` from the check's bound on the side the check asks for (zero for
  ``increase``/``decrease``; the nearer bound for ``within``). A check whose pilot mean is not on that side gets no
  count (``needed`` is NaN): more seeds would not make it pass, and the plan says so.
* ``s`` is taken at its one-sided upper confidence limit ``s * sqrt((k - 1) / chi2_{1 - SD_CONFIDENCE}(k - 1))``,
  as 16 seeds estimate a standard deviation loosely.
* The margin is taken at the lower limit of its two-sided ``SAFEGUARD`` confidence interval,
  ``margin - t_{(1 + SAFEGUARD) / 2}(k - 1) * s / sqrt(k)`` ("safeguard power", Perugini, Gallucci & Costantini
  2014, Perspectives on Psychological Science 9(3), 319-332, who recommend 60 %): a pilot's effect is a noisy
  estimate, and a count computed as if it were the true effect is too small whenever the pilot overstated it.
  The first counts (December 2026) took the pilot's margin as it was; R1's headline then failed on seeds 0..39,
  its pilot's -203,062 against -51,900 there, and the rule was safeguarded for every claim (docs/CLAIMS.md says so).
* The check's 95% t-interval must clear the bound with probability ``POWER``: the smallest ``n`` with
  ``sqrt(n) * safe_margin / s_upper >= t_{0.975}(n - 1) + z_{POWER}``.
* A claim's count is the largest over its checks, at least ``DEFAULT_SEEDS`` and at most ``MAX_SEEDS``.

``python -m sim.research.power`` runs the pilot and prints the plan (``--workers 2``; ``--csv FILE`` writes it);
``docs/claims/power_plan.csv`` is its output when the counts were set, and ``Claim.seeds`` in the catalogue holds
the counts (tests/research/test_claims.py checks that they are at least what the rule gives).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from sim.input import ScenarioError
from sim.input.errors import check_file_path
from sim.output import check_target, problem, write_text
from sim.research.claims import (
    CLAIMS,
    DEFAULT_SEEDS,
    Arm,
    Check,
    Claim,
    arms_of,
    summaries,
)

#: The pilot: the seeds the bounds were written from, and the counts are computed from (no reported block).
PILOT = tuple(range(500, 516))
#: The chance that a check's 95% interval clears its bound on a fresh block, if the pilot's effect is the true one.
POWER = 0.99
#: The one-sided confidence level of the upper limit taken for the pilot's standard deviation.
SD_CONFIDENCE = 0.90
#: The most seeds a claim runs on (a check that needs more is reported as capped).
MAX_SEEDS = 200
#: The two-sided confidence level whose lower limit is taken for the pilot's margin (safeguard power).
SAFEGUARD = 0.60


def margin(check: Check, mean: float) -> float:
    """How far the pilot's mean lies from the check's bound, on the side the check asks for (negative: wrong
    side)."""
    return {
        "increase": mean,
        "decrease": -mean,
        "no_gain": check.bound - mean,
        "no_loss": mean + check.bound,
        "at_least": mean - check.bound,
        "at_most": check.bound - mean,
        "within": min(mean - check.bound, check.upper - mean),
    }[check.expect]


def sd_upper(sd: float, k: int, confidence: float = SD_CONFIDENCE) -> float:
    """The one-sided upper confidence limit of a standard deviation estimated from ``k`` values (chi-square)."""
    return sd * math.sqrt((k - 1) / stats.chi2.ppf(1 - confidence, k - 1))


def safe_margin(gap: float, sd: float, k: int, level: float = SAFEGUARD) -> float:
    """The lower limit of the two-sided ``level`` confidence interval of a margin ``gap`` estimated as a mean of
    ``k`` values with standard deviation ``sd`` (the margin the safeguarded rule plans for)."""
    return gap - stats.t.ppf(0.5 + level / 2, k - 1) * sd / math.sqrt(k)


def seeds_needed(gap: float, sd: float, power: float = POWER, level: float = 0.95) -> float:
    """The fewest paired seeds whose t-interval (``level``) clears a bound ``gap`` away from the true mean with
    probability ``power``, for a per-seed standard deviation ``sd``; NaN when ``gap`` is not positive."""
    if not gap > 0:
        return float("nan")
    if sd == 0:
        return 2.0
    z = stats.norm.ppf(power)
    n = max(2, math.ceil(((stats.norm.ppf(0.5 + level / 2) + z) * sd / gap) ** 2))  # t's quantile only adds
    while math.sqrt(n) * gap / sd < stats.t.ppf(0.5 + level / 2, n - 1) + z:
        n += 1
    return float(n)


def _values(check: Check, a: pd.DataFrame, b: pd.DataFrame) -> np.ndarray:
    """What the check judges, per seed: B - A, or one arm's values (NaN left out, as the checks do)."""
    if check.expect in ("increase", "decrease", "no_gain", "no_loss"):
        x = np.asarray(b[check.metric], dtype=float) - np.asarray(a[check.metric], dtype=float)
    else:
        x = np.asarray((a if check.on == "a" else b)[check.metric], dtype=float)
    return x[~np.isnan(x)]


def plan_rows(claim: Claim, pilot: dict[Arm, pd.DataFrame]) -> list[dict]:
    """One row per check of ``claim`` (headline side, then failure side) from the pilot's per-seed summaries."""
    sides: list[tuple[str, tuple[Check, ...], Arm, Arm]] = [("claim", claim.checks, claim.a, claim.b)]
    failing = claim.failure_arms()
    if failing is not None and claim.fails is not None:
        sides.append(("fails", claim.fails.checks, *failing))
    rows = []
    for side, checks, a, b in sides:
        for check in checks:
            x = _values(check, pilot[a], pilot[b])
            mean, sd = float(x.mean()), float(x.std(ddof=1))
            upper = sd_upper(sd, x.size)
            gap = margin(check, mean)
            safe = safe_margin(gap, sd, x.size)
            rows.append(
                {
                    "claim": claim.id,
                    "side": side,
                    "check": check.describe(),
                    "pilot_seeds": int(x.size),
                    "mean": mean,
                    "sd": sd,
                    "sd_upper": upper,
                    "margin": gap,
                    "safe_margin": safe,
                    # a pilot mean on the right side whose safeguarded margin is not: more than any count
                    "needed": seeds_needed(safe, upper) if safe > 0 or not gap > 0 else math.inf,
                }
            )
    return rows


def plan(claims: Iterable[Claim] = CLAIMS, workers: int = 1, pilot: dict[Arm, pd.DataFrame] | None = None):
    """The power plan: a row per check of every claim, from the pilot seeds (run here unless ``pilot`` holds each
    arm's per-seed summary)."""
    claims = list(claims)
    if pilot is None:
        arms = list(dict.fromkeys(x for c in claims for x in arms_of(c)))
        pilot = dict(zip(arms, summaries([(x, None, PILOT) for x in arms], workers)))
    return pd.DataFrame([row for c in claims for row in plan_rows(c, pilot)])


def counts(rows: pd.DataFrame) -> dict[str, int]:
    """Each claim's seed count from its plan rows: the most any of its checks needs, at least ``DEFAULT_SEEDS``,
    at most ``MAX_SEEDS`` (checks with no count, their pilot mean on the wrong side, do not count)."""
    out = {}
    for claim, group in rows.groupby("claim", sort=False):
        needed = group["needed"].dropna()
        top = int(min(needed.max(), MAX_SEEDS)) if len(needed) else DEFAULT_SEEDS
        out[str(claim)] = min(MAX_SEEDS, max(DEFAULT_SEEDS, top))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.research.power", description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--csv", metavar="FILE", help="also write the plan as CSV")
    args = parser.parse_args(argv)
    try:  # a target that cannot be written is said before the pilot runs, not after
        csv_path = check_target(check_file_path(args.csv, "--csv")) if args.csv else None
    except (OSError, ScenarioError) as exc:
        print(f"alignsim: error: {problem(exc) if isinstance(exc, OSError) else exc}", file=sys.stderr)
        return 2
    rows = plan(workers=args.workers)
    with pd.option_context("display.width", 200, "display.max_colwidth", 60, "display.max_rows", None):
        print(rows.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    registered = {c.id: c.seeds for c in CLAIMS}
    print()
    for claim, n in counts(rows).items():
        wrong = rows[(rows["claim"] == claim) & rows["needed"].isna()]["check"].tolist()
        capped = bool((rows[rows["claim"] == claim]["needed"] > MAX_SEEDS).any())
        note = "; capped" if capped else ""
        note += f"; no count (pilot mean on the wrong side): {', '.join(wrong)}" if wrong else ""
        print(f"{claim}: {n} seeds (catalogue: {registered.get(claim)}){note}")
    if csv_path is not None:
        try:  # whole or not at all, never through a link (sim.output); the plan is printed above either way
            write_text(csv_path, rows.to_csv(index=False, float_format="%.6g"))
        except OSError as exc:
            print(f"alignsim: error: {problem(exc)}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
