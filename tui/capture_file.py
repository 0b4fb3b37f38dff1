"""``turnout scenario capture``, the writing half: a measurement of pool X as a commented scenario.

A captured scenario is evidence, so the file says what was measured, when, from which source
and how each value was made, above the value itself; where the source gives only an average
latency (HAProxy's ``rtime``, the nginx Lua balancer) p50 and p99 both hold that average and
the comment says so. The text is built here and validated as a scenario by the caller
(sim.scenario.load_scenario), so a capture never writes a file ``turnout rehearse`` would refuse.

Capacity cannot be measured without loading a node, and a capture is read-only: it is
estimated as CAPACITY_HEADROOM times the busiest X node's observed rate, the headroom the
default scenario assumes (sim.scenario.default_scenario), and the file says so. Replace it with
a load test's figure when there is one.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

from adapters.capture import Capture

CAPACITY_HEADROOM = 2.0
MIN_LATENCY_MS = 0.5  # below the whole millisecond HAProxy measures: written as half of one


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def scenario_text(capture: Capture, command: str) -> str:
    lines = [f"# Captured by `{command}`",
             f"# from {stamp(capture.start)} to {stamp(capture.end)} ({capture.seconds:.1f} s), read only,",
             f"# from {capture.what}, on pool X ({capture.nodes} nodes) of plan {capture.plan_name!r}.",
             *(f"# source note: {note}" for note in capture.notes)]
    lines += [f"name: captured from {_safe(capture.plan_name)} at {stamp(capture.end)}", *_traffic(capture), "nodes:"]
    lines += _capacity(capture) + _latency(capture) + _errors(capture)
    return "\n".join(lines) + "\n"


def _safe(text: str) -> str:
    return "".join(c for c in text if c.isalnum() or c in " ._-")[:60] or "plan"


def _traffic(c: Capture) -> list[str]:
    lines = ["traffic:", f"  # {c.x.requests} requests on X in {c.seconds:.1f} s"]
    if c.shape is None:
        lines.append("  # flat: the interval is too short to fit a daily cycle (--range 2d or more with Prometheus)")
        return lines + [f"  rps: {max(c.rps, 0.01):.2f}", "  shape: flat"]
    s = c.shape
    lines.append(f"  # diurnal: least-squares fit of a 24 h sinusoid to {s.points} samples of the request rate")
    return lines + [f"  rps: {max(c.rps, 0.01):.2f}", "  shape: diurnal", f"  amplitude: {s.amplitude}",
                    f"  period: {s.period_s:g}s", f"  offset: {s.offset_s:g}s"]


def _capacity(c: Capture) -> list[str]:
    per_node = [n.requests / c.seconds for n in c.x.nodes] if c.x.nodes and c.seconds > 0 else []
    busiest = max(per_node) if per_node else c.rps / max(1, c.nodes)
    capacity = max(1.0, math.ceil(CAPACITY_HEADROOM * busiest))
    how = "the busiest X node" if per_node else "X's rate shared evenly over its nodes (the source has no per-node counts)"
    return [f"  # capacity_rps: ESTIMATED, not measured (a capture never loads a node): {CAPACITY_HEADROOM:g}x {how}",
            f"  # ({busiest:.1f} rps); replace it with a load test's figure when there is one",
            f"  capacity_rps: {capacity:g}"]


def _latency(c: Capture) -> list[str]:
    p50, p99 = c.x.stat("p50_ms"), c.x.stat("p99_ms")
    if p50 is None and p99 is None:
        return ["  # latency_ms: the source measured no latency (no p50_ms/p99_ms query): the default is kept"]
    p50 = p50 if p50 is not None else p99
    p99 = max(p99 if p99 is not None else p50, p50)
    lines = [f"  # per-node latency on X: {_per_node(c)}" if c.x.nodes else "  # latency: X as a pool (no per-node figures)"]
    if c.x.latency_kind == "average":
        lines.append("  # the source gives an AVERAGE response time, not quantiles: p50 and p99 below both hold it")
    if p50 < MIN_LATENCY_MS:
        lines.append(f"  # measured {p50:g} ms: below what the source resolves; written as {MIN_LATENCY_MS} ms")
    p50, p99 = max(p50, MIN_LATENCY_MS), max(p99, MIN_LATENCY_MS)
    return lines + [f"  latency_ms: {{p50: {p50:.3g}, p99: {p99:.3g}}}"]


def _per_node(c: Capture) -> str:
    parts = []
    for n in c.x.nodes:
        p50, p99 = n.stat("p50_ms"), n.stat("p99_ms")
        parts.append(f"{n.node} p50 {_ms(p50)} p99 {_ms(p99)} ({n.requests} requests)")
    return "; ".join(parts)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g} ms"


def _errors(c: Capture) -> list[str]:
    rate = c.x.errors / c.x.requests if c.x.requests else 0.0
    return [f"  # error_rate: {c.x.errors} errors (5xx and connection failures) of {c.x.requests} requests on X",
            f"  error_rate: {rate:.6g}"]
