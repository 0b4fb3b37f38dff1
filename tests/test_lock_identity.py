"""The target lock is keyed by what the plan reaches, not by its words (issue 17, item 7):
adapters/lock_identity.py asks a real HAProxy which one it is, stats the nginx upstream file's
directory, resolves the Lua admin host. Real HAProxy processes (tests/realparts.py), real flocks,
and ``turnout run`` refused the way an operator sees it."""

from __future__ import annotations

import os
import signal

import pytest

from adapters.rundir import Locked
from adapters.run import Intent, LiveRun
from adapters.target_lock import TargetLock, TargetUnknown, target_of
from lab.haproxy_config import Server
from lab.procs import free_port
from rollout import events as ev
from rollout.journal import Journal
from rollout.plan import load_plan

from .realparts import start_haproxy
from .test_locks import hold, turnout_run, write_plan

ONE_OPERATOR = "is steering this load balancer; one operator per target"


@pytest.fixture(autouse=True)
def lock_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_LOCK_DIR", str(tmp_path / "locks"))


def haproxy_plan(tmp_path, name: str, socket: str, backend: str = "be") -> str:
    return write_plan(tmp_path, name, f"{{type: haproxy, socket: '{socket}', backend: {backend}}}")


async def taken(path: str, rollback: bool = False) -> TargetLock:
    """The plan's target lock, identified and acquired, as LiveRun.open takes it."""
    lock = TargetLock(load_plan(path), path)
    await lock.identify(rollback=rollback)
    lock.acquire()
    return lock


@pytest.fixture
def haproxy(tmp_path):
    with start_haproxy(tmp_path / "haproxy", [Server("x1", "127.0.0.1:9"), Server("y1", "127.0.0.1:9", 0)]) as run:
        yield run


# ---- HAProxy: one process, whatever route reaches it ----------------------------------------

@pytest.mark.haproxy
def test_one_haproxy_by_any_route_is_one_target_for_turnout_run(tmp_path, haproxy):
    """A colleague holds the HAProxy through its unix socket; a symlink to it, its TCP address
    and ``localhost`` for 127.0.0.1 are all refused, naming the colleague."""
    os.symlink(haproxy.socket, tmp_path / "link.sock")
    colleague = haproxy_plan(tmp_path, "colleague", haproxy.socket)
    holder = hold(f"""
        import asyncio, time
        from adapters.target_lock import TargetLock
        from rollout.plan import load_plan
        lock = TargetLock(load_plan({colleague!r}), {colleague!r})
        asyncio.run(lock.identify())
        lock.acquire()
        print("locked", flush=True)
        time.sleep(600)
    """)
    try:
        routes = [str(tmp_path / "link.sock"), haproxy.tcp, haproxy.tcp.replace("127.0.0.1", "localhost")]
        for i, route in enumerate(routes):
            mine = haproxy_plan(tmp_path, f"mine{i}", route)
            run = turnout_run(mine, tmp_path)
            assert run.returncode == 2 and run.stdout == "", run.stderr
            assert run.stderr == (f"turnout: {target_of(load_plan(mine))}: another turnout (pid {holder.pid}, plan {colleague}) "
                                  f"{ONE_OPERATOR}\n")
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()


@pytest.mark.haproxy
async def test_another_backend_or_another_haproxy_is_another_target(tmp_path, haproxy):
    first = await taken(haproxy_plan(tmp_path, "first", haproxy.socket))
    others = []
    try:
        with pytest.raises(Locked, match=ONE_OPERATOR):
            await taken(haproxy_plan(tmp_path, "same", haproxy.tcp))
        others.append(await taken(haproxy_plan(tmp_path, "other-backend", haproxy.tcp, backend="stats")))
        with start_haproxy(tmp_path / "second", [Server("x1", "127.0.0.1:9")]) as second:
            others.append(await taken(haproxy_plan(tmp_path, "second", second.socket)))
            others.append(await taken(haproxy_plan(tmp_path, "second-tcp", second.tcp, backend="stats")))
    finally:
        for lock in [first, *others]:
            lock.release()


@pytest.mark.haproxy
async def test_a_reload_mid_run_keeps_the_key(tmp_path, haproxy):
    """Master-worker reload: a new worker, a new pid; the node and the listeners stay, so does the lock."""
    first = await taken(haproxy_plan(tmp_path, "first", haproxy.socket))
    try:
        haproxy.reload()
        with pytest.raises(Locked, match=ONE_OPERATOR):
            await taken(haproxy_plan(tmp_path, "after-reload", haproxy.tcp))
    finally:
        first.release()


# ---- HAProxy that cannot be asked -----------------------------------------------------------

