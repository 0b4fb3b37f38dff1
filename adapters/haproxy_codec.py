"""HAProxy runtime API, pure half: build command lines, split and parse the replies, plan weights.

No I/O here (adapters/haproxy.py sends); every function is tested on replies recorded from
HAProxy 2.6.12 (tests/test_lb_haproxy_codec.py). The commands are those of the management guide's
section 9.3 (https://docs.haproxy.org/2.6/management.html#9.3) and the statistics those of its
CSV format (https://docs.haproxy.org/2.6/management.html#9.1). Facts that shape it:

- Several commands go in one connection joined by ``;``. Each reply ends with one newline when
  it is empty (a successful ``set``) and with an empty line after its text otherwise, so a
  reply stream is split by walking the commands in order (``split_replies``).
- Errors are text with no status (``No such server.``, ``Absolute weight can only be between 0
  and 256 inclusive.``): ANY non-empty reply to a ``set`` is a failure (``set_failures``).
- ``set weight N%`` is relative to the config weight (useless when it is 0): absolute only
  (https://docs.haproxy.org/2.6/management.html#9.3-set%20weight).
- ``show stat`` column positions differ between versions: read the CSV by the names on its
  ``# pxname,svname,...`` header line (management guide 9.1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Mapping, Sequence
from rollout.i18n import N_

GET_WEIGHT = re.compile(r"^(\d+) \(initial (\d+)\)$")
STATE_FIELDS = ("srv_name", "srv_op_state", "srv_admin_state", "srv_uweight", "srv_iweight")
ADMIN_DRAIN, ADMIN_MAINT = 8, 1


class ReplyError(ValueError):
    """A reply that does not have the expected shape; the message quotes it."""


# ---- commands -------------------------------------------------------------------------------

def _check_name(name: str) -> str:
    """Names end up in a `;`-joined line: refuse separators instead of sending two commands."""
    if not name or any(c in name for c in "; \n\t/"):
        raise ValueError(f"invalid HAProxy proxy/server name {name!r}")
    return name


def set_weight(backend: str, server: str, weight: int) -> str:
    return f"set weight {_check_name(backend)}/{_check_name(server)} {int(weight)}"


def get_weight(backend: str, server: str) -> str:
    return f"get weight {_check_name(backend)}/{_check_name(server)}"


def set_state(backend: str, server: str, state: str) -> str:
    if state not in ("ready", "drain", "maint"):
        raise ValueError(f"unknown server state {state!r}")
    return f"set server {_check_name(backend)}/{_check_name(server)} state {state}"


def show_stat(backend: str) -> str:
    """Backend row + all server rows of one proxy (type mask 2|4, all servers)."""
    return f"show stat {_check_name(backend)} 6 -1"


def show_servers_state(backend: str | None = None) -> str:
    return "show servers state" + (f" {_check_name(backend)}" if backend else "")


def join(commands: Sequence[str]) -> bytes:
    return ("; ".join(commands) + "\n").encode()


# ---- replies --------------------------------------------------------------------------------

def split_replies(raw: str, count: int) -> list[str]:
    """One reply per command: ``"\\n"`` is an empty reply, ``"text\\n\\n"`` a non-empty one."""
    replies, rest = [], raw
    for _ in range(count):
        if not rest:
            raise ReplyError(N_("expected {count} replies, got {got}: {reply}").format(
                count=count, got=len(replies), reply=repr(raw.strip())))
        if rest.startswith("\n"):
            replies.append("")
            rest = rest[1:]
            continue
        text, sep, rest = rest.partition("\n\n")
        replies.append(text.strip("\n"))
        if not sep:
            rest = ""
    return replies


def set_failures(commands: Sequence[str], replies: Sequence[str]) -> list[str]:
    """``"command: reply"`` for every ``set`` that answered anything at all."""
    return [f"{c}: {r.strip()}" for c, r in zip(commands, replies) if c.startswith("set ") and r.strip()]


def parse_get_weight(reply: str) -> tuple[int, int]:
    """``10 (initial 0)`` -> (10, 0): the current and the config weight."""
    m = GET_WEIGHT.match(reply.strip())
    if not m:
        raise ReplyError(N_("unexpected get weight reply: {reply}").format(reply=repr(reply.strip())))
    return int(m.group(1)), int(m.group(2))


def parse_show_stat(text: str) -> list[dict[str, str]]:
    """CSV rows as dicts keyed by the header's names (``# pxname,svname,...``)."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("# "):
        raise ReplyError(N_("show stat: no CSV header in reply: {reply}").format(reply=repr(text.strip()[:120])))
    reader = csv.DictReader(io.StringIO("\n".join([lines[0][2:]] + lines[1:])))
    return [{k: (v or "") for k, v in row.items() if k} for row in reader]


def stat_int(row: Mapping[str, str], field: str) -> int:
    value = row.get(field, "")
    return int(value) if value.strip().lstrip("-").isdigit() else 0


