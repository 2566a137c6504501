"""Test isolation: every test that asks for ``stack`` runs twice — on the embedded
stack (SQLite file + in-process stand-in for Redis) and on the production stack
(a PostgreSQL database of its own, created beside ``test`` and dropped at the
end, + real Redis on a database index this run claims). Tables are emptied
and the Redis index flushed after each test.

Set ``WITHUS_TEST_STACKS=embedded`` (or ``pg``) to run one of them only.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="withus-tests-"))
os.environ["ENV"] = "test"
os.environ["DATA_DIR"] = str(_TMP / "data")
os.environ.pop("REDIS_URL", None)
os.environ.pop("SMTP_HOST", None)
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'data' / 'withus.db'}"

PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
SQLITE_URL = f"sqlite:///{_TMP / 'sqlite' / 'withus.db'}"


def _private_pg_database() -> str:
    """A database of this run's own beside ``test``, so parallel runs never meet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg")
    name = f"withus_t_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        # Leftovers of runs that were killed: drop those whose process is gone.
        for (old,) in conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'withus_t_%'")):
            pid = int(old.split("_")[2])
            if not _pid_alive(pid):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A test's commit need not wait for the disk: nothing here outlives a crash of PostgreSQL
        # (the restart tests run a throwaway server of their own). Saves the fsync per commit.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    engine.dispose()
    atexit.register(_drop_pg_database, name)
    return admin.set(database=name, drivername="postgresql").render_as_string(hide_password=False)


def _drop_pg_database(name: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(PG_ADMIN_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with contextlib.suppress(Exception), engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _private_redis_db() -> str:
    """A Redis database index of this run's own (1-15), claimed with a lock key in index 0."""
    import redis

    base = REDIS_BASE_URL.rstrip("/")
    client = redis.Redis.from_url(f"{base}/0")
    try:
        for index in range(15, 0, -1):
            if client.set(f"withus:test-db-lock:{index}", str(os.getpid()), nx=True, ex=3 * 3600):
                atexit.register(_release_redis_db, base, index)
                return f"{base}/{index}"
            holder = client.get(f"withus:test-db-lock:{index}")
            if holder and not _pid_alive(int(holder)):
                client.set(f"withus:test-db-lock:{index}", str(os.getpid()), ex=3 * 3600)
                atexit.register(_release_redis_db, base, index)
                return f"{base}/{index}"
    finally:
        client.close()
    raise RuntimeError("no free Redis database index for this test run")


def _release_redis_db(base: str, index: int) -> None:
    import redis

    with contextlib.suppress(Exception):
        client = redis.Redis.from_url(f"{base}/0")
        client.delete(f"withus:test-db-lock:{index}")
        client.close()


_pg_url: str | None = None
_redis_url: str | None = None


def pg_urls() -> tuple[str, str]:
    global _pg_url, _redis_url
    if _pg_url is None:
        _pg_url = _private_pg_database()
        _redis_url = _private_redis_db()
    assert _redis_url is not None
    return _pg_url, _redis_url


STACKS = ("embedded", "pg")
_selected = os.environ.get("WITHUS_TEST_STACKS", "embedded,pg").split(",")
STACK_PARAMS = [s for s in STACKS if s in _selected]


@dataclass
class Stack:
    name: str
    database_url: str
    redis_url: str | None

    @property
    def is_pg(self) -> bool:
        return self.name == "pg"


_migrated: set[str] = set()


def _migrate(url: str, *, fresh: bool) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine, text

    from withus.db import sync_url
    from withus.settings import ROOT

    if fresh and url.startswith("postgresql"):
        engine = create_engine(sync_url(url))
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = sync_url(url)
    command.upgrade(cfg, "head")


def apply_env(database_url: str, redis_url: str | None) -> None:
    """Point settings, the engine and the KV store at one stack."""
    from withus.settings import get_settings

    os.environ["DATABASE_URL"] = database_url
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    else:
        os.environ.pop("REDIS_URL", None)
    get_settings.cache_clear()


async def _empty_tables() -> None:
    """Empty every table the migrations made (whatever the models say), keeping the schema."""
    from sqlalchemy import text

    from withus.db import get_engine

    engine = get_engine()
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await _empty_pg_tables(conn)
        else:
            rows = await conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('alembic_version')")
            )
            tables = [r[0] for r in rows if not r[0].startswith("sqlite_")]
            await conn.execute(text("PRAGMA defer_foreign_keys = ON"))
            for name in tables:
                await conn.execute(text(f'DELETE FROM "{name}"'))
            if any(r == "sqlite_sequence" for r in [r0 for r0 in await _sqlite_names(conn)]):
                await conn.execute(text("DELETE FROM sqlite_sequence"))


# DELETE with the foreign-key triggers off, and every sequence back at its start: what TRUNCATE ...
# RESTART IDENTITY CASCADE does, in about 5 ms instead of 500 (TRUNCATE makes new files for each of
# some twenty tables and their indexes). Needs a superuser, as the machine's trust login is; for
# another role, TRUNCATE.
_PG_EMPTY = """DO $$ DECLARE r record; BEGIN
  SET LOCAL session_replication_role = replica;
  FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version' LOOP
    EXECUTE format('DELETE FROM %I', r.tablename);
  END LOOP;
  FOR r IN SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = 'public' LOOP
    PERFORM setval(quote_ident(r.sequencename), r.start_value, false);
  END LOOP;
END $$"""
_pg_superuser: bool | None = None


async def _empty_pg_tables(conn: object) -> None:
    from sqlalchemy import text

    global _pg_superuser
    run = conn.execute  # type: ignore[attr-defined]
    if _pg_superuser is None:
        _pg_superuser = (await run(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))).scalar() is True
    if _pg_superuser:
        await run(text(_PG_EMPTY))
        return
    rows = await run(
        text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")
    )
    tables = [r[0] for r in rows]
    if tables:
        await run(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


async def _sqlite_names(conn: object) -> list[str]:
    from sqlalchemy import text

    rows = await conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))  # type: ignore[attr-defined]
    return [r[0] for r in rows]


