"""Fixtures of other folders that the operations tests use by name: the real-time tests' live
server, and the browser tests' production server and page."""

from tests.e2e.conftest import browser, page, server  # noqa: F401 (fixtures, used by name)
from tests.realtime.conftest import live_server  # noqa: F401 (a fixture, used by name)
