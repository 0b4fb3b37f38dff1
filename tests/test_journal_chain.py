"""The journal proves itself: hash-chained lines, a torn tail cut before appending, one-line errors.

Repros from issue 17: a torn last line once got the next event appended onto it (the journal
was unreadable after the next crash); ``"at"`` renamed to ``"ct"`` gave a traceback; a changed
digit in a timestamp replayed into another state. Format: docs/journal-format.md.
"""

import errno
import hashlib
import json
import os
import subprocess
import sys

import pytest

from rollout import events as ev
from rollout import journal as journal_module
from rollout.engine import Engine
from rollout.errors import JournalCorrupt, JournalError, JournalIOError, JournalRefused
from rollout.journal import GENESIS, Journal, load

from .engine_support import plan, run_world

STARTED = ev.RunStarted(1.0, "p")


def write(path, events):
    journal = Journal(str(path))
    for event in events:
        journal.append(event)
    journal.close()


def whole_run(path):
    live = Engine(plan())
    journal = Journal(str(path))
    fed = run_world(live, [ev.RunStarted(0.0, "test plan")], journal=journal)
    journal.close()
    return fed


def test_each_line_is_its_record_sealed_with_a_digest_chained_from_the_genesis(tmp_path):
    path = tmp_path / "journal.jsonl"
    write(path, [STARTED, ev.PauseRequested(2.0)])
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"" and len(lines) == 3
    previous = GENESIS
    for line in lines[:-1]:
        data = json.loads(line)
        record = json.dumps({k: v for k, v in data.items() if k != "sha256"}, separators=(",", ":"), sort_keys=True)
        assert line == record[:-1].encode() + f',"sha256":"{data["sha256"]}"}}'.encode()
        previous = hashlib.sha256((previous + record).encode()).hexdigest()
        assert data["sha256"] == previous
    assert GENESIS == hashlib.sha256(b"turnout journal format 1").hexdigest()


@pytest.mark.parametrize("change, reason", [
    (lambda text: text.replace('"at":2.0', '"at":3.0'), "checksum does not match"),
    (lambda text: text.replace('"at":2.0', '"ct":2.0'), "checksum does not match"),
    (lambda text: text.replace('"sha256":"', '"sha257":"', 2).replace('"sha257":"', '"sha256":"', 1), "no checksum"),
    (lambda text: text + '{"at":9.0,"type":"TimerFired"}\n', "no checksum"),
])
def test_a_changed_line_is_named_by_its_number(tmp_path, change, reason):
    path = tmp_path / "journal.jsonl"
    write(path, [STARTED, ev.PauseRequested(2.0), ev.ResumeRequested(3.0)])
    path.write_text(change(path.read_text()))
    with pytest.raises(JournalCorrupt) as exc:
        Journal.read(str(path))
    assert exc.value.path == str(path) and exc.value.line in (2, 4)
    assert str(exc.value).startswith(f"{path}:{exc.value.line}: {reason}") and "\n" not in str(exc.value)


def test_a_torn_tail_is_left_out_on_read_and_cut_before_the_next_append(tmp_path):
    path = tmp_path / "journal.jsonl"
    write(path, [STARTED, ev.PauseRequested(2.0)])
    whole = path.read_bytes()
    with open(path, "ab") as f:
        f.write(b'{"type":"WeightsApplied","at":3.0,"x":9')  # kill -9 mid-write
    assert Journal.read(str(path)) == [STARTED, ev.PauseRequested(2.0)]
    assert load(str(path)).torn == 39 and path.read_bytes() != whole  # reading changes nothing
    journal = Journal(str(path))
    assert path.read_bytes() == whole  # cut (and fsynced) before anything is appended
    assert journal.recovered == f"{path}:3: cut a torn last line (39 bytes, a write the crash cut short)"
    journal.append(ev.ResumeRequested(4.0))
    journal.close()
    # The next crash cannot make it unreadable: it reads back whole and clean.
    assert Journal.read(str(path)) == [STARTED, ev.PauseRequested(2.0), ev.ResumeRequested(4.0)]
    assert load(str(path)).torn == 0


def test_nothing_is_appended_to_a_journal_that_does_not_verify(tmp_path):
    path = tmp_path / "journal.jsonl"
    write(path, [STARTED, ev.PauseRequested(2.0)])
    damaged = path.read_text().replace('"at":2.0', '"at":2.5')
    path.write_text(damaged)
    with pytest.raises(JournalCorrupt, match=r"journal.jsonl:2: checksum does not match"):
        Journal(str(path))
    assert path.read_text() == damaged


def test_a_format_0_journal_is_read_and_the_chain_carries_on_from_it(tmp_path):
    """A run started by Turnout before format 1 resumes: its lines read (unverified), new lines chain onto them."""
    path = tmp_path / "journal.jsonl"
    old = [json.dumps(journal_module.to_dict(e), separators=(",", ":"), sort_keys=True) for e in (STARTED, ev.PauseRequested(2.0))]
    path.write_text("\n".join(old) + "\n" + '{"type":"WeightsApplied","at":3.0,"x":9')
    assert load(str(path)).legacy == 2
    journal = Journal(str(path))
    journal.append(ev.ResumeRequested(4.0))
    journal.close()
    assert Journal.read(str(path)) == [STARTED, ev.PauseRequested(2.0), ev.ResumeRequested(4.0)]
    # From now on the old lines are covered: changing one breaks the first checksummed line.
    path.write_text(path.read_text().replace('"at":2.0', '"at":2.5'))
    with pytest.raises(JournalCorrupt, match=r":3: checksum does not match"):
        Journal.read(str(path))


