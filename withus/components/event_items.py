"""Events in pages: an event's row, the club page's 일정 tab with the new-event dialog, the home
page's 다가오는 일정 and the calendar feed card of settings. No database access."""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr
from withus.models.event import DESCRIPTION_MAX, LOCATION_MAX, TITLE_MAX
from withus.state.events import CalendarFeedState, ClubEventsState, MyEventsState


def event_row(e: rx.Var, *, show_club: bool = False) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.cond(e.cancelled, rx.badge(tr("event.cancelled"), color_scheme="red", variant="soft")),
                    rx.cond(e.repeating, rx.badge(tr("event.repeating"), color_scheme="gray", variant="soft")),
                    rx.text(
                        e.title, weight="bold", size="3", text_decoration=rx.cond(e.cancelled, "line-through", "none")
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(e.when, size="2", color_scheme="gray"),
                rx.hstack(
                    rx.cond(show_club, rx.text(e.club_name, size="1", color_scheme="gray")),
                    rx.cond(e.place != "", rx.text(e.place, size="1", color_scheme="gray")),
                    spacing="2",
                ),
                spacing="1",
                flex="1",
                min_width="0",
            ),
            rx.vstack(
                rx.cond(e.mine != "", rx.badge(e.mine, color_scheme="green", variant="solid")),
                rx.text(e.going_text, size="1", color_scheme="gray", white_space="nowrap"),
                align="end",
                spacing="1",
            ),
            gap="12px",
            align="center",
            width="100%",
            padding_y="10px",
            border_bottom="1px solid var(--gray-a3)",
        ),
        href=e.href,
        underline="none",
        color="inherit",
        width="100%",
        custom_attrs={"data-testid": "event-row"},
    )


def _field(name: str, label: rx.Var[str], *, type_: str = "text", **props: object) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=f"event-{name}", style={"fontWeight": "600", "fontSize": "var(--font-size-2)"}),
        rx.input(id=f"event-{name}", name=name, type=type_, width="100%", **props),
        rx.cond(
            ClubEventsState.errors.contains(name),
            rx.text(ClubEventsState.errors[name], color_scheme="red", size="2", role="alert"),
        ),
        spacing="1",
        width="100%",
    )


