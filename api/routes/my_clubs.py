"""/api/users/me/clubs and /api/users/me/invitations (the rest of /api/users is in users.py)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep
from api.schemas.clubs import Cursor, Limit, Page
from api.schemas.clubs import problem_responses as _problems
from withus.models.club import InvitationPublic, MyClub
from withus.services import clubs as club_service
from withus.services import membership as membership_service

router = APIRouter(prefix="/users/me", tags=["clubs"])


@router.get("/clubs", response_model=Page[MyClub], responses=_problems(401))
async def my_clubs(session: SessionDep, user: CurrentUser, limit: Limit = 20, cursor: Cursor = None) -> Page[MyClub]:
    """The clubs I belong to with `my_role`, most recently joined first."""
    items, next_cursor = await club_service.list_my_clubs(session, user=user, limit=limit, cursor=cursor)
    return Page(items=items, next_cursor=next_cursor)


@router.get("/invitations", response_model=Page[InvitationPublic], responses=_problems(401))
async def my_invitations(session: SessionDep, user: CurrentUser) -> Page[InvitationPublic]:
    """Pending invitations to me, newest first, in one page."""
    return Page(items=await membership_service.list_my_invitations(session, user=user))
