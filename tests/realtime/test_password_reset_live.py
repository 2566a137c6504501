"""A password reset ends every session of the user on the wire: their open SSE stream and STOMP
connection close at once (a real server, both stacks), and the mail says the password changed."""

from __future__ import annotations

import re

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import Inbox, smtp
from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, RawStomp
from tests.realtime.test_sse import open_stream

__all__ = ["smtp"]


async def test_a_password_reset_closes_the_users_open_sse_and_stomp_connections(
    live_server: LiveServer, session: AsyncSession, smtp: Inbox
) -> None:
    user = await make_user(session, email="reset-live@example.com")
    bystander = await make_user(session)
    pair, other = await login_pair(user), await login_pair(bystander)
    stomp = await RawStomp.open(live_server)
    assert (await stomp.connect(pair.access_token)).command == "CONNECTED"
    theirs = await RawStomp.open(live_server)
    assert (await theirs.connect(other.access_token)).command == "CONNECTED"
    async with open_stream(live_server, headers={"Authorization": f"Bearer {pair.access_token}"}) as stream:
        async with live_server.http() as http:
            r = await http.post("/api/auth/password-resets", json={"email": "reset-live@example.com"})
            assert r.status_code == 202, r.text
            found = re.search(r"reset-password\?token=([A-Za-z0-9_\-]+)", await smtp.last_text(user.email))
            assert found
            r = await http.post(
                "/api/auth/password-resets/confirm", json={"token": found.group(1), "new_password": "fresh-horse-91"}
            )
            assert r.status_code == 204, r.text
        assert await stream.ended()
    frames = await stomp.recv_until_closed()
    errors = [f for f in frames if f.command == "ERROR"]
    assert errors and errors[-1].get("message") == "token_revoked"
    # Someone else's connection stays open.
    await theirs.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "still"})
    assert (await theirs.recv()).get("receipt-id") == "still"
    await theirs.close()
    await smtp.settle()
    assert len(smtp.to(user.email)) == 2  # the link, then "your password was changed"
