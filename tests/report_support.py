"""Rendering a report in a real browser: Debian's headless Chromium, as a reader would open it.

``render`` loads the file with every network feature off and returns the DOM Chromium built and a
screenshot; a missing Chromium skips the test (or fails it under ``CI``, tests/realparts.py).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.realparts import require

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--hide-scrollbars")


def chromium(tmp_path: Path, page: Path, *what: str) -> subprocess.CompletedProcess:
    argv = [require("chromium"), *FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}", *what, page.as_uri()]
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=tmp_path)


def render(tmp_path: Path, page: Path) -> tuple[str, Path]:
    """(the DOM after rendering, a 900x2400 screenshot PNG)."""
    dom = chromium(tmp_path, page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-800:]
    shot = tmp_path / (page.stem + ".png")
    done = chromium(tmp_path, page, "--window-size=900,2400", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.exists(), done.stderr[-800:]
    return dom.stdout, shot


def charts_in(dom: str) -> int:
    """SVG elements that drew something (a path inside)."""
    return sum(1 for svg in re.findall(r"<svg\b.*?</svg>", dom, flags=re.S) if "<path" in svg)


def colours_in(png: Path) -> int:
    """How many distinct colours the screenshot holds (1: a blank page)."""
    from PIL import Image

    with Image.open(png) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 20) or ())


def fetches_in(html: str) -> list[str]:
    """Anything that would make the page fetch from elsewhere: scripts, stylesheets, images, fonts by URL."""
    return re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|@import|url\(\s*["']?https?:""", html)
