"""The simulated world: nodes, load balancer, traffic and metrics wired into rollout's ports.

``SimWorld`` owns the node lifecycle (start-up time, crashes, OOM kills, config writes) as
SimPy processes, and the faults of the scenario. Before any change that moves traffic it
lets the fast mode catch up (``traffic.advance_to(now)``), so every tick is computed with
the state that held then. Random numbers come from independent streams spawned from
one SeedSequence: traffic (arrivals, routing), latency, errors, faults (start-up jitter),
measure (how the plan's metrics source reads the traffic: sim/measure.py), draws (a ranged
fault's values: sim/ranges.py) and slow (requests over the SLO, in the fast mode).
Nothing here prints: the session and the report decide what the operator sees.
"""

from __future__ import annotations

import numpy as np
import simpy

from rollout.i18n import N_
from rollout.plan import Plan
from rollout.ports import World

from .balancer import SimBalancer
from .driver import SimRuntime
from .exact import ExactTraffic
from .kong_model import SimControlPlane, SimFleet, SimKong, config_hash
from .measure import build_measurement
from .metrics import SimMetrics, TickLog
from .nodes import NodeTable, SimNode
from .scenario import (BackupUnreadableFault, ConfigWriteFault, CpSyncFault, CrashFault, KeyAuthChangeFault,
                       LbIgnoresWeightsFault, MemoryLeakFault, PluginMissingFault, Scenario, SmokeFailFault, XCapacityFault)
from .traffic import FluidTraffic

STREAMS = ("traffic", "latency", "errors", "faults", "measure", "draws", "slow")  # a stream added last leaves the others' draws as they were


def streams(seed: int | np.random.SeedSequence) -> dict[str, np.random.Generator]:
    """One generator per stream: child i of the seed, as ``SeedSequence.spawn`` numbers them,
    derived without spawning, so reading the streams twice (the draws before the world is
    built, the world itself) gives the same numbers both times."""
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return {name: np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,),
                                                               pool_size=root.pool_size))
            for i, name in enumerate(STREAMS)}


