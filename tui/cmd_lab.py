"""``turnout lab up|down|status|load|fault``: the local lab (emulated Kong nodes behind a real HAProxy).

``up`` starts background processes that outlive the command and writes a ready-to-run plan;
``down`` stops exactly those (by PID). See docs/lab.md. Exit 0 success, 1 the lab or the
world failed (one line on stderr), 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from rollout.faults import SWITCHES, active, all_off
from rollout.i18n import _
from rollout.phrasebook import say
from rollout.i18n import N_


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("lab", help="a local lab: Kong node emulators behind a real HAProxy, with real traffic")
    lab = p.add_subparsers(dest="lab_command", required=True, metavar="ACTION")
    up = lab.add_parser("up", help="start HAProxy and the emulated nodes; write lab/plan.yml")
    up.add_argument("--x", type=int, default=3, help="nodes in pool X (default 3)")
    up.add_argument("--y", type=int, default=3, help="nodes in pool Y (default 3)")
    up.add_argument("--x-version", default="3.4.3")
    up.add_argument("--y-version", default="3.9.1")
    up.add_argument("--mode", choices=("dbless", "hybrid", "konnect"), default="dbless",
                    help="konnect: the DPs' control plane is an emulated Kong Konnect API (docs/konnect.md)")
    up.add_argument("--traffic", type=float, default=500.0, help="background rps through the frontend (0: none)")
    up.add_argument("--answer-ms", type=answer_ms, metavar="P50,P99",
                    help="every node answers a proxied request after a log-normal time through these (ms); "
                         "the lab's scenarios say the same (default: as fast as the machine lets it)")
    for name, text in (("down", "stop everything the lab started"), ("status", "show what runs")):
        lab.add_parser(name, help=text)
    load = lab.add_parser("load", help="send real HTTP traffic through the frontend and report it")
    load.add_argument("--rps", type=float, default=500.0)
    load.add_argument("--duration", type=float, default=10.0, help="seconds")
    fault = lab.add_parser("fault", help="switch emulator faults on a node, a pool (x, y) or all")
    fault.add_argument("target", metavar="NODE|x|y|all")
    fault.add_argument("--error-share", "--error-rate", dest="error_share", type=float,
                       help=SWITCHES["error_share"].help + " (a scenario's error_rate fault, rate)")
    fault.add_argument("--latency-ms", type=float, help=SWITCHES["latency_ms"].help)
    fault.add_argument("--route-latency-ms", type=float, help=SWITCHES["route_latency_ms"].help)
    fault.add_argument("--route-prefix", metavar="PATH", help=SWITCHES["route_prefix"].help)
    fault.add_argument("--not-ready", action="store_true", help="/status/ready answers 503")
    fault.add_argument("--ready", action="store_true", help="undo --not-ready")
    fault.add_argument("--crash", action="store_true", help="close the node's ports now")
    fault.add_argument("--restart", action="store_true", help="bring a crashed node back")
    fault.add_argument("--plugin-missing", metavar="PLUGIN", help=SWITCHES["plugin_missing"].help)
    fault.add_argument("--key-auth-message", metavar="TEXT", help=SWITCHES["key_auth_message"].help)
    fault.add_argument("--key-auth-rejects", action="store_true", help=SWITCHES["key_auth_rejects"].help)
    fault.add_argument("--clear", action="store_true", help="every fault off")
    for action in lab.choices.values():
        action.add_argument("--dir", default="lab", help="the lab directory (default ./lab)")
        action.add_argument("--json", action="store_true", help="one JSON object on stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from lab.procs import LabError

    handler = {"up": _up, "down": _down, "status": _status, "load": _load, "fault": _fault}[args.lab_command]
    try:
        return handler(args)
    except LabError as exc:
        print(_("turnout lab {lab_command}: {exc}").format(lab_command=args.lab_command, exc=say(str(exc))), file=sys.stderr)
        return 1


def answer_ms(text: str) -> dict[str, float]:
    """``--answer-ms 0.8,2.4`` as the lab's ``answer_ms`` (``{p50, p99}``, 0 < p50 <= p99)."""
    try:
        p50, p99 = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(_("{text!r}: expected P50,P99 in ms, such as 0.8,2.4").format(text=text)) from None
    if not 0 < p50 <= p99:
        raise argparse.ArgumentTypeError(_("{text!r}: needs 0 < P50 <= P99").format(text=text))
    return {"p50": p50, "p99": p99}


def _emit(args: argparse.Namespace, data: dict, lines: list[str]) -> None:
    print(json.dumps(data, indent=2) if args.json else "\n".join(lines), flush=True)


def _up(args: argparse.Namespace) -> int:
    from lab.state import LabOptions
    from lab.up import up

    options = LabOptions(args.dir, args.x, args.y, args.x_version, args.y_version, args.mode, args.traffic, args.answer_ms)
    state = up(options)
    plan = os.path.relpath(state.plan)
    nodes = {n: {k: v for k, v in info.items() if k in ("admin", "status", "proxy", "version", "role", "pool")}
             for n, info in state.nodes.items()}
    data = {"lab": state.lab_id, "dir": state.dir, "mode": state.mode, "frontend": state.frontend, "plan": state.plan,
            "api_key": state.api_key, "env": state.env, "haproxy": {k: state.haproxy[k] for k in ("socket", "tcp", "config", "stats")},
            "control": state.control, "nodes": nodes, "traffic_rps": state.traffic,
            "pids": {p.role: p.pid for p in state.procs}}
    if state.konnect:
        data["konnect"] = state.konnect
    _emit(args, data, _up_lines(args, state, plan))
    return 0


