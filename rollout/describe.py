"""One human-readable line per event, for the TUI's log, headless output and timelines.

Built only from the event's fields, which never hold secrets (adapters keep tokens and keys
out of every message they produce).
"""

from __future__ import annotations

from . import events as ev


def describe(e: object) -> str:
    match e:
        case ev.RunStarted():
            return f"run started ({e.world}) for {e.plan_name!r}"
        case ev.Resumed():
            lb = f"; load balancer has {e.x}/{e.y}" if e.x is not None else ""
            return f"resumed after restart{lb}"
        case ev.PreflightChecked():
            counts = {s: sum(1 for r in e.results if r.status == s) for s in ("pass", "warn", "fail")}
            return f"preflight: {counts['pass']} pass, {counts['warn']} warn, {counts['fail']} fail"
        case ev.ConfigFrozen():
            return "config writes frozen; hashes " + ", ".join(f"{n}={h[:8]}" for n, h in e.hashes)
        case ev.ConfigBackedUp():
            return "backup verified: " + ", ".join(f"{b.node} sha256 {b.sha256[:12]} ({b.entities} entities)" for b in e.backups)
        case ev.NodesStarted():
            return f"{e.pool.upper()} nodes ready: {', '.join(e.nodes)}"
        case ev.SmokeChecked():
            bad = [r for r in e.results if not r.ok]
            return f"smoke: {len(e.results) - len(bad)}/{len(e.results)} ok" + "".join(f"; {r.describe()}" for r in bad)
        case ev.WeightsApplied():
            return f"load balancer applied X {e.x}% / Y {e.y}%"
        case ev.NodesProbed():
            bad = [p for p in e.probes if not p.ready]
            # All ready is the normal case every window: worth the journal, not a log line.
            return "not ready: " + ", ".join(f"{p.node} ({p.message})" for p in bad) if bad else ""
        case ev.WindowJudged():
            return f"window {e.at - e.start:.0f}s: X {_pool(e.x)} | Y {_pool(e.y)}"
        case ev.NodesStopped():
            return f"{e.pool.upper()} nodes stopped: {', '.join(e.nodes)}"
        case ev.ConfigUnfrozen():
            return "config freeze lifted"
        case ev.StepApproved():
            return f"step {e.step + 1} approved by {e.by}"
        case ev.PauseRequested():
            return f"pause requested ({e.reason})"
        case ev.ResumeRequested():
            return "resume requested"
        case ev.RollbackRequested():
            return f"rollback requested ({e.reason})"
        case ev.HaltRequested():
            return f"halt requested ({e.reason})"
        case ev.CommandFailed():
            return f"{e.command} failed: {e.error}"
        case ev.Noted():
            return e.message
        case ev.TimerFired():
            return "timer"
    return type(e).__name__


def describe_refusal(e: object, reason: str) -> str:
    """The log's line for an operator intent the run did not take (rollout.intents)."""
    match e:
        case ev.StepApproved():
            what = f"approval of step {e.step + 1} by {_quoted(e.by)}"
        case ev.PauseRequested() | ev.RollbackRequested() | ev.HaltRequested():
            what = f"{type(e).__name__.removesuffix('Requested').lower()} requested ({_quoted(e.reason)})"
        case ev.ResumeRequested():
            what = "resume requested"
        case _:
            what = type(e).__name__
    return f"refused: {what}: {reason}"


def _quoted(text: str) -> str:
    """Operator text as it came, unless it is not one short printable line (then escaped and cut),
    so a refused intent cannot forge lines in the log."""
    return text if text.isprintable() and len(text) <= 60 else repr(text[:60]) + ("..." if len(text) > 60 else "")


# Kept in the journal, left out of the line: the median says little about an upgrade going
# wrong, and it would make every window's line wrap on an 80-column screen.
QUIET = ("p50_ms",)


def _pool(w) -> str:
    """A pool's window: requests, error rate and each latency statistic the source measured
    (an average-only source's statistics all hold its average: named ``avg``, once)."""
    if w.latency_kind == "average":
        average = next((value for name, value in w.stats.items() if name.endswith("_ms")), None)
        stats = f" avg {average:.0f}ms" if average is not None else ""
    else:
        stats = "".join(f" {name.removesuffix('_ms')} {value:.0f}ms" for name, value in w.stats.items() if name not in QUIET)
    return f"{w.requests} req {w.error_rate:.2%} err{stats}"
