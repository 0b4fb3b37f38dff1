"""The ``turnout`` command: the composition root that wires plans, engine, worlds and screens.

Each subcommand lives in its own ``tui/cmd_*.py`` module with ``add_parser`` and ``run``.
All of them are imported here to declare their flags, so a command module imports argparse and
little else at the top; what it runs (the plan model, asyncio, the worlds, the cockpit) it
imports inside ``run``. ``turnout --help`` then loads none of them (tests/test_startup.py).
Exit codes: 0 success, 1 the rollout (or check) did not succeed, 2 bad input.

``--lang {en,ja}`` is accepted before the subcommand and by every subcommand (and sub-action);
the language is chosen from it, ``TURNOUT_LANG`` or the locale before the parser is even built,
so help texts and parse errors come out in it too (rollout/i18n.py, docs/i18n.md).
"""

from __future__ import annotations

import argparse
import os
import sys

from rollout.i18n import LANGUAGES, N_, _, choose_language, set_language

from . import (cmd_attach, cmd_backup, cmd_drill, cmd_lab, cmd_lint, cmd_preflight, cmd_rehearse, cmd_report, cmd_run, cmd_runs,
               cmd_scenario, cmd_status, cmd_tune, cmd_validate)

COMMANDS = [cmd_validate, cmd_run, cmd_attach, cmd_status, cmd_runs, cmd_preflight, cmd_lint, cmd_backup, cmd_rehearse,
            cmd_report, cmd_drill, cmd_lab, cmd_scenario, cmd_tune]


LANG_HELP = N_("the language of messages, screens and reports (default: TURNOUT_LANG, else the locale, else en)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="turnout", description="Rehearsed, resumable rolling upgrades for Kong Gateway.")
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help=_(LANG_HELP))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    add_lang_to_subcommands(parser)
    return parser


def add_lang_to_subcommands(parser: argparse.ArgumentParser) -> None:
    """Every subcommand (and sub-action: ``lab up``) accepts ``--lang`` too, after its name.

    Its default is SUPPRESS so a subcommand that is not given ``--lang`` leaves the value set
    before the subcommand (``turnout --lang ja validate``) alone; argparse would otherwise
    overwrite it with the subparser's default.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in set(action.choices.values()):
                subparser.add_argument("--lang", choices=LANGUAGES, default=argparse.SUPPRESS, help=_(LANG_HELP))
                add_lang_to_subcommands(subparser)


def language_flag(argv: list[str] | None) -> str | None:
    """``--lang``'s value wherever it stands in ``argv``, read before the real parser is built."""
    early = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    early.add_argument("--lang", nargs="?", default=None)  # a missing value is the real parser's error to report
    known, _rest = early.parse_known_args(sys.argv[1:] if argv is None else argv)
    return known.lang


def main(argv: list[str] | None = None) -> int:
    set_language(choose_language(language_flag(argv), os.environ))
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("turnout: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``turnout ... | head``): not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
