"""The fields of an event's forms, shared by the club page's new-event dialog and the event
page's edit dialog: title, description, date with start and end, place, map link, capacity, the
RSVP deadline and (new events) the repeat with a count or an until-date. Errors show under
their field; ``errors`` is the state's field → message dict. No database access."""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.i18n.ui import tr
from withus.models.event import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX

# The service's error fields → the form field under which they show.
ERROR_FIELDS = {"date": ("date", "starts_at"), "end": ("end", "ends_at"), "deadline_date": ("rsvp_deadline",)}


def field_error(errors: rx.Var, *names: str) -> rx.Component:
    shown = [
        rx.cond(errors.contains(name), rx.text(errors[name], color_scheme="red", size="2", role="alert"))
        for name in names
    ]
    return rx.fragment(*shown)


def field(
    prefix: str, name: str, label: rx.Var[str], errors: rx.Var, *, type_: str = "text", **props: Any
) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"{prefix}-{name}", style={"fontWeight": "600", "fontSize": "var(--font-size-2)"}),
        rx.input(id=f"{prefix}-{name}", name=name, type=type_, width="100%", **props),
        field_error(errors, *ERROR_FIELDS.get(name, (name,))),
        spacing="1",
        width="100%",
        flex="1",
    )


def _row(*children: rx.Component) -> rx.Component:
    return rx.flex(*children, gap="8px", width="100%", direction=rx.breakpoints(initial="column", sm="row"))


def event_fields(prefix: str, errors: rx.Var, values: Any = None) -> rx.Component:
    """Every field of an event; ``values`` (the edit form's first values) fills them."""

    def first(key: str) -> dict[str, Any]:
        return {"default_value": getattr(values, key)} if values is not None else {}

    return rx.vstack(
        field(prefix, "title", tr("event.field.title"), errors, max_length=TITLE_MAX, required=True, **first("title")),
        rx.vstack(
            rx.el.label(tr("event.field.description"), html_for=f"{prefix}-description"),
            rx.text_area(
                id=f"{prefix}-description",
                name="description",
                max_length=DESCRIPTION_MAX,
                width="100%",
                **first("description"),
            ),
            field_error(errors, "description"),
            width="100%",
            spacing="1",
        ),
        _row(
            field(prefix, "date", tr("event.field.date"), errors, type_="date", required=True, **first("date")),
            field(prefix, "start", tr("event.field.start"), errors, type_="time", required=True, **first("start")),
            field(prefix, "end", tr("event.field.end"), errors, type_="time", required=True, **first("end")),
        ),
        rx.text(tr("event.time.help"), size="1", color_scheme="gray"),
        field(prefix, "location", tr("event.field.location"), errors, max_length=LOCATION_MAX, **first("location")),
        field(
            prefix,
            "map_url",
            tr("event.field.map_url"),
            errors,
            type_="url",
            placeholder="https://",
            **first("map_url"),
        ),
        field(prefix, "capacity", tr("event.field.capacity"), errors, type_="number", min=1, **first("capacity")),
        _row(
            field(
                prefix, "deadline_date", tr("event.field.deadline_date"), errors, type_="date", **first("deadline_date")
            ),
            field(
                prefix, "deadline_time", tr("event.field.deadline_time"), errors, type_="time", **first("deadline_time")
            ),
        ),
        rx.text(tr("event.deadline.help"), size="1", color_scheme="gray"),
        spacing="3",
        width="100%",
    )


def repeat_fields(prefix: str, errors: rx.Var) -> rx.Component:
    """A new event's repeat: none, weekly or monthly, with a count or an until-date."""
    return rx.vstack(
        _row(
            rx.vstack(
                rx.el.label(tr("event.field.repeat"), html_for=f"{prefix}-repeat"),
                rx.el.select(
                    rx.el.option(tr("event.repeat.none"), value="none"),
                    rx.el.option(tr("event.repeat.weekly"), value="weekly"),
                    rx.el.option(tr("event.repeat.monthly"), value="monthly"),
                    id=f"{prefix}-repeat",
                    name="repeat",
                    default_value="none",
                    style={"minHeight": "32px"},
                ),
                spacing="1",
            ),
            field(prefix, "count", tr("event.field.count"), errors, type_="number", min=2, max=52),
            field(prefix, "until", tr("event.field.until"), errors, type_="date"),
        ),
        rx.text(tr("event.repeat.help"), size="1", color_scheme="gray"),
        field_error(errors, "repeat"),
        spacing="1",
        width="100%",
    )


def scope_choice(value: rx.Var[str], on_change: Any, *, testid: str) -> rx.Component:
    """For an occurrence of a series: this one only, or it and every later one."""
    return rx.vstack(
        rx.text(tr("event.scope.label"), weight="bold", size="2"),
        rx.radio_group.root(
            rx.flex(
                rx.el.label(
                    rx.flex(rx.radio_group.item(value="this"), tr("event.scope.this"), gap="6px", align="center"),
                ),
                rx.el.label(
                    rx.flex(
                        rx.radio_group.item(value="following"), tr("event.scope.following"), gap="6px", align="center"
                    ),
                ),
                gap="12px",
                wrap="wrap",
            ),
            value=value,
            on_change=on_change,
            custom_attrs={"data-testid": testid},
        ),
        spacing="1",
        width="100%",
    )
