"""One human-readable line per event, for the TUI's log, headless output and timelines.

Built only from the event's fields, which never hold secrets (adapters keep tokens and keys
out of every message they produce).
"""

from __future__ import annotations

from . import events as ev
from .i18n import N_


# a refused intent is logged as it would have been described
REQUESTED = {ev.PauseRequested: N_("pause requested ({reason})"), ev.RollbackRequested: N_("rollback requested ({reason})"),
             ev.HaltRequested: N_("halt requested ({reason})")}
# the log's lines are English facts (the snapshot and the journal's timeline keep them); the TUI,
# the headless log and the reports say them in the reader's language (rollout.phrasebook)
SMOKE_DETAIL = N_("{summary}; {detail}")  # a smoke line's failed checks follow it, one clause each


def describe(e: object) -> str:
    match e:
        case ev.RunStarted():
            return N_("run started ({world}) for {plan_name}").format(world=e.world, plan_name=repr(e.plan_name))
        case ev.Resumed():
            if e.x is None:
                return N_("resumed after restart")
            return N_("resumed after restart; load balancer has {x}/{y}").format(x=e.x, y=e.y)
        case ev.PreflightChecked():
            counts = {s: sum(1 for r in e.results if r.status == s) for s in ("pass", "warn", "fail")}
            return N_("preflight: {passed} pass, {warned} warn, {failed} fail").format(
                passed=counts["pass"], warned=counts["warn"], failed=counts["fail"])
        case ev.ConfigFrozen():
            return N_("config writes frozen; hashes {hashes}").format(hashes=", ".join(f"{n}={h[:8]}" for n, h in e.hashes))
        case ev.ConfigBackedUp():
            return N_("backup verified: {backups}").format(backups=", ".join(
                N_("{node} sha256 {sha256} ({entities} entities)").format(node=b.node, sha256=b.sha256[:12], entities=b.entities)
                for b in e.backups))
        case ev.NodesStarted():
            return N_("{pool} nodes ready: {nodes}").format(pool=e.pool.upper(), nodes=", ".join(e.nodes))
        case ev.SmokeChecked():
            bad = [r for r in e.results if not r.ok]
            said = N_("smoke: {ok}/{total} ok").format(ok=len(e.results) - len(bad), total=len(e.results))
            return "; ".join([said] + [r.describe() for r in bad])
        case ev.WeightsApplied():
            return N_("load balancer applied X {x}% / Y {y}%").format(x=e.x, y=e.y)
        case ev.NodesProbed():
            bad = [p for p in e.probes if not p.ready]
            # All ready is the normal case every window: worth the journal, not a log line.
            return N_("not ready: {nodes}").format(nodes=", ".join(f"{p.node} ({p.message})" for p in bad)) if bad else ""
        case ev.WindowJudged():
            return N_("window {length:.0f}s: X {x} | Y {y}").format(length=e.at - e.start, x=_pool(e.x), y=_pool(e.y))
        case ev.NodesStopped():
            return N_("{pool} nodes stopped: {nodes}").format(pool=e.pool.upper(), nodes=", ".join(e.nodes))
        case ev.ConfigUnfrozen():
            return N_("config freeze lifted")
        case ev.StepApproved():
            return N_("step {step} approved by {by}").format(step=e.step + 1, by=e.by)
        case ev.PauseRequested():
            return N_("pause requested ({reason})").format(reason=e.reason)
        case ev.ResumeRequested():
            return N_("resume requested")
        case ev.RollbackRequested():
            return N_("rollback requested ({reason})").format(reason=e.reason)
        case ev.HaltRequested():
            return N_("halt requested ({reason})").format(reason=e.reason)
        case ev.CommandFailed():
            return N_("{command} failed: {error}").format(command=e.command, error=e.error)
        case ev.Noted():
            return e.message
        case ev.TimerFired():
            return "timer"
    return type(e).__name__


def describe_refusal(e: object, reason: str) -> str:
    """The log's line for an operator intent the run did not take (rollout.intents)."""
    match e:
        case ev.StepApproved():
            what = N_("approval of step {step} by {by}").format(step=e.step + 1, by=_quoted(e.by))
        case ev.PauseRequested() | ev.RollbackRequested() | ev.HaltRequested():
            what = REQUESTED[type(e)].format(reason=_quoted(e.reason))
        case ev.ResumeRequested():
            what = N_("resume requested")
        case _:
            what = type(e).__name__
    return N_("refused: {what}: {reason}").format(what=what, reason=reason)


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
    return N_("{requests} req {error_rate:.2%} err{stats}").format(requests=w.requests, error_rate=w.error_rate, stats=stats)
