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
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Static

from rollout import events as ev
from rollout.conductor import Conductor
from rollout.i18n import N_, _
from rollout.phases import FORWARD, Phase
from rollout.snapshot import Snapshot

from ..widgets import Banner, EventLog, GatesView, PoolTable, ProcedureView, SplitMeter
from ..widgets.banner import speed_label
from ..widgets.base import phase_words
from .bindings import TranslatedBindings
from .confirm import ConfirmScreen
from .help import HelpScreen
from .log import LogScreen
from .node import NodeScreen

SPEEDS = (1.0, 10.0, 60.0, math.inf)
TICK_S = 0.1  # how often the simulated clock moves and the screen refreshes
SLICE_CAP_S = 10.0  # most simulated seconds one tick may advance at a finite speed
MAX_SLICE_S = (5.0, 60.0, 600.0)  # at max speed: the slice adapts between these, starting in the middle
MAX_TICK_WALL_S = 0.04  # at max speed, aim to keep one advance under this much wall time
WIDE, TALL = 120, 36
NARROW = 80  # below: one column
SPARK = 150  # from here the node tables carry each node's 5xx history
MIN_SIZE = (60, 15)  # below: one notice naming the size needed instead of a cockpit cut to pieces
CHROME_ROWS = 4  # banner 1, split 2, footer 1: always on screen
LOG_MIN_ROWS = 3


class Intent(Message):
    """The operator asked for ``event``; the app submits it to the conductor."""

    def __init__(self, event: Any) -> None:
        super().__init__()
        self.event = event


