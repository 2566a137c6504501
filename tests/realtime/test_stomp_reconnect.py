"""Nothing is lost: a client that reconnects fills its gap over REST with after_seq, and a server
whose bus lost Redis for a moment fills its subscribers' gap from the database — each message once."""

from __future__ import annotations

import json
import queue
from typing import Any

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import login_pair, make_user
from tests.realtime.conftest import LiveServer, RawStomp, StompPy
from withus.db import session_scope
from withus.kv import get_kv
from withus.models.user import User
from withus.realtime.bus import GAP, get_hub
from withus.services import chat_sending


async def _rest(server: LiveServer, token: str, method: str, url: str, **kwargs: Any) -> Any:
    async with server.http() as http:
        r = await http.request(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
    assert r.status_code < 300, r.text
    return r.json() if r.content else None


async def test_reconnecting_client_gets_every_missed_message_once(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_token = (await login_pair(alice)).access_token
    room_id = (await _rest(live_server, a_token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    topic, app = f"/topic/chat/rooms/{room_id}", f"/app/chat/rooms/{room_id}"

    alice_stomp = StompPy(live_server)
    await alice_stomp.connect(a_token)
    bob_stomp = StompPy(live_server)
    await bob_stomp.connect((await login_pair(bob)).access_token)
    await bob_stomp.subscribe(topic, "room")
    for i in (1, 2):
        await alice_stomp.send_json(app, {"body": f"live {i}", "client_msg_id": f"c{i}"}, receipt=f"r{i}")
        assert await alice_stomp.receipt() == f"r{i}"
    seen = [json.loads((await bob_stomp.message()).body)["seq"] for _ in range(2)]
    assert seen == [1, 2]
    last_seq = seen[-1]
    await bob_stomp.disconnect()  # bob's phone goes into a tunnel

    for i in (3, 4, 5):
        await alice_stomp.send_json(app, {"body": f"missed {i}", "client_msg_id": f"c{i}"}, receipt=f"r{i}")
        assert await alice_stomp.receipt() == f"r{i}"
    # A resend by alice's client after a timeout of its own changes nothing.
    await alice_stomp.send_json(app, {"body": "missed 4", "client_msg_id": "c4"}, receipt="again")
    assert await alice_stomp.receipt() == "again"

    # Bob is back: a new connection, then the gap from REST, then live again.
    bob_back = StompPy(live_server)
    b_token = (await login_pair(bob)).access_token
    await bob_back.connect(b_token)
    await bob_back.subscribe(topic, "room")
    missed = await _rest(
        live_server, b_token, "GET", f"/api/chat/rooms/{room_id}/messages", params={"after_seq": last_seq}
    )
    assert [(m["seq"], m["body"]) for m in missed["items"]] == [(3, "missed 3"), (4, "missed 4"), (5, "missed 5")]
    assert missed["next_cursor"] is None

    await alice_stomp.send_json(app, {"body": "live 6"}, receipt="r6")
    assert await alice_stomp.receipt() == "r6"
    frame = await bob_back.message()
    assert json.loads(frame.body)["seq"] == 6  # the live feed starts after the gap: no repeats of 3-5
    with pytest.raises(queue.Empty):
        await bob_back.message(timeout=0.3)
    await alice_stomp.disconnect()
    await bob_back.disconnect()


async def _kill_hub_subscription() -> None:
    kv = get_kv()
    if kv.shared:
        index = kv.client.connection_pool.connection_kwargs.get("db", 0)  # type: ignore[attr-defined]
        for c in await kv.client.client_list(_type="pubsub"):  # type: ignore[attr-defined]
            if int(c.get("db", -1)) == index and int(c.get("sub", 0)) > 0:
                await kv.client.client_kill_filter(_id=c["id"])  # type: ignore[attr-defined]
    else:
        for sub in list(kv._subs):  # type: ignore[attr-defined]
            await sub.close()


async def _send(user: User, room_id: int, body: str) -> None:
    async with session_scope() as s:
        await chat_sending.do_send_message(s, user=user, room_id=room_id, body=body)


async def test_room_subscribers_catch_up_after_the_bus_loses_redis(
    live_server: LiveServer, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    a_token = (await login_pair(alice)).access_token
    room_id = (await _rest(live_server, a_token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    peer = await RawStomp.open(live_server)
    assert (await peer.connect((await login_pair(bob)).access_token)).command == "CONNECTED"
    await peer.send("SUBSCRIBE", {"id": "r", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "ready"})
    assert (await peer.recv()).get("receipt-id") == "ready"
    await _send(alice, room_id, "before")
    assert json.loads((await peer.recv()).body)["seq"] == 1

    gap_seen = await get_hub().listen("chat:room:0")  # to know when the hub is back
    await _kill_hub_subscription()
    await _send(alice, room_id, "during")  # published while the hub is cut off (or just after)
    assert (await gap_seen.get())[0] == GAP
    gap_seen.close()
    await _send(alice, room_id, "after")

    got = [json.loads((await peer.recv()).body) for _ in range(2)]
    assert [(m["seq"], m["body"]) for m in got] == [(2, "during"), (3, "after")]
    await peer.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "flush"})
    assert (await peer.recv()).get("receipt-id") == "flush"  # and no duplicate came in between
    await peer.close()


class _HeldBack:
    """The store's publishes of the messages stored meanwhile, kept instead of sent (as if another
    batch or instance had not published yet), to be sent later in any order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.real = get_kv()

    async def store(self, user: User, room_id: int, *bodies: str) -> None:
        kept = self

        class _Kv:
            async def publish_many(self, messages: list[tuple[str, str]]) -> None:
                kept.events.extend(messages)

            def __getattr__(self, name: str) -> Any:  # everything else as the store does it
                return getattr(kept.real, name)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(chat_sending, "get_kv", lambda: _Kv())
            for body in bodies:
                await _send(user, room_id, body)

    def of_seq(self, seq: int) -> list[tuple[str, str]]:
        return [(c, d) for c, d in self.events if json.loads(d)["message"]["seq"] == seq]


async def _room_subscriber(live_server: LiveServer, user: User, room_id: int) -> RawStomp:
    peer = await RawStomp.open(live_server)
    assert (await peer.connect((await login_pair(user)).access_token)).command == "CONNECTED"
    await peer.send("SUBSCRIBE", {"id": "r", "destination": f"/topic/chat/rooms/{room_id}", "receipt": "ready"})
    assert (await peer.recv()).get("receipt-id") == "ready"
    return peer


async def test_a_room_message_published_ahead_of_its_predecessor_waits_for_it(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    """Two batches (or two instances) commit seq 1 then 2, but 2 reaches the bus first: the
    subscriber still gets 1, 2 — the later one waits for the earlier one."""
    stomp_config.hold_seconds = 30.0  # long: only the arrival of seq 1 can release seq 2
    alice, bob = await make_user(session), await make_user(session)
    a_token = (await login_pair(alice)).access_token
    room_id = (await _rest(live_server, a_token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    peer = await _room_subscriber(live_server, bob, room_id)
    held = _HeldBack()
    await held.store(alice, room_id, "하나", "둘")
    await held.real.publish_many(held.of_seq(2))
    with pytest.raises(TimeoutError):
        await peer.recv(timeout=0.3)  # seq 2 is held back
    await held.real.publish_many(held.of_seq(1))
    got = [json.loads((await peer.recv()).body) for _ in range(2)]
    assert [(m["seq"], m["body"]) for m in got] == [(1, "하나"), (2, "둘")]
    await peer.close()


async def test_a_predecessor_whose_publish_was_lost_is_read_from_the_database(
    live_server: LiveServer, session: AsyncSession, stomp_config: Any
) -> None:
    """Seq 1's publish never comes (its instance died between commit and publish): after the hold
    time the subscriber reads it from the database and gets 1, 2, 3 in order, each once."""
    stomp_config.hold_seconds = 0.2
    alice, bob = await make_user(session), await make_user(session)
    a_token = (await login_pair(alice)).access_token
    room_id = (await _rest(live_server, a_token, "POST", "/api/chat/rooms", json={"user_id": bob.id}))["id"]
    peer = await _room_subscriber(live_server, bob, room_id)
    held = _HeldBack()
    await held.store(alice, room_id, "사라진 발행", "둘", "셋")
    await held.real.publish_many(held.of_seq(3) + held.of_seq(2))  # 1 never
    got = [json.loads((await peer.recv()).body) for _ in range(3)]
    assert [(m["seq"], m["body"]) for m in got] == [(1, "사라진 발행"), (2, "둘"), (3, "셋")]
    await held.real.publish_many(held.of_seq(1))  # late after all: not delivered twice
    await peer.send("SUBSCRIBE", {"id": "q", "destination": "/user/queue/messages", "receipt": "flush"})
    assert (await peer.recv()).get("receipt-id") == "flush"
    await peer.close()
