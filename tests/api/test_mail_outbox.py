"""The mail outbox and its worker, against a real SMTP server (aiosmtpd) that the tests stop and start."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import FAST, Inbox, free_port, mail_worker, point_smtp_at, settle_outbox
from tests.conftest import Stack
from withus.db import session_scope, sessionmaker
from withus.models.base import utcnow
from withus.models.mail import FAILED, PENDING, SENT, MailOutbox
from withus.services import mail_worker as worker_module
from withus.services import outbox
from withus.services.mail_worker_process import run_worker
from withus.settings import ROOT


async def _enqueue(n: int, prefix: str = "m") -> list[str]:
    """``n`` mails, each in a transaction of its own (as n requests would); their Message-IDs."""
    ids = []
    for i in range(n):
        async with session_scope() as session:
            row = await outbox.enqueue(session, to=f"{prefix}{i}@example.com", template="signup_taken")
            ids.append(row.message_id)
    return ids


def _received(inbox: Inbox) -> Counter[str]:
    return Counter(str(m["Message-ID"]) for m in inbox.messages)


async def _rows(session: AsyncSession) -> list[MailOutbox]:
    """Every row as it is now; the read's transaction ends at once (on SQLite it holds the write lock)."""
    rows = list((await session.exec(select(MailOutbox).order_by(col(MailOutbox.id)))).all())
    await session.commit()  # a read: nothing to write, and no expiry (expire_on_commit=False)
    session.expunge_all()  # the next read sees the rows as they are then
    return rows


@pytest.fixture
def smtp_server(stack: Stack):  # type: ignore[no-untyped-def]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    yield inbox, controller
    point_smtp_at(None)
    controller.stop()


async def test_a_committed_change_has_its_mail_and_a_rolled_back_one_never(smtp_server, session) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp_server
    async with mail_worker():
        kept = (await _enqueue(1, "kept"))[0]
        with pytest.raises(RuntimeError):
            async with session_scope() as s:
                await outbox.enqueue(s, to="dropped@example.com", template="signup_taken")
                raise RuntimeError("the change failed")
        await settle_outbox()
    assert _received(inbox) == Counter({kept: 1})
    assert [r.to_address for r in await _rows(session)] == ["kept0@example.com"]
    message = inbox.messages[0]
    assert message["Message-ID"] == kept and message.get_body(preferencelist=("html",)) is not None


async def test_smtp_down_for_a_while_then_back_every_mail_arrives_exactly_once(stack: Stack, session) -> None:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    port = free_port()
    point_smtp_at(port)  # the server is down: nothing listens on the port
    try:
        async with mail_worker():
            ids = await _enqueue(25, "early")
            await asyncio.sleep(1.0)  # the worker tries, fails, and waits meanwhile
            ids += await _enqueue(25, "late")
            assert inbox.messages == []
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            try:
                await settle_outbox(30)
            finally:
                controller.stop()
    finally:
        point_smtp_at(None)
    assert _received(inbox) == Counter({i: 1 for i in ids})
    rows = await _rows(session)
    assert {r.status for r in rows} == {SENT}
    assert any(r.attempts > 1 for r in rows)  # the first ones were tried while the server was down


class _Answers(Inbox):
    """Answers each message with the next of ``answers`` (then 250), counting what it took."""

    def __init__(self, answers: list[str]) -> None:
        super().__init__()
        self.answers = list(answers)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.answers:
            return self.answers.pop(0)
        return await super().handle_DATA(server, session, envelope)


async def test_a_4xx_answer_is_retried_with_the_same_message_id(stack: Stack, session) -> None:  # type: ignore[no-untyped-def]
    inbox = _Answers(["451 4.3.0 try again later", "452 4.2.2 mailbox full for now"])
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    before = worker_module.counters["retried"]
    try:
        async with mail_worker():
            (mid,) = await _enqueue(1)
            await settle_outbox()
    finally:
        point_smtp_at(None)
        controller.stop()
    assert _received(inbox) == Counter({mid: 1})
    (row,) = await _rows(session)
    assert row.status == SENT and row.attempts == 3 and row.message_id == mid
    assert worker_module.counters["retried"] - before == 2


