"""/me/events — my upcoming events (going or waitlisted), soonest first."""

from __future__ import annotations

import reflex as rx

from withus.components.event_items import event_row
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.events import MyEventsState


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(tr("event.my_events"), size="7", as_="h1"),
            rx.card(
                rx.cond(
                    MyEventsState.items.length() > 0,
                    rx.vstack(
                        rx.foreach(MyEventsState.items, lambda e: event_row(e, show_club=True)),
                        spacing="0",
                        width="100%",
                    ),
                    rx.text(tr("event.none_mine"), color_scheme="gray", size="2"),
                ),
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )
