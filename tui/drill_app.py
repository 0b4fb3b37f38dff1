"""The cockpit for a drill: the normal cockpit, opening on the drill's briefing.

Only the opening differs from ``turnout rehearse``: the briefing screen (tui/screens/briefing.py)
is pushed over the main screen at mount, so the simulated clock waits for the trainee.
"""

from __future__ import annotations

from rollout.conductor import Conductor

from .app import REHEARSAL_START_SPEED, TurnoutApp
from .screens.briefing import BriefingScreen


class DrillApp(TurnoutApp):
    def __init__(self, conductor: Conductor, title: str, situation: str, autoplay: bool = True) -> None:
        super().__init__(conductor, autoplay=autoplay)
        self.briefing = BriefingScreen(title, situation)

    def on_mount(self) -> None:
        super().on_mount()
        self.push_screen(self.briefing)


def run_drill(drill: Conductor, title: str, situation: str, speed: float = REHEARSAL_START_SPEED) -> int:
    """``turnout drill`` on a terminal: the briefing, then the trainee conducts the drill."""
    drill.controls.speed = speed
    result = DrillApp(drill, title, situation).run()
    return 1 if result is None else result
