"""The ../shared helper: present is a path, absent skips on a developer's machine and fails in CI."""

from __future__ import annotations

import pytest

from .shared_files import shared_dir


def test_a_present_folder_is_returned(tmp_path, monkeypatch):
    (tmp_path / "kong-samples").mkdir()
    monkeypatch.setenv("TURNOUT_SHARED", str(tmp_path))
    assert shared_dir("kong-samples") == tmp_path / "kong-samples"


def test_an_absent_folder_skips_outside_ci_naming_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_SHARED", str(tmp_path))
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=str(tmp_path / "external")):
        shared_dir("external")


def test_an_absent_folder_fails_in_ci(tmp_path, monkeypatch):
    monkeypatch.setenv("TURNOUT_SHARED", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must provide it"):
        shared_dir("kong-samples")


def test_the_fixtures_hand_over_the_real_folders(kong_samples_dir, external_dir):
    assert (kong_samples_dir / "README.md").is_file() and external_dir.is_dir()
