"""A drill file's own texts in the operator's language: extracted into the one catalog, translated as shown.

A drill of the library (``plans/drills/*.yml``) is data, but some of its values are sentences a
trainee reads: the summary (``turnout drill --list``), the briefing's situation, the reveal of
the hidden fault, each call's why and the expert's way (the score card). They are English in
the file, as every msgid is, and reach the Japanese catalog the standard way: ``extract_drill``
is a Babel extraction method (https://babel.pocoo.org/en/latest/messages.html, "Writing
Extraction Methods"), registered in ``babel.cfg``'s ``[extractors]`` and run on
``plans/drills/*.yml`` by the same ``pybabel extract`` as the code (docs/i18n.md). Each text is
one message whose TRANSLATORS comment names the drill and the key, so a translator knows where it
shows.

Why the texts stay English in memory and translate only when drawn (``drill_text``): the card's
JSON, the journal and the history keep the drill's own words byte for byte in every language,
and a drill file an operator wrote (no catalog entry) shows exactly as written.

The file is read with the hardened reader of plans (rollout.yaml_input), so the msgid is the very
string ``load_drill`` hands to the screens: a block scalar keeps its line breaks and its final
newline, a folded one becomes one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rollout.i18n import _

# Key -> where a trainee reads it (the translator's comment). ``calls.N.why`` is each call's.
TEXT_KEYS = {
    "summary": "one line of turnout drill --list, never the fault",
    "briefing": "the situation on the briefing screen; keep the blank line between paragraphs",
    "reveal": "the hidden fault, revealed on the score card",
    "why": "the right call in words, on the score card",
    "expert": "what an expert would have done, on the score card",
}


def drill_text(text: str) -> str:
    """A drill file's text in the current language: the catalog's translation when the text is a
    shipped drill's, else the text as written (an operator's own drill, a JSON card's words)."""
    return _(text) if text else text  # gettext("") is the catalog's header, never a text


def texts(data: Any) -> Iterator[tuple[tuple, str]]:
    """(key path, text) of every operator-facing text of a parsed drill file, in file order."""
    if not isinstance(data, dict):
        return
    for key in ("summary", "briefing", "reveal"):
        if isinstance(data.get(key), str):
            yield (key,), data[key]
    calls = data.get("calls")
    for i, call in enumerate(calls if isinstance(calls, list) else []):
        if isinstance(call, dict) and isinstance(call.get("why"), str):
            yield ("calls", i, "why"), call["why"]
    if isinstance(data.get("expert"), str):
        yield ("expert",), data["expert"]


def extract_drill(fileobj, keywords, comment_tags, options) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """Babel's extraction method for a drill file: (line, None, text, [comment]) for each text.

    ``keywords`` are for code and play no part: every text of a drill is a message. The comment
    starts with the first of ``comment_tags`` (``-c TRANSLATORS:``) so it lands in the template
    as the code's translator comments do. A file that does not parse yields nothing: the drill
    reader (``turnout drill``, the library's tests) is where a broken drill is reported.
    """
    import yaml

    from rollout.located import line_index
    from rollout.yaml_input import InputRefused, parse

    encoding = options.get("encoding", "utf-8")
    try:
        root, data = parse(fileobj.read().decode(encoding))
    except (yaml.YAMLError, InputRefused, UnicodeDecodeError):
        return
    lines = line_index(root)
    tag = next(iter(comment_tags), "TRANSLATORS:")
    name = data.get("name", "?") if isinstance(data, dict) else "?"
    for path, text in texts(data):
        key = ".".join(str(p) for p in path)
        yield lines.get(path, 1), None, text, [f"{tag} drill {name}, {key}: {TEXT_KEYS[str(path[-1])]}"]
