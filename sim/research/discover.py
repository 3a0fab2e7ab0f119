"""Scenario discovery on a finished sweep: where in the swept assumptions does an outcome hold?

"Where does the shared criterion pay off, over the named assumptions and the model's constants": sweep the lever
(``[levers]``: e.g. ``leadership.trump = [0.0, 1.0]``) across sampled assumptions (``[parameters]`` with an lhs
design), then ask for the cases where the policy beats the baseline by more than a threshold. Without a policy
contrast, a case of interest is a design point whose metric (averaged over its seeds) is above (or below) the
threshold.

The search is EMA Workbench's (an optional extra: ``pip install alignsim[ema]``), used as it is:

- PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999) peels the input space down to boxes ever denser in
  cases of interest; its peeling trajectory trades coverage (the share of all cases of interest inside the box)
  against density (the share of cases inside the box that are of interest). The box reported is the densest one
  that still covers ``min_coverage`` of the cases of interest, with each restricted input's limits and PRIM's
  quasi-p-value (small: the restriction is unlikely to be chance);
- feature scoring (extra trees, as EMA Workbench's ``get_ex_feature_scores``) ranks every input by how much it tells
  cases of interest from the others, restricted or not.

Outcomes are averaged over seeds per case first (paired on seeds when a policy is contrasted), so a case's outcome
is an expectation, not one seed's luck; more seeds make the boxes sharper.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.research.sweep import SweepError, open_folder

#: What the CLI and docs tell a user without the optional extra.
INSTALL_HINT = "scenario discovery needs EMA Workbench: pip install 'alignsim[ema]'"


@dataclass
class Discovery:
    """The result of :func:`discover`: the cases, PRIM's trajectory and chosen box, and feature scores."""

    metric: str
    threshold: float
    above: bool
    policy: dict[str, Any]
    baseline: dict[str, Any]
    #: one row per case: the inputs, ``outcome`` and ``of_interest``
    cases: pd.DataFrame
    inputs: list[str]
    #: PRIM's peeling trajectory: box id, coverage, density, mass, restricted dimensions
    trajectory: pd.DataFrame
    #: the chosen box: one row per input it restricts (parameter, low, high, full_low, full_high, qp)
    box: pd.DataFrame
    chosen: int
    #: each input's feature score (higher: tells cases of interest apart better), best first
    scores: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    @property
    def stats(self) -> dict[str, float]:
        row = self.trajectory.loc[self.trajectory["box"] == self.chosen].iloc[0]
        return {k: float(row[k]) for k in ("coverage", "density", "mass")}

    def question(self) -> str:
        """What was asked, in words."""
        sign = ">" if self.above else "<"
        if self.policy:
            contrast = ", ".join(f"{k}={v}" for k, v in self.policy.items())
            against = ", ".join(f"{k}={v}" for k, v in self.baseline.items())
            return f"cases where {self.metric} under {contrast} minus under {against} {sign} {self.threshold:g}"
        return f"design points where {self.metric} {sign} {self.threshold:g}"

    def summary(self) -> str:
        """A few lines for people: the question, how many cases, the box and its coverage and density."""
        s = self.stats
        n, k = len(self.cases), int(self.cases["of_interest"].sum())
        lines = [
            f"{self.question()}: {k} of {n} cases ({k / n:.0%})",
            f"box {self.chosen}: coverage {s['coverage']:.0%} (of the cases of interest, inside it), density "
            f"{s['density']:.0%} (of the cases inside it, of interest), mass {s['mass']:.0%} (of all cases)",
        ]
        if self.box.empty:
            lines.append("the box restricts no input: the outcome holds about as often everywhere")
        for r in self.box.itertuples():
            lines.append(
                f"  {r.parameter}: {_fmt(r.low)}..{_fmt(r.high)} (swept {_fmt(r.full_low)}..{_fmt(r.full_high)}; "
                f"qp {r.qp:.2g})"
            )
        top = ", ".join(f"{r.parameter} {r.score:.2f}" for r in self.scores.head(5).itertuples())
        lines.append(f"feature scores: {top}")
        return "\n".join([*lines, *(f"note: {n}" for n in self.notes)])


