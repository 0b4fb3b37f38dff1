"""How each engine command is carried out against the ports: one flow for both worlds.

Like httpx's ``auth_flow``, this is written once and run by two drivers: asyncio with the
real adapters (adapters/live.py) and SimPy with the simulated world (sim/driver.py). It
only awaits port methods, never asyncio itself, so it stays free of I/O libraries.

Every port failure (``AdapterError``) becomes a ``CommandFailed`` event with the adapter's
one-line message; a failure never pushes the rollout forward.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import commands as cmd
from . import events as ev
from .errors import AdapterError, Timeout
from .i18n import N_
from .kong.preflight_konnect import latest_by_host
from .observations import CheckResult, DataPlaneRow, NodeInfo, NodeProbe, SmokeResult
from .plan import Node
from .ports import World
from .preflight import deployed_y_checks, in_checklist_order, run_checks

READY_POLL_S = 1.0


async def execute(command: Any, world: World) -> Any | None:
    """Carry out one command; return the event that answers it (None for AskApproval/Notify)."""
    handler = _HANDLERS.get(type(command))
    if handler is None:
        return None
    try:
        return await handler(command, world)
    except AdapterError as exc:
        return ev.CommandFailed(world.runtime.now(), type(command).__name__, str(exc))


def _nodes(world: World, names: tuple[str, ...]) -> list[Node]:
    return [world.plan.node(n) for n in names]


async def _probe_all(world: World, nodes: list[Node]) -> list[NodeProbe]:
    results = await world.runtime.gather([world.kong.probe(n) for n in nodes])
    return [r if isinstance(r, NodeProbe) else NodeProbe(n.name, False, False, message=str(r)) for n, r in zip(nodes, results)]


async def _infos(world: World, nodes: list[Node]) -> list[NodeInfo]:
    results = await world.runtime.gather([world.kong.info(n) for n in nodes])
    return [r if isinstance(r, NodeInfo) else NodeInfo(n.name, False, error=str(r)) for n, r in zip(nodes, results)]


async def _rows(world: World) -> list[DataPlaneRow] | AdapterError | None:
    if world.plan.mode == "dbless" or world.control_plane is None:
        return None
    try:
        return await world.control_plane.data_planes()
    except AdapterError as exc:
        return exc


async def _config_text(world: World, infos: list[NodeInfo]) -> tuple[str | None, str, list[CheckResult]]:
    """X's kong.yml from the first reachable X node, for the lint; a failure is a warning, not a stop."""
    reachable = [i.node for i in infos if i.reachable and i.node in world.plan.pools.x.names]
    if not reachable:
        return None, "", []
    try:
        return await world.kong.config(world.plan.node(reachable[0])), N_("{node}'s config").format(node=reachable[0]), []
    except AdapterError as exc:
        return None, "", [CheckResult("config lint", "warn", N_("X's config could not be read for the lint: {reason}").format(
            reason=exc), node=reachable[0])]


async def _preflight(c: cmd.RunPreflight, world: World) -> ev.PreflightChecked:
    plan = world.plan
    infos = await _infos(world, list(plan.pools.x.nodes) + list(plan.pools.y.nodes))
    rows = await _rows(world)
    text, label, notes = await _config_text(world, infos)
    results = run_checks(plan, infos, rows, now=world.runtime.now(), backup_text=text, backup_label=label,
                         capacity=world.capacity_hint)
    return ev.PreflightChecked(world.runtime.now(), tuple(in_checklist_order(results + notes)))


async def _freeze(c: cmd.FreezeConfig, world: World) -> ev.ConfigFrozen:
    probes = await _probe_all(world, list(world.plan.pools.x.nodes))
    missing = [p for p in probes if not p.reachable]
    if missing:
        raise missing_error(missing, "freeze")
    if world.plan.mode == "konnect":  # the baseline is the hash Konnect reports (a Konnect failure fails the freeze)
        rows = await _rows(world)
        if isinstance(rows, AdapterError):
            raise rows
        probes = _as_reported(world, probes, rows)
    return ev.ConfigFrozen(world.runtime.now(), tuple((p.node, p.config_hash) for p in probes))


def _as_reported(world: World, probes: list[NodeProbe], rows: list[DataPlaneRow] | AdapterError | None) -> list[NodeProbe]:
    """Konnect: each DP's config hash as Konnect reports it, so the freeze watches what Konnect sees
    (a config written through Konnect shows there); a DP Konnect does not list keeps its own."""
    if world.plan.mode != "konnect" or not isinstance(rows, list):
        return probes
    listed = latest_by_host(rows)
    out = []
    for p in probes:
        node = world.plan.node(p.node)
        row = listed.get(node.hostname or node.name)
        out.append(dataclasses.replace(p, config_hash=row.config_hash) if row and row.config_hash else p)
    return out


