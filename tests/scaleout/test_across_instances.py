"""Two instances behind nginx on PostgreSQL + Redis: a user on each chats live, notifications
cross from one instance to the other, and a logout on one ends the login everywhere."""

from __future__ import annotations

import json

import httpx

from deploy.local import LocalDeployment
from tests.scaleout.clients import Sse, Stomp, rest
from tests.scaleout.conftest import Seeder


async def test_a_user_on_each_instance_chats_live_over_stomp(deployment: LocalDeployment, seeder: Seeder) -> None:
    data = seeder({"users": ["alice", "bob"], "rooms": [["alice", "bob"]]})
    alice, bob, room = data["users"]["alice"], data["users"]["bob"], data["rooms"]["alice:bob"]
    app0, app1 = deployment.instance(0).url, deployment.instance(1).url
    a = Stomp(app0, origin=deployment.url, token=alice["access_token"])
    b = Stomp(app1, origin=deployment.url, token=bob["access_token"])
    try:
        await a.connect()
        await b.connect()
        for client in (a, b):
            await client.subscribe(f"/topic/chat/rooms/{room}", "room")
        await b.subscribe("/user/queue/messages", "mine")

        await a.send_message(room, "안녕, 인스턴스 B!", "a-1", receipt="r1")
        assert await a.wait_for(lambda: "r1" in a.receipts)
        assert await b.wait_for(lambda: len(b.messages) >= 2)  # the room topic and /user/queue/messages
        await b.send_message(room, "안녕, 인스턴스 A!", "b-1", receipt="r2")
        assert await b.wait_for(lambda: "r2" in b.receipts)
        assert await a.wait_for(lambda: len(a.messages) >= 2)
        assert await b.wait_for(lambda: len(b.messages) >= 4)  # and his own, on both subscriptions

        room_frames = [json.loads(m.body) for m in b.messages if m.get("subscription") == "room"]
        mine_frames = [json.loads(m.body) for m in b.messages if m.get("subscription") == "mine"]
        assert [(m["seq"], m["body"]) for m in room_frames] == [(1, "안녕, 인스턴스 B!"), (2, "안녕, 인스턴스 A!")]
        assert [m["seq"] for m in mine_frames] == [1, 2]
        assert [(m["seq"], m["sender"]["id"]) for m in a.bodies()] == [(1, alice["id"]), (2, bob["id"])]
        # And through nginx, whichever instance answers, both are stored once.
        stored = await rest(deployment.url, bob["access_token"], "GET", f"/api/chat/rooms/{room}/messages")
        assert [m["client_msg_id"] for m in stored["items"]] == ["a-1", "b-1"]
    finally:
        await a.close()
        await b.close()


async def test_a_notification_made_on_one_instance_reaches_streams_on_the_other(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    data = seeder({"users": ["alice", "bob"], "rooms": [["alice", "bob"]]})
    alice, bob, room = data["users"]["alice"], data["users"]["bob"], data["rooms"]["alice:bob"]
    app0, app1 = deployment.instance(0).url, deployment.instance(1).url
    sse = Sse(app1, bob["access_token"])
    stomp = Stomp(app1, origin=deployment.url, token=bob["access_token"])
    try:
        sse.start()
        await stomp.connect()
        await stomp.subscribe("/user/queue/notifications", "n")
        assert await sse.wait_for(sse.opened.is_set)

        # Alice writes on instance A while Bob is not looking at the room: he is notified on B.
        sent = await rest(
            app0, alice["access_token"], "POST", f"/api/chat/rooms/{room}/messages", json={"body": "봤어?"}
        )
        assert await sse.wait_for(lambda: len(sse.events) >= 1)
        assert await stomp.wait_for(lambda: len(stomp.messages) >= 1)
        pushed = json.loads(sse.events[0].data)
        assert pushed["type"] == "chat_message"
        assert sse.events[0].id == pushed["id"]
        assert json.loads(stomp.messages[0].body)["id"] == pushed["id"]
        stored = await rest(deployment.url, bob["access_token"], "GET", "/api/notifications")
        assert [n["id"] for n in stored["items"]] == [pushed["id"]]
        assert str(room) in pushed["link"] and sent["seq"] == 1
    finally:
        await sse.close()
        await stomp.close()


async def test_a_logout_on_one_instance_ends_the_login_on_the_other(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    data = seeder({"users": ["bob"]})
    bob = data["users"]["bob"]
    app0, app1 = deployment.instance(0).url, deployment.instance(1).url
    stomp = Stomp(app0, origin=deployment.url, token=bob["access_token"])
    sse = Sse(app0, bob["access_token"])
    try:
        await stomp.connect()
        await stomp.subscribe("/user/queue/messages", "m")
        sse.start()
        assert await sse.wait_for(sse.opened.is_set)
        assert (await rest(app0, bob["access_token"], "GET", "/api/users/me"))["id"] == bob["id"]

        await rest(app1, bob["access_token"], "POST", "/api/auth/logout", json={"refresh_token": bob["refresh_token"]})

        # Instance A hears it on the bus: the STOMP connection gets ERROR token_revoked, the stream ends.
        assert await stomp.wait_for(lambda: bool(stomp.errors) and stomp.closed.is_set())
        assert stomp.errors[0].get("message") == "token_revoked"
        assert await sse.wait_for(sse.ended.is_set)
        for url in (app0, app1, deployment.url):
            async with httpx.AsyncClient(base_url=url, timeout=20) as http:
                r = await http.get("/api/users/me", headers={"Authorization": f"Bearer {bob['access_token']}"})
            assert r.status_code == 401, (url, r.text)
            assert r.json()["code"] == "token_revoked"
    finally:
        await stomp.close()
        await sse.close()
