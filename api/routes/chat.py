"""Chat over REST. Every rule lives in ``withus.services.chat``; live delivery is STOMP at ``/ws``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.uploads import read_image_upload
from withus.errors import InvalidInput
from withus.models.chat import MessagePublic, RoomPublic
from withus.models.types import TEXT_PATTERN, Id, Seq, StrictId, StrictSeq, Text
from withus.services import chat as chat_service
from withus.services import chat_attachments, chat_edits, chat_sending
from withus.services import chat_rooms as room_service
from withus.services.pagination import decode_cursor, encode_cursor

router = APIRouter(tags=["chat"], route_class=UnitOfWorkRoute)

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such room, or not one of yours (`room_not_found`)."}
}


class OpenRoom(BaseModel):
    user_id: StrictId = Field(description="the other person")


class SendMessage(BaseModel):
    body: Any = Field(
        description="1–1,000 characters, not only spaces",
        json_schema_extra={"type": "string", "minLength": 1, "maxLength": 1000, "pattern": TEXT_PATTERN},
    )
    client_msg_id: Any = Field(
        default=None,
        description="your id for this message (≤ 64 printable characters): a resend with the same id is stored once",
        json_schema_extra={
            "type": ["string", "null"],
            "minLength": 1,
            "maxLength": 64,
            "pattern": "^[^\\u0000-\\u001f]*$",
        },
    )


class EditMessage(BaseModel):
    body: Any = Field(
        description="the new text: 1–1,000 characters, not only spaces",
        json_schema_extra={"type": "string", "minLength": 1, "maxLength": 1000, "pattern": TEXT_PATTERN},
    )


class ReadUpTo(BaseModel):
    seq: StrictSeq = Field(description="the last seq you have seen")


class RoomPage(BaseModel):
    items: list[RoomPublic]
    next_cursor: str | None


class MessagePage(BaseModel):
    items: list[MessagePublic]
    next_cursor: str | None = Field(
        description="when more messages exist in the direction asked: pass it as `cursor` (or use the seq of the "
        "last/first item as `after_seq`/`before_seq`)"
    )


@router.post(
    "/chat/rooms",
    response_model=RoomPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Open the 1:1 room with someone",
    responses={
        200: {"model": RoomPublic, "description": "The room already existed."},
        400: {"description": "`cannot_chat_with_self`"},
        403: {"description": "`blocked`: one of you blocked the other"},
        404: {"description": "`user_not_found`"},
        429: {"description": "`rate_limited`: too many new rooms in a short time; see `Retry-After`"},
    },
)
async def open_room(body: OpenRoom, session: SessionDep, user: CurrentUser) -> Any:
    """One room per pair: 201 when created, 200 with the existing room otherwise (a room you had hidden
    comes back to your list)."""
    room, created = await room_service.do_open_direct_room(session, user=user, peer_id=body.user_id)
    assert room.id is not None
    view = await room_service.room_view(session, user=user, room_id=room.id)
    if created:
        return view
    return JSONResponse(view.model_dump(mode="json"), status_code=status.HTTP_200_OK)


@router.get("/chat/rooms", response_model=RoomPage, summary="My rooms")
async def list_rooms(
    session: SessionDep,
    user: CurrentUser,
    limit: Annotated[int | None, Query(ge=1, le=100, description="page size (default 20)")] = None,
    cursor: Annotated[Text | None, Query(max_length=1000, description="`next_cursor` of the previous page")] = None,
) -> RoomPage:
    """My 1:1 rooms (not hidden) and the rooms of my clubs, latest activity first, each with the other person
    or the club, the last message and my unread count."""
    after: tuple[datetime, int] | None = None
    if cursor:
        at, room_id = decode_cursor(cursor, datetime, int)
        after = (at, room_id)
    items, next_after = await room_service.list_rooms(session, user=user, limit=limit, cursor=after)
    return RoomPage(items=items, next_cursor=encode_cursor(*next_after) if next_after else None)


@router.get("/chat/rooms/{room_id:int}", response_model=RoomPublic, summary="One room", responses=NOT_FOUND)
async def get_room(room_id: Id, session: SessionDep, user: CurrentUser) -> RoomPublic:
    return await room_service.room_view(session, user=user, room_id=room_id)


@router.get(
    "/chat/rooms/{room_id:int}/messages", response_model=MessagePage, summary="A room's messages", responses=NOT_FOUND
)
async def list_messages(
    room_id: Id,
    session: SessionDep,
    user: CurrentUser,
    after_seq: Annotated[Seq | None, Query(description="only messages after this seq (catch up)")] = None,
    before_seq: Annotated[Seq | None, Query(description="only messages before this seq (scroll back)")] = None,
    limit: Annotated[int | None, Query(ge=1, le=100, description="page size (default 50)")] = None,
    cursor: Annotated[Text | None, Query(max_length=1000, description="`next_cursor` of the previous page")] = None,
) -> MessagePage:
    """Ascending by ``seq``. With ``after_seq``: the first ``limit`` messages after it — a client that
    reconnects asks with the last seq it has and gets every message it missed, once. With ``before_seq``
    (or neither): the last ``limit`` messages before it (or the latest)."""
    if cursor:
        direction, seq = decode_cursor(cursor, str, int)
        if direction == "a":
            after_seq = seq
        elif direction == "b":
            before_seq = seq
        else:
            raise InvalidInput(code="invalid_cursor")
    items, has_more = await chat_service.list_messages(
        session, user=user, room_id=room_id, after_seq=after_seq, before_seq=before_seq, limit=limit
    )
    next_cursor = None
    if has_more and items:
        next_cursor = encode_cursor("a", items[-1].seq) if after_seq is not None else encode_cursor("b", items[0].seq)
    return MessagePage(items=items, next_cursor=next_cursor)


@router.post(
    "/chat/rooms/{room_id:int}/messages",
    response_model=MessagePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Send a message",
    responses={
        **NOT_FOUND,
        200: {"model": MessagePublic, "description": "A resend of a stored `client_msg_id`: the stored message."},
        403: {"description": "`blocked` (1:1 rooms)"},
        429: {"description": "`rate_limited`"},
    },
)
async def send_message(room_id: Id, body: SendMessage, session: SessionDep, user: CurrentUser) -> Any:
    """Stored, then delivered live (STOMP ``/topic/chat/rooms/{id}``, ``/user/queue/messages``) once committed.
    A resend with the same ``client_msg_id`` answers 200 with the stored message and delivers nothing again."""
    message, created = await chat_sending.do_send_message(
        session, user=user, room_id=room_id, body=body.body, client_msg_id=body.client_msg_id
    )
    if created:
        return message
    return JSONResponse(message.model_dump(mode="json"), status_code=status.HTTP_200_OK)


IMAGE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,
                    "properties": {
                        "file": {"type": "string", "format": "binary", "description": "PNG, JPEG or WebP, ≤ 5 MB"},
                        "client_msg_id": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": 64,
                            "pattern": "^[^\\u0000-\\u001f]*$",
                            "description": "as for a text message: a resend with the same id is stored once",
                        },
                    },
                }
            }
        },
    }
}


@router.post(
    "/chat/rooms/{room_id:int}/attachments",
    response_model=MessagePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Send an image",
    openapi_extra=IMAGE_BODY,
    responses={
        **NOT_FOUND,
        200: {"model": MessagePublic, "description": "A resend of a stored `client_msg_id`: the stored message."},
        400: {"description": "`invalid_image`, `invalid_upload`"},
        403: {"description": "`blocked` (1:1 rooms)"},
        413: {"description": "`image_too_large` (more than 5 MB)"},
        429: {"description": "`rate_limited`"},
    },
)
async def send_image(room_id: Id, request: Request, session: SessionDep, user: CurrentUser) -> Any:
    """Multipart field `file`: checked by its content like an avatar (PNG, JPEG or WebP, ≤ 5 MB, ≤ 4096×4096),
    re-encoded to WebP without metadata, at most 2048 px a side, with a thumbnail of at most 480 px. The message
    has `body: ""` and `attachment: {url, width, height, thumbnail_url}` and is delivered live like any other."""
    content, fields = await read_image_upload(request, extra_fields=("client_msg_id",))
    message, created = await chat_attachments.do_send_image(
        session, user=user, room_id=room_id, content=content, client_msg_id=fields.get("client_msg_id")
    )
    if created:
        return message
    return JSONResponse(message.model_dump(mode="json"), status_code=status.HTTP_200_OK)


@router.post(
    "/chat/rooms/{room_id:int}/read",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Mark read up to a seq",
    responses=NOT_FOUND,
)
async def mark_read(room_id: Id, body: ReadUpTo, session: SessionDep, user: CurrentUser) -> Response:
    """Read state never goes back; a seq past the last message counts as the last message."""
    await chat_service.do_mark_read(session, user=user, room_id=room_id, seq=body.seq)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/chat/rooms/{room_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Hide a 1:1 room for me",
    responses={**NOT_FOUND, 409: {"description": "`cannot_hide_club_room`: leave the club instead"}},
)
async def hide_room(room_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """The room leaves my list and its history so far is cleared for me only; the other person keeps it.
    A new message brings the room back, with what came after."""
    await room_service.do_hide_room(session, user=user, room_id=room_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


MESSAGE_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such message, or not in one of your rooms (`message_not_found`)."}
}


@router.patch(
    "/chat/messages/{message_id:int}",
    response_model=MessagePublic,
    summary="Edit my message",
    responses={
        **MESSAGE_NOT_FOUND,
        403: {
            "description": "`not_your_message`; `edit_window_passed` (24 hours after sending); "
            "`message_gone` (deleted or hidden); `image_not_editable`"
        },
    },
)
async def edit_message(message_id: Id, body: EditMessage, session: SessionDep, user: CurrentUser) -> MessagePublic:
    """The sender only, within 24 hours; the message gets `edited_at`. Delivered live again with the same
    `id` and `seq` (STOMP header `withus-event:message_updated`)."""
    return await chat_edits.do_edit_message(session, user=user, message_id=message_id, body=body.body)


@router.delete(
    "/chat/messages/{message_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a message",
    responses={**MESSAGE_NOT_FOUND, 403: {"description": "`not_your_message`"}},
)
async def delete_message(message_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """The sender, or in a club room the club's host and moderators. The text is removed from the database;
    the message keeps its place as `{"deleted": true, "body": ""}` and is delivered live again with the same
    `id` and `seq` (STOMP header `withus-event:message_deleted`)."""
    await chat_edits.do_delete_message(session, user=user, message_id=message_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
