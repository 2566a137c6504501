"""Group commit of SENDs: many messages in one transaction, each with the answer it would have had alone.

On both stacks: a batch mixing every kind of request (good ones in two rooms, bad bodies, a room
that is not yours, a blocked pair, a stored resend, a resend inside the batch, a club room never
opened) gives each its own outcome; seqs stay gapless; only stored messages are published, in seq
order, after the commit; and the per-user rate limit counts each message. Then the queue the
STOMP server uses: concurrent SENDs are grouped, a full queue refuses at once, and a batch that
fails on something other than the database is retried one SEND at a time.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import withus.services.chat  # noqa: F401  (registers the club-room hooks before clubs are made here)
from api.stomp import send_queue
from tests.club_factories import add_member, make_club
from tests.factories import login_pair, make_user
from withus.db import session_scope
from withus.errors import DomainError
from withus.models.block import UserBlock
from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom
from withus.models.club import Club
from withus.models.user import User
from withus.realtime.bus import Listener, get_hub, room_channel, stop_hub, user_channel
from withus.services import chat as chat_service
from withus.services import chat_rooms as room_service
from withus.services import chat_send_statements, chat_sending, rate_limit
from withus.services.chat_sending import SendRequest


@pytest.fixture
async def hub(stack: Any) -> Any:
    hub = get_hub()
    yield hub
    await stop_hub()


async def _direct_room(a: User, b: User) -> int:
    async with session_scope() as s:
        room, _ = await room_service.do_open_direct_room(s, user=a, peer_id=b.id)  # type: ignore[arg-type]
        assert room.id is not None
        return room.id


async def _send(requests: list[SendRequest]) -> list[Any]:
    async with session_scope() as s:
        return await chat_sending.send_messages(s, requests)


def _code(outcome: Any) -> str:
    if isinstance(outcome, DomainError):
        return outcome.code
    _message, created = outcome
    return "created" if created else "resent"


async def _drain(listener: Listener, timeout: float = 0.5) -> list[tuple[str, dict[str, Any]]]:
    out = []
    while True:
        try:
            channel, data = await asyncio.wait_for(listener.get(), timeout)
        except TimeoutError:
            return out
        out.append((channel, json.loads(data)))


async def test_a_mixed_batch_answers_each_message_as_if_it_were_alone(session: AsyncSession, hub: Any) -> None:
    alice, bob, carol, dave = [await make_user(session) for _ in range(4)]
    ab = await _direct_room(alice, bob)
    ac = await _direct_room(alice, carol)
    cd = await _direct_room(carol, dave)  # not alice's
    club_id = await make_club(session, host=carol)
    await add_member(session, club_id=club_id, user=alice)
    async with session_scope() as s:
        club_room = await room_service.club_room_id(s, club=await s.get(Club, club_id))  # type: ignore[arg-type]
    (stored,) = await _send([SendRequest(alice.id, ab, "먼저 보낸 것", "c-old")])  # type: ignore[arg-type]
    assert _code(stored) == "created"
    session.add(UserBlock(blocker_id=carol.id, blocked_id=alice.id))
    await session.commit()

    listener = await hub.listen(room_channel(ab), room_channel(club_room), user_channel(bob.id))  # type: ignore[arg-type]
    outcomes = await _send(
        [
            SendRequest(alice.id, ab, "안녕", "c1"),  # type: ignore[arg-type]
            SendRequest(alice.id, ab, "   "),  # type: ignore[arg-type]
            SendRequest(alice.id, cd, "남의 방"),  # type: ignore[arg-type]
            SendRequest(alice.id, ac, "차단된 사이"),  # type: ignore[arg-type]
            SendRequest(alice.id, ab, "다시 보냄", "c-old"),  # type: ignore[arg-type]
            SendRequest(bob.id, ab, "반가워"),  # type: ignore[arg-type]
            SendRequest(alice.id, ab, "안녕 (재전송)", "c1"),  # type: ignore[arg-type]
            SendRequest(alice.id, club_room, "모임방 첫 메시지"),  # type: ignore[arg-type]
            SendRequest(alice.id, 10**9, "없는 방"),  # type: ignore[arg-type]
            SendRequest(alice.id, ab, "x" * 1001),  # type: ignore[arg-type]
        ]
    )
    assert [_code(o) for o in outcomes] == [
        "created",
        "validation_failed",
        "room_not_found",
        "blocked",
        "resent",
        "created",
        "resent",
        "created",
        "room_not_found",
        "message_too_long",
    ]
    first, _ = outcomes[0]
    assert outcomes[4][0].id == stored[0].id and outcomes[4][0].body == "먼저 보낸 것"
    assert outcomes[6][0].id == first.id and outcomes[6][0].body == "안녕"  # the first of the batch, once
    assert (first.seq, outcomes[5][0].seq, outcomes[7][0].seq) == (2, 3, 1)
    assert first.sender.id == alice.id and outcomes[5][0].sender.nickname == bob.nickname

    async with session_scope() as s:
        seqs = (await s.exec(select(ChatMessage.seq).where(col(ChatMessage.room_id) == ab))).all()
        assert sorted(seqs) == [1, 2, 3]  # gapless, the resends stored nothing
        room = await s.get(ChatRoom, ab)
        assert room is not None and room.last_seq == 3
        marks = {
            p.user_id: p.last_read_seq
            for p in (await s.exec(select(ChatParticipant).where(col(ChatParticipant.room_id) == ab))).all()
        }
        assert marks == {alice.id: 2, bob.id: 3}  # each read up to their own last message
        club_mark = await s.get(ChatParticipant, (club_room, alice.id))
        assert club_mark is not None and club_mark.last_read_seq == 1  # created by the first message

    events = await _drain(listener)
    listener.close()
    room_events = [(e["message"]["room_id"], e["message"]["seq"]) for ch, e in events if ch.startswith("chat:room:")]
    assert room_events == [(ab, 2), (ab, 3), (club_room, 1)]  # stored ones only, in seq order
    to_bob = [e["message"]["seq"] for ch, e in events if ch == user_channel(bob.id)]  # type: ignore[arg-type]
    assert to_bob == [2, 3]


async def test_nothing_of_a_batch_is_published_when_its_transaction_rolls_back(session: AsyncSession, hub: Any) -> None:
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    listener = await hub.listen(room_channel(ab))
    with pytest.raises(RuntimeError):
        async with session_scope() as s:
            await chat_sending.send_messages(s, [SendRequest(alice.id, ab, "하나"), SendRequest(bob.id, ab, "둘")])  # type: ignore[arg-type]
            raise RuntimeError("the caller failed after storing")
    assert await _drain(listener, 0.3) == []
    listener.close()
    async with session_scope() as s:
        assert (await s.exec(select(ChatMessage.id).where(col(ChatMessage.room_id) == ab))).all() == []
        room = await s.get(ChatRoom, ab)
        assert room is not None and room.last_seq == 0


async def test_the_rate_limit_counts_every_message_of_a_batch(session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    limit = chat_service.SEND_LIMIT
    outcomes = await _send([SendRequest(alice.id, ab, f"{n}") for n in range(limit + 2)])  # type: ignore[arg-type]
    codes = [_code(o) for o in outcomes]
    assert codes == ["created"] * limit + ["rate_limited", "rate_limited"]
    assert all(o.retry_after >= 1 for o in outcomes[limit:])
    await rate_limit.reset("chat_send", str(bob.id))
    (bobs,) = await _send([SendRequest(bob.id, ab, "나는 괜찮아")])  # type: ignore[arg-type]
    assert _code(bobs) == "created" and bobs[0].seq == limit + 1


async def test_a_deleted_sender_is_refused_as_gone(session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    (before,) = await _send([SendRequest(alice.id, ab, "탈퇴 전")])  # type: ignore[arg-type]
    assert _code(before) == "created"
    alice_row = await session.get(User, alice.id)
    assert alice_row is not None
    from withus.models.base import utcnow

    alice_row.deleted_at = utcnow()
    session.add(alice_row)
    await session.commit()
    (outcome,) = await _send([SendRequest(alice.id, ab, "탈퇴 후")])  # type: ignore[arg-type]
    assert _code(outcome) == "account_gone"
    (to_deleted,) = await _send([SendRequest(bob.id, ab, "탈퇴한 사람에게")])  # type: ignore[arg-type]
    assert _code(to_deleted) == "user_deleted"


async def test_read_marks_and_hidden_rooms_when_both_people_send_in_one_batch(session: AsyncSession) -> None:
    """Each sender's read mark is their own last message, and a room one of them had hidden comes back,
    whoever of the batch matched the hidden row (a statement from arrays must not take the other's seq)."""
    from withus.models.base import utcnow

    alice, bob, carol = [await make_user(session) for _ in range(3)]
    ab = await _direct_room(alice, bob)
    ac = await _direct_room(alice, carol)
    for room_id in (ab, ac):
        (first,) = await _send([SendRequest(alice.id, room_id, "처음")])  # type: ignore[arg-type]
        assert _code(first) == "created"
    for room_id, user in ((ab, bob), (ac, carol)):  # each peer hides the room
        mark = await session.get(ChatParticipant, (room_id, user.id))
        if mark is None:
            mark = ChatParticipant(room_id=room_id, user_id=user.id, last_read_seq=0, joined_at=utcnow())
        mark.hidden_at = utcnow()
        session.add(mark)
    await session.commit()
    outcomes = await _send(
        [
            SendRequest(alice.id, ab, "둘"),  # type: ignore[arg-type]
            SendRequest(bob.id, ab, "셋"),  # type: ignore[arg-type]
            SendRequest(alice.id, ab, "넷"),  # type: ignore[arg-type]
            SendRequest(alice.id, ac, "캐롤에게"),  # type: ignore[arg-type]
        ]
    )
    assert [o[0].seq for o in outcomes] == [2, 3, 4, 2]
    async with session_scope() as s:
        rows = (await s.exec(select(ChatParticipant).where(col(ChatParticipant.room_id).in_([ab, ac])))).all()
        marks = {(p.room_id, p.user_id): (p.last_read_seq, p.hidden_at) for p in rows}
    assert marks[(ab, alice.id)] == (4, None)
    assert marks[(ab, bob.id)] == (3, None)  # his own message, not alice's later one; no longer hidden
    assert marks[(ac, alice.id)] == (2, None)
    assert marks[(ac, carol.id)][1] is None  # back in carol's list; her read mark untouched
    assert marks[(ac, carol.id)][0] < 2


async def test_batches_of_nearby_sizes_run_the_same_statements(session: AsyncSession) -> None:
    """The expanding IN lists are padded to a power of two: batches of 5 to 8 messages (each with a
    client_msg_id, so the resend check runs too) send the same statement texts, which the driver
    prepares once (a text per batch size was a prepare round trip for most statements of a batch)."""
    from sqlalchemy import event

    from withus.db import get_engine

    users = [await make_user(session) for _ in range(16)]
    rooms = [await _direct_room(users[i], users[i + 1]) for i in range(0, 16, 2)]
    texts: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        texts.append(statement)

    engine = get_engine().sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        per_size: dict[int, set[str]] = {}
        for size in (5, 6, 7, 8):
            texts.clear()
            requests = [SendRequest(users[2 * i].id, rooms[i], f"{size}-{i}", f"c{size}-{i}") for i in range(size)]  # type: ignore[arg-type]
            assert {_code(o) for o in await _send(requests)} == {"created"}
            per_size[size] = set(texts)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert any(" IN " in t.upper() for t in per_size[8])
    assert per_size[5] == per_size[6] == per_size[7] == per_size[8]
    assert chat_send_statements.padded([3, 5, 9]) == [3, 5, 9, 9] and chat_send_statements.padded([1]) == [1]
    assert chat_send_statements.padded([3], like=5) == [3] * 8


# ---------------------------------------------------------------- the queue


async def test_concurrent_sends_are_grouped_and_each_gets_its_answer(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = [await make_user(session) for _ in range(8)]
    rooms = [await _direct_room(users[i], users[i + 1]) for i in range(0, 8, 2)]
    sizes: list[int] = []
    real = chat_sending.send_messages

    async def counting(s: AsyncSession, requests: list[SendRequest]) -> Any:
        sizes.append(len(requests))
        return await real(s, requests)

    monkeypatch.setattr(chat_sending, "send_messages", counting)
    queue = send_queue.SendQueue(writers=1)
    requests = [
        SendRequest(users[2 * (n % 4) + n % 2].id, rooms[n % 4], f"메시지 {n}", f"m{n}")  # type: ignore[arg-type]
        for n in range(24)
    ] + [SendRequest(users[0].id, rooms[1], "남의 방")]  # type: ignore[arg-type]
    outcomes = await asyncio.gather(*(queue.send(r) for r in requests))
    assert [_code(o) for o in outcomes] == ["created"] * 24 + ["room_not_found"]
    assert sum(sizes) == 25 and max(sizes) > 1  # grouped: fewer transactions than SENDs
    for room_id in rooms:
        seqs = sorted(o[0].seq for o in outcomes[:24] if o[0].room_id == room_id)
        assert seqs == list(range(1, 7))


async def test_a_full_queue_refuses_at_once(session: AsyncSession) -> None:
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    queue = send_queue.SendQueue(writers=1, max_waiting=2)
    tasks = [asyncio.create_task(queue.send(SendRequest(alice.id, ab, f"{n}"))) for n in range(4)]  # type: ignore[arg-type]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    full = [r for r in results if isinstance(r, send_queue.QueueFull)]
    stored = [r for r in results if isinstance(r, tuple)]
    assert len(full) >= 1 and len(full) + len(stored) == 4
    assert isinstance(send_queue.QueueFull(), send_queue.UNAVAILABLE)  # answered server_busy


async def test_a_batch_that_fails_is_retried_one_send_at_a_time(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    real = chat_sending.send_messages

    async def choking(s: AsyncSession, requests: list[SendRequest]) -> Any:
        if any(r.body == "독" for r in requests):
            raise ValueError("a bug that one message triggers")
        return await real(s, requests)

    monkeypatch.setattr(chat_sending, "send_messages", choking)
    queue = send_queue.SendQueue(writers=1)
    bodies = ["하나", "독", "둘", "셋"]
    results = await asyncio.gather(
        *(queue.send(SendRequest(alice.id, ab, b)) for b in bodies),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert isinstance(results[1], RuntimeError)
    assert [_code(results[i]) for i in (0, 2, 3)] == ["created"] * 3
    assert sorted(results[i][0].seq for i in (0, 2, 3)) == [1, 2, 3]


async def test_a_batch_the_database_refuses_fails_each_send_as_unavailable(
    session: AsyncSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeoutError

    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)

    async def saturated(*_args: Any) -> Any:
        raise PoolTimeoutError("QueuePool limit reached")

    monkeypatch.setattr(chat_sending, "send_messages", saturated)
    queue = send_queue.SendQueue(writers=1)
    results = await asyncio.gather(
        *(queue.send(SendRequest(alice.id, ab, f"{n}")) for n in range(3)),  # type: ignore[arg-type]
        return_exceptions=True,
    )
    assert all(isinstance(r, PoolTimeoutError) for r in results)


async def test_a_send_of_an_ended_login_session_is_refused_in_its_batch(session: AsyncSession) -> None:
    """The revocation event may not have reached the connection yet: the batch reads every
    session's liveness itself, and only the ended one is refused."""
    from withus.services import sessions as session_service

    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    live, ended = await login_pair(alice), await login_pair(bob)
    await session_service.revoke(session_id=ended.session_id)
    queue = send_queue.SendQueue(writers=1)
    results = await asyncio.gather(
        queue.send(SendRequest(alice.id, ab, "살아 있음"), login_session_id=live.session_id),  # type: ignore[arg-type]
        queue.send(SendRequest(bob.id, ab, "끝난 세션"), login_session_id=ended.session_id),  # type: ignore[arg-type]
        queue.send(SendRequest(alice.id, ab, "세션 없이 (REST와 같은 내부 호출)")),  # type: ignore[arg-type]
    )
    assert [_code(r) for r in results] == ["created", "token_revoked", "created"]
    async with session_scope() as s:
        bodies = (await s.exec(select(ChatMessage.body).where(col(ChatMessage.room_id) == ab))).all()
    assert sorted(bodies) == sorted(["살아 있음", "세션 없이 (REST와 같은 내부 호출)"])


async def test_a_send_right_after_the_writer_finished_is_stored(session: AsyncSession) -> None:
    """The sender of the last batch resumes before the finished writer is cleaned up: its next SEND
    (a STOMP COMMIT sends held SENDs one after the other) must start a writer, not wait forever."""
    alice, bob = await make_user(session), await make_user(session)
    ab = await _direct_room(alice, bob)
    queue = send_queue.SendQueue(writers=1)
    async with asyncio.timeout(10):  # in this task, as the STOMP reader awaits (wait_for would add one)
        for n in range(3):
            outcome = await queue.send(SendRequest(alice.id, ab, f"{n}"))  # type: ignore[arg-type]
            assert _code(outcome) == "created" and outcome[0].seq == n + 1
