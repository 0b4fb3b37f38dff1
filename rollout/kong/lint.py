"""Lint a DB-less ``kong.yml`` for one upgrade hop, and convert what is mechanical. Pure.

Most failed upgrades of DB-less nodes fail on the declarative config, not on Kong: a regex
route that silently became a literal, a removed plugin field that now fails validation, a 3.0
file that the 2.8 nodes (and so the rollback) reject. ``lint`` walks the file's entities and
runs the rules registered in ``rollout.kong.lint_registry``; every finding names the entity and
its YAML line. ``fix`` does what decK's ``file convert`` does
(https://developer.konghq.com/deck/file/convert/), on round-trip YAML, and reports what it could not
convert; ``turnout lint --fix`` writes nothing while an error is left, as decK refuses a conflict.
"""

from __future__ import annotations

from .config import load_config
from .findings import Finding, make_hop
from .lint_registry import FIXERS, RULES
from .lint_yaml import dump_roundtrip, load_roundtrip


def lint(text: str, source: str, target: str, router_flavor: str = "traditional_compatible") -> list[Finding]:
    """Every finding for this file on the hop ``source -> target``, in file order."""
    doc, hop = load_config(text), make_hop(source, target)
    findings = [f for rule in RULES for f in rule(doc, hop, router_flavor)]
    return sorted(findings, key=lambda f: (f.line, f.rule))


def fix(text: str, source: str, target: str, router_flavor: str = "traditional_compatible") -> tuple[str, list[Finding]]:
    """Convert the mechanical findings like decK's ``file convert``; return the text and what is left.

    The text is edited as round-trip YAML, so comments, key order and quoting stay. The left-over
    findings are those of the converted text (their lines are the new file's), without the
    rollback-file reminder, which the caller reports on its own. A left-over error means Kong would
    refuse the converted file (or decK would refuse to convert it): the caller must not write it.
    """
    load_config(text)  # bad input fails here, located, before the round-trip parser sees it
    hop = make_hop(source, target)
    data, layout = load_roundtrip(text)
    changed = [fixer(data, hop) for fixer in FIXERS]
    converted = dump_roundtrip(data, layout) if any(changed) else text
    left = [f for f in lint(converted, source, target, router_flavor) if f.rule != "rollback-file"]
    return converted, left


def blocking(left: list[Finding]) -> list[Finding]:
    """The left-over errors that forbid writing the converted file."""
    return [f for f in left if f.severity == "error"]
