"""The database: engine, sessions, and after-commit hooks (the tables' metadata and its naming
convention are the models' own: :mod:`withus.models.base`).

Services take an ``AsyncSession`` and never commit on their own behalf unless
they own the transaction (``do_*`` functions called from an edge through
``session_scope``). Real-time events are registered with :func:`after_commit`
and run only once the transaction has committed, never before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Select, event, text
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.orm.session import Session as SyncSession

from withus.settings import get_settings

log = logging.getLogger(__name__)

AfterCommit = Callable[[], Awaitable[Any]]


def async_url(url: str) -> URL:
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite+aiosqlite")
    return u.set(drivername="postgresql+asyncpg")


def sync_url(url: str) -> URL:
    """The URL for synchronous tools (Alembic)."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        return u.set(drivername="sqlite")
    return u.set(drivername="postgresql+psycopg")


def _configure_sqlite(engine: AsyncEngine) -> None:
    # SQLite: WAL for readers beside a writer, foreign keys on, and BEGIN IMMEDIATE
    # so that two writers queue on the lock instead of failing on an upgrade.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A read unit of work (read_scope) takes a plain deferred BEGIN: a WAL snapshot beside
        # the writer instead of queueing on the write lock.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(_READ_OPTION) else "BEGIN IMMEDIATE")


_READ_OPTION = "withus_read_only"
_engine: AsyncEngine | None = None
_sessionmaker: async_sessionmaker[AsyncSession] | None = None
_read_sessionmaker: async_sessionmaker[AsyncSession] | None = None


class ReadOnlyViolation(RuntimeError):
    """Code running in a read unit of work tried to write: a programming error, never user input."""


class _ReadOnlySyncSession(SyncSession):
    """The ORM session behind :func:`read_scope`: refuses every write it is asked to make."""