def test_a_format_0_journal_with_a_bad_event_is_one_line_not_a_traceback(tmp_path):
    """Issue 17, item 1: a journaled ``"step": "abc"`` crashed every replay; now it is named."""
    path = tmp_path / "journal.jsonl"
    path.write_text('{"at":1.0,"plan_name":"p","plan_sha256":"","type":"RunStarted","world":"live"}\n'
                    '{"at":0,"step":"abc","type":"StepApproved"}\n')
    with pytest.raises(JournalCorrupt) as exc:
        Journal.read(str(path))
    assert str(exc.value) == f"{path}:2: StepApproved.step: expected an integer, got 'abc'"
    path.write_text('{"ct":1.0,"type":"TimerFired"}\n')
    with pytest.raises(JournalCorrupt, match=r":1: TimerFired: unknown field 'ct'"):
        Journal.read(str(path))


def test_a_failed_append_is_taken_back_and_the_journal_stays_readable(tmp_path, monkeypatch):
    path = tmp_path / "journal.jsonl"
    journal = Journal(str(path))
    journal.append(STARTED)
    real_write = os.write

    def disk_fills_up(fd, data):
        real_write(fd, data[:10])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(journal_module.os, "write", disk_fills_up)
    with pytest.raises(JournalIOError) as exc:
        journal.append(ev.PauseRequested(2.0))
    assert str(exc.value) == f"{path}: cannot append (No space left on device)"
    assert isinstance(exc.value, JournalError) and isinstance(exc.value, OSError)
    monkeypatch.setattr(journal_module.os, "write", real_write)
    assert Journal.read(str(path)) == [STARTED] and load(str(path)).torn == 0
    journal.append(ev.PauseRequested(3.0))  # once there is space again the chain carries on
    journal.close()
    assert Journal.read(str(path)) == [STARTED, ev.PauseRequested(3.0)]


def test_a_full_device_is_one_line():
    journal = Journal("/dev/full")
    with pytest.raises(JournalIOError, match=r"^/dev/full: cannot append \(No space left on device\)$"):
        journal.append(STARTED)
    journal.close()


def test_an_event_that_would_not_read_back_is_refused_before_it_is_written(tmp_path):
    path = tmp_path / "journal.jsonl"
    journal = Journal(str(path))
    with pytest.raises(JournalRefused, match=r"journal.jsonl: .*TimerFired.at: expected a finite number, got nan"):
        journal.append(ev.TimerFired(float("nan")))
    with pytest.raises(JournalRefused, match="StepApproved.step: expected an integer"):
        journal.append(ev.StepApproved(1.0, "abc"))
    journal.close()
    assert path.read_bytes() == b""


def test_a_whole_run_replays_from_its_verified_journal(tmp_path):
    path = tmp_path / "journal.jsonl"
    fed = whole_run(path)
    assert Journal.read(str(path)) == fed


def test_the_hand_check_in_the_docs_verifies_a_real_journal(tmp_path):
    """docs/journal-format.md shows how to check a journal with the shell: it must work."""
    path = tmp_path / "journal.jsonl"
    whole_run(path)
    docs = open(os.path.join(os.path.dirname(__file__), "..", "docs", "journal-format.md")).read()
    script = docs.split("```sh\n", 1)[1].split("```", 1)[0]
    good = subprocess.run(["bash", "-c", script, "check", str(path)], capture_output=True, text=True, timeout=60)
    assert good.returncode == 0 and good.stdout.strip().endswith("ok"), good.stdout + good.stderr
    path.write_text(path.read_text().replace('"at":60.0', '"at":61.0', 1))
    bad = subprocess.run(["bash", "-c", script, "check", str(path)], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "checksum does not match" in bad.stdout, bad.stdout + bad.stderr


@pytest.mark.parametrize("second", ['{"at":0,"step":"abc","type":"StepApproved"}', '{"ct":2.0,"type":"TimerFired"}'])
def test_turnout_run_on_a_bad_journal_says_one_line_and_no_traceback(tmp_path, second):
    """Issue 17, items 1 and 4, through the CLI: the replay never starts on a bad journal."""
    (tmp_path / "journal.jsonl").write_text(
        '{"at":1.0,"plan_name":"p","plan_sha256":"","type":"RunStarted","world":"live"}\n' + second + "\n")
    env = dict(os.environ, TURNOUT_LOCK_DIR=str(tmp_path / "locks"), PYTHONPATH=os.getcwd())
    run = subprocess.run([sys.executable, "-m", "tui.cli", "run", "plans/weighted-dns.yml", "--headless",
                          "--run-dir", str(tmp_path)], capture_output=True, text=True, timeout=60, env=env)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"turnout: {tmp_path}/journal.jsonl:2: ")
    assert run.stderr.rstrip().endswith("traffic goes back to X without it: turnout run plans/weighted-dns.yml --rollback")
