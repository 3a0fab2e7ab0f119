"""Your own organisation: download the template, upload it filled in, see the graph, upload your own numbers, fit
the model to them, then explore and compare what-ifs on the result. Uploads are parsed in this server's memory
(never stored, never sent on), size-capped and validated like scenario files (``sim.input.orgsheet``,
``sim.input.observed``); the fit is ``sim.research.calibration``."""

import hashlib

import pandas as pd
import streamlit as st

from sim.i18n import N_, _, ngettext, percent, shown
from sim.input import MAX_FILE_BYTES, ScenarioError, orgsheet
from sim.input.observed import SERIES, read_observed
from sim.organisation import build_graph, measures
from sim.present import charts, fit, labels
from sim.registry import APP_SWEEP_BUDGET_SECONDS, describe_seconds
from sim.research import calibration
from ui.language import language_switch
from ui.state import explore
from ui.text import plain
from ui.widgets import setup_page

#: The page's fit: seeds per candidate, local-search and interval-design candidates per parameter, band seeds.
SEEDS, LOCAL_EVALS, DESIGN_POINTS, BAND_SEEDS = 3, 3, 5, 10
#: The fit's quality table for people (translate with ``_``): column heads.
QUALITY_COLUMNS = {"series": N_("your numbers"), "points": N_("data points"), "coverage": N_("inside the model's band")}

language_switch()
setup_page(_("Your organisation"))
st.markdown(
    _(
        "Bring your own organisation and your own numbers. Fill in the template (departments, their KPIs, "
        "how much they get what they ask for and what they follow when goals clash; product teams; who "
        "requests work from whom; approvals and dependencies), upload it, then upload your weekly or "
        "monthly series to fit the model to them. Files are read in memory on this server and never "
        "stored or sent anywhere."
    )
)

st.subheader(_("1. The template"))
c1, c2 = st.columns(2)
c1.download_button(
    _("Template (Excel, with an example)"),
    orgsheet.template_xlsx(),
    file_name="organisation.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    key="dl_template_xlsx",
)
c2.download_button(
    _("Template (CSV files in a ZIP)"),
    orgsheet.template_csv_zip(),
    file_name="organisation.zip",
    mime="application/zip",
    key="dl_template_zip",
)

st.subheader(_("2. Your organisation"))
files = st.file_uploader(
    _("Organisation file: .xlsx, .zip of CSV files, or the CSV sheets themselves"),
    type=["xlsx", "zip", "csv"],
    accept_multiple_files=True,
    key="org_upload",
)


