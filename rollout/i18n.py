"""Operator-facing text in English or Japanese: GNU gettext catalogs, compiled in memory by Babel.

WHY this shape:

- English is the source language: every message in the code is the English text itself, marked
  with ``_()`` (translated now) or ``N_()`` (marked for extraction, translated where it is shown).
  A missing translation therefore degrades to English, never to a key or an empty string.
- The Japanese catalog is the ``.po`` file a translator edits
  (``rollout/locale/ja/LC_MESSAGES/turnout.po``, package data). It is compiled to a ``.mo`` in
  memory with Babel (``read_po`` + ``write_mo`` into a ``BytesIO``) and read by the standard
  ``gettext.GNUTranslations``, so no binary ``.mo`` is committed and none can go stale.
- English costs nothing at start-up: Babel is imported and the catalog compiled only the first
  time Japanese is chosen (``turnout --help`` stays light, tests/test_startup.py).
- Texts are translated when they are shown, not when they are built: a widget calls ``_()`` as it
  draws, so switching the language needs no rebuild, and what is stored (journals, JSON, plans)
  stays language-free facts.
- The language is one process-wide setting, chosen once by the CLI before anything is printed
  (``choose_language``): ``--lang``, else ``TURNOUT_LANG``, else the POSIX locale variables.

Extraction and update: docs/i18n.md.
"""

from __future__ import annotations

import functools
import gettext
import io
from collections.abc import Mapping
from importlib import resources

DOMAIN = "turnout"
LANGUAGES = ("en", "ja")
SOURCE_LANGUAGE = "en"
# POSIX precedence for the message language: LC_ALL overrides LC_MESSAGES, which overrides LANG.
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")

_translations: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


def _(message: str) -> str:
    """``message`` in the current language (the English text itself when there is no entry)."""
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a counted message that fits ``n`` (Japanese has one form for every ``n``)."""
    return _translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` as meant in ``context``, for a word whose translation depends on where it stands
    (the footer's "next" key is 次へ; the exit summary's "next" to-do is 次にやること)."""
    return _translations.pgettext(context, message)


def N_(message: str) -> str:
    """Mark ``message`` for extraction only: it is a constant translated later, where it is shown."""
    return message


def current_language() -> str:
    """``"en"`` or ``"ja"``."""
    return _language


def set_language(lang: str | None) -> None:
    """Use ``lang`` from now on; ``None`` or an unknown value means English."""
    global _translations, _language
    lang = normalize(lang) or SOURCE_LANGUAGE
    _translations = gettext.NullTranslations() if lang == SOURCE_LANGUAGE else _catalog(lang)
    _language = lang


def choose_language(flag: str | None, environ: Mapping[str, str]) -> str:
    """The language the operator asked for: ``--lang``, else ``TURNOUT_LANG``, else the locale.

    The first of them that is set (and not empty) decides, as POSIX does for ``LC_ALL``,
    ``LC_MESSAGES`` and ``LANG``: ``LC_ALL=C`` means English even when ``LANG`` says Japanese.
    Whatever is not recognised (``fr_FR.UTF-8``, ``C``, ``POSIX``) means English.
    """
    for value in (flag, environ.get("TURNOUT_LANG"), *(environ.get(name) for name in LOCALE_VARIABLES)):
        if value:
            return normalize(value) or SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


def normalize(value: str | None) -> str | None:
    """``ja``, ``ja_JP``, ``ja-JP``, ``ja_JP.UTF-8``, ``ja_JP.eucJP@x`` -> ``ja``; unknown -> None."""
    if not value:
        return None
    language = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].strip().lower()
    return language if language in LANGUAGES else None


def catalog_path(lang: str):
    """The ``.po`` file of ``lang`` inside the installed package (a Traversable, works from a wheel)."""
    return resources.files("rollout").joinpath("locale", lang, "LC_MESSAGES", f"{DOMAIN}.po")


@functools.cache
def _catalog(lang: str) -> gettext.GNUTranslations:
    """Compile ``lang``'s ``.po`` in memory, once per process (fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as po:
        catalog = read_po(po, locale=lang, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
