"""What a live run will do, told before it does anything: the plan summary the cockpit opens on.

The operator reads this before pressing ``s``: which nodes, which versions, which load balancer,
the steps with their bakes, the gates with their limits, and what happens first. Built from the
plan alone (no adapter is asked anything), so reading it never touches production. Secrets
never show: the plan holds only the names of the variables that carry them. Worded in the
current language when the summary is shown; names, paths and versions stay as the plan has them.
"""

from __future__ import annotations

import shlex

from rollout.i18n import N_, _, ngettext
from rollout.plan import Plan

from .widgets.base import duration


def lb_target(plan: Plan) -> str:
    """The load balancer the run will move, in the words of its own configuration."""
    lb = plan.load_balancer
    if lb.type == "haproxy":
        return _("HAProxy backend {backend} via {socket}").format(backend=lb.backend, socket=lb.socket)
    if lb.type == "nginx" and lb.mode == "lua":
        return _("nginx (Lua balancer) at {admin}").format(admin=lb.admin)
    if lb.type == "nginx":
        return _("nginx upstream {upstream} written to {file}").format(upstream=lb.upstream, file=lb.upstream_file)
    if lb.type == "command":
        words = shlex.split(lb.set_weights) if lb.set_weights.strip() else ["?"]
        return _("the command {command} (set_weights)").format(command=words[0])  # its arguments may carry a ${env:...} value
    return lb.type


def steps_line(plan: Plan) -> str:
    """``5% 2m · 25% 3m · 50% 5m (approve) · 100% 10m``."""
    approve = " " + _("(approve)")
    return " · ".join(f"{s.y}% {duration(s.bake)}" + (approve if s.approve else "") for s in plan.steps)


def finish_line(plan: Plan) -> str:
    if plan.finish.decommission_x:
        return _("then decommission X, lift the freeze, watch {watch}").format(watch=duration(plan.finish.watch))
    return _("then keep X running, lift the freeze, watch {watch}").format(watch=duration(plan.finish.watch))


def gate_lines(plan: Plan) -> list[str]:
    """Each gate with its limits written out whole: these are the rules the run is judged by."""
    g = plan.gates
    rollback = (_("{count} failed windows roll back").format(count=g.failures_to_rollback) if plan.rollback.automatic
                else _("automatic rollback is OFF: failing gates only warn"))
    lines = [_("window {window}, at least {requests} requests; {rollback}").format(
        window=duration(g.window), requests=g.min_requests, rollback=rollback)]
    dry = " " + _("(dry run: never moves traffic)")
    e = g.error_rate
    errors = _("5xx rate at most {limit:.2%}").format(limit=e.max)
    if e.max_delta_vs_x is not None:
        errors += _(", and at most {points:.2f} points over X").format(points=e.max_delta_vs_x * 100)
    lines.append(errors + (dry if e.dry_run else ""))
    lat = g.latency_p99_ms
    latency = _("latency at most {limit:g} ms").format(limit=lat.max)
    if lat.max_ratio_vs_x is not None:
        latency += _(", and at most {ratio:g}x X").format(ratio=lat.max_ratio_vs_x)
        latency += " " + _("(once Y is {ms:g} ms slower or more)").format(ms=lat.min_delta_ms) if lat.min_delta_ms > 0 else ""
    lines.append(latency + (dry if lat.dry_run else ""))
    lines.append(_("split: Y's observed share within {points:g} points of its weight, or the run holds").format(
        points=g.max_split_error))
    return lines


def first_actions(plan: Plan) -> str:
    """What pressing ``s`` then ``y`` sets going, in order, up to the first weight change."""
    x_nodes, y_nodes = ", ".join(plan.pools.x.names), ", ".join(plan.pools.y.names)
    where = (_("{admin} (the control plane)").format(admin=plan.control_plane.admin)
             if plan.mode == "hybrid" and plan.control_plane else x_nodes)
    smoke = (ngettext("smoke-test it ({n} check)", "smoke-test it ({n} checks)", len(plan.smoke)).format(n=len(plan.smoke))
             if plan.smoke else _("(no smoke checks: Y gets traffic untested)"))
    return _("preflight checks (read only), then freeze config writes on {where}, back up kong.yml to {backup}, "
             "deploy Y on {y_nodes} and {smoke}, then shift {share}% to Y").format(
        where=where, backup=plan.backup.dir, y_nodes=y_nodes, smoke=smoke, share=plan.steps[0].y)


def brief(plan: Plan) -> list[tuple[str, str]]:
    """The summary as (label, text) rows, in the order the operator reads them."""
    x, y = plan.pools.x, plan.pools.y
    rows = [(N_("plan"), f"{plan.name} ({plan.mode})"),  # labels translated where shown (tui/screens/start.py)
            (N_("versions"), f"X {x.version} → Y {y.version}"),
            (N_("pools"), f"X {', '.join(x.names)}   Y {', '.join(y.names)}"),
            (N_("load balancer"), lb_target(plan)),
            (N_("steps"), steps_line(plan)),
            ("", finish_line(plan))]
    gates = gate_lines(plan)
    rows += [(N_("gates"), gates[0])] + [("", line) for line in gates[1:]]
    rows.append((N_("first"), first_actions(plan)))
    return rows
