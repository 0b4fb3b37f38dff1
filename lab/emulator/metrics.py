"""``/metrics`` in the exposition format of the played Kong version.

Names follow the prometheus plugin's exporter.lua (https://github.com/Kong/kong/blob/2.8.5/kong/plugins/prometheus/exporter.lua,
https://github.com/Kong/kong/blob/3.4.2/kong/plugins/prometheus/exporter.lua): 2.8 exports ``kong_http_status`` and the
``kong_latency`` histogram (``type`` label); 3.x exports ``kong_http_requests_total`` (with
``source``), ``kong_request_latency_ms`` and ``kong_node_info``; 3.7+ adds ``workspace``.

What is exported follows the prometheus plugin in the loaded config, as Kong's exporter does
(kong@3.4.2 kong/plugins/prometheus/handler.lua, exporter.lua, schema.lua): without the plugin
no per-request family at all; on 2.8 the plugin exports status codes, latency, bandwidth and
upstream target health always; on 3.x each needs its flag (``status_code_metrics``,
``latency_metrics``, ``bandwidth_metrics``, ``upstream_health_metrics``, all default false).
The lab's own config (declarative.lab_config) switches them on, as a lab operator would.
Bandwidth is counted from request and answer bodies only (Kong counts whole requests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rollout.kong.version import KongVersion

BUCKETS_28 = (1, 2, 5, 7, 10, 15, 20, 25, 30, 40, 50, 60, 70, 80, 90, 100, 200, 300, 400, 500, 1000, 2000, 5000, 10000, 30000, 60000)
BUCKETS_3X = (25, 50, 80, 100, 250, 400, 700, 1000, 2000, 5000, 10000, 30000, 60000)


@dataclass
class Histogram:
    """Cumulative-on-export latency buckets (ms), cheap to update on the proxy path."""

    bounds: tuple[int, ...]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0
    n: int = 0

    def __post_init__(self) -> None:
        self.counts = [0] * (len(self.bounds) + 1)

    def observe(self, ms: float) -> None:
        for i, bound in enumerate(self.bounds):
            if ms <= bound:
                self.counts[i] += 1
                break
        else:
            self.counts[-1] += 1
        self.total += ms
        self.n += 1

    def lines(self, name: str, labels: str) -> list[str]:
        out, running = [], 0
        for bound, count in zip(self.bounds, self.counts):
            running += count
            out.append(f'{name}_bucket{{{labels},le="{float(bound):g}"}} {running}')
        out.append(f'{name}_bucket{{{labels},le="+Inf"}} {self.n}')
        out.append(f"{name}_sum{{{labels}}} {self.total:.3f}")
        out.append(f"{name}_count{{{labels}}} {self.n}")
        return out


def new_histogram(v: KongVersion) -> Histogram:
    return Histogram(BUCKETS_3X if v.at_least(3, 0) else BUCKETS_28)


@dataclass(frozen=True)
class Exporting:
    """What the configured prometheus plugin makes /metrics carry, besides the node families."""

    status_codes: bool = False
    latency: bool = False
    bandwidth: bool = False
    upstream_health: bool = False
    targets: tuple[tuple[str, str], ...] = ()  # (upstream, target) pairs in the loaded config


def _entities(doc: Any, key: str, parent: dict[str, Any] | None = None):
    """(entity, its parent) for every ``key`` entity, top level or nested."""
    if isinstance(doc, dict):
        for k, value in doc.items():
            if k == key and isinstance(value, list):
                yield from ((e, parent) for e in value if isinstance(e, dict))
            if isinstance(value, list):
                for item in value:
                    yield from _entities(item, key, item if isinstance(item, dict) else None)


def exporting(v: KongVersion, doc: dict[str, Any]) -> Exporting:
    plugin = next((p for p, _ in _entities(doc, "plugins") if p.get("name") == "prometheus"), None)
    if plugin is None:
        return Exporting()
    targets = tuple((str((up or {}).get("name") or t.get("upstream") or ""), str(t.get("target")))
                    for t, up in _entities(doc, "targets"))
    if not v.at_least(3, 0):
        return Exporting(True, True, True, True, targets)
    cfg = plugin.get("config") or {}
    return Exporting(bool(cfg.get("status_code_metrics")), bool(cfg.get("latency_metrics")),
                     bool(cfg.get("bandwidth_metrics")), bool(cfg.get("upstream_health_metrics")), targets)


@dataclass
class Traffic:
    """The proxy's counts the per-request families are made from."""

    by_code: dict[int, int]
    latency: Histogram
    total_requests: int
    bytes_in: int = 0
    bytes_out: int = 0


