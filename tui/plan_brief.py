"""What a live run will do, told before it does anything: the plan summary the cockpit opens on.

The operator reads this before pressing ``s``: which nodes, which versions, which load balancer,
the steps with their bakes, the gates with their limits, and what happens first. Built from the
plan alone (no adapter is asked anything), so reading it never touches production. Secrets
never show: the plan holds only the names of the variables that carry them.
"""

from __future__ import annotations

import shlex

from rollout.plan import Plan, count

from .widgets.base import duration


def lb_target(plan: Plan) -> str:
    """The load balancer the run will move, in the words of its own configuration."""
    lb = plan.load_balancer
    if lb.type == "haproxy":
        return f"HAProxy backend {lb.backend} via {lb.socket}"
    if lb.type == "nginx" and lb.mode == "lua":
        return f"nginx (Lua balancer) at {lb.admin}"
    if lb.type == "nginx":
        return f"nginx upstream {lb.upstream} written to {lb.upstream_file}"
    if lb.type == "command":
        words = shlex.split(lb.set_weights) if lb.set_weights.strip() else ["?"]
        return f"the command {words[0]} (set_weights)"  # its arguments may carry a ${env:...} value
    return lb.type


def steps_line(plan: Plan) -> str:
    """``5% 2m · 25% 3m · 50% 5m (approve) · 100% 10m``."""
    return " · ".join(f"{s.y}% {duration(s.bake)}" + (" (approve)" if s.approve else "") for s in plan.steps)


def finish_line(plan: Plan) -> str:
    decommission = "decommission X, " if plan.finish.decommission_x else "keep X running, "
    return f"then {decommission}lift the freeze, watch {duration(plan.finish.watch)}"


def gate_lines(plan: Plan) -> list[str]:
    """Each gate with its limits written out whole: these are the rules the run is judged by."""
    g = plan.gates
    rollback = (f"{g.failures_to_rollback} failed windows roll back" if plan.rollback.automatic
                else "automatic rollback is OFF: failing gates only warn")
    lines = [f"window {duration(g.window)}, at least {g.min_requests} requests; {rollback}"]
    e = g.error_rate
    errors = f"5xx rate at most {e.max:.2%}"
    if e.max_delta_vs_x is not None:
        errors += f", and at most {e.max_delta_vs_x * 100:.2f} points over X"
    lines.append(errors + (" (dry run: never moves traffic)" if e.dry_run else ""))
    lat = g.latency_p99_ms
    latency = f"latency at most {lat.max:g} ms"
    if lat.max_ratio_vs_x is not None:
        latency += f", and at most {lat.max_ratio_vs_x:g}x X"
        latency += f" (once Y is {lat.min_delta_ms:g} ms slower or more)" if lat.min_delta_ms > 0 else ""
    lines.append(latency + (" (dry run: never moves traffic)" if lat.dry_run else ""))
    lines.append(f"split: Y's observed share within {g.max_split_error:g} points of its weight, or the run holds")
    return lines


def first_actions(plan: Plan) -> str:
    """What pressing ``s`` then ``y`` sets going, in order, up to the first weight change."""
    x_nodes, y_nodes = ", ".join(plan.pools.x.names), ", ".join(plan.pools.y.names)
    where = f"{plan.control_plane.admin} (the control plane)" if plan.mode == "hybrid" and plan.control_plane else x_nodes
    smoke = f"smoke-test it ({count(len(plan.smoke), 'check')})" if plan.smoke else "(no smoke checks: Y gets traffic untested)"
    return (f"preflight checks (read only), then freeze config writes on {where}, back up kong.yml to "
            f"{plan.backup.dir}, deploy Y on {y_nodes} and {smoke}, then shift {plan.steps[0].y}% to Y")


def brief(plan: Plan) -> list[tuple[str, str]]:
    """The summary as (label, text) rows, in the order the operator reads them."""
    x, y = plan.pools.x, plan.pools.y
    rows = [("plan", f"{plan.name} ({plan.mode})"),
            ("versions", f"X {x.version} → Y {y.version}"),
            ("pools", f"X {', '.join(x.names)}   Y {', '.join(y.names)}"),
            ("load balancer", lb_target(plan)),
            ("steps", steps_line(plan)),
            ("", finish_line(plan))]
    gates = gate_lines(plan)
    rows += [("gates", gates[0])] + [("", line) for line in gates[1:]]
    rows.append(("first", first_actions(plan)))
    return rows
