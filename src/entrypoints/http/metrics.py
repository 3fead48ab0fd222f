"""`GET /metrics`: what operators watch, in Prometheus's text format.

The figures are kept by `prometheus-client` (the Prometheus project's own library) in a
registry of the app's own, so several apps in one process (tests, a host mounting two)
never clash. Under `chatcore serve --workers N` every worker writes its figures to files
in one directory (`PROMETHEUS_MULTIPROC_DIR`, set by the supervisor before the workers
start), and whichever worker a scrape reaches reads them all: the answer is the whole
server's, not one worker's.

The request path pays one histogram observation per request: the labelled child of each
(route, method, status) is looked up in a dict of our own, not through `labels()`.
"""

import functools
import hmac
import os
import threading
from collections.abc import Callable, Iterable, Mapping

import anyio.to_thread
import attrs
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from chatcore.artifacts.model import ArtifactStatus
from chatcore.shared.audit import AuditEvent, AuditQuery
from chatcore.shared.ports import AuditLog
from entrypoints.http.errors import error_response
from entrypoints.http.openapi import ApiRoute, Operation

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# Methods as labels: any other word a client sends counts as "other", so that no client
# can make up label values (each one a new time series kept forever).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cached read (~0.2 ms) to a slow upload.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@attrs.frozen
class Figures:
    """The registry and what chatcore counts in it."""

    registry: CollectorRegistry
    requests: Histogram
    websockets: Gauge
    room_deliveries: Counter
    rate_limit_refusals: Counter
    audit_events: Counter

    @classmethod
    def create(cls) -> "Figures":
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Histogram(
                "chatcore_http_request_duration_seconds",
                "HTTP requests by route template, method and status, with their latency.",
                ["route", "method", "status"],
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            websockets=Gauge(
                "chatcore_websockets_open",
                "Room WebSocket connections open now.",
                registry=registry,
                multiprocess_mode="livesum",
            ),
            room_deliveries=Counter(
                "chatcore_room_deliveries_total",
                "Room events handed to members' connections.",
                registry=registry,
            ),
            rate_limit_refusals=Counter(
                "chatcore_rate_limit_refusals_total",
                "Requests answered 429 by a rate limit, by limit class.",
                ["limit_class"],
                registry=registry,
            ),
            audit_events=Counter(
                "chatcore_audit_events_total",
                "Security events by kind (login_failed: failed logins; login_throttled, …).",
                ["event"],
                registry=registry,
            ),
        )


class Metrics:
    """Every figure chatcore keeps, and their exposition.

    The figures are made at their first use, all at once, and the process's own (read
    from /proc) at the first scrape: every build makes a `Metrics` (when the settings keep
    them on), and one that never serves (a CLI command, a host's test) then pays next to
    nothing for them and reads no file. Once made, each is a plain attribute.
    """

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_DIR))
        self._request_children: dict[tuple[str | None, str, int], Histogram] = {}
        self._backlogs: Backlogs | None = None
        self._process_collected = False
        self._process_lock = threading.Lock()  # scrapes are answered in worker threads

    def _figures(self) -> Figures:
        figures = Figures.create()
        self.__dict__.update(attrs.asdict(figures, recurse=False))
        return figures

    @functools.cached_property
    def registry(self) -> CollectorRegistry:
        return self._figures().registry

    @functools.cached_property
    def requests(self) -> Histogram:
        return self._figures().requests

    @functools.cached_property
    def websockets(self) -> Gauge:
        return self._figures().websockets

    @functools.cached_property
    def room_deliveries(self) -> Counter:
        return self._figures().room_deliveries

    @functools.cached_property
    def rate_limit_refusals(self) -> Counter:
        return self._figures().rate_limit_refusals

    @functools.cached_property
    def audit_events(self) -> Counter:
        return self._figures().audit_events

    def observe_request(self, route: str | None, method: str, status: int, seconds: float) -> None:
        """Count one answered request (`route`: its template, None when none matched)."""
        key = (route, method, status)
        child = self._request_children.get(key)
        if child is None:
            label = method if method in METHODS else "other"
            child = self.requests.labels(route or "unmatched", label, str(status))
            self._request_children[key] = child
        child.observe(seconds)

    def watch_backlogs(
        self, jobs: Callable[[], Mapping[ArtifactStatus, int]], outbox: Callable[[], int] | None
    ) -> None:
        """Report the deployment's backlogs, read from the database at each scrape.

        `outbox` None: a host's own mailer sends the emails, and there is no outbox.
        """
        self._backlogs = Backlogs(jobs, outbox)

    def exposition(self) -> bytes:
        """Every figure in Prometheus's text format (the whole server's, with workers).

        Blocks on the database when backlogs are watched: call it off the event loop.
        """
        if not self.multiprocess:
            registry = self.registry
            with self._process_lock:
                if not self._process_collected:
                    # CPU, memory, open files of this process; under several workers the
                    # files of one process say nothing of the others: left out there.
                    ProcessCollector(namespace="chatcore", registry=registry)
                    self._process_collected = True
        else:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
        if self._backlogs is not None:
            # Read at the scrape from the database every process shares: the same answer
            # from any worker, so it is added after the per-process figures, not summed.
            extra = CollectorRegistry()
            extra.register(self._backlogs)
            text += generate_latest(extra)
        return text


