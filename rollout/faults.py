"""One fault vocabulary for both worlds: each kind of fault, its parameters, their bounds and "off" values.

A rehearsal's scenario injects faults into the simulated world (``sim/scenario.py``,
docs/scenario-format.md): ``{kind: error_rate, rate: 0.05}``. The lab switches faults on its
emulated Kong nodes at run time (``lab/emulator``, ``turnout lab fault``, docs/lab.md):
``{"error_share": 0.05}``. Both names stay (files and scripts already use them), but each is
declared once, here, with what it means, so a drill can be rehearsed and then run in the lab
with the same numbers (``lab.layout.scenario_text``, bench/lab_fidelity.py), and the lab's
"every fault off" is read from this table instead of being repeated.

- ``KINDS``: every fault kind, which world injects it, and its scenario parameters.
- ``SWITCHES``: the emulator's run-time switches; each names the kind it injects and, when the
  rehearsal has the same quantity, the scenario parameter it equals (same unit, same bounds).

Pure data and small functions (no I/O), so ``sim``, ``lab`` and ``tui`` all import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .i18n import N_

REHEARSAL, LAB = "rehearsal", "lab"


@dataclass(frozen=True)
class Param:
    """One scenario parameter: its name, its default (None: the scenario must give it), its bounds (inclusive unless said)."""

    name: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # the low bound itself is not allowed (a rate of 0 is no fault)
    help: str = ""

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is out of bounds, in words, or None when it is fine (non-numbers are not checked)."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        if self.low is not None and (value < self.low or (self.low_open and value == self.low)):
            said = N_("{name} must be above {low}, not {value}") if self.low_open else N_("{name} must be at least {low}, not {value}")
            return said.format(name=self.name, low=f"{self.low:g}", value=f"{value:g}")
        if self.high is not None and value > self.high:
            return N_("{name} must be at most {high}, not {value}").format(name=self.name, high=f"{self.high:g}", value=f"{value:g}")
        return None


@dataclass(frozen=True)
class FaultKind:
    kind: str
    worlds: tuple[str, ...]
    help: str
    params: tuple[Param, ...] = ()  # the scenario's keys for this kind (beside pool/node/from/at)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


RATE = Param("rate", None, 0.0, 1.0, low_open=True, help="share of proxied requests answered 500 (0-1)")
FACTOR = Param("factor", None, 0.0, low_open=True, help="latency multiplied by this")
ROUTE = Param("route", None, help="the slow route: a name in a rehearsal, the path prefix its requests start with in the lab")
SHARE = Param("share", None, 0.0, 1.0, low_open=True, help="share of the pool's requests that take the slow route (0-1)")

KINDS: dict[str, FaultKind] = {k.kind: k for k in (
    FaultKind("error_rate", (REHEARSAL, LAB), "the nodes answer a share of requests with 500", (RATE,)),
    FaultKind("latency", (REHEARSAL, LAB), "the nodes answer late: scaled in a rehearsal, delayed in the lab",
              (FACTOR,)),
    FaultKind("route_latency", (REHEARSAL, LAB),
              "requests on one route answer late: a share of the pool's requests slowed in a rehearsal, "
              "a path prefix delayed in the lab", (ROUTE, SHARE, FACTOR)),
    FaultKind("crash", (REHEARSAL, LAB), "the node closes its ports (a supervisor may restart it)",
              (Param("at", 0.0, 0.0), Param("restart", False))),
    FaultKind("memory_leak", (REHEARSAL,), "capacity shrinks with uptime until the node is OOM-killed",
              (Param("per_min", 0.05, 0.0, 1.0, low_open=True),)),
    FaultKind("config_write", (REHEARSAL, LAB), "someone writes config to the node: its hash changes"),
    FaultKind("smoke_fail", (REHEARSAL,), "a smoke check fails on the node"),
    FaultKind("cp_sync", (REHEARSAL, LAB), "hybrid: the control plane refuses the data plane's sync",
              (Param("status", "plugin_set_incompatible"),)),
    FaultKind("lb_ignores_weights", (REHEARSAL,), "the load balancer keeps its old split"),
    FaultKind("backup_unreadable", (REHEARSAL,), "the backup of X's config does not parse: verifying it fails"),
    FaultKind("plugin_missing", (REHEARSAL, LAB), "a plugin in use is not available on the node (plugins.available_on_server)",
              (Param("plugin", "key-auth"),)),
    FaultKind("key_auth_change", (REHEARSAL, LAB), "key-auth answers differently: a valid key rejected, or another 401 message",
              (Param("answer", "rejects_key"), Param("message", "Unauthorized"))),
    FaultKind("x_capacity", (REHEARSAL,), "X's nodes carry less than the total traffic: a rollback to X overloads them",
              (Param("factor", None, 0.0, 1.0, low_open=True, help="X's node capacity multiplied by this"),)),
    FaultKind("not_ready", (LAB,), "/status/ready answers 503 (no config loaded, or a message)"),
    FaultKind("admin_status", (LAB,), "every Admin and Status API answer has this status"),
)}


@dataclass(frozen=True)
class Switch:
    """One of the lab emulator's run-time fault switches (``POST /__turnout/fault`` keys)."""

    key: str
    kind: str
    off: Any
    equals: str | None = None  # the scenario parameter of ``kind`` with the same meaning and unit
    low: float | None = None
    high: float | None = None
    help: str = ""
    state: bool = True  # False for an action (crash): "every fault off" does not send it

    def problem(self, value: Any) -> str | None:
        bounds = KINDS[self.kind].param(self.equals) if self.equals else Param(self.key, self.off, self.low, self.high)
        found = bounds.problem(value) if value != self.off else None
        return found.replace(bounds.name, self.key, 1) if found else None


