"""The header's notification bell: unread badge, the latest ten in a dropdown, 모두 읽음.

Live through ``NotificationBellState`` (a background task on the bus hub, see
``withus.state.notifications``); a new notification also shows a toast.
"""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr
from withus.state.notifications import NotificationBellState as S

TYPE_ICONS = {
    "club_invitation": "mail",
    "join_request": "user-plus",
    "join_approved": "circle-check",
    "join_declined": "circle-x",
    "comment": "message-square",
    "reply": "reply",
    "notice": "megaphone",
    "chat_message": "message-circle",
    "role_changed": "shield",
    "removed_from_club": "user-minus",
    "event_created": "calendar-plus",
    "event_updated": "calendar-clock",
    "event_cancelled": "calendar-x",
    "event_promoted": "calendar-check",
    "event_reminder": "alarm-clock",
}


def type_icon(kind: rx.Var, size: int = 16) -> rx.Component:
    return rx.match(
        kind,
        *[(name, rx.icon(icon, size=size)) for name, icon in TYPE_ICONS.items()],
        rx.icon("bell", size=size),
    )


def unread_dot(read: rx.Var) -> rx.Component:
    return rx.box(
        width="8px",
        height="8px",
        border_radius="50%",
        background=rx.cond(read, "transparent", "var(--accent-9)"),
        flex_shrink="0",
        margin_top="6px",
    )


def bell_item(n: rx.Var) -> rx.Component:
    # A real <button> (Radix Box's as_ only sets a CSS property): Tab reaches it, Enter opens it.
    return rx.el.button(
        rx.hstack(
            unread_dot(n.read),
            rx.box(type_icon(n.type), color="var(--gray-11)", flex_shrink="0", padding_top="2px"),
            rx.vstack(
                rx.text(n.title, size="2", weight=rx.cond(n.read, "regular", "bold"), line_clamp=2),
                rx.cond(n.body != "", rx.text(n.body, size="1", color_scheme="gray", line_clamp=1)),
                rx.text(n.type_label, " · ", n.ago, size="1", color_scheme="gray", title=n.time),
                spacing="0",
                min_width="0",
                flex="1",
                align="start",
            ),
            spacing="2",
            align="start",
            width="100%",
        ),
        type="button",
        on_click=S.open_item(n.id),
        width="100%",
        text_align="left",
        padding="8px 10px",
        border_radius="var(--radius-2)",
        background=rx.cond(n.read, "transparent", "var(--accent-2)"),
        _hover={"background": "var(--gray-3)"},
        cursor="pointer",
        border="none",
        color="inherit",
        font="inherit",
        display="block",
        custom_attrs={"data-testid": "bell-item", "data-read": rx.cond(n.read, "true", "false")},
    )


def bell_menu() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(tr("bell.title"), weight="bold", size="3"),
            rx.spacer(),
            rx.button(
                tr("bell.read_all"),
                size="1",
                variant="ghost",
                on_click=S.mark_all_read,
                disabled=S.unread == 0,
                id="bell-read-all",
            ),
            width="100%",
            align="center",
            padding_x="6px",
        ),
        rx.separator(size="4"),
        rx.cond(
            S.latest.length() > 0,
            rx.vstack(
                rx.foreach(S.latest, bell_item),
                spacing="1",
                width="100%",
                max_height="min(420px, 60vh)",
                overflow_y="auto",
            ),
            rx.center(
                rx.vstack(
                    rx.icon("bell-off", size=28, color="var(--gray-8)"),
                    rx.text(tr("bell.empty"), size="2", color_scheme="gray"),
                    align="center",
                    spacing="2",
                ),
                padding_y="28px",
                width="100%",
            ),
        ),
        rx.separator(size="4"),
        rx.link(
            tr("bell.see_all"),
            href="/notifications",
            size="2",
            on_click=S.set_open(False),
            align="center",
            width="100%",
            padding_y="4px",
        ),
        spacing="2",
        width="100%",
    )


def bell_button() -> rx.Component:
    return rx.icon_button(
        rx.icon("bell", size=18),
        variant="ghost",
        color_scheme="gray",
        high_contrast=True,
        size="2",
        aria_label=rx.cond(S.unread > 0, tr("bell.unread_aria", count=S.badge_text), tr("bell.title")),
        title=tr("bell.title"),
        id="notification-bell",
        custom_attrs={"data-live": rx.cond(S.live, "true", "false")},
    )


def notification_bell() -> rx.Component:
    """The bell is the popover's trigger itself: Enter or Space opens the panel (a dialog named 알림),
    focus moves into it and Tab walks its items; Escape closes it and focus returns to the bell."""
    return rx.box(
        rx.popover.root(
            rx.popover.trigger(bell_button()),
            rx.popover.content(
                bell_menu(),
                width="min(360px, calc(100vw - 24px))",
                padding="8px",
                align="end",
                id="notification-menu",
                aria_label=tr("bell.title"),
            ),
            open=S.menu_open,
            on_open_change=S.set_open,
        ),
        rx.cond(
            S.unread > 0,
            rx.badge(
                S.badge_text,
                color_scheme="red",
                variant="solid",
                radius="full",
                size="1",
                position="absolute",
                top="-6px",
                right="-8px",
                pointer_events="none",
                id="notification-badge",
                aria_hidden="true",
            ),
        ),
        position="relative",
        display="inline-flex",
    )


def chat_unread_badge() -> rx.Component:
    """The header's 채팅 item: how many messages of my rooms I have not read (live with the bell's
    task; chat messages do not raise the bell)."""
    return rx.cond(
        S.chat_unread > 0,
        # The count is drawn by CSS (data-count, assets/a11y.css): as text inside the link it would be
        # part of the link's visible text ("채팅1"), which its name ("채팅, 읽지 않은 메시지 1개") must
        # contain (axe: label-content-name-mismatch).
        rx.badge(
            color_scheme="red",
            variant="solid",
            radius="full",
            size="1",
            position="absolute",
            top="-6px",
            right="-10px",
            pointer_events="none",
            id="chat-badge",
            class_name="count-badge",
            custom_attrs={"aria-hidden": "true", "data-count": S.chat_badge_text},
        ),
    )
