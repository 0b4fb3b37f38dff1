"""The report's numbers as tables (title, headers, rows of text), shared by HTML and Markdown."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone

from rollout.durations import format_duration
from rollout.i18n import N_, _, pgettext
from rollout.phrasebook import say, say_phase
from rollout.plan import Plan

from .card import MonteCarlo
from .story import RunStory

WORLDS = (N_("rehearsal"), N_("live"), N_("lab"))  # story.world, said in the Run table
DRAWN_SHOWN = 20  # the first runs' drawn fault values (the JSON keeps them all)


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _limit(value, fmt: str) -> str:
    return _("off") if value is None else fmt.format(value)


def plan_tables(plan: Plan) -> list[Table]:
    steps = Table(_("Steps"), (_("step"), _("Y %"), _("bake"), _("approval")), tuple(
        (str(i + 1), str(s.y), format_duration(s.bake), _("asked") if s.approve else "-") for i, s in enumerate(plan.steps)))
    g = plan.gates
    counts = {True: _("dry run"), False: _("yes")}
    gates = Table(_("Gates"), (_("gate"), _("limit on Y"), _("against X"), _("counts")), (
        ("error_rate", _limit(g.error_rate.max, "{:.2%}"), _limit(g.error_rate.max_delta_vs_x, "+{:.2%}"), counts[g.error_rate.dry_run]),
        ("latency_p99_ms", _limit(g.latency_p99_ms.max, "{:g} ms"), _limit(g.latency_p99_ms.max_ratio_vs_x, "x{:g}"),
         counts[g.latency_p99_ms.dry_run]),
        (_("per node"), "-", _("each Y node vs X") if g.per_node else _("off"), _("yes") if g.per_node else "-"),
    ))
    rules = Table(_("Judging"), (_("setting"), _("value")), (
        (_("window"), format_duration(g.window)), (_("min requests on Y"), str(g.min_requests)),
        (_("failed windows to roll back"), str(g.failures_to_rollback)),
        (_("false-rollback budget"), f"{g.false_rollback_rate:.1%}"),
        (_("automatic rollback"), _("on") if plan.rollback.automatic else _("off")),
        (_("X version"), plan.pools.x.version), (_("Y version"), plan.pools.y.version),
    ))
    return [steps, gates, rules]


def _pool(w) -> tuple[str, str]:
    """Error rate and p99; an average-only source (HAProxy's rtime) says "avg", as the gates do."""
    p99 = w.stat("p99_ms")
    kind = " avg" if w.latency_kind == "average" else ""
    return f"{w.error_rate:.2%}", "-" if p99 is None else f"{p99:.0f}{kind}"


def window_table(story: RunStory) -> Table:
    rows = []
    for w in story.windows:
        total = w.x.requests + w.y.requests
        (ye, yl), (xe, xl) = _pool(w.y), _pool(w.x)
        failed = ", ".join(w.failed_gates + w.held_gates) or "-"
        rows.append((format_duration(w.end), f"{100 * w.y.requests / total:.1f}" if total else "-", say(w.verdict),
                     str(w.y.requests), ye, xe, yl, xl, failed))
    # the header names what the source measured: avg when it gives only averages (HAProxy), else p99
    average = any(w.y.latency_kind == "average" for w in story.windows)
    latency = "avg" if average else "p99"
    return Table(_("Windows"), (_("end"), _("Y {percent} seen").format(
        percent="%"), _("verdict"), _("Y req"), _("Y err"), _("X err"),
                               _("Y {latency} ms").format(latency=latency), _("X {latency} ms").format(latency=latency),
                               _("failed/held")), tuple(rows))


def _clock(story: RunStory, at_s: float) -> str:
    """Relative time, plus UTC wall time for a live run (whose clock is the epoch)."""
    if story.world != "live":
        return format_duration(at_s)
    wall = datetime.fromtimestamp(story.started_at + at_s, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{format_duration(at_s)} ({wall})"


def run_tables(story: RunStory) -> list[Table]:
    t = story.totals
    summary = Table(_("Run"), (_("what"), _("value")), (
        (_("world"), say(story.world)), (_("outcome"), say_phase(story.outcome)), (_("phase"), say_phase(story.phase)),
        (_("duration"), format_duration(story.duration_s)),
        (_("requests judged"), _("{total} ({failed} failed, {failed_on_y} on Y)").format(
            total=t.get("total", 0), failed=t.get("failed", 0), failed_on_y=t.get("failed_on_y", 0))),
        (_("plan sha256"), story.plan_sha256 or "-"),
    ))
    approvals = Table(_("Approvals"), (_("when"), _("step"), _("by")),
                      tuple((_clock(story, a.at_s), str(a.step + 1), a.by) for a in story.approvals))
    backups = Table(_("Backups"), (_("when"), _("node"), _("file"), "sha256", _("entities")),
                    tuple((_clock(story, at), b.node, b.path, b.sha256[:16], str(b.entities)) for at, b in story.backups))
    # the journal's reasons and lines are English facts: said here, in the reader's language
    stops = [(_clock(story, r.at_s), _("rollback requested"), say(r.reason)) for r in story.rollbacks]
    if story.detection is not None:
        gate, at_s, y = story.detection
        stops.insert(0, (_clock(story, at_s), _("detected at {y}% on Y").format(y=y), gate))
    if story.outcome != "completed" and story.reason:
        stops.append((_("end"), say_phase(story.outcome), say(story.reason)))
    timeline = Table(_("Timeline"), (_("when"), _("event")), tuple((_clock(story, line.at_s), say(line.text)) for line in story.lines))
    return [summary, window_table(story), Table(_("What stopped the run"), (_("when"), _("what"), _("why")), tuple(stops)),
            approvals, backups, timeline]


def monte_carlo_tables(mc: MonteCarlo) -> list[Table]:
    card = mc.card
    tables = [Table(_("Report card"), (_("what"), _("value")), tuple(_card_rows(card)))]
    if isinstance(card.get("blast_radius"), dict):
        tables.append(Table(_("Blast radius per run"), (_("requests"), _("mean"), "p50", "p95", _("max")), tuple(
            (_blast_row(kind), *(str(v.get(k)) for k in ("mean", "p50", "p95", "max"))) for kind, v in card["blast_radius"].items())))
    tables.append(Table(_("Caught at each step"), (_("Y %"), pgettext("report card: rehearsals counted", "runs")),
                        tuple((y, str(n)) for y, n in mc.detection_step.items())))
    if card.get("drawn"):
        drawn = card["drawn"]
        runs = list(drawn.items() if isinstance(drawn, dict) else enumerate(drawn))[:DRAWN_SHOWN]
        tables.append(Table(_("Fault values drawn (first {runs} runs)").format(runs=DRAWN_SHOWN),
                            (pgettext("report card: rehearsals counted", "run"), _("drawn")),
                            tuple((str(i), json.dumps(d, sort_keys=True)) for i, d in runs)))
    return tables


def _blast_row(kind: str) -> str:
    """The card's blast_radius key as a row label: failed (beyond the base rate) or slow (over the SLO)."""
    words = {"failed": pgettext("report card: blast radius", "failed"), "slow": pgettext("report card: blast radius", "slow")}
    return words.get(kind, kind)


def _card_rows(card: dict) -> list[tuple[str, str]]:
    """The card's numbers, labelled in the reader's language (the values are the JSON's)."""
    o, ttd, dur = card["outcomes"], card["time_to_detect_s"], card["duration_s"]
    rows = [(pgettext("report card: rehearsals counted", "runs"), str(card["runs"])),
            (_("completed / rolled back / halted"), f"{o['completed']} / {o['rolled_back']} / {o['halted']}"),
            (_("p_detect"), f"{card['p_detect']:.1%}")]
    if card.get("p_detect_ci"):
        rows.append((_("p_detect 95% CI"), "{:.1%} - {:.1%}".format(*card["p_detect_ci"])))
    if card.get("false_rollback"):
        fr = card["false_rollback"]
        ci = _(" (95% CI {low} - {high})").format(low=f"{fr['ci'][0]:.1%}", high=f"{fr['ci'][1]:.1%}") if fr.get("ci") else ""
        rows.append((_("false rollbacks"), f"{fr['count']} = {fr['rate']:.1%}{ci}"))
    rows += [(_("time to detect p50 / p95"), _pair(ttd)), (_("duration p50 / p95"), _pair(dur)),
             (_("bad requests mean / p95"), f"{card['bad_requests']['mean']} / {card['bad_requests']['p95']}")]
    if "seed" in card:
        rows.append((_("seed"), str(card["seed"])))
    for key, label in (("plan", N_("plan")), ("scenario", N_("scenario"))):
        if isinstance(card.get(key), dict):
            rows.append((_(label), f"{card[key].get('name')} (sha256 {str(card[key].get('sha256'))[:16]})"))
    if isinstance(card.get("versions"), dict):
        rows.append((_("versions"), ", ".join(f"{k} {v}" for k, v in card["versions"].items())))
    return rows


def _pair(p: dict) -> str:
    if p.get("p50") is None:
        return _("never")
    return f"{format_duration(p['p50'])} / {format_duration(p['p95'])}"
