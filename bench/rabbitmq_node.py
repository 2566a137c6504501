"""A private RabbitMQ node with Web-STOMP, started and stopped by a benchmark (the baseline peer).

The machine's own RabbitMQ service (``rabbit@localhost``) is never touched: its plugins, its
users and its limits stay as they were. Instead the benchmark boots a node of its own from the
installed RabbitMQ (``/usr/lib/rabbitmq/bin/rabbitmq-server``, the script the service runs under
the ``rabbitmq`` user), with everything private in a temporary directory:

- its own node name (``withusbench<pid>@localhost``), AMQP port, Erlang distribution port (on
  127.0.0.1) and Web-STOMP port (``ws://127.0.0.1:PORT/ws``), Mnesia and log directories, feature
  flags file, Erlang cookie (``HOME``) and environment file (not ``/etc/rabbitmq/rabbitmq-env.conf``,
  which names the service's node);
- ``enabled_plugins`` = ``[rabbitmq_web_stomp].`` (the plugin is on only in this node), the plain
  STOMP listener off, ``loopback_users = none``;
- **the open-files limit**: the service's wrapper (``/usr/sbin/rabbitmq-server``) switches to the
  ``rabbitmq`` user through ``su``, whose PAM session sets the soft limit back to 1024, and near
  1,000 Web-STOMP connections the node then runs out of descriptors ("Ranch acceptor reducing
  accept rate"). This node is started without the user switch, by the benchmark's own user, after
  the soft limit was raised to the hard limit (20,000 here): RabbitMQ then reports "Limiting to
  approx 19903 file handles (17910 sockets)", enough for both the 1,000 chat clients and the
  5,000 idle connections;
- permessage-deflate as the app: declined unless the benchmark accepts it for the app too
  (``web_stomp.ws_opts.compress``).

When RabbitMQ is not installed, :func:`available` says why, and the benchmark prints that line
instead of the RabbitMQ rows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psutil

SERVER_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
CTL_SCRIPT = Path("/usr/lib/rabbitmq/bin/rabbitmqctl")
START_TIMEOUT = 90.0


def available() -> str | None:
    """None when a private node can be started here, else the reason it cannot."""
    if not SERVER_SCRIPT.exists():
        return f"RabbitMQ is not installed ({SERVER_SCRIPT} is absent)"
    plugins = sorted(Path("/usr/lib/rabbitmq/lib").glob("rabbitmq_server-*/plugins/rabbitmq_web_stomp-*"))
    if not plugins:
        return "RabbitMQ is installed without its rabbitmq_web_stomp plugin"
    if shutil.which("erl") is None and not Path("/usr/lib/erlang/bin/erl").exists():
        return "Erlang (erl) is not installed"
    return None


def version() -> str:
    found = sorted(Path("/usr/lib/rabbitmq/lib").glob("rabbitmq_server-*"))
    return found[-1].name.removeprefix("rabbitmq_server-") if found else "?"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RabbitNode:
    """The node, shaped like ``bench.realtime_chat.Server`` (start, stop, processes, RSS, CPU)."""

    kind = "rabbitmq"

    def __init__(self, root: Path, *, compress: bool, prepare: object = None) -> None:
        self.name = "rabbitmq"
        self.root = root / "rabbitmq"
        self.compress = compress
        self.prepare = prepare  # preexec_fn: the open-files limit up to the hard limit, SIGTERM when the bench dies
        self.port = _free_port()
        self.amqp_port = _free_port()
        self.dist_port = _free_port()
        self.node = f"withusbench{os.getpid()}@localhost"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def env(self) -> dict[str, str]:
        r = self.root
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update(
            HOME=str(r / "home"),
            RABBITMQ_CONF_ENV_FILE=str(r / "rabbitmq-env.conf"),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_CONFIG_FILE=str(r / "rabbitmq.conf"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(r / "enabled_plugins"),
            RABBITMQ_MNESIA_BASE=str(r / "mnesia"),
            RABBITMQ_LOG_BASE=str(r / "log"),
            RABBITMQ_FEATURE_FLAGS_FILE=str(r / "feature_flags"),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}",
            ERL_EPMD_ADDRESS="127.0.0.1",
        )
        return env

    def _write_files(self) -> None:
        r = self.root
        for d in ("home", "mnesia", "log"):
            (r / d).mkdir(parents=True, exist_ok=True)
        (r / "rabbitmq-env.conf").write_text("ERL_EPMD_ADDRESS=127.0.0.1\n")
        (r / "enabled_plugins").write_text("[rabbitmq_web_stomp].\n")
        (r / "rabbitmq.conf").write_text(
            "\n".join(
                [
                    f"listeners.tcp.default = 127.0.0.1:{self.amqp_port}",
                    "loopback_users = none",
                    "stomp.listeners.tcp = none",
                    "web_stomp.tcp.ip = 127.0.0.1",
                    f"web_stomp.tcp.port = {self.port}",
                    f"web_stomp.ws_opts.compress = {'true' if self.compress else 'false'}",
                    "log.console = false",
                    "log.file.level = warning",
                    "",
                ]
            )
        )

    def start(self, log_dir: Path) -> None:
        self._write_files()
        self.log = log_dir / "rabbitmq.log"
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [str(SERVER_SCRIPT)],
                env=self.env(),
                cwd=self.root,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=self.prepare,  # type: ignore[arg-type]
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"rabbitmq exited: {self.log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return
            time.sleep(0.3)
        raise RuntimeError("the private RabbitMQ node did not open Web-STOMP in time")

    def open_files_limit(self) -> int | None:
        for p in self.processes():
            with contextlib.suppress(psutil.Error):
                if p.name().startswith("beam"):
                    return int(p.rlimit(psutil.RLIMIT_NOFILE)[0])
        return None

    def processes(self) -> list[psutil.Process]:
        if self.proc is None:
            return []
        try:
            top = psutil.Process(self.proc.pid)
            return [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def rss_kib(self) -> float:
        total = 0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess):
                total += p.memory_info().rss
        return total / 1024

    def cpu_seconds(self) -> float:
        total = 0.0
        for p in self.processes():
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                t = p.cpu_times()
                total += t.user + t.system
        return total

    def stop(self) -> None:
        """SIGTERM to the start script, which stops the node properly; its directory is removed."""
        if self.proc is not None and self.proc.poll() is None:
            procs = self.processes()
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
            for p in procs:  # the VM and its helpers, should the script have gone first
                with contextlib.suppress(psutil.Error):
                    if p.is_running() and p.name() != "epmd":
                        p.kill()
        self.proc = None
        shutil.rmtree(self.root / "mnesia", ignore_errors=True)
