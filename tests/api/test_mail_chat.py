"""Unread chat by mail (services.mail_chat): one mail per room after the recipient has been away,
never while they look at the room, again only after they read it; exactly once with two sweeps at
once; the settings and one-click unsubscribe apply. A real SMTP server (aiosmtpd) receives them."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import update
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import FAST, Inbox, free_port, mail_worker, point_smtp_at, smtp
from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.db import session_scope
from withus.models.base import as_utc, utcnow
from withus.models.chat_mail import ChatMailDue
from withus.models.user import User
from withus.realtime import presence
from withus.services import mail_chat

__all__ = ["smtp"]  # the fixture


async def _room(client: httpx.AsyncClient, headers: dict[str, str], peer: User) -> int:
    r = await client.post("/api/chat/rooms", json={"user_id": peer.id}, headers=headers)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


async def _send(client: httpx.AsyncClient, headers: dict[str, str], room_id: int, body: str) -> Any:
    r = await client.post(f"/api/chat/rooms/{room_id}/messages", json={"body": body}, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def _read(client: httpx.AsyncClient, headers: dict[str, str], room_id: int, seq: int) -> None:
    r = await client.post(f"/api/chat/rooms/{room_id}/read", json={"seq": seq}, headers=headers)
    assert r.status_code == 204, r.text


async def _away_long_enough() -> None:
    """Fifteen minutes pass: every pending row falls due."""
    async with session_scope() as s:
        await s.exec(update(ChatMailDue).values(due_at=utcnow() - timedelta(seconds=1)))  # type: ignore[call-overload]


async def _sweep(inbox: Inbox) -> int:
    mailed = await mail_chat.sweep()
    await inbox.settle()
    return mailed


def _text(mail: Any) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _chat_mails(inbox: Inbox, address: str) -> list[Any]:
    return [m for m in inbox.to(address) if "/chat/" in _text(m)]


async def test_one_mail_per_room_after_the_recipient_stays_away_then_again_only_after_reading(
    client: httpx.AsyncClient,
    session: AsyncSession,
    smtp: Inbox,
) -> None:
    alice = await make_user(session, nickname="앨리스")
    bob = await make_user(session, email="bob@example.com")
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = await _room(client, a, bob)
    for i in range(3):
        await _send(client, a, room_id, f"안녕 {i}")

    assert await _sweep(smtp) == 0  # not yet fifteen minutes
    assert _chat_mails(smtp, "bob@example.com") == []
    await _away_long_enough()
    assert await _sweep(smtp) == 1
    await _send(client, a, room_id, "아직이야?")
    await _away_long_enough()
    assert await _sweep(smtp) == 0  # one mail per room until bob reads it
    mails = _chat_mails(smtp, "bob@example.com")
    assert len(mails) == 1
    text = _text(mails[0])
    assert f"/chat/{room_id}" in text and "앨리스" in str(mails[0]["Subject"]) and "안녕 2" in text
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mails[0].get_body(preferencelist=("html",)) is not None

    await _read(client, b, room_id, 4)  # bob opens the room: the next time away mails again
    last = await _send(client, a, room_id, "다시 안녕")
    await _away_long_enough()
    assert await _sweep(smtp) == 1
    assert len(_chat_mails(smtp, "bob@example.com")) == 2
    assert last["seq"] == 5
    assert _chat_mails(smtp, alice.email) == []  # the sender is never mailed about their own words


async def test_no_mail_while_in_the_room_nor_after_reading_it_in_time(
    client: httpx.AsyncClient,
    session: AsyncSession,
    smtp: Inbox,
) -> None:
    alice, bob = await make_user(session), await make_user(session, email="bob2@example.com")
    a, b = await auth_headers(alice), await auth_headers(bob)
    room_id = await _room(client, a, bob)
    assert bob.id is not None

    await presence.enter(room_id=room_id, user_id=bob.id, viewer_id="tab-1")
    await _send(client, a, room_id, "보고 있지?")
    await _away_long_enough()
    assert await _sweep(smtp) == 0  # he was looking when it came: nothing was due

    await presence.leave(room_id=room_id, user_id=bob.id, viewer_id="tab-1")
    await _read(client, b, room_id, 1)
    await _send(client, a, room_id, "나갔어?")
    await presence.enter(room_id=room_id, user_id=bob.id, viewer_id="tab-2")  # back before it fell due
    await _away_long_enough()
    assert await _sweep(smtp) == 0
    async with session_scope() as s:
        row = (await s.exec(select(ChatMailDue))).one()
        assert row.mailed_at is None and as_utc(row.due_at) > utcnow() + timedelta(minutes=14)  # waits again

    await _read(client, b, room_id, 2)  # he read it: the row goes, no mail ever
    async with session_scope() as s:
        assert (await s.exec(select(ChatMailDue))).all() == []
    assert _chat_mails(smtp, "bob2@example.com") == []


async def test_settings_off_and_one_click_unsubscribe_stop_the_chat_mail(
    client: httpx.AsyncClient,
    session: AsyncSession,
    smtp: Inbox,
) -> None:
    alice = await make_user(session)
    bob, carol = await make_user(session, email="bob3@example.com"), await make_user(session, email="c3@example.com")
    a, b = await auth_headers(alice), await auth_headers(bob)
    r = await client.put(
        "/api/users/me/notification-settings",
        json={"items": [{"type": "chat_message", "in_app": True, "email": False}]},
        headers=b,
    )
    assert r.status_code == 200, r.text
    to_bob, to_carol = await _room(client, a, bob), await _room(client, a, carol)
    await _send(client, a, to_bob, "메일 없이")
    await _send(client, a, to_carol, "메일로")
    await _away_long_enough()
    assert await _sweep(smtp) == 1
    assert _chat_mails(smtp, "bob3@example.com") == [] and len(_chat_mails(smtp, "c3@example.com")) == 1

    link = str(_chat_mails(smtp, "c3@example.com")[0]["List-Unsubscribe"]).strip("<>")
    r = await client.post(link[link.index("/api/") :])
    assert r.status_code == 204, r.text
    c = await auth_headers(carol)
    await _read(client, c, to_carol, 1)
    await _send(client, a, to_carol, "이번엔?")
    await _away_long_enough()
    assert await _sweep(smtp) == 0
    assert len(_chat_mails(smtp, "c3@example.com")) == 1


async def test_a_club_room_mails_each_away_member_once_with_two_sweeps_at_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    smtp: Inbox,
) -> None:
    host = await make_user(session)
    members = [await make_user(session, email=f"member{i}@example.com") for i in range(6)]
    club_id = await make_club(session, host=host, name="등산 모임")
    for m in members:
        await add_member(session, club_id=club_id, user=m)
    h = await auth_headers(host)
    room_id = (await client.get(f"/api/clubs/{club_id}", headers=h)).json()["chat_room_id"]
    assert isinstance(room_id, int)
    for i in range(4):
        await _send(client, h, room_id, f"공지 {i}")
    await _away_long_enough()

    results = await asyncio.gather(*(mail_chat.sweep(batch=2) for _ in range(3)))
    await smtp.settle()
    assert sum(results) == len(members)
    for i in range(6):
        mails = _chat_mails(smtp, f"member{i}@example.com")
        assert len(mails) == 1, i
        assert "등산 모임" in str(mails[0]["Subject"])
    assert _chat_mails(smtp, host.email) == []


@pytest.mark.parametrize("locale", ["en"])
async def test_the_mail_is_in_english_for_an_english_reader(
    client: httpx.AsyncClient,
    session: AsyncSession,
    smtp: Inbox,
    locale: str,
) -> None:
    alice = await make_user(session, nickname="alice")
    bob = await make_user(session, email="bob4@example.com")
    b = await auth_headers(bob)
    r = await client.patch("/api/users/me", json={"locale": locale}, headers=b)
    assert r.status_code == 200, r.text
    room_id = await _room(client, await auth_headers(alice), bob)
    await _send(client, await auth_headers(alice), room_id, "hi there")
    await _away_long_enough()
    assert await _sweep(smtp) == 1
    mail = _chat_mails(smtp, "bob4@example.com")[0]
    assert str(mail["Subject"]) == "[withUs] 1 unread in your chat with alice"
    assert "Open the chat" in _text(mail)


async def test_the_mail_worker_sweeps_unread_chat_by_itself(client: httpx.AsyncClient, session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session, email="bob5@example.com")
    room_id = await _room(client, await auth_headers(alice), bob)
    await _send(client, await auth_headers(alice), room_id, "워커가 보내 줘")
    await _away_long_enough()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    try:
        async with mail_worker(dataclasses.replace(FAST, chat_sweep=0.05)):
            for _ in range(200):
                if _chat_mails(inbox, "bob5@example.com"):
                    break
                await asyncio.sleep(0.05)
            await inbox.settle()
    finally:
        point_smtp_at(None)
        controller.stop()
    assert len(_chat_mails(inbox, "bob5@example.com")) == 1
