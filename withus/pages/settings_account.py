"""The password and account panels of /settings: a new password (checked as it is typed), and
deleting the account."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import section_card, submit_button, text_field
from withus.i18n.ui import tr
from withus.pages.settings_fields import account_username, current_password
from withus.state.settings import DELETE_FORM_ID, PASSWORD_FORM_ID, SettingsState

NEW_PASSWORD_ID = "new-password"
CONFIRM_ID = "new-password2"


def _code_points(value: rx.Var) -> rx.Var:
    return rx.Var(f"Array.from({value!s}).length").to(int)


def _same_as(value: rx.Var, other_id: str) -> rx.Var:
    return (value == rx.Var(f"withus.fieldValue('{other_id}')").to(str)).to(bool)


def password_section() -> rx.Component:
    return section_card(
        tr("settings.change_password"),
        rx.form(
            rx.vstack(
                account_username(),
                current_password(
                    "current-password",
                    name="current_password",
                    error=SettingsState.current_password_error,
                    on_change=SettingsState.clear_current_password_error,
                ),
                text_field(
                    NEW_PASSWORD_ID,
                    name="new_password",
                    label_text=tr("settings.new_password"),
                    error=SettingsState.new_password_error,
                    hint=tr("field.password_hint"),
                    type="password",
                    auto_complete="new-password",
                    max_length=128,
                    on_change=lambda v: SettingsState.set_new_password_facts(_code_points(v), _same_as(v, CONFIRM_ID)),
                ),
                text_field(
                    CONFIRM_ID,
                    name="new_password_confirm",
                    label_text=tr("settings.confirm_new_password"),
                    error=SettingsState.confirm_error,
                    type="password",
                    auto_complete="new-password",
                    max_length=128,
                    on_change=lambda v: SettingsState.set_confirm_facts(_code_points(v), _same_as(v, NEW_PASSWORD_ID)),
                ),
                rx.hstack(
                    rx.spacer(),
                    submit_button(
                        tr("settings.change_password"), loading=SettingsState.changing_password, width="auto"
                    ),
                    width="100%",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            id=PASSWORD_FORM_ID,
            on_submit=SettingsState.change_password,
            no_validate=True,
            width="100%",
        ),
        description=tr("settings.password_hint"),
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(tr("settings.delete_account"), color_scheme="red", variant="soft", id="open-delete"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("settings.delete_title")),
            rx.alert_dialog.description(
                tr("settings.delete_body"),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    current_password(
                        "delete-password",
                        name="password",
                        label_text=tr("field.password_confirm"),
                        error=SettingsState.delete_password_error,
                        auto_focus=True,
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(
                            rx.button(tr("common.cancel"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(
                            tr("settings.delete_confirm"),
                            color_scheme="red",
                            type="submit",
                            loading=SettingsState.deleting,
                            disabled=SettingsState.deleting,
                            id="confirm-delete",
                        ),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                    align="stretch",
                    margin_top="16px",
                ),
                id=DELETE_FORM_ID,
                on_submit=SettingsState.delete_account,
                no_validate=True,
            ),
            max_width="440px",
        ),
        open=SettingsState.delete_open,
        on_open_change=SettingsState.set_delete_open,
    )


def account_section() -> rx.Component:
    return section_card(
        tr("header.account"),
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label(tr("field.username")), rx.data_list.value(SettingsState.username)),
            rx.data_list.item(rx.data_list.label(tr("field.email")), rx.data_list.value(SettingsState.email)),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        rx.separator(size="4"),
        rx.flex(
            rx.vstack(
                rx.text(tr("settings.delete_account"), weight="bold"),
                rx.text(tr("settings.delete_hint"), size="2", color_scheme="gray"),
                spacing="1",
            ),
            delete_dialog(),
            justify="between",
            align=rx.breakpoints(initial="start", sm="center"),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            width="100%",
        ),
        description=tr("settings.email_hint"),
    )
