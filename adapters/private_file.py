"""Write a file only its owner can read: mode 0600 from the first byte, fsynced before it counts.

Backups of a node's kong.yml hold credentials (key-auth keys, certificates); the lab's state and
env files hold its key; ``turnout lint --fix`` writes a converted kong.yml. None of them may be
readable by others even for a moment. A file that replaces another is written beside it and
renamed over it in one step, so a crash never leaves a half-written state file or kong.yml; a file
that must not replace anything (a backup keeps every earlier backup) claims its name with
``O_EXCL`` first, as the backup always did, and is removed again if writing it fails.
"""

from __future__ import annotations

import contextlib
import os


def write_private(path: str, data: str | bytes, *, replace: bool = True) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` with mode 0600.

    ``replace=False`` raises FileExistsError when ``path`` exists. Other OSErrors pass through
    for the caller to word."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if not replace:
        _fill(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), path, raw)
        return
    tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp{os.getpid()}")
    _fill(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), tmp, raw)
    try:
        os.replace(tmp, path)
    except OSError:
        _remove(tmp)
        raise


def _fill(fd: int, path: str, raw: bytes) -> None:
    try:
        os.fchmod(fd, 0o600)  # a leftover file of that name may have had other bits
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        _remove(path)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
