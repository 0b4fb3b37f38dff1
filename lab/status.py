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


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]], indent: str = "  ") -> list[str]:
    """Rows as aligned columns under a header (numbers right-aligned), for a terminal or a chat paste."""
    cells = [tuple(str(c) for c in row) for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header)]
    numeric = [all(r[i].replace(".", "", 1).isdigit() for r in cells) and bool(cells) for i in range(len(header))]
    def line(row: tuple[str, ...]) -> str:
        return indent + "  ".join(c.rjust(w) if n else c.ljust(w) for c, w, n in zip(row, widths, numeric)).rstrip()
    return [line(header)] + [line(r) for r in cells]


def describe(state: LabState, report: dict[str, Any]) -> list[str]:
    """The status as a few labelled lines and two tables (processes, nodes); never a raw dict."""
    lines = [f"lab {state.lab_id} in {os.path.relpath(state.dir)}/: {'running' if report['running'] else 'NOT all running'}"]
    lines += table(("process", "pid", "state"),
                   [(role, p["pid"], "alive" if p["alive"] else "GONE") for role, p in report["processes"].items()])
    lines.append(f"frontend  {state.frontend}/echo    plan {os.path.relpath(state.plan)}")
    weights = report.get("weights")
    if weights is not None:
        lines.append(f"haproxy   {report['y_share']:.1f}% of requests to Y")
    else:
        lines.append(f"haproxy   cannot read the weights: {report.get('weights_error')}")
    nodes = report.get("nodes", {})
    if nodes or weights is not None:
        names = list(nodes) or list(state.x + state.y)
        rows = [(n, state.pool_of(n), "-" if weights is None else weights.get(n, "-"),
                 nodes[n]["requests"] if n in nodes else "-", nodes[n]["errors"] if n in nodes else "-",
                 ", ".join(f"{k}={v}" for k, v in nodes[n]["faults"].items()) or "no fault" if n in nodes else "-")
                for n in names]
        lines += table(("node", "pool", "weight", "requests", "5xx", "faults"), rows)
    if "nodes_error" in report:
        lines.append(f"nodes     {report['nodes_error']}")
    t = report.get("traffic")
    if t:
        lines.append(f"traffic   {t['rps']:g} rps offered: sent {t.get('sent', 0)}, failed {t.get('failed', 0)}"
                     + (f" (http {_counts(t['http_errors'])}, socket {_counts(t['socket_errors'])})" if t.get("failed") else ""))
    return lines


def _counts(counts: Any) -> str:
    """``{'503': 3}`` as ``503 x3``; none as ``none``."""
    if not counts:
        return "none"
    return ", ".join(f"{k} x{v}" for k, v in counts.items()) if isinstance(counts, dict) else str(counts)


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
        f"failures  http {_counts(report.http_errors)}  socket {_counts(report.socket_errors)}",
        f"latency   p50 {report.percentile(0.5):.1f} ms, p99 {report.percentile(0.99):.1f} ms (client side)",
        f"split     X {100 - y_pct:.1f}% / Y {y_pct:.1f}% of {counted} requests, as the nodes counted them"
        + (" (background traffic included)" if state.traffic else ""),
    ]
    return data, lines
