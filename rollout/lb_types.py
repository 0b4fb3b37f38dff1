"""Every load-balancer type a plan may name, and what the pure side knows of each.

One entry per ``load_balancer.type``: its plan model (in rollout/plan.py, beside every other
plan model) and its split evidence for preflight (the weights it really takes for a planned
percentage, and the public page that says so). The live half of the same types (adapter
factory, host-wide lock target, metrics from the LB's own counters) is adapters/lb.py, keyed
by the same names: the engine side stays free of adapters, and a test keeps both key sets
equal to the types the plan accepts, so a type cannot be half added. A type without an entry
is an error, never another type's defaults.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from .errors import PlanError, Problem
from .plan import CommandLB, HAProxyLB, NginxLB, SimLB, Strict, lb_type_name
from .splits import Split, haproxy_split, nginx_split, percent_split

SRC_HAPROXY = ("HAProxy 2.6 management guide 'set weight' (absolute, 0..256 per server): "
               "https://docs.haproxy.org/2.6/management.html#9.3-set%20weight")
SRC_NGINX = ("nginx ngx_http_upstream_module 'server ... weight=number' (>= 1) and 'down': "
             "https://nginx.org/en/docs/http/ngx_http_upstream_module.html#server")
SRC_COMMAND = "plan load_balancer.command: {x} and {y} are passed as percentages"
SRC_SIM = "the rehearsal's simulated load balancer takes the pool percentages as they are"


@dataclass(frozen=True)
class SplitEvidence:
    """How preflight shows what the LB makes of each step's percentage."""

    split: Callable[[Any, int, int, int], Split]  # (spec, X nodes, Y nodes, y%) -> the weights it gets
    source: str  # where the LB's weight range is documented
    per_server: bool  # weights are per server ("X 3x19, Y 3x1"), else the pool percentages ("x=95 y=5")


@dataclass(frozen=True)
class LBType:
    spec: type[Strict]  # the plan model of ``load_balancer:``
    evidence: SplitEvidence

    @property
    def name(self) -> str:
        return lb_type_name(self.spec)


def percentages(source: str) -> SplitEvidence:
    """For an LB that takes the pool percentages themselves: every whole percentage is exact."""
    return SplitEvidence(lambda spec, nx, ny, y: percent_split(y), source, per_server=False)


LB_TYPES: dict[str, LBType] = {t.name: t for t in (
    LBType(HAProxyLB, SplitEvidence(lambda spec, nx, ny, y: haproxy_split(nx, ny, y, spec.max_weight), SRC_HAPROXY, per_server=True)),
    LBType(NginxLB, SplitEvidence(lambda spec, nx, ny, y: nginx_split(nx, ny, y), SRC_NGINX, per_server=True)),
    LBType(CommandLB, percentages(SRC_COMMAND)),
    LBType(SimLB, percentages(SRC_SIM)),
)}


def lb_type(spec: Any) -> LBType:
    """The entry for a plan's ``load_balancer``; a type without one is a located error."""
    try:
        return LB_TYPES[spec.type]
    except KeyError:
        raise PlanError([Problem("plan", 0, "load_balancer.type", f"unknown load balancer type {spec.type!r}")]) from None
