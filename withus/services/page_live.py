"""Live updates of open pages: after a transaction that changed what a page shows commits, a
small ``{"event": "changed", ...}`` is published on the page's channel and every open copy of
the page reads it again from the database, with its reader's permissions (the payload carries
no content, so a channel leaks nothing to a listener who may not see it).

- ``post:{post_id}``: the post or its comments and replies changed (written, edited, deleted,
  hidden by a moderator); the post page re-reads the post and its comments;
- ``club:{club_id}``: a membership, a join request, an invitation, a ban or the club itself
  changed. Every such change takes the club's row lock first (:func:`clubs.lock_club`), which
  is where this is published; the club page and the manage page re-read;
- a user's chat rooms changed (joined or left a club: its room came or went): ``{"event":
  "rooms_changed", "room_id"}`` on ``chat:user:{user_id}``, where the chat list listens already.
  STOMP clients of ``/user/queue/messages`` are not sent it (it carries no ``message``).

The event page has its own (:mod:`withus.services.event_live`).
"""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.realtime import bus

ROOMS_CHANGED = "rooms_changed"


def post_channel(post_id: int) -> str:
    return f"post:{post_id}"


def club_channel(club_id: int) -> str:
    return f"club:{club_id}"


def _once(session: AsyncSession, channel: str, payload: dict[str, object]) -> None:
    """Publish after commit, once per transaction and channel (a change may lock a club twice)."""
    pending = session.info.setdefault("after_commit", [])  # a new list per transaction (withus.db)
    marks: tuple[list[object], set[str]] | None = session.info.get("page_live")
    if marks is None or marks[0] is not pending:
        marks = (pending, set())
        session.info["page_live"] = marks
    if channel not in marks[1]:
        marks[1].add(channel)
        bus.publish_after_commit(session, channel, payload)


def post_changed(session: AsyncSession, post_id: int | None) -> None:
    if post_id is not None:
        _once(session, post_channel(post_id), {"event": "changed", "post_id": post_id})


def club_changed(session: AsyncSession, club_id: int | None) -> None:
    if club_id is not None:
        _once(session, club_channel(club_id), {"event": "changed", "club_id": club_id})


def rooms_changed(session: AsyncSession, *, user_id: int, room_id: int) -> None:
    bus.publish_after_commit(session, bus.user_channel(user_id), {"event": ROOMS_CHANGED, "room_id": room_id})
