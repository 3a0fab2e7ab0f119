"""Ensembles for every page: one process pool and one cache of finished ensembles for the whole server, the first
seeds shown early, the presets warmed in the background while the server already answers, and waits estimated from
how fast runs went on this server (measured, not guessed).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import cast

import pandas as pd
import streamlit as st
from cachetools import LRUCache

from sim import bundled_scenarios, load_scenario, run, run_many
from sim.i18n import _, shown
from sim.input import is_bundled, scenario_from_toml
from sim.input.share import SEEDS_RANGE
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
    serial run; sim.runner.run_many puts them together in seed order). A server started by ``ui.serve`` uses the
    pool that ``ui.serve`` forked before the web server's threads existed (its ``PREFORKED_POOL``): forking later,
    from one of many threads, can copy into the workers a lock another thread holds, and hang them."""
    if WORKERS < 2:
        return None
    serve = sys.modules.get("ui.serve")
    preforked = getattr(serve, "PREFORKED_POOL", None)
    if serve is not None and preforked is not None:
        serve.PREFORKED_POOL = None  # taken once: a broken pool is replaced by a new one
        return preforked
    return process_pool(WORKERS, shared=True)


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
#: workers at the measured speed: 60 seeds on a quiet machine, fewer on a busy one), Explore first shows
#: FIRST_SEEDS seeds, then refines to all of them. Drawing the page twice costs a second or more in the browser
#: of a 2-core machine (the page's run, then every chart drawn again), so a wait shorter than that is not split:
#: the default 20 seeds of ``b2b_activation`` take about 1.2 s on two quiet workers since a run costs about
#: 0.11 s, and with the threshold at 1 s every lever move drew the page twice (docs/PERFORMANCE.md). Both can be
#: set from the environment (benchmarks/app_latency.py --first-seeds, --first-look-after).
FIRST_SEEDS = int(os.environ.get("ALIGNSIM_FIRST_SEEDS", "4"))


FIRST_LOOK_AFTER_S = float(os.environ.get("ALIGNSIM_FIRST_LOOK_AFTER_S", "2.0"))


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


class _Speed:
    """How fast runs go on this server now: the measured wall time of the last ensembles against the registry's
    estimate for them (``sim.registry.cost``, calibrated on a quiet machine), as a factor; waits the pages announce
    are the registry's estimate times this factor. Before anything was measured the factor is 1."""

    def __init__(self) -> None:
        self.factor: float | None = None
        self.lock = threading.Lock()

    def record(self, scenario: ScenarioBase, runs: int, seconds: float, workers: int = WORKERS) -> None:
        expected = cost(scenario, runs) / max(1, min(workers, runs))
        if expected <= 0 or seconds <= 0:
            return
        with self.lock:  # the newest measurement counts most: the machine's load changes
            self.factor = seconds / expected if self.factor is None else 0.5 * self.factor + 0.5 * seconds / expected

    def seconds(self, scenario: ScenarioBase, runs: int, workers: int = WORKERS) -> float:
        """Estimated wall seconds of ``runs`` runs of ``scenario`` on ``workers`` workers, at the measured speed."""
        return cost(scenario, runs) / max(1, min(workers, runs)) * (self.factor or 1.0)


_speed = _Speed()


def wait_seconds(scenario: ScenarioBase, runs: int, workers: int | None = None) -> float:
    """How long ``runs`` runs of ``scenario`` will take on the server's pool, at the speed measured on it."""
    return _speed.seconds(scenario, runs, workers or WORKERS)


#: Ensembles being computed now (key -> set when done): whoever needs one of them (the warmer, a page) waits for
#: it instead of running it a second time.
_in_flight: dict[tuple[str, int], threading.Event] = {}
_in_flight_lock = threading.Lock()


def _on_pool(run: Callable):
    """``run(pool)`` on the server's pool; when a worker has died (killed, out of memory) the pool is broken for
    good, so a new one is started for every session and the run is tried once more."""
    try:
        return run(_pool())
    except BrokenProcessPool:
        _pool.clear()
        return run(_pool())


