"""One operator per target: a lock on the load balancer a plan steers, shared by the whole host.

The run directory's lock (adapters/rundir.py) stops two Turnouts from conducting the same run.
It does not stop two different plans from fighting over the weights of one backend: a copy
of the plan under another name, or a colleague's plan in another checkout. This lock is
keyed by the target itself, as each type's entry in adapters/lb.py declares it:

- HAProxy: the runtime API socket and the backend;
- nginx: the upstream file and block (reload mode) or the admin URL (Lua mode);
- command: the ``set_weights`` template;
- sim: no host-wide lock (``NoHostLock``), it steers nothing outside its rehearsal.

The locks live in a directory that every user of the host shares: ``TURNOUT_LOCK_DIR``,
by default ``/tmp/turnout-locks``. A second operator on the same bastion is refused, and
the message names the holder's pid and plan. An ``flock`` is released by the kernel when its
process dies, so a ``kill -9`` never leaves a stale lock behind. Operators on different hosts
are not covered; that would need a lock in the load balancer itself.
"""

from __future__ import annotations

import hashlib
import os

from rollout.plan import Plan

from .lb import LockTarget, NoHostLock, live_lb
from .rundir import Locked, try_flock

DEFAULT_DIR = "/tmp/turnout-locks"


def lock_target(plan: Plan) -> LockTarget | NoHostLock:
    """What the plan steers, from its type's entry; an unknown type is a located error."""
    lock = live_lb(plan.load_balancer).lock
    return lock if isinstance(lock, NoHostLock) else lock(plan.load_balancer)


def target_of(plan: Plan) -> str | None:
    """What the plan steers, as the operator reads it; None when its type has no host-wide lock."""
    target = lock_target(plan)
    return None if isinstance(target, NoHostLock) else target.label


def _lock_dir() -> str:
    path = os.environ.get("TURNOUT_LOCK_DIR") or DEFAULT_DIR
    if not os.path.isdir(path):
        os.makedirs(path, exist_ok=True)
        try:
            os.chmod(path, 0o1777)  # like /tmp: every user may lock, nobody may remove another's file
        except PermissionError:
            pass  # another user created it a moment ago, and set its mode
    return path


def _open(path: str) -> tuple[int, bool]:
    """(fd, writable): another user's lock file can still be locked, read-only."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644), True
    except PermissionError:
        return os.open(path, os.O_RDONLY), False


class TargetLock:
    def __init__(self, plan: Plan, plan_path: str):
        self.guards = lock_target(plan)
        self.target = None if isinstance(self.guards, NoHostLock) else self.guards.label
        self.plan_path = os.path.abspath(plan_path)
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the target's lock, or raise Locked naming the target and who holds it."""
        if isinstance(self.guards, NoHostLock):
            return
        name = hashlib.sha256(self.guards.key.encode()).hexdigest()[:24] + ".lock"
        try:
            fd, writable = _open(os.path.join(_lock_dir(), name))
        except OSError as exc:
            raise Locked(f"{self.target}: cannot take the target lock in {exc.filename}: {exc.strerror}; "
                         "point TURNOUT_LOCK_DIR at a directory every operator can write") from None
        holder = try_flock(fd, f"pid {os.getpid()}, plan {self.plan_path}" if writable else None)
        if holder is not None:
            raise Locked(f"{self.target}: another turnout ({holder or 'pid ?'}) is steering this load balancer; "
                         "one operator per target")
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
