"""Kong version parsing, guaranteed upgrade paths and the hybrid CP/DP rule (pure; no server)."""

from __future__ import annotations

import pytest

from rollout.kong.upgrade import LTS_HOPS, dp_compatible, upgrade_path
from rollout.kong.version import KongVersion, VersionError, line_name, matches

from .preflight_samples import dp_rows, sample


def test_parses_oss_and_enterprise_versions():
    ee = KongVersion.parse("3.4.3.19")
    assert (ee.major, ee.minor, ee.patch, ee.build) == (3, 4, 3, 19)
    assert KongVersion.parse("3.10.0.2-enterprise").line == (3, 10)
    assert KongVersion.parse(sample("admin-root-3.6-oss.json")["version"]).line == (3, 6)
    assert KongVersion.parse("2.8") < KongVersion.parse("2.8.5") < KongVersion.parse("3.4.3.19") < KongVersion.parse("3.10")


@pytest.mark.parametrize("text", ["", "banana", "3", "4.0.0", "3.16.0", "1.5.0"])
def test_rejects_what_is_not_a_known_kong_version(text):
    with pytest.raises(VersionError):
        KongVersion.parse(text)


def test_lenient_reads_what_nodes_print_and_the_strict_parse_refuses():
    """A node may report an edition suffix or a line newer than this tool knows; a plan may not."""
    node = KongVersion.lenient("3.4.3.2-enterprise-edition")
    assert node.parts == (3, 4, 3, 2) and node.line == (3, 4) and str(node) == "3.4.3.2-enterprise-edition"
    assert KongVersion.lenient("3.16.0").at_least(3, 16)
    with pytest.raises(VersionError):
        KongVersion.parse("3.16.0")
    with pytest.raises(VersionError):
        KongVersion.lenient("latest")


def test_one_value_whichever_way_it_was_read():
    """Strict and lenient give equal values for the same numbers; the text is kept, not compared."""
    assert KongVersion.parse("3.9.1") == KongVersion.lenient("3.9.1-rc")
    assert KongVersion.parse("3.4") < KongVersion.lenient("3.4.2")


def test_a_planned_version_matches_any_node_version_it_prefixes():
    assert matches("3.4", "3.4.3.19") and matches("3.9.1", "3.9.1")
    assert not matches("3.4.3", "3.4.31") and not matches("3.4", "3.40.0")


@pytest.mark.parametrize("x, y", [("3.4.2", "3.4.3"), ("3.4.3.19", "3.4.3.20"), ("3.3.0", "3.4.2"), ("2.7.0", "2.8.5")])
def test_patch_and_adjacent_minor_hops_are_supported(x, y):
    path = upgrade_path(x, y)
    assert path.supported and path.hops == [y]


@pytest.mark.parametrize("a, b", LTS_HOPS)
def test_lts_to_lts_hops_are_supported(a, b):
    path = upgrade_path(line_name(a), line_name(b))
    assert path.supported and "LTS" in path.reason


def test_a_longer_jump_lists_the_shortest_chain_through_lts_lines():
    path = upgrade_path("2.8.5", "3.9.3")
    assert not path.supported
    assert path.hops == ["3.4", "3.5", "3.6", "3.7", "3.8", "3.9.3"]
    ee = upgrade_path("3.4.3.19", "3.14.0.0")
    assert not ee.supported and ee.hops == ["3.10", "3.14.0.0"]


def test_an_oss_chain_through_enterprise_only_lines_says_so():
    assert "Enterprise-only" in upgrade_path("3.4.2", "3.12.0").reason


def test_a_downgrade_is_not_an_upgrade_path():
    path = upgrade_path("3.9.3", "3.4.2")
    assert not path.supported and path.hops == [] and "downgrade" in path.reason


def test_the_cp_accepts_older_minors_of_its_major_only():
    cp = dp_rows()[0].version  # the sample's DPs report 3.3.0.0
    assert dp_compatible("3.4.2", cp)[0]
    ok, why = dp_compatible(cp, "3.4.2")
    assert not ok and "control plane first" in why
    ok, why = dp_compatible("3.4.2", "2.8.5")
    assert not ok and "major" in why
