"""``turnout drill``: conduct a rehearsal with a hidden fault, then read the score card.

For trainees. ``turnout drill NAME`` plays a drill of the library (``plans/drills/NAME.yml``, or
a drill file's path): its plan, its hidden faults timed from their phases, its briefing and the
calls it expects. ``turnout drill PLAN [--fault KIND]`` plays the plan with one of the traffic
faults (or none) drawn by the seed. Either way automatic rollback is off, the cockpit opens on
a briefing, the trainee approves, watches and decides, and after the screen closes the card
says what the fault was and scores the calls (sim/drill_calls.py, sim/drill_score.py).
``--list`` names the library's drills with a one-line summary, never the fault.
A drill needs a terminal: a person makes the calls.
Exit 0 for the right call(s), 1 for any other, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from rollout.i18n import N_, _

from .plan_input import load_or_report

# A plan drill's situation, translated as the briefing shows it (tui/screens/briefing.py).
PLAN_BRIEFING = N_("You conduct the rollout of this plan in the simulated world. Something may go wrong during "
                    "the shift, or nothing at all: the seed decided, and the screen will not say which.")


class DrillFaultNames:
    """The choices of ``--fault``: sim.drill's ``DRILL_FAULTS``, read only when argparse asks (a
    ``--fault`` given, ``turnout drill --help``), so declaring the flag loads no simulator. (The
    flag has a metavar because argparse lists the choices of one without it at declaration.)"""

    def __contains__(self, name: object) -> bool:
        from sim.drill import DRILL_FAULTS

        return name in DRILL_FAULTS

    def __iter__(self):
        from sim.drill import DRILL_FAULTS

        return iter(sorted(DRILL_FAULTS))


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("drill", help="a rehearsal with a hidden fault and automatic rollback off, scored (for trainees)")
    p.add_argument("plan", metavar="PLAN|NAME", nargs="?",
                   help="a plan (a traffic fault drawn by the seed), or a drill of the library (turnout drill --list)")
    p.add_argument("--list", action="store_true", help="list the library's drills with a one-line summary each")
    p.add_argument("--history", action="store_true",
                   help="the drills taken on this machine: date, drill, score, call ($XDG_STATE_HOME/turnout/drills.jsonl)")
    p.add_argument("--review", metavar="RUN_DIR",
                   help="tell a drill's run again: its timeline with the fault revealed and the trainee's acts marked")
    p.add_argument("--run-dir", metavar="DIR",
                   help="where the drill's journal and card go (default: a new directory under $XDG_STATE_HOME/turnout/drills/)")
    p.add_argument("--seed", type=int, help="picks the fault and its onset; the card prints it so a drill can be replayed (default: random)")
    p.add_argument("--fault", choices=DrillFaultNames(), metavar="KIND",
                   help="with a PLAN: the instructor's choice instead of the seed's, one of: %(choices)s (still hidden on screen)")
    p.add_argument("--json", action="store_true", help="print the score card as one JSON object")
    p.set_defaults(func=run)


def list_drills() -> int:
    from sim.drill_file import library, load_drill
    from sim.drill_texts import drill_text

    from rollout.errors import PlanError

    for name, path in library().items():
        try:
            drill = load_drill(str(path))
        except PlanError as exc:
            print(exc.problems[0], file=sys.stderr)
            return 2
        print(f"{name:30s} {drill.trains:15s} {drill_text(drill.summary)}")
    return 0


def _open(args: argparse.Namespace, seed: int, journal: str | None):
    """(the drill, the plan's name, the briefing's title and text, the replay command), or None after printing why not."""
    import os

    from rollout.errors import PlanError
    from sim.drill_file import is_drill_file, library, load_drill, plan_path

    target = args.plan
    path = target if os.path.exists(target) else str(library().get(target, ""))
    if not path and (os.sep in target or target.endswith((".yml", ".yaml"))):
        path = target  # a plan's path, not a drill's name: the plan reader says why it cannot be read
    if not path:
        print(_("turnout drill: no plan or drill named {target} (turnout drill --list names the drills)").format(
            target=repr(target)), file=sys.stderr)
        return None
    if not is_drill_file(path):
        plan = load_or_report(path)
        if plan is None:
            return None
        from sim.drill import Drill

        return (Drill(plan, seed, args.fault, journal_path=journal), plan.name, plan.name, PLAN_BRIEFING,
                f"turnout drill {target} --seed {seed}" + (f" --fault {args.fault}" if args.fault else ""))
    if args.fault:
        print(_("turnout drill: --fault is for a plan; a library drill brings its own faults"), file=sys.stderr)
        return None
    try:
        spec = load_drill(path)
        plan = load_or_report(plan_path(path, spec))
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return None
    if plan is None:
        return None
    from sim.drill_run import LibraryDrill

    return LibraryDrill(spec, plan, seed, journal_path=journal), plan.name, spec.name, spec.briefing, f"turnout drill {target} --seed {seed}"


def review_run(run_dir: str) -> int:
    """On a terminal the run replays in the cockpit first (tui/drill_replay.py); the timeline is printed either way."""
    from rollout.errors import JournalError

    from .drill_review import engine_notes, read_run, review_lines

    try:
        card, events, plan = read_run(run_dir)
    except (OSError, ValueError, JournalError) as exc:
        print(_("turnout drill: cannot review {run_dir}: {exc}").format(run_dir=run_dir, exc=exc), file=sys.stderr)
        return 2
    if plan is not None and sys.stdin.isatty() and sys.stdout.isatty():
        from .app import TurnoutApp
        from .drill_replay import ReplayConductor

        TurnoutApp(ReplayConductor(plan, events, card)).run()
    print("\n".join(review_lines(events, card, engine_notes(plan, events) if plan is not None else [])))
    return 0


def _run_dir(args: argparse.Namespace, seed: int):
    """The drill's own directory (journal and card), created private; None after saying why not."""
    from pathlib import Path

    from .drill_history import history_path
    from .drill_review import new_run_dir

    try:
        if args.run_dir:
            Path(args.run_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
            if (Path(args.run_dir) / "journal.jsonl").exists():
                print(_("turnout drill: {run_dir} already holds a drill's journal; give a new --run-dir").format(
                    run_dir=args.run_dir), file=sys.stderr)
                return None
            return Path(args.run_dir)
        return new_run_dir(history_path().parent / "drills", args.plan, seed)
    except OSError as exc:
        print(_("turnout drill: cannot create the run directory: {value}").format(value=exc.strerror or exc), file=sys.stderr)
        return None


def _remember(card: dict, name: str, run_dir, plan) -> None:
    """The card beside the journal, and the trainee's record (tui/drill_history.py); either failing is a
    warning, never a lost card."""
    from .drill_history import append, entry, history_path
    from .drill_review import save_card

    try:
        save_card(run_dir, card, plan)
        append(entry(card, name) | {"run_dir": str(run_dir)})
    except OSError as exc:
        print(_("turnout drill: could not keep the record ({value}, {run_dir}): {value2}").format(
            value=history_path(), run_dir=run_dir, value2=exc.strerror or exc),
              file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return list_drills()
    if args.review:
        return review_run(args.review)
    if args.history:
        from .drill_history import history_text, read

        lines = read()
        print(json.dumps(lines, indent=2) if args.json else history_text(lines))
        return 0
    if not args.plan:
        print(_("turnout drill: give a PLAN or a drill NAME (turnout drill --list names the drills)"), file=sys.stderr)
        return 2
    return conduct(args)


def conduct(args: argparse.Namespace) -> int:
    """Open the drill (journaled into its run directory on a terminal), let the trainee conduct it, print the card."""
    import secrets

    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    tty = sys.stdin.isatty() and sys.stdout.isatty()
    run_dir = _run_dir(args, seed) if tty else None
    if tty and run_dir is None:
        return 2
    opened = _open(args, seed, None if run_dir is None else str(run_dir / "journal.jsonl"))
    if opened is None:
        if run_dir is not None and not args.run_dir:
            run_dir.rmdir()  # made a moment ago for this drill, still empty
        return 2
    drill, title, name, situation, replay = opened
    if not tty:
        print(_("turnout drill: a drill needs a terminal, because the trainee makes the calls (for a report without one: turnout rehearse --headless)"), file=sys.stderr)
        return 2
    from .drill_app import run_drill

    run_drill(drill, name, situation)
    card = drill.scorecard()
    _remember(card, args.plan, run_dir, drill.plan)
    if args.json:
        print(json.dumps(card, indent=2))
    else:
        from .drill_card import print_card

        print_card(card, title, replay, f"turnout drill --review {run_dir}")
    return 0 if card["decision"] == "correct" else 1
