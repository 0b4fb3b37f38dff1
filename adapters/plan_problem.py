"""A plan problem found while wiring adapters, after the plan validated (a node without the URL
its metrics source needs, an nginx mode without its file). Its own module because every adapter
module raises it, and none of them should import another to do so."""

from __future__ import annotations

from rollout.errors import PlanError, Problem


def plan_problem(key: str, message: str) -> PlanError:
    """A bad-input error found while wiring adapters (one located line, no traceback)."""
    return PlanError([Problem("plan", 0, key, message)])
