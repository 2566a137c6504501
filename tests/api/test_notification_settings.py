"""Notification settings: the defaults, the API, in-app off stores and pushes nothing, mail
follows the settings, and one-click unsubscribe (RFC 8058) — with a real SMTP server."""

from __future__ import annotations

import asyncio
from collections import Counter
from urllib.parse import parse_qs, urlparse

import httpx
from aiosmtpd.controller import Controller
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, free_port, mail_worker, point_smtp_at, settle_outbox, smtp
from tests.club_factories import add_member, make_club
from tests.conftest import Stack
from tests.factories import auth_headers, make_user
from withus.db import session_scope
from withus.kv import get_kv
from withus.models.notification import NOTIFICATION_TYPES, Notification
from withus.services import notification_settings
from withus.services import notifications as notification_service
from withus.services.notifications import channel

__all__ = ["smtp"]
URL = "/api/users/me/notification-settings"


def test_the_registry_names_every_notification_type() -> None:
    assert set(notification_settings.KINDS) == NOTIFICATION_TYPES


async def test_defaults_then_a_subset_changed(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    items = {i["type"]: i for i in (await client.get(URL, headers=headers)).json()["items"]}
    assert set(items) == NOTIFICATION_TYPES
    assert all(i["in_app"] for i in items.values())
    mailed = {t for t, i in items.items() if i["email"]}
    assert mailed == {
        "club_invitation",
        "join_approved",
        "join_declined",
        "chat_message",
        "role_changed",
        "removed_from_club",
        "event_cancelled",
        "event_promoted",
        "event_reminder",
    }
    r = await client.put(URL, json={"items": [{"type": "comment", "in_app": False, "email": True}]}, headers=headers)
    assert r.status_code == 200
    after = {i["type"]: i for i in r.json()["items"]}
    assert after["comment"] == {"type": "comment", "in_app": False, "email": True}
    assert after["club_invitation"] == items["club_invitation"]
    bad = await client.put(URL, json={"items": [{"type": "nope", "in_app": True, "email": True}]}, headers=headers)
    assert bad.status_code == 422
    assert (await client.get(URL)).status_code == 401


async def test_in_app_off_stores_nothing_and_publishes_nothing(stack: Stack, session: AsyncSession) -> None:
    user = await make_user(session)
    assert user.id is not None
    async with session_scope() as s:
        await notification_settings.do_update(s, user.id, [notification_settings.Setting("comment", False, False)])
    subscription = await get_kv().subscribe(channel(user.id))
    try:
        async with session_scope() as s:
            assert await notification_service.notify(s, user_id=user.id, type="comment", title="댓글") is None
            await notification_service.notify(s, user_id=user.id, type="reply", title="답글")
        received = []

        async def first() -> None:
            async for _channel, data in subscription:
                received.append(data)
                return

        await asyncio.wait_for(first(), 5)
    finally:
        await subscription.close()
    assert len(received) == 1 and '"reply"' in received[0]  # only the kind left on
    count = (await session.exec(select(func.count()).select_from(Notification))).one()
    assert count == 1


async def test_mail_follows_the_settings_and_one_click_unsubscribe_stops_it(
    client: httpx.AsyncClient, smtp: Inbox, session: AsyncSession
) -> None:
    user = await make_user(session, username="reached", email="reached@example.com")
    assert user.id is not None
    async with session_scope() as s:
        await notification_service.notify(
            s, user_id=user.id, type="club_invitation", title="축구 모임에 초대되었습니다", link="/clubs/1"
        )
        await notification_service.notify(s, user_id=user.id, type="comment", title="댓글이 달렸습니다")
    await smtp.settle()
    (mail,) = smtp.to("reached@example.com")  # the comment is not mailed by default
    assert "축구 모임에 초대되었습니다" in str(mail["Subject"])
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_body(preferencelist=("html",)) is not None
    assert "/clubs/1" in await smtp.last_text("reached@example.com")
    unsubscribe = str(mail["List-Unsubscribe"]).strip("<>")
    token = parse_qs(urlparse(unsubscribe).query)["token"][0]

    page = await client.get("/api/mail/unsubscribe", params={"token": token})
    assert page.status_code == 200 and "수신 거부" in page.text  # a GET changes nothing
    tampered = token.replace("club_invitation", "comment")
    r = await client.post("/api/mail/unsubscribe", params={"token": tampered}, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"
    other = f"{user.id + 1}.{token.split('.', 1)[1]}"
    r = await client.post("/api/mail/unsubscribe", params={"token": other}, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_token"

    r = await client.post("/api/mail/unsubscribe", params={"token": token}, data={"List-Unsubscribe": "One-Click"})
    assert r.status_code == 204
    items = {i["type"]: i for i in (await client.get(URL, headers=await auth_headers(user))).json()["items"]}
    assert items["club_invitation"] == {"type": "club_invitation", "in_app": True, "email": False}
    async with session_scope() as s:
        await notification_service.notify(s, user_id=user.id, type="club_invitation", title="또 초대")
    await smtp.settle()
    assert len(smtp.to("reached@example.com")) == 1  # no new mail; the notification is still stored


async def test_a_club_notice_reaches_only_members_who_keep_it(smtp: Inbox, session: AsyncSession) -> None:
    host = await make_user(session, username="host")
    quiet = await make_user(session, username="quiet", email="quiet@example.com")
    keen = await make_user(session, username="keen", email="keen@example.com")
    plain = await make_user(session, username="plain", email="plain@example.com")
    club_id = await make_club(session, host=host)
    for member in (quiet, keen, plain):
        await add_member(session, club_id=club_id, user=member)
    assert quiet.id is not None and keen.id is not None
    async with session_scope() as s:
        await notification_settings.do_update(s, quiet.id, [notification_settings.Setting("notice", False, False)])
        await notification_settings.do_update(s, keen.id, [notification_settings.Setting("notice", True, True)])
    async with session_scope() as s:
        n = await notification_service.notify_club_members(
            s, club_id=club_id, type="notice", title="공지", exclude_user_id=host.id
        )
    assert n == 2
    await smtp.settle()
    assert [str(m["To"]) for m in smtp.messages] == ["keen@example.com"]
    stored = (await session.exec(select(Notification.user_id))).all()
    assert sorted(stored) == sorted([keen.id, plain.id])


async def test_smtp_down_while_invitations_are_made_every_mail_arrives_once(
    client: httpx.AsyncClient, stack: Stack, session: AsyncSession
) -> None:
    host = await make_user(session, username="inviter")
    club_id = await make_club(session, host=host)
    invitees = [await make_user(session, username=f"guest{i}", email=f"guest{i}@example.com") for i in range(50)]
    headers = await auth_headers(host)
    inbox = Inbox()
    port = free_port()
    point_smtp_at(port)  # down: nothing listens
    try:
        async with mail_worker():
            for invitee in invitees:
                r = await client.post(
                    f"/api/clubs/{club_id}/invitations", json={"user_id": invitee.id}, headers=headers
                )
                assert r.status_code == 201, r.text
            await asyncio.sleep(0.5)
            assert inbox.messages == []
            controller = Controller(inbox, hostname="127.0.0.1", port=port)
            controller.start()
            try:
                await settle_outbox(30)
            finally:
                controller.stop()
    finally:
        point_smtp_at(None)
    assert Counter(str(m["To"]) for m in inbox.messages) == Counter({f"guest{i}@example.com": 1 for i in range(50)})
    assert len({str(m["Message-ID"]) for m in inbox.messages}) == 50
