"""What a target lock is keyed by: the identity of the thing the plan's words reach.

Two plans can name one load balancer in different words: a unix socket and a symlink to it,
the same HAProxy's TCP runtime address, ``localhost`` and ``127.0.0.1``. Keyed by the words,
they take two locks and steer one backend side by side (issue 17, item 7). Each function
here asks the world which thing the words reach, and answers with a string that is the same
for every route to it; adapters/lb.py declares which one a type uses (``identify``).

- HAProxy: ``show info`` (``node``) and ``show cli sockets`` (every runtime API listener),
  then the backend: see ``haproxy_codec.runtime_identity`` for why not the pid.
- nginx reload: the upstream file's directory (device and inode, after resolving symlinks)
  and the file's name. Not the file's own inode: Turnout writes the file by renaming a new
  one over it, so its inode changes at every step; its directory's does not.
- nginx lua: the admin URL's port and its host resolved, every address of this host (loopback,
  ``localhost``, an address bound here) counted as one.

Each raises ``rollout.errors.AdapterError`` (Unreachable, Timeout, Rejected) when the thing
cannot be asked: then the lock cannot be keyed, and adapters/target_lock.py decides.
The command type needs none of this: its identity is its normalised template (adapters/lb.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import socket
from urllib.parse import urlsplit

from rollout.errors import Rejected, Timeout, Unreachable
from rollout.i18n import N_
from rollout.plan import HAProxyLB, NginxLB

from . import haproxy_codec as codec
from .haproxy import RuntimeAPI


async def haproxy_identity(spec: HAProxyLB, timeout: float) -> str:
    """The HAProxy behind ``spec.socket`` (unix path or ``tcp://HOST:PORT``), and the backend."""
    api = RuntimeAPI(spec.socket, timeout)
    info, sockets = await api.send(["show info", "show cli sockets"])
    try:
        return f"{codec.runtime_identity(info, sockets)} backend {spec.backend}"
    except codec.ReplyError as exc:
        raise Rejected(api.target, "show info", str(exc)) from None


async def upstream_file_identity(spec: NginxLB, timeout: float) -> str:
    """The file nginx includes: its resolved directory's device and inode, and its name."""
    path = os.path.realpath(spec.upstream_file or "")
    directory, name = os.path.split(path)
    try:
        st = os.stat(directory)
    except OSError as exc:
        raise Unreachable(f"nginx {spec.upstream_file}", f"stat {directory}", exc.strerror or str(exc)) from None
    return f"nginx upstream file {name} in directory device {st.st_dev} inode {st.st_ino}"


async def admin_identity(spec: NginxLB, timeout: float) -> str:
    """The nginx behind the Lua admin URL: its host, resolved, and its port (not its path:
    every location of one nginx shares the weights)."""
    url = urlsplit(spec.admin or "")
    target, port = f"nginx lua {spec.admin}", url.port or (443 if url.scheme == "https" else 80)
    try:
        found = await asyncio.wait_for(
            asyncio.get_running_loop().getaddrinfo(url.hostname or "", port, type=socket.SOCK_STREAM), timeout)
    except asyncio.TimeoutError:
        raise Timeout(target, f"resolve {url.hostname}", N_("no answer within {seconds}s").format(seconds=f"{timeout:g}")) from None
    except (OSError, UnicodeError) as exc:
        raise Unreachable(target, f"resolve {url.hostname}", str(exc)) from None
    addresses = sorted({info[4][0] for info in found})
    host = "this host" if all(_on_this_host(a) for a in addresses) else " ".join(addresses)
    return f"nginx lua admin {host} port {port}"


def _on_this_host(address: str) -> bool:
    """Loopback, unspecified, or an address some interface here holds (it can be bound)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.is_loopback or ip.is_unspecified:
        return True
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET6 if ip.version == 6 else socket.AF_INET) as probe:
        probe.bind((address, 0))
        return True
    return False
