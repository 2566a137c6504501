"""Events over the API: creating (and every bad input), reading in Korean time, editing and
cancelling, answers and the waitlist, series edited ``this`` / ``following``, my events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import (
    at,
    club_with_members,
    create_event,
    event_body,
    notification_types,
    notifications,
    rsvp,
)
from tests.club_factories import role_of
from withus.models.event import EventRsvp


async def test_create_and_read_in_korean_time(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    starts = at(3, 19)
    created = await create_event(client, club, starts=starts, capacity=10, map_url="https://map.example/1")
    assert datetime.fromisoformat(created["starts_at"]) == starts
    assert created["starts_at"].endswith("+09:00")
    assert created["status"] == "scheduled" and created["going_count"] == 0 and created["series_id"] is None
    assert created["created_by"]["id"] == club.host.id and created["can_manage"] is True
    # A time sent in UTC comes back in Korean time.
    utc = (starts + timedelta(days=1)).astimezone(UTC)
    body = event_body(utc)
    r = await client.post(f"/api/clubs/{club.id}/events", json=body, headers=club.h(club.host))
    assert r.status_code == 201 and r.json()["starts_at"].endswith("+09:00")
    assert datetime.fromisoformat(r.json()["starts_at"]) == utc
    member = club.members[0]
    got = (await client.get(f"/api/events/{created['id']}", headers=club.h(member))).json()
    assert got["can_manage"] is False and got["rsvp_open"] is True and got["my_rsvp"] is None
    assert got["map_url"] == "https://map.example/1"
    # Members were told, with a link to the event page.
    rows = await notifications(session, member.id, "event_created")
    assert len(rows) == 2
    assert rows[0].link == f"/events/{created['id']}"


@pytest.mark.parametrize(
    ("change", "code", "fld"),
    [
        ({"ends_at": at(2, 18).isoformat()}, "ends_before_start", "ends_at"),
        ({"starts_at": at(-1).isoformat(), "ends_at": at(-1, 21).isoformat()}, "starts_in_past", "starts_at"),
        ({"rsvp_deadline": at(2, 20).isoformat()}, "deadline_after_start", "rsvp_deadline"),
        ({"repeat": {"freq": "daily", "count": 3}}, "validation_failed", "repeat.freq"),
        ({"repeat": {"freq": "weekly", "count": 53}}, "repeat_count_too_large", "repeat.count"),
        ({"repeat": {"freq": "monthly", "count": 13}}, "repeat_count_too_large", "repeat.count"),
        ({"repeat": {"freq": "weekly", "until": at(400).isoformat()}}, "repeat_until_too_far", "repeat.until"),
        ({"repeat": {"freq": "weekly", "count": 3, "until": at(30).isoformat()}}, "invalid_repeat", "repeat"),
        ({"title": ""}, "validation_failed", "title"),
        ({"title": "x" * 101}, "validation_failed", "title"),
        ({"description": "x" * 5001}, "validation_failed", "description"),
        ({"capacity": 0}, "validation_failed", "capacity"),
        ({"map_url": "javascript:alert(1)"}, "validation_failed", "map_url"),
        ({"starts_at": "not a time"}, "validation_failed", "starts_at"),
    ],
)
async def test_bad_input_is_a_problem(
    client: httpx.AsyncClient, session: AsyncSession, change: dict[str, object], code: str, fld: str
) -> None:
    club = await club_with_members(session, 0)
    r = await client.post(
        f"/api/clubs/{club.id}/events", json=event_body(at(2, 19), **change), headers=club.h(club.host)
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code
    assert fld in [e["field"] for e in r.json()["errors"]]


async def test_waitlist_first_come_and_promotion(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 4)
    a, b, c, d = club.members
    event = await create_event(client, club, capacity=2)
    eid = event["id"]
    assert (await rsvp(client, eid, club.h(a))).json() == {"status": "going", "waitlist_position": None}
    assert (await rsvp(client, eid, club.h(b))).json() == {"status": "going", "waitlist_position": None}
    assert (await rsvp(client, eid, club.h(c))).json() == {"status": "waitlisted", "waitlist_position": 1}
    assert (await rsvp(client, eid, club.h(d))).json() == {"status": "waitlisted", "waitlist_position": 2}
    # Answering the same again keeps one's place.
    assert (await rsvp(client, eid, club.h(c))).json() == {"status": "waitlisted", "waitlist_position": 1}
    got = (await client.get(f"/api/events/{eid}", headers=club.h(d))).json()
    assert (got["going_count"], got["waitlist_count"], got["my_rsvp"], got["waitlist_position"]) == (
        2,
        2,
        "waitlisted",
        2,
    )
    # a steps back: c moves up at once and is told.
    assert (await rsvp(client, eid, club.h(a), "not_going")).json()["status"] == "not_going"
    att = (await client.get(f"/api/events/{eid}/attendees", headers=club.h(b))).json()
    assert [u["id"] for u in att["going"]] == [b.id, c.id]
    assert [u["id"] for u in att["waitlist"]] == [d.id]
    assert (await client.get(f"/api/events/{eid}", headers=club.h(d))).json()["waitlist_position"] == 1
    promoted = await notifications(session, c.id, "event_promoted")
    assert len(promoted) == 1 and promoted[0].link == f"/events/{eid}"
    # a comes back: the end of the line.
    assert (await rsvp(client, eid, club.h(a))).json() == {"status": "waitlisted", "waitlist_position": 2}
    # Capacity grows: the waitlist moves up; below those going: 409.
    r = await client.patch(f"/api/events/{eid}", json={"capacity": 1}, headers=club.h(club.host))
    assert r.status_code == 409 and r.json()["code"] == "capacity_below_going"
    r = await client.patch(f"/api/events/{eid}", json={"capacity": 4}, headers=club.h(club.host))
    assert r.status_code == 200 and (r.json()["going_count"], r.json()["waitlist_count"]) == (4, 0)
    att = (await client.get(f"/api/events/{eid}/attendees", headers=club.h(b))).json()
    assert [u["id"] for u in att["going"]] == [b.id, c.id, d.id, a.id]


async def test_leaving_the_club_gives_up_places(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 2)
    a, b = club.members
    eid = (await create_event(client, club, capacity=1))["id"]
    await rsvp(client, eid, club.h(a))
    await rsvp(client, eid, club.h(b))
    r = await client.post(f"/api/clubs/{club.id}/leave", headers=club.h(a))
    assert r.status_code == 204, r.text
    assert await role_of(session, club_id=club.id, user=a) is None
    att = (await client.get(f"/api/events/{eid}/attendees", headers=club.h(b))).json()
    assert [u["id"] for u in att["going"]] == [b.id] and att["waitlist"] == []
    assert await session.get(EventRsvp, (eid, a.id)) is None
    await session.commit()


async def test_rsvp_closed_at_deadline_and_cancellation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    (m,) = club.members
    starts = at(2, 19)
    eid = (await create_event(client, club, starts=starts))["id"]
    await rsvp(client, eid, club.h(m))
    # A deadline already passed closes answers.
    past = (datetime.now(starts.tzinfo) - timedelta(minutes=1)).isoformat()
    r = await client.patch(f"/api/events/{eid}", json={"rsvp_deadline": past}, headers=club.h(club.host))
    assert r.status_code == 200 and r.json()["rsvp_open"] is False
    r = await rsvp(client, eid, club.h(m), "not_going")
    assert r.status_code == 409 and r.json()["code"] == "rsvp_closed"
    r = await client.patch(f"/api/events/{eid}", json={"rsvp_deadline": None}, headers=club.h(club.host))
    assert r.json()["rsvp_open"] is True
    assert (await client.delete(f"/api/events/{eid}", headers=club.h(club.host))).status_code == 204
    got = (await client.get(f"/api/events/{eid}", headers=club.h(m))).json()
    assert got["status"] == "cancelled" and got["rsvp_open"] is False
    r = await rsvp(client, eid, club.h(m))
    assert r.status_code == 409 and r.json()["code"] == "rsvp_closed"
    told = await notification_types(session, m.id)
    assert "event_cancelled" in told and "event_updated" not in told  # a deadline is neither time nor place
    r = await client.patch(f"/api/events/{eid}", json={"title": "다시"}, headers=club.h(club.host))
    assert r.status_code == 409 and r.json()["code"] == "event_cancelled"


async def test_update_notifies_only_for_time_or_place(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    (m,) = club.members
    eid = (await create_event(client, club))["id"]
    await rsvp(client, eid, club.h(m))
    await client.patch(f"/api/events/{eid}", json={"description": "새 설명"}, headers=club.h(club.host))
    await client.patch(f"/api/events/{eid}", json={"location": "강남"}, headers=club.h(club.host))
    types = await notification_types(session, m.id)
    assert types.count("event_updated") == 1


async def test_series_this_and_following(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    first_start = at(1, 19)
    first = await create_event(client, club, starts=first_start, repeat={"freq": "weekly", "count": 4})
    assert first["series_id"] is not None
    page = (await client.get(f"/api/clubs/{club.id}/events", headers=club.h(club.host))).json()
    items = page["items"]
    assert len(items) == 4 and {e["series_id"] for e in items} == {first["series_id"]}
    starts = [datetime.fromisoformat(e["starts_at"]) for e in items]
    assert all(b - a == timedelta(weeks=1) for a, b in zip(starts, starts[1:], strict=False))
    assert all(s.hour == 19 for s in starts)
    ids = [e["id"] for e in items]
    # this: only the second changes.
    r = await client.patch(f"/api/events/{ids[1]}?scope=this", json={"title": "특별전"}, headers=club.h(club.host))
    assert r.status_code == 200
    # following from the third: one hour later, and a new place, for the third and the fourth.
    new_start = (starts[2] + timedelta(hours=1)).isoformat()
    r = await client.patch(
        f"/api/events/{ids[2]}?scope=following",
        json={"starts_at": new_start, "location": "강남"},
        headers=club.h(club.host),
    )
    assert r.status_code == 200, r.text
    items = (await client.get(f"/api/clubs/{club.id}/events", headers=club.h(club.host))).json()["items"]
    assert [e["title"] for e in items] == ["토요일 풋살", "특별전", "토요일 풋살", "토요일 풋살"]
    assert [datetime.fromisoformat(e["starts_at"]).hour for e in items] == [19, 19, 20, 20]
    assert [datetime.fromisoformat(e["ends_at"]).hour for e in items] == [21, 21, 22, 22]
    assert [e["location"] for e in items] == ["잠실 풋살장", "잠실 풋살장", "강남", "강남"]
    # cancel following from the fourth; then this for the first.
    assert (await client.delete(f"/api/events/{ids[3]}?scope=following", headers=club.h(club.host))).status_code == 204
    assert (await client.delete(f"/api/events/{ids[0]}?scope=this", headers=club.h(club.host))).status_code == 204
    items = (await client.get(f"/api/clubs/{club.id}/events", headers=club.h(club.host))).json()["items"]
    assert [e["status"] for e in items] == ["cancelled", "scheduled", "scheduled", "cancelled"]
    r = await client.patch(f"/api/events/{ids[1]}?scope=sometimes", json={"title": "x"}, headers=club.h(club.host))
    assert r.status_code == 422


async def test_monthly_until(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 0)
    start = at(1, 10)
    until = start + timedelta(days=95)
    await create_event(client, club, starts=start, repeat={"freq": "monthly", "until": until.isoformat()})
    items = (await client.get(f"/api/clubs/{club.id}/events", headers=club.h(club.host))).json()["items"]
    assert 3 <= len(items) <= 4
    assert all(datetime.fromisoformat(e["starts_at"]) <= until for e in items)


async def test_lists_and_my_events(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    (m,) = club.members
    ids = [(await create_event(client, club, starts=at(d, 19)))["id"] for d in (5, 1, 3)]
    r = await client.get(f"/api/clubs/{club.id}/events?limit=2", headers=club.h(m))
    page = r.json()
    assert [e["id"] for e in page["items"]] == [ids[1], ids[2]] and page["next_cursor"]
    page2 = (
        await client.get(f"/api/clubs/{club.id}/events?limit=2&cursor={page['next_cursor']}", headers=club.h(m))
    ).json()
    assert [e["id"] for e in page2["items"]] == [ids[0]] and page2["next_cursor"] is None
    r = await client.get(f"/api/clubs/{club.id}/events?cursor=garbage", headers=club.h(m))
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    r = await client.get(f"/api/clubs/{club.id}/events?from=yesterday", headers=club.h(m))
    assert r.status_code == 422
    window = (
        await client.get(f"/api/clubs/{club.id}/events", params={"to": at(4, 0).isoformat()}, headers=club.h(m))
    ).json()
    assert [e["id"] for e in window["items"]] == [ids[1], ids[2]]
    await rsvp(client, ids[0], club.h(m))
    await rsvp(client, ids[2], club.h(m))
    mine = (await client.get("/api/users/me/events", headers=club.h(m))).json()
    assert [e["id"] for e in mine["items"]] == [ids[2], ids[0]]
    assert all(e["my_rsvp"] == "going" for e in mine["items"])
    assert (await client.get("/api/users/me/events")).status_code == 401


async def test_unknown_event_and_bad_body(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    (m,) = club.members
    r = await client.get("/api/events/999999", headers=club.h(m))
    assert r.status_code == 404 and r.json()["code"] == "event_not_found"
    eid = (await create_event(client, club))["id"]
    r = await client.put(f"/api/events/{eid}/rsvp", json={"response": "maybe"}, headers=club.h(m))
    assert r.status_code == 422
    r = await client.patch(f"/api/events/{eid}", json={"ends_at": at(1, 1).isoformat()}, headers=club.h(club.host))
    assert r.status_code == 422 and r.json()["code"] == "ends_before_start"
    r = await client.patch(f"/api/events/{eid}", json={"title": None}, headers=club.h(club.host))
    assert r.status_code == 422


async def test_upcoming_in_my_clubs_for_the_home_page(client: httpx.AsyncClient, session: AsyncSession) -> None:
    from withus.db import read_scope
    from withus.services import event_lists

    club = await club_with_members(session, 1)
    other = await club_with_members(session, 0)
    (m,) = club.members
    soon = (await create_event(client, club, starts=at(1, 19)))["id"]
    later = (await create_event(client, club, starts=at(6, 19)))["id"]
    off = (await create_event(client, club, starts=at(3, 19)))["id"]
    await client.delete(f"/api/events/{off}", headers=club.h(club.host))
    await create_event(client, other, starts=at(2, 19))  # not my club
    async with read_scope() as s:
        items = await event_lists.upcoming_in_my_clubs(s, user=m)
    assert [e.id for e in items] == [soon, later]
    assert all(e.club_name and e.can_manage is False for e in items)


@pytest.mark.parametrize("answered", [True, False], ids=["with-events", "empty"])
async def test_my_events_refuse_an_account_deleted_while_its_token_verifies(
    client: httpx.AsyncClient, session: AsyncSession, answered: bool
) -> None:
    """``/users/me/events`` reads the caller's account in the list's own statement (no separate
    load): an account deleted while its token still verifies gets 401, whether the list has rows or
    is empty (then the account is read on its own)."""
    club = await club_with_members(session, 1)
    (m,) = club.members
    eid = (await create_event(client, club))["id"]
    if answered:
        await rsvp(client, eid, club.h(m))
    ok = await client.get("/api/users/me/events", headers=club.h(m))
    assert ok.status_code == 200 and len(ok.json()["items"]) == int(answered)
    m.deleted_at = datetime.now(UTC)  # the row only: the login session stays alive (a race with deletion)
    session.add(m)
    await session.commit()
    r = await client.get("/api/users/me/events", headers=club.h(m))
    assert (r.status_code, r.json()["code"]) == (401, "token_revoked")
