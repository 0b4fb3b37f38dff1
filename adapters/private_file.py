"""Write a file only its owner can read: mode 0600 from the first byte, complete or not at all.

Backups of a node's kong.yml hold credentials (key-auth keys, certificates); the lab's state and
env files hold its key; ``turnout lint --fix`` writes a converted kong.yml. None of them may be
readable by others even for a moment, and none may be left half-written by a crash: the text goes
to a 0600 temporary file beside the target, is fsynced, then takes the target's name in one step.
"""

from __future__ import annotations

import os


def write_private(path: str, data: str | bytes, *, replace: bool = True) -> None:
    """Write ``data`` to ``path`` with mode 0600, atomically.

    ``replace=False`` never overwrites: it raises FileExistsError when ``path`` exists (a backup
    keeps every earlier backup). Other OSErrors pass through for the caller to word."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = os.path.join(os.path.dirname(path) or ".", f".{os.path.basename(path)}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an earlier leftover tmp may have had other bits
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails with FileExistsError instead of overwriting
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)