def _ensemble(toml_text: str, seeds: int) -> EnsembleResult:
    """The ensemble from the cache, or run once for everyone who asks for it at the same time (the warmer and the
    pages): a second caller waits for the first one's run."""
    key = (toml_text, seeds)
    while True:
        result = _results.get(key)
        if result is not None:
            return result
        with _in_flight_lock:
            running = _in_flight.get(key)
            if running is None:
                done = _in_flight[key] = threading.Event()
                break
        running.wait()  # another thread runs it; if it failed, run it here
    try:
        scenario = scenario_from_toml(toml_text, "cached")
        start = time.perf_counter()
        result = _on_pool(lambda pool: run_many(cast(Scenario, scenario), list(range(seeds)), executor=pool))
        _speed.record(scenario, seeds, time.perf_counter() - start, WORKERS if _pool() is not None else 1)
        _results.put(key, result)
        return result
    finally:
        with _in_flight_lock:
            _in_flight.pop(key, None)
        done.set()


def cached_mean(scenario: ScenarioBase, seeds: int, metric: str) -> float | None:
    """The mean of ``metric`` over the cached ensemble of ``scenario`` (None when it is not cached)."""
    result = _results.get((scenario.to_toml(), seeds))
    if result is None or metric not in result.summary:
        return None
    return float(result.summary[metric].mean())


def shared_pool(run: Callable):
    """``run(pool)`` on the server's process pool (None on one core), started anew when a worker died."""
    return _on_pool(run)


def refine() -> None:
    """At the end of a page that showed the first seeds of an ensemble: wait for the rest, keep the full result,
    and draw the page again with it."""
    pending = st.session_state.pop("refining", None)
    if pending is None:
        return
    key, steps, start = pending
    if key != (st.session_state.get("edited_toml"), st.session_state.get("seeds")):
        steps.close()  # left over from a run that was interrupted by the next lever move: drop its queued seeds
        return
    with _waiting:  # a page waiting for its last seeds is waiting: the preset warmer does not queue runs now
        try:
            result = next(steps)
        except BrokenProcessPool:  # a worker died meanwhile: all seeds again (_ensemble starts a new pool)
            steps.close()
            result = _ensemble(*key)
        else:
            _speed.record(result.scenario, len(result.seeds), time.perf_counter() - start)
            _results.put(key, result)
    st.rerun()


def _presets() -> list[str]:
    """The alignment model's presets the server warms, the one the first visit opens first: every one, or only those
    named in ``ALIGNSIM_WARM_PRESETS`` (comma-separated; the browser tests' server warms the presets their walks
    open, not seven more that nobody visits there)."""
    presets = [DEFAULT_PRESET, *(n for n in bundled_scenarios("alignment") if n != DEFAULT_PRESET)]
    named = os.environ.get("ALIGNSIM_WARM_PRESETS")
    if named is None:
        return presets
    wanted = {name.strip() for name in named.split(",")}
    return [name for name in presets if name in wanted]


def _warm(wait: Callable[[], None] = lambda: None, first_wait: bool = True) -> dict[str, float]:
    """Every unedited preset's ensemble at the default seeds into the cache (the default preset first, each after
    ``wait()``, the first too unless ``first_wait`` is false), then the image renderer started once, so that
    "Prepare image" does not wait for it. Returns where the wall time went: seconds computing the presets, waiting
    for pages to be idle, and starting the renderer."""
    spent = {"presets": 0.0, "waiting": 0.0, "renderer": 0.0}
    for i, name in enumerate(_presets()):
        if i or first_wait:
            start = time.perf_counter()
            wait()
            spent["waiting"] += time.perf_counter() - start
        start = time.perf_counter()
        _ensemble(load_scenario(name).to_toml(), DEFAULT_SEEDS)
        spent["presets"] += time.perf_counter() - start
    start = time.perf_counter()
    import altair as alt

    to_image(alt.Chart(pd.DataFrame({"x": [0.0]})).mark_point().encode(x="x:Q"), "svg")
    spent["renderer"] = time.perf_counter() - start
    return spent


