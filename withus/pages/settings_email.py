"""/settings, the email panel: new address and password, then the code mailed there."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import section_card, submit_button, text_field
from withus.i18n.ui import tr
from withus.pages.settings_fields import account_username, current_password
from withus.state.settings_email import CONFIRM_FORM_ID, REQUEST_FORM_ID, EmailChangeState


def _address_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            account_username(),
            text_field(
                "new-email",
                name="new_email",
                label_text=tr("settings_email.new_email"),
                error=EmailChangeState.email_error,
                type="email",
                auto_complete="email",
                max_length=254,
                on_change=EmailChangeState.clear_errors,
            ),
            current_password(
                "email-password",
                name="password",
                error=EmailChangeState.password_error,
                on_change=EmailChangeState.clear_errors,
            ),
            rx.hstack(
                rx.spacer(),
                submit_button(tr("settings_email.send_code"), loading=EmailChangeState.busy, width="auto"),
                width="100%",
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        id=REQUEST_FORM_ID,
        on_submit=EmailChangeState.request,
        no_validate=True,
        width="100%",
    )


def _code_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.callout(
                tr("settings_email.code_sent", email=EmailChangeState.pending_email),
                icon="mail",
                size="1",
                id="email-code-sent",
            ),
            text_field(
                "email-code",
                name="code",
                label_text=tr("settings_email.code"),
                error=EmailChangeState.code_error,
                hint=tr("settings_email.code_hint"),
                input_mode="numeric",
                auto_complete="one-time-code",
                max_length=6,
                auto_focus=True,
            ),
            rx.flex(
                rx.button(
                    tr("settings_email.other_address"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=EmailChangeState.other_address,
                ),
                submit_button(tr("settings_email.confirm"), loading=EmailChangeState.busy, width="auto"),
                justify="end",
                wrap="wrap",
                spacing="3",
                width="100%",
            ),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        id=CONFIRM_FORM_ID,
        on_submit=EmailChangeState.confirm,
        no_validate=True,
        width="100%",
    )


def email_section() -> rx.Component:
    return section_card(
        tr("settings_email.title"),
        rx.cond(EmailChangeState.step == "code", _code_form(), _address_form()),
        description=tr("settings_email.hint"),
        id="email-section",
    )
