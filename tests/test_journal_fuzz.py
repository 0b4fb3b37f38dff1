"""Damaged journals (hypothesis): a reader either gets the exact prefix of good events, or one
JournalCorrupt naming the line where the damage is. Never a traceback, never another state.

Journals come from real engine runs (random mixes of world answers and injected events, as in
test_engine_invariants), written by the real writer; then one piece of damage: a flipped
byte, a truncation, a deleted, duplicated or swapped line, a changed digit of a timestamp, a
renamed key. Issue 17, item 4: of 3,000 byte flips, 5% gave a traceback and 12% replayed
into another state.
"""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from rollout import events as ev
from rollout.errors import JournalCorrupt
from rollout.journal import GENESIS, chain, encode, parse, seal
from rollout.replay import replay

from .test_engine_invariants import PLAN, actions, play

PATH = "run/journal.jsonl"


def journal_of(choices) -> tuple[list, list[bytes]]:
    """A real run's events and its journal's lines (each with its newline), as the writer seals them."""
    _, fed, _ = play(choices)
    lines, head = [], GENESIS
    for event in fed:
        record = encode(event)
        head = chain(head, record)
        lines.append((seal(record, head) + "\n").encode())
    return fed, lines


def read(data: bytes):
    """What a reader gets: ("ok", events, torn bytes) or ("corrupt", line). Anything else fails the test."""
    try:
        found = parse(data, PATH)
    except JournalCorrupt as exc:
        assert str(exc) == f"{PATH}:{exc.line}: {exc.reason}" and "\n" not in str(exc)
        return ("corrupt", exc.line)
    return ("ok", found.events, found.torn)


def prefix(events, lines, data: bytes):
    """The good prefix of ``data`` when it is the journal cut somewhere: (events kept, torn bytes)."""
    kept, size = 0, 0
    while kept < len(lines) and size + len(lines[kept]) <= len(data):
        size += len(lines[kept])
        kept += 1
    return ("ok", events[:kept], len(data) - size)


def line_at(lines, offset: int) -> int:
    """The 1-based number of the line holding byte ``offset``."""
    end = 0
    for number, line in enumerate(lines, start=1):
        end += len(line)
        if offset < end:
            return number
    raise AssertionError(offset)


@settings(max_examples=300, deadline=None)
@given(actions, st.data())
def test_a_flipped_byte_is_named_or_is_a_torn_tail(choices, data):
    events, lines = journal_of(choices)
    whole = b"".join(lines)
    offset = data.draw(st.integers(0, len(whole) - 1))
    damaged = bytearray(whole)
    damaged[offset] ^= data.draw(st.integers(1, 255))
    got = read(bytes(damaged))
    if offset == len(whole) - 1:  # the last newline: the last line is now a torn write
        assert got == ("ok", events[:-1], len(lines[-1]))
    else:
        assert got == ("corrupt", line_at(lines, offset))


@settings(max_examples=200, deadline=None)
@given(actions, st.data())
def test_a_truncated_journal_reads_as_its_good_prefix(choices, data):
    events, lines = journal_of(choices)
    whole = b"".join(lines)
    cut = whole[: data.draw(st.integers(0, len(whole)))]
    got = read(cut)
    assert got == prefix(events, lines, cut)
    assert replay(PLAN, got[1]).snapshot() == replay(PLAN, prefix(events, lines, cut)[1]).snapshot()


@settings(max_examples=200, deadline=None)
@given(actions, st.data())
def test_a_removed_added_or_reordered_line_is_named(choices, data):
    events, lines = journal_of(choices)
    i = data.draw(st.integers(0, len(lines) - 1))
    kind = data.draw(st.sampled_from(["delete", "duplicate", "swap"]))
    damaged = list(lines)
    if kind == "delete":
        del damaged[i]
        expected = ("ok", events[:-1], 0) if i == len(lines) - 1 else ("corrupt", i + 1)
    elif kind == "duplicate":
        damaged.insert(i, lines[i])
        expected = ("corrupt", i + 2)
    else:
        j = data.draw(st.integers(0, len(lines) - 1).filter(lambda j: j != i)) if len(lines) > 1 else i
        damaged[i], damaged[j] = damaged[j], damaged[i]
        expected = ("corrupt", min(i, j) + 1) if i != j else ("ok", events, 0)
    assert read(b"".join(damaged)) == expected


@settings(max_examples=200, deadline=None)
@given(actions, st.data())
def test_a_changed_timestamp_or_renamed_key_is_named(choices, data):
    events, lines = journal_of(choices)
    i = data.draw(st.integers(0, len(lines) - 1))
    line = lines[i].decode()
    if data.draw(st.booleans()):
        digits = [m.start() for m in re.finditer(r"\d", re.search(r'"at":[0-9.e+-]+', line).group())]
        start = line.index('"at":') + data.draw(st.sampled_from(digits))
        new = data.draw(st.sampled_from([d for d in "0123456789" if d != line[start]]))
        changed = line[:start] + new + line[start + 1:]
    else:
        key = data.draw(st.sampled_from(re.findall(r'"([a-z_0-9]+)":', line.split(',"sha256"')[0])))
        changed = line.replace(f'"{key}":', f'"{key}x":', 1)
    damaged = lines[:i] + [changed.encode()] + lines[i + 1:]
    assert read(b"".join(damaged)) == ("corrupt", i + 1)


@settings(max_examples=50, deadline=None)
@given(actions, st.binary(min_size=1, max_size=300).filter(lambda b: b"\n" not in b))
def test_any_torn_tail_is_left_out_and_the_rest_replays_the_same(choices, tail):
    events, lines = journal_of(choices)
    assert read(b"".join(lines) + tail) == ("ok", events, len(tail))
    assert events[0] == ev.RunStarted(0.0, "test plan")
