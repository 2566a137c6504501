"""Calendar files (RFC 5545): one event's ``.ics`` and the private per-user feed. The rules live in
``withus.services.calendar``."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import CurrentUser, OptionalUser, SessionDep, UnitOfWorkRoute
from api.schemas.board import problems
from withus.models.event_schemas import CalendarFeedAddress
from withus.models.types import Id
from withus.services import calendar

router = APIRouter(tags=["events"], route_class=UnitOfWorkRoute)

ICS = {"content": {"text/calendar": {"schema": {"type": "string"}}}, "description": "An iCalendar file (RFC 5545)."}


@router.get(
    "/events/{event_id:int}/calendar.ics",
    response_class=Response,
    summary="An event as a calendar file",
    responses={
        200: ICS,
        **problems(
            401,
            422,
            s403="Private club and not a member (`not_a_member`).",
            s404="No such event, or its club is closed (`event_not_found`).",
        ),
    },
)
async def event_ics(event_id: Id, session: SessionDep, user: OptionalUser) -> Response:
    """Per the club's visibility. `UID` is stable per event, `SEQUENCE` grows on each change, a cancelled
    event has `STATUS:CANCELLED`; times carry `TZID=Asia/Seoul`; `URL` is the event page."""
    body = await calendar.event_ics(session, event_id, user=user)
    return Response(
        body,
        media_type=calendar.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}.ics"'},
    )


@router.post(
    "/users/me/calendar-feed",
    response_model=CalendarFeedAddress,
    summary="A new private calendar feed address",
    responses=problems(401),
)
async def new_feed(session: SessionDep, user: CurrentUser) -> CalendarFeedAddress:
    """A new secret address of my calendar feed (the events I am going to), for Google Calendar, Apple
    Calendar or Thunderbird to subscribe to. The previous address stops working (404)."""
    return CalendarFeedAddress(url=await calendar.do_new_feed(session, user=user))


@router.get(
    "/calendar/{token}.ics",
    response_class=Response,
    summary="My calendar feed",
    responses={
        200: ICS,
        404: {
            "description": "Unknown or replaced address (`feed_not_found`).",
            "content": {"application/problem+json": {}},
        },
    },
)
async def feed(token: str, session: SessionDep) -> Response:
    """Whoever holds the address (no login): the events its owner is going to, from 30 days back, cancelled
    ones included with `STATUS:CANCELLED`."""
    return Response(await calendar.feed_ics(session, token), media_type=calendar.MEDIA_TYPE)
