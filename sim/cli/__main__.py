"""``python -m sim.cli``: the ``alignsim`` command line."""

import sys

from sim.cli import main

sys.exit(main())
