"""Ensembles for every page: one process pool and one cache of finished ensembles for the whole server,
the first seeds shown early, and the presets warmed before the first visit.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import cast

import pandas as pd
import streamlit as st
from cachetools import LRUCache

from sim import bundled_scenarios, load_scenario, run_many
from sim.i18n import _, shown
from sim.input import is_bundled, scenario_from_toml
from sim.present.charts import to_image
from sim.registry import APP_BUDGET_SECONDS, cost, describe_seconds
from sim.runner import EnsembleResult, process_pool, run_progressively
from sim.scenario import Scenario, ScenarioBase
from ui.text import plain

DEFAULT_PRESET = "b2b_activation"


DEFAULT_SEEDS = 20


#: Worker processes the server shares between all sessions (the machine's cores, at most 4).
WORKERS = max(1, min(4, os.cpu_count() or 1))


@st.cache_resource(show_spinner=False)
def _pool():
    """One process pool for the whole server: every session's seeds run on all cores (results are identical to a
    serial run; sim.runner.run_many puts them together in seed order)."""
    return process_pool(WORKERS, shared=True) if WORKERS > 1 else None


class _Waiting:
    """How many pages wait for an ensemble right now, and when the last one got it (the preset warmer yields)."""

    def __init__(self) -> None:
        self.count, self.last, self.lock = 0, time.monotonic(), threading.Lock()

    def __enter__(self) -> None:
        with self.lock:
            self.count += 1

    def __exit__(self, *exc) -> None:
        with self.lock:
            self.count -= 1
            self.last = time.monotonic()

    def idle(self, seconds: float) -> bool:
        return self.count == 0 and time.monotonic() - self.last >= seconds


#: The warmer runs a preset only after pages have not asked for an ensemble for this long (someone reading).
WARM_AFTER_IDLE_S = 3.0


_waiting = _Waiting()


#: Ensembles kept for all sessions (scenario text and seed count -> result; results are never modified).
MAX_CACHED = 64


#: On a cache miss that would keep the page waiting longer than FIRST_LOOK_AFTER_S (estimated on the pool's
#: workers, e.g. 60 seeds), Explore first shows FIRST_SEEDS seeds, then refines to all of them. Drawing the page
#: twice costs time on a busy 2-core machine, so a short wait (the default 20 seeds) is not split. Both can be set
#: from the environment (benchmarks/app_latency.py --first-seeds, --first-look-after).
FIRST_SEEDS = int(os.environ.get("ALIGNSIM_FIRST_SEEDS", "4"))


FIRST_LOOK_AFTER_S = float(os.environ.get("ALIGNSIM_FIRST_LOOK_AFTER_S", "1.0"))


class _Results:
    """The server's cache of finished ensembles, least recently used out first (cachetools' LRU cache, shared by
    the sessions' threads under a lock)."""

    def __init__(self, size: int) -> None:
        self.items: LRUCache[tuple[str, int], EnsembleResult] = LRUCache(maxsize=size)
        self.lock = threading.Lock()

    def get(self, key: tuple[str, int]) -> EnsembleResult | None:
        with self.lock:
            return self.items.get(key)

    def put(self, key: tuple[str, int], result: EnsembleResult) -> None:
        with self.lock:
            self.items[key] = result


_results = _Results(MAX_CACHED)


#: Sweeps of the Reference models page already run, for every session (kept here: a page script's own globals
#: are made again on every run).
SWEEPS: LRUCache = LRUCache(maxsize=16)
SWEEPS_LOCK = threading.Lock()


def _on_pool(run: Callable):
    """``run(pool)`` on the server's pool; when a worker has died (killed, out of memory) the pool is broken for
    good, so a new one is started for every session and the run is tried once more."""
    try:
        return run(_pool())
    except BrokenProcessPool:
        _pool.clear()
        return run(_pool())


def _ensemble(toml_text: str, seeds: int) -> EnsembleResult:
    key = (toml_text, seeds)
    result = _results.get(key)
    if result is None:
        scenario = scenario_from_toml(toml_text, "cached")
        result = _on_pool(lambda pool: run_many(cast(Scenario, scenario), list(range(seeds)), executor=pool))
        _results.put(key, result)
    return result


