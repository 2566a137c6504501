"""The real-time tests' live server, for the figures that real STOMP and SSE clients move."""

from tests.realtime.conftest import live_server  # noqa: F401 (a fixture, used by name)
