"""SIGTERM to an instance with open STOMP and SSE clients: they are told (ERROR
``server_shutdown`` then close code 1012; the stream ends), the process group is gone within
10 seconds, nothing that got a RECEIPT is lost, and the clients carry on through nginx on the
other instance — resending what had no RECEIPT, stored once."""

from __future__ import annotations

import asyncio

from deploy.local import LocalDeployment
from tests.scaleout.clients import Sse, Stomp, all_messages
from tests.scaleout.conftest import Seeder

MESSAGES = 20


async def test_sigterm_tells_clients_keeps_what_was_acknowledged_and_exits_within_10_seconds(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    data = seeder({"users": ["alice", "bob"], "rooms": [["alice", "bob"]]})
    alice, bob, room = data["users"]["alice"], data["users"]["bob"], data["rooms"]["alice:bob"]
    doomed = deployment.instance(1)
    origin = deployment.url
    sender = Stomp(doomed.url, origin=origin, token=alice["access_token"])
    watcher = Stomp(doomed.url, origin=origin, token=bob["access_token"])
    stream = Sse(doomed.url, bob["access_token"])
    clients: list[Stomp] = [sender, watcher]
    try:
        await sender.connect()
        await watcher.connect()
        await watcher.subscribe(f"/topic/chat/rooms/{room}", "room")
        stream.start()
        assert await stream.wait_for(stream.opened.is_set)

        ids = [f"g-{i:02d}" for i in range(MESSAGES)]
        for client_msg_id in ids:  # pipelined: some are stored, some in flight, some not read yet
            await sender.send_message(room, f"종료 중 {client_msg_id}", client_msg_id, receipt=client_msg_id)
        assert await sender.wait_for(lambda: len(sender.receipts) >= 1)
        took = await asyncio.to_thread(doomed.terminate, 15.0)

        assert took < 10.0, f"the instance needed {took:.1f} s to stop"
        for client in (sender, watcher):
            assert await client.wait_for(client.closed.is_set, timeout=5)
            assert [e.get("message") for e in client.errors] == ["server_shutdown"], client.errors
            assert client.close_code == 1012  # service restart: reconnect
        assert await stream.wait_for(stream.ended.is_set, timeout=5)
        assert stream.status == 200 and stream.error is None  # ended cleanly, not cut

        # Everything acknowledged is stored; the rest is resent through nginx to the survivor.
        acknowledged = set(sender.receipts)
        stored = await all_messages(deployment.url, bob["access_token"], room)
        assert acknowledged <= {m["client_msg_id"] for m in stored}
        again = Stomp(deployment.url, origin=origin, token=alice["access_token"])
        clients.append(again)
        await again.connect()
        pending = [i for i in ids if i not in acknowledged]
        for client_msg_id in pending:
            await again.send_message(room, f"종료 중 {client_msg_id}", client_msg_id, receipt=client_msg_id)
        assert await again.wait_for(lambda: again.receipts >= set(pending))
        stored = await all_messages(deployment.url, bob["access_token"], room)
        assert [m["client_msg_id"] for m in stored] == ids
        assert [m["seq"] for m in stored] == list(range(1, MESSAGES + 1))

        # The stream reopens through nginx (on the survivor).
        reopened = Sse(deployment.url, bob["access_token"])
        reopened.last_id = stream.last_id or 0
        reopened.start()
        assert await reopened.wait_for(reopened.opened.is_set)
        await reopened.close()
    finally:
        await stream.close()
        for client in clients:
            await client.close()
