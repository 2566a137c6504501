"""Notifications in the reader's language: stored as catalogue messages beside their Korean
text, rendered when read (REST by Accept-Language, a published payload by its edge); rows from
before keep their stored text."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, smtp
from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user
from withus.db import session_scope
from withus.i18n import Msg, When
from withus.kv import get_kv
from withus.models.notification import Notification
from withus.models.user import User
from withus.services import member_roles
from withus.services import notifications as notification_service

__all__ = ["smtp"]  # the test SMTP server fixture

EN = {"Accept-Language": "en-US,en;q=0.9"}
KO = {"Accept-Language": "ko-KR"}


async def _listed(client: httpx.AsyncClient, user: User, headers: dict[str, str]) -> list[dict[str, object]]:
    r = await client.get("/api/notifications", headers={**await auth_headers(user), **headers})
    assert r.status_code == 200, r.text
    return r.json()["items"]  # type: ignore[no-any-return]


async def test_a_role_change_reads_in_each_language_with_the_right_particle(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host, member = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, name="Sunday Run")
    await add_member(session, club_id=club_id, user=member)
    async with session_scope() as s:
        actor = await s.get(User, host.id)
        assert actor is not None and member.id is not None
        await member_roles.do_change_role(s, club_id=club_id, actor=actor, user_id=member.id, role="moderator")
    [ko] = await _listed(client, member, KO)
    [en] = await _listed(client, member, EN)
    assert (ko["title"], ko["body"]) == (
        "[Sunday Run] 역할 변경",
        "'Sunday Run' 모임에서 내 역할이 운영진으로 바뀌었습니다.",
    )
    assert (en["title"], en["body"]) == ("[Sunday Run] Role changed", "Your role in 'Sunday Run' is now Moderator.")
    assert {k: v for k, v in ko.items() if k not in ("title", "body")} == {
        k: v for k, v in en.items() if k not in ("title", "body")
    }
    stored = (await session.exec(select(Notification).where(Notification.user_id == member.id))).one()
    assert stored.title == ko["title"] and stored.message is not None  # the Korean text is kept too


async def test_a_row_from_before_keeps_its_text_in_every_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session)
    async with session_scope() as s:
        assert user.id is not None
        await notification_service.notify(s, user_id=user.id, type="notice", title="옛 알림", body="본문")
    assert [(n["title"], n["body"]) for n in await _listed(client, user, EN)] == [("옛 알림", "본문")]


async def test_a_published_payload_is_rendered_by_its_edge(session: AsyncSession) -> None:
    user = await make_user(session)
    assert user.id is not None
    start = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)  # 19:00 in Korea
    channel = notification_service.channel(user.id)
    subscription = await get_kv().subscribe(channel)
    messages = aiter(subscription)
    try:
        await get_kv().publish(channel, "ready")  # the subscription is live once this comes back
        while (await anext(messages))[1] != "ready":
            pass
        async with session_scope() as s:
            await notification_service.notify(
                s,
                user_id=user.id,
                type="event_reminder",
                title=Msg("notification.event_reminder.title", club="Run", title="10K"),
                body=Msg("notification.event.when_place", when=When(start), place="Han River"),
            )
        _, data = await anext(messages)
    finally:
        await subscription.close()
    raw = json.loads(data)
    assert raw["message"]["title"]["key"] == "notification.event_reminder.title"
    en = json.loads(notification_service.for_reader(data, "en"))
    ko = json.loads(notification_service.for_reader(data, "ko"))
    assert "message" not in en and "message" not in ko
    assert (en["title"], en["body"]) == ("Run: '10K' is coming up", "Dec 5, 19:00 · Han River")
    assert (ko["title"], ko["body"]) == ("Run: '10K' 일정이 다가옵니다", "12월 5일 19:00 · Han River")
    assert notification_service.for_reader("not json", "en") == "not json"


async def test_a_notice_to_every_member_is_stored_with_its_message(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    host, a = await make_user(session), await make_user(session)
    club_id = await make_club(session, host=host, name="책 모임")
    await add_member(session, club_id=club_id, user=a)
    async with session_scope() as s:
        await notification_service.notify_club_members(
            s,
            club_id=club_id,
            type="notice",
            title=Msg("notification.notice.title", club="책 모임"),
            body="12월 모임 장소",
            exclude_user_id=host.id,
        )
    [en] = await _listed(client, a, EN)
    [ko] = await _listed(client, a, KO)
    assert (en["title"], en["body"]) == ("[책 모임] New notice", "12월 모임 장소")
    assert ko["title"] == "[책 모임] 새 공지"


async def test_the_mail_of_a_notification_is_in_the_recipients_language(smtp: Inbox, session: AsyncSession) -> None:
    english = await make_user(session, username="mailen", email="mailen@example.com")
    korean = await make_user(session, username="mailko", email="mailko@example.com")
    english.locale = "en"
    session.add(english)
    await session.commit()
    async with session_scope() as s:
        for user in (english, korean):
            assert user.id is not None
            await notification_service.notify(
                s,
                user_id=user.id,
                type="club_invitation",
                title=Msg("notification.club_invitation.title", club="Book club"),
                body=Msg("notification.club_invitation.body", inviter="민지", club="Book club"),
                link="/clubs/1",
            )
    await smtp.settle()
    (en,) = smtp.to("mailen@example.com")
    (ko,) = smtp.to("mailko@example.com")
    assert "[Book club] Club invitation" in str(en["Subject"])
    assert "민지 invited you to 'Book club'." in await smtp.last_text("mailen@example.com")
    assert "[Book club] 모임 초대" in str(ko["Subject"])
