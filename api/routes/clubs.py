"""/api/clubs: discovery, the club itself, and its membership (join, leave, requests,
invitations, members, roles, bans). Rules live in withus.services.clubs and .membership."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile, status

from api.deps import CurrentUser, OptionalUser, SessionDep, UnitOfWorkRoute
from api.schemas.clubs import Cursor, JoinBody, Limit, Page, RoleBody, UserIdBody
from api.schemas.clubs import problem_responses as _problems
from withus.errors import TooLarge
from withus.models.club import (
    BanPublic,
    Category,
    CategoryPublic,
    ClubCard,
    ClubCreate,
    ClubPublic,
    ClubUpdate,
    InvitationPublic,
    JoinRequestPublic,
    JoinResult,
    MemberPublic,
)
from withus.models.types import Id, Text
from withus.services import club_listing, images
from withus.services import clubs as club_service
from withus.services import invitations as invitation_service
from withus.services import member_roles as member_service
from withus.services import membership as membership_service

router = APIRouter(prefix="/clubs", tags=["clubs"], route_class=UnitOfWorkRoute)


@router.get("/categories", response_model=list[CategoryPublic])
async def list_categories() -> list[dict[str, str]]:
    return club_listing.categories()


@router.get("", response_model=Page[ClubCard], responses=_problems(422))
async def list_clubs(
    session: SessionDep,
    category: Category | None = None,
    q: Annotated[Text | None, Query(max_length=100, description="Keyword in the name or description.")] = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[ClubCard]:
    """Open clubs, newest first; `recruiting` = inside the recruiting window and below capacity."""
    cards, next_cursor = await club_listing.list_clubs(session, category=category, q=q, limit=limit, cursor=cursor)
    return Page(items=cards, next_cursor=next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ClubPublic, responses=_problems(401, 422, 429))
async def create_club(body: ClubCreate, session: SessionDep, user: CurrentUser) -> ClubPublic:
    club = await club_service.do_create_club(session, user=user, data=body)
    return await club_listing.public_view(session, club=club, user=user)


@router.get("/{club_id:int}", response_model=ClubPublic, responses=_problems(404))
async def get_club(club_id: Id, session: SessionDep, user: OptionalUser) -> ClubPublic:
    """A private club shows non-members its listed fields only (`restricted: true`; `host`,
    `location` and `chat_room_id` null). `chat_room_id` is given to members only."""
    club = await club_service.get_club_or_raise(session, club_id=club_id)
    return await club_listing.public_view(session, club=club, user=user)


@router.patch("/{club_id:int}", response_model=ClubPublic, responses=_problems(401, 403, 404, 422))
async def update_club(club_id: Id, body: ClubUpdate, session: SessionDep, user: CurrentUser) -> ClubPublic:
    """Host or moderator. Send only what changes; `null` clears capacity, location and the window."""
    club = await club_service.do_update_club(session, club_id=club_id, user=user, data=body)
    return await club_listing.public_view(session, club=club, user=user)


@router.delete("/{club_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 403, 404))
async def close_club(club_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Host only: the club is closed and answers 404 from then on."""
    await club_service.do_close_club(session, club_id=club_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/{club_id:int}/image", response_model=ClubPublic, responses=_problems(401, 403, 404, 413))
async def put_club_image(
    club_id: Id, session: SessionDep, user: CurrentUser, file: Annotated[UploadFile, File()]
) -> ClubPublic:
    """Host or moderator: PNG, JPEG or WebP up to 5 MB, re-encoded; 400 `invalid_image` otherwise."""
    content = await file.read(images.MAX_BYTES + 1)
    if len(content) > images.MAX_BYTES:
        raise TooLarge(code="image_too_large")
    club = await club_service.do_set_cover(session, club_id=club_id, user=user, content=content)
    return await club_listing.public_view(session, club=club, user=user)


# ---------------------------------------------------------------- joining and leaving


@router.post("/{club_id:int}/join", response_model=JoinResult, responses=_problems(401, 403, 404, 409, 422, 429))
async def join_club(club_id: Id, session: SessionDep, user: CurrentUser, body: JoinBody | None = None) -> JoinResult:
    """`open` → `member` at once; `approval` → `pending` request (optional message ≤ 300);
    `invite` → 403 `invite_only` (unless I hold a pending invitation, which this accepts).
    403 `banned`; 409 `already_member`, `request_pending`, `not_recruiting`, `club_full`."""
    result = await membership_service.do_join(session, club_id=club_id, user=user, message=body.message if body else "")
    return JoinResult(status=result)  # type: ignore[arg-type]


@router.delete("/{club_id:int}/join-requests/me", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404))
async def withdraw_join_request(club_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Withdraw my pending request; 404 `request_not_found` when none is pending."""
    await membership_service.do_withdraw_request(session, club_id=club_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{club_id:int}/leave", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 403, 404, 409))
async def leave_club(club_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """The host gets 409 `host_must_transfer`; a non-member 403 `not_a_member`."""
    await membership_service.do_leave(session, club_id=club_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- members


@router.get("/{club_id:int}/members", response_model=Page[MemberPublic], responses=_problems(401, 403, 404))
async def list_members(
    club_id: Id, session: SessionDep, user: OptionalUser, limit: Limit = 20, cursor: Cursor = None
) -> Page[MemberPublic]:
    """Host, moderators, then members by seniority. Private club: members only."""
    items, next_cursor = await member_service.list_members(
        session, club_id=club_id, user=user, limit=limit, cursor=cursor
    )
    return Page(items=items, next_cursor=next_cursor)


@router.patch(
    "/{club_id:int}/members/{user_id:int}", response_model=MemberPublic, responses=_problems(401, 403, 404, 409)
)
async def change_role(club_id: Id, user_id: Id, body: RoleBody, session: SessionDep, user: CurrentUser) -> MemberPublic:
    """Host only. The host's own role changes by transfer (409 `use_transfer`)."""
    return await member_service.do_change_role(session, club_id=club_id, actor=user, user_id=user_id, role=body.role)


@router.delete(
    "/{club_id:int}/members/{user_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_problems(401, 403, 404, 409),
)
async def remove_member(
    club_id: Id,
    user_id: Id,
    session: SessionDep,
    user: CurrentUser,
    ban: Annotated[bool, Query(description="Also ban: they cannot join or be invited until unbanned.")] = False,
) -> Response:
    """Host or moderator; a moderator cannot remove the host or another moderator (403 `insufficient_role`)."""
    await member_service.do_remove_member(session, club_id=club_id, actor=user, user_id=user_id, ban=ban)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{club_id:int}/transfer", response_model=MemberPublic, responses=_problems(401, 403, 404, 409))
async def transfer_host(club_id: Id, body: UserIdBody, session: SessionDep, user: CurrentUser) -> MemberPublic:
    """Host only, to a member (404 `member_not_found` otherwise); the old host becomes a moderator."""
    return await member_service.do_transfer_host(session, club_id=club_id, actor=user, user_id=body.user_id)


# ---------------------------------------------------------------- join requests


@router.get("/{club_id:int}/join-requests", response_model=Page[JoinRequestPublic], responses=_problems(401, 403, 404))
async def list_join_requests(club_id: Id, session: SessionDep, user: CurrentUser) -> Page[JoinRequestPublic]:
    """Host or moderator: every pending request, oldest first, in one page."""
    return Page(items=await membership_service.list_join_requests(session, club_id=club_id, user=user))


@router.post(
    "/{club_id:int}/join-requests/{user_id:int}/approve",
    response_model=MemberPublic,
    responses=_problems(401, 403, 404, 409),
)
async def approve_join_request(club_id: Id, user_id: Id, session: SessionDep, user: CurrentUser) -> MemberPublic:
    """Host or moderator. 409 `request_not_pending` (withdrawn or already handled), `club_full`."""
    return await membership_service.do_approve_request(session, club_id=club_id, actor=user, user_id=user_id)


@router.post(
    "/{club_id:int}/join-requests/{user_id:int}/decline",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_problems(401, 403, 404, 409),
)
async def decline_join_request(club_id: Id, user_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    await membership_service.do_decline_request(session, club_id=club_id, actor=user, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- invitations and bans


@router.post(
    "/{club_id:int}/invitations",
    status_code=status.HTTP_201_CREATED,
    response_model=InvitationPublic,
    responses=_problems(401, 403, 404, 409, 429),
)
async def invite(club_id: Id, body: UserIdBody, session: SessionDep, user: CurrentUser) -> InvitationPublic:
    """Host or moderator. 409 `already_member`, `invitation_pending`, `user_banned`; 404 `user_not_found`."""
    return await invitation_service.do_invite(session, club_id=club_id, actor=user, user_id=body.user_id)


@router.get("/{club_id:int}/invitations", response_model=Page[InvitationPublic], responses=_problems(401, 403, 404))
async def list_club_invitations(club_id: Id, session: SessionDep, user: CurrentUser) -> Page[InvitationPublic]:
    """Host or moderator: pending invitations, newest first, in one page."""
    return Page(items=await invitation_service.list_club_invitations(session, club_id=club_id, user=user))


@router.delete(
    "/{club_id:int}/invitations/{invitation_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_problems(401, 403, 404, 409),
)
async def cancel_invitation(club_id: Id, invitation_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Host or moderator withdraws a pending invitation (409 `invitation_not_pending`)."""
    await invitation_service.do_cancel_invitation(session, club_id=club_id, actor=user, invitation_id=invitation_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{club_id:int}/bans", response_model=Page[BanPublic], responses=_problems(401, 403, 404))
async def list_bans(club_id: Id, session: SessionDep, user: CurrentUser) -> Page[BanPublic]:
    """Host or moderator, newest first, in one page."""
    return Page(items=await member_service.list_bans(session, club_id=club_id, user=user))


@router.delete(
    "/{club_id:int}/bans/{user_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 403, 404)
)
async def unban(club_id: Id, user_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Host or moderator; 404 `ban_not_found` when the user is not banned."""
    await member_service.do_unban(session, club_id=club_id, actor=user, user_id=user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
