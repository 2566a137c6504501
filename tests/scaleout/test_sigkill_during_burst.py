"""An instance is killed (SIGKILL) in the middle of a burst of 1,000 chat messages sent by
clients connected to it. They reconnect through nginx to the survivor, resend what has no
RECEIPT and fetch what they missed: every message is stored exactly once and its recipient
sees each exactly once, in order."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field

from deploy.local import LocalDeployment
from tests.scaleout.clients import Stomp, all_messages
from tests.scaleout.conftest import Seeder

SENDERS = 40
PER_SENDER = 25  # 1,000 in all; under the 30-per-10-s limit of one user, resends included after a pause
KILL_AFTER_RECEIPTS = 250
PACE = 0.025  # s between one sender's first SENDs: the burst outlasts the kill (a fast server once
# stored all 1,000 while this process was still reading the first 250 receipts: nothing was left to resend)
DEADLINE = 240.0  # generous for a slow machine: resends wait out the per-user rate-limit window


@dataclass
class Sender:
    name: str
    token: str
    ids: list[str]
    acked: set[str] = field(default_factory=set)
    reconnects: int = 0


async def _send_pending(client: Stomp, sender: Sender, room: int, *, pace: float = 0.0) -> None:
    """Send, in order, every message of ``sender`` without a RECEIPT (a broken connection stops it),
    ``pace`` seconds apart."""
    for client_msg_id in sender.ids:
        if client_msg_id in sender.acked:
            continue
        try:
            await client.send_message(room, f"{sender.name} {client_msg_id}", client_msg_id, receipt=client_msg_id)
        except Exception:  # the connection is gone: the caller sees it closed and reconnects
            return
        if pace:
            await asyncio.sleep(pace)


async def _send_until_acked(sender: Sender, first: Stomp, url: str, origin: str, room: int, deadline: float) -> None:
    """Send everything on ``first``; when the connection dies, reconnect to ``url`` and resend
    whatever has no RECEIPT yet (same client_msg_id), until all are acknowledged."""
    client = first
    await _send_pending(client, sender, room, pace=PACE)
    while time.monotonic() < deadline:
        await client.wait_for(lambda c=client: c.closed.is_set() or c.receipts >= set(sender.ids), timeout=5)
        sender.acked |= client.receipts
        if sender.acked >= set(sender.ids):
            await client.close()
            return
        if not client.closed.is_set():
            continue
        if any(e.get("message") == "rate_limited" for e in client.errors):
            await asyncio.sleep(2)  # the resends met the per-user limit: wait for the window, as a client should
        await client.close()
        client = Stomp(url, origin=origin, token=sender.token)
        try:
            await client.connect()
        except (OSError, ConnectionError, TimeoutError):
            await asyncio.sleep(0.2)
            continue
        sender.reconnects += 1
        await _send_pending(client, sender, room)
    raise AssertionError(f"{sender.name}: {len(set(sender.ids) - sender.acked)} messages never acknowledged")


async def test_killing_an_instance_mid_burst_loses_and_duplicates_nothing(
    deployment: LocalDeployment, seeder: Seeder
) -> None:
    names = [f"sender{i}" for i in range(SENDERS)]
    data = seeder({"users": ["reader", *names], "club": {"host": "reader", "members": names}})
    room = data["club_room_id"]
    doomed = deployment.instance(1)
    origin = deployment.url

    # The reader follows the room live, connected to the instance that will die.
    reader_token = data["users"]["reader"]["access_token"]
    reader = Stomp(doomed.url, origin=origin, token=reader_token)
    await reader.connect()
    await reader.subscribe(f"/topic/chat/rooms/{room}", "room")
    connections = [reader]

    senders = [
        Sender(name, data["users"][name]["access_token"], [f"{name}-{i:02d}" for i in range(PER_SENDER)])
        for name in names
    ]
    firsts = []
    for sender in senders:
        client = Stomp(doomed.url, origin=origin, token=sender.token)
        await client.connect()
        firsts.append(client)
    connections.extend(firsts)
    deadline = time.monotonic() + DEADLINE
    tasks = [
        asyncio.create_task(_send_until_acked(s, c, deployment.url, origin, room, deadline))
        for s, c in zip(senders, firsts, strict=True)
    ]
    try:
        # Mid-burst: some messages stored and acknowledged, others in flight or not sent yet.
        started = time.monotonic()
        while sum(len(c.receipts) for c in firsts) < KILL_AFTER_RECEIPTS and time.monotonic() - started < 30:
            await asyncio.sleep(0.01)
        acked_before_kill = sum(len(c.receipts) for c in firsts)
        doomed.kill()
        assert 0 < acked_before_kill < SENDERS * PER_SENDER, acked_before_kill

        # The reader notices, reconnects through nginx, resubscribes, then fills the gap from REST.
        assert await reader.wait_for(reader.closed.is_set, timeout=10)
        live_before = [json.loads(m.body) for m in reader.messages]
        reader2 = Stomp(deployment.url, origin=origin, token=reader_token)
        for _ in range(50):
            try:
                await reader2.connect()
                break
            except (OSError, ConnectionError, TimeoutError):
                await asyncio.sleep(0.2)
        connections.append(reader2)
        await reader2.subscribe(f"/topic/chat/rooms/{room}", "room")

        await asyncio.gather(*tasks)
        assert sum(s.reconnects for s in senders) > 0

        total = SENDERS * PER_SENDER
        # What the reader saw live on each connection: no seq twice, ascending.
        live_after = [json.loads(m.body) for m in reader2.messages]
        for frames in (live_before, live_after):
            seqs = [m["seq"] for m in frames]
            assert seqs == sorted(set(seqs))
        # The gap from REST: after the last seq it saw before the cut, then merged by seq as a client does.
        watermark = max((m["seq"] for m in live_before), default=0)
        fetched = await all_messages(deployment.url, reader_token, room, after_seq=watermark)
        assert all(m["seq"] > watermark for m in fetched)
        seen: dict[int, dict[str, object]] = {}
        for message in [*live_before, *fetched, *live_after]:
            if message["seq"] in seen:
                assert seen[message["seq"]] == message  # the same stored message, never a second copy
            seen[message["seq"]] = message
        assert sorted(seen) == list(range(1, total + 1))

        # Stored exactly once: 1,000 rows, one per client_msg_id, each sender's in the order it sent them.
        stored = await all_messages(deployment.url, reader_token, room)
        assert len(stored) == total
        ids = [m["client_msg_id"] for m in stored]
        assert sorted(ids) == sorted(i for s in senders for i in s.ids)
        for sender in senders:
            mine = [m["client_msg_id"] for m in stored if m["client_msg_id"].startswith(f"{sender.name}-")]
            assert mine == sender.ids
    finally:
        for task in tasks:
            task.cancel()
        for connection in connections:
            await connection.close()
