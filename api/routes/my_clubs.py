"""/api/users/me/clubs, /api/users/me/invitations and /api/users/{id}/clubs (the rest of
/api/users is in users.py). The /me paths are declared before /{user_id}."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.schemas.clubs import Cursor, Limit, Page
from api.schemas.clubs import problem_responses as _problems
from withus.errors import NotFound
from withus.models.club import ClubCard, InvitationPublic, MyClub
from withus.models.types import Id
from withus.models.user import User
from withus.services import club_listing
from withus.services import invitations as invitation_service

router = APIRouter(prefix="/users", tags=["clubs"], route_class=UnitOfWorkRoute)


@router.get("/me/clubs", response_model=Page[MyClub], responses=_problems(401))
async def my_clubs(session: SessionDep, user: CurrentUser, limit: Limit = 20, cursor: Cursor = None) -> Page[MyClub]:
    """The clubs I belong to with `my_role`, most recently joined first."""
    items, next_cursor = await club_listing.list_my_clubs(session, user=user, limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/me/invitations", response_model=Page[InvitationPublic], responses=_problems(401))
async def my_invitations(session: SessionDep, user: CurrentUser) -> Page[InvitationPublic]:
    """Pending invitations to me, newest first, in one page."""
    return Page(items=await invitation_service.list_my_invitations(session, user=user))


@router.get("/{user_id:int}/clubs", response_model=Page[ClubCard], responses=_problems(401, 404))
async def hosted_clubs(user_id: Id, session: SessionDep, _viewer: CurrentUser) -> Page[ClubCard]:
    """The open clubs this user hosts (shown on a public profile), newest first, in one page."""
    if await session.get(User, user_id) is None:
        raise NotFound(code="user_not_found")
    clubs = await club_listing.list_hosted_clubs(session, user_id=user_id)
    return Page(items=[club_listing.card(c) for c in clubs])
