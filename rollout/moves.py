"""The engine's moves: what entering a phase, holding and rolling back do to the run's state,
and the commands each move starts with. Pure, like the engine.

rollout.engine decides which move an event calls for (its handlers read the event); the
moves carry it out on the state (rollout.state.RunState). Which phase follows a completed
one is looked up in rollout.phases.NEXT by ``advance``, never named here or in a handler.
"""

from __future__ import annotations

from . import commands as cmd
from .i18n import N_
from .phases import FORWARD, IllegalTransition, Phase, next_phase
from .state import Detection, LogEntry, RunState

P = Phase
LOG_KEEP = 500


class Moves:
    """The engine's hands on its state; the engine is its only user."""

    def __init__(self, state: RunState):
        self.s = state

    def log(self, level: str, message: str) -> None:
        self.s.log.append(LogEntry(self.s.now, self.s.phase.value, level, message))
        self.s.log_total += 1
        del self.s.log[:-LOG_KEEP]

    def names(self, pool: str) -> tuple[str, ...]:
        return getattr(self.s.plan.pools, pool).names

    def healthy(self, pool: str) -> int:
        """Healthy nodes of a pool; a node never probed counts as healthy until told otherwise."""
        return sum(1 for n in self.names(pool) if self.s.nodes.get(n) is None or self.s.nodes[n].ready)

    def unhealthy(self) -> tuple[str, ...]:
        return tuple(n for n, p in self.s.nodes.items() if not p.ready)

    def goto(self, phase: Phase, reason: str = "") -> None:
        self.s.phase = phase
        if reason:
            self.s.reason = reason

    def detected(self, cause: str | None) -> None:
        """Remember the first time the run stopped going forward on its own: what caught the trouble."""
        if cause and self.s.detection is None and (self.s.phase in FORWARD or self.s.phase == P.PAUSED):
            y = self.s.applied[1] if self.s.applied else 0
            self.s.detection = Detection(cause, self.s.now, y, self.s.reason)

    def hold(self, reason: str, cause: str | None = None) -> list[cmd.Command]:
        """Pause where we are: nothing moves until the operator resumes or rolls back."""
        if self.s.phase not in FORWARD:
            return [cmd.Notify("warn", reason)]
        self.s.reason = reason
        self.detected(cause)
        self.s.paused_from = self.s.phase
        self.goto(P.PAUSED)
        if not self.watching_paused():
            self.s.deadline = None
        elif self.s.window_start is None:
            self.start_windows()
        return [cmd.Notify("warn", f"holding: {reason}")]

    def watching_paused(self) -> bool:
        """A pause holds traffic, not eyes: held in SHIFT or WATCH with Y taking traffic, the window
        timer keeps running (the current window, if one is open, finishes on its own deadline), so
        the gates keep judging Y and a failing Y can still be rolled back."""
        return self.s.paused_from in (P.SHIFT, P.WATCH) and self.s.applied is not None and self.s.applied[1] > 0

    def halt(self, reason: str, cause: str | None = None) -> list[cmd.Command]:
        """Stop conducting and leave traffic where it is."""
        self.s.reason = reason
        self.detected(cause)
        self.goto(P.HALTED)
        self.s.deadline = None
        return [cmd.Notify("error", reason)]

    def fail(self, reason: str, cause: str) -> list[cmd.Command]:
        """A command failed: hold, or roll back when the plan says so and traffic has moved."""
        moved = self.s.applied is not None and self.s.applied[1] > 0
        if self.s.plan.rollback.on_command_failure == "rollback" and moved:
            return self.rollback(reason, cause)
        return self.hold(reason, cause)

    def rollback(self, reason: str, cause: str | None = None) -> list[cmd.Command]:
        self.s.reason = reason
        self.detected(cause)
        self.goto(P.ROLLING_BACK)
        self.s.paused_from = None
        self.s.pending_approval = None
        self.s.desired = (100, 0)
        return self.rollback_move()

    def rollback_move(self) -> list[cmd.Command]:
        self.s.deadline = self.s.now + self.s.plan.rollback.retry
        note = cmd.Notify("error", N_("rolling back: {reason}").format(reason=self.s.reason))
        if self.s.x_stopped:
            return [cmd.StartNodes("x", self.names("x")), note]
        self.s.waiting_for_x = self.healthy("x") == 0
        if self.s.waiting_for_x:
            return [cmd.ProbeNodes(self.names("x")), cmd.Notify("error", N_("rollback waits: no healthy X node to send traffic to"))]
        return [cmd.SetWeights(100, 0, self.unhealthy()), note]

    def advance(self) -> list[cmd.Command]:
        """The current phase is complete: enter the one the procedure table names next."""
        return self.enter(next_phase(self.s.phase))

    def enter(self, phase: Phase) -> list[cmd.Command]:
        """Enter a phase and return its first commands (also used to resume and retry a forward phase)."""
        self.goto(phase)
        self.s.deadline = None
        if phase == P.DONE:
            self.s.reason = "completed"
            return [cmd.Notify("info", N_("done: 100% on Y {version}; keep watching the metrics").format(
                version=self.s.plan.pools.y.version))]
        if phase == P.ROLLED_BACK:
            return [cmd.Notify("error", N_("rolled back: 100% on X {version} ({reason})").format(
                version=self.s.plan.pools.x.version, reason=self.s.reason))]
        if phase == P.PREFLIGHT:
            return [cmd.RunPreflight()]
        if phase == P.FREEZE:
            return [cmd.FreezeConfig()]
        if phase == P.BACKUP:
            return [cmd.BackupConfig()]
        if phase == P.DEPLOY_Y:
            return [cmd.StartNodes("y", self.names("y"))]
        if phase == P.SMOKE_Y:
            return [cmd.RunSmoke(self.names("y"))]
        if phase == P.SHIFT:
            return self.enter_step(max(self.s.step, 0))
        if phase == P.DECOMMISSION_X:
            if not self.s.plan.finish.decommission_x:
                return [cmd.Notify("info", N_("X is kept running (finish.decommission_x is false)"))] + self.advance()
            return [cmd.StopNodes("x", self.names("x"))]
        if phase == P.UNFREEZE:
            return [cmd.UnfreezeConfig()]
        if phase == P.WATCH:
            self.s.watch_start = self.s.now
            if self.s.plan.finish.watch <= 0:
                return self.advance()
            return self.start_windows()
        raise IllegalTransition(f"cannot enter {phase}")

    def enter_step(self, index: int) -> list[cmd.Command]:
        self.s.step = index
        step = self.s.plan.steps[index]
        self.s.bake_start = self.s.window_start = None
        self.s.deadline = None
        self.s.tally.new_step(index)
        if step.approve and index not in self.s.approved:
            self.s.pending_approval = index
            out = [cmd.AskApproval(index, step.y), cmd.Notify("info", N_("step {step}: approve to send {y}% to Y").format(
                step=index + 1, y=step.y))]
            # Y keeps its share while the operator thinks: the gates keep judging it (and roll back).
            return out + (self.start_windows() if self.s.applied and self.s.applied[1] > 0 else [])
        if step.y > 0 and self.healthy("y") == 0:
            return self.hold(N_("step {step}: no healthy Y node to send {y}% to").format(step=index + 1, y=step.y), "node_health")
        self.s.desired = (100 - step.y, step.y)
        return [cmd.SetWeights(*self.s.desired, self.unhealthy())]

    def start_windows(self) -> list[cmd.Command]:
        self.s.window_start = self.s.now
        self.s.deadline = self.s.now + self.s.plan.gates.window
        return []

    def version(self, name: str) -> str:
        return self.s.plan.pools.x.version if name in self.names("x") else self.s.plan.pools.y.version

    def active_nodes(self) -> tuple[str, ...]:
        x = () if self.s.x_stopped else self.names("x")
        return x + self.names("y")
