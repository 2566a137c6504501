"""Render deploy/nginx.conf.template into a complete nginx configuration.

    python deploy/render_nginx.py --listen 80 --server-name withus.example \\
        --upstream 10.0.0.11:8001 --upstream 10.0.0.11:8002 --upstream 10.0.0.12:8001 \\
        --prefix /var/lib/withus-nginx > /var/lib/withus-nginx/nginx.conf
    nginx -p /var/lib/withus-nginx -c /var/lib/withus-nginx/nginx.conf      # or -g 'daemon off;'
    nginx -p /var/lib/withus-nginx -c /var/lib/withus-nginx/nginx.conf -s reload

The prefix holds the pid file, the logs and nginx's temporary folders (created here),
so the configuration needs no other writable path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


def render(
    *,
    listen: str,
    upstreams: Sequence[str],
    prefix: Path,
    server_name: str = "_",
    worker_processes: str = "auto",
    worker_connections: int = 8192,
    access_log: bool = False,
    down: Sequence[str] = (),
) -> str:
    """The configuration text; ``down`` lists upstreams marked ``down`` (taken out of rotation)."""
    if not upstreams:
        raise ValueError("at least one upstream (host:port) is needed")
    lines = []
    for upstream in upstreams:
        mark = " down" if upstream in down else ""
        lines.append(f"        server {upstream} max_fails=1 fail_timeout=5s{mark};")
    values = {
        "PREFIX": str(prefix),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "WORKER_PROCESSES": worker_processes,
        "WORKER_CONNECTIONS": str(worker_connections),
        "ACCESS_LOG": f"{prefix}/access.log" if access_log else "off",
        "UPSTREAM_SERVERS": "\n".join(lines),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise ValueError("the template has a placeholder render() does not fill")
    return text


def prepare_prefix(prefix: Path) -> None:
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (prefix / "tmp" / sub).mkdir(parents=True, exist_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", default="80", help="nginx's listen argument, e.g. 80 or 127.0.0.1:8080")
    parser.add_argument("--upstream", action="append", required=True, help="host:port of an instance (repeat)")
    parser.add_argument("--prefix", type=Path, required=True, help="folder for pid, logs and temporary files")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--worker-processes", default="auto")
    parser.add_argument("--access-log", action="store_true")
    args = parser.parse_args(argv)
    prefix = args.prefix.resolve()
    prepare_prefix(prefix)
    sys.stdout.write(
        render(
            listen=args.listen,
            upstreams=args.upstream,
            prefix=prefix,
            server_name=args.server_name,
            worker_processes=args.worker_processes,
            access_log=args.access_log,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
