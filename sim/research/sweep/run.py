"""Running a sweep: chunks of runs on local processes, a Dask cluster or any ``concurrent.futures`` executor,
each finished chunk written at once as a checked Parquet part, the driver's memory flat whatever the sweep's size.

Every task returns its worker's code fingerprint with its rows: a result computed by other code than the driver's
stops the sweep with one line naming the worker (results of two model versions are never mixed). Every run is
identified by its point and seed, and its result depends on nothing else: one worker, N workers and Dask give
identical rows.
"""

from __future__ import annotations

import functools
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from sim import provenance
from sim.input import ScenarioError, scenario_from_toml
from sim.registry import CLI_BUDGET_SECONDS, get_model
from sim.research.sweep.design import design_notes
from sim.research.sweep.planning import Plan, make_plan
from sim.research.sweep.spec import SweepError, SweepSpec, folder_of, is_folder, load_spec
from sim.research.sweep.store import FORMAT, Folder, Layout, check_rows
from sim.runner import process_pool, run

#: Seconds a Dask sweep waits for a live worker before it stops and says how to resume (``worker_wait``,
#: ``alignsim sweep --worker-wait``; the environment variable sets the default).
DASK_WORKER_TIMEOUT = float(os.environ.get("ALIGNSIM_DASK_WORKER_TIMEOUT", "60"))
#: Chunks in flight per worker: enough to keep every worker busy, few enough that the driver's memory is flat.
IN_FLIGHT_PER_WORKER = 4
#: Largest default chunk (runs per task).
MAX_CHUNK = 50


Job = tuple[int, int, int, dict[str, Any]]


@functools.lru_cache(maxsize=4)
def _base(base_toml: str):
    return scenario_from_toml(base_toml, "sweep base")


def run_chunk(
    base_toml: str, jobs: list[Job], metrics: list[str], keep_weekly: bool
) -> tuple[pd.DataFrame, pd.DataFrame | None, dict[str, str]]:
    """Run a chunk of (run, point, seed, overrides); returns summary rows, per-step rows if kept, and who ran it
    (:func:`sim.provenance.worker`). A design point that is not a valid scenario raises a SweepError naming it."""
    base = _base(base_toml)
    rows, weeklies = [], []
    for run_id, point, seed, overrides in jobs:
        try:
            scenario = base.with_overrides(overrides)
        except ScenarioError as exc:
            raise SweepError(f"parameters, design point {point}: {exc}") from None
        result = run(scenario, seed=seed)
        summary = {m: result.summary.get(m, float("nan")) for m in metrics}
        rows.append({"run": run_id, "point": point, "seed": seed, **overrides, **summary})
        if keep_weekly:
            weekly = result.weekly[_series_columns(base, result.weekly, metrics)]
            weeklies.append(weekly.assign(run=run_id, point=point, seed=seed))
    weekly_rows = pd.concat(weeklies, ignore_index=True) if keep_weekly else None
    return pd.DataFrame(rows), weekly_rows, provenance.worker()


def _series_columns(base, series: pd.DataFrame, metrics: list[str]) -> list[str]:
    """The per-step columns a sweep keeps: the time, the chosen metrics, and columns that are not metrics (a
    reference model's series, e.g. March's code knowledge per period)."""
    known = get_model(base.model).metrics()
    return [c for c in series.columns if c in metrics or c not in known]


def chunk_size_for(n_runs: int, workers: int) -> int:
    return max(1, min(MAX_CHUNK, math.ceil(n_runs / (workers * 4))))


def spec_hash(spec: SweepSpec, base) -> str:
    """Identity of a sweep: what it runs (the spec without where its scenario was read from, and the fully
    resolved base scenario), so a moved spec or folder is the same sweep."""
    import hashlib
    import json

    text = json.dumps(spec.model_dump(mode="json", exclude={"scenario"}), sort_keys=True) + base.to_toml()
    return hashlib.sha256(text.encode()).hexdigest()


def _layout(p: Plan, chunk_size: int) -> Layout:
    model = get_model(p.base.model)
    metrics = p.spec.metrics or list(model.metrics())
    horizon = int(getattr(p.base, model.horizon))
    return Layout(p.spec, p.points, p.n_runs, chunk_size, p.n_cases, metrics, model.time, horizon)