def _idle() -> None:
    while not _waiting.idle(WARM_AFTER_IDLE_S):
        time.sleep(0.25)


_warmer: dict[str, threading.Thread] = {}


def start_warming(report: Callable[[str], None] = lambda text: None) -> threading.Thread:
    """For ``ui.serve``, while the web server starts: in a background thread, measure a run here (the model
    imported first, so the pool's workers fork with it loaded), start the process pool, and warm the presets and
    the renderer: the default preset at once, the others while pages are idle. ``report`` is told the estimate of
    the warming at the speed measured (not guessed), and when it is done."""

    def warm() -> None:
        began = time.perf_counter()
        try:
            scenario = load_scenario(DEFAULT_PRESET)
            run(cast(Scenario, scenario), 0)  # imports the model
            start = time.perf_counter()
            run(cast(Scenario, scenario), 1)
            one = time.perf_counter() - start
            _speed.record(scenario, 1, one, workers=1)
            presets = [load_scenario(name) for name in _presets()]
            estimate = sum(_speed.seconds(s, DEFAULT_SEEDS) for s in presets)
            report(
                f"alignsim: warming {len(presets)} presets in the background: about {describe_seconds(estimate)} "
                f"of computing at the speed measured here (one run took {one:.2f} s), paused while pages are in "
                "use; the app answers meanwhile"
            )
            spent = _warm(_idle, first_wait=False)
        except Exception as exc:  # the pages compute what they need themselves
            report(f"alignsim: warming stopped ({type(exc).__name__}: {exc})")
            return
        report(
            f"alignsim: warmed up in {time.perf_counter() - began:.1f} s: computing the presets "
            f"{spent['presets']:.1f} s (estimated {estimate:.1f} s), paused for pages in use {spent['waiting']:.1f} s, "
            f"the image renderer {spent['renderer']:.1f} s"
        )

    thread = threading.Thread(target=warm, name="alignsim-warm-presets", daemon=True)
    _warmer["thread"] = thread
    thread.start()
    return thread


@st.cache_resource(show_spinner=False)
def _warm_presets() -> threading.Thread:
    """Once per server started without ``ui.serve``: warm the presets and the renderer (``_warm``) in the
    background, each run only while pages are idle (nobody moved a lever for a few seconds); a server started by
    ``ui.serve`` warms already (:func:`start_warming`)."""
    if "thread" in _warmer:
        return _warmer["thread"]

    def warm() -> None:
        try:
            _warm(_idle)
        except Exception:
            return

    thread = threading.Thread(target=warm, name="alignsim-warm-presets", daemon=True)
    thread.start()
    return thread


#: The app's sliders of simulated markets move in steps of this many, over the range links may ask for
#: (``sim.input.share.SEEDS_RANGE``).
SEEDS_STEP = 5


