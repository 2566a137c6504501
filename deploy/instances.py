"""Start and stop N withUs instances on this machine (the tests and benchmarks use it too).

Each instance is the production server as ``make run`` starts it (``deploy/serve_built.py``:
Reflex's production backend with the built pages, on one port) on a port of its own, in a
process group of its own (granian's supervisor and its workers), with the settings every instance
of one deployment must share: ``DATABASE_URL``, ``REDIS_URL``, ``JWT_SECRET`` and the
public address people use (nginx's), which Reflex bakes into the built frontend.

    python -m deploy.instances start --count 2 --base-port 8001 --public-url https://withus.example
    python -m deploy.instances stop

``start`` migrates the database once, builds the pages once for the public address (skipped
when ``.web`` holds that build of the same sources), then starts the instances, waits until each
answers ``/api/health/ready``, and prints the nginx ``upstream`` lines. PIDs and logs go to
``--run-dir`` (default ``data/instances``).
``stop`` sends SIGTERM to every instance's process group: each one tells its STOMP and
SSE clients, finishes what it was storing and exits within 10 seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deploy import serve_built

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = ("DATABASE_URL", "REDIS_URL", "JWT_SECRET")


@dataclass
class Instance:
    """One running server: a process group led by ``python -m deploy.serve_built``."""

    name: str
    host: str
    port: int
    proc: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str] = field(repr=False)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def group_alive(self) -> bool:
        """Whether any process of the instance's group is left (workers included)."""
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True

    def terminate(self, timeout: float = 15.0) -> float:
        """SIGTERM to the whole group (as systemd or ``kill -TERM -- -PGID`` would); waits until every
        process of it is gone. Returns the seconds it took; SIGKILLs what is left after ``timeout``."""
        started = time.monotonic()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = started + timeout
        while time.monotonic() < deadline:
            self.proc.poll()
            if not self.group_alive():
                break
            time.sleep(0.05)
        else:
            self.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        return time.monotonic() - started

    def kill(self) -> None:
        """SIGKILL to the whole group: a crash, nothing is told."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)

    def tail(self, chars: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def instance_env(
    *,
    port: int,
    public_url: str,
    database_url: str,
    redis_url: str,
    jwt_secret: str,
    data_dir: Path,
    media_dir: Path | None = None,
    workers: int | None = None,
    base: dict[str, str] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of one instance of a deployment."""
    env = dict(os.environ if base is None else base)
    for name in ("PYTEST_CURRENT_TEST", "SMTP_HOST"):
        env.pop(name, None)
    public_url = public_url.rstrip("/")
    env.update(
        {
            "ENV": "production",
            "PORT": str(port),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "JWT_SECRET": jwt_secret,
            "DATA_DIR": str(data_dir),
            "MEDIA_DIR": str(media_dir or data_dir / "media"),
            "PUBLIC_URL": public_url,
            "ALLOWED_ORIGINS": env.get("ALLOWED_ORIGINS") or public_url,
            # The built frontend connects its event socket to this address: nginx's, not the instance's.
            "REFLEX_API_URL": public_url,
            "REFLEX_DEPLOY_URL": public_url,
            "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
            "REFLEX_USE_SYSTEM_BUN": "1",
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "REFLEX_SHOW_BUILT_WITH_REFLEX": "false",
            "NPM_CONFIG_REGISTRY": env.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org"),
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    if workers is not None:
        env["GRANIAN_WORKERS"] = str(workers)
    env.update(extra or {})
    return env


def migrate(env: dict[str, str]) -> None:
    """``python -m withus.cli migrate`` once for the deployment (instances do not migrate)."""
    subprocess.run([sys.executable, "-m", "withus.cli", "migrate"], cwd=ROOT, env=env, check=True)


def build_pages(env: dict[str, str], *, log: Path | None = None) -> bool:
    """Build the pages once for the deployment's public address (``REFLEX_API_URL`` of ``env``)."""
    return serve_built.build(env, env["REFLEX_API_URL"], log=log)


def start(
    *, name: str, port: int, env: dict[str, str], log: Path, host: str = "127.0.0.1", timeout: float = 300.0
) -> Instance:
    """Start one instance on the pages ``build_pages`` built, and wait until it serves
    ``/api/health/ready`` and ``/``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    command = serve_built.command(host, port)
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    instance = Instance(name=name, host=host, port=port, proc=proc, log=log, env=env)
    try:
        wait_ready(instance, timeout=timeout)
    except BaseException:
        instance.kill()
        raise
    return instance


def wait_ready(instance: Instance, *, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not instance.alive():
            raise RuntimeError(f"instance {instance.name} exited early:\n{instance.tail()}")
        try:
            healthy = httpx.get(f"{instance.url}/api/health/ready", timeout=2).status_code == 200
            if healthy and httpx.get(f"{instance.url}/", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"instance {instance.name} did not start in {timeout:.0f} s:\n{instance.tail()}")


# ---------------------------------------------------------------- command line


def _cmd_start(args: argparse.Namespace) -> int:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        print(f"withUs: set {', '.join(missing)} (shared by every instance)", file=sys.stderr)
        return 2
    run_dir = Path(args.run_dir).resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    data_dir = Path(os.environ.get("DATA_DIR") or ROOT / "data").resolve()
    envs = [
        instance_env(
            port=args.base_port + i,
            public_url=args.public_url,
            database_url=os.environ["DATABASE_URL"],
            redis_url=os.environ["REDIS_URL"],
            jwt_secret=os.environ["JWT_SECRET"],
            data_dir=data_dir,
            media_dir=Path(os.environ["MEDIA_DIR"]) if os.environ.get("MEDIA_DIR") else None,
            workers=args.workers,
        )
        for i in range(args.count)
    ]
    if not args.no_migrate:
        migrate(envs[0])
    build_pages(envs[0], log=run_dir / "build.log")
    for i, env in enumerate(envs):
        port = args.base_port + i
        instance = start(
            name=f"withus-{port}", port=port, env=env, log=run_dir / f"instance-{port}.log", host=args.host
        )
        (run_dir / f"instance-{port}.pid").write_text(f"{instance.pid}\n")
        print(f"withUs: instance on {args.host}:{port} is up (process group {instance.pid})", flush=True)
    print("nginx upstream lines for this machine:")
    for i in range(args.count):
        print(f"    server {args.advertise or args.host}:{args.base_port + i} max_fails=1 fail_timeout=5s;")
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    run_dir = Path(args.run_dir).resolve()
    status = 0
    for pid_file in sorted(run_dir.glob("instance-*.pid")):
        pgid = int(pid_file.read_text().strip())
        started = time.monotonic()
        try:
            os.killpg(pgid, signal.SIGTERM)
        except ProcessLookupError:
            pid_file.unlink()
            continue
        while time.monotonic() - started < args.timeout:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            print(f"withUs: process group {pgid} still runs after {args.timeout:.0f} s; killing it", file=sys.stderr)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
            status = 1
        print(f"withUs: {pid_file.stem} stopped in {time.monotonic() - started:.1f} s")
        pid_file.unlink()
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.instances", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_dir = str(ROOT / "data" / "instances")
    p_start = sub.add_parser("start", help="migrate and build the pages once, then start N instances")
    p_start.add_argument("--count", type=int, default=2)
    p_start.add_argument("--base-port", type=int, default=8001)
    p_start.add_argument("--host", default="0.0.0.0", help="address the instances listen on")
    p_start.add_argument("--advertise", default=None, help="this machine's address as nginx reaches it")
    p_start.add_argument(
        "--public-url", required=True, help="the address people use (nginx), e.g. https://withus.example"
    )
    p_start.add_argument("--workers", type=int, default=None, help="granian workers per instance (default 2 x CPU + 1)")
    p_start.add_argument("--run-dir", default=run_dir)
    p_start.add_argument("--no-migrate", action="store_true", help="another machine already migrated")
    p_stop = sub.add_parser("stop", help="SIGTERM every instance started from --run-dir and wait")
    p_stop.add_argument("--run-dir", default=run_dir)
    p_stop.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)
    return _cmd_start(args) if args.command == "start" else _cmd_stop(args)


if __name__ == "__main__":
    raise SystemExit(main())
