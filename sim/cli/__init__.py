"""The ``alignsim`` command line: scenarios (list, show, validate, run, compare) and research (sweep, analyze,
claims, calibrate).

Bad input (unknown scenario, malformed file, bad value or flag) prints one message naming the field and the
allowed values, and exits with code 2. Runs, sweeps and claims whose estimated cost is above the budget
(``sim.registry.CLI_BUDGET_SECONDS``) are refused the same way unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import sys

from sim import provenance
from sim.cli import advice, research, scenarios
from sim.cli.common import EXIT_USAGE, Parser, UsageError
from sim.input import ScenarioError, clean
from sim.output import problem
from sim.registry import BudgetError
from sim.research.sweep import SweepError

#: Each command group adds its subcommands (in the order of ``alignsim --help``) and names their functions.
GROUPS = (scenarios, research, advice)
COMMANDS = {name: command for group in GROUPS for name, command in group.COMMANDS.items()}


class _Version(argparse.Action):
    """``--version``: the fingerprint is computed only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(provenance.describe())
        parser.exit()


def parser() -> Parser:
    """The ``alignsim`` argument parser."""
    p = Parser(prog="alignsim", description="Organisational alignment simulator.")
    p.add_argument("--version", action=_Version, help="show the version, code fingerprint and git commit, and exit")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run ``alignsim`` with ``argv`` (default: the process's arguments); returns the exit code."""
    args = parser().parse_args(argv)  # exits 2 with a usage line on bad flags
    from sim import i18n

    human = getattr(args, "format", "table") in ("table", "markdown")
    try:
        with i18n.language(getattr(args, "lang", i18n.DEFAULT) if human else i18n.DEFAULT):
            return COMMANDS[args.command](args)
    except (ScenarioError, UsageError, SweepError, BudgetError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"alignsim: error: {clean(message)}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file that cannot be read or written (sim.output says which and why): one line
        print(f"alignsim: error: {problem(exc)}", file=sys.stderr)
        return EXIT_USAGE


__all__ = ["COMMANDS", "main", "parser"]
