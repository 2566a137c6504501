"""One build of the pages for every server of a test run (``deploy/serve_built.py``).

The build is for ``http://localhost:PORT``; each server listens on that port on a loopback address
of its own (127.0.0.2, 127.0.0.3, ...), and Reflex's client turns ``localhost`` into the page's own
host. So the session's server, the PostgreSQL server and the scale-out deployment's nginx all use
one build, and a second run in the same checkout with unchanged sources builds nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import socket

from deploy import serve_built


def _port_of_this_checkout() -> int:
    """A port below the ephemeral range, the same for every run of this checkout while it is free
    on every address (the build is for one port)."""
    start = 20_000 + int(hashlib.sha256(str(serve_built.ROOT).encode()).hexdigest(), 16) % 9_000
    for port in range(start, start + 500):
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for the test servers")


PORT = _port_of_this_checkout()
API_URL = f"http://localhost:{PORT}"
_hosts = itertools.count(2)


def next_host() -> str:
    """A loopback address no other server of this run listens on."""
    return f"127.0.0.{next(_hosts)}"
