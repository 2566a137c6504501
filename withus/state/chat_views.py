"""What the chat pages show: rooms and messages as view rows, their times, the grouping of a
sender's messages, and the test for the next message of a room (both chat pages use these)."""

from __future__ import annotations

import dataclasses
from datetime import UTC
from typing import Any

from withus.i18n.dates import clock, day_label, list_time
from withus.i18n.reader import here
from withus.models.base import utcnow
from withus.models.chat import MessagePublic, RoomPublic
from withus.services.chat_edits import delete_refusal, edit_refusal
from withus.state.text import shown_name

GROUP_GAP = 5 * 60  # seconds: a sender's messages closer than this share one name line
PREVIEW = 80


# ---------------------------------------------------------------- times


# clock "오후 3:05" / "3:05 PM", list_time, day_label: per locale in withus.i18n.dates


# ---------------------------------------------------------------- views


@dataclasses.dataclass
class RoomView:
    id: int = 0
    kind: str = "direct"
    title: str = ""
    avatar_url: str = ""
    initial: str = ""
    preview: str = ""
    time: str = ""
    unread: int = 0
    unread_text: str = ""
    href: str = ""
    activity: str = ""  # sort key: latest activity first


def _preview(r: RoomPublic) -> str:
    m = r.last_message
    if m is None:
        return here("chat.no_messages_yet")
    text = here("chat.hidden_message") if m.hidden else " ".join(m.body.split())
    if m.deleted:
        text = here("chat.deleted_message")
    elif m.attachment is not None and not text:
        text = here("chat.photo")
    if len(text) > PREVIEW:
        text = text[: PREVIEW - 1] + "…"
    if r.kind == "club":
        text = f"{shown_name(m.sender.nickname)}: {text}"
    return text


def _avatar(r: RoomPublic) -> str:
    if r.kind == "direct":
        return r.peer.avatar_url if r.peer else ""
    return (r.club.cover_url or "") if r.club else ""


def room_row(r: RoomPublic) -> RoomView:
    avatar = _avatar(r)
    at = r.last_message.created_at if r.last_message else r.last_activity_at
    return RoomView(
        id=r.id,
        kind=r.kind,
        title=r.title or here("chat.club_room" if r.kind == "club" else "chat.unknown_user"),
        avatar_url=avatar,
        initial=(r.title or "?")[:1],
        preview=_preview(r),
        time=list_time(at),
        unread=r.unread_count,
        unread_text="99+" if r.unread_count > 99 else str(r.unread_count),
        href=f"/chat/{r.id}",
        activity=f"{r.last_activity_at.astimezone(UTC).isoformat()}|{r.id:012d}",
    )


@dataclasses.dataclass
class RoomHeader:
    id: int = 0
    kind: str = "direct"
    title: str = ""
    avatar_url: str = ""
    initial: str = ""
    href: str = ""
    subtitle: str = ""


def room_header(r: RoomPublic) -> RoomHeader:
    if r.kind == "direct":
        href = f"/users/{r.peer.id}" if r.peer else ""
        avatar = r.peer.avatar_url if r.peer else ""
        subtitle = here("chat.direct_room")
    else:
        href = f"/clubs/{r.club.id}" if r.club else ""
        avatar = (r.club.cover_url or "") if r.club else ""
        subtitle = here("chat.club_room")
    title = r.title or here("chat.unknown_user")
    return RoomHeader(
        id=r.id, kind=r.kind, title=title, avatar_url=avatar, initial=title[:1], href=href, subtitle=subtitle
    )


@dataclasses.dataclass
class MessageView:
    id: int = 0
    seq: int = 0
    sender_id: int = 0
    nickname: str = ""
    avatar_url: str = ""
    initial: str = ""
    body: str = ""
    hidden: bool = False
    deleted: bool = False
    edited: bool = False
    image_url: str = ""  # an image message: the full image, its thumbnail and size
    thumb_url: str = ""
    image_width: int = 0
    image_height: int = 0
    can_edit: bool = False
    can_delete: bool = False
    mine: bool = False
    time: str = ""
    day: str = ""
    ts: float = 0.0
    show_day: bool = False
    show_sender: bool = False
    show_time: bool = True


def message_row(m: MessagePublic, me: int, *, room_kind: str = "direct", role: str | None = None) -> MessageView:
    """``room_kind`` and my ``role`` (in a club room) decide whether I may delete others' messages."""
    can_edit = (
        edit_refusal(
            sender_id=m.sender.id,
            created_at=m.created_at,
            deleted=m.deleted,
            hidden=m.hidden,
            user_id=me,
            now=utcnow(),
            image=m.attachment is not None,
        )
        is None
    )
    return MessageView(
        id=m.id,
        seq=m.seq,
        sender_id=m.sender.id,
        nickname=shown_name(m.sender.nickname),
        avatar_url=m.sender.avatar_url,
        initial=shown_name(m.sender.nickname)[:1],
        body=m.body,
        hidden=m.hidden,
        deleted=m.deleted,
        edited=m.edited_at is not None,
        image_url=m.attachment.url if m.attachment else "",
        thumb_url=m.attachment.thumbnail_url if m.attachment else "",
        image_width=m.attachment.width if m.attachment else 0,
        image_height=m.attachment.height if m.attachment else 0,
        can_edit=can_edit,
        can_delete=not m.deleted
        and delete_refusal(sender_id=m.sender.id, user_id=me, room_kind=room_kind, role=role) is None,
        mine=m.sender.id == me,
        time=clock(m.created_at),
        day=day_label(m.created_at),
        ts=m.created_at.timestamp(),
    )


def copy_view(cls: type[Any], v: Any) -> Any:
    """A plain copy of a view read from state (which hands out proxies of its items)."""
    return cls(**{f.name: getattr(v, f.name) for f in dataclasses.fields(cls)})


def plain_message(v: Any) -> MessageView:
    return copy_view(MessageView, v)  # type: ignore[no-any-return]


def arrange(messages: list[MessageView]) -> list[MessageView]:
    """Sorted by seq, one per seq, with the day separators, sender lines and times decided:
    a sender's run of messages shows the name once, and the time once per minute."""
    by_seq: dict[int, MessageView] = {}
    for m in messages:
        by_seq[m.seq] = m
    ordered = [by_seq[seq] for seq in sorted(by_seq)]
    out: list[MessageView] = []
    for i, m in enumerate(ordered):
        previous = ordered[i - 1] if i > 0 else None
        following = ordered[i + 1] if i + 1 < len(ordered) else None
        new_day = previous is None or previous.day != m.day
        new_group = new_day or previous is None or previous.sender_id != m.sender_id or m.ts - previous.ts > GROUP_GAP
        last_of_minute = (
            following is None
            or following.sender_id != m.sender_id
            or following.day != m.day
            or following.time != m.time
        )
        out.append(
            dataclasses.replace(m, show_day=new_day, show_sender=new_group and not m.mine, show_time=last_of_minute)
        )
    return out


def is_next(current_last: int, seqs: list[int]) -> bool:
    """Whether ``seqs`` continue ``current_last`` without a hole (ignoring ones already held)."""
    expected = current_last + 1
    for s in sorted(set(seqs)):
        if s < expected:
            continue
        if s != expected:
            return False
        expected += 1
    return True
