"""Mail for what matters when away, through the API a host uses: an invitation, a join request
approved or declined, a role change and a removal each mail the member once (HTML and text,
Korean, the site's name, a link to the club, the RFC 8058 headers); the actor gets none."""

from __future__ import annotations

from email.message import EmailMessage

import httpx
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, smtp
from tests.club_factories import add_member, make_club
from tests.factories import auth_headers, make_user

__all__ = ["smtp"]


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


async def _one_mail(inbox: Inbox, address: str, club_id: int) -> EmailMessage:
    await inbox.settle()
    mails = inbox.to(address)
    assert len(mails) == 1, [str(m["Subject"]) for m in mails]
    mail = mails[0]
    assert f"/clubs/{club_id}" in _text(mail) and "withUs" in _text(mail)
    assert mail.get_body(preferencelist=("html",)) is not None
    assert str(mail["Subject"]).startswith("[withUs]")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" and mail["List-Unsubscribe"]
    return mail


async def test_invitation_approval_refusal_role_change_and_removal_each_mail_the_member_once(
    client: httpx.AsyncClient, session: AsyncSession, smtp: Inbox
) -> None:
    host = await make_user(session, email="host@example.com")
    invited, approved, declined, promoted, removed = [
        await make_user(session, email=f"{name}@example.com")
        for name in ("invited", "approved", "declined", "promoted", "removed")
    ]
    club_id = await make_club(session, host=host, join_policy="approval")
    await add_member(session, club_id=club_id, user=promoted)
    await add_member(session, club_id=club_id, user=removed)
    h = await auth_headers(host)

    r = await client.post(f"/api/clubs/{club_id}/invitations", json={"user_id": invited.id}, headers=h)
    assert r.status_code == 201, r.text
    for member in (approved, declined):
        r = await client.post(
            f"/api/clubs/{club_id}/join", json={"message": "안녕하세요"}, headers=await auth_headers(member)
        )
        assert r.status_code in (200, 201, 202), r.text
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{approved.id}/approve", headers=h)
    assert r.status_code in (200, 204), r.text
    r = await client.post(f"/api/clubs/{club_id}/join-requests/{declined.id}/decline", headers=h)
    assert r.status_code in (200, 204), r.text
    r = await client.patch(f"/api/clubs/{club_id}/members/{promoted.id}", json={"role": "moderator"}, headers=h)
    assert r.status_code == 200, r.text
    r = await client.delete(f"/api/clubs/{club_id}/members/{removed.id}", headers=h)
    assert r.status_code == 204, r.text

    for user in (invited, approved, declined, promoted, removed):
        await _one_mail(smtp, user.email, club_id)
    # The join requests notify the host in the site only (not mailed by default), and nothing else does.
    assert smtp.to("host@example.com") == []