@event.listens_for(_ReadOnlySyncSession, "before_flush")
def _refuse_flush(session: SyncSession, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlyViolation("a read unit of work (a GET request) tried to flush changes")


@event.listens_for(_ReadOnlySyncSession, "do_orm_execute")
def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlyViolation("a read unit of work (a GET request) tried to run INSERT, UPDATE or DELETE")


class _ReadOnlySession(AsyncSession):
    sync_session_class = _ReadOnlySyncSession


def get_engine() -> AsyncEngine:
    global _engine, _sessionmaker, _read_sessionmaker
    if _engine is None:
        settings = get_settings()
        url = async_url(settings.database_url)
        if settings.is_sqlite:
            if url.database and url.database != ":memory:":
                from pathlib import Path

                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            _engine = create_async_engine(url, connect_args={"timeout": 10})
            _configure_sqlite(_engine)
        else:
            # No pool_pre_ping: it cost three round trips (BEGIN, ping, ROLLBACK) per checkout, as
            # many as a whole list request needs. A connection that PostgreSQL dropped fails its
            # first statement instead; SQLAlchemy then marks every older pooled connection stale
            # (the pool's invalidate time), so one request answers 503 per restart and the next
            # ones reconnect. pool_recycle retires connections before idle timeouts on the way can.
            _engine = create_async_engine(
                url,
                # 10 kept + 20 overflow opened and closed a backend for many requests once 32 clients
                # were served at once (half a core of PostgreSQL forks in bench/club_lists).
                pool_size=settings.db_pool_size,
                max_overflow=settings.db_max_overflow,
                pool_recycle=1800,
                pool_timeout=settings.db_pool_timeout,
                # The connection returned last is handed out next: a few hot connections hold the
                # driver's prepared statements (asyncpg keeps them per connection). FIFO rotated the
                # STOMP group commit through all 30, each preparing (and introspecting the array
                # types of) every statement again: ~3 % of the server's samples under chat load.
                pool_use_lifo=True,
                connect_args={"timeout": 5, "command_timeout": 30},
            )
        _sessionmaker = async_sessionmaker(_engine, class_=AsyncSession, expire_on_commit=False)
        # Reads on PostgreSQL run in autocommit: no BEGIN and COMMIT round trips. A transaction
        # would add nothing: under READ COMMITTED every statement takes its own snapshot anyway.
        reader = (
            _engine.execution_options(**{_READ_OPTION: True})
            if settings.is_sqlite
            else _engine.execution_options(isolation_level="AUTOCOMMIT", **{_READ_OPTION: True})
        )
        _read_sessionmaker = async_sessionmaker(reader, class_=_ReadOnlySession, expire_on_commit=False)
    return _engine


def sessionmaker() -> async_sessionmaker[AsyncSession]:
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


async def dispose_engine() -> None:
    global _engine, _sessionmaker, _read_sessionmaker
    if _engine is not None:
        await _engine.dispose()
    _engine = None
    _sessionmaker = None
    _read_sessionmaker = None


def after_commit(session: AsyncSession, callback: AfterCommit) -> None:
    """Run ``callback`` once the session's transaction commits (dropped on rollback)."""
    session.info.setdefault("after_commit", []).append(callback)


def take_after_commit(session: AsyncSession) -> list[AfterCommit]:
    """Take the session's after-commit callbacks, for the caller to run with
    :func:`run_after_commit` once the transaction committed (after it released something it held
    around the unit of work: an answer's turn on its event)."""
    callbacks: list[AfterCommit] = session.info.pop("after_commit", [])
    return callbacks


async def _run_after_commit(session: AsyncSession) -> None:
    await run_after_commit(take_after_commit(session))


async def run_after_commit(callbacks: list[AfterCommit]) -> None:
    for cb in callbacks:
        try:
            await cb()
        except Exception:  # an event that fails to publish must not undo a committed write
            log.exception("after-commit callback failed")


async def _to_the_end(step: Awaitable[Any]) -> None:
    """Await a clean-up step even if the caller is cancelled meanwhile (then re-raise the
    cancellation). A rollback or close cut short by a cancellation (a health check's timeout, a
    browser tab closed mid-event) could leave an SQLite connection holding the write lock in its
    thread for good: every later write then waits and fails."""
    task = asyncio.ensure_future(step)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await task
        raise


@asynccontextmanager
async def session_scope() -> AsyncIterator[AsyncSession]:
    """One unit of work: commits on success, rolls back on any error, then runs after-commit hooks."""
    session = sessionmaker()()
    try:
        yield session
        await session.commit()
    except BaseException:
        session.info.pop("after_commit", None)
        await _to_the_end(session.rollback())
        raise
    finally:
        await _to_the_end(session.close())
    await _run_after_commit(session)


@asynccontextmanager
async def read_scope() -> AsyncIterator[AsyncSession]:
    """A unit of work that only reads (what a GET request does). It shares the pool with
    :func:`session_scope`; on PostgreSQL its statements run in autocommit (two round trips fewer
    per request), on SQLite inside a deferred transaction (a snapshot beside the writer). Any
    INSERT, UPDATE, DELETE or flush raises :class:`ReadOnlyViolation`."""
    get_engine()
    assert _read_sessionmaker is not None
    session = _read_sessionmaker()
    try:
        yield session
    finally:
        await _to_the_end(session.close())
    await _run_after_commit(session)


@dataclass(frozen=True)
class _DriverForm:
    """A prebuilt SELECT as asyncpg runs it: the SQL, the names of its ``$n`` parameters in order,
    and its ``literal_execute`` parameters (rendered into the SQL per execution, as SQLAlchemy
    renders them: so that PostgreSQL plans with the value, e.g. a search pattern's selectivity)."""

    sql: str
    names: tuple[str, ...]
    literals: dict[str, Callable[[Any], str]]

    def render(self, params: Mapping[str, Any]) -> tuple[str, list[Any]]:
        sql = self.sql
        if self.literals:
            sql = _POSTCOMPILE.sub(lambda m: self.literals[m.group(1)](params[m.group(1)]), sql)
        return sql, [params[name] for name in self.names]


_POSTCOMPILE = re.compile(r"__\[POSTCOMPILE_(\w+)\]")


@lru_cache(maxsize=256)
def _driver_form(statement: Select[Any], dialect: Dialect) -> _DriverForm | None:
    """``statement`` as asyncpg runs it, or None when SQLAlchemy must run it: an expanding (list)
    parameter, a bound value set in the statement itself, a ``literal_execute`` parameter of a type
    without a literal renderer, or a type that converts values on the way in or out."""
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params or compiled.positiontup is None:
        return None
    literals: dict[str, Callable[[Any], str]] = {}
    for bind in compiled.literal_execute_params:
        render = bind.type.dialect_impl(dialect).literal_processor(dialect)
        if render is None or bind.expanding:
            return None
        literals[bind.key] = render
    for bind in compiled.binds.values():
        if not bind.required or (
            bind.key not in literals and bind.type.dialect_impl(dialect).bind_processor(dialect) is not None
        ):
            return None
    for column in statement.selected_columns:
        if column.type.dialect_impl(dialect).result_processor(dialect, None) is not None:
            return None
    names = tuple(name for name in compiled.positiontup if name not in literals)
    if set(_POSTCOMPILE.findall(compiled.string)) != set(literals):
        return None
    return _DriverForm(compiled.string, names, literals)


async def fetch_rows(session: AsyncSession, statement: Select[Any], params: Mapping[str, Any]) -> Sequence[Any]:
    """The rows of a prebuilt SELECT, which unpack and index like tuples (no attribute access).

    In a read unit of work on PostgreSQL (autocommit: no transaction on the connection) the statement
    runs on the asyncpg connection itself, compiled once: SQLAlchemy's execution path (execution
    context, greenlet switch, result object) cost about as much as PostgreSQL's answer to the lists
    of every page. Everywhere else, and for statements :func:`_driver_form` refuses, SQLAlchemy runs
    it. Errors stay SQLAlchemy's: if asyncpg raises, SQLAlchemy runs the statement again (a read in
    autocommit, so harmless), which raises its own error and invalidates a dead connection as usual
    (the API answers 503); a timeout or cancellation invalidates the connection, as SQLAlchemy does."""
    conn = await session.connection()
    sync = conn.sync_connection
    assert sync is not None
    form = None
    if (
        sync.dialect.name == "postgresql"
        and sync.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        # Someone watches the statements (echo, tracing, the tests' statement counters): they see all.
        and not (sync.engine.echo or sync.dispatch.before_cursor_execute or sync.dispatch.after_cursor_execute)
    ):
        form = _driver_form(statement, sync.dialect)
    if form is not None:
        sql, args = form.render(params)
        driver = sync.connection.driver_connection
        assert driver is not None
        try:
            rows: Sequence[Any] = await driver.fetch(sql, *args)
            return rows
        except Exception as error:
            if isinstance(error, TimeoutError):
                sync.invalidate(error)
                raise
        except BaseException as error:  # cancelled mid-statement: the connection's state is unknown
            sync.invalidate(error)
            raise
    rows = (await conn.execute(statement, params)).all()
    return rows


async def ping() -> None:
    """One trivial statement. It reads (on SQLite: a deferred BEGIN), so it never queues on the
    write lock: a health check answers while a long write runs."""
    engine = get_engine().execution_options(**{_READ_OPTION: True})
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
