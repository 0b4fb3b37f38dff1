"""What ``turnout lab status`` and ``turnout lab load`` report: gathered as data, then put in words.

``collect`` and ``run_load`` return plain dicts (the ``--json`` output); ``describe`` and the
lines ``run_load`` returns are the human view of the same numbers.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any, Callable

import aiohttp

from rollout.errors import AdapterError
from rollout.faults import active

from .control import counters, haproxy_weights, y_share
from .observe import delta, observed_split
from .procs import LabError, alive
from .state import LabState
from .loadgen import LoadGenerator, Second


async def collect(state: LabState) -> dict[str, Any]:
    """Processes (alive or not), HAProxy's weights, each node's own counters, background traffic."""
    procs = {p.role: {"pid": p.pid, "alive": alive(p)} for p in state.procs}
    report: dict[str, Any] = {"lab": state.lab_id, "dir": state.dir, "frontend": state.frontend, "plan": state.plan,
                              "processes": procs, "running": all(p["alive"] for p in procs.values())}
    try:
        weights = await haproxy_weights(state)
        report["weights"] = weights
        report["y_share"] = round(y_share(weights, state), 2)
    except (AdapterError, ValueError) as exc:
        report["weights_error"] = str(exc)
    try:
        report["nodes"] = {n: {k: c[k] for k in ("requests", "errors")} | {"faults": active(c.get("faults", {}))}
                           for n, c in (await counters(state)).items()}
    except LabError as exc:
        report["nodes_error"] = str(exc)
    report["traffic"] = _traffic(state)
    return report


def _traffic(state: LabState) -> dict[str, Any] | None:
    if not state.traffic:
        return None
    try:
        with open(state.traffic_file, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return {"rps": state.traffic, "sent": 0}
    keys = ("rps", "sent", "ok", "failed", "skipped", "http_errors", "socket_errors", "achieved_rps", "p50_ms", "p99_ms")
    return {k: data.get(k) for k in keys}


def describe(state: LabState, report: dict[str, Any]) -> list[str]:
    lines = [f"lab {state.lab_id} in {os.path.relpath(state.dir)}/: {'running' if report['running'] else 'NOT all running'}"]
    lines += [f"  {role:<9} pid {p['pid']:<7} {'alive' if p['alive'] else 'GONE'}" for role, p in report["processes"].items()]
    lines.append(f"frontend  {state.frontend}/echo    plan {os.path.relpath(state.plan)}")
    if "weights" in report:
        w = report["weights"]
        lines.append(f"haproxy   {report['y_share']:.1f}% of requests to Y; weights "
                     + " ".join(f"{n}={w[n]}" for n in state.x + state.y))
    else:
        lines.append(f"haproxy   cannot read the weights: {report.get('weights_error')}")
    for name, node in report.get("nodes", {}).items():
        faults = ", ".join(f"{k}={v}" for k, v in node["faults"].items()) or "no fault"
        lines.append(f"node {name:<4} {state.pool_of(name)}  requests {node['requests']:>8}  5xx {node['errors']:>6}  {faults}")
    if "nodes_error" in report:
        lines.append(f"nodes     {report['nodes_error']}")
    t = report.get("traffic")
    if t:
        lines.append(f"traffic   {t['rps']:g} rps offered: sent {t.get('sent', 0)}, failed {t.get('failed', 0)}"
                     + (f" (http {t['http_errors']}, socket {t['socket_errors']})" if t.get("failed") else ""))
    return lines


async def run_load(state: LabState, rps: float, duration: float,
                   on_second: Callable[[Second], None] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Send load through the frontend; the split comes from the nodes' own counters, read around it."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        before = await counters(state, session)
        gen = LoadGenerator(state.frontend + "/echo", rps, duration=duration, headers={"apikey": state.api_key},
                            on_second=on_second)
        report = await gen.run()
        await asyncio.sleep(0.2)
        after = await counters(state, session)
    y_pct, counted = observed_split(state, before, after)
    x_errors, y_errors = delta(state, before, after, "errors")
    data = report.as_json()
    data["split"] = {"x": round(100 - y_pct, 2) if counted else 0.0, "y": round(y_pct, 2), "counted": counted,
                     "errors_x": x_errors, "errors_y": y_errors, "source": "the nodes' own counters"}
    lines = [
        f"sent {report.sent} in {report.elapsed:.1f}s ({report.achieved_rps:.0f} rps of {rps:g} asked), "
        f"ok {report.ok}, failed {report.failed}" + (f", skipped {report.skipped}" if report.skipped else ""),
        f"failures  http {report.http_errors or '{}'}  socket {report.socket_errors or '{}'}",
        f"latency   p50 {report.percentile(0.5):.1f} ms, p99 {report.percentile(0.99):.1f} ms (client side)",
        f"split     X {100 - y_pct:.1f}% / Y {y_pct:.1f}% of {counted} requests, as the nodes counted them"
        + (" (background traffic included)" if state.traffic else ""),
    ]
    return data, lines
