"""The rollout engine: a sans-I/O state machine that conducts one rolling upgrade.

Theory of operation
-------------------
A driver feeds events (answers from the world, operator intents, timer expiries) into
``Engine.handle(event)`` and executes the commands it returns. The engine never reads a
clock (every event carries ``at``) and never touches the world, so the same engine runs
production (adapters/ driver, asyncio) and rehearsals (sim/ driver, SimPy), and replaying a
journal of its input events into a fresh engine rebuilds exactly the same state.

The phases follow Kong's procedure (rollout.phases). Each handler reads its event and says
what it calls for: the phase is complete (``advance``: the next phase is looked up in
rollout.phases.NEXT), or hold, roll back, halt, stay. Where a handler must decide (a
preflight or smoke failure, a gate verdict, an operator's intent) it picks the move; the
table TRANSITIONS only guards, and ``handle`` raises IllegalTransition on a move it does not
list. The moves themselves (entering a phase, holding, rolling back) are in rollout.moves;
the state they change is one RunState (rollout.state), read from outside only through
read-only properties and ``snapshot()``.

In SHIFT each step sets the split,
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

from types import MappingProxyType
from typing import Mapping

from . import commands as cmd
from . import events as ev
from .describe import describe
from .gates import WindowVerdict
from .i18n import N_
from .observations import NodeProbe
from .moves import Moves
from .phases import FORWARD, FROZEN, TERMINAL, IllegalTransition, Phase, allowed
from .plan import Plan
from .snapshot import Snapshot, build_snapshot
from .state import Detection, LogEntry, RunState, TimelineEntry

P = Phase
TIMELINE_EVENTS = (ev.WeightsApplied, ev.WindowJudged, ev.StepApproved, ev.PauseRequested, ev.ResumeRequested,
                   ev.RollbackRequested, ev.HaltRequested, ev.CommandFailed, ev.Resumed)


def _read(name: str, doc: str) -> property:
    """A read-only view of one field of the engine's state."""
    return property(lambda self: getattr(self._s, name), doc=doc)


