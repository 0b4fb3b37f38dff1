"""Reading a plan or scenario file that may be hostile, within bounds of time and memory.

The path on the command line may be a typo away from anything: a FIFO (``open`` waits for a
writer forever), ``/dev/zero``, a directory, a 50 MB log, a binary. The file itself may be a
9-line alias bomb (PyYAML expands ``*alias`` chains into billions of values when they are
walked) or 5,000 nested brackets (PyYAML's composer recurses: a RecursionError). Each must end
in one line naming the file, within a second or two, so:

- only a regular file is opened, checked with ``os.stat`` before the open and ``os.fstat`` on
  the descriptor after it (a swap in between changes nothing); ``O_NONBLOCK`` keeps even that
  open from waiting on a FIFO;
- at most ``MAX_BYTES`` are read, and they must be UTF-8;
- the YAML is composed from libyaml's events (PyYAML's ``CParser``, else its pure parser) by
  PyYAML's own composer with three guards: no anchors or aliases (plans never need them; see
  docs/plan-format.md), nesting at most ``MAX_DEPTH`` deep, at most ``MAX_NODES`` values;
- a value the YAML constructor cannot build (a 5,000-digit integer, ``2024-02-30``) is refused
  at its line instead of escaping as a ValueError.

Duplicate keys are found by ``rollout.located`` on the composed tree, where key paths are known.

A kong.yml is read the same way with wider bounds (``KONG_YML``): decK files may be megabytes and
may use anchors and aliases legitimately, so aliases are allowed there, but every alias counts as
all the values it stands for (``_expanded``): a bomb is refused at its line before the lint, the
line index or the backup's entity count walks it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from .i18n import N_

MAX_BYTES = 1 << 20  # a plan for a thousand nodes is about 150 KiB
LIMIT = "1 MiB"
MAX_DEPTH = 32  # plans nest 5 levels (smoke.0.request.headers.apikey)
MAX_NODES = 20_000  # keys and values; a thousand-node plan has about 9,000
FILE_KINDS = ((stat.S_ISDIR, N_("a directory")), (stat.S_ISFIFO, N_("a FIFO (named pipe)")),
              (stat.S_ISCHR, N_("a character device")), (stat.S_ISBLK, N_("a block device")), (stat.S_ISSOCK, N_("a socket")))


@dataclass(frozen=True)
class Limits:
    """How much of a file of one kind is read, and what it may contain."""

    kind: str  # "plan": the messages say what was expected
    max_bytes: int
    limit: str  # max_bytes in words
    max_depth: int
    max_nodes: int  # values, each alias counted as every value it stands for
    anchors: bool  # whether &anchors and *aliases are allowed

    def too_many(self) -> str:
        return N_("more than {count} YAML values; {expected}").format(
            count=f"{self.max_nodes:,}", expected=N_("a plan is far smaller") if self.kind == "plan" else self.expected())

    def too_deep(self) -> str:
        return N_("nested deeper than {depth} levels; {expected}").format(
            depth=self.max_depth, expected=N_("a plan is a few levels deep") if self.kind == "plan" else self.expected())

    def expected(self) -> str:
        return N_("expected a small YAML file") if self.kind == "plan" else N_("expected a {kind}").format(kind=self.kind)


PLAN = Limits("plan", MAX_BYTES, LIMIT, MAX_DEPTH, MAX_NODES, anchors=False)
# A decK dump of 10,000 services with routes and plugins is about 20 MB and 1.5 million values;
# Kong's own limit on a /config body is nginx's client_max_body_size, which operators raise for
# big configs. Two million values, aliases expanded, keep the lint's walks within seconds.
KONG_YML = Limits("kong.yml", 64 << 20, "64 MiB", 64, 2_000_000, anchors=True)


class InputRefused(Exception):
    """The file cannot be a plan; ``line`` is 1-based, 0 when the whole file is the problem."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def read_text(path: str, limits: Limits = PLAN) -> str:
    """The file's text, or InputRefused saying in one line why it cannot be a plan."""
    try:
        _require_regular(os.stat(path), limits)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            _require_regular(os.fstat(f.fileno()), limits)
            data = f.read(limits.max_bytes + 1)
    except OSError as exc:
        raise InputRefused(0, N_("cannot read: {reason}").format(reason=exc.strerror or exc)) from None
    if len(data) > limits.max_bytes:
        raise InputRefused(0, N_("larger than {limit}; {expected}").format(limit=limits.limit, expected=limits.expected()))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputRefused(line, N_("not UTF-8 text (byte {byte}); expected a YAML file").format(
            byte=f"0x{data[exc.start]:02x}")) from None