def _fmt(v: Any) -> str:
    return f"{v:.4g}" if isinstance(v, (float, np.floating)) else str(v)


def _ema():
    import warnings

    try:
        with warnings.catch_warnings():  # its parallel evaluators are not used here
            warnings.filterwarnings("ignore", message=".*ipyparallel not installed.*")
            from ema_workbench.analysis import feature_scoring, prim
    except ImportError:
        raise SweepError(INSTALL_HINT) from None
    return prim, feature_scoring


def _parse(values: dict[str, Any] | None, levers: dict[str, list], what: str) -> dict[str, Any]:
    out = dict(values or {})
    for path, value in out.items():
        if path not in levers:
            allowed = ", ".join(levers) or "none: this sweep has no [levers]"
            raise SweepError(f"--{what} {path}: not a lever of this sweep; levers: {allowed}")
        if not any(value == v or str(value) == str(v) for v in levers[path]):
            raise SweepError(f"--{what} {path}={value}: not one of the lever's values {levers[path]}")
        out[path] = next(v for v in levers[path] if value == v or str(value) == str(v))
    return out


def cases(
    out: str | Path,
    metric: str,
    policy: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The cases of a finished sweep with their outcome (the metric averaged over seeds, or the policy's gain over
    the baseline, paired on cases and seeds), the inputs they vary in, and notes."""
    from sim.research.sweep.store import Folder

    folder, manifest, plan, layout = open_folder(out)
    if not manifest.get("finished"):
        raise SweepError(f"{folder.out}: not a finished sweep; resume it first (alignsim sweep {folder.out})")
    if metric not in layout.metrics:
        raise SweepError(f"--metric {metric}: not in this sweep; allowed: {', '.join(layout.metrics)}")
    table = Folder(folder.out).read_table(manifest, layout)
    spec = plan.spec
    levers, params = list(spec.levers), list(spec.parameters)
    policy = _parse(policy, spec.levers, "policy")
    baseline = _parse(baseline, spec.levers, "baseline")
    if bool(policy) != bool(baseline) or set(policy) != set(baseline):
        raise SweepError("--policy and --baseline: give both, on the same levers (e.g. leadership.trump=1 and =0)")
    if policy and policy == baseline:
        same = " ".join(f"{k}={v}" for k, v in policy.items())
        raise SweepError(
            f"--policy and --baseline: both are {same}, so every gain is 0; compare two different settings (e.g. "
            "leadership.trump=1 and =0)"
        )
    notes: list[str] = []
    means = table.groupby("point", sort=True).agg({**{c: "first" for c in [*levers, *params]}, metric: "mean"})
    if policy:
        rest = [lv for lv in levers if lv not in policy]
        keys = [*rest, *params]
        means["case"] = means.index % plan.n_cases
        pick = means.copy()
        a = pick.loc[np.logical_and.reduce([pick[k] == v for k, v in policy.items()])]
        b = pick.loc[np.logical_and.reduce([pick[k] == v for k, v in baseline.items()])]
        paired = a.merge(b[[*rest, "case", metric]], on=[*rest, "case"], suffixes=("", "_baseline"))
        frame = paired[keys].copy()
        frame["outcome"] = paired[metric] - paired[f"{metric}_baseline"]
        inputs = keys
    else:
        inputs = [*levers, *params]
        frame = means[inputs].reset_index(drop=True)
        frame["outcome"] = means[metric].to_numpy()
    undefined = int(frame["outcome"].isna().sum())
    if undefined:
        notes.append(f"{metric} is undefined in {undefined} of {len(frame)} cases; they are left out")
        frame = frame[frame["outcome"].notna()].reset_index(drop=True)
    return frame, inputs, notes


def discover(
    out: str | Path,
    metric: str,
    threshold: float,
    above: bool = True,
    policy: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    min_coverage: float = 0.5,
    peel_alpha: float = 0.05,
) -> Discovery:
    """PRIM boxes and feature scores for the cases of a finished sweep where ``metric`` is above ``threshold``
    (below with ``above=False``), or where ``policy`` beats ``baseline`` by more than ``threshold`` (levers
    given as path -> value). See the module docstring."""
    if not 0 < min_coverage <= 1:
        raise SweepError(f"--coverage {min_coverage}: must be in (0, 1]")
    frame, inputs, notes = cases(out, metric, policy, baseline)
    if len(frame) < 4:
        raise SweepError(f"{out}: {len(frame)} cases with a defined {metric}; discovery needs more")
    y = (frame["outcome"] > threshold) if above else (frame["outcome"] < threshold)
    frame["of_interest"] = y.to_numpy()
    k = int(y.sum())
    if k == 0 or k == len(frame):
        low, high = frame["outcome"].min(), frame["outcome"].max()
        which = "no case" if k == 0 else "every case"
        raise SweepError(
            f"--threshold {threshold:g}: {which} of {len(frame)} meets it, so there is nothing to tell apart; "
            f"the outcome ranges {low:.4g}..{high:.4g}"
        )
    varying = [c for c in inputs if frame[c].nunique() > 1]
    if not varying:
        raise SweepError(f"{out}: no input varies between the cases; nothing to discover")
    prim, feature_scoring = _ema()
    x = frame[varying].copy()
    for c in varying:
        if x[c].dtype == bool or not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype(str).astype("category")
    p = prim.Prim(x, y.to_numpy(), threshold=0.8, peel_alpha=peel_alpha)  # EMA Workbench's usual density
    found = p.find_box()
    trajectory = found.peeling_trajectory.rename(columns={"id": "box"})[
        ["box", "coverage", "density", "mass", "res_dim"]
    ]
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    chosen = int(eligible.sort_values(["density", "coverage"], ascending=False).iloc[0]["box"])
    box = _box(found, chosen, x)
    scores, _ = feature_scoring.get_ex_feature_scores(
        x, y.to_numpy(), mode=feature_scoring.RuleInductionType.CLASSIFICATION, random_state=0
    )
    scores = scores.iloc[:, 0].rename("score").rename_axis("parameter").reset_index()
    scores = scores.sort_values("score", ascending=False).reset_index(drop=True)
    fixed = [c for c in inputs if c not in varying]
    if fixed:
        notes.append(f"{', '.join(fixed)} did not vary between the cases and was left out")
    return Discovery(
        metric,
        float(threshold),
        above,
        dict(policy or {}),
        dict(baseline or {}),
        frame,
        varying,
        trajectory,
        box,
        chosen,
        scores,
        notes,
    )


def _box(found, chosen: int, x: pd.DataFrame) -> pd.DataFrame:
    """The chosen box's restrictions (inputs whose limits are narrower than the swept range)."""
    _stats, limits = found.inspect(chosen, style="data")[0]
    limits.columns = ["low", "high", "qp_low", "qp_high"]
    rows = []
    for name, r in limits.iterrows():
        column = x[name]
        low: Any
        high: Any
        full_low: Any
        full_high: Any
        if isinstance(column.dtype, pd.CategoricalDtype):
            kept = sorted(r["low"]) if isinstance(r["low"], (set, frozenset, list)) else [r["low"]]
            low = high = ", ".join(map(str, kept))
            full_low = full_high = ", ".join(map(str, column.cat.categories))
        else:
            low, high = float(r["low"]), float(r["high"])
            full_low, full_high = float(column.min()), float(column.max())
        qps = [q for q in (r["qp_low"], r["qp_high"]) if isinstance(q, float) and not np.isnan(q)]
        rows.append(
            {
                "parameter": name,
                "low": low,
                "high": high,
                "full_low": full_low,
                "full_high": full_high,
                "qp": min(qps) if qps else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "full_low", "full_high", "qp"])


#: The largest discovery_box.csv read back (a box restricts at most a few hundred inputs).
MAX_BOX_BYTES = 2**20


def read_box(path: str | Path) -> pd.DataFrame:
    """A box as ``alignsim discover`` writes it (``discovery_box.csv``: parameter, low, high per restricted input),
    read back capped and checked, e.g. for ``advice.sweep_cases(folder, box=...)``; a SweepError names the file and
    what is wrong."""
    import io

    from sim.research.sweep.store import read_capped

    where = Path(path)
    data = read_capped(where, MAX_BOX_BYTES, "discovery box")
    try:
        box = pd.read_csv(io.BytesIO(data), dtype={"parameter": str})
    except (ValueError, UnicodeDecodeError):  # pandas' parser errors are ValueErrors
        raise SweepError(f"{where}: not a CSV table (a discovery_box.csv from alignsim discover)") from None
    missing = [c for c in ("parameter", "low", "high") if c not in box.columns]
    if missing:
        raise SweepError(
            f"{where}: no {', '.join(missing)} column; give the discovery_box.csv that alignsim discover wrote"
        )
    return box


def discovery_chart(d: Discovery):
    """Two panels: PRIM's trade-off (coverage against density along the peeling trajectory, the chosen box
    ringed) and the chosen box's limits within each restricted input's swept range. Inputs are values of a
    ``parameter`` column, never field names (Vega-Lite reads a dot in a field name as a nested field)."""
    import altair as alt

    traj = d.trajectory.assign(chosen=d.trajectory["box"] == d.chosen)
    tradeoff = (
        alt.Chart(traj)
        .mark_circle(size=60)
        .encode(
            x=alt.X("coverage:Q", scale=alt.Scale(domain=[0, 1]), title="coverage (cases of interest inside)"),
            y=alt.Y("density:Q", scale=alt.Scale(domain=[0, 1]), title="density (inside, of interest)"),
            color=alt.Color("res_dim:O", title="inputs restricted"),
            tooltip=[
                "box",
                alt.Tooltip("coverage:Q", format=".2f"),
                alt.Tooltip("density:Q", format=".2f"),
                "res_dim",
            ],
        )
    )
    ring = alt.Chart(traj[traj["chosen"]]).mark_point(size=300, color="black").encode(x="coverage:Q", y="density:Q")
    left = (tradeoff + ring).properties(width=280, height=240, title="PRIM: peeling trajectory")
    numeric = d.box[pd.to_numeric(d.box["low"], errors="coerce").notna()].copy()
    if numeric.empty:
        return left
    span = (numeric["full_high"] - numeric["full_low"]).replace(0, 1)
    numeric = numeric.assign(
        lo=(numeric["low"] - numeric["full_low"]) / span,
        hi=(numeric["high"] - numeric["full_low"]) / span,
        zero=0.0,
        one=1.0,
        label=[f"{_fmt(a)}..{_fmt(b)}" for a, b in zip(numeric["low"], numeric["high"])],
    )
    y = alt.Y("parameter:N", title=None, sort=list(numeric["parameter"]))
    full = alt.Chart(numeric).mark_bar(color="#dddddd", size=14).encode(y=y, x="zero:Q", x2="one:Q")
    inside = (
        alt.Chart(numeric)
        .mark_bar(color="#4c78a8", size=14)
        .encode(
            y=y,
            x=alt.X("lo:Q", title="share of the swept range", scale=alt.Scale(domain=[0, 1])),
            x2="hi:Q",
            tooltip=["parameter", "label", alt.Tooltip("qp:Q", format=".2g")],
        )
    )
    text = alt.Chart(numeric).mark_text(align="left", dx=4, fontSize=10).encode(y=y, x="hi:Q", text="label:N")
    right = (full + inside + text).properties(
        width=280, height=max(60, 28 * len(numeric)), title=f"box {d.chosen}: where it holds"
    )
    return alt.hconcat(left, right)
