"""English sentences kept as facts, said again in the reader's language when they are shown.

WHY: a plan problem, a lint finding or a preflight check's evidence is built once, in English,
and then travels: into ``--json`` output that scripts parse, into the journal (which stores facts,
not sentences), into a report rendered later in another language. Those copies must stay
byte-for-byte English. So the code builds such a sentence from an extraction-marked template,
``N_("the last step must send 100% to Y, not {y}").format(y=...)``, stores or prints the English
result, and whatever shows it to an operator passes it through ``say()``.

``say()`` reads the sentence back against the catalog: an exact msgid is looked up as gettext
does; otherwise every msgid with ``{placeholders}`` is a pattern (its literal text matched
exactly, each placeholder any text), the reading of the whole sentence whose templates cover the
most of its words wins (``_read`` says how), and its translation is filled with the captured
values, each of them said again (a reason inside a finding inside a check is translated at every
level). A sentence no template matches is shown as it is, in English: never a key, never an
empty string. docs/i18n.md tells how to write templates that read back.
"""

from __future__ import annotations

import functools
import re
import string
import time
from dataclasses import dataclass

from .i18n import DOMAIN, _, catalog_path, current_language

MIN_LITERAL = 1  # a template of bare placeholders ("{a}{b}") says nothing to read a sentence back by
# placeholders that hold a name or a call as written (a node called `backup`, HAProxy's
# `set weight`): never read as words
NAMES = frozenset({"target", "call", "node", "plan_name", "path", "file", "host", "url"})
MAX_TEXT = 4000  # longer text is shown as written: reading it back costs more than a screen may wait
# A sentence not read back within this much CPU time is shown in English: the log line of a
# rollback is drawn on the loop that sends the rollback, so no translation may hold it for long (a
# window line of a dozen failing nodes took minutes; a usual one 0.1 s). CPU time, not the clock,
# so a busy machine does not turn a usual line English; what was read in time is kept (cached).
BUDGET_S = 0.5
PARENS_DEEP = 8  # a value's parentheses nest at most this deep (a rollback's reason holds a window's gates' tests)


def _balanced(depth: int) -> str:
    """A regex for text whose parentheses pair up, nested at most ``depth`` deep (lazy).

    WHY: a sentence's values are built from templates whose parentheses pair up, and the same
    separator serves at several levels (``; `` joins a window's gates and a gate's tests): a
    placeholder that may take any text cuts ``error_rate fail (A; B); error_rate_node fail (C)``
    in the middle of a gate's parentheses and reads the halves with the wrong templates. Each
    alternative starts with a different character, so the match of a group is unique and this
    costs no more backtracking than ``.*?``."""
    group = r"\([^()]*\)"
    for _level in range(depth - 1):
        group = r"\((?:[^()]|" + group + r")*\)"
    return r"(?:[^()]|" + group + r")*?"


VALUE = _balanced(PARENS_DEEP)
COMMAND = "turnout "  # a value that is a command line is shown as the operator types it, never read as words
# a command line inside a sentence ("... with: turnout lab up --dir lab`"): no template may cut its
# head ("turnout run"), and a value inside it ("lab") is typed, not a word to translate
COMMAND_LINE = re.compile(r"\bturnout( [a-z]+)[^`;,()\n]*")


@dataclass(frozen=True)
class Pattern:
    """One msgid read as a pattern: its regex, its placeholders in group order, its translation."""

    regex: re.Pattern  # each value whole within its parentheses
    loose: re.Pattern  # any text for a value: a free text (an error body) may leave a parenthesis open
    fields: tuple[str, ...]
    translation: str
    weight: int  # letters in its literal text: the more words a template says, the surer its match
    literals: tuple[str, ...]  # its literal text, a cheap test before the regex
    closed: bool  # ends in literal text, not in a placeholder
    opened: bool  # starts with literal text


def say(text: str) -> str:
    """``text`` (English, built from a marked template or a marked constant) in the current language."""
    lang = current_language()
    if lang == "en" or not text:
        return text
    if len(text) > MAX_TEXT:
        return text
    global _deadline
    _patterns(lang)  # read and compiled once per process, outside the sentence's budget
    _deadline = time.process_time() + BUDGET_S
    try:
        return _read(lang, text, False)[1]
    except (RecursionError, _OutOfTime):  # hundreds of clauses, or no reading in time: shown as written
        return text


class _OutOfTime(Exception):
    """The sentence could not be read back within BUDGET_S."""


_deadline = 0.0


