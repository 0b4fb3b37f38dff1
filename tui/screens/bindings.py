"""Key descriptions in the operator's language, read by the footer as it draws.

Textual's ``Binding`` holds its description as a plain string fixed when the class is defined,
and the footer reads the screen's ``active_bindings`` each time it composes. Translating there,
rather than in ``BINDINGS``, keeps the English text as the catalog's msgid and means the
language in force when the footer is drawn is the one shown (no class rebuilt, no import-time
language). The descriptions are marked for extraction with ``N_`` where they are declared.
"""

from __future__ import annotations

from dataclasses import replace

from textual.screen import Screen

from rollout.i18n import _


class TranslatedBindings(Screen):
    """A screen whose footer shows its keys' descriptions translated (mix in before ``Screen``)."""

    @property
    def active_bindings(self):
        return {key: active._replace(binding=replace(active.binding, description=_(active.binding.description)))
                for key, active in super().active_bindings.items()}
