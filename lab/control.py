"""The lab while it runs: HAProxy's weights, the nodes' own counters, faults and restarts.

The observer's side of a drill (``lab.observe``, ``turnout lab status|load|fault``): it reads
HAProxy's runtime API directly (``get weight``, HAProxy Management Guide, "Unix Socket
commands") and the emulator's control port, never Turnout's own view of the rollout.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from adapters import haproxy_codec as codec
from adapters.haproxy import RuntimeAPI
from rollout.i18n import N_

from .layout import BACKEND
from .procs import LabError
from .state import LabState


def runtime_api(state: LabState) -> RuntimeAPI:
    return RuntimeAPI(state.haproxy["tcp"], timeout=2.0)


async def haproxy_weights(state: LabState) -> dict[str, int]:
    """Every server's current weight, as HAProxy has it right now."""
    names = state.x + state.y
    replies = await runtime_api(state).send([codec.get_weight(BACKEND, n) for n in names])
    return {n: codec.parse_get_weight(r)[0] for n, r in zip(names, replies)}


def y_share(weights: dict[str, int], state: LabState) -> float:
    """The share of requests (percent) roundrobin sends to Y with these weights."""
    wy = sum(weights[n] for n in state.y)
    total = wy + sum(weights[n] for n in state.x)
    return 100.0 * wy / total if total else 0.0


async def counters(state: LabState, session: aiohttp.ClientSession | None = None) -> dict[str, dict[str, Any]]:
    """Each X and Y node's own proxy counters (``/health`` excluded), from the emulator's control port."""
    own = session is None
    session = session or aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3))
    try:
        names = state.x + state.y
        bodies = await asyncio.gather(*(_get_json(session, f"{state.control}/__turnout/nodes/{n}/counters") for n in names))
        return dict(zip(names, bodies))
    finally:
        if own:
            await session.close()


async def _get_json(session: aiohttp.ClientSession, url: str) -> Any:
    try:
        async with session.get(url) as resp:
            return await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise LabError(N_("GET {url}: {error}: is the lab running? (turnout lab status)").format(
            url=url, error=type(exc).__name__)) from None


def targets(state: LabState, target: str) -> list[str]:
    """``x``, ``y``, ``all`` or a node name -> node names."""
    if target in ("x", "y"):
        return list(getattr(state, target))
    if target == "all":
        return state.x + state.y
    if target in state.nodes:
        return [target]
    raise LabError(N_("no node or pool {target} in the lab (pools x, y; nodes {nodes})").format(
        target=repr(target), nodes=", ".join(state.nodes)))


async def set_faults(state: LabState, target: str, changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """POST the fault changes to each target node's control endpoint; returns each node's faults."""
    names = targets(state, target)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        return {name: await _post_fault(session, f"{state.control}/__turnout/nodes/{name}/fault", changes, name)
                for name in names}


async def _post_fault(session: aiohttp.ClientSession, url: str, changes: dict[str, Any], who: str) -> dict[str, Any]:
    """POST fault switches to an emulator's control endpoint: its answer, or one LabError line."""
    try:
        async with session.post(url, json=changes) as resp:
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
        raise LabError(N_("POST {url}: {error}: is the lab running?").format(url=url, error=type(exc).__name__)) from None
    if resp.status != 200:
        raise LabError(N_("{node}: fault refused: {why}").format(node=who, why=body.get("message", resp.status)))
    return body


async def restart_node(state: LabState, name: str) -> None:
    """Bring a crashed (or stopped) emulated node back on its ports."""
    targets(state, name)
    url = f"{state.control}/__turnout/nodes/{name}/start"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        try:
            async with session.post(url) as resp:
                await resp.read()
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            raise LabError(f"POST {url}: {type(exc).__name__}") from None


async def set_konnect_faults(state: LabState, changes: dict[str, Any]) -> dict[str, Any]:
    """Switch the emulated Konnect API's faults (``throttle``, ``retry_after``, ``hide``, ``versions``:
    lab/emulator/konnect.py); returns them all."""
    if not state.konnect:
        raise LabError(N_("this lab has no emulated Konnect: start it with `turnout lab up --mode konnect`"))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        return await _post_fault(session, f"{state.konnect}/__turnout/konnect/fault", changes, "Konnect")
