"""`make app`: the Streamlit app, answering at once and warming up in the background.

First the shared process pool is forked (here, in the main thread, before any other thread exists: a fork from one
of the web server's threads can copy into the workers a lock that another thread holds, and hang them); the workers
import the model while the server starts. Then a background thread imports the app's libraries (pandas, SciPy,
Altair, Mesa), measures a run and warms every preset's ensemble and the chart renderer
(``ui.results.start_warming``), while this thread runs ``streamlit run ui/gateway.py`` (``app.py`` with the
workshop's pass endpoint): the port opens as soon as Streamlit listens. A visitor who comes before the warming is
done gets the page at once: it waits only for the ensemble it shows (shared with the warmer, never run twice), under
a spinner that says how long that takes at the speed measured on this machine; the estimate printed when warming
starts is measured the same way, not guessed.
Arguments are passed on to ``streamlit run``.
"""

import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: app.py and the ui package

#: The pool forked at start, taken by ``ui.results._pool`` (None afterwards, or when one core means no pool).
PREFORKED_POOL: ProcessPoolExecutor | None = None


def report(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _worker_start(parent: int) -> None:
    """In a forked worker: die with the server (``sim.runner``'s rule for a shared pool), and import the model."""
    from sim.runner import _die_with_parent

    _die_with_parent(parent, False)
    import sim.model  # noqa: F401


def fork_pool() -> ProcessPoolExecutor | None:
    """The server's process pool, its workers forked now (as many as ``ui.results.WORKERS``)."""
    workers = max(1, min(4, os.cpu_count() or 1))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_start,
        initargs=(os.getpid(),),
    )
    pool.submit(os.getpid)  # starts every worker now, from this thread
    return pool


def warm(start: float) -> None:
    from ui import results  # the module the pages import: its pool and result cache serve them

    report(f"alignsim: the app's libraries imported in {time.perf_counter() - start:.1f} s")
    results.start_warming(report)


def main(argv: list[str]) -> int:
    global PREFORKED_POOL
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    # the pages find this module under its name (Streamlit runs each page as the program's __main__)
    sys.modules.setdefault("ui.serve", sys.modules[__name__])
    pool = PREFORKED_POOL = fork_pool()
    threading.Thread(target=warm, args=(start,), name="alignsim-warm-start", daemon=True).start()
    from streamlit.web import cli

    # the app with the workshop's pass endpoint (ui/gateway.py); the web server leaves X-Forwarded-For to the
    # workshop, which believes it only from ALIGNSIM_TRUSTED_PROXIES (sim.workshop.access)
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    # no file watcher: a server for leaders and rooms reloads nothing, and watching the checkout (its .git too)
    # costs CPU on every file event, a flood of them when git writes (measured: half a core with 5 idle screens)
    # no full garbage collection after every script run (as .streamlit/config.toml says, for a server started from
    # another directory too): it cost 50-110 ms of CPU per run, most of a workshop save's cost (docs/PERFORMANCE.md)
    sys.argv = [
        "streamlit",
        "run",
        str(ROOT / "ui" / "gateway.py"),
        "--server.fileWatcherType",
        "none",
        "--runner.postScriptGC",
        "false",
        *argv,
    ]
    try:
        return cli.main()
    finally:  # the server stopped: runs still queued (the warming's) are dropped, so the process ends now
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
