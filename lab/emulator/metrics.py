"""``/metrics`` in the exposition format of the played Kong version.

Names follow the prometheus plugin's exporter.lua (https://github.com/Kong/kong/blob/2.8.5/kong/plugins/prometheus/exporter.lua,
https://github.com/Kong/kong/blob/3.4.2/kong/plugins/prometheus/exporter.lua): 2.8 exports ``kong_http_status`` and the
``kong_latency`` histogram (``type`` label); 3.x exports ``kong_http_requests_total`` (with
``source``), ``kong_request_latency_ms`` and ``kong_node_info``; 3.7+ adds ``workspace``.
The emulated prometheus plugin has its per-request flags on (status_code_metrics,
latency_metrics), as a lab operator would set them; real 3.x defaults are off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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


def render(v: KongVersion, node_id: str, by_code: dict[int, int], latency: Histogram, total_requests: int) -> str:
    """The whole /metrics text for one node."""
    lines = _render_3x(v, node_id, by_code, latency, total_requests) if v.at_least(3, 0) else _render_28(by_code, latency)
    return "\n".join(lines) + "\n"


def _render_28(by_code: dict[int, int], latency: Histogram) -> list[str]:
    lines = ["# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable",
             "# TYPE kong_datastore_reachable gauge", "kong_datastore_reachable 1",
             "# HELP kong_nginx_http_current_connections Number of HTTP connections",
             "# TYPE kong_nginx_http_current_connections gauge"]
    lines += [f'kong_nginx_http_current_connections{{state="{s}"}} 1' for s in ("accepted", "active", "handled")]
    lines += ["# HELP kong_http_status HTTP status codes per service/route in Kong", "# TYPE kong_http_status counter"]
    lines += [f'kong_http_status{{service="echo",route="echo",code="{code}"}} {n}' for code, n in sorted(by_code.items())]
    lines += ["# HELP kong_latency Latency added by Kong, total request time and upstream latency for each service/route in Kong",
              "# TYPE kong_latency histogram"]
    lines += latency.lines("kong_latency", 'service="echo",route="echo",type="request"')
    return lines


def _render_3x(v: KongVersion, node_id: str, by_code: dict[int, int], latency: Histogram, total_requests: int) -> list[str]:
    ws = ',workspace="default"' if v.at_least(3, 7) else ""
    lines = ["# HELP kong_datastore_reachable Datastore reachable from Kong, 0 is unreachable",
             "# TYPE kong_datastore_reachable gauge", "kong_datastore_reachable 1",
             "# HELP kong_node_info Kong Node metadata information", "# TYPE kong_node_info gauge",
             f'kong_node_info{{node_id="{node_id}",version="{v.text}"}} 1',
             "# HELP kong_nginx_requests_total Number of requests total", "# TYPE kong_nginx_requests_total gauge",
             f'kong_nginx_requests_total{{node_id="{node_id}",subsystem="http"}} {total_requests}',
             "# HELP kong_http_requests_total HTTP status codes per consumer/service/route in Kong",
             "# TYPE kong_http_requests_total counter"]
    for code, n in sorted(by_code.items()):
        source = "service" if code < 400 or code >= 500 else "kong"
        lines.append(f'kong_http_requests_total{{service="echo",route="echo",code="{code}",source="{source}"{ws},consumer=""}} {n}')
    lines += ["# HELP kong_request_latency_ms Total latency incurred during requests for each service/route in Kong",
              "# TYPE kong_request_latency_ms histogram"]
    lines += latency.lines("kong_request_latency_ms", f'service="echo",route="echo"{ws}')
    return lines