async def test_a_5xx_answer_fails_the_mail_logged_and_counted(
    stack: Stack, session, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    inbox = _Answers(["550 5.1.1 no such user"])
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    seen: list[str] = []
    worker_module.on_event(lambda kind, row: seen.append(kind))
    before = worker_module.counters["failed"]
    try:
        with caplog.at_level(logging.ERROR, logger="withus.services.mail_worker"):
            async with mail_worker():
                await _enqueue(1)
                await settle_outbox()
    finally:
        point_smtp_at(None)
        controller.stop()
        worker_module._listeners.clear()
    (row,) = await _rows(session)
    assert row.status == FAILED and row.failed_at is not None and "550" in row.last_error
    assert worker_module.counters["failed"] - before == 1 and seen == ["failed"]
    assert any("mail_failed" in r.getMessage() for r in caplog.records)
    assert inbox.messages == []


async def test_a_mail_unsent_after_a_day_is_given_up(smtp_server, session) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp_server
    await _enqueue(1, "old")
    async with session_scope() as s:
        await s.exec(update(MailOutbox).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
    async with mail_worker():
        await settle_outbox()
    (row,) = await _rows(session)
    assert row.status == FAILED and row.last_error == "unsent after a day"
    assert inbox.messages == []


async def test_two_workers_send_each_mail_once(smtp_server, session) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp_server
    ids = await _enqueue(60)
    stops = [asyncio.Event(), asyncio.Event()]
    tasks = [asyncio.ensure_future(run_worker(stop, FAST)) for stop in stops]
    try:
        await settle_outbox(30)
    finally:
        for stop in stops:
            stop.set()
        await asyncio.gather(*tasks)
    assert _received(inbox) == Counter({i: 1 for i in ids})


async def test_a_secret_mail_keeps_no_body_once_sent(smtp_server, session) -> None:  # type: ignore[no-untyped-def]
    async with mail_worker():
        async with session_scope() as s:
            await outbox.enqueue(s, to="code@example.com", template="signup_code", context={"code": "123456"})
        await settle_outbox()
    (row,) = await _rows(session)
    assert row.status == SENT and row.text == "" and row.html is None


class _Gate(Inbox):
    """Holds the ``at``-th message without answering until ``release`` is set; then refuses it
    (its sender is gone: the server never said 250, so that mail was not taken)."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at
        self.seen = 0
        self.reached = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.seen += 1
        if self.seen == self.at:
            self.reached.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
            return "421 4.3.0 closing"
        return await super().handle_DATA(server, session, envelope)


def _start_worker_process(stack: Stack, port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=stack.database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(port),
        SMTP_STARTTLS="false",
        MAIL_CLAIM_LEASE="2",  # the dead worker's claim runs out in 2 s (PostgreSQL; SQLite frees it at takeover)
    )
    if stack.redis_url:
        env["REDIS_URL"] = stack.redis_url
    else:
        env.pop("REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-m", "withus.cli", "mail-worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait_for(condition, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_killing_the_worker_process_mid_batch_loses_nothing_and_sends_nothing_twice(
    stack: Stack, session
) -> None:  # type: ignore[no-untyped-def]
    inbox = _Gate(at=12)
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    ids = await _enqueue(30)
    first = _start_worker_process(stack, controller.port)
    second = None
    try:
        await _wait_for(inbox.reached.is_set)
        # The outcomes of the 11 mails the server took are written beside the sending, soon after
        # each 250: wait for them, so that the kill lands in the middle of the 12th mail and not in
        # the moment between the 11th's 250 and its outcome (a kill there resends that one mail, which
        # no store can avoid; at load 10 it came 50 ms later than the 12th's DATA).
        deadline = asyncio.get_running_loop().time() + 30
        while sum(r.status == SENT for r in await _rows(session)) < len(inbox.messages):
            assert asyncio.get_running_loop().time() < deadline, "the sent mails' outcomes were not recorded"
            await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)  # in the middle of the 12th mail of its batch
        first.wait(10)
        inbox.release.set()
        assert 0 < len(inbox.messages) < 30
        rows = await _rows(session)
        assert sum(r.status == PENDING for r in rows) == 30 - len(inbox.messages)
        second = _start_worker_process(stack, controller.port)
        await settle_outbox(60)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(15)
        controller.stop()
    assert _received(inbox) == Counter({i: 1 for i in ids})
    final = await _rows(session)
    assert {r.status for r in final} == {SENT}, [(r.id, r.status, r.last_error) for r in final if r.status != SENT]


class _Sessions(Inbox):
    """Counts the SMTP sessions (EHLO/HELO) the worker opened."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # type: ignore[no-untyped-def]
        self.sessions += 1
        session.host_name = hostname
        return responses


async def test_a_batch_goes_over_one_smtp_connection_and_each_outcome_is_recorded(stack: Stack, session) -> None:  # type: ignore[no-untyped-def]
    inbox = _Sessions()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    ids = await _enqueue(40)
    try:
        async with mail_worker():
            await settle_outbox(30)
    finally:
        point_smtp_at(None)
        controller.stop()
    assert _received(inbox) == Counter({i: 1 for i in ids})
    assert inbox.sessions == 1
    rows = await _rows(session)
    assert {r.status for r in rows} == {SENT} and all(r.claimed_until is None and r.attempts == 1 for r in rows)


async def test_a_claim_of_a_worker_that_died_runs_out_and_another_sends_it(
    smtp_server, session, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    inbox, _ = smtp_server
    ids = await _enqueue(3)
    async with session_scope() as s:  # a worker claimed them and died before sending
        await s.exec(update(MailOutbox).values(claimed_until=utcnow() + timedelta(seconds=1)))  # type: ignore[call-overload]
    monkeypatch.setattr(worker_module, "SWEEP_EVERY", 3600.0)
    async with mail_worker():
        await settle_outbox(30)
    assert _received(inbox) == Counter({i: 1 for i in ids})


async def test_depth_counts_pending_mail(stack: Stack) -> None:
    await _enqueue(3)
    async with sessionmaker()() as s:
        depth = await outbox.depth(s)
    assert depth.pending == 3 and depth.oldest_pending_at is not None and depth.oldest_age_seconds() >= 0
