"""`make app`: the Streamlit app, started warm.

Runs ``streamlit run app.py`` in this process after importing the app's libraries (pandas, SciPy, Altair, Mesa),
starting the shared process pool and computing the default preset's ensemble (``app_common.warm_start``), so the
first visitor after a server start does not wait for them. Arguments are passed on to ``streamlit run``.
"""

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    print("alignsim: warming up (every preset's ensemble, about 10 s on 2 cores)…", file=sys.stderr, flush=True)
    import app_common  # the module the pages import: its pool and result cache serve them

    app_common.warm_start()
    print(f"alignsim: warmed up in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    _navigation_from_the_start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(ROOT / "app.py"), *argv]
    return cli.main()


def _navigation_from_the_start() -> None:
    """Let app.py's navigation serve the very first visit, also of a sub-page address such as /Compare.

    A folder called pages/ next to app.py makes Streamlit run a visit as an old-style multipage app (each page on
    its own, named after its file, without app.py's language and page titles) until some visit has run app.py's
    ``st.navigation``; on a fresh server a shared link to /Compare would show that. Streamlit keeps this switch on
    its ``PagesManager`` class and turns it off itself at the first ``st.navigation``; this turns it off before the
    first visit. Streamlit without the switch (a newer version) needs nothing.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if hasattr(PagesManager, "uses_pages_directory"):
        PagesManager.uses_pages_directory = False


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
