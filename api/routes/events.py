"""Events of clubs, answers (RSVP) and the waitlist. Every rule lives in ``withus.services.events``,
``withus.services.rsvp`` and ``withus.services.event_views``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.deps import CallerId, CurrentUser, OptionalReaderId, OptionalUser, SessionDep, UnitOfWorkRoute
from api.schemas.board import problems
from api.schemas.clubs import Cursor, Limit
from withus.models.event_schemas import (
    Attendees,
    EventCreate,
    EventPage,
    EventPublic,
    EventUpdate,
    RsvpBody,
    RsvpResult,
    aware_kst,
)
from withus.models.types import Id, IsoDateTime
from withus.services import event_lists, event_views, events, rsvp

router = APIRouter(tags=["events"], route_class=UnitOfWorkRoute)

READ_403 = "Private club and not a member (`not_a_member`)."
CLUB_404 = "No such club, or it is closed (`club_not_found`)."
EVENT_404 = "No such event, or its club is closed (`event_not_found`)."
MANAGE_403 = "Not a member (`not_a_member`), or a plain member (`insufficient_role`)."
SCOPE = Annotated[
    Literal["this", "following"],
    Query(description="For an occurrence of a series: this one only, or it and every later one."),
]
TIMES_422 = (
    "Validation failed (`validation_failed`, `ends_before_start`, `starts_in_past`, `deadline_after_start`, "
    "`repeat_count_too_large`, `repeat_until_too_far`, `invalid_repeat`); `errors` names each field."
)


@router.get(
    "/clubs/{club_id:int}/events",
    response_model=EventPage,
    summary="A club's events",
    responses=problems(401, s400="Bad `cursor` (`invalid_cursor`).", s403=READ_403, s404=CLUB_404, s422=TIMES_422),
)
async def list_club_events(
    club_id: Id,
    session: SessionDep,
    reader_id: OptionalReaderId,
    from_: Annotated[IsoDateTime | None, Query(alias="from", description="Start at or after (default: now).")] = None,
    to: Annotated[IsoDateTime | None, Query(description="Start before.")] = None,
    past: Annotated[bool, Query(description="Events that started before `to` (default now), newest first.")] = False,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> EventPage:
    """Upcoming first (by start, then id); cancelled events are listed with `status: "cancelled"`. Reading
    follows the club's visibility. A time without an offset is Korean time."""
    return await event_lists.list_club_events(
        session,
        club_id,
        reader_id=reader_id,
        from_=aware_kst(from_),
        to=aware_kst(to),
        past=past,
        limit=limit,
        cursor=cursor,
    )


@router.post(
    "/clubs/{club_id:int}/events",
    response_model=EventPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create an event (or a series)",
    responses=problems(401, s403=MANAGE_403, s404=CLUB_404, s422=TIMES_422),
)
async def create_event(club_id: Id, body: EventCreate, session: SessionDep, user: CurrentUser) -> EventPublic:
    """The host and moderators. Times are ISO 8601; without an offset they are Korean time. `repeat` makes a
    weekly or monthly series, every occurrence an event of its own (its own answers) with the same
    `series_id`: at most 52 weekly or 12 monthly occurrences, none more than 365 days after the first
    (`count` above that or `until` beyond it → 422). Answers the first occurrence; members are notified
    (`event_created`)."""
    return await events.do_create_event(session, club_id, user=user, data=body)


@router.get(
    "/events/{event_id:int}",
    response_model=EventPublic,
    summary="An event",
    responses=problems(401, 422, s403=READ_403, s404=EVENT_404),
)
async def get_event(event_id: Id, session: SessionDep, user: OptionalUser) -> EventPublic:
    """Per the club's visibility. `my_rsvp` and `waitlist_position` are the caller's; `rsvp_open` and
    `can_manage` say what the caller may do now."""
    return await event_views.get_event(session, event_id, user=user)


@router.patch(
    "/events/{event_id:int}",
    response_model=EventPublic,
    summary="Edit an event",
    responses=problems(
        401,
        s403=MANAGE_403,
        s404=EVENT_404,
        s409="Cancelled (`event_cancelled`); a capacity below those going (`capacity_below_going`).",
        s422=TIMES_422,
    ),
)
async def update_event(
    event_id: Id, body: EventUpdate, session: SessionDep, user: CurrentUser, scope: SCOPE = "this"
) -> EventPublic:
    """The host and moderators; only the fields sent change. Moving `starts_at` moves the end and the RSVP
    deadline with it unless they are sent too; with `scope=following` every later occurrence of the series
    moves by the same amount and takes the other fields sent. A capacity below the number going is refused
    (409 `capacity_below_going`); a larger one moves the waitlist up. Attendees are notified
    (`event_updated`) when the time or the place changed."""
    return await events.do_update_event(session, event_id, user=user, data=body, scope=scope)


@router.delete(
    "/events/{event_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Cancel an event",
    responses=problems(401, 422, s403=MANAGE_403, s404=EVENT_404),
)
async def cancel_event(event_id: Id, session: SessionDep, user: CurrentUser, scope: SCOPE = "this") -> Response:
    """The host and moderators. The event stays, with `status: "cancelled"` (RSVP closes); attendees are
    notified (`event_cancelled`). `scope=following` cancels every later occurrence of the series too."""
    await events.do_cancel_event(session, event_id, user=user, scope=scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put(
    "/events/{event_id:int}/rsvp",
    response_model=RsvpResult,
    summary="Answer (RSVP)",
    responses=problems(
        401,
        422,
        s403="Not a member of the club (`not_a_member`).",
        s404=EVENT_404,
        s409="Cancelled, past the deadline or started (`rsvp_closed`).",
    ),
)
async def put_rsvp(event_id: Id, body: RsvpBody, user_id: CallerId) -> RsvpResult:
    """Members. `going` when there is room, otherwise `waitlisted` with a position, first come first
    served; answering the same again changes nothing. When someone going answers `not_going`, the first
    on the waitlist moves to going at once and is notified (`event_promoted`, and a mail)."""
    # Its own unit of work, opened when the event's turn in this process comes (not the route's):
    # a burst of answers to one event waits without holding database connections.
    return await rsvp.answer(event_id, user_id=user_id, response=body.response)


@router.get(
    "/events/{event_id:int}/attendees",
    response_model=Attendees,
    summary="Who is going, and the waitlist",
    responses=problems(401, 422, s403="Not a member of the club (`not_a_member`).", s404=EVENT_404),
)
async def get_attendees(event_id: Id, session: SessionDep, user: OptionalUser) -> Attendees:
    """Members of the club: going and waitlist, each in the order they answered."""
    return await event_views.attendees(session, event_id, user=user)


@router.get(
    "/users/me/events",
    response_model=EventPage,
    summary="My events",
    responses=problems(401, 422, s400="Bad `cursor` (`invalid_cursor`)."),
)
async def my_events(session: SessionDep, reader_id: CallerId, limit: Limit = 20, cursor: Cursor = None) -> EventPage:
    """Events I am going to or waitlisted for that have not ended, upcoming first (cancelled ones too)."""
    return await event_lists.list_my_events(session, reader_id=reader_id, limit=limit, cursor=cursor)
