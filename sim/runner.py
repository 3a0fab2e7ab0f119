"""Running scenarios: one seed (``run``) or an ensemble of seeds (``run_many``)."""

from __future__ import annotations

import functools
import multiprocessing
import os
import platform
import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

import pandas as pd
from threadpoolctl import ThreadpoolController
from tqdm import tqdm

from sim.registry import get_model
from sim.scenario import Scenario
from sim.stats import mean_ci, paired_difference


@dataclass
class RunResult:
    """One run: ``weekly`` (a row per week, a column per metric) and ``summary`` (metric -> number)."""

    scenario: Scenario
    seed: int
    weekly: pd.DataFrame
    summary: dict[str, float]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class EnsembleResult:
    """Runs over several seeds: ``summary`` (a row per seed) and ``weekly`` (long: seed, week, metrics)."""

    scenario: Scenario
    seeds: list[int]
    summary: pd.DataFrame
    weekly: pd.DataFrame
    extra: dict[str, Any] = field(default_factory=dict)

    def head(self, n: int) -> EnsembleResult:
        """The same ensemble over its first ``n`` seeds only (to pair it with a partial ensemble)."""
        if n >= len(self.seeds):
            return self
        keep = self.seeds[:n]
        extra = {
            k: v[v["seed"].isin(keep)].reset_index(drop=True) if isinstance(v, pd.DataFrame) and "seed" in v else v
            for k, v in self.extra.items()
        }
        return EnsembleResult(
            self.scenario,
            keep,
            self.summary[self.summary["seed"].isin(keep)].reset_index(drop=True),
            self.weekly[self.weekly["seed"].isin(keep)].reset_index(drop=True),
            extra,
        )

    def aggregate(self, level: float = 0.95) -> pd.DataFrame:
        """Per metric: mean and confidence interval over seeds."""
        rows = []
        for name in self.summary.columns.drop("seed"):
            mean, low, high = mean_ci(self.summary[name], level)
            rows.append({"metric": name, "mean": mean, "ci_low": low, "ci_high": high})
        return pd.DataFrame(rows).set_index("metric")


class _AgentIdsOfLiveModels(weakref.WeakKeyDictionary):
    """Mesa's per-model counters of agent ids, holding each model weakly: a model's counter goes with the model."""

    def __init__(self, factory: Callable[[], Iterator[int]]):
        super().__init__()
        self.factory = factory

    def __getitem__(self, model: Any) -> Iterator[int]:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self.factory()
            self[model] = counter
            return counter


def free_models_after_their_runs() -> None:
    """Let every Mesa model be freed when its run ends. Mesa 3.3 (the newest Mesa on Python 3.11) numbers agents
    from a class-level table keyed by model (``mesa.Agent._ids``, a ``defaultdict``), which keeps every model ever
    made, with its agents, records and graph, alive for good: about 0.1 to 0.6 MiB per run (mesa#3179; Mesa 3.4 and
    later number agents in the model instead). This makes that table hold its models weakly; agents are numbered
    exactly as before (1, 2, 3, ... per model). Called where alignsim's Mesa models are defined (``sim.model``,
    ``sim.classics.reference``), so it covers every run in every process; a no-op when it has been done, and on a
    Mesa without the table."""
    import mesa

    ids = getattr(mesa.Agent, "_ids", None)
    if isinstance(ids, _AgentIdsOfLiveModels) or not isinstance(ids, defaultdict) or ids.default_factory is None:
        return
    weak = _AgentIdsOfLiveModels(ids.default_factory)
    for model, counter in list(ids.items()):  # models made before this call keep their counters
        weak[model] = counter
    mesa.Agent._ids = weak


@functools.cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()


#: Per thread: whether the thread is inside :func:`one_blas_thread` already.
_one_blas_thread = threading.local()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """A context in which NumPy's BLAS runs on the calling thread only. A run's linear algebra is tiny (a funnel's
    steady state, a few dot products); OpenBLAS would still wake a thread per core and let it spin, which more than
    doubles a run's time when two runs share the cores (two test processes, a pool beside a server).

    Inside another such context on the same thread (a model's week within ``run``) BLAS is already limited and
    nothing more is done: limiting it again would cost threadpoolctl's look-up of every library, about 8 µs, each
    week."""
    if getattr(_one_blas_thread, "inside", False):
        yield
        return
    with _blas().limit(limits=1, user_api="blas"):
        _one_blas_thread.inside = True
        try:
            yield
        finally:
            _one_blas_thread.inside = False


