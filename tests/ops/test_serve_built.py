"""``deploy/serve_built.py``: a build is reused only for the same address and the same sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deploy import serve_built


@pytest.fixture
def web(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    built = tmp_path / ".web" / "build" / "client"
    built.mkdir(parents=True)
    monkeypatch.setattr(serve_built, "BUILT", built)
    monkeypatch.setattr(serve_built, "STAMP", tmp_path / ".web" / "withus-build.json")
    monkeypatch.setattr(serve_built, "WEB_LOCK", tmp_path / "web.lock")
    monkeypatch.setattr(serve_built, "BUILD_LOCK", tmp_path / "build.lock")
    return tmp_path


def _stamp(web: Path, api_url: str, sources: str) -> None:
    (web / ".web" / "withus-build.json").write_text(json.dumps({"api_url": api_url, "sources": sources}))


def test_a_build_is_reused_for_its_own_address_and_sources_only(web: Path) -> None:
    url = "http://localhost:21000"
    assert not serve_built.is_built_for(url)  # nothing built
    _stamp(web, url, serve_built.sources_fingerprint())
    assert not serve_built.is_built_for(url)  # a stamp without pages
    (serve_built.BUILT / "index.html").write_text("<html></html>")
    assert serve_built.is_built_for(url)
    assert not serve_built.is_built_for("http://localhost:21001")
    _stamp(web, url, "another commit:" + "0" * 64)
    assert not serve_built.is_built_for(url)


def test_build_runs_reflex_export_only_when_the_build_is_not_there(web: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve_built.sources_fingerprint()  # git's answer, before subprocess.run is replaced
    calls: list[list[str]] = []

    class Done:
        returncode = 0

    def fake_run(command: list[str], **kwargs: object) -> Done:
        calls.append(command)
        (serve_built.BUILT / "index.html").write_text("<html></html>")
        return Done()

    monkeypatch.setattr(serve_built.subprocess, "run", fake_run)
    url = "http://localhost:21000"
    assert serve_built.build({}, url) is True
    assert calls and calls[0][1:] == ["export", "--frontend-only", "--no-zip", "--env", "prod"]
    assert serve_built.build({}, url) is False  # the same sources, the same address: nothing to do
    assert len(calls) == 1
    assert serve_built.build({}, "http://localhost:21001") is True
    assert len(calls) == 2


def test_the_serving_command_needs_a_build(web: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert serve_built.main(["--port", "21000"]) == 1
    assert "no build" in capsys.readouterr().err