def most_markets(*scenarios: ScenarioBase) -> int:
    """The most simulated markets (a step of the sliders) the app runs each of ``scenarios`` over at once, within
    its budget (the check :func:`ensemble` makes); 0 when not even the fewest fit."""
    each = max(cost(s, 1) for s in scenarios) / WORKERS
    if each <= 0:
        return SEEDS_RANGE[1]
    most = min(SEEDS_RANGE[1], int(APP_BUDGET_SECONDS / each) // SEEDS_STEP * SEEDS_STEP)
    return most if most >= SEEDS_RANGE[0] else 0


def fewer_markets(key: str, scenarios: list[ScenarioBase], what: str, cli: str = "") -> int | None:
    """Before the slider of simulated markets under ``key`` is drawn: when its value would take the app longer than
    it runs at once for ``scenarios`` (e.g. five years), lower it to the most that fit and say so plainly (``what``:
    e.g. "5 years of this scenario"; ``cli``: the command line's, with ``{seeds}`` for the markets asked for);
    returns the most that fit (None when the slider's whole range fits)."""
    most = most_markets(*scenarios)
    note = f"fewer_markets:{key}"
    if most >= SEEDS_RANGE[1]:
        st.session_state.pop(note, None)
        return None
    chosen = int(st.session_state.get(key, DEFAULT_SEEDS))
    if most and chosen > most:
        seconds = max(cost(s, chosen) for s in scenarios) / WORKERS
        st.session_state[key] = most
        st.session_state[note] = (most, what, chosen, seconds)
    said = st.session_state.get(note)
    if said is not None and (said[0] != most or st.session_state.get(key) != most):
        said = st.session_state.pop(note)  # the markets or the horizon changed since: nothing left to say
        said = None
    if said is not None:  # said until the markets or the horizon change (the page may be drawn again meanwhile)
        chosen, seconds = said[2], said[3]
        st.info(
            plain(
                _(
                    "{what} over {seeds} simulated markets would take about {time}, more than the app runs at "
                    "once ({budget}), so it runs over {most} simulated markets. For more, pick a shorter horizon, "
                    "or run it with the command line."
                ).format(
                    what=what,
                    seeds=chosen,
                    time=shown(describe_seconds(seconds)),
                    budget=shown(describe_seconds(APP_BUDGET_SECONDS)),
                    most=most,
                )
            )
            + (f"\n\n`{cli.format(seeds=chosen)}`" if cli else "")
        )
    return most or None


def command(scenario: ScenarioBase, seeds: int | str) -> str:
    """The command line that runs ``scenario`` over ``seeds`` seeds (a bundled preset by its name, any other scenario
    as the file the page offers to download)."""
    weeks = getattr(scenario, "weeks", None)
    if not is_bundled(scenario, scenario.name, None if weeks is None else {"weeks": weeks}):
        return f"alignsim run scenario.toml --seeds {seeds}"  # the file carries its horizon
    own = getattr(load_scenario(scenario.name), "weeks", None)
    return f"alignsim run {scenario.name} --seeds {seeds}" + (f" --weeks {weeks}" if weeks != own else "")


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
            + f"\n\n`{command(scenario, seeds)}`"
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
    with _in_flight_lock:
        warming = _in_flight.get((text, seeds))
    if warming is not None:  # the warmer is running it now: wait for it rather than run it twice
        with st.spinner(
            plain(
                _("Warming up: running {name} over {seeds} simulated markets, about {time}…").format(
                    name=label or scenario.name,
                    seeds=seeds,
                    time=shown(describe_seconds(wait_seconds(scenario, seeds))),
                )
            )
        ):
            warming.wait()
        cached = _results.get((text, seeds))
        if cached is not None:
            return cached
    pool = _pool()
    wait = wait_seconds(scenario, seeds, WORKERS if pool is not None else 1)
    running = (  # a seed in plain words: a market of the alignment model, a run of a reference model
        _("Running {name} over {seeds} simulated markets, about {time}…")
        if isinstance(scenario, Scenario)
        else _("Running {name} over {seeds} simulated runs, about {time}…")
    )
    with (
        st.spinner(plain(running.format(name=label or scenario.name, seeds=seeds, time=shown(describe_seconds(wait))))),
        _waiting,
    ):
        if progressive and pool is not None and 0 < FIRST_SEEDS < seeds and wait > FIRST_LOOK_AFTER_S:
            stale = st.session_state.pop("refining", None)
            if stale is not None:
                stale[1].close()  # an interrupted run's seeds still queued: they are not needed any more

            def first_look(pool):  # on a pool that works: a worker that died breaks the pool for good
                steps = run_progressively(
                    cast(Scenario, scenario_from_toml(text, "cached")), seeds, pool, first=FIRST_SEEDS
                )
                return steps, next(steps)

            steps, first = _on_pool(first_look)
            st.session_state["refining"] = ((text, seeds), steps, time.perf_counter())
            return first
        result = _ensemble(text, seeds)
    _warm_presets()
    return result