def test_an_haproxy_nobody_serves_refuses_the_run_in_one_line(tmp_path):
    for name, socket in (("gone", str(tmp_path / "gone.sock")), ("closed", f"tcp://127.0.0.1:{free_port()}")):
        plan = haproxy_plan(tmp_path, name, socket)
        run = turnout_run(plan, tmp_path)
        assert run.returncode == 2 and run.stdout == "" and "Traceback" not in run.stderr
        label = target_of(load_plan(plan))
        assert run.stderr.count("\n") == 1 and run.stderr.startswith(
            f"turnout: {label}: cannot tell which load balancer this is, so it cannot be locked (haproxy {socket}: show info: ")
        assert run.stderr.endswith("); is it running? (--rollback goes on without it)\n")


async def test_rollback_goes_on_with_the_label_as_key_when_haproxy_cannot_be_asked(tmp_path):
    plan_path = haproxy_plan(tmp_path, "mine", str(tmp_path / "gone.sock"))
    with pytest.raises(TargetUnknown):
        await taken(plan_path)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    journal = Journal(str(run_dir / "journal.jsonl"))
    journal.append(ev.RunStarted(1.0, "mine", "", "live"))
    journal.close()
    run = await LiveRun.open(load_plan(plan_path), plan_path, str(run_dir), Intent(rollback=True))
    try:
        assert [type(e) for e in run.first[:2]] == [ev.Resumed, ev.RollbackRequested]
        fallback = [w for w in run.warnings if "keyed by the plan's words" in w]
        assert fallback == [f"turnout: {target_of(run.plan)}: cannot tell which load balancer this is "
                            f"(haproxy {tmp_path / 'gone.sock'}: show info: unreachable: No such file or directory); "
                            "the target lock for this --rollback is keyed by the plan's words, so a run that reaches "
                            "it another way is not excluded"]
        with pytest.raises(Locked, match=ONE_OPERATOR):  # the label key still excludes the same words
            await taken(haproxy_plan(tmp_path, "again", str(tmp_path / "gone.sock")), rollback=True)
    finally:
        run.close()


# ---- nginx ----------------------------------------------------------------------------------

async def test_an_nginx_upstream_file_through_a_symlink_is_one_target(tmp_path):
    """Keyed by the resolved directory (device, inode) and the file's name: a symlink to the file,
    a symlink to its directory and another upstream name are one target; Turnout's own rename of
    a new file over it (each step) does not change the key; another file is another target."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "upstream.conf").write_text("upstream kong { server 127.0.0.1:9; }\n")
    os.symlink(conf / "upstream.conf", tmp_path / "link.conf")
    os.symlink(conf, tmp_path / "conf-link")

    def nginx(name: str, path, upstream: str = "kong") -> str:
        return write_plan(tmp_path, name, f"{{type: nginx, upstream_file: '{path}', upstream: {upstream}}}")

    first = await taken(nginx("first", conf / "upstream.conf"))
    try:
        (conf / "next.conf").write_text("upstream kong { server 127.0.0.1:10; }\n")
        os.replace(conf / "next.conf", conf / "upstream.conf")  # a new inode, as every step writes it
        for name, path, upstream in (("link", tmp_path / "link.conf", "kong"),
                                     ("dir-link", tmp_path / "conf-link" / "upstream.conf", "kong"),
                                     ("other-upstream", conf / "upstream.conf", "other")):
            with pytest.raises(Locked, match=ONE_OPERATOR):
                await taken(nginx(name, path, upstream))
        (await taken(nginx("another-file", conf / "another.conf"))).release()
    finally:
        first.release()


async def test_the_nginx_lua_admin_is_keyed_by_its_resolved_host_and_port(tmp_path):
    def lua(name: str, admin: str) -> str:
        return write_plan(tmp_path, name, f"{{type: nginx, mode: lua, admin: '{admin}'}}")

    first = await taken(lua("first", "http://127.0.0.1:8083/weights"))
    try:
        for name, admin in (("localhost", "http://localhost:8083/weights"), ("v6", "http://[::1]:8083/other")):
            with pytest.raises(Locked, match=ONE_OPERATOR):
                await taken(lua(name, admin))
        (await taken(lua("another-port", "http://127.0.0.1:8084/weights"))).release()
        with pytest.raises(TargetUnknown, match="resolve no-such-host.invalid: unreachable"):
            await taken(lua("unknown", "http://no-such-host.invalid:8083/weights"))
    finally:
        first.release()


@pytest.mark.nginx
async def test_nginx_reload_writes_through_a_symlink_and_keeps_it(tmp_path, nginx_reload_lab):
    """The adapter replaces the file the symlink points to, so nginx's include and the lock's key
    still mean one file after a step."""
    from adapters.lb import build_load_balancer

    lab = nginx_reload_lab
    link = tmp_path / "upstream-link.conf"
    os.symlink(lab.upstream_file, link)
    spec = lab.plan.load_balancer.model_copy(update={"upstream_file": str(link)})
    lb = build_load_balancer(lab.plan.model_copy(update={"load_balancer": spec}))
    assert await lb.set_weights(50, 50, frozenset(["x1", "x2", "x3", "y1", "y2", "y3"])) == (50, 50)
    assert os.path.islink(link) and os.readlink(link) == lab.upstream_file
    assert "down" not in open(lab.upstream_file).read()  # y got its share in the file nginx includes
