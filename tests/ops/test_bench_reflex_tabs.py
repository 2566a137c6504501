"""`python -m bench reflex_tabs`: in `make bench`, its flags, and what its protocol tabs replay.

No timing here: the benchmark itself starts servers and Chromium (README, Benchmarks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import BENCHMARKS, _groups, _module
from bench._reflex_clients import PageScript

ROOT = Path(__file__).resolve().parents[2]


def test_make_bench_runs_it() -> None:
    assert "reflex_tabs" in BENCHMARKS


def test_its_flags_reach_it() -> None:
    assert _groups(["reflex_tabs", "--tabs", "1,5", "--clicks", "3"]) == [
        ("reflex_tabs", ["--tabs", "1,5", "--clicks", "3"])
    ]
    args = _module("reflex_tabs").arguments().parse_args(["--tabs", "1,5", "--clicks", "3", "--stacks", "redis"])
    assert (args.tabs, args.clicks, args.stacks, args.think) == ("1,5", 3, "redis", 30.0)
    defaults = _module("reflex_tabs").arguments().parse_args([])
    assert (defaults.tabs, defaults.stacks) == ("1,50,200", "redis")


def test_help_shows_its_flags() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "reflex_tabs", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    for flag in ("--tabs", "--clicks", "--think", "--stacks"):
        assert flag in done.stdout


def test_an_unknown_stack_stops_before_any_server_starts() -> None:
    module = _module("reflex_tabs")
    with pytest.raises(SystemExit, match="--stacks among memory, redis, redis\\+oplock"):
        module.run_args(module.arguments().parse_args(["--stacks", "postgres"]))


def test_a_protocol_tab_connects_with_a_token_of_its_own() -> None:
    script = PageScript(
        url="ws://127.0.0.1:3000/_event/?token=0f7b-page&EIO=4&transport=websocket",
        subprotocols=["0.10.1"],
        origin="http://127.0.0.1:3000",
        connect='40/_event,{"event":{"name":"reflex___state____state.hydrate_and_load"}}',
        load_frames=2,
        clicks=[],
    )
    assert script.url_for("a1b2") == "ws://127.0.0.1:3000/_event/?token=a1b2&EIO=4&transport=websocket"
