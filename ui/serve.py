"""`make app`: the Streamlit app, answering at once and warming up in the background.

Starts ``streamlit run app.py`` in this process at once, and in a background thread imports the app's libraries
(pandas, SciPy, Altair, Mesa), measures a run, starts the shared process pool and warms every preset's ensemble and
the chart renderer (``ui.results.start_warming``). The port opens as soon as Streamlit listens. A visitor who comes
before the warming is done gets the page at once: it waits only for the ensemble it shows (shared with the warmer,
never run twice), under a spinner that says how long that takes at the speed measured on this machine; the estimate
printed when warming starts is measured the same way, not guessed. Arguments are passed on to ``streamlit run``.
"""

import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: app.py and the ui package


def report(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def warm(start: float) -> None:
    from ui import results  # the module the pages import: its pool and result cache serve them

    report(f"alignsim: the app's libraries imported in {time.perf_counter() - start:.1f} s")
    results.start_warming(report)


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    threading.Thread(target=warm, args=(time.perf_counter(),), name="alignsim-warm-start", daemon=True).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