F = TypeVar("F", bound=Callable[..., Any])


def on_one_blas_thread(method: F) -> F:
    """``method`` run inside :func:`one_blas_thread` (a model's set-up and its week, however it is driven: ``run``,
    Mesa's ``batch_run``, a calibration's own loop)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_blas_thread():
            return method(*args, **kwargs)

    return cast(F, wrapper)


def run(scenario: Scenario, seed: int = 0, weeks: int | None = None) -> RunResult:
    """Run a scenario once. The same scenario and seed give identical results in any process."""
    with one_blas_thread():
        weekly, summary, extra = get_model(scenario.model).simulate(scenario, int(seed), weeks)
    return RunResult(scenario, int(seed), weekly, summary, extra)


def _seed_list(seeds: Iterable[int] | int) -> list[int]:
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError("seeds: at least one seed is needed")
    return seed_list


def _run_one(args: tuple[Scenario, int, int | None]) -> RunResult:
    return run(*args)


def run_many(
    scenario: Scenario,
    seeds: Iterable[int] | int,
    weeks: int | None = None,
    progress: bool = False,
    executor: Executor | None = None,
) -> EnsembleResult:
    """Run a scenario over several seeds (an int ``n`` means seeds 0..n-1); ``progress`` shows a bar on stderr.
    With an ``executor`` (e.g. :func:`process_pool`) the seeds run in its workers; the result is identical to the
    serial run (each seed is its own run, and results are put together in seed order)."""
    seed_list = _seed_list(seeds)
    if executor is not None:
        return ensemble_of(scenario, seed_list, list(executor.map(_run_one, [(scenario, s, weeks) for s in seed_list])))
    bar = tqdm(seed_list, desc=scenario.name, unit="run", disable=None if progress else True, leave=False)
    return ensemble_of(scenario, seed_list, [run(scenario, seed, weeks) for seed in bar])


def run_progressively(
    scenario: Scenario, seeds: Iterable[int] | int, executor: Executor, first: int = 4, weeks: int | None = None
) -> Iterator[EnsembleResult]:
    """Yield the ensemble over the first seeds as soon as they are done, then over all seeds (the same seeds the
    serial :func:`run_many` uses; nothing is left out: the last ensemble is identical to ``run_many``'s). Closing
    the generator early cancels the seeds that have not started."""
    seed_list = _seed_list(seeds)
    futures = [executor.submit(_run_one, (scenario, s, weeks)) for s in seed_list]
    try:
        k = min(first, len(seed_list))
        if k < len(seed_list):
            yield ensemble_of(scenario, seed_list[:k], [f.result() for f in futures[:k]])
        yield ensemble_of(scenario, seed_list, [f.result() for f in futures])
    finally:  # closed early (the caller moved on): seeds not yet started are cancelled
        for f in futures:
            f.cancel()


def ensemble_of(scenario: Scenario, seeds: list[int], results: list[RunResult]) -> EnsembleResult:
    """The ensemble of runs of one scenario, in the order of ``seeds``."""
    summaries = [{"seed": seed, **r.summary} for seed, r in zip(seeds, results)]
    weeklies = [r.weekly.assign(seed=seed) for seed, r in zip(seeds, results)]
    extras = [r.extra for r in results]
    return EnsembleResult(
        scenario, list(seeds), pd.DataFrame(summaries), _stack(weeklies), _merge_extra(extras, list(seeds))
    )


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    return frame[["seed", *[c for c in frame.columns if c != "seed"]]]


def _merge_extra(extras: list[dict[str, Any]], seeds: list[int]) -> dict[str, Any]:
    """Per-seed DataFrames are stacked with a seed column; other values are taken from the first run."""
    merged: dict[str, Any] = {}
    for key, value in extras[0].items():
        if isinstance(value, pd.DataFrame):
            merged[key] = _stack([e[key].assign(seed=s) for e, s in zip(extras, seeds)])
        else:
            merged[key] = value
    return merged


def compare(a: EnsembleResult, b: EnsembleResult, metrics: Iterable[str] | None = None) -> pd.DataFrame:
    """Per metric: mean of A and of B over the seeds where both are defined (``pairs`` of them), so that
    ``mean_b - mean_a`` is the paired difference B - A, with its 95% CI and effect size."""
    if a.seeds != b.seeds:
        raise ValueError("compare needs both ensembles on the same seeds")
    names = list(metrics) if metrics is not None else [c for c in a.summary.columns if c != "seed"]
    rows = []
    for n in names:
        both = a.summary[n].notna().to_numpy() & b.summary[n].notna().to_numpy()
        pa, pb = a.summary[n][both], b.summary[n][both]
        rows.append(
            {
                "metric": n,
                "mean_a": pa.mean(),
                "mean_b": pb.mean(),
                **paired_difference(pa, pb),
                "pairs": int(both.sum()),
            }
        )
    return pd.DataFrame(rows).set_index("metric")


#: Tasks a pool worker runs before it is replaced by a fresh process (see :class:`WorkerPool`).
TASKS_PER_WORKER = 500


def process_pool(workers: int, shared: bool = False, tasks_per_worker: int | None = TASKS_PER_WORKER) -> WorkerPool:
    """Local worker processes. Forked where the platform allows, whatever start method another library set
    (importing Mesa switches the process-wide default to "spawn", which would re-run a caller's script).

    Workers die with their driver: even after ``kill -9`` of the driver no worker is left running (and
    multiprocessing's resource tracker, which exits when the last process holding its pipe is gone, ends too).
    A ``shared`` pool outlives the thread that started it (e.g. a server's pool, started by one page run and
    used by later ones): its workers watch the driver process instead of taking Linux's parent-death signal,
    which Linux sends when the starting *thread* ends. After ``tasks_per_worker`` tasks per worker (on average)
    the workers are replaced by fresh ones (``None``: never), so that whatever a long-lived worker would
    accumulate is given back."""
    return WorkerPool(workers, shared, tasks_per_worker)


class WorkerPool(Executor):
    """A process pool whose workers are replaced by fresh processes after ``tasks_per_worker`` x ``workers``
    tasks: tasks already given to the old workers finish there, later ones go to the new workers. Each task is
    independent of the process it runs in, so results are the same as without recycling.

    (Python's own ``max_tasks_per_child`` refuses forked workers, because it forks replacements from a helper
    thread; here replacements are forked by the thread that submits, as a first pool is.)"""

    def __init__(self, workers: int, shared: bool = False, tasks_per_worker: int | None = TASKS_PER_WORKER):
        if tasks_per_worker is not None and tasks_per_worker < 1:
            raise ValueError("tasks_per_worker: at least 1 (or None: never replace the workers)")
        self.workers, self.shared = workers, shared
        self.limit = None if tasks_per_worker is None else tasks_per_worker * workers
        self._lock = threading.Lock()
        self._pool = self._new_pool()
        self._given = 0  # tasks given to the current pool
        self._open: dict[ProcessPoolExecutor, int] = {self._pool: 0}
        self.replaced = 0  # how often the workers were replaced

    def _new_pool(self) -> ProcessPoolExecutor:
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=_die_with_parent,
            initargs=(os.getpid(), not self.shared),
        )

    def submit(self, fn, /, *args, **kwargs) -> Future:
        with self._lock:
            if self.limit is not None and self._given >= self.limit:
                old, self._pool, self._given = self._pool, self._new_pool(), 0
                self._open[self._pool] = 0
                self.replaced += 1
                old.shutdown(wait=False)  # its queued tasks still run; its workers exit when they are done
            pool = self._pool
            self._given += 1
            self._open[pool] += 1
            future = pool.submit(fn, *args, **kwargs)
        future.add_done_callback(functools.partial(self._done, pool))
        return future

    def _done(self, pool: ProcessPoolExecutor, _future: Future) -> None:
        with self._lock:
            self._open[pool] -= 1
            if self._open[pool] == 0 and pool is not self._pool:
                del self._open[pool]  # a replaced pool with nothing left: forgotten

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pools = list(self._open)
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)

    @property
    def _processes(self) -> Mapping[int, Any]:
        """The current workers by process id (as ``ProcessPoolExecutor._processes``)."""
        return self._pool._processes or {}


def _die_with_parent(parent: int, signal_at_death: bool = True) -> None:
    """In a pool worker: exit as soon as the driver ``parent`` is gone. Linux delivers SIGKILL at the parent's
    death (prctl PR_SET_PDEATHSIG); a watchdog thread checks the parent elsewhere, and on Linux as a fallback."""
    if signal_at_death and platform.system() == "Linux":
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the driver died before this worker got here
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="alignsim-die-with-parent", daemon=True).start()


def versions() -> dict[str, str]:
    """Versions that produced a result: alignsim's, and those of the libraries that draw its random numbers."""
    import mesa
    import numpy

    import sim

    return {
        "alignsim": sim.__version__,
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "python": platform.python_version(),
    }
