"""Plugin changes of the 3.8-3.13 Enterprise releases (the 3.4 -> 3.10 -> 3.14 LTS hops), and decK's fixers. Pure.

From https://developer.konghq.com/gateway/breaking-changes/ and decK's 340-to-310 ruleset
(https://github.com/Kong/deck/blob/main/convert/rulesets/340-to-310/plugins.yaml), whose
``file convert --from 3.4 --to 3.10`` renames and wraps the fields marked "decK fixes":

- 3.8: Redis ``cluster_addresses``/``sentinel_addresses`` became ``cluster_nodes``/``sentinel_nodes``
  in five plugins; Kong still translates the old names (a warning; decK fixes). The Redis
  ``timeout`` is deprecated for ``connect_timeout``/``send_timeout``/``read_timeout``.
- 3.10: AI plugins' ``model.options.upstream_path`` is deprecated for ``upstream_url`` (decK fixes) and
  ``route_type: preserve`` for ``llm_format``; ai-rate-limiting-advanced's ``llm_providers``
  ``window_size`` and ``limit`` must be lists (a scalar is refused: an error; decK fixes).
- 3.12: kafka-consume attached to a service no longer takes effect.
- 3.13: ai-semantic-prompt-guard's ``rules.max_request_body_size`` moved to ``max_request_body_size``.
"""

from __future__ import annotations

from typing import Any, Iterator

from ..i18n import N_
from .config import ConfigDoc, Entity, walk
from .findings import Finding, Hop, config_of, finding
from .lint_yaml import rename_key

REDIS_PLUGINS = ("ai-rate-limiting-advanced", "graphql-proxy-cache-advanced", "graphql-rate-limiting-advanced",
                 "proxy-cache-advanced", "rate-limiting-advanced")
REDIS_RENAMES = {"cluster_addresses": "cluster_nodes", "sentinel_addresses": "sentinel_nodes"}
AI_MODEL_PLUGINS = ("ai-proxy", "ai-proxy-advanced", "ai-rag-injector", "ai-request-transformer",
                    "ai-response-transformer", "ai-semantic-cache", "ai-semantic-prompt-guard")
LLM_LISTS = ("window_size", "limit")

SRC_DEVDOCS = "https://developer.konghq.com/gateway/breaking-changes/"
SRC_DECK_310 = "https://github.com/Kong/deck/blob/main/convert/rulesets/340-to-310/plugins.yaml"
SRC_REDIS_38 = f"{SRC_DEVDOCS} (3.8: cluster_addresses/sentinel_addresses -> *_nodes, old names translated); {SRC_DECK_310}"
SRC_AI_310 = f"{SRC_DEVDOCS} (3.10: AI plugins' deprecated settings; ai-rate-limiting-advanced lists); {SRC_DECK_310}"


def _plugins(doc: ConfigDoc, names: tuple[str, ...]) -> Iterator[Entity]:
    return (e for e in doc.entities("plugin") if e.data.get("name") in names)


def _model_options(cfg: dict) -> Iterator[tuple[tuple, dict]]:
    """``config.model.options``, and each ``config.targets[].model.options`` (ai-proxy-advanced)."""
    models: list[tuple[tuple, Any]] = [(("model",), cfg.get("model"))]
    targets = cfg.get("targets")
    models += [(("targets", i, "model"), t.get("model")) for i, t in enumerate(targets if isinstance(targets, list) else [])
               if isinstance(t, dict)]
    for path, model in models:
        options = model.get("options") if isinstance(model, dict) else None
        if isinstance(options, dict):
            yield path + ("options",), options


def _providers(cfg: dict) -> Iterator[tuple[tuple, dict]]:
    """``config.llm_providers`` as Kong has it (a list of records), or as one record (decK's fixture)."""
    providers = cfg.get("llm_providers")
    if isinstance(providers, dict):
        yield ("llm_providers",), providers
    for i, p in enumerate(providers if isinstance(providers, list) else []):
        if isinstance(p, dict):
            yield ("llm_providers", i), p