SWITCHES: dict[str, Switch] = {s.key: s for s in (
    Switch("latency_ms", "latency", 0.0, low=0.0, help="added to every Admin, Status and proxy answer (ms)"),
    Switch("route_latency_ms", "route_latency", 0.0, low=0.0,
           help="added to proxied requests whose path starts with route_prefix (ms)"),
    Switch("route_prefix", "route_latency", None, equals="route",
           help="the slow route's path prefix (e.g. /echo/orders); route_latency_ms does nothing without it"),
    Switch("error_share", "error_rate", 0.0, equals="rate", help=RATE.help),
    Switch("not_ready", "not_ready", False, help="True: no config loaded (hash zeros); a string: that 503 message"),
    Switch("config_hash", "config_write", None, help="report this hash instead of the loaded one"),
    Switch("config_hash_drift", "config_write", False, help="the hash changes on every /status"),
    Switch("crash", "crash", False, state=False, help="close every port now (restart through the control port)"),
    Switch("sync_status", "cp_sync", None, equals="status", help="hybrid: what the CP reports for this DP"),
    Switch("admin_status", "admin_status", None, help="every Admin and Status API answer has this status"),
    Switch("plugin_missing", "plugin_missing", None, equals="plugin",
           help="this plugin is left out of the node's plugins.available_on_server"),
    Switch("key_auth_message", "key_auth_change", None, equals="message",
           help="key-auth's 401 answers carry this message instead of the version's own"),
    Switch("key_auth_rejects", "key_auth_change", False, help="True: key-auth rejects valid keys too (401)"),
)}


def rehearsal_kinds() -> tuple[str, ...]:
    """The ``kind`` values a scenario accepts, in the order the docs list them."""
    return tuple(k for k, v in KINDS.items() if REHEARSAL in v.worlds)


def all_off() -> dict[str, Any]:
    """Every lab switch that holds a state, at its "off" value (``turnout lab fault --clear``)."""
    return {s.key: s.off for s in SWITCHES.values() if s.state}


def active(switches: dict[str, Any]) -> dict[str, Any]:
    """The switches that are not "off" (what ``turnout lab status`` and ``lab fault`` show)."""
    return {k: v for k, v in switches.items() if k in SWITCHES and v != SWITCHES[k].off}


def check_switches(changes: dict[str, Any]) -> list[str]:
    """What is wrong with a set of lab switches (unknown keys, values out of bounds), in words."""
    unknown = sorted(set(changes) - set(SWITCHES))
    problems = [f"unknown fault key(s): {', '.join(unknown)}; known: {', '.join(sorted(SWITCHES))}"] if unknown else []
    return problems + [p for key, value in changes.items() if key in SWITCHES
                       if (p := SWITCHES[key].problem(value))]


def as_switches(kind: str, **params: Any) -> dict[str, Any]:
    """A scenario-style fault (``error_rate``, ``rate=0.05``) as the lab's switches (``{"error_share": 0.05}``).

    Only parameters the lab has an equal for translate; anything else is an error, so a drill
    never silently runs in the lab without the fault it was rehearsed with.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    out = {}
    for name, value in params.items():
        switch = next((s for s in SWITCHES.values() if s.kind == kind and s.equals == name), None)
        if switch is None:
            raise ValueError(f"the lab has no switch for {kind}.{name}")
        out[switch.key] = value
    return out
