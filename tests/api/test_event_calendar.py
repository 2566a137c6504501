"""Calendar files round trip: what withUs writes is read back by two third-party parsers
(``icalendar`` and ``ics``); UID stable, SEQUENCE growing, STATUS:CANCELLED, times with their
zone, URL of the event page; the private feed and its revocation."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import ics
from icalendar import Calendar
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import at, club_with_members, create_event, rsvp


def _vevents(text: str) -> list[object]:
    return list(Calendar.from_ical(text).walk("VEVENT"))


async def test_event_ics_round_trip(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 1)
    starts = at(3, 19)
    eid = (await create_event(client, club, starts=starts, title="보드게임 모임"))["id"]
    r = await client.get(f"/api/events/{eid}/calendar.ics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    (ve,) = _vevents(r.text)
    uid = str(ve["UID"])  # type: ignore[index]
    assert uid.startswith(f"event-{eid}@")
    assert int(ve["SEQUENCE"]) == 0 and str(ve["STATUS"]) == "CONFIRMED"  # type: ignore[index]
    start = ve["DTSTART"].dt  # type: ignore[index]
    assert start == starts and str(start.tzinfo) == "Asia/Seoul"
    assert ve["DTSTART"].params["TZID"] == "Asia/Seoul"  # type: ignore[index]
    assert ve["DTEND"].dt - start == timedelta(hours=2)  # type: ignore[index]
    assert str(ve["URL"]).endswith(f"/events/{eid}") and "보드게임 모임" in str(ve["SUMMARY"])  # type: ignore[index]
    assert "BEGIN:VTIMEZONE" in r.text and "TZID:Asia/Seoul" in r.text
    # The other parser reads the same.
    (other,) = ics.Calendar(r.text).events
    assert other.uid == uid and other.begin == starts and other.url.endswith(f"/events/{eid}")
    assert other.location == "잠실 풋살장"

    # A change raises SEQUENCE, keeps UID; a cancellation says CANCELLED.
    await client.patch(f"/api/events/{eid}", json={"location": "강남"}, headers=club.h(club.host))
    (ve,) = _vevents((await client.get(f"/api/events/{eid}/calendar.ics")).text)
    assert str(ve["UID"]) == uid and int(ve["SEQUENCE"]) == 1 and str(ve["LOCATION"]) == "강남"  # type: ignore[index]
    assert (await client.delete(f"/api/events/{eid}", headers=club.h(club.host))).status_code == 204
    text = (await client.get(f"/api/events/{eid}/calendar.ics")).text
    (ve,) = _vevents(text)
    assert str(ve["UID"]) == uid and int(ve["SEQUENCE"]) == 2 and str(ve["STATUS"]) == "CANCELLED"  # type: ignore[index]
    (other,) = ics.Calendar(text).events
    assert other.status == "CANCELLED"


async def test_private_feed_and_revocation(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 2, visibility="private")
    m, other = club.members
    going = [(await create_event(client, club, starts=at(d, 19), title=f"모임 {d}"))["id"] for d in (2, 4)]
    not_mine = (await create_event(client, club, starts=at(3, 19)))["id"]
    waiting = (await create_event(client, club, starts=at(5, 19), capacity=1))["id"]
    for eid in going:
        await rsvp(client, eid, club.h(m))
    await rsvp(client, not_mine, club.h(other))
    await rsvp(client, waiting, club.h(other))
    await rsvp(client, waiting, club.h(m))  # waitlisted: not in the feed
    r = await client.post("/api/users/me/calendar-feed", headers=club.h(m))
    assert r.status_code == 200
    url = r.json()["url"]
    path = "/" + url.split("/", 3)[3]
    assert path.startswith("/api/calendar/") and path.endswith(".ics")
    feed = await client.get(path)  # no login: the address is the key
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    uids = sorted(str(ve["UID"]) for ve in _vevents(feed.text))  # type: ignore[index]
    assert uids == sorted(f"event-{eid}@" + uids[0].split("@")[1] for eid in going)
    assert len(ics.Calendar(feed.text).events) == 2
    # A cancelled event stays in the feed, cancelled.
    await client.delete(f"/api/events/{going[0]}", headers=club.h(club.host))
    statuses = {str(ve["UID"]).split("@")[0]: str(ve["STATUS"]) for ve in _vevents((await client.get(path)).text)}  # type: ignore[index]
    assert statuses == {f"event-{going[0]}": "CANCELLED", f"event-{going[1]}": "CONFIRMED"}
    # A new address revokes the old one.
    new_url = (await client.post("/api/users/me/calendar-feed", headers=club.h(m))).json()["url"]
    assert new_url != url
    gone = await client.get(path)
    assert gone.status_code == 404 and gone.json()["code"] == "feed_not_found"
    assert (await client.get("/" + new_url.split("/", 3)[3])).status_code == 200
    assert (await client.get("/api/calendar/nonsense.ics")).status_code == 404
    assert (await client.post("/api/users/me/calendar-feed")).status_code == 401


async def test_times_parse_back_as_instants(client: httpx.AsyncClient, session: AsyncSession) -> None:
    club = await club_with_members(session, 0)
    starts = at(6, 9)
    eid = (await create_event(client, club, starts=starts))["id"]
    (ve,) = _vevents((await client.get(f"/api/events/{eid}/calendar.ics")).text)
    start: datetime = ve["DTSTART"].dt  # type: ignore[index]
    assert start.utcoffset() == timedelta(hours=9)
    assert start.timestamp() == starts.timestamp()
