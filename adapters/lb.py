"""Pick the real load-balancer adapter for a plan's ``load_balancer.type``.

Every adapter implements rollout.ports.LoadBalancer and carries ``warnings: list[str]``
(things the operator should know before traffic moves, e.g. HAProxy weights lost on reload),
which the driver shows as notifications.
"""

from __future__ import annotations

from rollout.errors import PlanError, Problem
from rollout.plan import Plan
from rollout.ports import LoadBalancer


def plan_problem(key: str, message: str) -> PlanError:
    """A bad-input error found while wiring adapters (one located line, no traceback)."""
    return PlanError([Problem("plan", 0, key, message)])


def build_load_balancer(plan: Plan) -> LoadBalancer:
    spec = plan.load_balancer
    timeout = plan.timeouts.request
    if spec.type == "haproxy":
        from .haproxy import HAProxyBalancer

        return HAProxyBalancer(spec, plan.pools, timeout)
    if spec.type == "nginx":
        from .nginx import build_nginx

        return build_nginx(spec, plan.pools, timeout)
    if spec.type == "command":
        from .command import CommandBalancer

        return CommandBalancer(spec, plan.pools)
    if spec.type == "sim":
        raise plan_problem("load_balancer.type", "sim plans run only in rehearsal (turnout rehearse), not live")
    raise plan_problem("load_balancer.type", f"unknown load balancer type {spec.type!r}")
