"""The OpenAPI document is usable by typed clients: openapi-typescript (npm) generates a client's
types from /api/openapi.json and tsc --strict checks them with a small client (tests/js/client.ts).

The npm packages are the project's own (tests/js/package.json and its lock), installed by
``make setup`` (``npm ci --prefix tests/js``).
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
JS = ROOT / "tests" / "js"
BIN = JS / "node_modules" / ".bin"


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """/api/openapi.json as the app serves it, and the types openapi-typescript makes of it."""
    from api import build_api

    assert (BIN / "openapi-typescript").exists(), "run `make setup` (npm ci --prefix tests/js)"

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=build_api())
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.get("/api/openapi.json")

    response = asyncio.run(fetch())
    assert response.status_code == 200
    document = response.json()
    work = tmp_path_factory.mktemp("openapi-ts")
    (work / "openapi.json").write_text(json.dumps(document))
    done = _run(BIN / "openapi-typescript", "openapi.json", "-o", "api.d.ts", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    return work / "api.d.ts", document


def _check(generated: Path, client_ts: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    shutil.copy(generated, tmp_path / "api.d.ts")
    shutil.copy(JS / "tsconfig.json", tmp_path / "tsconfig.json")
    (tmp_path / "client.ts").write_text(client_ts)
    return _run(BIN / "tsc", "-p", "tsconfig.json", cwd=tmp_path)


def test_every_path_of_the_document_has_its_types(generated: tuple[Path, dict[str, object]]) -> None:
    types, document = generated
    text = types.read_text()
    paths = document["paths"]
    assert isinstance(paths, dict) and paths
    for path in paths:
        assert f'"{path}": {{' in text, path


def test_a_typescript_client_of_the_generated_types_type_checks(
    generated: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    checked = _check(generated[0], (JS / "client.ts").read_text(), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_tsc_catches_a_client_that_misreads_the_document(
    generated: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """The check can fail: a client that reads a field the document does not have is refused."""
    wrong = (JS / "client.ts").read_text().replace("club.member_count", "club.members_total")
    checked = _check(generated[0], wrong, tmp_path)
    assert checked.returncode != 0 and "members_total" in checked.stdout