@pytest.fixture(params=STACK_PARAMS)
async def stack(request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    """The database and KV store of one stack, empty at the start of the test."""
    from withus import db
    from withus.kv import close_kv, get_kv
    from withus.services import hooks

    hooks.install()  # as the app does when it is assembled: services call each other's hooks
    name = request.param
    database_url, redis_url = pg_urls() if name == "pg" else (SQLITE_URL, None)
    if name not in _migrated:
        _migrate(database_url, fresh=True)
        _migrated.add(name)
    apply_env(database_url, redis_url)
    await db.dispose_engine()
    await close_kv()
    kv = get_kv()
    if redis_url:
        await kv.client.flushdb()  # type: ignore[attr-defined]
    await _empty_tables()
    try:
        yield Stack(name, database_url, redis_url)
    finally:
        # A test may have pointed settings, the engine or the store elsewhere: restore, then empty.
        with contextlib.suppress(Exception):
            await close_kv()
        await db.dispose_engine()
        apply_env(database_url, redis_url)
        # The tables are emptied when the next test on this stack starts; nothing reads them before.
        if redis_url:
            await get_kv().client.flushdb()  # type: ignore[attr-defined]
        await close_kv()
        await db.dispose_engine()


@pytest.fixture
async def session(stack: Stack) -> AsyncIterator[object]:
    """A session for arranging and asserting; committed explicitly by the test."""
    from withus.db import sessionmaker

    async with sessionmaker()() as s:
        yield s


_apps: dict[str, object] = {}


def api_app() -> object:
    """``api.build_api()``, built once per process and media folder.

    Building it takes about a second (FastAPI analyses every route's dependencies on each
    ``include_router``) and most tests use it: reused, that second is spent once instead of per
    test. Reusing it is safe because the app keeps no state of a test's own: settings, the engine
    and the KV store are read per request, the middleware keeps nothing, and the only setting
    read at build time, the media folder, is the key."""
    from api import build_api
    from withus.settings import get_settings

    key = str(get_settings().media_path)
    if key not in _apps:
        _apps[key] = build_api()
    return _apps[key]


@pytest.fixture
async def client(stack: Stack) -> AsyncIterator[object]:
    """An HTTP client for the API app, in process."""
    import httpx

    app = api_app()
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture(scope="session")
def tmp_root() -> Path:
    return _TMP


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Browser tests run last: Playwright's sync API keeps an event loop running in this
    # thread until its session fixture ends, and async tests after it could not start theirs.
    for item in items:
        if "tests/scaleout/" in str(item.path):
            item.add_marker(pytest.mark.scaleout)
    # The rest, the slow ones first: on two workers a five-minute test that starts last leaves the
    # other worker idle for its whole length.
    items.sort(
        key=lambda item: (
            "tests/e2e/" in str(item.path),
            item.get_closest_marker("slow") is None,
        )
    )
