"""A library drill conducted: the drill file's world, its faults joining at their phases, scored per call.

``LibraryDrill`` is the trainee's rehearsal (``sim.drill.Trainee``: automatic rollback off, moves
and evidence recorded) of one ``plans/drills/*.yml``. Faults of ``phase: preflight`` are in the
world from its start; the others join when the engine first enters their phase, their own
times counted from that moment and their ranges drawn from the drill's seed, so the same seed
replays the same drill. ``scorecard()`` reveals the fault and scores each expected call
(sim/drill_calls.py); the card keeps the keys of the ``--fault`` drills' card and adds its own.
"""

from __future__ import annotations

import numpy as np

from rollout.plan import Plan

from .drill import Trainee
from .drill_calls import PULLING_MOVES, score_call
from .drill_file import DrillFile
from .ranges import draw
from .scenario import Scenario, default_scenario

TIMES = ("from_", "at", "until")  # a fault's own times, counted from its phase's start


def _onset(fault) -> float:
    return float(getattr(fault, "from_", getattr(fault, "at", 0.0)))


class LibraryDrill(Trainee):
    def __init__(self, spec: DrillFile, plan: Plan, seed: int, exact: bool = False, journal_path: str | None = None):
        self.spec = spec
        self._pending = {f.phase: [] for f in spec.faults if f.phase != "preflight"}
        for timed in spec.faults:
            if timed.phase != "preflight":
                self._pending[timed.phase].append(timed.fault)
        self._draws = np.random.default_rng([seed, 18])  # its own stream: the world's streams stay as they are
        self._onsets: list[float] = []
        super().__init__(plan, spec.scenario(plan, default_scenario(plan)), seed, exact, journal_path)
        self._onsets += [_onset(f) for f in self.scenario.faults]

    def _observe(self, engine, event, commands) -> None:
        due = self._pending.pop(engine.phase.value, None)
        for fault in due or ():
            self._inject(fault)
        super()._observe(engine, event, commands)

    def _inject(self, fault) -> None:
        drawn, _ = draw(Scenario(faults=[fault]), self._draws)
        fault = drawn.faults[0]
        now = float(self.env.now)
        shifted = {name: getattr(fault, name) + now for name in TIMES
                   if name in type(fault).model_fields and getattr(fault, name) is not None}
        fault = fault.model_copy(update=shifted)
        self.sim.inject(fault)
        self._onsets.append(_onset(fault))

    def onset_s(self) -> float | None:
        return min(self._onsets) if self._onsets else None

    def scorecard(self) -> dict:
        record = self.record()
        onset = self.onset_s()
        calls = [score_call(c, onset, self.watcher.first, self.moves, record.outcome) for c in self.spec.calls]
        points = {k: sum(c["points"][k] for c in calls) for k in ("decision", "reaction", "discipline")}
        points["total"] = min(100, sum(points.values()))
        pull = next((m for m in self.moves if m.what in PULLING_MOVES), None)
        wrong = sorted({(m["at_s"], m["move"]) for c in calls for m in c["wrong_moves"]})
        kinds = sorted({f.fault.kind for f in self.spec.faults})
        return {
            "drill": self.spec.name, "seed": self.seed,
            "fault": {"kind": "+".join(kinds) or "none", "description": self.spec.reveal,
                      "onset_s": None if onset is None else round(onset, 3)},
            "evidence": self.watcher.as_json(),
            "outcome": record.outcome,
            "decision": next((c["decision"] for c in calls if c["decision"] != "correct"), "correct"),
            "rollback_at_s": None if pull is None else round(pull.at_s, 3),
            "gates_failed_at_s": None if record.detection is None else round(record.detection.at_s, 3),
            "reaction_s": next((c["reaction_s"] for c in calls if c["reaction_s"] is not None), None),
            "bad_requests": record.bad, "slow_requests": record.slow, "slo_ms": record.slo_ms,
            "wrong_moves": [{"at_s": at, "move": move} for at, move in wrong], "points": points, "calls": calls, "expert": self.spec.expert,
        }
