"""Shared by the accounts tests: a real SMTP server, and signing up through the API."""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage

import httpx
import pytest
from aiosmtpd.controller import Controller

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

    def last_text(self, address: str) -> str:
        msgs = self.to(address)
        assert msgs, f"no mail to {address}"
        part = msgs[-1].get_body(preferencelist=("plain",))
        assert part is not None
        return str(part.get_content())

    def code_for(self, address: str) -> str:
        match = re.search(r"\b(\d{6})\b", self.last_text(address))
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


@pytest.fixture
def smtp(stack: object) -> Iterator[Inbox]:
    """A real SMTP server on a free port; settings point at it for the test."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    try:
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
        "code": inbox.code_for(address),
        "username": username,
        "nickname": nickname or f"닉_{username}"[:20],
        "password": password,
    }
    return await client.post("/api/auth/signup", json=body)


async def login(client: httpx.AsyncClient, login: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/api/auth/login", json={"login": login, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
