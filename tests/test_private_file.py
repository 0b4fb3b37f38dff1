"""The one private-file writer (adapters/private_file.py): 0600, whole or not at all, no overwrite when asked."""

from __future__ import annotations

import os
import stat

import pytest

from adapters.private_file import write_private


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_text_or_bytes_owner_only_and_replaces(tmp_path):
    path = tmp_path / "kong.yml"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private(str(path), "new")
    assert path.read_text() == "new" and mode(path) == 0o600
    write_private(str(path), b"\x00bytes")
    assert path.read_bytes() == b"\x00bytes"
    assert os.listdir(tmp_path) == ["kong.yml"]  # no temporary file left behind


def test_without_replace_an_existing_file_is_kept(tmp_path):
    path = tmp_path / "backup.yml"
    write_private(str(path), "first", replace=False)
    with pytest.raises(FileExistsError):
        write_private(str(path), "second", replace=False)
    assert path.read_text() == "first" and mode(path) == 0o600
    assert os.listdir(tmp_path) == ["backup.yml"]


def test_an_unwritable_place_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        write_private(str(tmp_path / "missing-dir" / "x.yml"), "x")
    assert os.listdir(tmp_path) == []