def _up_lines(args: argparse.Namespace, state, plan: str) -> list[str]:
    """What ``lab up`` says on a terminal, labelled lines in the reader's language (never the key itself)."""
    from lab.status import label_words, labelled

    env = os.path.relpath(state.env)
    lines = [_("lab {lab} is up in {dir}/ ({mode}: {x} x Kong {x_version} -> {y} x Kong {y_version}, emulated, behind HAProxy)").format(
                 lab=state.lab_id, dir=os.path.relpath(state.dir), mode=state.mode, x=len(state.x), x_version=state.x_version,
                 y=len(state.y), y_version=state.y_version),
             labelled("frontend", _("{frontend}/echo   (key-auth: header apikey, the key is in {env})").format(
                 frontend=state.frontend, env=env)),
             labelled("haproxy", _("runtime API {socket}, stats {stats}").format(socket=state.haproxy["socket"],
                                                                                 stats=state.haproxy["stats"]))]
    lines += [f"{label_words()['node']} {n:<4} {info.get('pool', '')}  {info['version']:<7} proxy {info.get('proxy', '-')}  "
              f"admin {info['admin']}" for n, info in state.nodes.items()]  # one row per node, not a labelled line
    if state.konnect:
        lines.append(labelled("konnect", _("{konnect}/v2/control-planes (emulated; the token is in {env})").format(
            konnect=state.konnect, env=env)))
    lines.append(labelled("traffic", _("{rps} rps in the background").format(rps=f"{state.traffic:g}") if state.traffic
                          else _("none (--traffic 0): use `turnout lab load` while a rollout runs")))
    return lines + [labelled("plan", plan), labelled("next", f"turnout run {plan} --headless --auto-approve"),
                    labelled("stop", f"turnout lab down{'' if args.dir == 'lab' else ' --dir ' + args.dir}")]


def _down(args: argparse.Namespace) -> int:
    from lab.up import down

    lines = down(args.dir)
    _emit(args, {"stopped": lines}, [say(line) for line in lines] + [_("lab in {dir} is down").format(dir=args.dir)])
    return 0


def _status(args: argparse.Namespace) -> int:
    import asyncio

    from lab.state import load_state
    from lab.status import collect, describe

    state = load_state(args.dir)
    report = asyncio.run(collect(state))
    _emit(args, report, describe(state, report))
    return 0 if report["running"] else 1


def _load(args: argparse.Namespace) -> int:
    import asyncio

    from lab.state import load_state
    from lab.status import run_load

    if args.rps <= 0 or args.duration <= 0:
        print(_("turnout lab load: --rps and --duration must be above 0"), file=sys.stderr)
        return 2
    state = load_state(args.dir)
    printer = None if args.json else (lambda s: print(_("  t+{second:>3}s  sent {sent:>6}  ok {ok:>6}  failed {failed}").format(
        second=s.second, sent=s.sent, ok=s.ok, failed=s.failed), flush=True))
    data, lines = asyncio.run(run_load(state, args.rps, args.duration, printer))
    _emit(args, data, lines)
    return 0 if data["failed"] == 0 else 1


def _fault(args: argparse.Namespace) -> int:
    import asyncio

    from lab.control import restart_node, set_faults, targets
    from lab.state import load_state

    for flag, key in (("--error-share", "error_share"), ("--latency-ms", "latency_ms"),
                      ("--route-latency-ms", "route_latency_ms")):
        value = getattr(args, key)
        problem = SWITCHES[key].problem(value) if value is not None else None
        if problem:
            print(_("turnout lab fault: {flag}: {problem}").format(flag=flag, problem=say(problem)), file=sys.stderr)
            return 2
    if args.route_prefix is not None and not args.route_prefix.startswith("/"):
        print(_("turnout lab fault: --route-prefix: a path prefix starts with /, not {prefix}").format(prefix=repr(args.route_prefix)),
              file=sys.stderr)
        return 2
    state = load_state(args.dir)
    changes = _fault_changes(args)
    if args.restart:
        for name in targets(state, args.target):
            asyncio.run(restart_node(state, name))
    if not changes and not args.restart:
        print(_("turnout lab fault: say what to switch (--error-share, --latency-ms, --not-ready, --crash, --clear, ...)"),
              file=sys.stderr)
        return 2
    result = asyncio.run(set_faults(state, args.target, changes)) if changes else {}
    lines = [f"{n}: " + (", ".join(f"{k}={v}" for k, v in active(f).items()) or _("no fault"))
             for n, f in result.items()] or [_("{target}: restarted").format(target=args.target)]
    _emit(args, {"faults": result, "restarted": bool(args.restart)}, lines)
    return 0


def _fault_changes(args: argparse.Namespace) -> dict:
    if args.clear:
        return all_off()
    changes: dict = {}
    if args.error_share is not None:
        changes["error_share"] = args.error_share
    if args.latency_ms is not None:
        changes["latency_ms"] = args.latency_ms
    if args.route_latency_ms is not None:
        changes["route_latency_ms"] = args.route_latency_ms
    if args.route_prefix is not None:
        changes["route_prefix"] = args.route_prefix
    if args.not_ready or args.ready:
        changes["not_ready"] = bool(args.not_ready)
    if args.crash:
        changes["crash"] = True
    if args.plugin_missing is not None:
        changes["plugin_missing"] = args.plugin_missing
    if args.key_auth_message is not None:
        changes["key_auth_message"] = args.key_auth_message
    if args.key_auth_rejects:
        changes["key_auth_rejects"] = True
    return changes
