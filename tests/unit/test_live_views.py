"""The pure parts of the live pages and the SSE encoder: how messages are ordered and grouped,
when a live message may be appended as it is, the room list's times, notification links."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.routes.notification_stream import format_event, format_retry
from withus.state.chat_views import MessageView, arrange, is_next, list_time
from withus.state.notifications import safe_link

T0 = datetime(2025, 3, 5, 6, 0, tzinfo=UTC)  # 15:00 in Seoul


def msg(seq: int, sender: int, at: datetime, *, mine: bool = False) -> MessageView:
    from withus.state.chat_views import clock, day_label

    return MessageView(
        id=seq,
        seq=seq,
        sender_id=sender,
        body=f"m{seq}",
        mine=mine,
        time=clock(at),
        day=day_label(at),
        ts=at.timestamp(),
    )


def test_arrange_orders_by_seq_and_keeps_one_message_per_seq() -> None:
    a, b, c = msg(1, 7, T0), msg(2, 7, T0), msg(3, 8, T0)
    out = arrange([c, a, b, msg(2, 7, T0)])
    assert [m.seq for m in out] == [1, 2, 3]


def test_a_senders_run_shows_the_name_once_and_the_time_once_per_minute() -> None:
    out = arrange(
        [
            msg(1, 7, T0),
            msg(2, 7, T0 + timedelta(seconds=20)),
            msg(3, 7, T0 + timedelta(minutes=1)),
            msg(4, 9, T0 + timedelta(minutes=1), mine=True),
            msg(5, 7, T0 + timedelta(minutes=30)),
        ]
    )
    assert [m.show_sender for m in out] == [True, False, False, False, True]
    assert [m.show_time for m in out] == [False, True, True, True, True]
    assert [m.show_day for m in out] == [True, False, False, False, False]


def test_a_new_day_starts_a_new_group_with_its_separator() -> None:
    out = arrange([msg(1, 7, T0), msg(2, 7, T0 + timedelta(days=1))])
    assert [m.show_day for m in out] == [True, True]
    assert out[1].day == "2025년 3월 6일 목요일"
    assert [m.show_sender for m in out] == [True, True]


def test_live_messages_are_appended_only_when_they_continue_without_a_hole() -> None:
    assert is_next(3, [4])
    assert is_next(3, [5, 4])
    assert is_next(3, [2, 3, 4])  # already held ones are ignored
    assert is_next(3, [3])
    assert not is_next(3, [5])
    assert not is_next(3, [4, 6])


def test_room_list_times_read_like_a_messenger() -> None:
    now = datetime(2025, 3, 5, 12, 0, tzinfo=UTC)  # 21:00 in Seoul
    assert list_time(datetime(2025, 3, 5, 6, 5, tzinfo=UTC), now=now) == "오후 3:05"
    assert list_time(datetime(2025, 3, 5, 0, 0, tzinfo=UTC), now=now) == "오전 9:00"
    assert list_time(datetime(2025, 3, 4, 6, 0, tzinfo=UTC), now=now) == "어제"
    assert list_time(datetime(2025, 1, 2, 6, 0, tzinfo=UTC), now=now) == "1월 2일"
    assert list_time(datetime(2024, 1, 2, 6, 0, tzinfo=UTC), now=now) == "2024. 1. 2."


def test_notification_links_stay_on_this_site() -> None:
    assert safe_link("/posts/3") == "/posts/3"
    assert safe_link("//evil.example/x") == "/notifications"
    assert safe_link("/\\evil.example") == "/notifications"
    assert safe_link("https://evil.example") == "/notifications"
    assert safe_link("") == "/notifications"


def test_an_event_block_splits_every_kind_of_line_break_into_data_lines() -> None:
    assert format_event(event="notification", event_id=5, data='{"a":1}') == (
        b'event: notification\nid: 5\ndata: {"a":1}\n\n'
    )
    assert format_event(data="a\r\nb\rc\nd") == b"data: a\ndata: b\ndata: c\ndata: d\n\n"
    assert format_retry(3000) == b"retry: 3000\n\n"


def _public(sender: int, *, minutes_ago: int = 1, image: bool = False) -> object:
    from withus.models.chat import AttachmentPublic, MessagePublic
    from withus.models.user import UserSummary

    attachment = AttachmentPublic(url="/media/chat/a.webp", width=4, height=3, thumbnail_url="/media/chat/a-t.webp")
    return MessagePublic(
        id=1,
        room_id=1,
        seq=1,
        sender=UserSummary(id=sender, nickname="보낸이", avatar_url=""),
        body="" if image else "안녕",
        client_msg_id=None,
        created_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
        attachment=attachment if image else None,
    )


def test_who_may_edit_and_delete_a_message_on_the_room_page() -> None:
    from withus.state.chat_views import message_row

    mine, theirs = _public(7), _public(8)
    row = message_row(mine, 7)  # type: ignore[arg-type]
    assert (row.can_edit, row.can_delete) == (True, True)
    assert (message_row(_public(7, minutes_ago=25 * 60), 7).can_edit) is False  # type: ignore[arg-type]
    assert message_row(_public(7, image=True), 7).can_edit is False  # type: ignore[arg-type]
    assert message_row(_public(7, image=True), 7).thumb_url == "/media/chat/a-t.webp"  # type: ignore[arg-type]
    # Someone else's: nothing in a 1:1 room or for a member; a club's staff may delete it.
    assert (message_row(theirs, 7).can_edit, message_row(theirs, 7).can_delete) == (False, False)  # type: ignore[arg-type]
    assert message_row(theirs, 7, room_kind="club", role="member").can_delete is False  # type: ignore[arg-type]
    for role in ("host", "moderator"):
        staff = message_row(theirs, 7, room_kind="club", role=role)  # type: ignore[arg-type]
        assert (staff.can_edit, staff.can_delete) == (False, True)


def test_the_room_lists_preview_of_a_photo_and_of_a_deleted_message() -> None:
    from withus.models.chat import RoomPublic
    from withus.state.chat_views import room_row

    def room(last: object) -> RoomPublic:
        return RoomPublic(
            id=1,
            kind="direct",
            title="상대",
            last_message=last,  # type: ignore[arg-type]
            unread_count=0,
            last_seq=1,
            last_read_seq=1,
            last_activity_at=datetime.now(UTC),
        )

    photo = _public(8, image=True)
    assert room_row(room(photo)).preview == "사진"
    gone = photo.model_copy(update={"deleted": True, "attachment": None})  # type: ignore[attr-defined]
    assert room_row(room(gone)).preview == "삭제된 메시지입니다"
