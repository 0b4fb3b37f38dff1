"""``turnout drill PLAN``: conduct a rehearsal with a hidden fault, then read the score card.

For trainees. The plan plays in the simulated world with automatic rollback off and a fault
(or none) drawn by the seed and kept hidden. The trainee approves steps, watches the gates
and decides whether to roll back. After the screen closes, the card says what the fault was
and scores the call (sim/drill_score.py). A drill needs a terminal: a person makes the calls.
Exit 0 for the right call, 1 for any other, 2 for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from .plan_input import load_or_report


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
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--seed", type=int, help="picks the fault and its onset; the card prints it so a drill can be replayed (default: random)")
    p.add_argument("--fault", choices=DrillFaultNames(), metavar="KIND",
                   help="the instructor's choice instead of the seed's, one of: %(choices)s (still hidden on screen)")
    p.add_argument("--json", action="store_true", help="print the score card as one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sim.drill import Drill
    from sim.drill_score import score_text

    plan = load_or_report(args.plan)
    if plan is None:
        return 2
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        print("turnout drill: a drill needs a terminal, because the trainee makes the calls "
              "(for a report without one: turnout rehearse --headless)", file=sys.stderr)
        return 2
    import secrets

    seed = args.seed if args.seed is not None else secrets.randbelow(10**6)
    drill = Drill(plan, seed, args.fault)
    from tui.app import run_rehearsal

    run_rehearsal(drill)
    card = drill.scorecard()
    print(json.dumps(card, indent=2) if args.json else score_text(card, plan.name))
    return 0 if card["decision"] == "correct" else 1
