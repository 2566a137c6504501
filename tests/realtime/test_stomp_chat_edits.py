"""Edits and deletes reach another stomp.py client live: the same id and seq, with the
``withus-event`` header; the history over REST agrees."""

from __future__ import annotations

import json

from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, StompPy


async def test_an_edit_and_a_delete_reach_the_other_client_with_the_header_and_the_same_seq(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    a_auth = {"Authorization": f"Bearer {a_tokens.access_token}"}
    async with live_server.http() as http:
        r = await http.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a_auth)
        assert r.status_code == 201, r.text
        room_id = r.json()["id"]

    b = StompPy(live_server)
    await b.connect(b_tokens.access_token)
    try:
        await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
        await b.subscribe("/user/queue/messages", "mine")
        async with live_server.http() as http:
            r = await http.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "7시에 봐요"}, headers=a_auth)
            assert r.status_code == 201, r.text
            sent = r.json()
            new = [await b.message(), await b.message()]
            assert all("withus-event" not in f.headers for f in new)  # a new message, as before

            r = await http.patch(f"/api/chat/messages/{sent['id']}", json={"body": "8시에 봐요"}, headers=a_auth)
            assert r.status_code == 200, r.text
            edits = {f.headers["subscription"]: f for f in [await b.message(), await b.message()]}
            assert set(edits) == {"room", "mine"}
            for frame in edits.values():
                assert frame.headers["withus-event"] == "message_updated"
                assert frame.headers["seq"] == str(sent["seq"])
                body = json.loads(frame.body)
                assert (body["id"], body["seq"], body["body"]) == (sent["id"], sent["seq"], "8시에 봐요")
                assert body["edited_at"] is not None

            r = await http.delete(f"/api/chat/messages/{sent['id']}", headers=a_auth)
            assert r.status_code == 204, r.text
            deletes = {f.headers["subscription"]: f for f in [await b.message(), await b.message()]}
            assert set(deletes) == {"room", "mine"}
            for frame in deletes.values():
                assert frame.headers["withus-event"] == "message_deleted"
                body = json.loads(frame.body)
                assert (body["id"], body["seq"], body["body"], body["deleted"]) == (sent["id"], sent["seq"], "", True)

            r = await http.get(f"/api/chat/rooms/{room_id}/messages", headers=a_auth)
            history = r.json()["items"]
            assert [(m["id"], m["seq"], m["deleted"]) for m in history] == [(sent["id"], sent["seq"], True)]
        assert b.pending_messages() == []
    finally:
        await b.disconnect()


async def test_a_message_hidden_by_an_administrator_comes_again_as_updated_and_hidden(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    admin = await make_user(session, is_admin=True)
    a_tokens, b_tokens, admin_tokens = await login_pair(alice), await login_pair(bob), await login_pair(admin)
    a_auth = {"Authorization": f"Bearer {a_tokens.access_token}"}
    b_auth = {"Authorization": f"Bearer {b_tokens.access_token}"}
    admin_auth = {"Authorization": f"Bearer {admin_tokens.access_token}"}
    async with live_server.http() as http:
        room_id = (await http.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a_auth)).json()["id"]
        b = StompPy(live_server)
        await b.connect(b_tokens.access_token)
        try:
            await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
            sent = (
                await http.post(f"/api/chat/rooms/{room_id}/messages", json={"body": "스팸"}, headers=a_auth)
            ).json()
            assert "withus-event" not in (await b.message()).headers
            report = {"target_type": "message", "target_id": sent["id"], "reason": "광고"}
            r = await http.post("/api/reports", json=report, headers=b_auth)
            assert r.status_code == 201, r.text
            r = await http.post(f"/api/reports/{r.json()['id']}/hide", headers=admin_auth)
            assert r.status_code == 200, r.text
            frame = await b.message()
            assert frame.headers["withus-event"] == "message_updated"
            body = json.loads(frame.body)
            assert (body["id"], body["seq"], body["body"], body["hidden"]) == (sent["id"], sent["seq"], "", True)
        finally:
            await b.disconnect()
