"""Which lint rules and fixers ``turnout lint`` runs, in order. Pure.

The rule modules know nothing of the lint that runs them; they register here, and
``rollout.kong.lint`` imports only this list. A new rule module adds its ``RULES`` and ``FIXERS``
below. Fixers run in this order on the same data (the regex-path fixer must see the old
``_format_version`` before the format fixer bumps it).

    lint_rules_router      route paths: 3.0 regex prefix, invalid regexes, PCRE2 (3.7), 3.3 priorities
    lint_rules_30          the rest of 2.x -> 3.0: removed fields, rollback file, aws-lambda, prometheus
    lint_rules_3x_plugins  3.2-3.6: sessions, jwt, queues, Redis records, azure-functions
    lint_rules_310         3.8-3.13: Redis nodes, AI plugins, kafka-consume
    lint_rules_314         3.14 secure defaults
"""

from __future__ import annotations

from . import lint_rules_3x_plugins, lint_rules_30, lint_rules_310, lint_rules_314, lint_rules_router

_MODULES = (lint_rules_router, lint_rules_30, lint_rules_3x_plugins, lint_rules_310, lint_rules_314)

RULES = tuple(rule for module in _MODULES for rule in module.RULES)
FIXERS = tuple(fixer for module in _MODULES for fixer in module.FIXERS)
