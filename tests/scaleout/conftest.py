"""Scale-out tests: real processes — a throwaway PostgreSQL cluster and Redis server (never the
machine's own: these tests stop and restart them), two production instances started as
``make run`` starts them (``deploy/instances.py``, on the run's one build of the pages), and
Debian's nginx with the configuration of ``deploy/`` in front — started once for the whole folder.

Tests that stop or kill something leave it to the next test's ``deployment`` fixture to
bring it back (``ensure_running``), so the order of the tests only decides how often an
instance is restarted: the files are named so that the destructive ones come last.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from deploy.local import LocalDeployment
from tests import built_pages
from tests.scaleout import seed

NGINX_PRESENT = shutil.which("nginx") is not None or Path("/usr/sbin/nginx").exists()


@pytest.fixture(scope="package")
def cluster() -> Iterator[LocalDeployment]:
    if not NGINX_PRESENT:
        pytest.fail("nginx is not installed (apt-get install nginx; `make test` does it as root)")
    root = Path(tempfile.mkdtemp(prefix="withus-scaleout-"))
    # nginx on the run's port at a loopback address of its own: the instances serve the run's one
    # build of the pages (tests/built_pages.py), made for http://localhost:PORT.
    deployment = LocalDeployment(
        root,
        count=2,
        workers=1,
        public_address=(built_pages.next_host(), built_pages.PORT),
        extra_env={"REFLEX_API_URL": built_pages.API_URL},
    )
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def deployment(cluster: LocalDeployment) -> LocalDeployment:
    """The running deployment, with whatever an earlier test stopped started again."""
    cluster.ensure_running()
    return cluster


class Seeder:
    """Creates users (and clubs, rooms) with unique names in the deployment's stores."""

    def __init__(self, deployment: LocalDeployment) -> None:
        self.deployment = deployment
        self.counter = 0

    def __call__(self, spec: dict[str, Any]) -> dict[str, Any]:
        self.counter += 1
        prefix = f"s{self.counter}"

        def rename(name: str) -> str:
            return f"{prefix}{name}"

        spec = dict(spec)
        spec["users"] = [rename(n) for n in spec.get("users", [])]
        if "club" in spec:
            club = spec["club"]
            spec["club"] = {"host": rename(club["host"]), "members": [rename(n) for n in club.get("members", [])]}
        spec["rooms"] = [[rename(a), rename(b)] for a, b in spec.get("rooms", [])]
        out = seed.run(self.deployment.env(0), spec)
        out["users"] = {name.removeprefix(prefix): value for name, value in out["users"].items()}
        out["users_by_name"] = {name: f"{prefix}{name}" for name in out["users"]}
        out["rooms"] = {
            ":".join(p.removeprefix(prefix) for p in key.split(":")): room for key, room in out["rooms"].items()
        }
        return out


@pytest.fixture(scope="package")
def seeder(cluster: LocalDeployment) -> Seeder:
    return Seeder(cluster)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/scaleout/" in str(item.path):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.timeout(900))