def _note(text: str) -> None:
    from sim.input import clean

    print(f"alignsim: {clean(text)}", file=sys.stderr)


def sweep(
    spec: SweepSpec | str | Path,
    out: str | Path | None = None,
    workers: int | None = None,
    address: str | None = None,
    resume: bool = False,
    chunk_size: int | None = None,
    progress: bool = False,
    budget: float | None = CLI_BUDGET_SECONDS,
    executor: Executor | None = None,
    worker_wait: float | None = None,
    table: bool = True,
    note: Callable[[str], None] = _note,
) -> pd.DataFrame | None:
    """Run a sweep and return its runs table (one row per run: run, point, seed, the parameters, the metrics).

    ``spec`` is a SweepSpec, a spec file, or a sweep folder (or its manifest.json): a folder's sweep is continued
    from its own spec and scenario copy. A sweep whose estimated cost (planning included) is above ``budget``
    seconds is refused before anything runs (None: no budget).

    The runs go to ``executor`` (any ``concurrent.futures.Executor``: a process pool, a Dask client's
    ``get_executor()``, ...), or to the Dask scheduler at ``address`` (waiting ``worker_wait`` seconds at most for
    a live worker), or to ``workers`` local processes. With ``out``, each finished chunk is written at once to
    ``out/parts`` and the sweep ends with ``runs.parquet`` (and ``weekly.parquet`` if kept) and ``manifest.json``;
    ``resume`` runs only what is missing. ``table=False`` returns None instead of reading the table back (a big
    sweep's driver then holds no more than a few chunks at any time).
    """
    base = None
    if isinstance(spec, (str, Path)) and is_folder(spec):
        folder_path = folder_of(spec)
        if out is not None and Path(out).resolve() != folder_path.resolve():
            raise SweepError(f"--out {out}: a sweep folder continues in itself ({folder_path}); leave --out out")
        given = Folder(folder_path)
        kept = given.read_manifest()
        spec, base, out, resume = given.spec(kept), given.read_scenario(kept), folder_path, True
    spec = load_spec(spec) if isinstance(spec, (str, Path)) else spec
    p = make_plan(spec, budget, base=base)
    for text in design_notes(spec):
        note(f"note: {text}")
    digest = spec_hash(spec, p.base)
    workers = workers or os.cpu_count() or 1
    out_dir = Path(out) if out is not None else None
    size = chunk_size or chunk_size_for(p.n_runs, workers)
    done: set[int] = set()
    folder: Folder | None = None
    manifest: dict[str, Any] = {}
    if out_dir is not None:
        folder = Folder(out_dir)
        manifest = _prepare(folder, p, digest, resume, size)
        if manifest["chunk_size"] != size and chunk_size is not None:
            note(f"--chunk-size {chunk_size}: this sweep was started with {manifest['chunk_size']}; that is kept")
        size = manifest["chunk_size"]
    layout = _layout(p, size)
    if folder is not None:
        done = folder.scan(layout, note)
    todo = [i for i in range(layout.n_chunks) if i not in done]
    n_todo = sum(len(layout.chunk_runs(i)) for i in todo)
    results: list[pd.DataFrame] = []
    weeklies: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    # every part's and final table's Parquet metadata: what made it (the final tables add the seeds)
    meta = provenance.record(p.base, also=_research_packages(spec), spec_hash=digest)

    def keep(i: int, rows: pd.DataFrame, weekly: pd.DataFrame | None, who: dict[str, str]) -> None:
        _check_worker(who, out_dir)
        seen[who["worker"]] = who["fingerprint"]
        if spec.levers:
            rows.insert(3, "policy", rows["point"] // layout.n_cases)
            rows.insert(4, "case", rows["point"] % layout.n_cases)
        if folder is not None:
            first = i * layout.chunk_size
            runs = layout.chunk_runs(i)
            where = f"{who['worker']}'s rows"
            check_rows(rows, layout, runs, "runs", where)  # checked once, here: the ledger says so afterwards
            written = []
            if weekly is not None:
                check_rows(weekly, layout, runs, "weekly", where)
                written.append(folder.write_part("weekly", first, weekly, {**meta, "worker": who}))
            written.append(folder.write_part("runs", first, rows, {**meta, "worker": who}))
            folder.record_verified(layout, written)
        else:
            results.append(rows)
            if weekly is not None:
                weeklies.append(weekly)

    resume_hint = (
        f"finished runs are kept in {out_dir}/parts: rerun with --resume"
        if out_dir is not None
        else "give the sweep an output folder (--out) to keep finished runs"
    )
    tasks = ((i, _jobs(layout, i)) for i in todo)
    args = (p.base.to_toml(), layout.metrics, spec.keep_weekly)
    wait_for = DASK_WORKER_TIMEOUT if worker_wait is None else float(worker_wait)
    serial = workers <= 1 or len(todo) <= 1
    _execute(tasks, args, 1 if serial else workers, address, executor, keep, progress, n_todo, resume_hint, wait_for)
    if folder is None:
        frame = pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=layout.columns())
        return frame.sort_values("run").reset_index(drop=True)
    manifest["workers"] = {**manifest.get("workers", {}), **seen}
    _finish(folder, manifest, layout, {**meta, "seeds": list(range(spec.seeds))})
    return folder.read_table(manifest, layout) if table else None


