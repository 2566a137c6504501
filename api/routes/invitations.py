"""/api/invitations/{id}: the invitee accepts or declines (anyone else: 404)."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.schemas.clubs import problem_responses as _problems
from withus.models.club import InvitationPublic
from withus.models.types import Id
from withus.services import invitations as invitation_service

router = APIRouter(prefix="/invitations", tags=["clubs"], route_class=UnitOfWorkRoute)


@router.post("/{invitation_id:int}/accept", response_model=InvitationPublic, responses=_problems(401, 403, 404, 409))
async def accept_invitation(invitation_id: Id, session: SessionDep, user: CurrentUser) -> InvitationPublic:
    """I become a member. 403 `banned`; 409 `club_full`, `already_member`, `invitation_not_pending`."""
    return await invitation_service.do_accept_invitation(session, invitation_id=invitation_id, user=user)


@router.post("/{invitation_id:int}/decline", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404, 409))
async def decline_invitation(invitation_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    await invitation_service.do_decline_invitation(session, invitation_id=invitation_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
