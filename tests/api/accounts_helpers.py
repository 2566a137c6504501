"""Shared by the accounts tests: a real SMTP server, and signing up through the API."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import os
import re
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller

from withus.services.mail_worker import Timing
from withus.services.mail_worker_process import run_worker
from withus.settings import get_settings

PASSWORD = "correct-horse-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """Messages the test SMTP server received, as parsed ``EmailMessage`` objects."""

    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        raw = envelope.content  # type: ignore[attr-defined]
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until the outbox has nothing left to send (every queued mail is here)."""
        await settle_outbox(timeout)

    async def last_text(self, address: str) -> str:
        await self.settle()
        msgs = self.to(address)
        assert msgs, f"no mail to {address}"
        part = msgs[-1].get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    async def code_for(self, address: str) -> str:
        match = re.search(r"\b(\d{6})\b", await self.last_text(address))
        assert match, "no 6-digit code in the mail"
        return match.group(1)


def point_smtp_at(port: int | None) -> None:
    """Use the SMTP server on 127.0.0.1:``port`` (None: back to the log/outbox)."""
    if port is None:
        for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS"):
            os.environ.pop(name, None)
    else:
        os.environ["SMTP_HOST"] = "127.0.0.1"
        os.environ["SMTP_PORT"] = str(port)
        os.environ["SMTP_STARTTLS"] = "false"
    get_settings.cache_clear()


FAST = Timing(poll=0.05, retry_base=0.2, retry_max=1.0, server_pause_max=0.5, chat_sweep=3600.0)
"""The mail worker's timing in tests: the same steps, in fractions of a second (the unread-chat
sweep only when the worker starts: tests of it call ``mail_chat.sweep`` themselves)."""


async def settle_outbox(timeout: float = 15.0) -> None:
    """Wait until no mail of the outbox is pending (sent or failed for good)."""
    from withus.db import read_scope
    from withus.services import outbox

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with read_scope() as session:
            if (await outbox.depth(session)).pending == 0:
                return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("the outbox still has pending mail")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def mail_worker(timing: Timing = FAST) -> AsyncIterator[None]:
    """This test process's mail worker, running beside the test."""
    stop = asyncio.Event()
    task = asyncio.ensure_future(run_worker(stop, timing))
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
async def smtp(stack: object) -> AsyncIterator[Inbox]:
    """A real SMTP server on a free port, settings pointing at it, and a mail worker."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    try:
        async with mail_worker():
            yield inbox
    finally:
        point_smtp_at(None)
        controller.stop()


async def request_code(client: httpx.AsyncClient, address: str) -> httpx.Response:
    return await client.post("/api/auth/email-codes", json={"email": address})


async def signup(
    client: httpx.AsyncClient,
    inbox: Inbox,
    *,
    username: str,
    nickname: str | None = None,
    address: str | None = None,
    password: str = PASSWORD,
) -> httpx.Response:
    address = address or f"{username.lower()}@example.com"
    r = await request_code(client, address)
    assert r.status_code == 202, r.text
    body = {
        "email": address,
        "code": await inbox.code_for(address),
        "username": username,
        "nickname": nickname or f"닉_{username}"[:20],
        "password": password,
    }
    return await client.post("/api/auth/signup", json=body)


async def login(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"login": login, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
