"""``turnout run PLAN --detach``: start the conductor in the background and return.

The child is ``turnout run PLAN --serve`` in a new session, so it keeps running when the
terminal or the SSH connection goes away. Its output goes to ``RUN_DIR/conductor.log``. This
process waits until the child serves its control socket, then prints how to attach. A child
that stops early (a bad plan, a lock held by someone else) has its last lines printed, and
its exit code is returned.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

from adapters.control import socket_path
from rollout.i18n import _

READY_TIMEOUT_S = 30.0


def _child_argv(args: argparse.Namespace, run_dir: str) -> list[str]:
    argv = [sys.executable, "-m", "tui.cli", "run", args.plan, "--serve", "--run-dir", run_dir]
    for flag in ("auto_approve", "resume", "rollback", "new_run", "konnect_backup_taken"):
        if getattr(args, flag, False):  # a Namespace built without the later flags (tests, callers) passes none
            argv.append("--" + flag.replace("_", "-"))
    return argv


def _serving(run_dir: str, pid: int) -> bool:
    """The child holds the run's lock and answers on its socket. A socket file alone proves nothing:
    a dead conductor leaves one (it refuses connections), and a live one belongs to another pid."""
    try:
        with open(os.path.join(run_dir, "lock")) as f:
            if f.read().strip() != str(pid):
                return False
        with socket.socket(socket.AF_UNIX) as probe:
            probe.connect(socket_path(run_dir))
        return True
    except OSError:
        return False


def detach(args: argparse.Namespace, run_dir: str) -> int:
    log_path = os.path.join(run_dir, "conductor.log")
    sock = socket_path(run_dir)
    with os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab") as log:
        child = subprocess.Popen(_child_argv(args, run_dir), stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                 start_new_session=True, cwd=os.getcwd())
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        code = child.poll()
        if code is not None:
            tail = open(log_path, errors="replace").read().splitlines()[-5:]
            print("\n".join(tail), file=sys.stderr)
            print(_("turnout: the conductor stopped at once (exit {code}); its log is {log}").format(code=code, log=log_path),
                  file=sys.stderr)
            return code
        if _serving(run_dir, child.pid):
            print(_("conductor pid {pid} is running {plan} in the background (log {log})").format(
                pid=child.pid, plan=args.plan, log=log_path))
            print(_("attach with: {command}").format(
                command=f"turnout attach {args.plan}" + (f" --run-dir {run_dir}" if args.run_dir else "")))
            return 0
        time.sleep(0.1)
    print(_("turnout: the conductor (pid {pid}) did not serve {socket} within {seconds}s; see {log}").format(
        pid=child.pid, socket=sock, seconds=f"{READY_TIMEOUT_S:g}", log=log_path), file=sys.stderr)
    return 1