def _jobs(layout: Layout, i: int) -> list[Job]:
    runs = layout.chunk_runs(i)
    points = [r // layout.spec.seeds for r in runs]
    values = layout.points.iloc[points].to_dict("records")
    return [(r, pt, r % layout.spec.seeds, v) for r, pt, v in zip(runs, points, values)]


def _check_worker(who: dict[str, Any], out_dir: Path | None) -> None:
    """Refuse a task's result computed by other code or other package versions than the driver's (one line naming
    the worker and what differs)."""
    then = f"rerun with --resume (finished runs are kept in {out_dir}/parts)" if out_dir else "rerun"
    mine = provenance.fingerprint()
    if who.get("fingerprint") != mine:
        raise SweepError(
            f"{who.get('worker', 'a worker')} runs alignsim {who.get('version')} with code "
            f"{who.get('fingerprint')}, this driver {provenance.version()} with code {mine}: results of other code "
            f"are not mixed in; install the same alignsim on every worker, then {then}"
        )
    differ = provenance.package_differences(who.get("packages"))
    if differ:
        raise SweepError(
            f"{who.get('worker', 'a worker')} runs "
            + ", ".join(f"{name} {theirs} (this driver {mine})" for name, theirs, mine in differ)
            + ": results of other package "
            f"versions are not mixed in; install the same versions on every worker (pip install -c "
            f"constraints.txt), then {then}"
        )


def _execute(
    tasks: Iterator[tuple[int, list[Job]]],
    args: tuple,
    workers: int,
    address: str | None,
    executor: Executor | None,
    keep: Callable,
    progress: bool,
    total: int,
    resume_hint: str,
    worker_wait: float,
) -> None:
    if "ipykernel" in sys.modules:  # a notebook: its own progress widget (tqdm.auto would import IPython anywhere)
        from tqdm.notebook import tqdm
    else:
        from tqdm import tqdm

    interactive = sys.stderr.isatty() or "ipykernel" in sys.modules
    bar = tqdm(total=total, unit="run", desc="sweep", disable=not progress, mininterval=0.1 if interactive else 30)
    try:
        if address:
            _execute_dask(tasks, args, address, keep, bar, resume_hint, worker_wait)
        elif executor is not None:
            _execute_on(executor, tasks, args, keep, bar, IN_FLIGHT_PER_WORKER * max(workers, 2))
        elif workers <= 1:
            for i, jobs in tasks:
                keep(i, *run_chunk(args[0], jobs, *args[1:]))
                bar.update(len(jobs))
        else:
            with process_pool(workers) as pool:
                _execute_on(pool, tasks, args, keep, bar, IN_FLIGHT_PER_WORKER * workers)
    finally:
        bar.close()


def _execute_on(executor: Executor, tasks: Iterator, args: tuple, keep: Callable, bar, window: int) -> None:
    """Run the chunks on ``executor`` with at most ``window`` in flight; results are kept as they finish."""
    pending: dict[Future, tuple[int, int]] = {}
    try:
        for i, jobs in tasks:
            pending[executor.submit(run_chunk, args[0], jobs, *args[1:])] = (i, len(jobs))
            while len(pending) >= window:
                _drain(pending, keep, bar)
        while pending:
            _drain(pending, keep, bar)
    finally:
        for fut in pending:
            fut.cancel()


def _drain(pending: dict, keep: Callable, bar) -> None:
    finished, _ = wait(list(pending), return_when=FIRST_COMPLETED)
    for fut in finished:
        i, n = pending.pop(fut)
        keep(i, *fut.result())
        bar.update(n)


def _execute_dask(
    tasks: Iterator, args: tuple, address: str, keep: Callable, bar, resume_hint: str, worker_wait: float
) -> None:
    """Run the chunks on a Dask cluster, a bounded number in flight. Without a live worker for ``worker_wait``
    seconds (at the start or later) the sweep stops with a SweepError saying how to resume."""
    from dask.distributed import Client
    from distributed import KilledWorker

    def no_workers() -> SweepError:
        return SweepError(
            f"--address {address}: no live Dask worker for {worker_wait:g} s; start workers "
            f"(dask worker {address}), or wait longer (--worker-wait), then {resume_hint}"
        )

    with Client(address, timeout=30) as client:
        try:
            client.wait_for_workers(1, timeout=worker_wait)
        except (TimeoutError, OSError):
            raise no_workers() from None
        threads = sum(client.nthreads().values()) or 1
        window = IN_FLIGHT_PER_WORKER * max(threads, 2)
        pending: list[tuple[Any, int, int]] = []
        exhausted = False
        idle_since: float | None = None
        try:
            while pending or not exhausted:
                while not exhausted and len(pending) < window:
                    nxt = next(tasks, None)
                    if nxt is None:
                        exhausted = True
                        break
                    i, jobs = nxt
                    pending.append((client.submit(run_chunk, args[0], jobs, *args[1:], pure=False), i, len(jobs)))
                progressed, still = False, []
                for k, (fut, i, n) in enumerate(pending):
                    if not fut.done():
                        still.append((fut, i, n))
                        continue
                    try:  # a finished chunk's rows live on its worker: fetching them needs that worker alive
                        result = fut.result(timeout=min(worker_wait, 5.0))
                    except KilledWorker:
                        raise SweepError(
                            f"--address {address}: Dask workers died running this sweep; {resume_hint}"
                        ) from None
                    except TimeoutError:  # its worker is gone: the scheduler recomputes it when a worker comes
                        still.extend(pending[k:])
                        break
                    keep(i, *result)
                    bar.update(n)
                    progressed = True
                pending = still
                if progressed or not pending:
                    idle_since = None
                    continue
                if client.scheduler_info().get("workers"):
                    idle_since = None
                elif idle_since is None:
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > worker_wait:
                    raise no_workers()
                time.sleep(0.1)
        finally:
            for fut, _, _ in pending:
                fut.cancel()


def _research_packages(spec: SweepSpec) -> tuple[str, ...]:
    """The packages besides the model's whose versions the sweep records: SALib when it made the design."""
    return provenance.RESEARCH_PACKAGES["sweep"] if spec.design != "grid" else ()


def _prepare(folder: Folder, p: Plan, digest: str, resume: bool, chunk_size: int) -> dict[str, Any]:
    out = folder.out
    if out.exists() and not out.is_dir():
        raise SweepError(f"--out {out}: is a file, not a folder; choose another folder")
    if out.exists() and any(out.iterdir()):
        if not resume:
            raise SweepError(
                f"--out {out}: folder is not empty; use --resume to continue that sweep or choose another folder"
            )
        manifest = folder.read_manifest()
        if manifest.get("spec_hash") != digest:
            raise SweepError(f"--out {out}: holds a different sweep (spec or scenario changed); choose another folder")
        made_by = (manifest.get("provenance") or {}).get("fingerprint")
        if made_by != provenance.fingerprint():
            raise SweepError(
                f"--out {out}: its runs were made by alignsim code {made_by}, this is {provenance.fingerprint()}: "
                "results of two model versions are not mixed; continue it with the alignsim that started it, or "
                "choose another folder"
            )
        differ = provenance.package_differences((manifest.get("provenance") or {}).get("packages"))
        if differ:
            raise SweepError(
                f"--out {out}: its runs were made with "
                + ", ".join(f"{name} {then} (this is {now})" for name, then, now in differ)
                + ": results of other package versions are "
                "not mixed; continue it with the packages that started it, or choose another folder"
            )
        folder.read_scenario(manifest)
        resumed = manifest.get("resumed", 0)
        manifest["resumed"] = (resumed if isinstance(resumed, int) and not isinstance(resumed, bool) else 0) + 1
        manifest["finished"] = None
        folder.parts.mkdir(exist_ok=True)
        folder.write_manifest(manifest)  # counted now, so a resume that is itself killed still counts
        return manifest
    folder.parts.mkdir(parents=True, exist_ok=True)
    scenario_sha = folder.write_scenario(p.base.to_toml())
    spec = p.spec.model_dump(mode="json")
    given = spec["scenario"]
    spec["scenario"] = "scenario.toml"
    manifest = {
        "format": FORMAT,
        "spec": spec,
        "spec_hash": digest,
        "scenario": {
            "file": "scenario.toml",
            "sha256": scenario_sha,
            "name": p.base.name,
            "model": p.base.model,
            "given_as": Path(given).name if given.endswith(".toml") else given,
        },
        "points": len(p.points),
        "runs": p.n_runs,
        "seeds": list(range(p.spec.seeds)),
        "chunk_size": chunk_size,
        "planning_seconds": round(p.planning_seconds, 3),
        "estimated_seconds": round(p.seconds, 1),
        "provenance": provenance.metadata(_research_packages(p.spec)),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "finished": None,
    }
    folder.write_manifest(manifest)
    return manifest


def _finish(folder: Folder, manifest: dict[str, Any], layout: Layout, meta: dict[str, Any]) -> None:
    files = {"runs.parquet": folder.merge(layout, "runs", meta)}
    if layout.spec.keep_weekly:
        files["weekly.parquet"] = folder.merge(layout, "weekly", meta)
    manifest["files"] = files
    manifest["completed_runs"] = files["runs.parquet"]["rows"]
    manifest["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    folder.write_manifest(manifest)


def open_folder(out: str | Path) -> tuple[Folder, dict[str, Any], Plan, Layout]:
    """A finished or unfinished sweep folder (or its manifest.json), read back and checked: its manifest, its plan
    (from the folder's own spec and scenario copy, so a moved folder reads the same) and its layout."""
    folder = Folder(folder_of(out))
    manifest = folder.read_manifest()
    spec = folder.spec(manifest)
    p = make_plan(spec, None, base=folder.read_scenario(manifest))
    if p.n_runs != manifest["runs"] or spec_hash(spec, p.base) != manifest["spec_hash"]:
        raise SweepError(f"{folder.manifest_path}: damaged manifest (its plan does not match its spec)")
    if not 1 <= manifest["chunk_size"] <= max(p.n_runs, 1):
        raise SweepError(f"{folder.manifest_path}: damaged manifest (chunk_size {manifest['chunk_size']})")
    return folder, manifest, p, _layout(p, manifest["chunk_size"])


def read_runs(out: str | Path) -> pd.DataFrame:
    """A finished sweep's runs table, checked against its manifest and plan (see ``store``)."""
    folder, manifest, _p, layout = open_folder(out)
    if not manifest.get("finished"):
        raise SweepError(f"{folder.out}: not a finished sweep; resume it first (alignsim sweep {folder.out})")
    return folder.read_table(manifest, layout)


def read_weekly(out: str | Path) -> pd.DataFrame:
    """A finished sweep's per-step table (kept with keep_weekly), checked against its manifest."""
    folder, manifest, _p, layout = open_folder(out)
    if not layout.spec.keep_weekly:
        raise SweepError(f"{folder.out}: this sweep kept no per-step series (keep_weekly = false)")
    return folder.read_table(manifest, layout, "weekly")
