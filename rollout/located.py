"""Load a YAML file into a strict pydantic model and locate every problem by file, line and key path.

Plans and scenarios share this, so every input file in Turnout reports errors the same way:
``plans/prod.yml:14: steps.2.y: must be between 0 and 100``. No traceback ever reaches the
operator for bad input: a hostile file (a FIFO, a binary, an alias bomb) is refused in one line
by ``rollout.yaml_input`` before any of this runs, a key written twice is an error at its
second line, and every message is one line of bounded length (a value from the file is quoted
and cut, so it can neither flood the screen nor drive the terminal).
"""

from __future__ import annotations

import re
from typing import Any, Callable, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import PlanError, Problem
from .i18n import N_
from .yaml_input import InputRefused, parse, read_text

M = TypeVar("M", bound=BaseModel)
QUIET = "turnout"  # a PydanticCustomError type whose message is printed as written, never with the input
SECRET_PATH = re.compile(r"token|secret|passw|auth|api-?key", re.I)  # key paths whose values are never echoed


def _walk(node: yaml.Node, path: tuple = (), key: yaml.Node | None = None, parent: yaml.Node | None = None):
    """Every node of a composed YAML tree, parents first in document order: (key path, node, the
    key node it hangs from or None for the root and list items, the mapping or list holding it)."""
    yield path, node, key, parent
    if isinstance(node, yaml.MappingNode):
        for k, value in node.value:
            yield from _walk(value, path + (str(k.value),), k, node)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _walk(item, path + (i,), None, node)


def line_index(root: yaml.Node | None) -> dict[tuple, int]:
    """Map every key path in a composed YAML tree to its 1-based line (a key's own line, else its node's)."""
    index: dict[tuple, int] = {}
    for path, node, key, _ in _walk(root) if root is not None else ():
        if key is not None:
            index[path] = key.start_mark.line + 1
        else:
            index.setdefault(path, node.start_mark.line + 1)
    return index


def duplicate_keys(root: yaml.Node | None) -> list[tuple[tuple, int, int]]:
    """Every key written twice in one mapping: (key path, its line, the first one's line).

    YAML says keys are unique, PyYAML lets the last one win: a plan with ``name:`` twice would
    run under a name its author did not read last.
    """
    found: list[tuple[tuple, int, int]] = []
    first: dict[tuple, int] = {}  # (the mapping, the key's tag and text) -> the line it was first written on
    for path, _, key, parent in _walk(root) if root is not None else ():
        if isinstance(key, yaml.ScalarNode):
            mark, line = (id(parent), key.tag, key.value), key.start_mark.line + 1
            if mark in first:
                found.append((path, line, first[mark]))
            else:
                first[mark] = line
    return found


def locate(index: dict[tuple, int], loc: tuple, tags: tuple[str, ...] = ()) -> tuple[str, int]:
    """Turn a pydantic error location into ("a.b.0.c", line), skipping union tags absent from the file."""
    path: tuple = ()
    for part in loc:
        if isinstance(part, str) and (_is_tag(part) or part in tags) and path + (part,) not in index:
            continue
        path = path + (part,)
    probe = path
    while probe and probe not in index:
        probe = probe[:-1]
    return dotted(path), index.get(probe, 1)


def dotted(path: tuple) -> str:
    """``pools.x.nodes.0.name``; a key from the file that is long or holds control characters is
    shown quoted and cut, so an error line stays one line and cannot drive the terminal."""
    return ".".join(str(p) if str(p).isprintable() and len(str(p)) <= 40 else shown(str(p)) for p in path)


