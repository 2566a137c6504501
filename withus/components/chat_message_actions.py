"""What can be done to a message on the room page: its menu (수정, 삭제), the editor that takes
the bubble's place, and the one dialog that asks before a delete."""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.i18n.ui import tr

ESCAPE_CANCELS = rx.Var(
    "((e) => { if (e.key === 'Escape') { e.preventDefault(); document.getElementById('chat-edit-cancel')?.click(); } })"
)


def message_menu(m: rx.Var, *, on_edit: Any, on_delete: Any) -> rx.Component:
    """A "⋯" button beside a message I may change: 수정 (mine, within the edit window) and 삭제
    (mine; anyone's for a club's staff)."""
    return rx.cond(
        m.can_edit | m.can_delete,
        rx.dropdown_menu.root(
            rx.dropdown_menu.trigger(
                rx.icon_button(
                    rx.icon("ellipsis", size=14),
                    size="1",
                    variant="ghost",
                    color_scheme="gray",
                    aria_label=tr("chat.message_menu"),
                    title=tr("chat.message_menu"),
                    custom_attrs={"data-testid": "message-menu"},
                ),
            ),
            rx.dropdown_menu.content(
                rx.cond(
                    m.can_edit,
                    rx.dropdown_menu.item(
                        rx.icon("pencil", size=14),
                        tr("chat.edit"),
                        on_select=on_edit(m.id),
                        custom_attrs={"data-testid": "message-edit"},
                    ),
                ),
                rx.dropdown_menu.item(
                    rx.icon("trash-2", size=14),
                    tr("chat.delete"),
                    color="red",
                    on_select=on_delete(m.id),
                    custom_attrs={"data-testid": "message-delete"},
                ),
                size="1",
            ),
        ),
    )


def message_editor(m: rx.Var, *, on_submit: Any, on_cancel: Any, saving: rx.Var) -> rx.Component:
    """My message's text in a field: Enter saves, Shift+Enter breaks the line, Esc or 취소 closes."""
    return rx.form(
        rx.vstack(
            rx.text_area(
                name="body",
                id="chat-edit-input",
                default_value=m.body,
                enter_key_submit=True,
                auto_focus=True,
                rows="2",
                resize="vertical",
                aria_label=tr("chat.edit_label"),
                width="100%",
            ),
            rx.hstack(
                rx.button(
                    tr("common.cancel"),
                    type="button",
                    size="1",
                    variant="soft",
                    color_scheme="gray",
                    on_click=on_cancel,
                    id="chat-edit-cancel",
                ),
                rx.button(
                    tr("chat.edit_save"),
                    type="submit",
                    size="1",
                    loading=saving,
                    custom_attrs={"data-testid": "message-edit-save"},
                ),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=on_submit,
        width="min(520px, 85vw)",
        margin_left="auto",
        # Esc in the field: the same as 취소 (a form takes no on_key_down trigger; the key bubbles here).
        custom_attrs={"data-testid": "message-editor", "onKeyDown": ESCAPE_CANCELS},
    )


def delete_dialog(*, open_: rx.Var, on_open_change: Any, on_confirm: Any) -> rx.Component:
    """One dialog for the page: opened by a message's 삭제."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("chat.delete_title")),
            rx.alert_dialog.description(tr("chat.delete_body"), size="2"),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("common.cancel"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(
                        tr("chat.delete"),
                        color_scheme="red",
                        on_click=on_confirm,
                        custom_attrs={"data-testid": "message-delete-confirm"},
                    )
                ),
                spacing="3",
                margin_top="16px",
                justify="end",
            ),
            max_width="420px",
        ),
        open=open_,
        on_open_change=on_open_change,
    )
