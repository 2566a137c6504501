"""Every Prometheus metric of withUs, and the one-liners that count.

The places that count call a function of this module (``metrics.login_failed()``); none of
them touches a metric object, so names, labels and buckets are decided here, once, and the
README's Operations section lists exactly what is below.

Correct across the worker processes of a server: prometheus-client's multiprocess mode
(:mod:`withus.observability.multiproc` sets its folder before the import below). Counters and
histograms add up over every process that ever ran in this server (a restarted worker does
not lose what it counted); gauges of connections and queues add up over the processes alive
(``livesum``: a worker's gauge file is removed when it stops, or when ``/metrics`` finds its
process gone).
"""

from __future__ import annotations

import glob
import os

from withus.observability import multiproc

multiproc.ensure()  # before prometheus_client is imported: it picks multiprocess mode on import

from prometheus_client import (  # noqa: E402
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as _mp  # noqa: E402
from prometheus_client import values as _values  # noqa: E402

MULTIPROCESS: bool = getattr(_values.ValueClass, "_multiprocess", False)
"""False when prometheus-client was imported before this module set its folder (a test that
imports the parser first): the values then live in this process only, and so does /metrics."""

PREFIX = "withus"
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)

# ---------------------------------------------------------------- HTTP

HTTP_DURATION = Histogram(
    f"{PREFIX}_http_request_duration_seconds",
    "HTTP requests by method, route template and status: time to the end of the response "
    "(an SSE stream is counted when it ends).",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)

# ---------------------------------------------------------------- live connections

OPEN_CONNECTIONS = Gauge(
    f"{PREFIX}_open_connections",
    "Open long-lived connections: kind=stomp (WebSocket /ws), sse (/api/notifications/stream), "
    "reflex (the pages' event socket /_event).",
    ["kind"],
    multiprocess_mode="livesum",
)
CONNECTIONS = Counter(f"{PREFIX}_connections", "Long-lived connections opened, by kind.", ["kind"])

# ---------------------------------------------------------------- STOMP and the SEND queue

STOMP_ERRORS = Counter(
    f"{PREFIX}_stomp_errors", "STOMP ERROR frames sent, by code (the connection is closed after each).", ["code"]
)
SEND_QUEUE_DEPTH = Gauge(
    f"{PREFIX}_send_queue_depth",
    "STOMP SENDs waiting to be stored (queued and in the batch being stored).",
    multiprocess_mode="livesum",
)
SEND_BATCH_SIZE = Histogram(
    f"{PREFIX}_send_batch_size", "SENDs stored together in one transaction (group commit).", buckets=BATCH_BUCKETS
)
SEND_BATCH_DURATION = Histogram(
    f"{PREFIX}_send_batch_duration_seconds", "Time to store one batch of SENDs.", buckets=LATENCY_BUCKETS
)
MESSAGES_STORED = Counter(f"{PREFIX}_chat_messages_stored", "Chat messages stored (committed), every channel.")

# ---------------------------------------------------------------- the bus

BUS_RECEIVED = Counter(
    f"{PREFIX}_bus_messages_received", "Messages the bus hub received from Redis pub/sub (added every second)."
)
BUS_GAPS = Counter(
    f"{PREFIX}_bus_gaps",
    "Times a gap was filled from the database: where=hub (the hub lost its Redis subscription and "
    "resubscribed), room (a STOMP room subscription read a missing seq from the database).",
    ["where"],
)
BUS_OVERFLOWS = Counter(
    f"{PREFIX}_bus_listener_overflows", "Listeners closed because they fell too far behind (the client reconnects)."
)
BUS_BACKLOG = Gauge(
    f"{PREFIX}_bus_backlog_max",
    "Bus lag: the most messages any one listener of a process has received and not yet handled.",
    multiprocess_mode="max",
)
LOOP_LAG = Gauge(
    f"{PREFIX}_event_loop_lag_seconds",
    "How late a timer of the event loop fired, the worst process (sampled every second).",
    multiprocess_mode="max",
)

# ---------------------------------------------------------------- accounts

