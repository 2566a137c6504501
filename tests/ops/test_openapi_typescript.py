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


def test_a_client_of_the_generated_types_type_checks_and_one_that_misreads_them_does_not(
    generated: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    """One tsc run over two clients: ours must pass; a copy that reads a field the document does not
    have (``members_total``) must be refused, so the check can fail."""
    shutil.copy(generated[0], tmp_path / "api.d.ts")
    good = (JS / "client.ts").read_text()
    (tmp_path / "client.ts").write_text(good)
    (tmp_path / "misread.ts").write_text(good.replace("club.member_count", "club.members_total"))
    config = json.loads((JS / "tsconfig.json").read_text())
    config["files"] = [*config["files"], "misread.ts"]
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    checked = _run(BIN / "tsc", "-p", "tsconfig.json", cwd=tmp_path)
    errors = [line for line in checked.stdout.splitlines() if "error TS" in line]
    assert checked.returncode != 0 and errors, checked.stdout + checked.stderr
    assert all(line.startswith("misread.ts(") and "members_total" in line for line in errors), errors


def test_every_path_of_the_document_has_its_types(generated: tuple[Path, dict[str, object]]) -> None:
    types, document = generated
    text = types.read_text()
    paths = document["paths"]
    assert isinstance(paths, dict) and paths
    for path in paths:
        assert f'"{path}": {{' in text, path
