"""Build the production frontend once, and serve it from as many servers as wanted.

``reflex run --env prod`` compiles the pages and builds the frontend every time it starts (30-50 s
here), rewriting ``.web`` under any server of the same checkout that is already serving it. This
module splits the two:

- ``build(env, api_url)`` runs ``reflex export --frontend-only --no-zip --env prod`` (the same
  compile and build as ``reflex run``), unless ``.web`` already holds a build of the same sources
  for the same address (``.web/withus-build.json``);
- ``python -m deploy.serve_built --host H --port P`` starts Reflex's production backend with the
  built pages mounted, exactly what ``reflex run --env prod --single-port`` starts after its build.
  ``--build`` builds first if needed (``make run`` does this: a second start skips the build);
  ``--build-only`` builds and exits (a release step before the servers start).

The pages have the API address baked in (``REFLEX_API_URL``, default ``http://localhost:PORT``),
so a server on another port needs a build of its own. Reflex's client rewrites only the host of a
``localhost`` address to the page's own (``getBackendURL`` in its ``state.js``): one build for
``http://localhost:P`` serves every server on port ``P``, whatever its loopback address. The test
servers use that: one build per test run, each server on its own 127.0.0.x.

Two locks keep builds and servers apart. A build holds the machine's build lock (one build at a
time on this 2-core kind of machine) and this checkout's ``.web`` lock exclusively; every server
holds the ``.web`` lock shared for as long as it runs, so no build rewrites ``.web`` under it.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
BUILT = ROOT / ".web" / "build" / "client"
STAMP = ROOT / ".web" / "withus-build.json"
BUILD_LOCK = Path(tempfile.gettempdir()) / "withus-e2e.lock"
"""The machine's: one production build at a time (the file name is older than this module)."""
WEB_LOCK = Path(tempfile.gettempdir()) / f"withus-web-{hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]}.lock"
"""This checkout's ``.web``: exclusive while a build rewrites it, shared by every server serving it."""
SOURCES = ("withus", "assets", "rxconfig.py", "reflex.lock", "requirements.txt")


@functools.cache
def sources_fingerprint() -> str:
    """The commit, and the uncommitted changes of the files a build is made from; without git (an
    unpacked archive), every such file's path, size and time. Once per process: a build in the middle
    of a test run would rewrite the pages under its own servers."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)

    head = git("rev-parse", "HEAD")
    if head.returncode == 0:
        changes = git("status", "--porcelain", "--", *SOURCES).stdout + git("diff", "HEAD", "--", *SOURCES).stdout
        return head.stdout.strip() + ":" + hashlib.sha256(changes.encode()).hexdigest()
    files = sorted(p for name in SOURCES for p in [ROOT / name, *(ROOT / name).rglob("*")] if p.is_file())
    listing = "".join(f"{p.relative_to(ROOT)} {p.stat().st_size} {p.stat().st_mtime_ns}\n" for p in files)
    return "files:" + hashlib.sha256(listing.encode()).hexdigest()


def is_built_for(api_url: str) -> bool:
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return False
    return (
        (BUILT / "index.html").exists()
        and stamp.get("api_url") == api_url
        and stamp.get("sources") == sources_fingerprint()
    )


def _flock(path: Path, mode: int, waiting: str) -> IO[str]:
    handle = path.open("a")
    try:
        fcntl.flock(handle, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"withUs: {waiting}", file=sys.stderr, flush=True)
        fcntl.flock(handle, mode)
    return handle


@contextlib.contextmanager
def _building() -> Iterator[None]:
    web = _flock(WEB_LOCK, fcntl.LOCK_EX, "waiting for the servers of this checkout to stop (they serve .web)")
    try:
        with _flock(BUILD_LOCK, fcntl.LOCK_EX, "waiting for another production build on this machine"):
            yield
    finally:
        web.close()


def build(env: dict[str, str], api_url: str, *, log: Path | None = None) -> bool:
    """Build ``.web`` for ``api_url`` unless it holds a build of the same sources for it already.
    Returns whether it built."""
    if is_built_for(api_url):
        return False
    with _building():
        if is_built_for(api_url):  # another process built it while this one waited
            return False
        STAMP.unlink(missing_ok=True)
        reflex = str(Path(sys.executable).parent / "reflex")
        command = [reflex, "export", "--frontend-only", "--no-zip", "--env", "prod"]
        run_env = {**env, "REFLEX_API_URL": api_url}
        out = log.open("ab") if log is not None else None
        try:
            done = subprocess.run(command, cwd=ROOT, env=run_env, stdout=out, stderr=subprocess.STDOUT if out else None)
        finally:
            if out is not None:
                out.close()
        if done.returncode:
            tail = log.read_text(errors="replace")[-4000:] if log is not None else ""
            raise RuntimeError(f"the frontend build failed (reflex export, exit {done.returncode}):\n{tail}")
        STAMP.write_text(json.dumps({"api_url": api_url, "sources": sources_fingerprint()}))
    return True


def tool_env(env: dict[str, str]) -> dict[str, str]:
    """What Reflex's build and server need beside the app's settings: the project's bun on PATH, no
    telemetry or version check, npm's registry, unbuffered logs."""
    return {
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{env.get('PATH', '')}",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        "NPM_CONFIG_REGISTRY": env.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org"),
        "PYTHONUNBUFFERED": "1",
    }


def command(host: str, port: int) -> list[str]:
    """The command that serves the build on ``host:port``."""
    return [sys.executable, "-m", "deploy.serve_built", "--host", host, "--port", str(port)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve_built", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--build", action="store_true", help="build first unless .web holds this build already")
    parser.add_argument("--build-only", action="store_true", help="build (as --build), then exit")
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    if args.build or args.build_only:
        api_url = os.environ.get("REFLEX_API_URL") or f"http://localhost:{args.port}"
        if build(dict(os.environ), api_url):
            print(f"withUs: built the pages for {api_url}", flush=True)
        else:
            print(f"withUs: the pages for {api_url} are built already (sources unchanged)", flush=True)
        if args.build_only:
            return 0
    if not (BUILT / "index.html").exists():
        print(f"withUs: no build in {BUILT} (`python -m deploy.serve_built --build` makes one)", file=sys.stderr)
        return 1
    # Held (shared) until this server and its workers exit: no build rewrites .web under them.
    serving = _flock(WEB_LOCK, fcntl.LOCK_SH, "waiting for the build of this checkout to finish")
    sys.path.insert(0, str(ROOT))

    from reflex.utils import exec as reflex_exec
    from reflex_base import constants
    from reflex_base.config import get_config
    from reflex_base.environment import environment

    # What `reflex run --env prod` sets before it starts the backend, without its compile and build.
    environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
    environment.REFLEX_SKIP_COMPILE.set(True)
    try:
        reflex_exec.run_backend_prod(
            args.host, args.port, get_config().loglevel.subprocess_level(), mount_frontend_compiled_app=True
        )
    finally:
        serving.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
