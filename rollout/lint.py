"""Lint a DB-less ``kong.yml`` for one upgrade hop, and convert what is mechanical. Pure.

Most failed upgrades of DB-less nodes fail on the declarative config, not on Kong: a regex
route that silently became a literal, a removed plugin field that now fails validation, a 3.0
file that the 2.8 nodes (and so the rollback) reject. ``lint`` walks the file's entities and
runs the rules of ``rollout.lint_rules`` that apply to the hop; every finding names the entity
and its YAML line (from ``yaml.compose`` marks, the way plans are located). ``fix`` does what
decK's ``file convert`` does, on parsed data, and reports what it could not convert.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from typing import Any, Iterator, Literal

import yaml

from .located import line_index
from .versions import KongVersion, parse_version

Severity = Literal["error", "warning"]


class LintError(ValueError):
    """Bad input: the text is not YAML, or not a declarative config (one line, located)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    entity: str  # "route r1 of service svc1", "plugin acl on service svc1", "file"
    line: int
    message: str
    fixable: bool = False
    source: str = ""

    def __str__(self) -> str:
        return f"line {self.line}: {self.severity}: {self.entity}: {self.message}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Hop:
    """The upgrade a file is linted for: X's version to Y's."""

    source: KongVersion
    target: KongVersion

    def crosses(self, major: int, minor: int) -> bool:
        """True when the hop starts before ``major.minor`` and ends on or after it."""
        return self.source.line < (major, minor) <= self.target.line

    def reaches(self, major: int, minor: int) -> bool:
        return self.target.line >= (major, minor)


@dataclass(frozen=True)
class Entity:
    kind: str  # service | route | plugin | consumer
    path: tuple  # key path from the top of the file
    data: dict
    label: str


class ConfigDoc:
    """A parsed kong.yml with the line of every key path."""

    def __init__(self, data: dict, lines: dict[tuple, int]):
        self.data = data
        self.lines = lines

    @property
    def format_version(self) -> str:
        return str(self.data.get("_format_version", ""))

    @property
    def is_3x_format(self) -> bool:
        return self.format_version.startswith("3")

    def line(self, path: tuple) -> int:
        """The line of ``path``, or of its nearest ancestor present in the file."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def entities(self, kind: str | None = None) -> Iterator[Entity]:
        return (e for e in walk(self.data) if kind is None or e.kind == kind)

    def plugin_names(self) -> set[str]:
        return {str(e.data.get("name")) for e in self.entities("plugin") if e.data.get("name")}


def load_config(text: str) -> ConfigDoc:
    """Parse kong.yml text; raise LintError naming the line when it is not a declarative config."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise LintError(f"{where}not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise LintError("line 1: expected a mapping (a declarative config with _format_version) at the top")
    return ConfigDoc(data, line_index(root))


def _name(data: dict, *keys: str) -> str:
    for key in keys:
        if isinstance(data.get(key), (str, int)) and data.get(key) != "":
            return str(data[key])
    return ""


def _ref(value: Any) -> str:
    """A foreign reference is a name/id string or ``{name:..}``/``{id:..}``."""
    return _name(value, "name", "id") if isinstance(value, dict) else str(value or "")


def _items(data: dict, key: str) -> Iterator[tuple[int, dict]]:
    value = data.get(key)
    for i, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict):
            yield i, item


def _plugin(path: tuple, p: dict, scope: str) -> Entity:
    name = _name(p, "name") or "?"
    instance = _name(p, "instance_name", "id")
    label = f"plugin {name}" + (f" ({instance})" if instance else "") + (f" {scope}" if scope else "")
    return Entity("plugin", path, p, label)


def _top_plugin_scope(p: dict) -> str:
    for kind in ("route", "service", "consumer"):
        if p.get(kind):
            return f"on {kind} {_ref(p[kind])}"
    return "(global)"


def walk(data: dict) -> Iterator[Entity]:
    """Every service, route, consumer and plugin, nested or top-level, with a label naming it."""
    for i, s in _items(data, "services"):
        svc = _name(s, "name", "id") or f"#{i}"
        yield Entity("service", ("services", i), s, f"service {svc}")
        for j, r in _items(s, "routes"):
            route = _name(r, "name", "id") or f"#{j}"
            yield Entity("route", ("services", i, "routes", j), r, f"route {route} of service {svc}")
            for k, p in _items(r, "plugins"):
                yield _plugin(("services", i, "routes", j, "plugins", k), p, f"on route {route}")
        for k, p in _items(s, "plugins"):
            yield _plugin(("services", i, "plugins", k), p, f"on service {svc}")
    for i, r in _items(data, "routes"):
        route = _name(r, "name", "id") or f"#{i}"
        parent = f" of service {_ref(r['service'])}" if r.get("service") else ""
        yield Entity("route", ("routes", i), r, f"route {route}{parent}")
        for k, p in _items(r, "plugins"):
            yield _plugin(("routes", i, "plugins", k), p, f"on route {route}")
    for i, c in _items(data, "consumers"):
        consumer = _name(c, "username", "custom_id", "id") or f"#{i}"
        yield Entity("consumer", ("consumers", i), c, f"consumer {consumer}")
        for k, p in _items(c, "plugins"):
            yield _plugin(("consumers", i, "plugins", k), p, f"on consumer {consumer}")
    for i, p in _items(data, "plugins"):
        yield _plugin(("plugins", i), p, _top_plugin_scope(p))


def make_hop(source: str, target: str) -> Hop:
    """Parse both versions (VersionError on an unknown one)."""
    return Hop(parse_version(source), parse_version(target))


def lint(text: str, source: str, target: str, router_flavor: str = "traditional_compatible") -> list[Finding]:
    """Every finding for this file on the hop ``source -> target``, in file order."""
    from . import lint_plugin_params, lint_rules

    doc, hop = load_config(text), make_hop(source, target)
    rules = lint_rules.RULES + lint_plugin_params.RULES
    findings = [f for rule in rules for f in rule(doc, hop, router_flavor)]
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
    from . import lint_plugin_params, lint_rules

    doc, hop = load_config(text), make_hop(source, target)
    data = copy.deepcopy(doc.data)
    changed = [fixer(data, hop) for fixer in lint_rules.FIXERS + lint_plugin_params.FIXERS]
    converted = text if not any(changed) else yaml.dump(
        data, Dumper=_PlainDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=4096)
    left = [f for f in lint(converted, source, target) if f.rule != "rollback-file"]
    return converted, left
