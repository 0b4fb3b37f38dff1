"""Which lint rules and fixers ``turnout lint`` runs, in order. Pure.

The rule modules know nothing of the lint that runs them; they register here, and
``rollout.kong.lint`` imports only this list. A new rule module adds its ``RULES`` and ``FIXERS``
below. Fixers run in this order on the same data (the regex-path fixer must see the old
``_format_version`` before the format fixer bumps it).
"""

from __future__ import annotations

from . import lint_plugin_params, lint_rules

RULES = lint_rules.RULES + lint_plugin_params.RULES
FIXERS = lint_rules.FIXERS + lint_plugin_params.FIXERS
