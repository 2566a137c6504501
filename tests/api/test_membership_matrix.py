"""Who may do what to a club: every club and membership action × every role, on a
public and on a private club, with the exact status (and code) of each cell.

Roles: anonymous, non_member, member, moderator, host, banned (a banned user is
not a member). Targets are other people: ``member2`` (a plain member),
``moderator2``, the ``host``, ``requester`` (a pending join request), ``invitee``
(no relation) and ``banned``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.club_factories import add_member, ban, make_club
from tests.factories import auth_headers, make_user
from withus.models.club import JoinRequest
from withus.models.user import User

ROLES = ("anonymous", "non_member", "member", "moderator", "host", "banned")
NA = "403 not_a_member"
IR = "403 insufficient_role"
STAFF_ONLY = ["401", NA, IR, "200", "200", NA]
HOST_ONLY = ["401", NA, IR, IR, "200", NA]

# action: (method, path, json body, expectations on a public club, on a private club (None = same))
ACTIONS: dict[str, tuple[str, str, dict[str, object] | None, list[str], list[str] | None]] = {
    "view": ("GET", "/api/clubs/{club}", None, ["200"] * 6, None),
    "members": ("GET", "/api/clubs/{club}/members", None, ["200"] * 6, ["401", NA, "200", "200", "200", NA]),
    "edit": ("PATCH", "/api/clubs/{club}", {"description": "바뀐 소개"}, STAFF_ONLY, None),
    "close": ("DELETE", "/api/clubs/{club}", None, ["401", NA, IR, IR, "204", NA], None),
    "cover": ("PUT", "/api/clubs/{club}/image", None, STAFF_ONLY, None),
    "join": (
        "POST",
        "/api/clubs/{club}/join",
        None,
        ["401", "200", "409 already_member", "409 already_member", "409 already_member", "403 banned"],
        None,
    ),
    "leave": ("POST", "/api/clubs/{club}/leave", None, ["401", NA, "204", "204", "409 host_must_transfer", NA], None),
    "withdraw_request": (
        "DELETE",
        "/api/clubs/{club}/join-requests/me",
        None,
        ["401"] + ["404 request_not_found"] * 5,
        None,
    ),
    "set_role": ("PATCH", "/api/clubs/{club}/members/{member2}", {"role": "moderator"}, HOST_ONLY, None),
    "remove_member": ("DELETE", "/api/clubs/{club}/members/{member2}", None, ["401", NA, IR, "204", "204", NA], None),
    "ban_member": (
        "DELETE",
        "/api/clubs/{club}/members/{member2}?ban=true",
        None,
        ["401", NA, IR, "204", "204", NA],
        None,
    ),
    "remove_moderator": (
        "DELETE",
        "/api/clubs/{club}/members/{moderator2}",
        None,
        ["401", NA, IR, IR, "204", NA],
        None,
    ),
    "remove_host": (
        "DELETE",
        "/api/clubs/{club}/members/{host}",
        None,
        ["401", NA, IR, IR, "409 cannot_remove_self", NA],
        None,
    ),
    "transfer": ("POST", "/api/clubs/{club}/transfer", {"user_id": "{member2}"}, HOST_ONLY, None),
    "list_requests": ("GET", "/api/clubs/{club}/join-requests", None, STAFF_ONLY, None),
    "approve": ("POST", "/api/clubs/{club}/join-requests/{requester}/approve", None, STAFF_ONLY, None),
    "decline": (
        "POST",
        "/api/clubs/{club}/join-requests/{requester}/decline",
        None,
        ["401", NA, IR, "204", "204", NA],
        None,
    ),
    "invite": (
        "POST",
        "/api/clubs/{club}/invitations",
        {"user_id": "{invitee}"},
        ["401", NA, IR, "201", "201", NA],
        None,
    ),
    "list_invitations": ("GET", "/api/clubs/{club}/invitations", None, STAFF_ONLY, None),
    "list_bans": ("GET", "/api/clubs/{club}/bans", None, STAFF_ONLY, None),
    "unban": ("DELETE", "/api/clubs/{club}/bans/{banned}", None, ["401", NA, IR, "204", "204", NA], None),
}

CASES = [
    pytest.param(action, visibility, role, (private if visibility == "private" and private else public)[i],
                 id=f"{action}-{visibility}-{role}")
    for action, (_m, _p, _b, public, private) in ACTIONS.items()
    for visibility in ("public", "private")
    for i, role in enumerate(ROLES)
]  # fmt: skip


@dataclass
class World:
    club_id: int
    people: dict[str, User]


async def _world(session: AsyncSession, visibility: str) -> World:
    people = {
        name: await make_user(session)
        for name in (
            "host",
            "moderator",
            "moderator2",
            "member",
            "member2",
            "non_member",
            "banned",
            "requester",
            "invitee",
        )
    }
    club_id = await make_club(session, host=people["host"], visibility=visibility, join_policy="open")
    for name, role in (
        ("moderator", "moderator"),
        ("moderator2", "moderator"),
        ("member", "member"),
        ("member2", "member"),
    ):
        await add_member(session, club_id=club_id, user=people[name], role=role)
    await ban(session, club_id=club_id, user=people["banned"])
    assert people["requester"].id is not None
    session.add(JoinRequest(club_id=club_id, user_id=people["requester"].id, message="끼워 주세요"))
    await session.commit()
    return World(club_id, people)


def _fill(template: str, world: World) -> str:
    values = {"club": world.club_id, **{name: u.id for name, u in world.people.items()}}
    return template.format(**values)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 120, 0)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("action", "visibility", "role", "expected"), CASES)
async def test_permission_matrix(
    client: httpx.AsyncClient, session: AsyncSession, action: str, visibility: str, role: str, expected: str
) -> None:
    world = await _world(session, visibility)
    method, path, body, _public, _private = ACTIONS[action]
    headers = {} if role == "anonymous" else await auth_headers(world.people[role])
    kwargs: dict[str, object] = {"headers": headers}
    if body is not None:
        kwargs["json"] = {
            k: int(_fill(v, world)) if isinstance(v, str) and v.startswith("{") else v for k, v in body.items()
        }
    if action == "cover":
        kwargs["files"] = {"file": ("c.png", _png(), "image/png")}
    r = await client.request(method, _fill(path, world), **kwargs)  # type: ignore[arg-type]
    status, _, code = expected.partition(" ")
    assert r.status_code == int(status), r.text
    if code:
        assert r.json()["code"] == code