def missing_error(probes: list[NodeProbe], call: str) -> AdapterError:
    return AdapterError(", ".join(p.node for p in probes), call, "; ".join(p.message for p in probes))


async def _backup(c: cmd.BackupConfig, world: World) -> ev.ConfigBackedUp:
    """One verified backup per distinct configuration (equal hashes mean byte-identical configs)."""
    directory = world.plan.backup.dir
    if world.config_backup is not None:  # the config lives off the nodes (Konnect): back it up there
        return ev.ConfigBackedUp(world.runtime.now(), (await world.config_backup.backup(directory),))
    records, seen = [], set()
    for probe in await _probe_all(world, list(world.plan.pools.x.nodes)):
        if probe.reachable and probe.config_hash and probe.config_hash in seen:
            continue
        records.append(await world.kong.backup(world.plan.node(probe.node), directory))
        seen.add(probe.config_hash)
        if world.plan.data_planes:
            break  # DPs all hold the CP's config: one backup is the backup
    return ev.ConfigBackedUp(world.runtime.now(), tuple(records))


async def _start(c: cmd.StartNodes, world: World) -> ev.NodesStarted:
    nodes = _nodes(world, c.nodes)
    for node in nodes:
        await world.fleet.start(node)
    deadline = world.runtime.now() + world.plan.timeouts.ready
    while True:
        probes = await _probe_all(world, nodes)
        waiting = [p for p in probes if not p.ready]
        if not waiting:
            return ev.NodesStarted(world.runtime.now(), c.pool, c.nodes)
        if world.runtime.now() >= deadline:
            raise Timeout(", ".join(p.node for p in waiting), "wait for ready", "; ".join(p.message for p in waiting))
        await world.runtime.sleep(READY_POLL_S)


async def _smoke(c: cmd.RunSmoke, world: World) -> ev.SmokeChecked:
    """The plan's smoke requests on each Y node's proxy, then Y's preflight checks again now that Y
    is deployed (version, ready, mode, plugins; hybrid: each Y DP listed by the CP and in sync;
    konnect: each Y DP listed by Konnect with the planned version, a recent ping and X's hash)."""
    calls = [world.kong.smoke(n, check) for n in _nodes(world, c.nodes) for check in world.plan.smoke]
    results = await world.runtime.gather(calls)
    for r in results:
        if isinstance(r, BaseException):
            raise r if isinstance(r, AdapterError) else AdapterError("smoke", "request", str(r))
    xs = list(world.plan.pools.x.nodes)
    infos = await _infos(world, xs + _nodes(world, c.nodes))  # one concurrent round for X and Y
    checks = deployed_y_checks(world.plan, infos[:len(xs)], infos[len(xs):], await _rows(world), now=world.runtime.now())
    failed = [SmokeResult(r.name, r.node or "Y", False, r.expected, r.seen or r.evidence) for r in checks if r.status == "fail"]
    return ev.SmokeChecked(world.runtime.now(), tuple(results) + tuple(failed))


async def _set_weights(c: cmd.SetWeights, world: World) -> ev.WeightsApplied:
    names = world.plan.pools.x.names + world.plan.pools.y.names
    healthy = frozenset(n for n in names if n not in c.exclude)
    x, y = await world.lb.set_weights(c.x, c.y, healthy)
    return ev.WeightsApplied(world.runtime.now(), x, y)


async def _probe(c: cmd.ProbeNodes, world: World) -> ev.NodesProbed:
    probes = await _probe_all(world, _nodes(world, c.nodes))
    if world.plan.mode == "konnect":
        probes = _as_reported(world, probes, await _rows(world))
    return ev.NodesProbed(world.runtime.now(), tuple(probes))


async def _judge(c: cmd.JudgeWindow, world: World) -> ev.WindowJudged:
    x, y = await world.metrics.window(c.start, c.end)
    return ev.WindowJudged(world.runtime.now(), c.start, x, y)


async def _stop(c: cmd.StopNodes, world: World) -> ev.NodesStopped:
    nodes = _nodes(world, c.nodes)
    await world.lb.retire(nodes)
    for node in nodes:
        await world.fleet.stop(node)
    return ev.NodesStopped(world.runtime.now(), c.pool, c.nodes)


async def _unfreeze(c: cmd.UnfreezeConfig, world: World) -> ev.ConfigUnfrozen:
    return ev.ConfigUnfrozen(world.runtime.now())


_HANDLERS = {
    cmd.RunPreflight: _preflight,
    cmd.FreezeConfig: _freeze,
    cmd.BackupConfig: _backup,
    cmd.StartNodes: _start,
    cmd.RunSmoke: _smoke,
    cmd.SetWeights: _set_weights,
    cmd.ProbeNodes: _probe,
    cmd.JudgeWindow: _judge,
    cmd.StopNodes: _stop,
    cmd.UnfreezeConfig: _unfreeze,
}
