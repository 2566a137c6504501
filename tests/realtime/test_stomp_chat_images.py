"""An image message reaches a stomp.py client like any new message, carrying ``attachment``."""

from __future__ import annotations

import io
import json

from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, StompPy


async def test_a_message_with_an_attachment_reaches_the_other_client(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_tokens, b_tokens = await login_pair(alice), await login_pair(bob)
    a_auth = {"Authorization": f"Bearer {a_tokens.access_token}"}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (250, 200, 20)).save(out, format="PNG")
    async with live_server.http() as http:
        room_id = (await http.post("/api/chat/rooms", json={"user_id": bob.id}, headers=a_auth)).json()["id"]
        b = StompPy(live_server)
        await b.connect(b_tokens.access_token)
        try:
            await b.subscribe(f"/topic/chat/rooms/{room_id}", "room")
            await b.subscribe("/user/queue/messages", "mine")
            files = {"file": ("sun.png", out.getvalue(), "image/png")}
            r = await http.post(f"/api/chat/rooms/{room_id}/attachments", files=files, headers=a_auth)
            assert r.status_code == 201, r.text
            sent = r.json()
            frames = {f.headers["subscription"]: f for f in [await b.message(), await b.message()]}
            assert set(frames) == {"room", "mine"}
            for frame in frames.values():
                assert "withus-event" not in frame.headers  # a new message, as before
                assert frame.headers["seq"] == str(sent["seq"])
                body = json.loads(frame.body)
                assert body == sent
                assert body["body"] == "" and (body["attachment"]["width"], body["attachment"]["height"]) == (640, 480)
                served = await http.get(body["attachment"]["thumbnail_url"])
                assert served.status_code == 200 and served.content[:4] == b"RIFF"
        finally:
            await b.disconnect()
