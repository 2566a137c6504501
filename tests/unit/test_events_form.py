"""The event forms of the web UI as API bodies (withus.state.event_form): what the new-event form
sends, and that the edit form sends only what changed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from withus.models.event_schemas import KST, EventPublic
from withus.state.event_form import create_body, edit_values, update_body


def _event(**extra: object) -> EventPublic:
    starts = datetime(2031, 3, 7, 19, 0, tzinfo=KST)
    base: dict[str, object] = {
        "id": 1,
        "club_id": 1,
        "series_id": 9,
        "title": "풋살",
        "description": "잠실",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "location": "잠실 풋살장",
        "capacity": 10,
        "rsvp_deadline": starts - timedelta(hours=3),
        "status": "scheduled",
        "going_count": 0,
        "waitlist_count": 0,
    }
    base.update(extra)
    return EventPublic.model_validate(base)


def _form(**extra: str) -> dict[str, str]:
    form = {"title": "풋살", "description": "", "date": "2031-03-07", "start": "19:00", "end": "21:00"}
    form.update(extra)
    return form


def test_create_with_a_deadline_and_an_until_date() -> None:
    body = create_body(
        _form(deadline_date="2031-03-06", deadline_time="18:00", repeat="weekly", until="2031-04-30", capacity="8")
    )
    assert body.starts_at == datetime(2031, 3, 7, 19, 0, tzinfo=KST)
    assert body.rsvp_deadline == datetime(2031, 3, 6, 18, 0, tzinfo=KST)
    assert body.capacity == 8
    assert body.repeat is not None and body.repeat.freq == "weekly" and body.repeat.count is None
    # The until-date is the whole Korean day: an occurrence that evening still counts.
    assert body.repeat.until == datetime(2031, 4, 30, 23, 59, 59, tzinfo=KST)


def test_create_with_a_count_and_no_repeat() -> None:
    assert create_body(_form(repeat="monthly", count="3")).repeat.count == 3  # type: ignore[union-attr]
    assert create_body(_form(repeat="none", count="3")).repeat is None
    assert create_body(_form()).rsvp_deadline is None


def test_an_end_before_the_start_is_the_next_day() -> None:
    body = create_body(_form(start="22:00", end="01:30"))
    assert body.ends_at - body.starts_at == timedelta(hours=3, minutes=30)


@pytest.mark.parametrize("extra", [{"date": "어제"}, {"capacity": "many"}, {"repeat": "daily"}])
def test_bad_input_is_a_validation_error(extra: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        create_body(_form(**extra))


def test_an_unchanged_edit_form_sends_nothing() -> None:
    before = edit_values(_event())
    unchanged = {k: getattr(before, k) for k in before.__dataclass_fields__}
    assert update_body(unchanged, before).model_fields_set == set()


def test_the_edit_form_sends_only_what_changed() -> None:
    before = edit_values(_event())
    form = {k: getattr(before, k) for k in before.__dataclass_fields__}
    assert (form["date"], form["start"], form["end"], form["capacity"]) == ("2031-03-07", "19:00", "21:00", "10")
    assert (form["deadline_date"], form["deadline_time"]) == ("2031-03-07", "16:00")

    moved = update_body({**form, "start": "20:00", "end": "22:30"}, before)
    assert moved.model_fields_set == {"starts_at", "ends_at"}
    assert moved.starts_at == datetime(2031, 3, 7, 20, 0, tzinfo=KST)

    roomier = update_body({**form, "capacity": "20", "title": "풋살 (20명)"}, before)
    assert roomier.model_fields_set == {"capacity", "title"} and roomier.capacity == 20

    unlimited = update_body({**form, "capacity": "", "deadline_date": "", "deadline_time": ""}, before)
    assert unlimited.model_fields_set == {"capacity", "rsvp_deadline"}
    assert unlimited.capacity is None and unlimited.rsvp_deadline is None

    later = update_body({**form, "deadline_time": "18:30"}, before)
    assert later.model_fields_set == {"rsvp_deadline"}
    assert later.rsvp_deadline == datetime(2031, 3, 7, 18, 30, tzinfo=KST)