def render(v: KongVersion, node_id: str, traffic: Traffic, what: Exporting) -> str:
    """The whole /metrics text for one node."""
    lines = _render_3x(v, node_id, traffic, what) if v.at_least(3, 0) else _render_28(traffic, what)
    return "\n".join(lines) + "\n"


def _upstream_health(what: Exporting) -> list[str]:
    if not (what.upstream_health and what.targets):
        return []
    lines = ["# HELP kong_upstream_target_health Health status of targets of upstream. States = healthchecks_off|healthy|unhealthy|dns_error, value is 1 when state is populated.",
             "# TYPE kong_upstream_target_health gauge"]
    for upstream, target in what.targets:
        for state in ("healthchecks_off", "healthy", "unhealthy", "dns_error"):
            labels = f'upstream="{upstream}",target="{target}",address="{target}",state="{state}",subsystem="http"'
            lines.append(f"kong_upstream_target_health{{{labels}}} {1 if state == 'healthchecks_off' else 0}")
    return lines


def _render_28(t: Traffic, what: Exporting) -> list[str]:
    lines = ["# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable",
             "# TYPE kong_datastore_reachable gauge", "kong_datastore_reachable 1",
             "# HELP kong_nginx_http_current_connections Number of HTTP connections",
             "# TYPE kong_nginx_http_current_connections gauge"]
    lines += [f'kong_nginx_http_current_connections{{state="{s}"}} 1' for s in ("accepted", "active", "handled")]
    if what.status_codes:
        lines += ["# HELP kong_http_status HTTP status codes per service/route in Kong", "# TYPE kong_http_status counter"]
        lines += [f'kong_http_status{{service="echo",route="echo",code="{code}"}} {n}' for code, n in sorted(t.by_code.items())]
    if what.latency:
        lines += ["# HELP kong_latency Latency added by Kong, total request time and upstream latency for each service/route in Kong",
                  "# TYPE kong_latency histogram"]
        lines += t.latency.lines("kong_latency", 'service="echo",route="echo",type="request"')
    if what.bandwidth:
        lines += ["# HELP kong_bandwidth Total bandwidth in bytes consumed per service/route in Kong", "# TYPE kong_bandwidth counter",
                  f'kong_bandwidth{{service="echo",route="echo",type="egress"}} {t.bytes_out}',
                  f'kong_bandwidth{{service="echo",route="echo",type="ingress"}} {t.bytes_in}']
    return lines + _upstream_health(what)


def _render_3x(v: KongVersion, node_id: str, t: Traffic, what: Exporting) -> list[str]:
    ws = ',workspace="default"' if v.at_least(3, 7) else ""
    lines = ["# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable",
             "# TYPE kong_datastore_reachable gauge", "kong_datastore_reachable 1",
             "# HELP kong_node_info Kong Node metadata information", "# TYPE kong_node_info gauge",
             f'kong_node_info{{node_id="{node_id}",version="{v.text}"}} 1',
             "# HELP kong_nginx_requests_total Number of requests total", "# TYPE kong_nginx_requests_total gauge",
             f'kong_nginx_requests_total{{node_id="{node_id}",subsystem="http"}} {t.total_requests}']
    if what.status_codes:
        lines += ["# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong",
                  "# TYPE kong_http_requests_total counter"]
        for code, n in sorted(t.by_code.items()):
            source = "service" if code < 400 or code >= 500 else "kong"
            lines.append(f'kong_http_requests_total{{service="echo",route="echo",code="{code}",source="{source}"{ws},consumer=""}} {n}')
    if what.latency:
        lines += ["# HELP kong_request_latency_ms Total latency incurred during requests for each service/route in Kong",
                  "# TYPE kong_request_latency_ms histogram"]
        lines += t.latency.lines("kong_request_latency_ms", f'service="echo",route="echo"{ws}')
    if what.bandwidth:
        lines += ["# HELP kong_bandwidth_bytes Total bandwidth (ingress/egress) throughput in bytes",
                  "# TYPE kong_bandwidth_bytes counter"]
        lines += [f'kong_bandwidth_bytes{{service="echo",route="echo",direction="{d}"{ws},consumer=""}} {n}'
                  for d, n in (("egress", t.bytes_out), ("ingress", t.bytes_in))]
    return lines + _upstream_health(what)
