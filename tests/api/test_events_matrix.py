"""Who may do what with events: every event action × anonymous, non-member, member, moderator
and host, on a public and a private club, with the exact status and code of each cell."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.events_helpers import at, event_body
from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user

ROLES = ("anonymous", "outsider", "member", "moderator", "host")
OK, NM, IR = "200", "403 not_a_member", "403 insufficient_role"
PUBLIC: dict[str, tuple[str, ...]] = {
    #                 anonymous outsider member moderator host
    "list_events":  (OK,    OK, OK,    OK,    OK),
    "read_event":   (OK,    OK, OK,    OK,    OK),
    "calendar_ics": (OK,    OK, OK,    OK,    OK),
    "create_event": ("401", NM, IR,    "201", "201"),
    "edit_event":   ("401", NM, IR,    OK,    OK),
    "cancel_event": ("401", NM, IR,    "204", "204"),
    "rsvp":         ("401", NM, OK,    OK,    OK),
    "attendees":    ("401", NM, OK,    OK,    OK),
    "my_events":    ("401", OK, OK,    OK,    OK),
}  # fmt: skip
PRIVATE: dict[str, tuple[str, ...]] = {
    #                 anonymous outsider member moderator host
    "list_events":  ("401", NM, OK,    OK,    OK),
    "read_event":   ("401", NM, OK,    OK,    OK),
    "calendar_ics": ("401", NM, OK,    OK,    OK),
    "create_event": ("401", NM, IR,    "201", "201"),
    "edit_event":   ("401", NM, IR,    OK,    OK),
    "cancel_event": ("401", NM, IR,    "204", "204"),
    "rsvp":         ("401", NM, OK,    OK,    OK),
    "attendees":    ("401", NM, OK,    OK,    OK),
    "my_events":    ("401", OK, OK,    OK,    OK),
}  # fmt: skip
TABLES = {"public": PUBLIC, "private": PRIVATE}

Act = Callable[[httpx.AsyncClient, int, int, dict[str, str]], Awaitable[httpx.Response]]
ACTIONS: dict[str, Act] = {
    "list_events": lambda c, club, ev, h: c.get(f"/api/clubs/{club}/events", headers=h),
    "read_event": lambda c, club, ev, h: c.get(f"/api/events/{ev}", headers=h),
    "calendar_ics": lambda c, club, ev, h: c.get(f"/api/events/{ev}/calendar.ics", headers=h),
    "create_event": lambda c, club, ev, h: c.post(f"/api/clubs/{club}/events", json=event_body(at(4)), headers=h),
    "edit_event": lambda c, club, ev, h: c.patch(f"/api/events/{ev}", json={"title": "바뀐 제목"}, headers=h),
    "cancel_event": lambda c, club, ev, h: c.delete(f"/api/events/{ev}", headers=h),
    "rsvp": lambda c, club, ev, h: c.put(f"/api/events/{ev}/rsvp", json={"response": "going"}, headers=h),
    "attendees": lambda c, club, ev, h: c.get(f"/api/events/{ev}/attendees", headers=h),
    "my_events": lambda c, club, ev, h: c.get("/api/users/me/events", headers=h),
}


def _outcome(r: httpx.Response) -> str:
    if r.status_code == 403:
        return f"403 {r.json()['code']}"
    return str(r.status_code)


@pytest.mark.parametrize("visibility", ["public", "private"])
async def test_event_permission_matrix(client: httpx.AsyncClient, session: AsyncSession, visibility: str) -> None:
    host = await make_user(session)
    club_id = await make_club(session, host=host, visibility=visibility)
    people: dict[str, Any] = {"host": host}
    for role in ("member", "moderator"):
        people[role] = await make_user(session)
        await add_member(session, club_id=club_id, user=people[role], role=role)
    people["outsider"] = await make_user(session)
    headers = {role: (await auth_headers(u)) for role, u in people.items()}
    headers["anonymous"] = {}
    host_h = headers["host"]
    got: dict[str, tuple[str, ...]] = {}
    for action, act in ACTIONS.items():
        row = []
        for role in ROLES:
            # A fresh event per cell: a cancel or an answer must not change the next cell.
            r = await client.post(f"/api/clubs/{club_id}/events", json=event_body(at(3)), headers=host_h)
            assert r.status_code == 201, r.text
            response = await act(client, club_id, r.json()["id"], headers[role])
            if response.status_code >= 400:
                assert response.headers["content-type"].startswith("application/problem+json")
            row.append(_outcome(response))
        got[action] = tuple(row)
    assert got == TABLES[visibility]
