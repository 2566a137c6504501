"""/settings/notifications — per kind of notification: in the site, by mail."""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.components.forms import section_card
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.notification_settings import NotificationSettingsState


def _row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    type_ = row["type"].to(str)
    label = row["label"].to(str)
    return rx.table.row(
        rx.table.row_header_cell(rx.text(label, size="2")),
        rx.table.cell(
            rx.switch(
                checked=row["in_app"].to(bool),
                on_change=lambda v: NotificationSettingsState.switch(type_, "in_app", v),
                id=f"ns-{type_}-in_app",
                aria_label=label + " " + tr("notification_settings.in_app"),
            )
        ),
        rx.table.cell(
            rx.switch(
                checked=row["email"].to(bool),
                on_change=lambda v: NotificationSettingsState.switch(type_, "email", v),
                id=f"ns-{type_}-email",
                aria_label=label + " " + tr("notification_settings.email"),
            )
        ),
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.link(tr("notification_settings.back"), href="/settings", size="2"),
            section_card(
                tr("notification_settings.title"),
                rx.cond(
                    NotificationSettingsState.loading,
                    rx.spinner(),
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                rx.table.column_header_cell(tr("notification_settings.kind")),
                                rx.table.column_header_cell(tr("notification_settings.in_app")),
                                rx.table.column_header_cell(tr("notification_settings.email")),
                            )
                        ),
                        rx.table.body(rx.foreach(NotificationSettingsState.rows, _row)),
                        width="100%",
                        size="1",
                    ),
                ),
                rx.text(tr("notification_settings.chat_note"), size="1", color_scheme="gray"),
                description=tr("notification_settings.description"),
                level="h1",  # the page is this one card
            ),
            width="100%",
            max_width="640px",
            margin_x="auto",
            spacing="3",
        )
    )