def redis_38(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    if not hop.reaches(3, 8):
        return
    for e in _plugins(doc, REDIS_PLUGINS):
        redis = config_of(e).get("redis")
        for old, new in REDIS_RENAMES.items():
            if isinstance(redis, dict) and old in redis:
                yield finding(doc, "redis-config", "warning", e, e.path + ("config", "redis", old),
                              N_("config.redis.{old} is config.redis.{new} from 3.8 (the old name is still translated)").format(
                                  old=old, new=new),
                              SRC_REDIS_38, fixable=new not in redis)
        if isinstance(redis, dict) and redis.get("timeout"):
            yield finding(doc, "redis-config", "warning", e, e.path + ("config", "redis", "timeout"),
                          N_("config.redis.timeout is deprecated: use connect_timeout, send_timeout and read_timeout"), SRC_DECK_310)


def ai_310(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    if not hop.reaches(3, 10):
        return
    for e in _plugins(doc, AI_MODEL_PLUGINS):
        cfg = config_of(e)
        for path, options in _model_options(cfg):
            if "upstream_path" in options:
                yield finding(doc, "ai-plugins", "warning", e, e.path + ("config", *path, "upstream_path"),
                              N_("model.options.upstream_path is deprecated from 3.10: use upstream_url"), SRC_AI_310,
                              fixable="upstream_url" not in options)
        if cfg.get("route_type") == "preserve":
            yield finding(doc, "ai-plugins", "warning", e, e.path + ("config", "route_type"),
                          N_("route_type preserve is deprecated from 3.10 (to be removed): use config.llm_format"), SRC_AI_310)
    for e in _plugins(doc, ("ai-rate-limiting-advanced",)):
        for path, provider in _providers(config_of(e)):
            for key in LLM_LISTS:
                if key in provider and not isinstance(provider[key], list):
                    yield finding(doc, "ai-plugins", "error", e, e.path + ("config", *path, key),
                                  N_("llm_providers.{key} must be a list of numbers from 3.10").format(
                                      key=key), SRC_AI_310, fixable=True)


def later_plugins(doc: ConfigDoc, hop: Hop, flavor: str) -> Iterator[Finding]:
    for e in _plugins(doc, ("kafka-consume",)):
        on_service = e.path[0] == "services" and e.path[2] == "plugins" or bool(e.data.get("service"))
        if hop.crosses(3, 12) and on_service:
            yield finding(doc, "kafka-consume-service", "warning", e, e.path,
                          N_("from 3.12 kafka-consume on a service no longer takes effect: attach it to a route"), SRC_DEVDOCS)
    for e in _plugins(doc, ("ai-semantic-prompt-guard",)):
        rules = config_of(e).get("rules")
        if hop.reaches(3, 13) and isinstance(rules, dict) and "max_request_body_size" in rules:
            yield finding(doc, "ai-plugins", "warning", e, e.path + ("config", "rules", "max_request_body_size"),
                          N_("config.rules.max_request_body_size is deprecated from 3.13: use config.max_request_body_size"), SRC_DEVDOCS)


RULES = (redis_38, ai_310, later_plugins)


def _plugin_configs(data: dict, names: tuple[str, ...]) -> Iterator[tuple[str, dict]]:
    for e in walk(data):
        cfg: Any = e.data.get("config")
        if e.kind == "plugin" and e.data.get("name") in names and isinstance(cfg, dict):
            yield str(e.data["name"]), cfg


def fix_redis_nodes(data: dict, hop: Hop) -> bool:
    """decK 3.4 -> 3.10: rename the Redis address lists, values as they are."""
    if not hop.reaches(3, 8):
        return False
    changed = False
    for _, cfg in _plugin_configs(data, REDIS_PLUGINS):
        redis = cfg.get("redis")
        for old, new in REDIS_RENAMES.items():
            if isinstance(redis, dict) and old in redis and new not in redis:
                rename_key(redis, old, new)
                changed = True
    return changed


def fix_ai_310(data: dict, hop: Hop) -> bool:
    """decK 3.4 -> 3.10: ``upstream_path`` -> ``upstream_url``; ``window_size``/``limit`` wrapped in lists."""
    if not hop.reaches(3, 10):
        return False
    changed = False
    for name, cfg in _plugin_configs(data, AI_MODEL_PLUGINS + ("ai-rate-limiting-advanced",)):
        for _, options in _model_options(cfg) if name in AI_MODEL_PLUGINS else ():
            if "upstream_path" in options and "upstream_url" not in options:
                rename_key(options, "upstream_path", "upstream_url")
                changed = True
        for _, provider in _providers(cfg) if name == "ai-rate-limiting-advanced" else ():
            for key in LLM_LISTS:
                if key in provider and provider[key] is not None and not isinstance(provider[key], list):
                    provider[key], changed = [provider[key]], True
    return changed


FIXERS = (fix_redis_nodes, fix_ai_310)
