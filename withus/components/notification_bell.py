"""The header's notification bell.

A placeholder: a link to /notifications with a bell. The real-time engineer
replaces ``notification_bell()`` (same name, same place) with the live version
(unread badge, toast); the header calls only this function.
"""

from __future__ import annotations

import reflex as rx


def notification_bell() -> rx.Component:
    return rx.icon_button(
        rx.link(
            rx.icon("bell", size=18),
            href="/notifications",
            aria_label="알림",
            title="알림",
            id="notification-bell",
            color="inherit",
        ),
        as_child=True,
        variant="ghost",
        color_scheme="gray",
        size="2",
    )