class MainScreen(TranslatedBindings, Screen):
    BINDINGS = [  # descriptions are translated as the footer draws them (screens/bindings.py)
        Binding("a", "approve", N_("approve")),
        Binding("p", "pause", N_("pause")),
        Binding("p", "resume", N_("resume")),  # the same key; the footer names what it does now (check_action)
        Binding("r", "rollback", N_("rollback")),
        Binding("q", "quit", N_("quit")),
        Binding("question_mark", "help", N_("help"), key_display="?"),
        Binding("n,space", "next", N_("next"), key_display="n"),
        Binding("plus,equals_sign", "faster", N_("speed"), key_display="+/-"),
        Binding("minus", "slower", N_("slower"), show=False),
        # LIVE: the same keys, out of the footer, answer why they do nothing (the clock is the wall clock)
        Binding("n,space", "clock_refused('next')", N_("next"), show=False),
        Binding("plus,equals_sign,minus", "clock_refused('speed')", N_("speed"), show=False),
        Binding("l", "focus_log", N_("log")),
        Binding("slash", "search_log", N_("search"), key_display="/"),
        Binding("f", "full_log", N_("full log")),
        Binding("pageup", "log_page(-1)", N_("log page up"), show=False),
        Binding("pagedown", "log_page(1)", N_("log page down"), show=False),
    ]
    snapshot: reactive[Snapshot | None] = reactive(None)
    speed: reactive[float] = reactive(1.0)
    world: reactive[str] = reactive("rehearsal")
    wide: reactive[bool] = reactive(False)
    tall: reactive[bool] = reactive(False)
    spark: reactive[bool] = reactive(False)

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
        with VerticalScroll(id="body"):
            with Horizontal(id="middle"):
                with Vertical(id="pools"):
                    yield PoolTable("x", id="pool-x").data_bind(MainScreen.wide, MainScreen.spark, **bind)
                    yield PoolTable("y", id="pool-y").data_bind(MainScreen.wide, MainScreen.spark, **bind)
                with Vertical(id="procedure", classes="panel"):
                    yield ProcedureView().data_bind(MainScreen.wide, MainScreen.tall, **bind)
            with Vertical(id="gates", classes="panel"):
                yield GatesView().data_bind(MainScreen.tall, **bind)
        yield EventLog(id="log", classes="panel").data_bind(**bind)
        yield Static(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for selector, title in (("#procedure", _("procedure")), ("#gates", _("gates")), ("#log", _("event log"))):
            self.query_one(selector).border_title = title
        self.run_worker(self._clock(), name="clock", group="clock", exclusive=True, exit_on_error=False)

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.wide, self.tall, self.spark = width >= WIDE, height >= TALL, width >= SPARK
        self.set_class(self.wide, "-wide")
        self.set_class(self.tall, "-tall")
        self.set_class(width < NARROW, "-narrow")
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.set_class(small, "-too-small")
        self.query_one("#too-small", Static).update(
            _("This terminal is {width}x{height}.\nThe cockpit needs at least {min_width}x{min_height}: "
              "make the window larger (q still quits).").format(width=width, height=height, min_width=MIN_SIZE[0],
                                                               min_height=MIN_SIZE[1]))
        # the panels take what the log leaves (they scroll when short); a tall terminal gives the log the rest
        self.query_one("#body").styles.max_height = max(1, height - CHROME_ROWS - LOG_MIN_ROWS)

    def watch_snapshot(self, old: Snapshot | None, new: Snapshot | None) -> None:
        """The footer names only the keys that work now: re-check them when the run's state moves."""
        if old is None or new is None or (old.phase, old.pending_approval) != (new.phase, new.pending_approval):
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what cannot work in this world and state (False); the rest shows."""
        snap = self.snapshot
        if action in ("next", "faster", "slower"):
            return self.controls is not None  # the rehearsal's clock only: LIVE runs on the wall clock
        if action == "clock_refused":
            return self.controls is None
        if snap is None:
            return True
        if action == "approve":
            return snap.pending_approval is not None
        if action == "pause":
            return snap.phase in FORWARD
        if action == "resume":
            return snap.phase == Phase.PAUSED and snap.paused_from is not None
        if action == "rollback":
            return not (snap.finished or snap.phase == Phase.NEW)
        return True

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
            self.notify(_("nothing to approve right now"), severity="warning")
            return
        step = snap.pending_approval
        after = _("a failure rolls back.") if snap.auto_rollback else _("automatic rollback is off: you decide.")
        body = _("Step {n}: send {share}% of traffic to Y {version} (now {now}%). The gates keep judging; {after}").format(
            n=step + 1, share=snap.steps[step].y, version=snap.y_version, now=snap.desired[1], after=after)
        self.app.push_screen(ConfirmScreen(_("Approve step {n}?").format(n=step + 1), body, _("Approve (y)")),
                             lambda yes: yes and self._intent(ev.StepApproved(self._now(), step)))

    def action_pause(self) -> None:
        phase = self.snapshot.phase
        if phase == Phase.PAUSED:
            self._intent(ev.ResumeRequested(self._now()))
        elif phase in FORWARD:
            self._intent(ev.PauseRequested(self._now(), "operator"))
        else:
            self.notify(_("cannot pause or resume while {phase}").format(phase=phase_words(phase)), severity="warning")

    def action_rollback(self) -> None:
        snap = self.snapshot
        if snap.finished or snap.phase == Phase.NEW:
            self.notify(_("nothing to roll back: the rollout is {phase}").format(phase=phase_words(snap.phase)), severity="warning")
            return
        # The safe action is the fastest one on the screen, in every world: r, then y (or Enter).
        body = _("Send 100% of traffic back to X {version} (now {x}/{y}).").format(version=snap.x_version, x=snap.desired[0],
                                                                                   y=snap.desired[1])
        if self.world == "live":
            body += " " + _("This is LIVE: production traffic moves back to X now.")
        self.app.push_screen(ConfirmScreen(_("Roll back?"), body, _("Roll back (y)"), danger=True),
                             lambda yes: yes and self._intent(ev.RollbackRequested(self._now(), "operator")))

    def action_clock_refused(self, what: str) -> None:
        """LIVE: ``n`` and ``+/-`` are out of the footer, and pressed anyway they say why."""
        if what == "next":
            self.action_next()
        else:
            self._set_speed(+1)

    def action_resume(self) -> None:
        self.action_pause()  # the toggle: paused, ``p`` resumes

    def action_next(self) -> None:
        if self.controls is None:
            self.notify(_("next works only in a rehearsal: the live clock is the wall clock"), severity="warning")
            return
        self.controls.advance_to_next()
        self.refresh_snapshot()

    def _set_speed(self, step: int) -> None:
        if self.controls is None:
            self.notify(_("speed works only in a rehearsal"), severity="warning")
            return
        index = min(len(SPEEDS) - 1, max(0, SPEEDS.index(self.speed) + step if self.speed in SPEEDS else 0))
        self.speed = self.controls.speed = SPEEDS[index]
        self.notify(_("rehearsal speed {speed}").format(speed=speed_label(self.speed)), timeout=1.5)

    def action_faster(self) -> None:
        self._set_speed(+1)

    def action_slower(self) -> None:
        self._set_speed(-1)

    def action_focus_log(self) -> None:
        self.query_one(EventLog).focus()

    def action_search_log(self) -> None:
        self.app.push_screen(LogScreen(self.conductor.snapshot, self.world, search=True))

    def action_full_log(self) -> None:
        self.app.push_screen(LogScreen(self.conductor.snapshot, self.world))

    def action_log_page(self, direction: int) -> None:
        """PgUp/PgDn move the log by a page of the log (its height less one line of context)."""
        log = self.query_one(EventLog)
        log.scroll_relative(y=direction * max(1, log.scrollable_content_region.height - 1), animate=False)

    def on_pool_table_node_chosen(self, message: PoolTable.NodeChosen) -> None:
        self.app.push_screen(NodeScreen(self.conductor.snapshot, message.node, self.world))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    def action_quit(self) -> None:
        snap = self.snapshot
        if snap.finished:
            self.app.exit(0 if snap.phase == Phase.DONE else 1)
            return
        body = _(self.conductor.quit_note) if self.conductor.quit_note else _(
            "The rollout is left as it is, held at X {x}% / Y {y}%: nothing moves until you come back. Resume it with "
            "`turnout run` on the same plan (it picks up from its journal).").format(x=snap.desired[0], y=snap.desired[1])
        self.app.push_screen(ConfirmScreen(_("Quit while the rollout is running?"), body, _("Quit (y)")),
                             lambda yes: yes and self.app.leave())
