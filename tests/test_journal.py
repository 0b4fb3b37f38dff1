"""The journal: fsynced JSON lines that replay into the same engine, with no secrets and 0600."""

import os
import stat

import pytest

from rollout import events as ev
from rollout.engine import Engine
from rollout.journal import Journal, decode, encode
from rollout.replay import replay

from .engine_support import plan, run_world, sample_events


def test_every_event_type_round_trips():
    for event in sample_events(12.5):
        assert decode(encode(event)) == event


def test_journal_file_is_private_and_replays_a_whole_run(tmp_path):
    path = tmp_path / "run" / "journal.jsonl"
    journal = Journal(str(path))
    live = Engine(plan())
    run_world(live, [ev.RunStarted(0.0, "test plan")], journal=journal)
    journal.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert live.phase.value == "done"
    rebuilt = replay(plan(), Journal.read(str(path)))
    assert rebuilt.snapshot() == live.snapshot()


def test_a_torn_last_line_is_dropped(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(str(path))
    journal.append(ev.RunStarted(1.0, "p"))
    journal.append(ev.PauseRequested(2.0))
    journal.close()
    with open(path, "a") as f:
        f.write('{"type":"WeightsApplied","at":3.0,"x":9')  # kill -9 mid-write
    assert [type(e).__name__ for e in Journal.read(str(path))] == ["RunStarted", "PauseRequested"]


def test_the_journal_refuses_to_write_a_secret(tmp_path):
    journal = Journal(str(tmp_path / "j.jsonl"), secrets=["s3cr3t-token"])
    with pytest.raises(ValueError, match="secret"):
        journal.append(ev.CommandFailed(1.0, "GET /", "x1: rejected with token s3cr3t-token"))
    journal.close()
    assert "s3cr3t" not in (tmp_path / "j.jsonl").read_text()


# A WindowJudged line as journals held it before windows carried their statistics by name.
OLD_WINDOW_LINE = (
    '{"type":"WindowJudged","at":65.0,"start":5.0,'
    '"x":{"requests":1800,"errors":1,"p50_ms":10.0,"p99_ms":50.0,"nodes":[{"node":"x1","requests":900,"errors":1,"p99_ms":48.0}]},'
    '"y":{"requests":200,"errors":0,"p50_ms":10.0,"p99_ms":1400.0,"nodes":[]}}'
)


def test_a_journal_written_before_named_statistics_still_replays():
    """Old p50_ms/p99_ms fields become named statistics, so the old run is judged as it was."""
    event = decode(OLD_WINDOW_LINE)
    assert event.y.stats == {"p50_ms": 10.0, "p99_ms": 1400.0} and event.y.latency_kind == "quantile"
    assert event.x.nodes[0].stat("p99_ms") == 48.0
    assert decode(encode(event)) == event
    live = Engine(plan())
    fed = run_world(live, [ev.RunStarted(0.0, "test plan")], until=lambda e: e.phase.value == "shift" and e.bake_start is not None)
    rebuilt = replay(plan(), fed + [event])
    assert rebuilt.snapshot().last_verdict.failed_gates == ("latency_p99_ms",)
