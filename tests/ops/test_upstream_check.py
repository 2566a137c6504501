"""deploy/upstream_check.py with Debian's nginx: an instance that is not ready leaves the rotation.

The two instances here are small HTTP servers that answer ``/api/health/ready`` as told and
``/`` with their name (what readiness itself answers is tested against the app in
test_health_ready.py); nginx, its configuration and the check are the real ones.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from deploy.local import Nginx
from deploy.upstream_check import UpstreamCheck


class Instance:
    def __init__(self, name: str) -> None:
        self.name = name
        self.ready = True
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/api/health/ready":
                    status, body = (200, b"{}") if owner.ready else (503, b"{}")
                else:
                    status, body = 200, owner.name.encode()
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[UpstreamCheck, Nginx, Instance, Instance]]:
    a, b = Instance("a"), Instance("b")
    nginx = Nginx(tmp_path / "nginx", [a.address, b.address])
    nginx.start()
    check = UpstreamCheck(
        conf=nginx.conf,
        prefix=nginx.root,
        upstreams=nginx.upstreams,
        listen=f"127.0.0.1:{nginx.port}",
        worker_processes="1",
    )
    try:
        yield check, nginx, a, b
    finally:
        nginx.stop()
        a.server.shutdown()
        b.server.shutdown()
        shutil.rmtree(tmp_path, ignore_errors=True)


def _served_by(nginx: Nginx, n: int = 12) -> set[str]:
    with httpx.Client(base_url=nginx.url, timeout=5) as client:
        return {client.get("/").text for _ in range(n)}


def _until_served_by(nginx: Nginx, expected: set[str]) -> set[str]:
    # A reload starts new nginx workers; the old one finishes what it holds first.
    import time

    deadline = time.monotonic() + 10
    while True:
        seen = _served_by(nginx)
        if seen == expected or time.monotonic() > deadline:
            return seen


def test_an_instance_that_is_not_ready_leaves_and_comes_back(
    setup: tuple[UpstreamCheck, Nginx, Instance, Instance],
) -> None:
    check, nginx, a, b = setup
    assert _served_by(nginx) == {"a", "b"}

    b.ready = False
    assert check.check_once() is True
    assert f"server {b.address} max_fails=1 fail_timeout=5s down;" in nginx.conf.read_text()
    assert _until_served_by(nginx, {"a"}) == {"a"}
    assert check.check_once() is False  # nothing changed: no reload

    b.ready, a.ready = True, False
    check.check_once()
    assert _until_served_by(nginx, {"b"}) == {"b"}

    a.ready = True
    check.check_once()
    assert _until_served_by(nginx, {"a", "b"}) == {"a", "b"}


def test_when_none_is_ready_nginx_keeps_trying_them_all(setup: tuple[UpstreamCheck, Nginx, Instance, Instance]) -> None:
    check, nginx, a, b = setup
    a.ready = b.ready = False
    check.check_once()
    assert " down;" not in nginx.conf.read_text()
    assert _served_by(nginx) == {"a", "b"}


def test_an_instance_that_does_not_answer_counts_as_not_ready(
    setup: tuple[UpstreamCheck, Nginx, Instance, Instance],
) -> None:
    check, _nginx, _a, b = setup
    b.server.shutdown()
    b.server.server_close()
    check.check_once()
    assert check.down == {b.address}
