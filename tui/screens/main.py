"""The main screen: one reactive Snapshot bound to every view; keys become engine events.

Data flows down (the screen polls ``conductor.snapshot()`` and the views re-render what is
bound to them); intents flow up (a key, perhaps a confirm modal, then an ``Intent`` message
that the app submits to the conductor). In a rehearsal the screen also moves the simulated
clock: a named worker advances it in small slices so the event loop never blocks for long.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer

from rollout import events as ev
from rollout.conductor import Conductor
from rollout.phases import FORWARD, Phase
from rollout.snapshot import Snapshot

from ..widgets import Banner, EventLog, GatesView, PoolTable, ProcedureView, SplitMeter
from ..widgets.banner import speed_label
from .confirm import ConfirmScreen
from .help import HelpScreen

SPEEDS = (1.0, 10.0, 60.0, math.inf)
TICK_S = 0.1  # how often the simulated clock moves and the screen refreshes
SLICE_CAP_S = 10.0  # most simulated seconds one tick may advance at a finite speed
MAX_SLICE_S = (5.0, 60.0, 600.0)  # at max speed: the slice adapts between these, starting in the middle
MAX_TICK_WALL_S = 0.04  # at max speed, aim to keep one advance under this much wall time
WIDE, TALL = 120, 36


class Intent(Message):
    """The operator asked for ``event``; the app submits it to the conductor."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class MainScreen(Screen):
    BINDINGS = [
        Binding("a", "approve", "approve"),
        Binding("p", "pause", "pause"),
        Binding("r", "rollback", "rollback"),
        Binding("n,space", "next", "next", key_display="n"),
        Binding("plus,equals_sign", "faster", "speed", key_display="+/-"),
        Binding("minus", "slower", "slower", show=False),
        Binding("l", "focus_log", "log"),
        Binding("question_mark", "help", "help", key_display="?"),
        Binding("q", "quit", "quit"),
    ]
    snapshot: reactive[Snapshot | None] = reactive(None)
    speed: reactive[float] = reactive(1.0)
    world: reactive[str] = reactive("rehearsal")
    wide: reactive[bool] = reactive(False)
    tall: reactive[bool] = reactive(False)

    def __init__(self, conductor: Conductor, autoplay: bool = True) -> None:
        super().__init__()
        self.conductor = conductor
        self.controls = conductor.controls
        self.autoplay = autoplay and self.controls is not None
        self._max_slice = MAX_SLICE_S[1]
        self.set_reactive(MainScreen.world, conductor.world)
        self.set_reactive(MainScreen.speed, float(self.controls.speed) if self.controls is not None else 1.0)
        self.set_reactive(MainScreen.snapshot, conductor.snapshot())

    def compose(self) -> ComposeResult:
        bind = dict(snapshot=MainScreen.snapshot, world=MainScreen.world)
        yield Banner(badge=self.conductor.badge).data_bind(MainScreen.speed, **bind)
        yield SplitMeter(id="split").data_bind(**bind)
        with Vertical(id="middle"):
            with Vertical(id="pools"):
                yield PoolTable("x", id="pool-x").data_bind(MainScreen.wide, **bind)
                yield PoolTable("y", id="pool-y").data_bind(MainScreen.wide, **bind)
            with Vertical(id="procedure", classes="panel"):
                yield ProcedureView().data_bind(MainScreen.wide, **bind)
            with Vertical(id="gates", classes="panel"):
                yield GatesView().data_bind(MainScreen.tall, **bind)
        yield EventLog(id="log", classes="panel").data_bind(**bind)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for selector, title in (("#procedure", "procedure"), ("#gates", "gates"), ("#log", "event log")):
            self.query_one(selector).border_title = title
        self.run_worker(self._clock(), name="clock", group="clock", exclusive=True, exit_on_error=False)

    def on_resize(self, event: events.Resize) -> None:
        self.wide, self.tall = event.size.width >= WIDE, event.size.height >= TALL
        self.set_class(self.wide, "-wide")
        self.set_class(self.tall, "-tall")

    # ------------------------------------------------------------------ the clock
    async def _clock(self) -> None:
        """Advance a rehearsal's simulated clock in bounded slices and refresh the snapshot.

        The simulated clock stands still while a dialog (confirm, help) is open: at 60x, reading
        a confirm for two seconds would otherwise let two simulated minutes of trouble go by."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(TICK_S)
            now = time.monotonic()
            elapsed, last = now - last, now
            if self.autoplay and not self.snapshot.finished and self.is_active:
                self._advance(elapsed)
            self.refresh_snapshot()

    def _advance(self, elapsed: float) -> None:
        if math.isinf(self.speed):
            started = time.monotonic()
            self.controls.advance(self._max_slice)
            took = time.monotonic() - started
            low, _, high = MAX_SLICE_S
            factor = 0.5 if took > MAX_TICK_WALL_S else 1.5 if took < MAX_TICK_WALL_S / 2 else 1.0
            self._max_slice = min(high, max(low, self._max_slice * factor))
        else:
            self.controls.advance(min(elapsed * self.speed, SLICE_CAP_S))

    def refresh_snapshot(self) -> None:
        self.snapshot = self.conductor.snapshot()

    # ------------------------------------------------------------------ operator intents
    def _intent(self, event: Any) -> None:
        self.post_message(Intent(event))

    def _now(self) -> float:
        return self.conductor.now

    def action_approve(self) -> None:
        snap = self.snapshot
        if snap.pending_approval is None:
            self.notify("nothing to approve right now", severity="warning")
            return
        step = snap.pending_approval
        after = "a failure rolls back." if snap.auto_rollback else "automatic rollback is off: you decide."
        body = (f"Step {step + 1}: send {snap.steps[step].y}% of traffic to Y {snap.y_version} "
                f"(now {snap.desired[1]}%). The gates keep judging; {after}")
        self.app.push_screen(ConfirmScreen(f"Approve step {step + 1}?", body, "Approve (y)"),
                             lambda yes: yes and self._intent(ev.StepApproved(self._now(), step)))

    def action_pause(self) -> None:
        phase = self.snapshot.phase
        if phase == Phase.PAUSED:
            self._intent(ev.ResumeRequested(self._now()))
        elif phase in FORWARD:
            self._intent(ev.PauseRequested(self._now(), "operator"))
        else:
            self.notify(f"cannot pause or resume while {phase}", severity="warning")

    def action_rollback(self) -> None:
        snap = self.snapshot
        if snap.finished or snap.phase == Phase.NEW:
            self.notify(f"nothing to roll back: the rollout is {snap.phase}", severity="warning")
            return
        # The safe action is the fastest one on the screen, in every world: r, then y (or Enter).
        live = " This is LIVE: production traffic moves back to X now." if self.world == "live" else ""
        body = f"Send 100% of traffic back to X {snap.x_version} (now {snap.desired[0]}/{snap.desired[1]}).{live}"
        self.app.push_screen(ConfirmScreen("Roll back?", body, "Roll back (y)", danger=True),
                             lambda yes: yes and self._intent(ev.RollbackRequested(self._now(), "operator")))

    def action_next(self) -> None:
        if self.controls is None:
            self.notify("next works only in a rehearsal: the live clock is the wall clock", severity="warning")
            return
        self.controls.advance_to_next()
        self.refresh_snapshot()

    def _set_speed(self, step: int) -> None:
        if self.controls is None:
            self.notify("speed works only in a rehearsal", severity="warning")
            return
        index = min(len(SPEEDS) - 1, max(0, SPEEDS.index(self.speed) + step if self.speed in SPEEDS else 0))
        self.speed = self.controls.speed = SPEEDS[index]
        self.notify(f"rehearsal speed {speed_label(self.speed)}", timeout=1.5)

    def action_faster(self) -> None:
        self._set_speed(+1)

    def action_slower(self) -> None:
        self._set_speed(-1)

    def action_focus_log(self) -> None:
        self.query_one(EventLog).focus()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        snap = self.snapshot
        if snap.finished:
            self.app.exit(0 if snap.phase == Phase.DONE else 1)
            return
        body = self.conductor.quit_note or (
            f"The rollout is left as it is, held at X {snap.desired[0]}% / Y {snap.desired[1]}%: "
            "nothing moves until you come back. Resume it with `turnout run` on the same plan "
            "(it picks up from its journal).")
        self.app.push_screen(ConfirmScreen("Quit while the rollout is running?", body, "Quit (y)"),
                             lambda yes: yes and self.app.leave())
