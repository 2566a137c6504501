"""Logs: one JSON object per line in production, readable lines in development; an access line
for each /api request with the request id that problem details name."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth_headers, make_user
from withus.observability import logs


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[io.StringIO]:
    monkeypatch.setenv("LOG_FORMAT", getattr(request, "param", "json"))
    stream = io.StringIO()
    logs.configure(stream=stream)
    try:
        yield stream
    finally:
        for name in logs.LOGGERS:  # back to how the test run logs
            logger = logging.getLogger(name)
            for handler in [h for h in logger.handlers if getattr(h, "_withus", False)]:
                logger.removeHandler(handler)
            logger.propagate = True
            logger.setLevel(logging.NOTSET)
        logs._configured_as = None


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


async def test_rest_request_is_one_json_line_with_its_request_id_route_status_and_user(
    client: httpx.AsyncClient, session: AsyncSession, captured: io.StringIO
) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    r = await client.get("/api/clubs/424242", headers=headers)
    assert r.status_code == 404
    access = [line for line in _lines(captured) if line["logger"] == "withus.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == r.headers["x-request-id"]
    assert line["route"] == "/api/clubs/{club_id}"
    assert line["path"] == "/api/clubs/424242"
    assert (line["method"], line["status"], line["user_id"]) == ("GET", 404, user.id)
    assert isinstance(line["duration_ms"], float) and line["level"] == "INFO"
    assert str(line["time"]).endswith("+00:00")


async def test_an_anonymous_request_has_no_user_and_the_callers_request_id(
    client: httpx.AsyncClient, stack: object, captured: io.StringIO
) -> None:
    await client.get("/api/clubs/categories", headers={"X-Request-ID": "from-the-caller-1"})
    (line,) = [line for line in _lines(captured) if line["logger"] == "withus.access"]
    assert line["request_id"] == "from-the-caller-1" and line["user_id"] is None and line["status"] == 200


@pytest.mark.parametrize("captured", ["text"], indirect=True)
async def test_development_lines_are_readable(client: httpx.AsyncClient, stack: object, captured: io.StringIO) -> None:
    await client.get("/api/clubs/categories", headers={"X-Request-ID": "rid-2"})
    (line,) = [line for line in captured.getvalue().splitlines() if "withus.access" in line]
    assert " INFO withus.access GET /api/clubs/categories 200 " in line
    assert "request_id=rid-2" in line and "route=/api/clubs/categories" in line
    assert not line.lstrip().startswith("{")


def test_production_means_json(monkeypatch: pytest.MonkeyPatch) -> None:
    from withus.settings import get_settings

    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("ENV", "production")
    monkeypatch.setenv("JWT_SECRET", "x" * 48)
    get_settings.cache_clear()
    try:
        assert logs.log_format() == "json"
    finally:
        monkeypatch.setenv("ENV", "test")
        get_settings.cache_clear()
    assert logs.log_format() == "text"
