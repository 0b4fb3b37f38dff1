"""Rollback without the journal: 100% to X from what the load balancer really has.

The journal is how a run resumes, but a rollback must never wait on it: a journal that is
corrupt, missing, unreadable or on a full disk cannot say where the run was, and yet the
operator who types ``turnout run PLAN --rollback`` needs Y at 0 now. The load balancer knows
where traffic is, and Kong knows whether X can take it. So this reads the LB's weights, probes
X (Admin API ``/status`` and Status API ``/status/ready``, as the engine's rollback does:
traffic goes only to X nodes that answer ready), sends 100% to X and reads it back, through
the same ports the engine's commands use (``world.lb``, ``world.kong``), never the engine's
journal. It says one line per outcome.

It journals what it can, so the next ``turnout run`` knows the run was rolled back:

- a journal that does not verify is moved aside to ``journal.corrupt-<UTC time>.jsonl`` and a
  fresh one records ``RunStarted`` and the rollback (it replays into a rolled-back run);
- a journal that cannot be written (a full disk, a read-only file) gets the rollback appended
  when it can; when it cannot, the line says so and the rollback goes on.

The events written are those the engine would have been fed (the probes, the operator's
``RollbackRequested``, the read-back ``WeightsApplied``), so replaying them gives the state the
world is in. Writing stops at the first failure, so the journal is always a prefix of them.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from rollout import events as ev
from rollout.errors import AdapterError, JournalCorrupt, JournalError
from rollout.journal import Journal
from rollout.observations import NodeProbe
from rollout.ports import World
from rollout.i18n import N_

from .rundir import plan_sha256

REASON = N_("operator (--rollback, without a usable journal)")


def corrupt_aside(journal_path: str) -> str:
    """Where a journal that does not verify is kept: beside it, named by the time it was moved."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return os.path.join(os.path.dirname(journal_path), f"journal.corrupt-{stamp}.jsonl")


@dataclass
class Recorder:
    """Journals the emergency's events while it can; the first failure is said once and ends the writing."""

    say: Callable[[str], None]
    journal: Journal | None = None

    def record(self, event: Any) -> None:
        if self.journal is None:
            return
        try:
            self.journal.append(event)
        except JournalError as exc:
            self.say(N_("turnout: cannot journal the rollback ({why}); going on without it").format(why=exc))
            self.close()

    def close(self) -> None:
        if self.journal is not None:
            self.journal.close()
            self.journal = None


def open_recorder(journal_path: str, problem: JournalError, secrets: list[str], say: Callable[[str], None]) -> Recorder:
    """The journal to record in: the same one when it verifies, a fresh one when it is corrupt or missing."""
    fresh = isinstance(problem, JournalCorrupt) or not os.path.exists(journal_path)
    try:
        if isinstance(problem, JournalCorrupt):
            aside = corrupt_aside(journal_path)
            os.replace(journal_path, aside)
            say(N_("turnout: moved the journal aside to {path}; a fresh journal records this rollback").format(path=aside))
        journal = Journal(journal_path, secrets=secrets)
    except (OSError, JournalError) as exc:
        say(N_("turnout: cannot journal the rollback ({why}); going on without it").format(why=exc))
        return Recorder(say)
    if fresh and journal.lines:  # someone wrote one meanwhile: never mix two runs in one file
        journal.close()
        say(N_("turnout: {path} appeared meanwhile; not journaling the rollback").format(path=journal_path))
        return Recorder(say)
    return Recorder(say, journal)


async def rollback_without_journal(world: World, plan_path: str, journal_path: str, problem: JournalError,
                                   secrets: list[str], say: Callable[[str], None]) -> bool:
    """Send 100% to X, judged by the LB and Kong alone. True when the LB reads back Y at 0."""
    say(N_("turnout: {problem}; rolling back without the journal, from what the load balancer has").format(problem=problem))
    weights = await _read_weights(world, say)
    if weights == (100, 0):
        say(N_("turnout: nothing to move: the load balancer already sends 100% to X"))
        if not os.path.exists(journal_path):
            return True  # no journal and no traffic on Y: nothing happened here to record
    recorder = open_recorder(journal_path, problem, secrets, say)
    try:
        if recorder.journal is not None and recorder.journal.lines == 0:
            recorder.record(ev.RunStarted(world.runtime.now(), world.plan.name, plan_sha256(plan_path), "live"))
        recorder.record(ev.Noted(world.runtime.now(), "error", f"emergency rollback: {problem}"))
        return await _send_to_x(world, weights, recorder, say)
    finally:
        recorder.close()


async def _read_weights(world: World, say: Callable[[str], None]) -> tuple[int, int] | None:
    try:
        weights = await world.lb.get_weights()
    except AdapterError as exc:
        say(N_("turnout: cannot read the load balancer's weights ({why}); sending 100% to X anyway").format(why=exc))
        return None
    say(N_("turnout: the load balancer has {split}").format(split=_split(weights)))
    return weights


async def _send_to_x(world: World, weights: tuple[int, int] | None, recorder: Recorder,
                     say: Callable[[str], None]) -> bool:
    now = world.runtime.now
    if weights == (100, 0):
        recorder.record(ev.RollbackRequested(now(), REASON))
        recorder.record(ev.WeightsApplied(now(), *weights))
        return True
    probes = await probe_x(world)
    recorder.record(ev.NodesProbed(now(), tuple(probes)))
    recorder.record(ev.RollbackRequested(now(), REASON))
    ready = [p.node for p in probes if p.ready]
    left = N_("Y left at {y}%").format(y=weights[1]) if weights is not None else N_("the load balancer left as it is")
    if not ready:
        why = "; ".join(p.message or N_("{node}: not ready").format(node=p.node) for p in probes)
        say(N_("turnout: not rolled back: no healthy X node to send traffic to ({why}); {left}").format(why=why, left=left))
        return False
    left_out = [p.node for p in probes if not p.ready]
    say(N_("turnout: X ready: {nodes} (left out: {left_out})").format(nodes=", ".join(ready), left_out=", ".join(left_out))
        if left_out else N_("turnout: X ready: {nodes}").format(nodes=", ".join(ready)))
    healthy = frozenset(ready) | frozenset(world.plan.pools.y.names)
    try:
        applied = await world.lb.set_weights(100, 0, healthy)
    except AdapterError as exc:
        recorder.record(ev.CommandFailed(now(), "SetWeights", str(exc)))
        say(N_("turnout: not rolled back: {why}; {left}").format(why=exc, left=left))
        return False
    recorder.record(ev.WeightsApplied(now(), *applied))
    if applied[1] != 0:
        say(N_("turnout: not rolled back: the load balancer reads back {split}").format(split=_split(applied)))
        return False
    say(N_("turnout: rolled back: the load balancer reads back {split}").format(split=_split(applied)))
    return True


async def probe_x(world: World) -> list[NodeProbe]:
    """Each X node's status and readiness, concurrently; a failure is a node that is not ready."""
    nodes = list(world.plan.pools.x.nodes)
    results = await world.runtime.gather([world.kong.probe(n) for n in nodes])
    return [r if isinstance(r, NodeProbe) else NodeProbe(n.name, False, False, message=f"{n.name}: {r}")
            for n, r in zip(nodes, results)]


def _split(weights: tuple[int, int]) -> str:
    return f"{weights[0]}% X, {weights[1]}% Y"
