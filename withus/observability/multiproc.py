"""``PROMETHEUS_MULTIPROC_DIR``: one folder per server, shared by its worker processes.

prometheus-client's multiprocess mode keeps each process's values in memory-mapped files in
that folder, and ``GET /metrics``, answered by whichever worker gets it, adds up every
process's files. The variable must be set before ``prometheus_client`` is first imported, and
to the same folder in every worker of one server, and to another folder for another server.
So:

- :func:`prepare_for_server`, called by the process that starts the workers (``rxconfig.py``
  runs in the ``reflex run`` process before it starts granian), picks a fresh folder,
  ``DATA_DIR/metrics/<its pid>``, empties it, and sets the variable, which the workers inherit;
- a one-shot command (``python -m withus.cli migrate``) keeps its values in memory and makes no
  folder;
- :func:`ensure` (called by ``withus.observability.metrics`` before it imports
  prometheus-client) leaves a variable that is set alone; otherwise (a worker of a server
  started without ``rxconfig``, such as ``uvicorn api:build_server --factory``) it uses
  ``DATA_DIR/metrics/ppid-<parent pid>``: sibling workers share their parent.

An operator's own ``PROMETHEUS_MULTIPROC_DIR`` is used as it is (and emptied by
:func:`prepare_for_server`). Folders of servers that are gone are removed. Nothing here
imports prometheus-client.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from withus.settings import get_settings

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
_PREPARED_BY = "WITHUS_METRICS_PREPARED_BY"
IN_MEMORY = "WITHUS_METRICS_IN_MEMORY"


def _root() -> Path:
    data_dir = os.environ.get("DATA_DIR")
    if not data_dir:
        try:
            data_dir = str(get_settings().data_dir)
        except Exception:  # settings that cannot load stop the start elsewhere, with their own line
            data_dir = tempfile.gettempdir()
    return Path(data_dir) / "metrics"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_dead(root: Path) -> None:
    """Folders of servers whose starting process is gone."""
    if not root.is_dir():
        return
    for folder in root.iterdir():
        name = folder.name.removeprefix("ppid-")
        if name.isdigit() and not _alive(int(name)):
            shutil.rmtree(folder, ignore_errors=True)


def prepare_for_server() -> Path:
    """Give the workers this process starts a fresh, empty folder (idempotent in the same process
    and in the workers, which inherit the variable)."""
    if os.environ.get(_PREPARED_BY):
        return Path(os.environ[VARIABLE])
    given = os.environ.get(VARIABLE)
    if given:
        folder = Path(given)
        with contextlib.suppress(FileNotFoundError):
            for stale in folder.glob("*.db"):
                stale.unlink()
    else:
        root = _root()
        _remove_dead(root)
        folder = root / str(os.getpid())
        shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ[VARIABLE] = str(folder)
    os.environ[_PREPARED_BY] = str(os.getpid())
    return folder


def ensure() -> Path | None:
    """The folder this process writes to; chosen (see the module's docstring) when not set.

    None for a one-shot command (``withus.cli`` sets ``WITHUS_METRICS_IN_MEMORY``): its values stay
    in memory, as prometheus-client keeps them without the variable, and no folder is left behind."""
    if os.environ.get(IN_MEMORY) and not os.environ.get(VARIABLE):
        return None
    given = os.environ.get(VARIABLE)
    if given:
        folder = Path(given)
    else:
        root = _root()
        _remove_dead(root)
        folder = root / f"ppid-{os.getppid()}"
        os.environ[VARIABLE] = str(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
