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

from rich.cells import cell_len, set_cell_size

from rollout.errors import AdapterError
from rollout.faults import active
from rollout.i18n import N_, _, pgettext
from rollout.phrasebook import say

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


def label_words() -> dict[str, str]:
    """The labels of ``lab up``'s, ``lab status``' and ``lab load``'s labelled lines, in the reader's
    language (a context of their own: the footer's "next" key is another word than this "next")."""
    return {"frontend": pgettext("lab: a line's label", "frontend"), "haproxy": pgettext("lab: a line's label", "haproxy"),
            "nodes": pgettext("lab: a line's label", "nodes"), "traffic": pgettext("lab: a line's label", "traffic"),
            "failures": pgettext("lab: a line's label", "failures"), "latency": pgettext("lab: a line's label", "latency"),
            "split": pgettext("lab: a line's label", "split"), "node": pgettext("lab: a line's label", "node"),
            "konnect": pgettext("lab: a line's label", "konnect"), "plan": pgettext("lab: a line's label", "plan"),
            "next": pgettext("lab: a line's label", "next"), "stop": pgettext("lab: a line's label", "stop")}


def labelled(label: str, text: str) -> str:
    """``frontend  http://...``: the label in the reader's language, padded by display width (a
    Japanese character takes two cells) so the texts of every labelled line start in one column."""
    words = label_words()
    return set_cell_size(words[label], max(map(cell_len, words.values())) + 2) + text


def table(header: tuple[str, ...], rows: list[tuple[Any, ...]], indent: str = "  ") -> list[str]:
    """Rows as aligned columns under a header (numbers right-aligned), for a terminal or a chat paste;
    widths in cells, so a Japanese header or a node's fault text keeps the columns straight."""
    cells = [tuple(str(c) for c in row) for row in rows]
    head = tuple(_(h) for h in header)
    widths = [max(cell_len(h), *(cell_len(r[i]) for r in cells)) if cells else cell_len(h) for i, h in enumerate(head)]
    numeric = [all(r[i].replace(".", "", 1).isdigit() for r in cells) and bool(cells) for i in range(len(head))]

    def pad(text: str, width: int, right: bool) -> str:
        room = " " * (width - cell_len(text))
        return room + text if right else text + room

    def line(row: tuple[str, ...], numbers: list[bool]) -> str:
        return indent + "  ".join(pad(c, w, n) for c, w, n in zip(row, widths, numbers)).rstrip()
    return [line(head, numeric)] + [line(r, numeric) for r in cells]


def describe(state: LabState, report: dict[str, Any]) -> list[str]:
    """The status as a few labelled lines and two tables (processes, nodes); never a raw dict.
    In the reader's language; the ``--json`` report beside it keeps its English keys and values."""
    running = _("running") if report["running"] else _("NOT all running")
    lines = [_("lab {lab} in {dir}/: {running}").format(lab=state.lab_id, dir=os.path.relpath(state.dir), running=running)]
    lines += table((N_("process"), N_("pid"), N_("state")),
                   [(role, p["pid"], _("alive") if p["alive"] else _("GONE")) for role, p in report["processes"].items()])
    lines.append(labelled("frontend", _("{frontend}/echo    plan {plan}").format(
        frontend=state.frontend, plan=os.path.relpath(state.plan))))
    weights = report.get("weights")
    if weights is not None:
        lines.append(labelled("haproxy", _("{share}% of requests to Y").format(share=f"{report['y_share']:.1f}")))
    else:
        why = say(str(report.get("weights_error")))
        lines.append(labelled("haproxy", _("cannot read the weights: {why}").format(why=why)))
    nodes = report.get("nodes", {})
    if nodes or weights is not None:
        names = list(nodes) or list(state.x + state.y)
        rows = [(n, state.pool_of(n), "-" if weights is None else weights.get(n, "-"),
                 nodes[n]["requests"] if n in nodes else "-", nodes[n]["errors"] if n in nodes else "-",
                 ", ".join(f"{k}={v}" for k, v in nodes[n]["faults"].items()) or _("no fault") if n in nodes else "-")
                for n in names]
        lines += table((N_("node"), N_("pool"), N_("weight"), N_("requests"), "5xx", N_("faults")), rows)
    if "nodes_error" in report:
        lines.append(labelled("nodes", say(str(report["nodes_error"]))))
    t = report.get("traffic")
    if t:
        offered = _("{rps} rps offered: sent {sent}, failed {failed}").format(rps=f"{t['rps']:g}", sent=t.get("sent", 0),
                                                                              failed=t.get("failed", 0))
        if t.get("failed"):
            offered = _("{offered} (http {http}, socket {socket})").format(
                offered=offered, http=_counts(t["http_errors"]), socket=_counts(t["socket_errors"]))
        lines.append(labelled("traffic", offered))
    return lines


def _counts(counts: Any) -> str:
    """``{'503': 3}`` as ``503 x3``; none as ``none``."""
    if not counts:
        return _("none")
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
    lines = [_load_line(report, rps),
             labelled("failures", _("http {http}  socket {socket}").format(
                 http=_counts(report.http_errors), socket=_counts(report.socket_errors))),
             labelled("latency", _("p50 {p50} ms, p99 {p99} ms (client side)").format(
                 p50=f"{report.percentile(0.5):.1f}", p99=f"{report.percentile(0.99):.1f}")),
             labelled("split", (_("X {x}% / Y {y}% of {counted} requests, as the nodes counted them (background traffic "
                                      "included)") if state.traffic else
                                    _("X {x}% / Y {y}% of {counted} requests, as the nodes counted them")).format(
                 x=f"{100 - y_pct:.1f}", y=f"{y_pct:.1f}", counted=counted))]
    return data, lines


def _load_line(report: Any, rps: float) -> str:
    said = _("sent {sent} in {elapsed}s ({achieved} rps of {asked} asked), ok {ok}, failed {failed}").format(
        sent=report.sent, elapsed=f"{report.elapsed:.1f}", achieved=f"{report.achieved_rps:.0f}", asked=f"{rps:g}",
        ok=report.ok, failed=report.failed)
    return _("{line}, skipped {skipped}").format(line=said, skipped=report.skipped) if report.skipped else said
