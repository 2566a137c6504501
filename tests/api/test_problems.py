"""Every error is RFC 9457 problem+json with a stable code, never a stack trace."""

from __future__ import annotations

import httpx


async def test_unknown_api_path_is_problem_json(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/no-such-thing")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "not_found" and body["status"] == 404 and body["title"] == "찾을 수 없음"


async def test_wrong_method_is_405(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.delete("/api/health")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


async def test_openapi_document_is_served(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    assert doc["info"]["title"] == "withUs API"
    assert "/api/health" in doc["paths"]
    assert (await client.get("/api/docs")).status_code == 200


async def test_responses_carry_a_request_id(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get("/api/health", headers={"X-Request-ID": "abc123"})
    assert r.headers["x-request-id"] == "abc123"
