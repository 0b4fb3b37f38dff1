"""Every load-balancer type, live: one entry per ``load_balancer.type``, keyed as rollout/lb_types.py.

An entry declares together what the live side needs of a type:

- ``build``: the adapter behind the ``LoadBalancer`` port (every one also ``Advises``: its
  ``warnings`` are things the operator should know before traffic moves);
- ``lock``: what the host-wide target lock guards (adapters/target_lock.py), or ``NoHostLock``
  saying why there is nothing to guard; with ``identify`` when the plan's words are not enough
  to know what they reach (adapters/lock_identity.py asks the LB or the filesystem);
- ``lb_metrics``: metrics source ``lb`` over the LB's own counters, or None when it keeps none
  Turnout reads (``metrics.source lb`` is then refused at wiring, naming kong and prometheus).

A type with flavours wired differently (nginx ``reload`` / ``lua``) is a ``Flavours`` entry.
A type without an entry is a located error everywhere it is looked up, never a fallback.
Adapters are imported when an entry is used, so taking the lock imports no HTTP client.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

from rollout.i18n import N_
from rollout.plan import Plan
from rollout.ports import Advises, LoadBalancer, Metrics

from .plan_problem import plan_problem

if TYPE_CHECKING:
    from .haproxy import HAProxyBalancer
    from .nginx import NginxLua


class LiveBalancer(LoadBalancer, Advises, Protocol):
    """What every live LB adapter is: the port, with warnings for the operator."""


class LiveMetrics(Metrics, Advises, Protocol):
    """What every live metrics source is: the port, with warnings for the operator."""


@dataclass(frozen=True)
class LockTarget:
    """What a target lock guards. ``label`` names it to the operator (the plan's words for the
    target); ``key`` names the lock file: the ``identity`` of what the words reach, the same for
    every route to it. A type whose spec says it (command) gives it in ``lock``; a type that must
    ask (HAProxy, nginx) declares ``identify`` and adapters/target_lock.py fills it in. Without an
    identity (only ``--rollback`` goes on when it cannot be read) the key is the label."""

    label: str
    identity: str | None = None

    @property
    def key(self) -> str:
        return self.identity or self.label


@dataclass(frozen=True)
class NoHostLock:
    """A type with nothing a second operator could steer at the same time, and why."""

    why: str


@dataclass(frozen=True)
class LiveLB:
    build: Callable[[Plan], LiveBalancer]
    lock: Callable[[Any], LockTarget] | NoHostLock  # from the plan's ``load_balancer`` spec
    lb_metrics: Callable[[Plan, Any], LiveMetrics] | None  # (plan, the LB ``build`` made) -> metrics source lb
    identify: Callable[[Any, float], Awaitable[str]] | None = None  # (spec, timeout) -> identity; None: ``lock`` gives it

    def of(self, spec: Any) -> LiveLB:
        return self


@dataclass(frozen=True)
class Flavours:
    """A type whose flavours are wired differently, chosen by one key of its spec."""

    key: str  # the spec key that names the flavour, for messages and tests
    choose: Callable[[Any], str]
    entries: dict[str, LiveLB]

    def of(self, spec: Any) -> LiveLB:
        return self.entries[self.choose(spec)]


def _path(value: str) -> str:
    return value if "://" in value else os.path.realpath(value)


# ---- HAProxy ------------------------------------------------------------------------------

def _haproxy(plan: Plan) -> LiveBalancer:
    from .haproxy import HAProxyBalancer

    return HAProxyBalancer(plan.load_balancer, plan.pools, plan.timeouts.request)


def _haproxy_stats(plan: Plan, lb: HAProxyBalancer) -> LiveMetrics:
    """``show stat`` per server; also snapshotted after each weight change (the step's baseline)."""
    from .lb_stats import HAProxyStats

    stats = HAProxyStats(lb, plan)
    lb.after_change.append(stats.snapshot)
    return stats


async def _haproxy_identity(spec: Any, timeout: float) -> str:
    """The HAProxy behind the socket or TCP address (``show info``, ``show cli sockets``)."""
    from .lock_identity import haproxy_identity

    return await haproxy_identity(spec, timeout)


HAPROXY = LiveLB(
    build=_haproxy,
    lock=lambda spec: LockTarget(f"haproxy {_path(spec.socket)} backend {spec.backend}"),
    lb_metrics=_haproxy_stats,
    identify=_haproxy_identity,
)


# ---- nginx --------------------------------------------------------------------------------

def _nginx(plan: Plan) -> LiveBalancer:
    from .nginx import build_nginx

    return build_nginx(plan.load_balancer, plan.pools, plan.timeouts.request)


def _lua_pool_stats(plan: Plan, lb: NginxLua) -> LiveMetrics:
    from .lb_stats import LuaPoolStats

    return LuaPoolStats(lb)


async def _upstream_file_identity(spec: Any, timeout: float) -> str:
    """The upstream file's resolved directory (device, inode) and name: the file nginx includes."""
    from .lock_identity import upstream_file_identity

    return await upstream_file_identity(spec, timeout)


async def _admin_identity(spec: Any, timeout: float) -> str:
    """The Lua admin URL's host, resolved (every address of this host is one), and port."""
    from .lock_identity import admin_identity

    return await admin_identity(spec, timeout)


NGINX = Flavours("mode", lambda spec: spec.mode, {
    "reload": LiveLB(
        build=_nginx,
        lock=lambda spec: LockTarget(f"nginx {_path(spec.upstream_file or '')} upstream {spec.upstream}"),
        lb_metrics=None,
        identify=_upstream_file_identity,
    ),
    "lua": LiveLB(
        build=_nginx,
        lock=lambda spec: LockTarget(f"nginx lua {spec.admin}"),
        lb_metrics=_lua_pool_stats,
        identify=_admin_identity,
    ),
})


# ---- command and sim ----------------------------------------------------------------------

def _command(plan: Plan) -> LiveBalancer:
    from .command import CommandBalancer

    return CommandBalancer(plan.load_balancer, plan.pools)


def _rehearsal_only(plan: Plan) -> LiveBalancer:
    raise plan_problem("load_balancer.type", N_("sim plans run only in rehearsal (turnout rehearse), not live"))


def _command_lock(spec: Any) -> LockTarget:
    """The template, whitespace normalised: Turnout cannot know what a command steers, so two
    plans are one target only when they run the same command (docs/adapters.md says so)."""
    return LockTarget(f"command {spec.set_weights.strip()}", identity=f"command {' '.join(spec.set_weights.split())}")


COMMAND = LiveLB(
    build=_command,
    lock=_command_lock,
    lb_metrics=None,
)
SIM = LiveLB(
    build=_rehearsal_only,
    lock=NoHostLock("a simulated load balancer lives inside its rehearsal: nothing on the host to steer"),
    lb_metrics=None,
)

LIVE_LBS: dict[str, LiveLB | Flavours] = {"haproxy": HAPROXY, "nginx": NGINX, "command": COMMAND, "sim": SIM}


def live_lb(spec: Any) -> LiveLB:
    """The live entry for a plan's ``load_balancer`` (its flavour's, for nginx)."""
    entry = LIVE_LBS.get(spec.type)
    if entry is None:
        raise plan_problem("load_balancer.type", N_("unknown load balancer type {type}").format(type=repr(spec.type)))
    return entry.of(spec)


def build_load_balancer(plan: Plan) -> LiveBalancer:
    return live_lb(plan.load_balancer).build(plan)
