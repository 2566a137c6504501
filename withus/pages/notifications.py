"""/notifications — all my notifications: unread filter, mark read, delete, load more.

Also :func:`attach_bell`, which makes every page start the header's live bell.
"""

from __future__ import annotations

import reflex as rx

from withus.components.layout import page
from withus.components.notification_bell import type_icon, unread_dot
from withus.i18n.ui import tr
from withus.state.notifications import NotificationBellState, NotificationsPageState

S = NotificationsPageState


def attach_bell(app: rx.App) -> None:
    """End every page's ``on_load`` with the bell's start (it resolves the user by itself, so
    its place after the page's own handlers does not matter)."""
    for events in app._load_events.values():
        if NotificationBellState.start not in events:
            events.append(NotificationBellState.start)


def item(n: rx.Var) -> rx.Component:
    return rx.card(
        rx.hstack(
            unread_dot(n.read),
            rx.box(type_icon(n.type, size=18), color="var(--gray-11)", flex_shrink="0", padding_top="2px"),
            rx.vstack(
                rx.el.button(
                    rx.text(
                        n.title,
                        as_="span",
                        size="3",
                        weight=rx.cond(n.read, "regular", "bold"),
                    ),
                    type="button",
                    on_click=S.open_item(n.id),
                    text_align="left",
                    cursor="pointer",
                    background="transparent",
                    border="none",
                    padding="0",
                    color="inherit",
                    font="inherit",
                    _hover={"text_decoration": "underline"},
                    custom_attrs={"data-testid": "notification-open"},
                ),
                rx.cond(n.body != "", rx.text(n.body, size="2", color_scheme="gray", white_space="pre-wrap")),
                rx.text(n.type_label, " · ", n.ago, size="1", color_scheme="gray", title=n.time),
                spacing="1",
                align="start",
                flex="1",
                min_width="0",
            ),
            rx.hstack(
                rx.cond(
                    n.read,
                    rx.fragment(),
                    rx.icon_button(
                        rx.icon("check", size=16),
                        variant="ghost",
                        color_scheme="gray",
                        size="2",
                        on_click=S.mark_read(n.id),
                        aria_label=tr("notifications.mark_read"),
                        title=tr("notifications.mark_read"),
                    ),
                ),
                rx.icon_button(
                    rx.icon("trash-2", size=16),
                    variant="ghost",
                    color_scheme="gray",
                    size="2",
                    on_click=S.delete(n.id),
                    aria_label=tr("common.delete"),
                    title=tr("common.delete"),
                ),
                spacing="1",
                flex_shrink="0",
            ),
            spacing="3",
            align="start",
            width="100%",
        ),
        width="100%",
        background=rx.cond(n.read, "var(--color-panel-solid)", "var(--accent-2)"),
        custom_attrs={"data-testid": "notification", "data-read": rx.cond(n.read, "true", "false")},
    )


def empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("bell-off", size=40, color="var(--gray-9)"),
            rx.text(
                rx.cond(S.unread_only, tr("notifications.empty_unread"), tr("notifications.empty")),
                weight="bold",
                size="4",
            ),
            rx.text(tr("notifications.empty_hint"), color_scheme="gray", size="2", align="center"),
            align="center",
            spacing="2",
        ),
        padding_y="48px",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.flex(
                rx.heading(tr("bell.title"), size="7", as_="h1"),
                rx.spacer(),
                rx.hstack(
                    rx.segmented_control.root(
                        rx.segmented_control.item(tr("home.all"), value="all"),
                        rx.segmented_control.item(tr("notifications.unread"), value="unread"),
                        value=rx.cond(S.unread_only, "unread", "all"),
                        on_change=lambda v: S.set_unread_only(v == "unread"),
                        size="2",
                    ),
                    rx.button(
                        rx.icon("check-check", size=16),
                        tr("bell.read_all"),
                        variant="soft",
                        on_click=S.mark_all_read,
                        id="read-all",
                    ),
                    spacing="2",
                    align="center",
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="3",
                align=rx.breakpoints(initial="start", sm="center"),
                width="100%",
            ),
            rx.cond(
                S.loading,
                rx.skeleton(rx.box(height="200px", width="100%"), loading=True),
                rx.cond(
                    S.items.length() > 0,
                    rx.vstack(
                        rx.foreach(S.items, item),
                        rx.cond(
                            S.has_more,
                            rx.center(
                                rx.button(
                                    tr("common.more"), variant="outline", loading=S.loading_more, on_click=S.load_more
                                ),
                                width="100%",
                            ),
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    empty(),
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