def shown(value: Any, limit: int = 60) -> str:
    """A value quoted for a one-line message: repr (control characters escaped), cut at ``limit``."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return N_("a number of {digits} binary digits").format(digits=value.bit_length())  # repr() of a huge int raises
    if isinstance(value, bool) or value is None:
        return {True: "true", False: "false"}.get(value, "null")  # as YAML spells them
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_tag(part: str) -> bool:
    """Pydantic puts union member names (``function-after[...]``) into locations; the plan's own
    tags (``load_balancer.type`` names) come in through ``load_model(tags=...)``."""
    return "[" in part or "-" in part


# pydantic's own messages, as _message writes them (first letter lowered): marked here so the
# catalog reads them back by type with their placeholders (rollout.phrasebook); English is unchanged.
PYDANTIC_MESSAGES = (
    N_("input should be a valid integer"), N_("input should be a valid number"), N_("input should be a valid string"),
    N_("input should be a valid boolean"), N_("input should be a valid list"), N_("input should be a valid dictionary"),
    N_("input should be a finite number"), N_("input should be greater than {gt}"),
    N_("input should be greater than or equal to {ge}"), N_("input should be less than {lt}"),
    N_("input should be less than or equal to {le}"), N_("input should be {expected}"),
    N_("input should be a valid integer, got a number with a fractional part"),
    N_("input should be a valid dictionary or instance of {class_name}"),
    N_("list should have at least {min_length} item after validation, not {actual_length}"),
    N_("list should have at least {min_length} items after validation, not {actual_length}"),
    N_("list should have at most {max_length} item after validation, not {actual_length}"),
    N_("list should have at most {max_length} items after validation, not {actual_length}"),
    N_("string should have at least {min_length} character"), N_("string should have at least {min_length} characters"),
    N_("string should have at most {max_length} character"), N_("string should have at most {max_length} characters"),
)


def _message(err: dict, dotted: str) -> str:
    kind = err.get("type", "")
    # the value itself, unless it is a container or sits under a key that holds secrets (a token
    # pasted as ``admin_auth: kpat_...`` must not be printed back)
    echo = "input" in err and not isinstance(err["input"], (dict, list)) and not SECRET_PATH.search(dotted)
    if kind == "extra_forbidden":
        return N_("unknown key")
    if kind == "missing":
        return N_("missing (required)")
    if kind == "literal_error":
        expected = err["msg"].lower()
        return N_("got {value}; {expected}").format(value=shown(err["input"]), expected=expected) if echo else expected
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return N_("unknown type {tag}; expected one of {expected}").format(tag=shown(ctx.get("tag")),
                                                                          expected=ctx.get("expected_tags"))
    msg = err["msg"]
    if kind == QUIET:
        return msg
    msg = msg.removeprefix("Value error, ")
    msg = msg[:1].lower() + msg[1:]
    return N_("{message} (got {value})").format(message=msg, value=shown(err["input"])) if echo else msg


def load_model(
    path: str,
    model: type[M],
    cross_check: Callable[[M], list[tuple[str, ...]]] | None = None,
    text: str | None = None,
    special: dict[str, str] | None = None,
    tags: tuple[str, ...] = (),
) -> M:
    """Parse ``path`` (or ``text``) as YAML into ``model``; raise PlanError with every located problem.

    ``tags`` names the members of the model's own discriminated unions (e.g. a scenario's fault
    kinds), which pydantic puts into error locations although they are not keys of the file.
    """
    root, data = _document(path, text)
    index = line_index(root)
    problems = [Problem(path, line, dotted(key),
                        N_("written twice (first at line {first}); a second key never silently wins").format(first=first))
                for key, line, first in duplicate_keys(root)]
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        raise PlanError(problems + _dedupe(_validation_problems(path, exc, index, special, tags))) from None
    if problems:
        raise PlanError(problems)
    if cross_check:
        for where, message, *anchor in cross_check(result):
            at = anchor[0] if anchor else where  # a missing key is best shown where it is needed
            key = tuple(int(p) if p.isdigit() else p for p in at.split("."))
            problems.append(Problem(path, locate(index, key)[1], where, _clip(message)))
        if problems:
            raise PlanError(problems)
    return result


def _document(path: str, text: str | None) -> tuple[yaml.Node, dict]:
    """The composed tree and its data, a mapping; PlanError with the one line that says why not."""
    try:
        root, data = parse(read_text(path) if text is None else text)
    except InputRefused as exc:
        raise PlanError([Problem(path, exc.line, "", exc.message)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PlanError([Problem(path, line, "", _clip(N_("not valid YAML: {problem}").format(problem=problem)))]) from None
    if not isinstance(data, dict):
        raise PlanError([Problem(path, 1, "", N_("expected a mapping of keys at the top of the file"))])
    return root, data


def _validation_problems(path: str, exc: ValidationError, index: dict[tuple, int], special: dict[str, str] | None,
                         tags: tuple[str, ...]) -> list[Problem]:
    problems = []
    for err in exc.errors():
        tag = str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
        loc = tuple(err["loc"]) + ((tag,) if err.get("type") == "union_tag_invalid" else ())
        where, line = locate(index, loc, tags)
        message = (special or {}).get(where) or _message(err, where)
        problems.append(Problem(path, line, where, _clip(message)))
    return problems


def _clip(message: str, limit: int = 300) -> str:
    """One line of bounded length, whatever a file managed to put into a message."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 3] + "..."


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.path, p.message) not in seen:
            seen.add((p.line, p.path, p.message))
            out.append(p)
    return out
