"""The rollout engine: a sans-I/O state machine that conducts one rolling upgrade.

Theory of operation
-------------------
A driver feeds events (answers from the world, operator intents, timer expiries) into
``Engine.handle(event)`` and executes the commands it returns. The engine never reads a
clock (every event carries ``at``) and never touches the world, so the same engine runs
production (adapters/ driver, asyncio) and rehearsals (sim/ driver, SimPy), and replaying a
journal of its input events into a fresh engine rebuilds exactly the same state.

The phases follow Kong's procedure (rollout.phases). In SHIFT each step sets the split,
then bakes: every ``gates.window`` seconds the engine asks for a window to be judged; a
step is done when its bake time has passed and the latest window passed. Consecutive
failed windows beyond ``failures_to_rollback`` roll back (or, with automatic rollback off,
hold the step and warn: the operator decides). Safety rules enforced here:

- weights always sum to 100 (SetWeights refuses anything else);
- rollback is legal from every non-terminal phase, and its first command sends 100% to X
  (when X has been decommissioned, X is started again first, because traffic never goes
  to a pool with no healthy node);
- a failed command never pushes forward: the engine holds (PAUSED) or rolls back, by the plan;
- while config writes are frozen, a node whose configuration_hash changes holds the rollout.
"""

from __future__ import annotations

from . import commands as cmd
from . import events as ev
from .describe import describe
from .gates import WindowVerdict
from .observations import NodeProbe
from .phases import FORWARD, FROZEN, TERMINAL, Phase, allowed
from .plan import Plan
from .snapshot import Detection, LogEntry, Snapshot, TimelineEntry, build_snapshot
from .tally import Tally

P = Phase
LOG_KEEP = 500
TIMELINE_EVENTS = (ev.WeightsApplied, ev.WindowJudged, ev.StepApproved, ev.PauseRequested, ev.ResumeRequested,
                   ev.RollbackRequested, ev.HaltRequested, ev.CommandFailed, ev.Resumed)


class IllegalTransition(AssertionError):
    """A programming error: the engine moved in a way rollout.phases does not allow."""


