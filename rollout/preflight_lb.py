"""Preflight's split evidence: per plan step, the weights the load balancer will get and the share
they give (the arithmetic is rollout/splits.py; which arithmetic each LB type takes is its entry
in rollout/lb_types.py)."""

from __future__ import annotations

from .i18n import N_
from .lb_types import lb_type
from .observations import CheckResult
from .plan import Plan
from .splits import Split

TOLERANCE_PP = 0.5  # an achievable share this close to the planned one counts as exact


def achievable(plan: Plan, y: int) -> Split:
    lb = plan.load_balancer
    return lb_type(lb).evidence.split(lb, len(plan.pools.x.nodes), len(plan.pools.y.nodes), y)


def lb_checks(plan: Plan) -> list[CheckResult]:
    """One line per plan step: the weights the LB will get and the share they give."""
    lb = plan.load_balancer
    evidence = lb_type(lb).evidence
    nx, ny = len(plan.pools.x.nodes), len(plan.pools.y.nodes)
    results = []
    for i, step in enumerate(plan.steps, 1):
        split = achievable(plan, step.y)
        close = abs(split.y_share - step.y) <= TOLERANCE_PP
        weights = f"X {nx}x{split.x_weight}, Y {ny}x{split.y_weight}" if evidence.per_server else f"x={100 - step.y} y={step.y}"
        said = N_("step {i} ({y}% on Y): {type} {weights} -> {y_share:.2f}% on Y").format(
            i=i, y=step.y, type=lb.type, weights=weights, y_share=split.y_share)
        if split.note:
            said = N_("{evidence} ({note})").format(evidence=said, note=split.note)
        if not close:
            said = N_("{evidence}; {type} cannot come closer than {y_share:.2f}% to the planned {y}%").format(
                evidence=said, type=lb.type, y_share=split.y_share, y=step.y)
        results.append(CheckResult("load balancer split", "pass" if close else "warn", said,
                                   seen=f"{split.y_share:.2f}%", expected=f"{step.y}%", source=evidence.source))
    return results
