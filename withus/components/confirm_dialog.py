"""A confirmation step before something that cannot be undone (delete, close, ban)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.i18n.ui import tr


def confirm_dialog(
    trigger: rx.Component,
    *,
    title: str,
    description: str | rx.Var[str],
    confirm_label: str,
    on_confirm: Any,
    danger: bool = True,
) -> rx.Component:
    """``trigger`` opens the dialog; the confirm button fires ``on_confirm`` and closes it."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("common.cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(confirm_label, color_scheme="red" if danger else "teal", on_click=on_confirm)
                ),
                spacing="3",
                margin_top="16px",
                justify="end",
            ),
            max_width="420px",
        ),
    )
