"""Environment files: ``NAME=value`` lines a plan (``env_file:``) or the operator (``--env-file``) names.

A plan refers to secrets as ``${env:NAME}`` and ``admin_auth.token_env``; they come from the
environment so that plan files hold none. An env file lets a run pick them up without an
``export`` (the lab writes one beside its plan). Its variables fill the environment without
overriding anything already set: what the operator exported wins.

The file holds secrets, so it must be private: owned by the user who runs Turnout and
neither readable nor writable by group or others (mode 0600 or stricter). Anything else is
refused with one line naming the file; its values are never printed. Lines are parsed by
python-dotenv (``export`` prefixes, quotes and comments as a shell would read them; no
``${...}`` expansion).
"""

from __future__ import annotations

import io
import os
import stat
from typing import MutableMapping

from dotenv import dotenv_values

from rollout.errors import TurnoutError
from rollout.i18n import N_


class EnvFileError(TurnoutError):
    """An env file that cannot be used (one line, naming the file, never a value)."""


def env_file_paths(plan_path: str, plan_env_file: str | None, flag: str | None = None) -> list[str]:
    """The files to read, in order of precedence: ``--env-file`` first, then the plan's ``env_file``
    (relative to the plan's directory)."""
    paths = [flag] if flag else []
    if plan_env_file:
        paths.append(os.path.join(os.path.dirname(os.path.abspath(plan_path)), plan_env_file))
    return paths


def read_env_file(path: str) -> dict[str, str]:
    """The variables in ``path``, after checking it is private to the current user."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        raise EnvFileError(N_("{path}: cannot read the env file: {why}").format(path=path, why=exc.strerror)) from None
    with os.fdopen(fd, encoding="utf-8") as f:
        info = os.fstat(f.fileno())  # the file we read, not whatever the path names a moment later
        if info.st_uid != os.getuid():
            raise EnvFileError(N_("{path}: env file owned by uid {uid}, not by you (uid {you}); refused").format(
                path=path, uid=info.st_uid, you=os.getuid()))
        if info.st_mode & 0o077:
            raise EnvFileError(N_("{path}: env file is mode {mode}, open to group or others; make it 0600 (chmod 600)").format(
                path=path, mode=f"{stat.S_IMODE(info.st_mode):04o}"))
        text = f.read()
    return {name: value for name, value in dotenv_values(stream=io.StringIO(text), interpolate=False).items()
            if value is not None}


def fill_environ(paths: list[str], environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Set each file's variables that are not set yet (earlier files win); return the names set."""
    environ = os.environ if environ is None else environ
    filled = []
    for path in paths:
        for name, value in read_env_file(path).items():
            if name not in environ:
                environ[name] = value
                filled.append(name)
    return filled