def create_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("event.new")),
            rx.form(
                rx.vstack(
                    _field("title", tr("event.field.title"), max_length=TITLE_MAX, required=True),
                    rx.vstack(
                        rx.el.label(tr("event.field.description"), html_for="event-description"),
                        rx.text_area(
                            id="event-description", name="description", max_length=DESCRIPTION_MAX, width="100%"
                        ),
                        width="100%",
                        spacing="1",
                    ),
                    rx.flex(
                        _field("date", tr("event.field.date"), type_="date", required=True),
                        _field("start", tr("event.field.start"), type_="time", required=True),
                        _field("end", tr("event.field.end"), type_="time", required=True),
                        gap="8px",
                        width="100%",
                        direction=rx.breakpoints(initial="column", sm="row"),
                    ),
                    rx.cond(
                        ClubEventsState.errors.contains("starts_at"),
                        rx.text(ClubEventsState.errors["starts_at"], color_scheme="red", size="2", role="alert"),
                    ),
                    rx.cond(
                        ClubEventsState.errors.contains("ends_at"),
                        rx.text(ClubEventsState.errors["ends_at"], color_scheme="red", size="2", role="alert"),
                    ),
                    _field("location", tr("event.field.location"), max_length=LOCATION_MAX),
                    _field("map_url", tr("event.field.map_url"), type_="url", placeholder="https://"),
                    _field("capacity", tr("event.field.capacity"), type_="number", min=1),
                    rx.flex(
                        rx.vstack(
                            rx.el.label(tr("event.field.repeat"), html_for="event-repeat"),
                            rx.el.select(
                                rx.el.option(tr("event.repeat.none"), value="none"),
                                rx.el.option(tr("event.repeat.weekly"), value="weekly"),
                                rx.el.option(tr("event.repeat.monthly"), value="monthly"),
                                id="event-repeat",
                                name="repeat",
                                default_value="none",
                            ),
                            spacing="1",
                        ),
                        _field("count", tr("event.field.count"), type_="number", min=2, max=52),
                        gap="8px",
                        width="100%",
                    ),
                    rx.cond(
                        ClubEventsState.errors.contains("repeat"),
                        rx.text(ClubEventsState.errors["repeat"], color_scheme="red", size="2", role="alert"),
                    ),
                    rx.cond(
                        ClubEventsState.errors.contains("form"),
                        rx.callout(ClubEventsState.errors["form"], color_scheme="red", role="alert"),
                    ),
                    rx.flex(
                        rx.dialog.close(
                            rx.button(tr("event.close"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(tr("event.create"), type="submit", loading=ClubEventsState.saving),
                        gap="8px",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=ClubEventsState.create,
            ),
            max_width="520px",
        ),
        open=ClubEventsState.create_open,
        on_open_change=ClubEventsState.set_create_open,
    )


def events_tab() -> rx.Component:
    """The club page's 일정 tab: upcoming first, past ones folded below."""
    return rx.vstack(
        rx.flex(
            rx.heading(tr("event.upcoming"), size="4", as_="h2"),
            rx.spacer(),
            rx.cond(
                ClubEventsState.can_create,
                rx.button(rx.icon("calendar-plus", size=16), tr("event.new"), on_click=ClubEventsState.open_create),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            ClubEventsState.upcoming.length() > 0,
            rx.vstack(rx.foreach(ClubEventsState.upcoming, event_row), spacing="0", width="100%"),
            rx.text(tr("event.none_upcoming"), color_scheme="gray", size="2"),
        ),
        rx.cond(
            ClubEventsState.past.length() > 0,
            rx.el.details(
                rx.el.summary(tr("event.past"), style={"cursor": "pointer", "fontWeight": "600"}),
                rx.vstack(rx.foreach(ClubEventsState.past, event_row), spacing="0", width="100%"),
                width="100%",
            ),
        ),
        create_dialog(),
        spacing="3",
        width="100%",
        custom_attrs={"data-testid": "events-tab"},
    )


def home_upcoming() -> rx.Component:
    """다가오는 일정 of my clubs, for a logged-in user who has some."""
    return rx.cond(
        MyEventsState.upcoming.length() > 0,
        rx.card(
            rx.vstack(
                rx.flex(
                    rx.heading(tr("event.home_title"), size="4", as_="h2"),
                    rx.spacer(),
                    rx.link(tr("event.my_events"), href="/me/events", size="2"),
                    width="100%",
                    align="center",
                ),
                rx.vstack(
                    rx.foreach(MyEventsState.upcoming, lambda e: event_row(e, show_club=True)),
                    spacing="0",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            custom_attrs={"data-testid": "home-events"},
        ),
    )


def feed_card() -> rx.Component:
    """Settings: the private calendar feed address, with copy and 새 주소."""
    return rx.card(
        rx.vstack(
            rx.heading(tr("event.feed.title"), size="4", as_="h2"),
            rx.text(tr("event.feed.help"), size="2", color_scheme="gray"),
            rx.cond(
                CalendarFeedState.url != "",
                rx.flex(
                    rx.input(value=CalendarFeedState.url, read_only=True, width="100%", id="calendar-feed-url"),
                    rx.button(
                        rx.icon("copy", size=16), tr("event.feed.copy"), on_click=CalendarFeedState.copy, variant="soft"
                    ),
                    gap="8px",
                    width="100%",
                ),
                rx.cond(CalendarFeedState.has_feed, rx.text(tr("event.feed.hidden"), size="2", color_scheme="gray")),
            ),
            rx.button(
                tr("event.feed.new"),
                on_click=CalendarFeedState.new_address,
                loading=CalendarFeedState.busy,
                variant="outline",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "calendar-feed"},
    )