LOGIN_FAILURES = Counter(f"{PREFIX}_login_failures", "Logins refused for a wrong login name or password.")
RATE_LIMITED = Counter(f"{PREFIX}_rate_limit_hits", "Requests refused by a rate limit, by limit name.", ["limit"])

# ---------------------------------------------------------------- mail

MAIL_OUTBOX_DEPTH = Gauge(
    f"{PREFIX}_mail_outbox_depth",
    "Mails waiting in the outbox to be sent (read from the database every 15 s).",
    multiprocess_mode="mostrecent",
)
MAIL_OLDEST_PENDING = Gauge(
    f"{PREFIX}_mail_oldest_pending_seconds",
    "How long the oldest mail of the outbox has been waiting (0 when none waits).",
    multiprocess_mode="mostrecent",
)
MAIL_OUTCOMES = Counter(
    f"{PREFIX}_mail_outcomes",
    "Mails the worker handled, by outcome: sent, retried (put off after a 4xx or a timeout), failed "
    "(a 5xx, or still unsent after a day).",
    ["outcome"],
)


# ================================================================ the one-liners


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    HTTP_DURATION.labels(method, route, str(status)).observe(seconds)


def connection_opened(kind: str) -> None:
    OPEN_CONNECTIONS.labels(kind).inc()
    CONNECTIONS.labels(kind).inc()


def connection_closed(kind: str) -> None:
    OPEN_CONNECTIONS.labels(kind).dec()


def stomp_error(code: str) -> None:
    STOMP_ERRORS.labels(code).inc()


def send_queued(n: int = 1) -> None:
    SEND_QUEUE_DEPTH.inc(n)


def send_batch_done(size: int, seconds: float) -> None:
    SEND_QUEUE_DEPTH.dec(size)
    SEND_BATCH_SIZE.observe(size)
    SEND_BATCH_DURATION.observe(seconds)


def messages_stored(n: int) -> None:
    if n:
        MESSAGES_STORED.inc(n)


def bus_received(n: int = 1) -> None:
    if n:
        BUS_RECEIVED.inc(n)


def bus_gap(where: str) -> None:
    BUS_GAPS.labels(where).inc()


def bus_overflow() -> None:
    BUS_OVERFLOWS.inc()


def bus_backlog(messages: int) -> None:
    BUS_BACKLOG.set(messages)


def loop_lag(seconds: float) -> None:
    LOOP_LAG.set(seconds)


def login_failed() -> None:
    LOGIN_FAILURES.inc()


def rate_limited(limit: str) -> None:
    RATE_LIMITED.labels(limit).inc()


def mail_outbox(pending: int, oldest_seconds: float) -> None:
    MAIL_OUTBOX_DEPTH.set(pending)
    MAIL_OLDEST_PENDING.set(oldest_seconds)


def mail_outcome(outcome: str) -> None:
    MAIL_OUTCOMES.labels(outcome).inc()


# ================================================================ the process and /metrics


def _pids_of_gauge_files(folder: str) -> set[int]:
    pids: set[int] = set()
    for path in glob.glob(os.path.join(folder, "gauge_*_*.db")):
        tail = os.path.basename(path)[:-3].rsplit("_", 1)[-1]
        if tail.isdigit():
            pids.add(int(tail))
    return pids


def _forget_dead_processes(folder: str) -> None:
    """A worker that was killed could not remove its gauge files; its connections are gone."""
    for pid in _pids_of_gauge_files(folder):
        if pid != os.getpid() and not multiproc._alive(pid):
            _mp.mark_process_dead(pid, folder)  # type: ignore[no-untyped-call]


def process_stopped() -> None:
    """This worker stops: its live gauges stop counting (its counters stay)."""
    if MULTIPROCESS:
        _mp.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def render() -> tuple[bytes, str]:
    """The Prometheus text of every process of this server, and its content type."""
    if not MULTIPROCESS:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    folder = os.environ[multiproc.VARIABLE]
    _forget_dead_processes(folder)
    registry = CollectorRegistry()
    _mp.MultiProcessCollector(registry, path=folder)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST
