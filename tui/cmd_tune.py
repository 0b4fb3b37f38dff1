"""``turnout tune PLAN --scenario FAULT``: let the rehearsal design the plan's steps and gates.

Parses, builds the two worlds and the candidates, hands the runs to a local process pool or a
Dask cluster (``--dask ADDRESS``), shows a progress bar (candidates left, runs, best so far),
then prints baseline and recommended side by side (or ``--json``) and, with ``--write OUT``, the
plan with the recommended steps and gates (tui/tune_write.py). The search is sim/tune.py.
Exit 0 a recommendation was made, 1 no candidate met the budgets, 2 bad input or an unreachable
cluster.
"""

from __future__ import annotations

import argparse
import json
import sys

from rollout.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tune", help="search the plan's steps and gates for the cheapest catch of a bad Y (rehearsals)")
    p.add_argument("plan", metavar="PLAN")
    p.add_argument("--scenario", metavar="FAULT", required=True, help="the fault world: a bad Y (ranged faults welcome)")
    p.add_argument("--aa", metavar="HEALTHY", help="the healthy world (default: the fault scenario without its faults)")
    p.add_argument("--max-false-rollback", type=float, default=0.01, metavar="RATE",
                   help="budget: upper 95%% bound of healthy upgrades rolled back (default 0.01)")
    p.add_argument("--max-duration", default="1h", metavar="DURATION", help="budget: p50 duration of a healthy rollout (default 1h)")
    p.add_argument("--runs", type=int, default=100, metavar="N", help="fault-world runs per finalist (default 100)")
    p.add_argument("--candidates", type=int, default=30, metavar="N", help="candidates drawn, the plan's own included (default 30)")
    p.add_argument("--seed", type=int, default=0, help="same seed, same candidates and runs (default 0)")
    p.add_argument("--write", metavar="OUT", help="write the plan with the recommended steps and gates (comments kept)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--dask", metavar="ADDRESS", help="run the rehearsals on this Dask scheduler (pip install 'turnout[dask]')")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rollout.durations import parse_duration
    from rollout.errors import PlanError

    try:
        plan, fault, healthy = _worlds(args)
        max_duration = parse_duration(args.max_duration)
    except PlanError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 2
    except ValueError as exc:
        print(_("--max-duration: {exc}").format(exc=exc), file=sys.stderr)
        return 2
    if args.runs < 1 or args.candidates < 1 or not 0 < args.max_false_rollback < 1:
        print(_("tune: --runs and --candidates must be at least 1, --max-false-rollback between 0 and 1"), file=sys.stderr)
        return 2
    return _tune(args, plan, fault, healthy, max_duration)


def _worlds(args: argparse.Namespace):
    from rollout.plan import load_plan
    from sim.scenario import load_scenario

    plan = load_plan(args.plan)
    fault = load_scenario(args.scenario, plan)
    if args.aa:
        healthy = load_scenario(args.aa, plan)
    else:
        healthy = fault.model_copy(update={"faults": [], "name": f"{fault.name}, without its faults"})
    return plan, fault, healthy


def _tune(args: argparse.Namespace, plan, fault, healthy, max_duration: float) -> int:
    from sim.tune import Budgets, tune
    from sim.tune_report import tune_json, tune_text
    from sim.tune_runs import Job
    from sim.tune_space import apply, candidates
    from tui.progress import tune_progress, wanted

    budgets = Budgets(args.max_false_rollback, max_duration)
    pool = candidates(plan, args.candidates, args.seed, max_duration)
    runner = _runner(Job(plan, fault, healthy), args.dask)
    if runner is None:
        return 2
    with runner, tune_progress(_("tuning {plan}").format(plan=plan.name), wanted(args.json)) as on_progress:
        result = tune(pool, runner, args.runs, args.seed, budgets, on_progress)
    tuned = apply(plan, result.recommended.candidate) if result.recommended else None
    if args.json:
        print(json.dumps(tune_json(result, tuned, budgets, args.seed, len(pool)), indent=2))
    else:
        print(tune_text(result, budgets))
    if tuned is not None and args.write:
        from tui.tune_write import write_tuned

        write_tuned(args.plan, tuned, args.write)
        print(_("wrote {write}").format(write=args.write), file=sys.stderr)
    return 0 if tuned is not None else 1


def _runner(job, address: str | None):
    """A local pool, or the Dask cluster at ``address`` (None, said in one line, when it cannot be used)."""
    from sim.tune_runs import DaskRuns, LocalRuns

    if address is None:
        return LocalRuns(job)
    try:
        import distributed  # noqa: F401  (optional: the dask extra)
    except ImportError:
        print(_("tune: --dask needs the dask extra: pip install 'turnout[dask]'"), file=sys.stderr)
        return None
    return _Reachable(DaskRuns(job, address), address)


class _Reachable:
    """Enters the Dask runner, turning a scheduler that does not answer into one line (exit 2)."""

    def __init__(self, runner, address: str):
        self.runner, self.address = runner, address

    def __enter__(self):
        try:
            return self.runner.__enter__()
        except (OSError, TimeoutError) as exc:
            print(_("tune: Dask scheduler {address} cannot be reached: {exc}").format(
                address=self.address, exc=exc), file=sys.stderr)
            raise SystemExit(2) from None

    def __exit__(self, *exc):
        return self.runner.__exit__(*exc)