class Engine:
    """One run's state machine. Callers feed ``handle`` and read the properties or ``snapshot``;
    only the engine writes its state (rollout.state.RunState)."""

    def __init__(self, plan: Plan):
        self._s = RunState.fresh(plan)
        self._m = Moves(self._s)

    # ------------------------------------------------------------------ public API (read-only)
    plan = _read("plan", "The plan this run conducts.")
    phase = _read("phase", "Where the run is (rollout.phases.Phase).")
    paused_from = _read("paused_from", "The forward phase a resume goes back to, while PAUSED.")
    reason = _read("reason", "Why the run holds, rolled back or stopped.")
    now = _read("now", "The ``at`` of the last event handled.")
    started_at = _read("started_at", "When the run started (the RunStarted event's ``at``).")
    step = _read("step", "The index of the current step (-1 before SHIFT).")
    pending_approval = _read("pending_approval", "The step waiting for the operator's approval, if any.")
    desired = _read("desired", "The split (x, y) the engine asked for last.")
    applied = _read("applied", "The split (x, y) the load balancer last confirmed, if any.")
    bake_start = _read("bake_start", "When the current step's split was confirmed (its bake started).")
    watch_start = _read("watch_start", "When the watch after the last step started.")
    detection = _read("detection", "What first stopped the run on its own, if anything did.")
    frozen = _read("frozen", "Whether config writes are frozen.")
    x_stopped = _read("x_stopped", "Whether X has been decommissioned (a rollback starts it first).")
    waiting_for_x = _read("waiting_for_x", "Whether a rollback waits for a healthy X node.")
    log_total = _read("log_total", "Log entries ever written (``log`` keeps the last LOG_KEEP).")
    tally = _read("tally", "The count of judged windows (read it; prefer ``verdicts`` and ``totals``).")

    @property
    def log(self) -> tuple[LogEntry, ...]:
        return tuple(self._s.log)

    @property
    def timeline(self) -> tuple[TimelineEntry, ...]:
        return tuple(self._s.timeline)

    @property
    def nodes(self) -> Mapping[str, NodeProbe]:
        """Each node as last seen (a node never probed is missing)."""
        return MappingProxyType(self._s.nodes)

    @property
    def verdicts(self) -> tuple[WindowVerdict, ...]:
        return tuple(self._s.tally.verdicts)

    @property
    def totals(self) -> dict[str, int]:
        """Requests, failed, failed on Y, as the judged windows counted them."""
        return dict(self._s.tally.totals)

    @property
    def finished(self) -> bool:
        return self._s.finished

    def next_deadline(self) -> float | None:
        """When the engine next wants a TimerFired, or None."""
        return self._s.next_deadline

    def snapshot(self, now: float | None = None) -> Snapshot:
        return build_snapshot(self._s, self._s.now if now is None else now)

    def handle(self, event: ev.Event) -> list[cmd.Command]:
        """Feed one event; return the commands to execute, in order.

        The handler for the event's type does the work; the move it made is then checked
        against rollout.phases.TRANSITIONS (a move the table does not list is a bug).
        """
        before = self._s.phase
        self._s.now = event.at
        if isinstance(event, ev.Noted):
            self._m.log(event.level, event.message)
        elif not isinstance(event, ev.TimerFired) and (text := describe(event)):
            self._m.log("event", text)
        out = getattr(self, f"_on_{type(event).__name__}")(event)
        if self._s.phase not in allowed(before, event):
            raise IllegalTransition(f"{before} --{type(event).__name__}--> {self._s.phase}")
        for c in out:
            if isinstance(c, cmd.Notify):
                self._m.log(c.level, c.message)
        self._mark_timeline(before, event)
        return out

    def _mark_timeline(self, before: Phase, event: ev.Event) -> None:
        """Keep the moments a report shows: phase changes, weight changes, judged windows, operator acts."""
        if isinstance(event, ev.TimerFired) and self._s.phase == before:
            return
        if self._s.phase != before or isinstance(event, TIMELINE_EVENTS):
            y = self._s.applied[1] if self._s.applied else 0
            self._s.timeline.append(TimelineEntry(event.at, self._s.phase.value, y, describe(event)))

    # ------------------------------------------------------------------ the forward path
    def _on_RunStarted(self, e: ev.RunStarted) -> list[cmd.Command]:
        if self._s.phase != P.NEW:
            return []
        self._s.started_at = e.at
        return self._m.advance()

    def _on_PreflightChecked(self, e: ev.PreflightChecked) -> list[cmd.Command]:
        if self._s.phase != P.PREFLIGHT:
            return []
        self._s.preflight = e.results
        failed = [r for r in e.results if r.status == "fail"]
        notes = [cmd.Notify("warn", N_("preflight warning: {name}: {evidence}").format(
            name=r.name, evidence=r.evidence)) for r in e.results if r.status == "warn"]
        if failed:
            return notes + self._m.halt(N_("preflight failed: {checks}").format(
                checks="; ".join(f"{r.name}: {r.evidence}" for r in failed)),
                                       "preflight")
        return notes + self._m.advance()

    def _on_ConfigFrozen(self, e: ev.ConfigFrozen) -> list[cmd.Command]:
        if self._s.phase != P.FREEZE:
            return []
        self._s.frozen = True
        self._s.baseline_hashes.update(dict(e.hashes))
        return self._m.advance()

    def _on_ConfigBackedUp(self, e: ev.ConfigBackedUp) -> list[cmd.Command]:
        if self._s.phase != P.BACKUP:
            return []
        self._s.backups = e.backups
        return self._m.advance()

    def _on_NodesStarted(self, e: ev.NodesStarted) -> list[cmd.Command]:
        for name in e.nodes:
            self._s.nodes[name] = NodeProbe(name, reachable=True, ready=True, version=self._m.version(name))
        if self._s.phase == P.DEPLOY_Y and e.pool == "y":
            return self._m.advance()
        if self._s.phase == P.ROLLING_BACK and e.pool == "x":
            self._s.x_stopped = False
            return self._m.rollback_move()
        return []

    def _on_SmokeChecked(self, e: ev.SmokeChecked) -> list[cmd.Command]:
        if self._s.phase != P.SMOKE_Y:
            return []
        self._s.smoke = e.results
        failed = [r for r in e.results if not r.ok]
        if failed:
            return self._m.hold(N_("smoke test failed: {checks}").format(checks="; ".join(r.describe() for r in failed)), "smoke")
        notes = [] if e.results else [cmd.Notify("warn", N_("the plan has no smoke checks: Y gets traffic untested"))]
        return notes + self._m.advance()

    def _on_StepApproved(self, e: ev.StepApproved) -> list[cmd.Command]:
        if self._s.phase != P.SHIFT or self._s.pending_approval != e.step:
            return [cmd.Notify("warn", N_("nothing to approve for step {step}").format(step=e.step + 1))]
        self._s.approved.add(e.step)
        self._s.pending_approval = None
        return self._m.enter_step(e.step)

    def _on_WeightsApplied(self, e: ev.WeightsApplied) -> list[cmd.Command]:
        self._s.applied = self._s.lb_seen = (e.x, e.y)
        if self._s.phase == P.ROLLING_BACK:
            if (e.x, e.y) != (100, 0):
                return []
            return self._m.advance()
        if self._s.phase != P.SHIFT or self._s.bake_start is not None or self._s.pending_approval is not None:
            return []
        if (e.x, e.y) != self._s.desired:
            return self._m.fail(N_("load balancer applied {x}/{y}, expected {want_x}/{want_y}").format(
                x=e.x, y=e.y, want_x=self._s.desired[0], want_y=self._s.desired[1]), "lb_readback")
        self._s.bake_start = e.at
        return self._m.start_windows()

    def _on_TimerFired(self, e: ev.TimerFired) -> list[cmd.Command]:
        if self._s.deadline is None or e.at < self._s.deadline:
            return []
        if self._s.phase == P.ROLLING_BACK:
            return self._m.rollback_move()
        if self._windows_open() and self._s.window_start is not None:
            start, self._s.window_start = self._s.window_start, e.at
            self._s.deadline = e.at + self._s.plan.gates.window
            return [cmd.ProbeNodes(self._m.active_nodes()), cmd.JudgeWindow(start, e.at)]
        return []

    def _windows_open(self) -> bool:
        """Windows are judged in SHIFT and WATCH, and while paused there with Y taking traffic."""
        return self._s.phase in (P.SHIFT, P.WATCH) or (self._s.phase == P.PAUSED and self._m.watching_paused())

    def _on_WindowJudged(self, e: ev.WindowJudged) -> list[cmd.Command]:
        if self._s.phase == P.PAUSED:
            return self._judged_while_paused(e) if self._m.watching_paused() else []
        if self._s.phase not in (P.SHIFT, P.WATCH):
            return []
        verdict = self._s.tally.record(e)
        notes = [cmd.Notify("warn", N_("dry-run gate {gate} would {verdict}: {detail}").format(
            gate=r.gate, verdict=r.verdict, detail=r.detail)) for r in verdict.dry_run_failures]
        if self._s.tally.tripped:
            return notes + self._gates_tripped(verdict)
        off = self._s.tally.split_off(e, self._s.desired[1])
        if off:
            return notes + self._m.hold(off, "split")
        if self._s.phase == P.WATCH:
            if e.at >= (self._s.watch_start or 0) + self._s.plan.finish.watch and verdict.verdict not in ("fail", "hold"):
                return notes + self._m.advance()
            return notes
        return notes + self._maybe_next_step(verdict)

    def _judged_while_paused(self, e: ev.WindowJudged) -> list[cmd.Command]:
        """Paused, a window is judged and shown like any other; a failing Y still rolls back (when
        rollback is automatic). Nothing moves forward: no next step, no split hold on top of the pause."""
        verdict = self._s.tally.record(e)
        notes = [cmd.Notify("warn", N_("dry-run gate {gate} would {verdict}: {detail}").format(
            gate=r.gate, verdict=r.verdict, detail=r.detail)) for r in verdict.dry_run_failures]
        if self._s.tally.tripped and verdict.verdict == "fail":
            return notes + self._gates_tripped(verdict)
        if verdict.verdict == "fail":
            notes.append(cmd.Notify("warn", N_("paused, and the window failed: {describe}").format(describe=verdict.describe())))
        return notes

    def _gates_tripped(self, verdict: WindowVerdict) -> list[cmd.Command]:
        """Roll back when Y is charged; hold when X breaks the limit too (rolling back would not help)."""
        y = self._s.desired[1]
        if verdict.verdict == "hold":
            gates = "+".join(verdict.held_gates)
            return self._m.hold(N_("{failures} windows over a limit that X breaks too ({gates}) at {y}% on Y; the operator decides: {describe}").format(
                failures=self._s.tally.failures, gates=gates, y=y, describe=verdict.describe()), gates)
        gates = "+".join(verdict.failed_gates)
        how = N_("failed on the step's evidence") if verdict.decisive else N_("{failures} failed windows").format(
            failures=self._s.tally.failures)
        reason = N_("{how} ({join}) at {y}% on Y: {describe}").format(
            how=how, join=', '.join(verdict.failed_gates), y=y, describe=verdict.describe())
        if self._s.plan.rollback.automatic:
            return self._m.rollback(reason, gates)
        if self._s.detection is None:  # a drill: the gates caught it, the trainee decides
            self._s.detection = Detection(gates, self._s.now, y, reason)
        return [cmd.Notify("error", N_("gates failing, automatic rollback is off: {reason}").format(reason=reason))]

    def _maybe_next_step(self, verdict: WindowVerdict) -> list[cmd.Command]:
        step = self._s.plan.steps[self._s.step]
        if self._s.bake_start is None or self._s.now < self._s.bake_start + step.bake:
            return []
        if verdict.verdict != "pass":
            return [cmd.Notify("warn", N_("step {step} baked but the last window is {verdict}: holding").format(
                step=self._s.step + 1, verdict=verdict.verdict))]
        if self._s.step + 1 < len(self._s.plan.steps):
            return [cmd.Notify("info", N_("step {step} ({y}% on Y) passed").format(
                step=self._s.step + 1, y=step.y))] + self._m.enter_step(self._s.step + 1)
        return [cmd.Notify("info", N_("100% on Y passed its bake"))] + self._m.advance()

    def _on_NodesStopped(self, e: ev.NodesStopped) -> list[cmd.Command]:
        for name in e.nodes:
            self._s.nodes[name] = NodeProbe(name, reachable=False, ready=False, version=self._m.version(name), message="stopped")
        if self._s.phase != P.DECOMMISSION_X:
            return []
        self._s.x_stopped = e.pool == "x"
        return self._m.advance()

    def _on_ConfigUnfrozen(self, e: ev.ConfigUnfrozen) -> list[cmd.Command]:
        if self._s.phase != P.UNFREEZE:
            return []
        self._s.frozen = False
        return [cmd.Notify("info", N_("config writes may resume (freeze lifted)"))] + self._m.advance()

    # ------------------------------------------------------------------ what the world tells us
    def _on_NodesProbed(self, e: ev.NodesProbed) -> list[cmd.Command]:
        out: list[cmd.Command] = []
        changed = []
        for probe in e.probes:
            self._s.nodes[probe.node] = probe
            if self._s.frozen and probe.config_hash:
                base = self._s.baseline_hashes.setdefault(probe.node, probe.config_hash)
                if probe.config_hash != base:
                    changed.append(N_("{node} ({base} -> {config_hash})").format(
                        node=probe.node, base=base[:8], config_hash=probe.config_hash[:8]))
        if self._s.phase in TERMINAL:
            return out
        if self._s.phase == P.ROLLING_BACK:
            return self._m.rollback_move() if self._s.waiting_for_x and self._m.healthy("x") else out
        if self._windows_open() and self._s.desired[1] > 0 and self._m.healthy("y") == 0:
            return self._m.rollback(N_("no healthy Y node while Y takes traffic"), "node_health")
        if changed and self._s.phase in FROZEN:
            return self._m.hold(N_("configuration changed during the freeze on {nodes}: someone wrote config").format(
                nodes=", ".join(changed)),
                                "config_hash")
        return out

    def _on_CommandFailed(self, e: ev.CommandFailed) -> list[cmd.Command]:
        if self._s.phase == P.ROLLING_BACK:
            self._s.deadline = self._s.now + self._s.plan.rollback.retry
            return [cmd.Notify("error", N_("rollback step failed, retrying: {error}").format(error=e.error))]
        if self._s.phase in TERMINAL or self._s.phase == P.PAUSED:
            return [cmd.Notify("warn", N_("{command} failed: {error}").format(command=e.command, error=e.error))]
        cause = "readiness" if e.command == "StartNodes" else f"command:{e.command}"
        return self._m.fail(N_("{command} failed: {error}").format(command=e.command, error=e.error), cause)

    # ------------------------------------------------------------------ the operator
    def _on_PauseRequested(self, e: ev.PauseRequested) -> list[cmd.Command]:
        if self._s.phase not in FORWARD:
            return [cmd.Notify("warn", N_("cannot pause while {phase}").format(phase=self._s.phase))]
        return self._m.hold(N_("paused by {reason}").format(reason=e.reason))

    def _on_ResumeRequested(self, e: ev.ResumeRequested) -> list[cmd.Command]:
        if self._s.phase != P.PAUSED or self._s.paused_from is None:
            return [cmd.Notify("warn", N_("nothing to resume while {phase}").format(phase=self._s.phase))]
        target, self._s.paused_from = self._s.paused_from, None
        self._s.reason = ""
        return [cmd.Notify("info", f"resuming {target}")] + self._m.enter(target)

    def _on_RollbackRequested(self, e: ev.RollbackRequested) -> list[cmd.Command]:
        if self._s.phase in TERMINAL or self._s.phase == P.NEW:
            return [cmd.Notify("warn", N_("nothing to roll back while {phase}").format(phase=self._s.phase))]
        if self._s.phase == P.ROLLING_BACK:
            return self._m.rollback_move()
        return self._m.rollback(N_("requested by {reason}").format(reason=e.reason))

    def _on_HaltRequested(self, e: ev.HaltRequested) -> list[cmd.Command]:
        if self._s.phase in TERMINAL or self._s.phase == P.NEW:
            return []
        return self._m.halt(N_("halted by {reason}; traffic left at {x}/{y}").format(
            reason=e.reason, x=self._s.desired[0], y=self._s.desired[1]))

    def _on_Noted(self, e: ev.Noted) -> list[cmd.Command]:
        return []  # logged by handle(); a note never moves the run

    def _on_Resumed(self, e: ev.Resumed) -> list[cmd.Command]:
        """After a restart: reconcile with what the LB really has, then redo the current phase's move."""
        out: list[cmd.Command] = []
        if e.x is not None and e.y is not None:
            self._s.lb_seen = (e.x, e.y)
            if self._s.applied is not None and self._s.applied != (e.x, e.y):
                out.append(cmd.Notify("warn", N_("after restart the load balancer has {x}/{y}, the journal says {journal_x}/{journal_y}").format(
                    
                    x=e.x, y=e.y, journal_x=self._s.applied[0], journal_y=self._s.applied[1])))
            self._s.applied = (e.x, e.y)
        if self._s.phase == P.ROLLING_BACK:
            return out + self._m.rollback_move()
        if self._s.phase in FORWARD:
            return out + [cmd.Notify("info", N_("resumed after restart in {phase}").format(
                phase=self._s.phase))] + self._m.enter(self._s.phase)
        return out + [cmd.Notify("info", N_("resumed after restart: {phase}").format(phase=self._s.phase))]
