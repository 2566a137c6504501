"""Events in pages: an event's row, the home page's 다가오는 일정 and the calendar feed card of
settings (the club page's 일정 tab is ``withus.pages.club_events``). No database access."""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr
from withus.state.events import CalendarFeedState, MyEventsState


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
