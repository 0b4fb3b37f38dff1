"""Waiting on a tmux pane, shared by the tmux tests (each has its own server and its own way of
reading its pane: the default server, a private ``-L`` one, UTF-8 forced)."""

from __future__ import annotations

import time
from typing import Callable


def wait_until_shown(read: Callable[[], str], needles: tuple[str, ...], timeout: float) -> str:
    """Poll ``read()`` until every needle shows; fail with what the pane showed last."""
    deadline = time.monotonic() + timeout
    text = ""
    while time.monotonic() < deadline:
        text = read()
        if all(n in text for n in needles):
            return text
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f}s for {needles!r}; the screen showed:\n{text}")
