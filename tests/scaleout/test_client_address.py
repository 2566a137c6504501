"""Behind nginx every request comes from nginx's address: per-IP rate limits must use the address
nginx saw (the last entry it appended to X-Forwarded-For), and only when the peer is a trusted proxy."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.requests import Request

from api.deps import get_client_ip
from withus.settings import get_settings


def _request(peer: str, forwarded: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded is not None else []
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers, "client": (peer, 40000)})


@pytest.fixture
def settings_cleared() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_local_proxy_is_trusted_and_the_address_it_saw_is_used(settings_cleared: None) -> None:
    # A client may send its own X-Forwarded-For; nginx appends the address it saw: only the last counts.
    assert get_client_ip(_request("127.0.0.1", "198.51.100.7, 203.0.113.9")) == "203.0.113.9"
    assert get_client_ip(_request("::1", "203.0.113.9")) == "203.0.113.9"
    assert get_client_ip(_request("127.0.0.1")) == "127.0.0.1"
    assert get_client_ip(_request("127.0.0.1", " ")) == "127.0.0.1"


def test_a_peer_that_is_not_a_trusted_proxy_cannot_choose_its_address(settings_cleared: None) -> None:
    assert get_client_ip(_request("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, settings_cleared: None) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.5, 10.0.0.6")
    get_settings.cache_clear()
    assert get_client_ip(_request("10.0.0.6", "198.51.100.1")) == "198.51.100.1"
    assert get_client_ip(_request("127.0.0.1", "198.51.100.1")) == "127.0.0.1"
