"""deploy/setup-system.sh: what `make test` and `make run` install on a bare Debian machine.

The machine's own chromium and nginx stay installed (other runs use them): the script looks for
programs in SETUP_PATH, a folder made here with only some of them, and runs a recording stand-in
for apt-get.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "setup-system.sh"
EVERYTHING = ("node", "npm", "chromium", "nginx", "redis-server", "initdb", "pg_ctl", "runuser")


def _bin(tmp_path: Path, programs: tuple[str, ...]) -> Path:
    folder = tmp_path / f"bin{len(list(tmp_path.glob('bin*')))}"
    folder.mkdir()
    for name in programs:
        program = folder / name
        program.write_text("#!/bin/sh\nexit 0\n")
        program.chmod(0o755)
    return folder


def _run(tmp_path: Path, programs: tuple[str, ...], *, uid: int, profile: str = "test") -> tuple[int, str, str, str]:
    log = tmp_path / "apt.log"
    apt = tmp_path / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    apt.chmod(0o755)
    env = {
        **os.environ,
        "SETUP_PATH": str(_bin(tmp_path, programs)),
        "SETUP_APT_GET": str(apt),
        "SETUP_UID": str(uid),
    }
    done = subprocess.run(["bash", str(SCRIPT), profile], env=env, capture_output=True, text=True, timeout=30)
    return done.returncode, done.stdout, done.stderr, log.read_text() if log.exists() else ""


def test_root_installs_what_is_missing_after_one_update(tmp_path: Path) -> None:
    present = tuple(p for p in EVERYTHING if p not in ("chromium", "nginx"))
    code, out, _err, apt = _run(tmp_path, present, uid=0)
    assert code == 0
    assert "chromium nginx" in out
    assert apt.splitlines() == ["update -qq", "install -y -qq chromium nginx"]


def test_bare_machine_as_root_gets_every_package(tmp_path: Path) -> None:
    code, _out, _err, apt = _run(tmp_path, (), uid=0)
    assert code == 0
    installed = apt.splitlines()[1].split()[3:]
    assert installed == ["nodejs", "npm", "chromium", "nginx", "redis-server", "postgresql", "util-linux"]


def test_not_root_prints_one_line_and_stops_make(tmp_path: Path) -> None:
    present = tuple(p for p in EVERYTHING if p != "nginx")
    code, out, err, apt = _run(tmp_path, present, uid=1000)
    assert code == 1
    assert out == ""
    assert apt == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "nginx" in lines[0] and "sudo apt-get install -y nginx" in lines[0]


def test_nothing_to_do_when_everything_is_there(tmp_path: Path) -> None:
    assert _run(tmp_path, EVERYTHING, uid=1000) == (0, "", "", "")


def test_make_run_needs_only_node_and_npm(tmp_path: Path) -> None:
    code, _out, err, apt = _run(tmp_path, ("node", "npm"), uid=1000, profile="run")
    assert (code, err, apt) == (0, "", "")
    code, _out, err, _apt = _run(tmp_path, (), uid=1000, profile="run")
    assert code == 1 and "nodejs npm" in err


def test_unknown_profile_is_refused(tmp_path: Path) -> None:
    code, _out, err, _apt = _run(tmp_path, EVERYTHING, uid=0, profile="deploy")
    assert code == 2 and "usage" in err


@pytest.mark.parametrize("target", ["test", "run", "dev", "screenshots"])
def test_make_targets_run_the_setup_first(target: str) -> None:
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
    ).stdout.splitlines()
    first = plan[0]
    assert first.startswith("bash deploy/setup-system.sh"), plan[:3]
    assert ("test" in first) == (target in ("test", "screenshots"))
