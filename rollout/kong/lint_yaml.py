"""Read and write a kong.yml for ``--fix`` so that only the converted values change. Pure.

An operator diffs the converted file against the one X keeps: comments, key order, quoting and
indentation must survive, or the diff drowns the conversion. ruamel.yaml's round-trip mode
(https://yaml.readthedocs.io/en/latest/detail/) keeps them; the helpers below edit its mappings in
place (a renamed key keeps its position and its comment, a new value takes the quoting of the one
it replaces). They also work on plain dicts and lists, so a fixer does not care which it gets.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString
from ruamel.yaml.util import load_yaml_guess_indent

from .config import LintError


@dataclass(frozen=True)
class Layout:
    """How the file indents, so that the converted copy indents the same way."""

    mapping: int = 2
    sequence: int = 2
    offset: int = 0
    explicit_start: bool = False  # the file opens with ``---``


_EXPLICIT_START = re.compile(r"^(?:[ \t]*(?:#[^\n]*)?\n)*---(?:[ \t]|$)", re.MULTILINE)


def _yaml(layout: Layout) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never fold a long Lua snippet or regex onto two lines
    y.indent(mapping=layout.mapping, sequence=layout.sequence, offset=layout.offset)
    y.explicit_start = layout.explicit_start
    return y


def load_roundtrip(text: str) -> tuple[Any, Layout]:
    """The document as ruamel round-trip data, and the file's indentation. The lint has read the text
    already, so a failure here is where the two parsers differ (a duplicate key: PyYAML keeps the last,
    ruamel refuses): say so, located, rather than guess which value the copy should keep."""
    try:
        data, indent, block_seq = load_yaml_guess_indent(text, yaml=_yaml(Layout()))
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        problem = (getattr(exc, "problem", None) or str(exc).splitlines()[0]).split(" with value")[0]  # no values: kong.yml holds keys
        raise LintError(f"{where}--fix cannot convert this YAML: {problem}") from None
    indent, block_seq = indent or 2, block_seq or 0
    layout = Layout(mapping=indent - block_seq if indent - block_seq >= 2 else 2, sequence=indent, offset=block_seq,
                    explicit_start=bool(_EXPLICIT_START.match(text)))
    return data, layout


def dump_roundtrip(data: Any, layout: Layout) -> str:
    out = io.StringIO()
    _yaml(layout).dump(data, out)
    return out.getvalue()


def styled(old: Any, new: str) -> str:
    """``new`` written with the quoting of ``old`` (a double-quoted path stays double-quoted)."""
    return type(old)(new) if isinstance(old, ScalarString) else new


def quoted(value: str) -> str:
    """A string that must stay a string in YAML (``"3.0"`` is not the float 3.0)."""
    return DoubleQuotedScalarString(value)


def rename_key(mapping: dict, old: str, new: str, value: Any = None, *, keep_value: bool = True) -> None:
    """Rename ``old`` to ``new`` where it stands, with its comment; ``value`` replaces it unless ``keep_value``."""
    current = mapping[old]
    new_value = current if keep_value else value
    if not isinstance(mapping, CommentedMap):
        items = [(new if k == old else k, new_value if k == old else v) for k, v in mapping.items()]
        mapping.clear()
        mapping.update(items)
        return
    position = list(mapping).index(old)
    comment = mapping.ca.items.pop(old, None)
    del mapping[old]
    mapping.insert(position, new, new_value)
    if comment is not None:
        mapping.ca.items[new] = comment


def put_first(mapping: dict, key: str, value: Any) -> None:
    """Set ``key`` at the top of ``mapping`` (``_format_version`` opens a kong.yml)."""
    if key in mapping:
        mapping[key] = styled(mapping[key], value) if isinstance(value, str) else value
    elif isinstance(mapping, CommentedMap):
        mapping.insert(0, key, value)
    else:
        rest = dict(mapping)
        mapping.clear()
        mapping.update({key: value, **rest})


def set_default(mapping: dict, key: str, value: Any) -> bool:
    """Write the value Kong used to default to, where the file leaves ``key`` out (decK's 3.14 defaults)."""
    if key in mapping:
        return False
    mapping[key] = value
    return True
