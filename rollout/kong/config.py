"""A DB-less ``kong.yml`` read for linting: its entities, each with a label and its YAML line. Pure.

The entity kinds and where they may nest follow Kong's declarative config schema
(https://github.com/Kong/kong/blob/3.4.2/kong/db/schema/others/declarative_config.lua): services
hold routes and plugins, routes and consumers hold plugins, and every kind may also sit at the top
with a foreign reference. Lines come from ``yaml.compose`` marks, the way plans are located.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import yaml

from ..i18n import N_
from ..located import line_index
from ..yaml_input import KONG_YML, InputRefused, parse


class LintError(ValueError):
    """Bad input: the text is not YAML, or not a declarative config (one line, located)."""


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
        root, data = parse(text, KONG_YML)
    except InputRefused as exc:
        raise LintError(N_("line {line}: {message}").format(
            line=exc.line, message=exc.message) if exc.line else exc.message) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        said = N_("not valid YAML: {problem}").format(problem=problem)
        raise LintError(N_("line {line}: {message}").format(line=mark.line + 1, message=said) if mark else said) from None
    if not isinstance(data, dict):
        raise LintError(N_("line {line}: {message}").format(
            line=1, message=N_("expected a mapping (a declarative config with _format_version) at the top")))
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


# where a plugin is attached; labels are English facts (--json), said in the reader's language when shown
SCOPES = {"route": N_("on route {name}"), "service": N_("on service {name}"), "consumer": N_("on consumer {name}")}


def _plugin(path: tuple, p: dict, scope: str) -> Entity:
    name = _name(p, "name") or "?"
    instance = _name(p, "instance_name", "id")
    if instance:
        label = N_("plugin {name} ({instance}) {scope}").format(name=name, instance=instance, scope=scope)
    else:
        label = N_("plugin {name} {scope}").format(name=name, scope=scope)
    return Entity("plugin", path, p, label)


def _top_plugin_scope(p: dict) -> str:
    for kind in ("route", "service", "consumer"):
        if p.get(kind):
            return SCOPES[kind].format(name=_ref(p[kind]))
    return N_("(global)")


def walk(data: dict) -> Iterator[Entity]:
    """Every service, route, consumer and plugin, nested or top-level, with a label naming it."""
    for i, s in _items(data, "services"):
        svc = _name(s, "name", "id") or f"#{i}"
        yield Entity("service", ("services", i), s, N_("service {svc}").format(svc=svc))
        for j, r in _items(s, "routes"):
            route = _name(r, "name", "id") or f"#{j}"
            yield Entity("route", ("services", i, "routes", j), r, N_("route {route} of service {svc}").format(
                route=route, svc=svc))
            for k, p in _items(r, "plugins"):
                yield _plugin(("services", i, "routes", j, "plugins", k), p, SCOPES['route'].format(name=route))
        for k, p in _items(s, "plugins"):
            yield _plugin(("services", i, "plugins", k), p, SCOPES['service'].format(name=svc))
    for i, r in _items(data, "routes"):
        route = _name(r, "name", "id") or f"#{i}"
        label = N_("route {route} of service {svc}").format(route=route, svc=_ref(r["service"])) if r.get("service") \
            else N_("route {route}").format(route=route)
        yield Entity("route", ("routes", i), r, label)
        for k, p in _items(r, "plugins"):
            yield _plugin(("routes", i, "plugins", k), p, SCOPES['route'].format(name=route))
    for i, c in _items(data, "consumers"):
        consumer = _name(c, "username", "custom_id", "id") or f"#{i}"
        yield Entity("consumer", ("consumers", i), c, N_("consumer {consumer}").format(consumer=consumer))
        for k, p in _items(c, "plugins"):
            yield _plugin(("consumers", i, "plugins", k), p, SCOPES['consumer'].format(name=consumer))
    for i, p in _items(data, "plugins"):
        yield _plugin(("plugins", i), p, _top_plugin_scope(p))
