"""`python -m bench NAME [flags]`: flags reach the benchmark named before them; --help lists them all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, OTHERS, _groups, _module, main

ROOT = Path(__file__).resolve().parents[2]


def test_flags_belong_to_the_benchmark_before_them() -> None:
    argv = ["login_load", "--clients", "10", "realtime_chat", "--phases", "chat", "club_lists"]
    assert _groups(argv) == [
        ("login_load", ["--clients", "10"]),
        ("realtime_chat", ["--phases", "chat"]),
        ("club_lists", []),
    ]


@pytest.mark.parametrize("name", BENCHMARKS + OTHERS)
def test_every_benchmark_parses_its_own_flags(name: str) -> None:
    module = _module(name)
    args = module.arguments().parse_args([])
    assert callable(module.run_args)
    assert vars(args)  # every benchmark has flags


def test_realtime_chat_phases_flag_is_parsed_not_imported() -> None:
    args = _module("realtime_chat").arguments().parse_args(["--phases", "chat", "--users", "20"])
    assert (args.phases, args.users) == ("chat", 20)


def test_a_bad_flag_stops_before_any_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["login_load", "--clients", "3", "realtime_chat", "--no-such-flag"])
    assert stopped.value.code == 2
    captured = capsys.readouterr()
    assert "== login_load" not in captured.out
    assert "--no-such-flag" in captured.err


def test_a_flag_without_a_benchmark_is_one_clear_line() -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--phases", "chat"])
    assert "unknown benchmark '--phases'" in str(stopped.value.code)


def test_help_lists_every_benchmark_and_its_flags() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for name in BENCHMARKS + OTHERS:
        assert f"\n{name}" in done.stdout
    assert "--phases PHASES (default chat,sse,idle)" in done.stdout
    assert "--only TEXT" in done.stdout
