"""Hostile plan files (issue 17, item 6): a binary, 5,000-deep nesting, an alias bomb, a FIFO,
/dev/zero, a directory, a 50 MB file... each gets one line naming the file, exit 2, within a
second or two and bounded memory, through every subcommand that loads a plan or a scenario."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rollout.yaml_input import MAX_BYTES, MAX_DEPTH, MAX_NODES
from tui.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "plans" / "demo.yml")
LAUGHS = "".join(
    f"{a}: &{a} [" + ",".join([f"*{b}"] * 9 if b else ['"lol"'] * 9) + "]\n"
    for a, b in zip("abcdefghi", [None, *"abcdefgh"])
)


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return str(path)


def _sparse(path: Path, size: int) -> str:
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


def _text(path: Path, text: str | bytes) -> str:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return str(path)


# name -> (make the file in a directory, fragment of the one line)
HOSTILE = {
    "binary": (lambda d: _text(d / "p.yml", b"turnout: 1\n\xff\xfe\x00\x01name"), "not UTF-8 text (byte 0xff)"),
    "random bytes": (lambda d: _text(d / "p.yml", bytes(range(256)) * 16), "not UTF-8 text"),
    "control characters": (lambda d: _text(d / "p.yml", "turnout: 1\nname: \x00\x1b[2J\n"), "not valid YAML"),
    "5,000-deep nesting": (lambda d: _text(d / "p.yml", "a: " + "[" * 5000 + "]" * 5000), f"deeper than {MAX_DEPTH} levels"),
    "deep block nesting": (lambda d: _text(d / "p.yml", "".join(" " * i + f"k{i}:\n" for i in range(200))), "deeper than"),
    "billion laughs": (lambda d: _text(d / "p.yml", LAUGHS), "anchors and aliases"),
    "one anchor": (lambda d: _text(d / "p.yml", "turnout: 1\nsteps: &s [{y: 100}]\n"), "anchors and aliases"),
    "too many values": (lambda d: _text(d / "p.yml", "a: [" + "1," * (MAX_NODES + 10) + "1]\n"), f"more than {MAX_NODES:,}"),
    "a FIFO": (lambda d: _fifo(d / "p.yml"), "a FIFO (named pipe), not a regular file"),
    "/dev/zero": (lambda d: "/dev/zero", "a character device, not a regular file"),
    "a directory": (lambda d: str(d), "a directory, not a regular file"),
    "50 MB": (lambda d: _sparse(d / "p.yml", 50 * 2**20), "larger than 1 MiB (52,428,800 bytes)"),
    "just over 1 MiB": (lambda d: _text(d / "p.yml", "#" * MAX_BYTES + "\n"), "larger than 1 MiB"),
    "missing": (lambda d: str(d / "missing.yml"), "cannot read: No such file or directory"),
    "an impossible date": (lambda d: _text(d / "p.yml", "turnout: 1\nname: 2024-02-30\n"), "cannot read this value"),
    "a 5,000-digit integer": (lambda d: _text(d / "p.yml", "turnout: " + "9" * 5000 + "\n"), "cannot read this value"),
    "an unknown tag": (lambda d: _text(d / "p.yml", "turnout: !!python/object:os.system x\n"), "not valid YAML"),
    "two documents": (lambda d: _text(d / "p.yml", "turnout: 1\n---\nturnout: 1\n"), "not valid YAML"),
}
SUBCOMMANDS = {
    "validate": ["validate", "{}"],
    "run": ["run", "{}", "--headless"],
    "rehearse": ["rehearse", "{}", "--headless"],
    "rehearse --scenario": ["rehearse", DEMO, "--headless", "--scenario", "{}"],
    "preflight": ["preflight", "{}"],
    "backup": ["backup", "{}"],
    "drill": ["drill", "{}"],
    "attach": ["attach", "{}"],
}


HANG_S = 20.0


@pytest.mark.timeout(30)
@pytest.mark.parametrize("kind", HOSTILE)
@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_a_hostile_file_gets_one_line_naming_it_quickly(kind, command, tmp_path, capsys):
    make, fragment = HOSTILE[kind]
    path = make(tmp_path)
    started = time.monotonic()
    code = main([part.replace("{}", path) for part in SUBCOMMANDS[command]])
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert code == 2
    assert len(lines) == 1 and lines[0].startswith(f"{path}:") and fragment in lines[0], lines
    assert len(lines[0]) < 300 and lines[0].isprintable()
    # A guard against a hang (a FIFO waits forever, an alias bomb walks billions of values), not a
    # speed test: importing the simulator alone takes seconds on a loaded machine; bench/startup.py
    # measures how fast the commands answer.
    assert elapsed < HANG_S, f"{kind} took {elapsed:.1f}s"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("kind", ["billion laughs", "a FIFO", "50 MB", "5,000-deep nesting"])
def test_turnout_run_refuses_a_hostile_file_in_bounded_time_and_memory(kind, tmp_path):
    """The issue's repros, as an operator meets them: a process, its exit code, its stderr, its peak memory."""
    path = HOSTILE[kind][0](tmp_path)
    started = time.monotonic()
    with open(tmp_path / "out.txt", "w+") as out, open(tmp_path / "err.txt", "w+") as err:
        child = subprocess.Popen([sys.executable, "-m", "tui.cli", "run", path, "--headless"], cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory, not the test run's
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        printed, said = out.read(), err.read()
    assert child.returncode == 2 and printed == ""
    assert said.count("\n") == 1 and said.startswith(f"{path}:") and "Traceback" not in said, said
    assert elapsed < 15, f"{elapsed:.1f}s (Python's start-up included)"
    assert usage.ru_maxrss < 400_000, f"{usage.ru_maxrss} KiB"
