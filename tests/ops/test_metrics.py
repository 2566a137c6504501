"""GET /metrics: who may read it, and that the places that count do."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.ops.metrics_helpers import value
from withus.settings import get_settings


@pytest.fixture
async def local(stack: object) -> AsyncIterator[httpx.AsyncClient]:
    """A client calling from 127.0.0.1 (a TRUSTED_PROXIES address), as Prometheus on the machine does."""
    from api import build_api

    transport = httpx.ASGITransport(app=build_api(), client=("127.0.0.1", 50001))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def _scrape(local: httpx.AsyncClient) -> str:
    r = await local.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return r.text


async def test_metrics_is_404_for_the_public(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/metrics")  # from 203.0.113.7
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "not_found"


async def test_metrics_through_the_proxy_is_judged_by_the_address_the_proxy_saw(local: httpx.AsyncClient) -> None:
    assert (await local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.9"})).status_code == 404
    assert (await local.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})).status_code == 200


async def test_metrics_with_the_token_from_anywhere(
    client: httpx.AsyncClient, stack: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("METRICS_TOKEN", "s3cret-token-for-the-scraper")
    get_settings.cache_clear()
    try:
        ok = await client.get("/metrics", headers={"Authorization": "Bearer s3cret-token-for-the-scraper"})
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    finally:
        monkeypatch.delenv("METRICS_TOKEN")
        get_settings.cache_clear()
    assert ok.status_code == 200 and "withus_login_failures_total" in ok.text
    assert wrong.status_code == 404


async def test_metrics_is_not_in_the_openapi_document(client: httpx.AsyncClient, stack: object) -> None:
    assert "/metrics" not in (await client.get("/api/openapi.json")).json()["paths"]


async def test_http_requests_by_route_template_and_status(client: httpx.AsyncClient, local: httpx.AsyncClient) -> None:
    name = "withus_http_request_duration_seconds_count"
    route = "/api/clubs/{club_id}"
    before = await _scrape(local)
    for club_id in (999_001, 999_002, 999_003):
        assert (await client.get(f"/api/clubs/{club_id}")).status_code == 404
    await client.get("/api/no/such/path")
    after = await _scrape(local)
    assert (
        value(after, name, route=route, status="404", method="GET")
        - value(before, name, route=route, status="404", method="GET")
        == 3
    )
    assert 'route="/api/clubs/999001"' not in after  # templates, never raw paths
    assert value(after, name, route="/api/{path}", status="404") > value(
        before, name, route="/api/{path}", status="404"
    )
    assert value(after, "withus_http_request_duration_seconds_bucket", route=route, le="+Inf") >= 3


async def test_login_failures_and_rate_limit_hits_are_counted(
    client: httpx.AsyncClient, local: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    before = await _scrape(local)
    for _ in range(10):
        r = await client.post("/api/auth/login", json={"login": user.username, "password": "wrong-" + DEFAULT_PASSWORD})
        assert r.status_code == 401
    r = await client.post("/api/auth/login", json={"login": user.username, "password": DEFAULT_PASSWORD})
    assert r.status_code == 429  # the account's 10 failures in 15 minutes
    after = await _scrape(local)
    assert value(after, "withus_login_failures_total") - value(before, "withus_login_failures_total") == 10
    assert (
        value(after, "withus_rate_limit_hits_total", limit="login-acct")
        - value(before, "withus_rate_limit_hits_total", limit="login-acct")
        == 1
    )


async def test_messages_stored_are_counted_once_committed(
    client: httpx.AsyncClient, local: httpx.AsyncClient, session: AsyncSession
) -> None:
    from tests.factories import auth_headers

    a, b = await make_user(session), await make_user(session)
    headers = await auth_headers(a)
    room = (await client.post("/api/chat/rooms", json={"user_id": b.id}, headers=headers)).json()
    before = await _scrape(local)
    for i in range(3):
        r = await client.post(f"/api/chat/rooms/{room['id']}/messages", json={"body": f"안녕 {i}"}, headers=headers)
        assert r.status_code == 201, r.text
    resend = {"body": "같은 메시지", "client_msg_id": "m-1"}
    for _ in range(2):  # a resend stores nothing
        await client.post(f"/api/chat/rooms/{room['id']}/messages", json=resend, headers=headers)
    after = await _scrape(local)
    stored = "withus_chat_messages_stored_total"
    assert value(after, stored) - value(before, stored) == 4


def test_the_grafana_dashboard_names_only_metrics_that_exist() -> None:
    import json
    import re
    from pathlib import Path

    from withus.observability import metrics

    dashboard = json.loads((Path(__file__).resolve().parents[2] / "deploy" / "grafana-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for e in exprs for m in re.findall(r"\b(withus_[a-z_]+?)(?:_bucket|_count|_sum|_total)?\b", e)}
    names = {v._name for v in vars(metrics).values() if hasattr(v, "_name") and hasattr(v, "_type")}
    assert used and used <= names, used - names


def test_the_readme_lists_every_metric() -> None:
    from pathlib import Path

    from withus.observability import metrics

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    names = {v._name for v in vars(metrics).values() if hasattr(v, "_name") and hasattr(v, "_type")}
    for name in names:
        typ = next(v._type for v in vars(metrics).values() if getattr(v, "_name", None) == name)
        assert f"`{name}_total`" in readme if typ == "counter" else f"`{name}`" in readme, name
