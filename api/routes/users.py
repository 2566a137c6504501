"""/api/users: my profile, avatar, password, account; public profiles; blocks.

(/api/users/me/clubs and /api/users/me/invitations are in my_clubs.py.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel

from api.deps import CSRF_COOKIE, SESSION_COOKIE, CurrentAuth, CurrentUser, SessionDep, UnitOfWorkRoute
from api.schemas.accounts import AccountDeletion, PasswordChange, ProfileUpdate, problems
from api.uploads import MAX_UPLOAD_BODY, read_capped
from withus.errors import InvalidInput, TooLarge
from withus.models.types import Id, Text, is_id
from withus.models.user import UserPrivate, UserPublic, UserSummary
from withus.services import images, people_search
from withus.services import users as user_service
from withus.settings import get_settings

router = APIRouter(prefix="/users", tags=["users"], route_class=UnitOfWorkRoute)

# The whole multipart body may carry a little more than the file itself.

AVATAR_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class PeoplePage(BaseModel):
    items: list[UserPublic]
    next_cursor: str | None = None


@router.get("", response_model=PeoplePage, responses=problems(400, 401, 422), summary="Find people by nickname")
async def search_people(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[Text, Query(description="2–20 characters; nicknames that contain it (those starting with it first)")],
    limit: Annotated[int | None, Query(ge=1, le=100, description="page size (default 20)")] = None,
    cursor: Annotated[Text | None, Query(description="`next_cursor` of the previous page")] = None,
) -> PeoplePage:
    """Public views of people whose nickname contains `q`, case-insensitive; deleted accounts, me,
    and people who blocked me or whom I blocked are left out."""
    assert user.id is not None
    items, next_cursor = await people_search.search_people(session, viewer_id=user.id, q=q, limit=limit, cursor=cursor)
    return PeoplePage(items=items, next_cursor=next_cursor)


class BlockedPage(BaseModel):
    items: list[UserSummary]
    next_cursor: str | None = None


@router.get("/me", response_model=UserPrivate, responses=problems(401))
async def get_me(user: CurrentUser) -> UserPrivate:
    """My own profile (private view, with email)."""
    return UserPrivate.of(user)


@router.patch("/me", response_model=UserPrivate, responses=problems(401, 403, 409, 422))
async def update_me(body: ProfileUpdate, user: CurrentUser, session: SessionDep) -> UserPrivate:
    """Change `nickname`, `introduction` (≤ 300 characters), `tags` (≤ 5, each 1–20
    characters, trimmed, no duplicates) and/or `locale` (`ko` | `en`: the language of the
    user's mails). Fields left out stay as they are."""
    await user_service.update(
        session,
        user=user,
        nickname=body.nickname,
        introduction=body.introduction,
        tags=body.tags,
        locale=body.locale,
    )
    return UserPrivate.of(user)


@router.put(
    "/me/avatar",
    response_model=UserPrivate,
    openapi_extra=AVATAR_BODY,
    responses=problems(400, 401, 403, 413, 422),
)
async def put_avatar(request: Request, user: CurrentUser, session: SessionDep) -> UserPrivate:
    """Upload an avatar: multipart field `file`, PNG/JPEG/WebP up to 5 MB, recognised by its
    content. It is re-encoded to WebP without metadata, cropped square and resized to at most
    512 px. Errors: `invalid_image` (400), `image_too_large` (413)."""
    body = await read_capped(request, MAX_UPLOAD_BODY)

    form_request = Request(request.scope, receive=_receive_once(body))
    try:
        form = await form_request.form(max_files=1, max_fields=5)
    except Exception:  # malformed multipart is bad input, not a server error
        raise InvalidInput(code="invalid_upload") from None
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput(code="invalid_upload")
    content = await upload.read(images.MAX_BYTES + 1)
    await form.close()
    if len(content) > images.MAX_BYTES:
        raise TooLarge(code="image_too_large")
    await user_service.do_set_avatar(session, user=user, content=content)
    return UserPrivate.of(user)


def _receive_once(body: bytes) -> Callable[[], Awaitable[dict[str, object]]]:
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


@router.delete("/me/avatar", response_model=UserPrivate, responses=problems(401, 403))
async def delete_avatar(user: CurrentUser, session: SessionDep) -> UserPrivate:
    """Go back to the default avatar."""
    await user_service.do_remove_avatar(session, user=user)
    return UserPrivate.of(user)


@router.post("/me/password", status_code=204, response_class=Response, responses=problems(401, 403, 422, 429))
async def change_password(body: PasswordChange, auth: CurrentAuth, session: SessionDep) -> Response:
    """Change my password (needs the current one: `wrong_password`, 422). Every other login
    session ends at once; this one stays."""
    await user_service.do_change_password(
        session,
        user=auth.user,
        current_password=body.current_password,
        new_password=body.new_password,
        keep_session_id=auth.session_id,
    )
    return Response(status_code=204)


@router.delete("/me", status_code=204, response_class=Response, responses=problems(401, 403, 422, 429))
async def delete_me(body: AccountDeletion, auth: CurrentAuth, session: SessionDep) -> Response:
    """Delete my account (needs the password). Posts, comments and messages stay and show
    "탈퇴한 회원"; clubs I host pass to the longest-standing moderator or member, or close;
    every session ends; the username and email can be used again."""
    await user_service.do_delete_account(session, user=auth.user, password=body.password)
    result = Response(status_code=204)
    if auth.via_cookie:
        secure = get_settings().cookie_secure
        for name in (SESSION_COOKIE, CSRF_COOKIE):
            result.delete_cookie(name, path="/", secure=secure, httponly=name == SESSION_COOKIE, samesite="lax")
    return result


@router.get("/me/blocks", response_model=BlockedPage, responses=problems(401))
async def list_blocks(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[Text | None, Query(max_length=1000, description="`next_cursor` of the previous page.")] = None,
) -> BlockedPage:
    """The people I have blocked."""
    after = int(cursor) if cursor and cursor.isascii() and cursor.isdigit() and len(cursor) <= 10 else None
    if after is not None and not is_id(after):
        after = None
    users = await user_service.list_blocked(session, user=user, limit=limit + 1, after_id=after)
    more = len(users) > limit
    users = users[:limit]
    return BlockedPage(
        items=[UserSummary.of(u) for u in users], next_cursor=str(users[-1].id) if more and users else None
    )


@router.get("/{user_id:int}", response_model=UserPublic, responses=problems(401, 404))
async def get_user(user_id: Id, _viewer: CurrentUser, session: SessionDep) -> UserPublic:
    """A public profile (no email); a deleted account shows the nickname "탈퇴한 회원"."""
    return UserPublic.of(await user_service.get_or_raise(session, user_id=user_id))


@router.post("/{user_id:int}/block", status_code=204, response_class=Response, responses=problems(400, 401, 403, 404))
async def block(user_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Block someone: no chat from them, their content collapsed for me. Idempotent;
    blocking yourself is `cannot_block_self` (400)."""
    await user_service.do_block(session, user=user, target_id=user_id)
    return Response(status_code=204)


@router.delete("/{user_id:int}/block", status_code=204, response_class=Response, responses=problems(400, 401, 403, 404))
async def unblock(user_id: Id, user: CurrentUser, session: SessionDep) -> Response:
    """Unblock someone (idempotent)."""
    await user_service.do_unblock(session, user=user, target_id=user_id)
    return Response(status_code=204)
