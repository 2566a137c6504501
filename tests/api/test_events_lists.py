"""The event lists read as plain rows (withus.services.event_lists): past events newest first with
their cursor, a from/to window, my events' pages, and the right to read checked on a page with
rows and on an empty one (a private club; a deleted account)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import at, club_with_members, create_event, rsvp
from tests.factories import auth_headers, make_user
from withus.models.base import utcnow
from withus.models.event import Event


async def _past_event(session: AsyncSession, club_id: int, days_ago: int) -> int:
    starts = datetime.now(UTC) - timedelta(days=days_ago)
    event = Event(club_id=club_id, title=f"지난 모임 {days_ago}", starts_at=starts, ends_at=starts + timedelta(hours=2))
    session.add(event)
    await session.commit()
    assert event.id is not None
    return event.id


async def test_past_events_newest_first_with_a_cursor(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    m = club.members[0]
    older, old, recent = [await _past_event(session, club.id, d) for d in (30, 20, 10)]
    upcoming = (await create_event(client, club))["id"]
    url = f"/api/clubs/{club.id}/events"
    first = (await client.get(f"{url}?past=true&limit=2", headers=club.h(m))).json()
    assert [e["id"] for e in first["items"]] == [recent, old] and first["next_cursor"]
    rest = (await client.get(f"{url}?past=true&limit=2&cursor={first['next_cursor']}", headers=club.h(m))).json()
    assert [e["id"] for e in rest["items"]] == [older] and rest["next_cursor"] is None
    assert all(e["rsvp_open"] is False for e in first["items"] + rest["items"])
    assert [e["id"] for e in (await client.get(url, headers=club.h(m))).json()["items"]] == [upcoming]


async def test_a_from_to_window(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 0)
    ids = [(await create_event(client, club, starts=at(d, 19)))["id"] for d in (2, 5, 9)]
    window = {"from": at(4, 0).isoformat(), "to": at(8, 0).isoformat()}
    r = await client.get(f"/api/clubs/{club.id}/events", params=window)
    assert r.status_code == 200 and [e["id"] for e in r.json()["items"]] == [ids[1]]
    item = r.json()["items"][0]
    assert item["my_rsvp"] is None and item["can_manage"] is False and item["created_by"]["id"] == club.host.id
    assert item["starts_at"].endswith("+09:00")


async def test_my_events_in_pages_with_my_answer(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 2)
    m, other = club.members
    ids = [(await create_event(client, club, starts=at(d, 19), capacity=1))["id"] for d in (2, 3, 4)]
    await rsvp(client, ids[2], club.h(other))
    for eid in ids:
        assert (await rsvp(client, eid, club.h(m))).status_code == 200
    first = (await client.get("/api/users/me/events?limit=2", headers=club.h(m))).json()
    assert [e["id"] for e in first["items"]] == ids[:2] and first["next_cursor"]
    assert [e["my_rsvp"] for e in first["items"]] == ["going", "going"]
    rest = (await client.get(f"/api/users/me/events?limit=2&cursor={first['next_cursor']}", headers=club.h(m))).json()
    assert [(e["id"], e["my_rsvp"], e["waitlist_position"]) for e in rest["items"]] == [(ids[2], "waitlisted", 1)]


async def test_the_right_to_read_on_a_page_with_rows_and_an_empty_one(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    full = await club_with_members(session, 0, visibility="private")
    await create_event(client, full)
    empty = await club_with_members(session, 0, visibility="private")
    outsider = await make_user(session)
    h = await auth_headers(outsider)
    for club in (full, empty):
        r = await client.get(f"/api/clubs/{club.id}/events", headers=h)
        assert (r.status_code, r.json()["code"]) == (403, "not_a_member")
        r = await client.get(f"/api/clubs/{club.id}/events")
        assert r.status_code == 401
    assert (await client.get("/api/clubs/999999/events")).json()["code"] == "club_not_found"
    # A deleted account's token reads nothing, whether the page has rows or not.
    outsider.deleted_at = utcnow()
    session.add(outsider)
    await session.commit()
    public = await club_with_members(session, 0)
    await create_event(client, public)
    for club_id in (public.id, empty.id):
        r = await client.get(f"/api/clubs/{club_id}/events", headers=h)
        assert r.status_code == 401 and r.json()["code"] in {"token_revoked", "session_revoked"}, r.text