def refine() -> None:
    """At the end of a page that showed the first seeds of an ensemble: wait for the rest, keep the full result,
    and draw the page again with it."""
    pending = st.session_state.pop("refining", None)
    if pending is None:
        return
    key, steps = pending
    if key != (st.session_state.get("edited_toml"), st.session_state.get("seeds")):
        steps.close()  # left over from a run that was interrupted by the next lever move: drop its queued seeds
        return
    _results.put(key, next(steps))
    st.rerun()


def _warm(wait: Callable[[], None] = lambda: None) -> None:
    """Every unedited preset's ensemble at the default seeds into the cache (the default preset first, each after
    ``wait()``), then the image renderer started once, so that "Prepare image" does not wait for it."""
    for name in [DEFAULT_PRESET, *(n for n in bundled_scenarios("alignment") if n != DEFAULT_PRESET)]:
        wait()
        _ensemble(load_scenario(name).to_toml(), DEFAULT_SEEDS)
    import altair as alt

    to_image(alt.Chart(pd.DataFrame({"x": [0.0]})).mark_point().encode(x="x:Q"), "svg")


def warm_start() -> None:
    """Before the server takes its first visitor (``ui.serve``): start the process pool (forked before the web
    server's threads exist) and warm every preset and the renderer (``_warm``), so that neither the first visit nor
    a preset switch waits for a run, and no background warming competes with the first visitor's lever moves."""
    _warm()


@st.cache_resource(show_spinner=False)
def _warm_presets() -> threading.Thread:
    """Once per server started without ``ui.serve``: warm the presets and the renderer (``_warm``) in the
    background, each run only while pages are idle (nobody moved a lever for a few seconds); after a warm start
    every run is a cache hit."""

    def idle() -> None:
        while not _waiting.idle(WARM_AFTER_IDLE_S):
            time.sleep(0.25)

    def warm() -> None:
        try:
            _warm(idle)
        except Exception:
            return

    thread = threading.Thread(target=warm, name="alignsim-warm-presets", daemon=True)
    thread.start()
    return thread


def ensemble(scenario: ScenarioBase, seeds: int, label: str = "", progressive: bool = False) -> EnsembleResult:
    """Run (or fetch from the cache) the scenario over seeds 0..seeds-1, with a spinner while it runs. A run
    that would take longer than the app's budget is refused with the CLI command to use instead.

    ``progressive``: on a cache miss, return the ensemble of the first seeds as soon as they are done while the
    rest keep running on the pool; the page shows it (saying so) and calls :func:`refine` at its end, which waits
    for all seeds and draws the page again. The final result is the same as without ``progressive``."""
    seconds = cost(scenario, seeds) / WORKERS  # the seeds share the server's workers: the wait, not the computing
    if seconds > APP_BUDGET_SECONDS:
        st.error(
            plain(
                _(
                    "{name} in {seeds} simulated markets would take about {time}, more than the app runs at "
                    "once ({budget}). Use fewer markets, a shorter horizon or a smaller setting, or download the "
                    "scenario and run it with the command line:"
                ).format(
                    name=label or scenario.name,
                    seeds=seeds,
                    time=shown(describe_seconds(seconds)),
                    budget=shown(describe_seconds(APP_BUDGET_SECONDS)),
                )
            )
            + f"\n\n`alignsim run {scenario.name if is_bundled(scenario, scenario.name) else 'scenario.toml'} "
            f"--seeds {seeds}`"
        )
        st.download_button(
            _("Scenario (TOML)"),
            scenario.to_toml(),
            file_name="scenario.toml",
            mime="application/toml",
            key="dl_toml_too_large",
        )
        st.stop()
    text = scenario.to_toml()
    cached = _results.get((text, seeds))
    if cached is not None:
        return cached
    pool = _pool()
    with (
        st.spinner(plain(_("Simulating {name} in {seeds} markets…").format(name=label or scenario.name, seeds=seeds))),
        _waiting,
    ):
        if (
            progressive
            and pool is not None
            and 0 < FIRST_SEEDS < seeds
            and cost(scenario, seeds) / WORKERS > FIRST_LOOK_AFTER_S
        ):
            stale = st.session_state.pop("refining", None)
            if stale is not None:
                stale[1].close()  # an interrupted run's seeds still queued: they are not needed any more
            steps = run_progressively(
                cast(Scenario, scenario_from_toml(text, "cached")), seeds, pool, first=FIRST_SEEDS
            )
            st.session_state["refining"] = ((text, seeds), steps)
            return next(steps)
        result = _ensemble(text, seeds)
    _warm_presets()
    return result
