"""The classes of issue 12 sent to every operation of the OpenAPI document, logged in: each path
id past the database's range, each query parameter and each body field with an integer past the
range, ``true``, a NUL and a lone surrogate, and a body nested 30,000 levels deep. Every answer
is a 4xx problem (never a 5xx, never a traceback): the document is walked, so an endpoint added
later is covered without a line here."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import make_club
from tests.factories import auth_headers, make_user

PAST_INT32 = 2**31
NUL = "a\u0000b"
SURROGATE = "a\ud800b"
DEEP = "[" * 30_000 + "]" * 30_000
# Never ends (SSE), or ends the login the table is using.
SKIPPED = {("get", "/api/notifications/stream"), ("post", "/api/auth/logout"), ("post", "/api/auth/logout-all")}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _kinds(doc: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    schema = _resolve(doc, schema)
    kinds = {schema["type"]} if isinstance(schema.get("type"), str) else set()
    for option in schema.get("anyOf", []) + schema.get("oneOf", []):
        kinds |= _kinds(doc, option)
    return kinds


def _hostile_values(kinds: set[str]) -> list[Any]:
    values: list[Any] = []
    if "integer" in kinds:
        values += [PAST_INT32, True]
    if "string" in kinds or not kinds:
        values += [NUL, SURROGATE]
    return values


def _path(path: str, params: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(params.get(m.group(1), 1)), path)


def _cases(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, url, request kwargs) for every hostile variant of every operation."""
    cases: list[tuple[str, str, dict[str, Any]]] = []
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if (method, path) in SKIPPED:
                continue
            parameters = operation.get("parameters", [])
            for p in parameters:
                if p["in"] == "path":
                    cases.append((method, _path(path, {p["name"]: PAST_INT32}), {}))
                elif p["in"] == "query":
                    for value in _hostile_values(_kinds(doc, p["schema"])):
                        url = _path(path, {})
                        if value == SURROGATE:
                            # No UTF-8 for it: its bytes come escaped, and the server reads them as U+FFFD
                            # (a plain search, say): anything but a 5xx will do.
                            cases.append((method, f"{url}?{p['name']}=a%ED%A0%80b", {"lenient": True}))
                        else:
                            text = quote(json.dumps(value) if value is True else str(value))
                            cases.append((method, f"{url}?{p['name']}={text}", {}))
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = _resolve(doc, content["application/json"]["schema"])
                for name, prop in body.get("properties", {}).items():
                    for value in _hostile_values(_kinds(doc, prop)):
                        cases.append((method, _path(path, {}), {"content": json.dumps({name: value})}))
                cases.append((method, _path(path, {}), {"content": DEEP}))
    return cases


def _operation(doc: dict[str, Any], method: str, url: str) -> dict[str, Any]:
    """The operation of the document that ``url`` was made from."""
    path = url.split("?")[0]
    for template, operations in doc["paths"].items():
        if method in operations and re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)), path):
            return operations[method]  # type: ignore[no-any-return]
    raise AssertionError(f"{method} {url} is in no path of the document")


@pytest.mark.slow
async def test_every_operation_refuses_every_class_as_a_problem(
    client: httpx.AsyncClient, session: AsyncSession, stack: object, caplog: pytest.LogCaptureFixture
) -> None:
    user = await make_user(session)
    await make_club(session, host=user)  # club 1: paths that name it get past the club check
    headers = {**await auth_headers(user), "content-type": "application/json"}
    doc = (await client.get("/api/openapi.json")).json()
    cases = _cases(doc)
    operation_of = {(m, u): _operation(doc, m, u) for m, u, _ in cases}
    assert len(cases) > 250  # every operation is in the table
    for method, url, kwargs in cases:
        lenient = kwargs.pop("lenient", False)
        r = await client.request(method.upper(), url, headers=headers, **kwargs)
        where = f"{method.upper()} {url} {kwargs}"[:300]
        assert r.status_code < 500, f"{where} -> {r.status_code} {r.text[:300]}"
        if lenient and r.status_code < 400:
            continue
        assert r.status_code >= 400, f"{where} -> {r.status_code} {r.text[:300]}"
        if r.status_code != 429:  # a rate limit is the right answer to a table of requests too
            declared = operation_of[(method, url)]["responses"].get(str(r.status_code), {}).get("content", {})
            assert r.headers["content-type"].split(";")[0] in (declared or {"application/problem+json": {}}), where
    assert not [rec for rec in caplog.records if rec.exc_info], "a traceback was logged"
