"""`make app`: the Streamlit app, started warm.

Runs ``streamlit run ui/gateway.py`` (``app.py`` with the workshop's pass endpoint) in this process after importing
the app's libraries (pandas, SciPy, Altair, Mesa), starting the shared process pool and computing the default
preset's ensemble (``ui.results.warm_start``), so the first visitor after a server start does not wait for them.
Arguments are passed on to ``streamlit run``.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository: app.py and the ui package


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    print("alignsim: warming up (every preset's ensemble, about 10 s on 2 cores)…", file=sys.stderr, flush=True)
    from ui import results  # the module the pages import: its pool and result cache serve them

    results.warm_start()
    print(f"alignsim: warmed up in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    from streamlit.web import cli

    # the app with the workshop's pass endpoint (ui/gateway.py); the web server leaves X-Forwarded-For to the
    # workshop, which believes it only from ALIGNSIM_TRUSTED_PROXIES (sim.workshop.access)
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    sys.argv = ["streamlit", "run", str(ROOT / "ui" / "gateway.py"), *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
