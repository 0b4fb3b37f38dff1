"""Route path rules: what the 3.x router does with a path the 2.x router read differently. Pure.

- 3.0: a regex needs a leading ``~``. Kong migrates 1.1/2.1 files on load with ``migrate_path``
  (https://github.com/Kong/kong/blob/3.4.2/kong/db/migrations/migrate_path_280_300.lua): a path
  with a character outside ``[a-zA-Z0-9.-_~/%]`` is a regex; it gets ``~`` and its percent-encoded
  characters are decoded, except RFC 3986 reserved ones (kept, upper-cased), and regex
  metacharacters come back escaped (``%2D`` -> ``\\-``). decK's ``file convert`` adds the ``~``
  (https://github.com/Kong/deck/blob/main/convert/convert.go, ``migrateRoutesPathFieldPre300``).
- A regex Kong cannot compile makes it refuse the whole file (route schema,
  https://github.com/Kong/kong/blob/3.4.2/kong/db/schema/entities/routes.lua, ``validate_regex``).
- 3.0's default ``router_flavor = traditional_compatible`` has no look-around, back-references or
  ``path_handling: v1``.
- 3.3: ``traditional_compatible`` gives each path of a route its own priority
  (https://docs.konghq.com/gateway/latest/breaking-changes/33x/, "Traditional compatibility router").
- 3.7: regexes are compiled by PCRE2 instead of PCRE (Kong CHANGELOG 3.7.0, "Bumped PCRE from the
  legacy libpcre 8.45 to libpcre2 10.43", #12366); PCRE2 refuses some classes PCRE accepted,
  such as ``[\\w-.]``. The check compiles with the PCRE2 library itself (the ``pcre2`` package).
"""

from __future__ import annotations

import re
from typing import Iterator

import pcre2

from ..i18n import N_
from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, finding
from .lint_yaml import styled

PLAIN_PATH = re.compile(r"^[a-zA-Z0-9._~/%-]*$")  # Kong's migrate_path_280_300 and decK's IsPathRegexLike
LOOKAROUND = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<")
PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
RESERVED = frozenset(b"!#$%&'()*+,/:;=?@[]")
REGEX_META = frozenset(b".^-{}\\|")
CLASS_RANGE = "invalid range in character class"

SRC_ROUTER = ("Kong docs 'New router' https://docs.konghq.com/gateway/latest/breaking-changes/30x/; "
              "kong@3.4.2 kong/db/migrations/migrate_path_280_300.lua; https://github.com/Kong/deck/blob/main/convert/convert.go")
SRC_REGEX = "kong@3.4.2 kong/db/schema/entities/routes.lua (validate_regex: a path that does not compile refuses the file)"
SRC_PCRE2 = "Kong CHANGELOG 3.7.0 #12366 (libpcre 8.45 -> libpcre2 10.43; https://github.com/Kong/kong/blob/3.7.0/CHANGELOG.md)"
SRC_FLAVOR = ("kong@3.4.2 kong/templates/kong_defaults.lua (router_flavor = traditional_compatible); "
              "https://github.com/Kong/docs.konghq.com/blob/fb0334b0c3/app/_data/tables/breaking_changes_lts.yml")
SRC_PRIORITY = "https://docs.konghq.com/gateway/latest/breaking-changes/33x/ (traditional_compatible: one priority per path)"


def is_regex_like(path: str) -> bool:
    return not path.startswith("~") and not PLAIN_PATH.match(path)


def _decode(m: re.Match) -> str:
    code = int(m.group(1), 16)
    if code in RESERVED:
        return m.group(0).upper()
    return ("\\" if code in REGEX_META else "") + chr(code)


def migrate_regex(path: str) -> str:
    """Kong's ``migrate_path`` for a regex-like 2.x path: ``/foo%2Dbar/\\d+`` -> ``~/foo\\-bar/\\d+``."""
    return "~" + PERCENT.sub(_decode, path)


def _paths(e: Entity) -> Iterator[tuple[int, str]]:
    paths = e.data.get("paths")
    for i, p in enumerate(paths if isinstance(paths, list) else []):
        if isinstance(p, str):
            yield i, p


def _regexes(doc: ConfigDoc, e: Entity) -> Iterator[tuple[int, str]]:
    """The route's paths that 3.x reads as regexes, as 3.x sees them (without the ``~``)."""
    for i, p in _paths(e):
        if p.startswith("~"):
            yield i, p[1:]
        elif not doc.is_3x_format and is_regex_like(p):
            yield i, migrate_regex(p)[1:]