def _import(uploads) -> orgsheet.OrgImport | None:
    tables: orgsheet.Tables = {}
    try:
        for f in uploads:
            data = f.getvalue()
            if len(data) > MAX_FILE_BYTES:
                raise ScenarioError(
                    _("{name}: file is larger than {kib} KiB").format(name=f.name, kib=MAX_FILE_BYTES // 1024)
                )
            tables.update(orgsheet.read_tables_cached(data, f.name))
        return orgsheet.organisation(tables, uploads[0].name)
    except ScenarioError as exc:
        st.error(plain(exc.shown()))
        return None


imported = _import(files) if files else None
if imported is None:
    st.info(_("Upload the template filled in (or as it is: it holds an example organisation) to go on."))
    st.stop()

org = imported.scenario
st.success(
    _("Imported {name}: {departments} departments, {teams} team(s), {weeks} weeks.").format(
        name=plain(org.name), departments=len(org.departments), teams=len(org.teams), weeks=org.weeks
    )
)
for note in imported.notes:
    st.caption(plain(shown(note)))
graph = build_graph(org)
st.altair_chart(charts.in_locale(charts.organisation(graph)), width="stretch")
measured = measures(graph)
st.table(  # a static table: the long names wrap on a phone instead of being cut
    pd.DataFrame(
        {_("value"): [labels.measure_value(m, v) for m, v in measured.items()]},
        index=pd.Index([labels.measure_name(m) for m in measured], name=_("measure")),
    )
)

st.subheader(_("3. Your numbers"))
st.markdown(_("A CSV file with a `week` or a `month` column (1, 2, 3, ...) and any of these columns:"))
# each series by its name, the column's header to write in the file as code, and what a cell means, in full
st.markdown("\n".join(f"- **{fit.series_title(s.name)}** (`{s.name}`): {plain(_(s.meaning))}" for s in SERIES.values()))
obs_file = st.file_uploader(_("Observed series (.csv)"), type=["csv"], key="observed_upload")
observed = None
if obs_file is not None:
    try:
        observed = read_observed(obs_file.getvalue(), obs_file.name)
    except ScenarioError as exc:
        st.error(plain(exc.shown()))

result: calibration.Calibration | None = None
if observed is not None:
    periods = (
        ngettext("{n} week of {series}.", "{n} weeks of {series}.", observed.periods)
        if observed.frequency == "week"
        else ngettext("{n} month of {series}.", "{n} months of {series}.", observed.periods)
    )
    st.caption(periods.format(n=observed.periods, series=", ".join(fit.series_name(s) for s in observed.series)))
    st.subheader(_("4. Fit the model to your numbers"))
    st.caption(
        _(
            "The app fits with a small budget ({seeds} simulated markets per candidate) so that it answers in seconds; "
            "its intervals are rougher. For the fit you rely on, run the command line (60 candidates, 4 "
            "seeds): alignsim calibrate organisation.xlsx --observed observed.csv --out my_org.toml"
        ).format(seeds=SEEDS)
    )
    trials = st.slider(_("Candidates to try (more: a better fit, slower)"), 6, 60, 8, 2, key="fit_trials")
    seconds = calibration.estimated_seconds(org, observed, trials, SEEDS, BAND_SEEDS, LOCAL_EVALS, DESIGN_POINTS)
    assert obs_file is not None  # the observed series came from it
    key = hashlib.sha256(org.to_toml().encode() + obs_file.getvalue() + str(trials).encode()).hexdigest()
    if seconds > APP_SWEEP_BUDGET_SECONDS:
        st.warning(
            _(
                "This fit would take about {t}, more than the app runs at once ({budget}). Use fewer "
                "candidates, or run it on the command line: alignsim calibrate organisation.xlsx --observed "
                "observed.csv --out my_org.toml"
            ).format(t=shown(describe_seconds(seconds)), budget=shown(describe_seconds(APP_SWEEP_BUDGET_SECONDS)))
        )
    elif st.button(_("Fit (about {t})").format(t=shown(describe_seconds(seconds))), type="primary", key="fit"):
        bar = st.progress(0.0, text=_("fitting…"))

        def _progress(done: int, total: int) -> None:
            bar.progress(
                min(1.0, done / total), text=_("fitting… {done} of {total} candidates").format(done=done, total=total)
            )

        try:
            fitted = calibration.calibrate(
                org,
                observed,
                trials=trials,
                seeds=SEEDS,
                band_seeds=BAND_SEEDS,
                local_evals=LOCAL_EVALS,
                design_points=DESIGN_POINTS,
                progress=_progress,
            )
            st.session_state["own_org_fit"] = (key, fitted)
        except ScenarioError as exc:
            st.error(plain(exc.shown()))
        bar.empty()
    stored = st.session_state.get("own_org_fit")
    result = stored[1] if stored and stored[0] == key else None

if result is not None:
    st.markdown("**" + plain(fit.verdict(result.quality)) + "**")
    st.table(fit.estimates(result.estimates).set_index(_("what it means")))  # every word shown, wrapped
    for note in result.notes:
        st.caption(plain(shown(note)))
    st.caption(_("Dots: your numbers. Line and band: the model, and where it likely lies."))
    drawn = fit.panels(result.fit, result.frequency)
    for i in range(0, len(drawn), 3):
        for col, panel in zip(st.columns(3), drawn[i : i + 3]):
            col.altair_chart(charts.in_locale(panel), width="stretch")
    quality = pd.DataFrame(
        {
            "series": [fit.series_title(s) for s in result.quality["series"]],
            "points": result.quality["points"],
            "coverage": result.quality["coverage"].map(lambda v: percent(v, 0)),
        }
    )
    st.dataframe(
        quality.rename(columns={k: _(v) for k, v in QUALITY_COLUMNS.items()}), hide_index=True, key="fit_quality"
    )
    calibrated = calibration.described(result, org.name)
    st.download_button(
        _("Calibrated scenario (TOML)"),
        calibrated.to_toml(),
        file_name=f"{org.name}.toml",
        mime="application/toml",
        key="dl_calibrated",
    )
    target, label = calibrated, _("{name} (calibrated)").format(name=org.name)
else:
    target, label = org, org.name

st.subheader(_("5. What if?"))
st.markdown(
    _(
        "Make this organisation the base of Explore and Compare: pull the levers there and compare "
        "what-ifs on it, in the same simulated markets."
    )
)
if st.button(_("Explore and Compare on it"), type="primary", key="explore_own_org"):
    explore(target, label)
