"""What Turnout knows about Kong Gateway, in one pure package: versions, upgrade paths, the kong.yml
lint and the Kong preflight checks. No I/O: the adapters ask the nodes, this package judges answers.

    version.py            KongVersion: .parse (strict, what a plan names) and .lenient (what a node
                          reports); the known release lines; matches(planned, seen)
    upgrade.py            guaranteed hops and the shortest chain between two lines; the hybrid CP/DP rule
    config.py             a kong.yml read for linting: entities with labels and YAML lines
    findings.py           Finding, Hop and the helpers every lint rule shares
    lint_rules_router.py  route paths: 3.0 regex prefix (Kong's migrate_path), invalid regexes, PCRE2, 3.3 priorities
    lint_rules_30.py      the rest of 2.x -> 3.0: removed fields, rollback file, aws-lambda, prometheus
    lint_rules_3x_plugins.py  3.2-3.6 plugin changes: sessions, jwt, queues, Redis records, azure-functions
    lint_rules_310.py     3.8-3.13 (Enterprise): Redis nodes, AI plugins, kafka-consume
    lint_rules_314.py     3.14 secure defaults
    lint_registry.py      the one list of rules and fixers the lint runs (rule modules never import the lint)
    lint_yaml.py          round-trip YAML for --fix (comments, key order, quoting kept)
    lint.py               lint(text, x, y) and fix(text, x, y), like decK's ``file convert``
    checks.py             how a check states its evidence (CheckResult per node)
    preflight_hops.py     upgrade path, control plane first, config lint
    preflight_nodes.py    X, Y and data planes: reachable, version, mode, config hash, ready, plugins, Status API

The checklist's order and the engine's preflight phase stay in ``rollout.preflight``.
"""