class SimWorld:
    def __init__(self, plan: Plan, scenario: Scenario, env: simpy.Environment, seed, exact: bool = False,
                 horizon: int = 3600, run_dir: str = "."):
        if scenario.ranged():  # a programming error: the session draws each run's faults (sim/ranges.py)
            raise ValueError("a ranged scenario must be drawn for its run first (sim.ranges.draw)")
        self.plan = plan
        self.scenario = scenario
        self.env = env
        self.rng = streams(seed)
        self.runtime = SimRuntime(env)
        self.table = NodeTable.build(plan, scenario)
        self.crash_armed: dict[int, bool] = {}  # node index -> restart after the crash
        propagation = scenario.load_balancer.propagation
        if propagation is None:
            propagation = plan.load_balancer.propagation if plan.load_balancer.type == "sim" else 1.0
        ignores = next((f for f in scenario.faults if isinstance(f, LbIgnoresWeightsFault)), None)
        lb_spec = scenario.load_balancer
        self.lb = SimBalancer(self.table, self.runtime, propagation, lb_spec.health_check, lb_spec.sticky,
                              lb_spec.sticky_ttl, ignores, self.catch_up)
        self.log = TickLog(self.table, self.rng["latency"], exact=exact, horizon=horizon,
                           slo_ms=scenario.slo(plan), slow_rng=self.rng["slow"])
        parts = (scenario.traffic, self.table, self.lb, self.log, self.rng)
        self.traffic = ExactTraffic(env, *parts) if exact else FluidTraffic(*parts)
        self.measurement = build_measurement(plan, scenario, self.log, self.rng["measure"])
        metrics = SimMetrics(self.log, self.traffic, self.measurement)
        self.ports = World(plan, self.runtime, SimKong(self), self.lb, metrics, SimFleet(self),
                           SimControlPlane(self) if plan.data_planes else None, run_dir,
                           capacity_hint=self._capacity_hint())
        self.notes: list[tuple[float, str]] = []  # what the world did on its own, for the timeline
        if self.measurement.note:
            self.notes.append((0.0, self.measurement.note))
        self._initial_states()
        self._schedule_faults()

    def _initial_states(self) -> None:
        """X serves. Y is deployed beside it at weight 0, unless the plan starts Y itself (provision.start_y)."""
        for node in self.table.nodes:
            if node.pool == "y" and self.plan.provision.start_y is not None:
                node.state, node.message = "down", "not deployed yet (provision.start_y starts it in deploy Y)"
            else:
                self._configure(node)
            if node.pool == "x":
                self.table.warm_from[node.index] = -np.inf  # X has served for long: warm; Y has served nothing yet
        self.lb.rotation[:] = self.table.serving()  # the LB has known these nodes for long

    def catch_up(self) -> None:
        self.traffic.advance_to(self.env.now)

    # ------------------------------------------------------------------ node lifecycle
    def set_state(self, index: int, state: str, message: str = "") -> None:
        node = self.table.nodes[index]
        was = node.state == "ready"
        self.catch_up()
        node.state, node.message = state, message
        self.table.epoch += 1
        now_ready = state == "ready"
        if now_ready and not was:
            node.ready_since = self.env.now
            self.table.warm_from[index] = np.inf  # cold until its first request (scenario nodes.warmup)
            self._on_ready(node)
        elif not now_ready:
            node.ready_since = None
        if was != now_ready:
            self.env.process(self.lb.node_changed(index, now_ready))

    def start(self, index: int) -> None:
        node = self.table.nodes[index]
        if node.state in ("ready", "starting"):
            return  # found running
        self.set_state(index, "starting")
        jitter = float(self.rng["faults"].uniform(0.9, 1.1))
        self.env.process(self._boot(node, self.scenario.nodes.start_s * jitter))

    def _boot(self, node: SimNode, seconds: float):
        yield self.env.timeout(seconds)
        if node.state == "starting":
            self._configure(node)

    def _configure(self, node: SimNode) -> None:
        """The node loads its config and becomes ready, unless the CP refuses it (hybrid cp_sync fault)."""
        refused = self._sync_refusal(node)
        if refused is not None:
            node.state, node.sync_status = "installed", refused.status
            node.message = f"no configuration available (configuration hash is not initialized); sync_status {refused.status}"
            return  # a DP the CP refuses never gets config, so it never becomes ready
        node.config_hash = config_hash(self._config_source(node), self.plan.name, node.generation)
        node.sync_status = "normal" if self.plan.data_planes else ""
        self.set_state(node.index, "ready")

    def _on_ready(self, node: SimNode) -> None:
        if node.index in self.crash_armed:
            self.env.process(self._crash_later(node, 0.0, self.crash_armed.pop(node.index)))
        oom = self.table.oom_time(node)
        if oom is not None:
            self.env.process(self._oom(node, node.ready_since, oom))

    def crash(self, node: SimNode, restart: bool, why: str, said: str) -> None:
        """``why`` goes into the node's own message (as Kong's would read); ``said`` is the timeline's
        marked template for it (``{node} crashed``), so the rehearsal's log says it in the reader's language."""
        note = said.format(node=node.name)
        self.notes.append((self.env.now, N_("{note}; its supervisor restarts it").format(note=note) if restart else note))
        self.set_state(node.index, "down", f"connection refused ({why})")
        if restart:
            self.start(node.index)

    def _crash_later(self, node: SimNode, delay: float, restart: bool):
        yield self.env.timeout(delay)
        if node.state == "ready":
            self.crash(node, restart, "crashed", N_("{node} crashed"))

    def _oom(self, node: SimNode, since: float, at: float):
        yield self.env.timeout(max(0.0, at - self.env.now))
        if node.state == "ready" and node.ready_since == since:
            self.crash(node, True, "was OOM-killed (memory leak)", N_("{node} was OOM-killed (memory leak)"))

    # ------------------------------------------------------------------ faults
    def _schedule_faults(self) -> None:
        for fault in self.scenario.faults:
            self._schedule(fault)

    def _schedule(self, fault) -> None:
        """Start a fault's own process; physics faults live in the node table (a memory leak's OOM
        kill is scheduled when a node becomes ready), the rest are read where they act."""
        if isinstance(fault, CrashFault):
            self.env.process(self._crash_fault(fault))
        elif isinstance(fault, ConfigWriteFault):
            self.env.process(self._config_write(fault))

    def inject(self, fault) -> None:
        """A fault that joins the world while it runs (a drill times its faults from a phase's start).
        Its own times are absolute; traffic up to now is computed first, without it."""
        if isinstance(fault, (LbIgnoresWeightsFault, XCapacityFault)):
            raise ValueError(f"{fault.kind} shapes the world from its start: give it in the scenario")
        self.catch_up()
        self.scenario = self.scenario.model_copy(update={"faults": [*self.scenario.faults, fault]})
        self.table.add_fault(fault)
        self._schedule(fault)
        if isinstance(fault, MemoryLeakFault):  # nodes already up start leaking now: their OOM kill is due
            for node in self.table.targets(fault, "y"):
                oom = self.table.oom_time(node)
                if node.state == "ready" and oom is not None:
                    self.env.process(self._oom(node, node.ready_since, oom))

    def _capacity_hint(self) -> dict | None:
        """With X too small (x_capacity), preflight gets the worksheet an operator would pass
        (``turnout preflight --peak-rps --node-rps``): the peak and what one X node carries."""
        small = next((f for f in self.scenario.faults if isinstance(f, XCapacityFault)), None)
        if small is None:
            return None
        traffic = self.scenario.traffic
        peak = traffic.rps * (1 + traffic.amplitude if traffic.shape == "diurnal" else
                              traffic.burst_factor if traffic.shape == "bursts" else 1.0)
        return {"peak_rps": peak, "node_rps": self.scenario.nodes.capacity_rps * small.factor}

    def backup_unreadable(self, node: SimNode) -> bool:
        return any(isinstance(f, BackupUnreadableFault) and node in self.table.targets(f, "x") for f in self.scenario.faults)

    def missing_plugins(self, node: SimNode) -> set[str]:
        return {f.plugin for f in self.scenario.faults if isinstance(f, PluginMissingFault) and node in self.table.targets(f, "y")}

    def key_auth_change(self, node: SimNode) -> KeyAuthChangeFault | None:
        return next((f for f in self.scenario.faults if isinstance(f, KeyAuthChangeFault) and node in self.table.targets(f, "y")), None)

    def _crash_fault(self, fault: CrashFault):
        yield self.env.timeout(max(0.0, fault.at - self.env.now))  # ``at`` is absolute (a drill injects it later)
        for node in self.table.targets(fault, "y"):
            if node.state == "ready":
                self.crash(node, fault.restart, "crashed", N_("{node} crashed"))
            else:
                self.crash_armed[node.index] = fault.restart

    def _config_source(self, node: SimNode) -> str:
        """Whose config bytes a node holds: its pool's kong.yml, or with Konnect the control plane's,
        pushed alike to X and Y (the smoke checks Y's hash against X's)."""
        return "konnect" if self.plan.mode == "konnect" else node.pool

    def _config_write(self, fault: ConfigWriteFault):
        yield self.env.timeout(max(0.0, fault.at - self.env.now))
        targets = self.table.targets(fault, "y") if (fault.node or fault.pool) else self.table.nodes
        written = []
        for node in targets:
            node.generation += 1
            if node.state in ("ready", "starting", "installed") and node.config_hash != "0" * 32:
                node.config_hash = config_hash(self._config_source(node), self.plan.name, node.generation)
                written.append(node.name)
        said = N_("someone wrote config (POST /config) to {nodes}").format(nodes=", ".join(written)) if written else \
            N_("someone wrote config (POST /config) to no running node")
        self.notes.append((self.env.now, said))

    def _sync_refusal(self, node: SimNode) -> CpSyncFault | None:
        for fault in self.scenario.faults:
            if isinstance(fault, CpSyncFault) and node in self.table.targets(fault, "y"):
                return fault
        return None

    def smoke_failure(self, node: SimNode, check: str) -> SmokeFailFault | None:
        for fault in self.scenario.faults:
            if isinstance(fault, SmokeFailFault) and node in self.table.targets(fault, "y"):
                if (fault.check or (self.plan.smoke[0].name if self.plan.smoke else None)) == check:
                    return fault
        return None
