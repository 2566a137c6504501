"""/api/notifications: my notifications (the SSE stream is in its own module)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.locale import request_locale
from api.schemas.clubs import CountBody, Cursor, Limit, Page
from api.schemas.clubs import problem_responses as _problems
from withus.models.notification import NotificationPublic
from withus.models.types import Id
from withus.services import notifications as notification_service

router = APIRouter(prefix="/notifications", tags=["notifications"], route_class=UnitOfWorkRoute)


@router.get("", response_model=Page[NotificationPublic], responses=_problems(401))
async def list_notifications(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    unread: Annotated[bool, Query(description="Only unread ones.")] = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> Page[NotificationPublic]:
    """Newest first; title and body in the language `Accept-Language` asks for."""
    assert user.id is not None
    items, next_cursor = await notification_service.list_notifications(
        session, user_id=user.id, unread_only=unread, limit=limit, cursor=cursor, locale=request_locale(request)
    )
    return Page(items=items, next_cursor=next_cursor)


@router.get("/unread-count", response_model=CountBody, responses=_problems(401))
async def unread_count(session: SessionDep, user: CurrentUser) -> CountBody:
    assert user.id is not None
    return CountBody(count=await notification_service.count_unread(session, user_id=user.id))


@router.post("/read-all", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401))
async def read_all(session: SessionDep, user: CurrentUser) -> Response:
    assert user.id is not None
    await notification_service.do_mark_all_read(session, user_id=user.id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{notification_id:int}/read", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404))
async def read_one(notification_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Someone else's notification answers 404."""
    assert user.id is not None
    await notification_service.do_mark_read(session, user_id=user.id, notification_id=notification_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/{notification_id:int}", status_code=status.HTTP_204_NO_CONTENT, responses=_problems(401, 404))
async def delete_notification(notification_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Someone else's notification answers 404."""
    assert user.id is not None
    await notification_service.delete(session, user_id=user.id, notification_id=notification_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
