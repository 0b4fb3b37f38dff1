"""A run's directory: its journal, and the lock that keeps one operator per run.

``.turnout/<plan-slug>/`` holds ``journal.jsonl`` (fsynced events; the run resumes from it)
and ``lock`` (an flock held while a Turnout conducts the run; the kernel drops it when the
process dies, even by ``kill -9``, so a stale lock never blocks a restart).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import stat
import time

from rollout.errors import TurnoutError
from rollout.journal import Journal
from rollout.i18n import N_


class Locked(TurnoutError):
    pass


class Unsafe(Locked):
    """The run directory (or its journal) could be changed by someone else: it is not locked or used."""


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-").lower() or "plan"


def plan_sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def try_flock(fd: int, holder: str | None) -> str | None:
    """Take an exclusive flock on ``fd`` without waiting. Taken: write ``holder`` (when given) into
    the file for whoever is refused next, and return None. Held by another process: close ``fd``
    and return what that holder wrote."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        written = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        os.close(fd)
        return written
    if holder is not None:
        os.ftruncate(fd, 0)
        os.pwrite(fd, holder.encode(), 0)
    return None


class RunDir:
    def __init__(self, path: str):
        self.path = path
        os.makedirs(path, mode=0o700, exist_ok=True)
        self.journal_path = os.path.join(path, "journal.jsonl")
        self._lock_fd: int | None = None

    def check_private(self) -> None:
        """Refuse a directory or journal another user could write: the journal there decides what
        traffic does on ``--resume`` and ``--rollback``, so it must be the operator's alone."""
        for path in (self.path, self.journal_path):
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            if st.st_uid != os.geteuid():
                raise Unsafe(N_("{path}: owned by another user (uid {uid}); "
                                "a run directory must be yours alone (use another --run-dir)").format(path=path, uid=st.st_uid))
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                who = N_("everyone") if st.st_mode & stat.S_IWOTH else N_("its group")
                raise Unsafe(N_("{path}: writable by {who} (mode {mode}); its journal decides what traffic does, "
                                "so it must be yours alone: chmod go-w {path}").format(
                    path=path, who=who, mode=f"{stat.S_IMODE(st.st_mode):o}"))

    def lock(self) -> None:
        """Take the run's lock or raise Locked naming the holder's pid (Unsafe: the directory is not private)."""
        self.check_private()
        fd = os.open(os.path.join(self.path, "lock"), os.O_RDWR | os.O_CREAT, 0o600)
        holder = try_flock(fd, str(os.getpid()))
        if holder is not None:
            raise Locked(N_("{path}: another turnout (pid {pid}) is conducting this run; attach to it or wait").format(
                path=self.path, pid=holder or "?"))
        self._lock_fd = fd

    def unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def previous_events(self) -> list:
        """The journal's events, verified; rollout.errors.JournalError names the file and the bad line."""
        return Journal.read(self.journal_path) if os.path.exists(self.journal_path) else []

    def archive(self) -> str:
        """Move a finished run's journal aside so a new run starts clean."""
        target = os.path.join(self.path, time.strftime("journal-%Y%m%dT%H%M%SZ.jsonl", time.gmtime()))
        os.replace(self.journal_path, target)
        return target
