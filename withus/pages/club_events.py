"""The club page's 일정 tab: upcoming events first, past ones folded below, and the staff's
new-event dialog (a single event or a weekly / monthly series). State: ``ClubEventsState``."""

from __future__ import annotations

import reflex as rx

from withus.components.event_form import event_fields, repeat_fields
from withus.components.event_items import event_row
from withus.i18n.ui import tr
from withus.state.events import ClubEventsState

S = ClubEventsState


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("event.new")),
            rx.form(
                rx.vstack(
                    event_fields("event", S.errors),
                    repeat_fields("event", S.errors),
                    rx.cond(S.errors.contains("form"), rx.callout(S.errors["form"], color_scheme="red", role="alert")),
                    rx.flex(
                        rx.dialog.close(
                            rx.button(tr("event.close"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(tr("event.create"), type="submit", loading=S.saving),
                        gap="8px",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.create,
            ),
            max_width="560px",
        ),
        open=S.create_open,
        on_open_change=S.set_create_open,
    )


def _skeleton() -> rx.Component:
    return rx.vstack(
        *[rx.skeleton(rx.box(height="52px", width="100%"), loading=True) for _ in range(3)],
        spacing="2",
        width="100%",
    )


def _empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("calendar", size=28, color="var(--gray-8)"),
            rx.text(tr("event.none_upcoming"), color_scheme="gray", size="2"),
            align="center",
            spacing="2",
        ),
        padding_y="24px",
        width="100%",
    )


def _more(has_more: rx.Var[bool], on_click: object, testid: str) -> rx.Component:
    return rx.cond(
        has_more,
        rx.button(
            tr("common.more"),
            on_click=on_click,
            loading=S.loading_more,
            variant="soft",
            color_scheme="gray",
            width="100%",
            custom_attrs={"data-testid": testid},
        ),
    )


def events_tab() -> rx.Component:
    """Upcoming first, past ones folded below."""
    return rx.vstack(
        rx.flex(
            rx.heading(tr("event.upcoming"), size="4", as_="h2"),
            rx.spacer(),
            rx.cond(
                S.can_create,
                rx.button(rx.icon("calendar-plus", size=16), tr("event.new"), on_click=S.open_create),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            S.loading,
            _skeleton(),
            rx.cond(
                S.upcoming.length() > 0,
                rx.vstack(
                    rx.vstack(rx.foreach(S.upcoming, event_row), spacing="0", width="100%"),
                    _more(S.upcoming_next != "", S.more_upcoming, "more-upcoming"),
                    spacing="2",
                    width="100%",
                ),
                _empty(),
            ),
        ),
        rx.cond(
            S.past.length() > 0,
            rx.el.details(
                rx.el.summary(tr("event.past"), style={"cursor": "pointer", "fontWeight": "600"}),
                rx.vstack(
                    rx.vstack(rx.foreach(S.past, event_row), spacing="0", width="100%"),
                    _more(S.past_next != "", S.more_past, "more-past"),
                    spacing="2",
                    width="100%",
                ),
                width="100%",
            ),
        ),
        create_dialog(),
        spacing="3",
        width="100%",
        custom_attrs={"data-testid": "events-tab"},
    )
