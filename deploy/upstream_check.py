"""nginx's upstream check, pointed at readiness: instances that are not ready leave the rotation.

Debian's nginx has no active health checks (``health_check`` is nginx Plus), only passive ones:
an instance is skipped after a refused or failed connection. A draining instance still accepts
connections, so nginx would keep sending it new clients, which it turns away. This loop asks every
instance's ``GET /api/health/ready`` every ``--interval`` seconds and, when the set of instances
that are not ready changes, renders the configuration again with those marked ``down`` and
reloads nginx (a reload keeps open connections). Should no instance be ready, none is marked
down: nginx then keeps trying them all rather than answering 502 to everyone.

    python -m deploy.upstream_check --listen 80 --server-name withus.example \\
        --upstream 127.0.0.1:8001 --upstream 127.0.0.1:8002 --prefix /var/lib/withus-nginx

It takes render_nginx's flags (and writes ``PREFIX/nginx.conf`` unless ``--conf`` says otherwise);
run it beside nginx, e.g. as a systemd unit with ``Restart=always``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from deploy.render_nginx import prepare_prefix, render

log = logging.getLogger("withus.upstream_check")

READY_PATH = "/api/health/ready"
NGINX = os.environ.get("NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def not_ready(upstreams: Sequence[str], *, timeout: float = 1.0) -> set[str]:
    """The upstreams whose readiness is not 200 (503, no answer in ``timeout``, refused)."""
    down: set[str] = set()
    with httpx.Client(timeout=timeout) as client:
        for upstream in upstreams:
            try:
                if client.get(f"http://{upstream}{READY_PATH}").status_code != 200:
                    down.add(upstream)
            except httpx.HTTPError:
                down.add(upstream)
    return down


class UpstreamCheck:
    """Keeps ``conf`` rendered with the instances that are not ready marked ``down``."""

    def __init__(self, *, conf: Path, prefix: Path, upstreams: Sequence[str], nginx: str = NGINX, **render_args: Any):
        self.conf = conf
        self.prefix = prefix
        self.upstreams = list(upstreams)
        self.nginx = nginx
        self.render_args = render_args
        self.down: set[str] | None = None  # unknown until the first check

    def write(self, down: set[str]) -> None:
        prepare_prefix(self.prefix)
        text = render(upstreams=self.upstreams, prefix=self.prefix, down=sorted(down), **self.render_args)
        tmp = self.conf.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self.conf)

    def reload(self) -> None:
        subprocess.run(
            [self.nginx, "-p", str(self.prefix), "-c", str(self.conf), "-s", "reload"],
            check=True,
            capture_output=True,
            timeout=10,
        )

    def nginx_running(self) -> bool:
        return (self.prefix / "nginx.pid").exists()

    def check_once(self) -> bool:
        """Ask every instance; rewrite (and reload a running nginx) when the set changed. True when it did."""
        down = not_ready(self.upstreams)
        if down == set(self.upstreams):
            down = set()  # none ready: better to keep trying all of them than to refuse everyone
        if down == self.down:
            return False
        log.warning("upstream check: not ready: %s", ", ".join(sorted(down)) or "none")
        self.write(down)
        if self.nginx_running():
            self.reload()
        self.down = down
        return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="80")
    parser.add_argument("--upstream", action="append", required=True, help="host:port of an instance (repeat)")
    parser.add_argument("--prefix", type=Path, required=True)
    parser.add_argument("--conf", type=Path, help="the configuration nginx runs (default PREFIX/nginx.conf)")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--worker-processes", default="auto")
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between checks")
    parser.add_argument("--once", action="store_true", help="check once, write the configuration (and reload), exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    prefix = args.prefix.resolve()
    check = UpstreamCheck(
        conf=(args.conf or prefix / "nginx.conf").resolve(),
        prefix=prefix,
        upstreams=args.upstream,
        listen=args.listen,
        server_name=args.server_name,
        worker_processes=args.worker_processes,
        access_log=args.access_log,
    )
    while True:
        try:
            check.check_once()
        except (OSError, subprocess.SubprocessError) as exc:  # a reload refused: try again next time
            log.warning("upstream check: %s", exc)
            check.down = None
        if args.once:
            return 0
        time.sleep(args.interval)


if __name__ == "__main__":
    raise SystemExit(main())