class Backlogs(Collector):
    """Work waiting in the database: repository ingestion jobs, and the mail outbox."""

    def __init__(
        self, jobs: Callable[[], Mapping[ArtifactStatus, int]], outbox: Callable[[], int] | None
    ) -> None:
        self._jobs = jobs
        self._outbox = outbox

    def collect(self) -> Iterable[Metric]:
        jobs = GaugeMetricFamily(
            "chatcore_ingestion_jobs",
            "Repository artifacts waiting for ingestion or being ingested, by state.",
            labels=["state"],
        )
        for state, count in self._jobs().items():
            jobs.add_metric([state.value], count)
        yield jobs
        if self._outbox is None:
            return
        yield GaugeMetricFamily(
            "chatcore_outbox_emails",
            "Emails queued and not yet delivered or given up: the outbox's depth.",
            value=self._outbox(),
        )


def worker_ended(pid: int) -> None:
    """Forget a dead worker's live gauges (its open sockets are closed with it)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


class CountedAuditLog:
    """An audit log that also counts each event by kind for `/metrics`."""

    def __init__(self, audit: AuditLog, metrics: Metrics) -> None:
        self._audit = audit
        self._counters: dict[str, Counter] = {}
        self._metrics = metrics

    def record(self, event: AuditEvent) -> None:
        self._audit.record(event)
        kind = event.kind.value
        counter = self._counters.get(kind)
        if counter is None:
            counter = self._counters[kind] = self._metrics.audit_events.labels(kind)
        counter.inc()

    def query(self, query: AuditQuery) -> list[AuditEvent]:
        return self._audit.query(query)


async def metrics_endpoint(request: Request) -> Response:
    token: str | None = request.app.state.metrics_token
    if token is not None and not _bearer_matches(request.headers.get("authorization"), token):
        return error_response(401, "Not authenticated", {"WWW-Authenticate": "Bearer"})
    metrics: Metrics = request.app.state.metrics
    # Off the loop: the backlogs are read from the database.
    exposition = await anyio.to_thread.run_sync(metrics.exposition)
    return Response(exposition, media_type=CONTENT_TYPE)


def _bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, presented = (authorization or "").partition(" ")
    # Compared in constant time: the token is a secret, and a scrape is unauthenticated.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.encode(), token.encode())


def metrics_routes() -> Iterable[ApiRoute]:
    """The `/metrics` route, for an app that keeps metrics."""
    return [
        ApiRoute("GET", "/metrics", metrics_endpoint, Operation(
            "Metrics for Prometheus", bytes, response_media=("text/plain",), auth="none",
            errors=(401,),
            description=(
                "Prometheus text exposition; names start with `chatcore_`. Open unless the"
                " server sets `CHATCORE_METRICS_TOKEN`: then `Authorization: Bearer <that"
                " token>` is needed (401 otherwise). Never rate-limited. Absent (404) with"
                " `CHATCORE_METRICS=off`."
            ),
        )),
    ]  # fmt: skip