class Engine:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.phase = P.NEW
        self.paused_from: Phase | None = None
        self.reason = ""
        self.now = 0.0
        self.started_at: float | None = None
        self.step = -1
        self.approved: set[int] = set()
        self.pending_approval: int | None = None
        self.desired = (100, 0)
        self.applied: tuple[int, int] | None = None
        self.lb_seen: tuple[int, int] | None = None
        self.bake_start: float | None = None
        self.window_start: float | None = None
        self.watch_start: float | None = None
        self.deadline: float | None = None
        self.tally = Tally(plan.gates)
        self.nodes: dict[str, NodeProbe] = {}
        self.baseline_hashes: dict[str, str] = {}
        self.frozen = False
        self.x_stopped = False
        self.results: dict[str, tuple] = {"preflight": (), "backups": (), "smoke": ()}
        self.log: list[LogEntry] = []
        self.log_total = 0  # entries ever logged (the list keeps the last LOG_KEEP)
        self.detection: Detection | None = None
        self.waiting_for_x = False
        self.timeline: list[TimelineEntry] = []

    # ------------------------------------------------------------------ public API
    @property
    def finished(self) -> bool:
        return self.phase in TERMINAL

    def next_deadline(self) -> float | None:
        """When the engine next wants a TimerFired, or None."""
        return None if self.finished else self.deadline

    def snapshot(self, now: float | None = None) -> Snapshot:
        return build_snapshot(self, self.now if now is None else now)

    def handle(self, event: ev.Event) -> list[cmd.Command]:
        """Feed one event; return the commands to execute, in order."""
        before = self.phase
        self.now = event.at
        if isinstance(event, ev.Noted):
            self._log(event.level, event.message)
        elif not isinstance(event, ev.TimerFired) and (text := describe(event)):
            self._log("event", text)
        out = getattr(self, f"_on_{type(event).__name__}")(event)
        if self.phase not in allowed(before, event):
            raise IllegalTransition(f"{before} --{type(event).__name__}--> {self.phase}")
        for c in out:
            if isinstance(c, cmd.Notify):
                self._log(c.level, c.message)
        self._mark_timeline(before, event)
        return out

    def _mark_timeline(self, before: Phase, event: ev.Event) -> None:
        """Keep the moments a report shows: phase changes, weight changes, judged windows, operator acts."""
        if isinstance(event, ev.TimerFired) and self.phase == before:
            return
        if self.phase != before or isinstance(event, TIMELINE_EVENTS):
            y = self.applied[1] if self.applied else 0
            self.timeline.append(TimelineEntry(event.at, self.phase.value, y, describe(event)))

    # ------------------------------------------------------------------ helpers
    def _log(self, level: str, message: str) -> None:
        self.log.append(LogEntry(self.now, self.phase.value, level, message))
        self.log_total += 1
        del self.log[:-LOG_KEEP]

    def _names(self, pool: str) -> tuple[str, ...]:
        return getattr(self.plan.pools, pool).names

    def _healthy(self, pool: str) -> int:
        """Healthy nodes of a pool; a node never probed counts as healthy until told otherwise."""
        return sum(1 for n in self._names(pool) if self.nodes.get(n) is None or self.nodes[n].ready)

    def _unhealthy(self) -> tuple[str, ...]:
        return tuple(n for n, p in self.nodes.items() if not p.ready)

    def _goto(self, phase: Phase, reason: str = "") -> None:
        self.phase = phase
        if reason:
            self.reason = reason

    def _detected(self, cause: str | None) -> None:
        """Remember the first time the run stopped going forward on its own: what caught the trouble."""
        if cause and self.detection is None and self.phase in FORWARD:
            y = self.applied[1] if self.applied else 0
            self.detection = Detection(cause, self.now, y, self.reason)

    def _hold(self, reason: str, cause: str | None = None) -> list[cmd.Command]:
        """Pause where we are: nothing moves until the operator resumes or rolls back."""
        if self.phase not in FORWARD:
            return [cmd.Notify("warn", reason)]
        self.reason = reason
        self._detected(cause)
        self.paused_from = self.phase
        self._goto(P.PAUSED)
        self.deadline = None
        return [cmd.Notify("warn", f"holding: {reason}")]

    def _fail(self, reason: str, cause: str) -> list[cmd.Command]:
        """A command failed: hold, or roll back when the plan says so and traffic has moved."""
        moved = self.applied is not None and self.applied[1] > 0
        if self.plan.rollback.on_command_failure == "rollback" and moved:
            return self._rollback(reason, cause)
        return self._hold(reason, cause)

    def _rollback(self, reason: str, cause: str | None = None) -> list[cmd.Command]:
        self.reason = reason
        self._detected(cause)
        self._goto(P.ROLLING_BACK)
        self.paused_from = None
        self.pending_approval = None
        self.desired = (100, 0)
        return self._rollback_move()

    def _rollback_move(self) -> list[cmd.Command]:
        self.deadline = self.now + self.plan.rollback.retry
        note = cmd.Notify("error", f"rolling back: {self.reason}")
        if self.x_stopped:
            return [cmd.StartNodes("x", self._names("x")), note]
        self.waiting_for_x = self._healthy("x") == 0
        if self.waiting_for_x:
            return [cmd.ProbeNodes(self._names("x")), cmd.Notify("error", "rollback waits: no healthy X node to send traffic to")]
        return [cmd.SetWeights(100, 0, self._unhealthy()), note]

    def _enter(self, phase: Phase) -> list[cmd.Command]:
        """Enter a forward phase and return its first commands (also used to resume and retry)."""
        self._goto(phase)
        self.deadline = None
        if phase == P.PREFLIGHT:
            return [cmd.RunPreflight()]
        if phase == P.FREEZE:
            return [cmd.FreezeConfig()]
        if phase == P.BACKUP:
            return [cmd.BackupConfig()]
        if phase == P.DEPLOY_Y:
            return [cmd.StartNodes("y", self._names("y"))]
        if phase == P.SMOKE_Y:
            return [cmd.RunSmoke(self._names("y"))]
        if phase == P.SHIFT:
            return self._enter_step(max(self.step, 0))
        if phase == P.DECOMMISSION_X:
            if not self.plan.finish.decommission_x:
                return [cmd.Notify("info", "X is kept running (finish.decommission_x is false)")] + self._enter(P.UNFREEZE)
            return [cmd.StopNodes("x", self._names("x"))]
        if phase == P.UNFREEZE:
            return [cmd.UnfreezeConfig()]
        if phase == P.WATCH:
            self.watch_start = self.now
            if self.plan.finish.watch <= 0:
                return self._done()
            return self._start_windows()
        raise IllegalTransition(f"cannot enter {phase}")

    def _enter_step(self, index: int) -> list[cmd.Command]:
        self.step = index
        step = self.plan.steps[index]
        self.bake_start = self.window_start = None
        self.deadline = None
        self.tally.new_step()
        if step.approve and index not in self.approved:
            self.pending_approval = index
            out = [cmd.AskApproval(index, step.y), cmd.Notify("info", f"step {index + 1}: approve to send {step.y}% to Y")]
            # Y keeps its share while the operator thinks: the gates keep judging it (and roll back).
            return out + (self._start_windows() if self.applied and self.applied[1] > 0 else [])
        if step.y > 0 and self._healthy("y") == 0:
            return self._hold(f"step {index + 1}: no healthy Y node to send {step.y}% to", "node_health")
        self.desired = (100 - step.y, step.y)
        return [cmd.SetWeights(*self.desired, self._unhealthy())]

    def _start_windows(self) -> list[cmd.Command]:
        self.window_start = self.now
        self.deadline = self.now + self.plan.gates.window
        return []

    def _done(self) -> list[cmd.Command]:
        self._goto(P.DONE, "completed")
        self.deadline = None
        return [cmd.Notify("info", f"done: 100% on Y {self.plan.pools.y.version}; keep watching the metrics")]

    # ------------------------------------------------------------------ the forward path
    def _on_RunStarted(self, e: ev.RunStarted) -> list[cmd.Command]:
        if self.phase != P.NEW:
            return []
        self.started_at = e.at
        return self._enter(P.PREFLIGHT)

    def _on_PreflightChecked(self, e: ev.PreflightChecked) -> list[cmd.Command]:
        if self.phase != P.PREFLIGHT:
            return []
        self.results["preflight"] = e.results
        failed = [r for r in e.results if r.status == "fail"]
        notes = [cmd.Notify("warn", f"preflight warning: {r.name}: {r.evidence}") for r in e.results if r.status == "warn"]
        if failed:
            self.reason = "preflight failed: " + "; ".join(f"{r.name}: {r.evidence}" for r in failed)
            self._detected("preflight")
            self._goto(P.HALTED)
            return notes + [cmd.Notify("error", self.reason)]
        return notes + self._enter(P.FREEZE)

    def _on_ConfigFrozen(self, e: ev.ConfigFrozen) -> list[cmd.Command]:
        if self.phase != P.FREEZE:
            return []
        self.frozen = True
        self.baseline_hashes.update(dict(e.hashes))
        return self._enter(P.BACKUP)

    def _on_ConfigBackedUp(self, e: ev.ConfigBackedUp) -> list[cmd.Command]:
        if self.phase != P.BACKUP:
            return []
        self.results["backups"] = e.backups
        return self._enter(P.DEPLOY_Y)

    def _on_NodesStarted(self, e: ev.NodesStarted) -> list[cmd.Command]:
        for name in e.nodes:
            self.nodes[name] = NodeProbe(name, reachable=True, ready=True, version=self._version(name))
        if self.phase == P.DEPLOY_Y and e.pool == "y":
            return self._enter(P.SMOKE_Y)
        if self.phase == P.ROLLING_BACK and e.pool == "x":
            self.x_stopped = False
            return self._rollback_move()
        return []

    def _version(self, name: str) -> str:
        return self.plan.pools.x.version if name in self._names("x") else self.plan.pools.y.version

    def _on_SmokeChecked(self, e: ev.SmokeChecked) -> list[cmd.Command]:
        if self.phase != P.SMOKE_Y:
            return []
        self.results["smoke"] = e.results
        failed = [r for r in e.results if not r.ok]
        if failed:
            return self._hold("smoke test failed: " + "; ".join(r.describe() for r in failed), "smoke")
        notes = [] if e.results else [cmd.Notify("warn", "the plan has no smoke checks: Y gets traffic untested")]
        return notes + self._enter(P.SHIFT)

    def _on_StepApproved(self, e: ev.StepApproved) -> list[cmd.Command]:
        if self.phase != P.SHIFT or self.pending_approval != e.step:
            return [cmd.Notify("warn", f"nothing to approve for step {e.step + 1}")]
        self.approved.add(e.step)
        self.pending_approval = None
        return self._enter_step(e.step)

    def _on_WeightsApplied(self, e: ev.WeightsApplied) -> list[cmd.Command]:
        self.applied = self.lb_seen = (e.x, e.y)
        if self.phase == P.ROLLING_BACK:
            if (e.x, e.y) != (100, 0):
                return []
            self._goto(P.ROLLED_BACK)
            self.deadline = None
            return [cmd.Notify("error", f"rolled back: 100% on X {self.plan.pools.x.version} ({self.reason})")]
        if self.phase != P.SHIFT or self.bake_start is not None or self.pending_approval is not None:
            return []
        if (e.x, e.y) != self.desired:
            return self._fail(f"load balancer applied {e.x}/{e.y}, expected {self.desired[0]}/{self.desired[1]}", "lb_readback")
        self.bake_start = e.at
        return self._start_windows()

    def _on_TimerFired(self, e: ev.TimerFired) -> list[cmd.Command]:
        if self.deadline is None or e.at < self.deadline:
            return []
        if self.phase == P.ROLLING_BACK:
            return self._rollback_move()
        if self.phase in (P.SHIFT, P.WATCH) and self.window_start is not None:
            start, self.window_start = self.window_start, e.at
            self.deadline = e.at + self.plan.gates.window
            return [cmd.ProbeNodes(self._active_nodes()), cmd.JudgeWindow(start, e.at)]
        return []

    def _active_nodes(self) -> tuple[str, ...]:
        x = () if self.x_stopped else self._names("x")
        return x + self._names("y")

    def _on_WindowJudged(self, e: ev.WindowJudged) -> list[cmd.Command]:
        if self.phase not in (P.SHIFT, P.WATCH):
            return []
        verdict = self.tally.record(e)
        if self.tally.tripped:
            reason = f"{self.tally.failures} failed windows ({', '.join(verdict.failed_gates)}) at {self.desired[1]}% on Y: {verdict.describe()}"
            if self.plan.rollback.automatic:
                return self._rollback(reason, "+".join(verdict.failed_gates))
            if self.detection is None:  # a drill: the gates caught it, the trainee decides
                self.detection = Detection("+".join(verdict.failed_gates), self.now, self.desired[1], reason)
            return [cmd.Notify("error", f"gates failing, automatic rollback is off: {reason}")]
        off = self.tally.split_off(e, self.desired[1])
        if off:
            return self._hold(off, "split")
        if self.phase == P.WATCH:
            if e.at >= (self.watch_start or 0) + self.plan.finish.watch and verdict.verdict != "fail":
                return self._done()
            return []
        return self._maybe_next_step(verdict)

    def _maybe_next_step(self, verdict: WindowVerdict) -> list[cmd.Command]:
        step = self.plan.steps[self.step]
        if self.bake_start is None or self.now < self.bake_start + step.bake:
            return []
        if verdict.verdict != "pass":
            return [cmd.Notify("warn", f"step {self.step + 1} baked but the last window is {verdict.verdict}: holding")]
        if self.step + 1 < len(self.plan.steps):
            return [cmd.Notify("info", f"step {self.step + 1} ({step.y}% on Y) passed")] + self._enter_step(self.step + 1)
        return [cmd.Notify("info", "100% on Y passed its bake")] + self._enter(P.DECOMMISSION_X)

    def _on_NodesStopped(self, e: ev.NodesStopped) -> list[cmd.Command]:
        for name in e.nodes:
            self.nodes[name] = NodeProbe(name, reachable=False, ready=False, version=self._version(name), message="stopped")
        if self.phase != P.DECOMMISSION_X:
            return []
        self.x_stopped = e.pool == "x"
        return self._enter(P.UNFREEZE)

    def _on_ConfigUnfrozen(self, e: ev.ConfigUnfrozen) -> list[cmd.Command]:
        if self.phase != P.UNFREEZE:
            return []
        self.frozen = False
        return [cmd.Notify("info", "config writes may resume (freeze lifted)")] + self._enter(P.WATCH)

    # ------------------------------------------------------------------ what the world tells us
    def _on_NodesProbed(self, e: ev.NodesProbed) -> list[cmd.Command]:
        out: list[cmd.Command] = []
        changed = []
        for probe in e.probes:
            self.nodes[probe.node] = probe
            if self.frozen and probe.config_hash:
                base = self.baseline_hashes.setdefault(probe.node, probe.config_hash)
                if probe.config_hash != base:
                    changed.append(f"{probe.node} ({base[:8]} -> {probe.config_hash[:8]})")
        if self.phase in TERMINAL:
            return out
        if self.phase == P.ROLLING_BACK:
            return self._rollback_move() if self.waiting_for_x and self._healthy("x") else out
        if self.phase in (P.SHIFT, P.WATCH) and self.desired[1] > 0 and self._healthy("y") == 0:
            return self._rollback("no healthy Y node while Y takes traffic", "node_health")
        if changed and self.phase in FROZEN:
            return self._hold("configuration changed during the freeze on " + ", ".join(changed) + ": someone wrote config", "config_hash")
        return out

    def _on_CommandFailed(self, e: ev.CommandFailed) -> list[cmd.Command]:
        if self.phase == P.ROLLING_BACK:
            self.deadline = self.now + self.plan.rollback.retry
            return [cmd.Notify("error", f"rollback step failed, retrying: {e.error}")]
        if self.phase in TERMINAL or self.phase == P.PAUSED:
            return [cmd.Notify("warn", f"{e.command} failed: {e.error}")]
        cause = "readiness" if e.command == "StartNodes" else f"command:{e.command}"
        return self._fail(f"{e.command} failed: {e.error}", cause)

    # ------------------------------------------------------------------ the operator
    def _on_PauseRequested(self, e: ev.PauseRequested) -> list[cmd.Command]:
        if self.phase not in FORWARD:
            return [cmd.Notify("warn", f"cannot pause while {self.phase}")]
        return self._hold(f"paused by {e.reason}")

    def _on_ResumeRequested(self, e: ev.ResumeRequested) -> list[cmd.Command]:
        if self.phase != P.PAUSED or self.paused_from is None:
            return [cmd.Notify("warn", f"nothing to resume while {self.phase}")]
        target, self.paused_from = self.paused_from, None
        self.reason = ""
        return [cmd.Notify("info", f"resuming {target}")] + self._enter(target)

    def _on_RollbackRequested(self, e: ev.RollbackRequested) -> list[cmd.Command]:
        if self.phase in TERMINAL or self.phase == P.NEW:
            return [cmd.Notify("warn", f"nothing to roll back while {self.phase}")]
        if self.phase == P.ROLLING_BACK:
            return self._rollback_move()
        return self._rollback(f"requested by {e.reason}")

    def _on_HaltRequested(self, e: ev.HaltRequested) -> list[cmd.Command]:
        if self.phase in TERMINAL or self.phase == P.NEW:
            return []
        self._goto(P.HALTED, f"halted by {e.reason}; traffic left at {self.desired[0]}/{self.desired[1]}")
        self.deadline = None
        return [cmd.Notify("error", self.reason)]

    def _on_Noted(self, e: ev.Noted) -> list[cmd.Command]:
        return []  # logged by handle(); a note never moves the run

    def _on_Resumed(self, e: ev.Resumed) -> list[cmd.Command]:
        """After a restart: reconcile with what the LB really has, then redo the current phase's move."""
        out: list[cmd.Command] = []
        if e.x is not None and e.y is not None:
            self.lb_seen = (e.x, e.y)
            if self.applied is not None and self.applied != (e.x, e.y):
                out.append(cmd.Notify("warn", f"after restart the load balancer has {e.x}/{e.y}, the journal says {self.applied[0]}/{self.applied[1]}"))
            self.applied = (e.x, e.y)
        if self.phase == P.ROLLING_BACK:
            return out + self._rollback_move()
        if self.phase in FORWARD:
            return out + [cmd.Notify("info", f"resumed after restart in {self.phase}")] + self._enter(self.phase)
        return out + [cmd.Notify("info", f"resumed after restart: {self.phase}")]
