"""Lint a DB-less ``kong.yml`` for one upgrade hop, and convert what is mechanical. Pure.

Most failed upgrades of DB-less nodes fail on the declarative config, not on Kong: a regex
route that silently became a literal, a removed plugin field that now fails validation, a 3.0
file that the 2.8 nodes (and so the rollback) reject. ``lint`` walks the file's entities and
runs the rules registered in ``rollout.kong.lint_registry``; every finding names the entity and
its YAML line. ``fix`` does what decK's ``file convert`` does
(https://developer.konghq.com/deck/file/convert/), on parsed data, and reports what it could not
convert.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml

from .config import load_config
from .findings import Finding, make_hop
from .lint_registry import FIXERS, RULES


def lint(text: str, source: str, target: str, router_flavor: str = "traditional_compatible") -> list[Finding]:
    """Every finding for this file on the hop ``source -> target``, in file order."""
    doc, hop = load_config(text), make_hop(source, target)
    findings = [f for rule in RULES for f in rule(doc, hop, router_flavor)]
    return sorted(findings, key=lambda f: (f.line, f.rule))


class _PlainDumper(yaml.SafeDumper):
    """Write shared values out in full: a converted kong.yml should not grow YAML aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def fix(text: str, source: str, target: str) -> tuple[str, list[Finding]]:
    """Convert the mechanical findings like decK's ``file convert``; return the text and what is left.

    The left-over findings are those of the converted text (their lines are the new file's),
    without the rollback-file reminder, which the caller reports on its own.
    """
    doc, hop = load_config(text), make_hop(source, target)
    data = copy.deepcopy(doc.data)
    changed = [fixer(data, hop) for fixer in FIXERS]
    converted = text if not any(changed) else yaml.dump(
        data, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)
    left = [f for f in lint(converted, source, target) if f.rule != "rollback-file"]
    return converted, left