@dataclass(frozen=True)
class ServerState:
    """One row of ``show servers state``: op state 2 = running; admin 1 = maint, 8 = drain."""

    name: str
    op_state: int
    admin_state: int
    weight: int
    initial_weight: int


def parse_servers_state(text: str) -> dict[str, ServerState]:
    """``show servers state [be]``: version line ``1``, a ``# be_id ...`` header, one row per server."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines or lines[0].strip() != "1" or len(lines) < 2 or not lines[1].startswith("# "):
        raise ReplyError(N_("show servers state: unexpected reply: {reply}").format(reply=repr(text.strip()[:120])))
    header = lines[1][2:].split()
    out: dict[str, ServerState] = {}
    for line in lines[2:]:
        row = dict(zip(header, line.split()))
        vals = [row.get(f, "") for f in STATE_FIELDS]
        if not all(v.isdigit() for v in vals[1:]):
            raise ReplyError(N_("show servers state: bad row {row}").format(row=repr(line)))
        out[vals[0]] = ServerState(vals[0], *(int(v) for v in vals[1:]))
    return out


def state_file_from_config(text: str) -> str | None:
    """The global ``server-state-file`` of a haproxy.cfg, or None (then reloads lose weights)."""
    in_global = False
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip():
            continue
        if not line[0].isspace():
            in_global = line.split()[0] == "global"
            continue
        words = line.split()
        if in_global and words[0] == "server-state-file" and len(words) > 1:
            return words[1]
    return None


# ---- which HAProxy answers ------------------------------------------------------------------

def parse_show_info(reply: str) -> dict[str, str]:
    """``show info``: one ``Name: value`` per line."""
    fields = dict(line.split(": ", 1) for line in reply.splitlines() if ": " in line)
    if "Pid" not in fields:
        raise ReplyError(N_("show info: unexpected reply: {reply}").format(reply=repr(reply.strip()[:120])))
    return fields


def cli_listeners(reply: str) -> list[str]:
    """``show cli sockets``: the runtime API's listeners (``unix@/run/haproxy/admin.sock``,
    ``ipv4@127.0.0.1:9999``), sorted. The master's ``sockpair@N`` is left out: its fd number
    changes on every reload."""
    lines = [ln for ln in reply.splitlines() if ln.strip()]
    if not lines or not lines[0].startswith("# socket"):
        raise ReplyError(N_("show cli sockets: unexpected reply: {reply}").format(reply=repr(reply.strip()[:120])))
    return sorted({ln.split()[0] for ln in lines[1:] if not ln.startswith("sockpair@")})


def runtime_identity(info_reply: str, sockets_reply: str) -> str:
    """Which HAProxy this is, whatever route reached it: its ``node`` name (the host's name unless
    the config sets one) and every runtime API listener it serves. A unix socket reached through a
    symlink and the TCP address of the same process give the same answer, and so does the process
    after a reload (same config, new worker pid) or a restart. The pid is not part of it for that
    reason: a reload mid-run would let a second operator in."""
    node = parse_show_info(info_reply).get("node", "")
    listeners = cli_listeners(sockets_reply)
    if not listeners:
        raise ReplyError(N_("show cli sockets: no listener listed"))
    return f"haproxy node {node or '?'} runtime API {' '.join(listeners)}"


# ---- weights --------------------------------------------------------------------------------

def pool_weights(x: int, y: int, nx: int, ny: int, max_weight: int) -> tuple[list[int], list[int]]:
    """Per-server integer weights for x% over nx servers and y% over ny servers.

    roundrobin gives each server w / sum(w), so the split is sum(X) : sum(Y). Search the pool
    totals for the closest match (each server within 0..max_weight), preferring totals that
    divide evenly over the servers, then larger (finer) totals; spread each total evenly.
    """
    if x <= 0 or nx == 0:
        return [0] * nx, spread(max_weight * ny if y > 0 else 0, ny)
    if y <= 0 or ny == 0:
        return spread(max_weight * nx, nx), [0] * ny
    best: tuple[tuple[float, bool, int], int, int] | None = None
    for tx in range(1, nx * max_weight + 1):
        ty = min(max(round(tx * y / x), 1), ny * max_weight)
        key = (round(abs(100 * tx / (tx + ty) - x), 6), bool(tx % nx or ty % ny), -tx)
        if best is None or key < best[0]:
            best = (key, tx, ty)
    assert best is not None
    return spread(best[1], nx), spread(best[2], ny)


def spread(total: int, count: int) -> list[int]:
    """total over count servers, differing by at most one."""
    base, extra = divmod(total, count) if count else (0, 0)
    return [base + (1 if i < extra else 0) for i in range(count)]


def split_of(x_weights: Sequence[int], y_weights: Sequence[int]) -> tuple[int, int]:
    """The percent split that the weights actually set will produce (read-back)."""
    sx, sy = sum(x_weights), sum(y_weights)
    if sx + sy == 0:
        return 0, 0
    px = round(100 * sx / (sx + sy))
    return px, 100 - px
