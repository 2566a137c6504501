"""The promotion path end to end against a real server: a going member steps back, the first
on the waitlist is told at once over SSE and STOMP (``event_promoted`` linking to the event
page) and gets a mail that a real SMTP server receives."""

from __future__ import annotations

import asyncio
import json

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, smtp
from tests.api.events_helpers import club_with_members, event_body
from tests.factories import login_pair
from tests.realtime.conftest import TIMEOUT, LiveServer, RawStomp
from tests.realtime.test_sse import open_stream
from withus.services import event_mail

__all__ = ["smtp"]  # the fixture, imported for pytest


async def test_promotion_reaches_sse_stomp_and_mail(
    live_server: LiveServer, session: AsyncSession, smtp: Inbox
) -> None:
    club = await club_with_members(session, 2)
    first, second = club.members
    async with live_server.http() as http:
        r = await http.post(f"/api/clubs/{club.id}/events", json=event_body(capacity=1), headers=club.h(club.host))
        assert r.status_code == 201, r.text
        eid = r.json()["id"]
        assert (await http.put(f"/api/events/{eid}/rsvp", json={"response": "going"}, headers=club.h(first))).json()[
            "status"
        ] == "going"
        r = await http.put(f"/api/events/{eid}/rsvp", json={"response": "going"}, headers=club.h(second))
        assert r.json() == {"status": "waitlisted", "waitlist_position": 1}

        pair = await login_pair(second)
        peer = await RawStomp.open(live_server)
        assert (await peer.connect(pair.access_token)).command == "CONNECTED"
        await peer.send("SUBSCRIBE", {"id": "n", "destination": "/user/queue/notifications", "receipt": "ready"})
        assert (await peer.recv()).get("receipt-id") == "ready"
        async with open_stream(live_server, headers=club.h(second)) as sse:
            r = await http.put(f"/api/events/{eid}/rsvp", json={"response": "not_going"}, headers=club.h(first))
            assert r.status_code == 200
            block = await sse.block()
            frame = await peer.recv()
        await peer.close()

        data = next(line for line in block.split(b"\n") if line.startswith(b"data: "))
        over_sse = json.loads(data[len(b"data: ") :])
        over_stomp = json.loads(frame.body)
        assert over_sse == over_stomp
        assert over_sse["type"] == "event_promoted" and over_sse["link"] == f"/events/{eid}"
        got = (await http.get(f"/api/events/{eid}", headers=club.h(second))).json()
        assert got["my_rsvp"] == "going" and got["waitlist_position"] is None

    await event_mail.drain()
    for _ in range(int(TIMEOUT * 10)):
        if smtp.to(second.email):
            break
        await asyncio.sleep(0.1)
    (mail,) = smtp.to(second.email)
    assert "참석이 확정" in mail["Subject"]
    assert f"/events/{eid}" in await smtp.last_text(second.email)
