"""A whole deployment on one machine: throwaway PostgreSQL and Redis, N instances, nginx.

For trying the scale-out set-up, for the tests in tests/scaleout and for the
benchmarks. Everything listens on 127.0.0.1 on free ports (nginx on ``public_address`` when
given) and lives in one temporary folder; the pages are built once for nginx's address and served
by every instance (``deploy/serve_built.py``); nothing touches the machine's own PostgreSQL or Redis, so the
database and Redis can be stopped and restarted at will::

    python -m deploy.local --instances 2          # prints the address; Ctrl-C stops everything

PostgreSQL refuses to run as root: as root the cluster is made and run as the
``postgres`` user (``runuser``), in a folder that user owns.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy import instances as inst
from deploy.render_nginx import prepare_prefix, render

NGINX = os.environ.get("NGINX", "/usr/sbin/nginx")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, *, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {host}:{port} after {timeout:.0f} s")


# ---------------------------------------------------------------- Redis


@dataclass
class RedisServer:
    """``redis-server`` as a child process. ``persistent``: an append-only file (fsync every
    write) in ``root``, as production should run it — login sessions and Reflex state then
    survive a restart; without it a restart logs everyone out."""

    root: Path
    port: int = field(default_factory=free_port)
    persistent: bool = True
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        log = (self.root / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.persistent else "no",
                "--appendfsync",
                "always",
                "--daemonize",
                "no",
                "--dir",
                str(self.root),
                "--maxclients",
                "10000",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        wait_port(self.port, timeout=15)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


# ---------------------------------------------------------------- PostgreSQL


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return path


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster in ``root`` (trust authentication, 127.0.0.1 only).

    ``root`` is a folder of its own under the system's temporary folder (as root it is
    handed to the ``postgres`` user, who must be able to reach it)."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="withus-pg-")))
    port: int = field(default_factory=free_port)
    database: str = "withus"
    max_connections: int = 300

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{self.database}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        command = list(args)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, check=False, capture_output=True, timeout=120)
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{' '.join(args[:2])} failed: {done.stdout.decode()[-2000:]}{done.stderr.decode()[-2000:]}"
            )
        return done

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o700)
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")

    def start(self) -> None:
        if not self.data.exists():
            self.init()
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections={self.max_connections}"
            " -c fsync=off -c full_page_writes=off -c shared_buffers=64MB"
        )
        self._run(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.root / "pg.log"), "-w", "start"
        )
        self._ensure_database()

    def _ensure_database(self) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres", isolation_level="AUTOCOMMIT"
        )
        try:
            with engine.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": self.database})
                if exists.first() is None:
                    conn.execute(text(f'CREATE DATABASE "{self.database}"'))
        finally:
            engine.dispose()

    def stop(self, *, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop", check=False)

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def remove(self) -> None:
        self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- nginx


@dataclass
class Nginx:
    """Debian's nginx with the rendered deploy configuration, in the foreground as a child."""

    root: Path
    upstreams: list[str]
    port: int = field(default_factory=free_port)
    host: str = "127.0.0.1"
    worker_processes: str = "1"
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def conf(self) -> Path:
        return self.root / "nginx.conf"

    def write_conf(self) -> None:
        prepare_prefix(self.root)
        self.conf.write_text(
            render(
                listen=f"{self.host}:{self.port}",
                upstreams=self.upstreams,
                prefix=self.root,
                worker_processes=self.worker_processes,
                worker_connections=4096,
            )
        )

    def start(self) -> None:
        self.write_conf()
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.root), "-c", str(self.conf), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.root / "stderr.log").open("ab"),
            start_new_session=True,
        )
        wait_port(self.port, timeout=15, host=self.host)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish open requests
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None

    def error_log(self) -> str:
        with contextlib.suppress(OSError):
            return (self.root / "error.log").read_text(errors="replace")
        return ""


# ---------------------------------------------------------------- the deployment


@dataclass
class LocalDeployment:
    """PostgreSQL + Redis + ``count`` instances + nginx, all throwaway, under ``root``."""

    root: Path
    count: int = 2
    workers: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    with_nginx: bool = True
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    public_address: tuple[str, int] | None = None
    """nginx's host and port (default 127.0.0.1 and a free port): the address the pages are built for."""

    def __post_init__(self) -> None:
        self.redis = RedisServer(self.root / "redis")
        self.postgres = PostgresServer()
        self.ports = [free_port() for _ in range(self.count)]
        host, port = self.public_address or ("127.0.0.1", free_port())
        self.nginx = Nginx(self.root / "nginx", [f"127.0.0.1:{p}" for p in self.ports], port=port, host=host)
        self.instances: list[inst.Instance | None] = [None] * self.count

    @property
    def url(self) -> str:
        """The public address: nginx's (or the only instance's without nginx)."""
        return self.nginx.url if self.with_nginx else f"http://127.0.0.1:{self.ports[0]}"

    def env(self, index: int) -> dict[str, str]:
        return inst.instance_env(
            port=self.ports[index],
            public_url=self.url,
            database_url=self.postgres.url,
            redis_url=self.redis.url,
            jwt_secret=self.jwt_secret,
            data_dir=self.root / "data",  # shared by the instances, as a shared volume would be
            workers=self.workers,
            extra=self.extra_env,
        )

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.redis.start()
        self.postgres.start()
        inst.migrate(self.env(0))
        inst.build_pages(self.env(0), log=self.root / "build.log")
        for index in range(self.count):
            self.start_instance(index)
        if self.with_nginx:
            self.nginx.start()

    def start_instance(self, index: int) -> inst.Instance:
        instance = inst.start(
            name=f"app{index}",
            port=self.ports[index],
            env=self.env(index),
            log=self.root / f"app{index}.log",
        )
        self.instances[index] = instance
        return instance

    def instance(self, index: int) -> inst.Instance:
        instance = self.instances[index]
        assert instance is not None, f"instance {index} is not running"
        return instance

    def ensure_running(self) -> None:
        """Restart whatever a previous test stopped or killed."""
        if self.redis.proc is None or self.redis.proc.poll() is not None:
            self.redis.start()
        if not (self.postgres.data / "postmaster.pid").exists():
            self.postgres.start()
        for index, instance in enumerate(self.instances):
            if instance is None or not instance.alive():
                if instance is not None:
                    instance.kill()
                self.start_instance(index)
        for index in range(self.count):
            inst.wait_ready(self.instance(index), timeout=60)
        wait_healthy(self.url, timeout=30)

    def stop(self) -> None:
        if self.with_nginx:
            with contextlib.suppress(Exception):
                self.nginx.stop()
        for instance in self.instances:
            if instance is not None:
                with contextlib.suppress(Exception):
                    instance.terminate(timeout=15)
        with contextlib.suppress(Exception):
            self.redis.stop()
        with contextlib.suppress(Exception):
            self.postgres.remove()


def wait_healthy(url: str, *, timeout: float = 30.0) -> float:
    """Seconds until ``GET /api/health`` answers 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return time.monotonic() - started
        time.sleep(0.1)
    raise RuntimeError(f"{url} is not healthy after {timeout:.0f} s")


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="granian workers per instance")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="withus-local-"))
    deployment = LocalDeployment(root, count=args.instances, workers=args.workers)
    try:
        deployment.start()
        print(f"withUs: {deployment.url} (nginx) -> instances on ports {deployment.ports}; files in {root}")
        print("Ctrl-C stops everything.", flush=True)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    except KeyboardInterrupt:
        pass
    finally:
        deployment.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