@functools.lru_cache(maxsize=65536)
def _read(lang: str, text: str, nested: bool) -> tuple[int, str]:
    """(how many of ``text``'s letters the catalog's literal text covers, its translation).

    Of every template that matches, the reading that covers the most letters wins, counting
    what its values' own readings cover: ``input should be less than or equal to 100 (got 150)``
    is a pydantic message inside ``{message} (got {value})``, not a bound of ``100 (got 150)``.
    On a tie the reading whose template ends in literal text wins (a trailing placeholder
    swallows the rest of the sentence: ``Y has {ny} nodes, X has {nx}`` would take a whole
    ``...; peak not checked`` clause as ``nx``), then the one that starts with literal text
    (``rolling back: {reason}`` holds ``{how} ({gates}) at {y}% on Y: ...``, not the other way
    round), then the one with more placeholders. Before all of these, a reading whose values
    are whole within their parentheses beats one that cuts a value inside them (``VALUE``); the
    loose reading is only for a sentence no template reads whole (a free text's stray parenthesis)."""
    if not text or (nested and text.startswith(COMMAND)):  # nothing to read (gettext would give the catalog's
        return 0, text  # header for ""); a command line ("turnout run p.yml --new-run") is typed, not read
    exact = _(text)
    if exact != text:
        return _letters(text), exact
    if time.process_time() > _deadline:
        raise _OutOfTime
    best: tuple[tuple[bool, int, bool, bool, int], str] = ((False, 0, False, False, 0), text)
    commands = [(m.start(), m.end(1), m.end()) for m in COMMAND_LINE.finditer(text)]
    for pattern in _patterns(lang):
        if not all(literal in text for literal in pattern.literals):
            continue
        found = pattern.regex.fullmatch(text)
        whole = found is not None
        found = found or pattern.loose.fullmatch(text)
        if found and not _cuts_a_command(found, commands):
            values = [(0, found.group(f"f{i}")) if field in NAMES or _typed(found.span(f"f{i}"), commands) else
                      _read(lang, found.group(f"f{i}"), True) for i, field in enumerate(pattern.fields)]
            score = pattern.weight + sum(covered for covered, _said in values)
            rank = (whole, score, pattern.closed, pattern.opened, len(pattern.fields))
            if rank > best[0]:
                best = (rank, fill(pattern.translation, {name: value[1] for name, value in zip(pattern.fields, values)}))
    return best[0][1], best[1]


def _cuts_a_command(found: re.Match, commands: list[tuple[int, int, int]]) -> bool:
    """A reading that puts a template's words inside ``turnout run`` (``{nodes} run {planned}`` read
    over ``... with: turnout run p.yml --rollback``) takes a command for a sentence: refused."""
    cuts = [i for n in range(1, (found.re.groups or 0) + 1) for i in found.span(n)]
    return any(start < cut < head for cut in cuts for start, head, _end in commands)


def _typed(span: tuple[int, int], commands: list[tuple[int, int, int]]) -> bool:
    """The value is an argument of a command line (``--dir {dir}``): shown as typed."""
    return any(head <= span[0] and span[1] <= end for _start, head, end in commands)


def say_phase(phase: str) -> str:
    """A phase column: the catalog's words for the phase (``smoke y``, the cockpit's PHASE_WORDS),
    else its name as the journal spells it (``smoke_y``), as the English logs always printed it."""
    words = phase.replace("_", " ")
    said = _(words)
    return phase if said == words else said


def _letters(text: str) -> int:
    """Words count, punctuation does not: ``{node}: {why}`` says nothing, however a sentence is cut."""
    return sum(c.isalpha() for c in text)


def fill(template: str, values: dict[str, str]) -> str:
    """A brace template with its placeholders replaced by text (format specs are for the English
    numbers that were already written; the captured text is kept as it is)."""
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(template):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, "{" + field + "}"))
    return "".join(out)


def compile_pattern(msgid: str, translation: str) -> Pattern | None:
    """The regex that reads sentences built from ``msgid``; None when the template is too bare."""
    parts, loose, fields, weight, literals = [], [], [], 0, []
    try:
        parsed = list(string.Formatter().parse(msgid))
    except ValueError:
        return None
    for literal, field, _spec, _conversion in parsed:
        parts.append(re.escape(literal))
        loose.append(re.escape(literal))
        literals.append(literal)
        weight += _letters(literal)
        if field is not None:
            parts.append(f"(?P<f{len(fields)}>{VALUE})")
            loose.append(f"(?P<f{len(fields)}>.*?)")
            fields.append(field)
    if not fields or sum(map(len, literals)) < MIN_LITERAL:
        return None
    return Pattern(re.compile("".join(parts), re.DOTALL), re.compile("".join(loose), re.DOTALL), tuple(fields), translation,
                   weight, tuple(filter(None, literals)), closed=bool(parsed[-1][0]) and parsed[-1][1] is None, opened=bool(parsed[0][0]))


@functools.cache
def _patterns(lang: str) -> tuple[Pattern, ...]:
    """Every translated msgid with placeholders (read once per process)."""
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    found = []
    for message in catalog:
        if isinstance(message.id, str) and "{" in message.id and isinstance(message.string, str) and message.string \
                and not message.fuzzy:
            pattern = compile_pattern(message.id, message.string)
            if pattern:
                found.append(pattern)
    return tuple(found)
