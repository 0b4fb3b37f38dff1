"""One operator per target: a lock on the load balancer a plan steers, shared by the whole host.

The run directory's lock (adapters/rundir.py) stops two Turnouts from conducting the same run.
It does not stop two different plans from fighting over the weights of one backend: a copy
of the plan under another name, or a colleague's plan in another checkout, or the same HAProxy
reached through a symlink or its TCP address. So this lock is keyed by what the plan reaches,
not by its words (``LockTarget.identity``, asked of the world by adapters/lock_identity.py):

- HAProxy: the process behind the socket (``show info`` node and ``show cli sockets``) and the backend;
- nginx: the upstream file's directory and name (reload mode), the admin URL's resolved host and port (Lua mode);
- command: the ``set_weights`` template, whitespace normalised;
- sim: no host-wide lock (``NoHostLock``), it steers nothing outside its rehearsal.

An identity that cannot be read (the load balancer is down) refuses the run in one line, as its
preflight would; ``--rollback`` is never blocked by it: it falls back to the plan's words and says so.

The locks live in a directory every operator of the host shares: ``/run/lock/turnout`` (or
``/var/lock/turnout``), made mode 1777 like /tmp, its files 0666 so another user's run is still
refused; ``/tmp/turnout-locks`` with a warning when neither can be used. ``TURNOUT_LOCK_DIR``
overrides it (tests). An ``flock`` is released by the kernel when its process dies, so a
``kill -9`` never leaves a stale lock behind. Operators on different hosts are not covered:
docs/design.md says how a team closes that.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import os
import stat

from rollout.errors import AdapterError
from rollout.plan import Plan
from rollout.i18n import N_

from .lb import LockTarget, NoHostLock, live_lb
from .rundir import Locked, try_flock

SHARED_DIRS = ("/run/lock/turnout", "/var/lock/turnout")
FALLBACK_DIR = "/tmp/turnout-locks"


class TargetUnknown(Locked):
    """What the plan reaches cannot be told (the load balancer is down): the lock cannot be keyed."""


def lock_target(plan: Plan) -> LockTarget | NoHostLock:
    """What the plan steers, from its type's entry; an unknown type is a located error."""
    lock = live_lb(plan.load_balancer).lock
    return lock if isinstance(lock, NoHostLock) else lock(plan.load_balancer)


def target_of(plan: Plan) -> str | None:
    """What the plan steers, as the operator reads it; None when its type has no host-wide lock."""
    target = lock_target(plan)
    return None if isinstance(target, NoHostLock) else target.label


def _shared(path: str, parents: bool = True) -> str:
    """The directory, made if missing (its parent too, when ``parents``), mode 1777 like /tmp: every
    user may lock, nobody may remove another's file. A world-writable one without the sticky bit
    is refused: anyone could remove a held lock's file, and the next run would lock a new one."""
    if not os.path.isdir(path):
        try:
            (os.makedirs if parents else os.mkdir)(path)
            os.chmod(path, 0o1777)
        except (FileExistsError, PermissionError):
            pass  # another user made it a moment ago, or we may not: what it is now is checked below
    mode = os.stat(path).st_mode
    if not stat.S_ISDIR(mode):
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), path)
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        raise PermissionError(errno.EPERM, "world-writable without the sticky bit (chmod +t it)", path)
    return path


def lock_directory(candidates: tuple[str, ...], fallback: str) -> tuple[str, str | None]:
    """(directory, warning): ``TURNOUT_LOCK_DIR``, else the first shared candidate this user can
    use (made only where its parent exists), else ``fallback`` with a warning (other operators
    may lock elsewhere)."""
    if os.environ.get("TURNOUT_LOCK_DIR"):
        return _shared(os.environ["TURNOUT_LOCK_DIR"]), None
    for path in candidates:
        if os.path.isdir(path) and not os.access(path, os.W_OK | os.X_OK):
            continue  # made by an admin without 1777: not ours to change
        try:
            return _shared(path, parents=False), None
        except OSError:
            continue
    return _shared(fallback), (
        f"turnout: none of {', '.join(candidates)} is writable by this user: the target lock is in {fallback}, "
        f"where an operator locking in {candidates[0]} does not see it; ask for `install -d -m 1777 {candidates[0]}`")


def _open(path: str) -> tuple[int, bool]:
    """(fd, writable). An existing file is opened without O_CREAT (``fs.protected_regular``
    refuses O_CREAT on another user's file in a sticky directory), read-only when its mode keeps
    us out (flock works on it all the same); a new one is made 0666. Never through a symlink."""
    for _ in range(3):
        try:
            return os.open(path, os.O_RDWR | os.O_NOFOLLOW), True
        except PermissionError:
            return os.open(path, os.O_RDONLY | os.O_NOFOLLOW), False
        except FileNotFoundError:
            pass
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
        except FileExistsError:
            continue  # another run made it a moment ago: open theirs
        os.fchmod(fd, 0o666)  # the umask took some bits away
        return fd, True
    raise FileExistsError(errno.EEXIST, "made and removed under us three times", path)


class TargetLock:
    def __init__(self, plan: Plan, plan_path: str):
        self.guards = lock_target(plan)
        self.target = None if isinstance(self.guards, NoHostLock) else self.guards.label
        self.plan_path = os.path.abspath(plan_path)
        self.warnings: list[str] = []  # lines for the operator: a fallback key or lock directory
        self._spec, self._timeout = plan.load_balancer, plan.timeouts.request
        self._identify = None if isinstance(self.guards, NoHostLock) else live_lb(self._spec).identify
        self._fd: int | None = None

    async def identify(self, rollback: bool = False) -> None:
        """Ask the world what the plan's words reach, so every route to it takes one lock. Unreadable:
        raise TargetUnknown (one line), or for ``--rollback`` keep the label as the key and say so."""
        if self._identify is None:
            return
        try:
            identity = await self._identify(self._spec, self._timeout)
        except AdapterError as exc:
            if not rollback:
                raise TargetUnknown(N_("{target}: cannot tell which load balancer this is, so it cannot be "
                                       "locked ({why}); is it running? (--rollback goes on without it)").format(
                    target=self.target, why=exc)) from None
            self.warnings.append(N_("turnout: {target}: cannot tell which load balancer this is ({why}); "
                                    "the target lock for this --rollback is keyed by the plan's words, so a run that "
                                    "reaches it another way is not excluded").format(target=self.target, why=exc))
        else:
            self.guards = dataclasses.replace(self.guards, identity=identity)
        self._identify = None

    def acquire(self) -> None:
        """Take the target's lock, or raise Locked naming the target and who holds it."""
        if isinstance(self.guards, NoHostLock):
            return
        assert self._identify is None, "identify() first: this type's lock is keyed by what the plan reaches"
        name = hashlib.sha256(self.guards.key.encode()).hexdigest()[:24] + ".lock"
        try:
            directory, warning = lock_directory(SHARED_DIRS, FALLBACK_DIR)
            fd, writable = _open(os.path.join(directory, name))
        except OSError as exc:
            raise Locked(N_("{target}: cannot take the target lock in {directory}: {why}; "
                            "point TURNOUT_LOCK_DIR at a directory every operator can write").format(
                target=self.target, directory=exc.filename, why=exc.strerror)) from None
        holder = try_flock(fd, f"pid {os.getpid()}, plan {self.plan_path}" if writable else None)
        if holder is not None:
            raise Locked(N_("{target}: another turnout ({holder}) is steering this load balancer; "
                            "one operator per target").format(target=self.target, holder=holder or "pid ?"))
        self.warnings += [warning] if warning else []
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
