"""Load a YAML file into a strict pydantic model and locate every problem by file, line and key path.

Plans and scenarios share this, so every input file in Turnout reports errors the same way:
``plans/prod.yml:14: steps.2.y: must be between 0 and 100``. No traceback ever reaches the
operator for bad input.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import PlanError, Problem

M = TypeVar("M", bound=BaseModel)


def line_index(root: yaml.Node | None) -> dict[tuple, int]:
    """Map every key path in a composed YAML tree to its 1-based line."""
    index: dict[tuple, int] = {}

    def walk(node: yaml.Node, path: tuple) -> None:
        index.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = path + (str(key.value),)
                index[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, path + (i,))

    if root is not None:
        walk(root, ())
    return index


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
    return ".".join(str(p) for p in path), index.get(probe, 1)


def _is_tag(part: str) -> bool:
    """Pydantic puts union member names (``function-after[...]``) into locations; the plan's own
    tags (``load_balancer.type`` names) come in through ``load_model(tags=...)``."""
    return "[" in part or "-" in part


def _message(err: dict, dotted: str) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "missing (required)"
    if kind == "literal_error":
        return f"got {err.get('input')!r}; {err['msg'].lower()}"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown type {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags')}"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    return f"{msg[0].lower()}{msg[1:]} (got {err.get('input')!r})" if "input" in err and not isinstance(err.get("input"), (dict, list)) else msg


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
    if text is None:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as exc:
            raise PlanError([Problem(path, 0, "", f"cannot read: {exc.strerror or exc}")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise PlanError([Problem(path, line, "", f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise PlanError([Problem(path, 1, "", "expected a mapping of keys at the top of the file")])
    index = line_index(root)
    try:
        result = model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            tag = str(err.get("ctx", {}).get("discriminator", "type")).strip("'")
            loc = tuple(err["loc"]) + ((tag,) if err.get("type") == "union_tag_invalid" else ())
            dotted, line = locate(index, loc, tags)
            message = (special or {}).get(dotted) or _message(err, dotted)
            problems.append(Problem(path, line, dotted, message))
        raise PlanError(_dedupe(problems)) from None
    if cross_check:
        problems = []
        for dotted, message, *anchor in cross_check(result):
            at = anchor[0] if anchor else dotted  # a missing key is best shown where it is needed
            key = tuple(int(p) if p.isdigit() else p for p in at.split("."))
            _, line = locate(index, key)
            problems.append(Problem(path, line, dotted, message))
        if problems:
            raise PlanError(problems)
    return result


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.path, p.message) not in seen:
            seen.add((p.line, p.path, p.message))
            out.append(p)
    return out
