"""Third-party test data lives beside the clone, in ``../shared``, never in the repository.

``../shared/kong-samples`` holds Kong's response samples and decK's conversion fixture (taken from
Kong's docs, specs and decK's tests, with their sources in its README); ``../shared/external``
holds files copied whole from Kong's and decK's repositories. CI clones the repository with
``shared/`` beside it, so there a missing folder is a failure. On a developer's machine a test
that needs it skips and says why. ``TURNOUT_SHARED=DIR`` points at another ``shared`` folder (a
git worktree sits one level deeper than the clone).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    return Path(os.environ.get("TURNOUT_SHARED") or REPO.parent / "shared")


def shared_dir(name: str, *, module_level: bool = False) -> Path:
    """``<repo>/../shared/<name>``; when absent, fail under CI and skip elsewhere, naming the path.

    ``module_level``: called while a test module is imported (its data is read at import time)."""
    path = shared_root() / name
    if path.is_dir():
        return path
    message = f"{path} is absent: third-party test data stays in ../shared beside the clone (or set TURNOUT_SHARED)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must provide it", pytrace=False)
    pytest.skip(message, allow_module_level=module_level)


def kong_samples() -> Path:
    return shared_dir("kong-samples")


def external() -> Path:
    return shared_dir("external")


def sample(name: str):
    """One file of ../shared/kong-samples: JSON decoded, anything else as text."""
    text = (kong_samples() / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


@pytest.fixture
def kong_samples_dir() -> Path:
    return kong_samples()


@pytest.fixture
def external_dir() -> Path:
    return external()
