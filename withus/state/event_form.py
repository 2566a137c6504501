"""The event forms of the web UI as the API's bodies: the club page's new-event form
(:func:`create_body`) and the event page's edit form (:func:`update_body`, which sends only what
the form changed, so that an edit of ``following`` occurrences does not overwrite what each of
them kept of its own). Pure functions; every rule stays in ``withus.services.events``.

Times are Korean wall-clock times: a date, a start and an end time of day. An end earlier than
the start is the next day (a 22:00–02:00 evening); the RSVP deadline is a date and a time.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from withus.models.event_schemas import EventCreate, EventPublic, EventUpdate, RepeatSpec
from withus.state.text import as_kst, parse_day


@dataclasses.dataclass
class EditValues:
    """What the edit form shows first (strings, as the inputs hold them)."""

    title: str = ""
    description: str = ""
    date: str = ""
    start: str = ""
    end: str = ""
    location: str = ""
    map_url: str = ""
    capacity: str = ""
    deadline_date: str = ""
    deadline_time: str = ""


def edit_values(e: EventPublic) -> EditValues:
    start, end = as_kst(e.starts_at), as_kst(e.ends_at)
    deadline = as_kst(e.rsvp_deadline) if e.rsvp_deadline is not None else None
    return EditValues(
        title=e.title,
        description=e.description,
        date=start.date().isoformat(),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
        location=e.location or "",
        map_url=e.map_url or "",
        capacity=str(e.capacity) if e.capacity is not None else "",
        deadline_date=deadline.date().isoformat() if deadline else "",
        deadline_time=f"{deadline:%H:%M}" if deadline else "",
    )


def _text(form: dict[str, Any], key: str) -> str:
    return str(form.get(key, "") or "").strip()


def _moment(date: str, clock: str) -> datetime | str:
    """A naive Korean wall-clock time (the schema takes it as Korean time); the raw text when it
    does not parse (the schema then says what is wrong)."""
    try:
        return datetime.fromisoformat(f"{date}T{clock}")
    except ValueError:
        return f"{date} {clock}".strip()


def _span(date: str, start: str, end: str) -> tuple[datetime | str, datetime | str]:
    starts, ends = _moment(date, start), _moment(date, end)
    if isinstance(starts, datetime) and isinstance(ends, datetime) and ends < starts:
        ends += timedelta(days=1)
    return starts, ends


def _deadline(form: dict[str, Any]) -> datetime | str | None:
    date, clock = _text(form, "deadline_date"), _text(form, "deadline_time")
    if not date and not clock:
        return None
    return _moment(date, clock or "00:00")


def repeat_spec(form: dict[str, Any]) -> RepeatSpec | None:
    """``repeat`` (none / weekly / monthly) with a count or an until-date (the day's end)."""
    freq = _text(form, "repeat")
    if freq in ("", "none"):
        return None
    count = _text(form, "count")
    until = _text(form, "until")
    body: dict[str, Any] = {"freq": freq}
    if count:
        body["count"] = count
    if until:
        try:
            body["until"] = parse_day(until, end_of_day=True)
        except ValueError:
            body["until"] = until
    return RepeatSpec.model_validate(body)


def create_body(form: dict[str, Any]) -> EventCreate:
    """The new-event form as the API's body (raises pydantic's ValidationError)."""
    starts, ends = _span(_text(form, "date"), _text(form, "start"), _text(form, "end"))
    return EventCreate.model_validate(
        {
            "title": form.get("title", ""),
            "description": form.get("description", ""),
            "starts_at": starts,
            "ends_at": ends,
            "location": _text(form, "location") or None,
            "map_url": _text(form, "map_url") or None,
            "capacity": _text(form, "capacity") or None,
            "rsvp_deadline": _deadline(form),
            "repeat": repeat_spec(form),
        }
    )


def update_body(form: dict[str, Any], before: EditValues) -> EventUpdate:
    """The edit form as a PATCH body holding only the fields the form changed: a changed date,
    start or end sends both times; an emptied capacity or deadline sends ``null`` (no limit, no
    deadline)."""
    body: dict[str, Any] = {}
    for key in ("title", "description"):
        if str(form.get(key, "")) != getattr(before, key):
            body[key] = form.get(key, "")
    for key in ("location", "map_url", "capacity"):
        value = _text(form, key)
        if value != getattr(before, key):
            body[key] = value or None
    when = (_text(form, "date"), _text(form, "start"), _text(form, "end"))
    if when != (before.date, before.start, before.end):
        body["starts_at"], body["ends_at"] = _span(*when)
    if (_text(form, "deadline_date"), _text(form, "deadline_time")) != (before.deadline_date, before.deadline_time):
        body["rsvp_deadline"] = _deadline(form)
    return EventUpdate.model_validate(body)
