"""What Turnout knows about Kong Gateway, in one pure package: versions, upgrade paths, the kong.yml
lint and the Kong preflight checks. No I/O: the adapters ask the nodes, this package judges answers.

    version.py            KongVersion: .parse (strict, what a plan names) and .lenient (what a node
                          reports); the known release lines; matches(planned, seen)
    upgrade.py            guaranteed hops and the shortest chain between two lines; the hybrid CP/DP rule
    config.py             a kong.yml read for linting: entities with labels and YAML lines
    findings.py           Finding, Hop and the helpers every lint rule shares
    lint_rules.py         rules and fixers for the 2.x -> 3.x break (router, removed fields, 3.14 defaults)
    lint_plugin_params.py rules and fixers for later plugin parameter changes (3.2 sessions, 3.3/3.4 queues)
    lint_registry.py      the one list of rules and fixers the lint runs (rule modules never import the lint)
    lint.py               lint(text, x, y) and fix(text, x, y), like decK's ``file convert``
    checks.py             how a check states its evidence (CheckResult per node)
    preflight_hops.py     upgrade path, control plane first, config lint
    preflight_nodes.py    X, Y and data planes: reachable, version, mode, config hash, ready, plugins, Status API

The checklist's order and the engine's preflight phase stay in ``rollout.preflight``.
"""
