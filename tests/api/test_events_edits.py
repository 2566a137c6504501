"""Edits of events as the edit form sends them: problems for a start moved into the past and a
deadline after the start; capacity and deadline edits of ``following`` occurrences, all or
nothing (one later occurrence with more going than the new capacity refuses the whole edit);
clearing the capacity moves the whole waitlist up; clearing the deadline reopens answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import at, club_with_members, create_event, rsvp


async def test_a_start_in_the_past_and_a_deadline_after_the_start(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    club = await club_with_members(session, 0)
    eid = (await create_event(client, club))["id"]
    h = club.h(club.host)
    r = await client.patch(
        f"/api/events/{eid}", json={"starts_at": at(-1).isoformat(), "ends_at": at(-1, 21).isoformat()}, headers=h
    )
    assert (r.status_code, r.json()["code"]) == (422, "starts_in_past")
    assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.patch(f"/api/events/{eid}", json={"rsvp_deadline": at(2, 20).isoformat()}, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "deadline_after_start")
    assert [e["field"] for e in r.json()["errors"]] == ["rsvp_deadline"]
    got = (await client.get(f"/api/events/{eid}")).json()
    assert got["rsvp_deadline"] is None and datetime.fromisoformat(got["starts_at"]) == at(2)


async def test_following_capacity_and_deadline_all_or_nothing(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 3)
    a, b, c = club.members
    h = club.h(club.host)
    first = await create_event(client, club, starts=at(2, 19), capacity=5, repeat={"freq": "weekly", "count": 3})
    ids = [e["id"] for e in (await client.get(f"/api/clubs/{club.id}/events", headers=h)).json()["items"]]
    assert ids[0] == first["id"] and len(ids) == 3
    for m in (a, b, c):  # three going to the last one only
        await rsvp(client, ids[2], club.h(m))
    # Capacity 2 for the second and later: the third has three going -> refused, nothing changed.
    r = await client.patch(f"/api/events/{ids[1]}?scope=following", json={"capacity": 2}, headers=h)
    assert (r.status_code, r.json()["code"]) == (409, "capacity_below_going")
    caps = [e["capacity"] for e in (await client.get(f"/api/clubs/{club.id}/events", headers=h)).json()["items"]]
    assert caps == [5, 5, 5]
    # Capacity 3 and a deadline three hours before for the second and later: both take it.
    deadline = at(9, 16)  # the second starts at(9, 19)
    r = await client.patch(
        f"/api/events/{ids[1]}?scope=following",
        json={"capacity": 3, "rsvp_deadline": deadline.isoformat()},
        headers=h,
    )
    assert r.status_code == 200, r.text
    items = (await client.get(f"/api/clubs/{club.id}/events", headers=h)).json()["items"]
    assert [e["capacity"] for e in items] == [5, 3, 3]
    leads = [datetime.fromisoformat(e["starts_at"]) - datetime.fromisoformat(e["rsvp_deadline"]) for e in items[1:]]
    assert leads == [timedelta(hours=3)] * 2 and items[0]["rsvp_deadline"] is None


async def test_clearing_capacity_and_deadline(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 3)
    h = club.h(club.host)
    eid = (await create_event(client, club, capacity=1))["id"]
    for m in club.members:
        await rsvp(client, eid, club.h(m))
    assert (await client.get(f"/api/events/{eid}", headers=h)).json()["waitlist_count"] == 2
    r = await client.patch(f"/api/events/{eid}", json={"capacity": None}, headers=h)
    assert r.status_code == 200 and (r.json()["going_count"], r.json()["waitlist_count"]) == (3, 0)
    # A deadline already passed closes answers; clearing it opens them again.
    passed = (datetime.now(at().tzinfo) - timedelta(minutes=5)).isoformat()
    assert (await client.patch(f"/api/events/{eid}", json={"rsvp_deadline": passed}, headers=h)).status_code == 200
    assert (await client.get(f"/api/events/{eid}", headers=h)).json()["rsvp_open"] is False
    r = await client.patch(f"/api/events/{eid}", json={"rsvp_deadline": None}, headers=h)
    assert r.status_code == 200 and r.json()["rsvp_open"] is True and r.json()["rsvp_deadline"] is None