def _require_regular(st: os.stat_result, limits: Limits) -> None:
    if stat.S_ISREG(st.st_mode):
        if st.st_size > limits.max_bytes:
            raise InputRefused(0, N_("larger than {limit} ({size} bytes); {expected}").format(
                limit=limits.limit, size=f"{st.st_size:,}", expected=limits.expected()))
        return
    kind = next((name for test, name in FILE_KINDS if test(st.st_mode)), N_("a special file"))
    raise InputRefused(0, N_("{kind}, not a regular file; expected a YAML file").format(kind=kind))


def parse(text: str, limits: Limits = PLAN) -> tuple[yaml.Node | None, Any]:
    """The composed tree (for line numbers) and the data; YAMLError or InputRefused otherwise."""
    try:
        loader = _Loader(text, limits)
    except UnicodeEncodeError:  # a lone surrogate in text handed in by a program, never from a file
        raise InputRefused(0, N_("not UTF-8 text")) from None
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


class _GuardedComposer(Composer):
    """PyYAML's composer, refusing anchors and aliases, deep nesting and too many values."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self._limits = limits
        self._depth = 0
        self._nodes = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it stands for, aliases expanded
        self._open: set[str] = set()  # anchors whose node is still being composed

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        line = event.start_mark.line + 1
        limits = self._limits
        anchored = isinstance(event, AliasEvent) or getattr(event, "anchor", None) is not None
        if anchored and not limits.anchors:
            raise InputRefused(line, N_("YAML anchors and aliases (&name, *name) are not allowed in plans; write the value out"))
        if isinstance(event, AliasEvent):
            if event.anchor in self._open:  # a value that contains itself: every walk of it is endless
                raise InputRefused(line, N_("the alias *{anchor} refers to a value that contains it").format(anchor=event.anchor))
            if event.anchor in self.anchors:
                self._count(line, _expanded(self.anchors[event.anchor], self._sizes))
            return super().compose_node(parent, index)
        self._count(line, 1)
        if self._depth >= limits.max_depth:
            raise InputRefused(line, limits.too_deep())
        anchor = getattr(event, "anchor", None)
        self._depth += 1
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            self._open.discard(anchor)

    def _count(self, line: int, values: int) -> None:
        self._nodes += values
        if self._nodes > self._limits.max_nodes:
            raise InputRefused(line, self._limits.too_many())


def _expanded(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values a walk of ``node`` visits, following aliases (memoised, so a chain of
    aliases to aliases is counted in time linear in the text, though it stands for billions)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded(k, sizes) + _expanded(v, sizes) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded(item, sizes) for item in node.value)
    else:
        size = 1
    sizes[id(node)] = size
    return size


class _GuardedConstructor(SafeConstructor):
    """SafeConstructor, turning a value it cannot build into a refusal at that value's line."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (yaml.YAMLError, InputRefused):
            raise
        except Exception as exc:  # int('9' * 5000), datetime(2024, 2, 30), ...: bad input at the edge
            kind = str(node.tag).rsplit(":", 1)[-1]
            detail = str(exc).splitlines()[0].split(";")[0][:120] if isinstance(exc, (ValueError, OverflowError)) and str(exc) else ""
            raise InputRefused(node.start_mark.line + 1, N_("cannot read this value as {kind}: {detail}").format(
                kind=kind, detail=detail)
                                if detail else N_("cannot read this value as {kind}").format(kind=kind)) from None


try:
    from yaml._yaml import CParser

    class _Loader(_GuardedComposer, CParser, _GuardedConstructor, Resolver):  # type: ignore[misc]
        """libyaml scans and parses (fast, no recursion); the guarded composer above builds the tree."""

        def __init__(self, text: str, limits: Limits) -> None:
            CParser.__init__(self, text)
            _GuardedComposer.__init__(self, limits)
            _GuardedConstructor.__init__(self)
            Resolver.__init__(self)

except ImportError:  # PyYAML built without libyaml: the pure parser, slower but as guarded
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Loader(Reader, Scanner, Parser, _GuardedComposer, _GuardedConstructor, Resolver):  # type: ignore[no-redef]
        def __init__(self, text: str, limits: Limits) -> None:
            Reader.__init__(self, text)
            Scanner.__init__(self)
            Parser.__init__(self)
            _GuardedComposer.__init__(self, limits)
            _GuardedConstructor.__init__(self)
            Resolver.__init__(self)
