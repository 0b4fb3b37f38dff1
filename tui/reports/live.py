"""A live run's report from its run directory: the journal (verified) and the plan it ran.

The journal's RunStarted names the plan and the sha256 of the plan file the run started with,
so the plan is found without asking: ``--plan`` when given, else the plan file whose bytes hash
to that sha256, looked for beside the run directory (``DIR/.turnout/<plan>/`` is made in the
directory ``turnout run`` started in) and in the current directory, one level down too.
"""

from __future__ import annotations

import glob
import hashlib
import os

from rollout import events as ev
from rollout.errors import TurnoutError
from rollout.journal import load
from rollout.plan import Plan, load_plan

from .story import RunStory, story_of


class ReportRefused(TurnoutError):
    """The run cannot be reported: no journal, a corrupt one, or no plan to replay it with. One line."""


def file_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def plan_candidates(run_dir: str) -> list[str]:
    """Plan files near the run, nearest first (each once)."""
    run_dir = os.path.abspath(run_dir)
    bases = [os.path.dirname(os.path.dirname(run_dir)), os.path.dirname(run_dir), os.getcwd()]
    found: list[str] = []
    for base in bases:
        for pattern in ("*.yml", "*.yaml", "*/*.yml", "*/*.yaml"):
            found += sorted(p for p in glob.glob(os.path.join(base, pattern)) if os.path.abspath(p) not in found)
    return [os.path.abspath(p) for p in dict.fromkeys(found)]


def find_plan(run_dir: str, sha256: str) -> str | None:
    for path in plan_candidates(run_dir):
        try:
            if file_sha256(path) == sha256:
                return path
        except OSError:
            continue
    return None


def live_story(run_dir: str, plan_path: str | None, warn) -> RunStory:
    """The run's story; ``warn`` gets one line when ``--plan`` is not the file the run started with."""
    journal = os.path.join(run_dir, "journal.jsonl")
    if not os.path.exists(journal):
        raise ReportRefused(f"{run_dir}: no journal.jsonl here (a run directory is .turnout/<plan>/ or --run-dir)")
    events = load(journal).events  # JournalError: one line naming the file and line
    if not events or not isinstance(events[0], ev.RunStarted):
        raise ReportRefused(f"{journal}: the journal does not start with RunStarted")
    first = events[0]
    if plan_path is None:
        plan_path = find_plan(run_dir, first.plan_sha256)
        if plan_path is None:
            raise ReportRefused(f"{run_dir}: no plan file with sha256 {first.plan_sha256[:16]}... found near the run "
                                f"(plan {first.plan_name!r}); name it with --plan PLAN")
    elif first.world == "live" and first.plan_sha256 and file_sha256(plan_path) != first.plan_sha256:
        warn(f"{plan_path}: not the plan file the run started with (sha256 differs); the report replays the journal with it")
    plan: Plan = load_plan(plan_path)
    return story_of(plan, events)
