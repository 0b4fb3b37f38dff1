"""The emulator's event loop keeps a stated answer time to the microsecond (issue 10).

CPython's epoll selector rounds a loop's timeout up to the next whole millisecond, so an emulated
node idle between requests answered a stated 1.1 ms at 2 ms and HAProxy read a 0.7 ms slower
lab than its scenario said. These tests check the mechanism, not a wall clock: the wait handed
to ``select()`` is the loop's own timeout, unrounded, and epoll then collects without waiting.
"""

from __future__ import annotations

import asyncio
import select
import selectors
import socket

from lab.emulator.__main__ import FineTimerSelector, fine_timer_loop


def test_the_wait_is_not_rounded_to_a_whole_millisecond(monkeypatch):
    waits, polls = [], []
    real_select, real_epoll_select = select.select, selectors.EpollSelector.select

    def recording_select(r, w, x, timeout):
        waits.append(timeout)
        return real_select(r, w, x, 0)

    def recording_epoll(self, timeout=None):
        polls.append(timeout)
        return real_epoll_select(self, timeout)

    monkeypatch.setattr(select, "select", recording_select)
    monkeypatch.setattr(selectors.EpollSelector, "select", recording_epoll)
    with FineTimerSelector() as selector:
        selector.select(0.0011)
        selector.select(0)
        assert waits == [0.0011]  # one wait, in microseconds
        assert polls == [0, 0]  # epoll itself never waits when a timeout is given


def test_a_ready_socket_is_reported_as_epoll_reports_it():
    a, b = socket.socketpair()
    with a, b, FineTimerSelector() as selector:
        selector.register(a, selectors.EVENT_READ, "a")
        assert selector.select(0.0005) == []
        b.send(b"x")
        ready = selector.select(1.0)
        assert [(key.data, events) for key, events in ready] == [("a", selectors.EVENT_READ)]


def test_timers_and_sockets_run_on_the_fine_loop():
    loop = fine_timer_loop()
    try:
        async def exchange() -> bytes:
            server = await asyncio.start_server(lambda r, w: (w.write(b"ok"), w.close()), "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            await asyncio.sleep(0.0003)
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            data = await reader.read()
            writer.close()
            server.close()
            return data

        assert loop.run_until_complete(exchange()) == b"ok"
    finally:
        loop.close()


def test_an_epoll_descriptor_past_selects_limit_waits_as_epoll_does(monkeypatch):
    """select() cannot take a descriptor of 1024 or more: such a loop keeps epoll's whole-ms wait."""
    waits = []
    monkeypatch.setattr(select, "select", lambda *args: waits.append(args) or ([], [], []))
    with FineTimerSelector() as selector:
        monkeypatch.setattr(selector, "fileno", lambda: 2000)
        assert selector.select(0.0005) == []
    assert waits == []