def regex_paths(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.x matches a path as a regex only with a leading ``~``; 1.1/2.1 files are migrated, 3.0 files are trusted."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("route"):
        for i, p in _paths(e):
            if not is_regex_like(p):
                continue
            where = e.path + ("paths", i)
            if doc.is_3x_format:
                yield finding(doc, "regex-path", "error", e, where,
                              N_("path '{p}' looks like a regex but a 3.0 file makes it a literal prefix; write '~{p}' if a regex is meant").format(
                                  p=p),
                              SRC_ROUTER)
            else:
                yield finding(doc, "regex-path", "warning", e, where,
                              N_("path '{p}' is a regex: 3.x needs '{value}' (Kong migrates 1.1/2.1 files on load; the converted file must say it)").format(
                                  p=p, value=migrate_regex(p)),
                              SRC_ROUTER, fixable=True)


def _compile_error(regex: str) -> str:
    try:
        pcre2.compile(regex)
    except Exception as exc:  # pcre2.PatternError; the library's only compile failure
        return str(exc)
    return ""


def regex_invalid(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """A regex Kong cannot compile refuses the whole file; from 3.7 PCRE2 decides, before it PCRE."""
    if not hop.reaches(3, 0):
        return
    for e in doc.entities("route"):
        for i, regex in _regexes(doc, e):
            problem = _compile_error(regex)
            if not problem or (CLASS_RANGE in problem and not hop.reaches(3, 7)):
                continue  # PCRE (before 3.7) read a '-' after a class escape as a literal
            pcre2_only = CLASS_RANGE in problem and hop.source.line < (3, 7)
            rule, src = ("regex-pcre2", SRC_PCRE2) if pcre2_only else ("regex-invalid", SRC_REGEX)
            why = N_("PCRE2 (3.7+) refuses it, PCRE accepted it") if pcre2_only else N_("it does not compile")
            yield finding(doc, rule, "error", e, e.path + ("paths", i),
                          N_("regex '~{regex}' is refused ({why}: {problem}): Kong rejects the whole file").format(
                              regex=regex, why=why, problem=problem), src)


def regex_lookaround(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """The 3.x default router (traditional_compatible) has no look-around, back-references or path_handling v1."""
    if not hop.reaches(3, 0) or flavor == "traditional":
        return
    for e in doc.entities("route"):
        for i, regex in _regexes(doc, e):
            if LOOKAROUND.search(regex):
                yield finding(doc, "regex-lookaround", "error", e, e.path + ("paths", i),
                              N_("path '{data}' uses look-around or a back-reference, which router_flavor {flavor} rejects; rewrite it or run Y with router_flavor = traditional").format(
                                  data=e.data['paths'][i], flavor=flavor),
                              SRC_FLAVOR)
        if e.data.get("path_handling") == "v1":
            yield finding(doc, "regex-lookaround", "error", e, e.path + ("path_handling",),
                          N_("path_handling v1 works only with router_flavor traditional, not {flavor}").format(
                              flavor=flavor), SRC_FLAVOR)


def route_priority(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    """3.0-3.2's traditional_compatible gave a route one priority for all its paths; 3.3 gives each its own."""
    if flavor != "traditional_compatible" or not (hop.source.line >= (3, 0) and hop.crosses(3, 3)):
        return
    for e in doc.entities("route"):
        regex = {i for i, _ in _regexes(doc, e)}
        prefixes = [i for i, _ in _paths(e) if i not in regex]
        if regex and prefixes:
            yield finding(doc, "route-priority", "warning", e, e.path + ("paths",),
                          N_("mixes prefix and regex paths: from 3.3 each path gets its own priority, so a request may match another route than on X; split the route or check the overlaps"),
                          SRC_PRIORITY)


RULES = (regex_paths, regex_invalid, regex_lookaround, route_priority)


def fix_regex_paths(data: dict, hop: Hop) -> bool:
    """decK: prefix ``~`` on regex-like paths; like Kong's migrate_path, decode them too (decK walks only
    nested routes; Kong migrates all, so do we)."""
    if not hop.reaches(3, 0) or str(data.get("_format_version", "")).startswith("3"):
        return False
    changed = False
    for e in walk(data):
        paths = e.data.get("paths") if e.kind == "route" else None
        for i, p in enumerate(paths if isinstance(paths, list) else []):
            if isinstance(p, str) and is_regex_like(p):
                paths[i], changed = styled(p, migrate_regex(p)), True
    return changed


FIXERS = (fix_regex_paths,)
