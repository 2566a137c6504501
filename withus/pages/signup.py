"""/signup — email verification code, then login name, nickname and password."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import form_card, form_error, submit_button, text_field
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.signup import FORM_ID, SignupState

PASSWORD_ID = "signup-password"
CONFIRM_ID = "signup-password2"


def _code_points(value: rx.Var) -> rx.Var:
    """The length as the server counts it (code points, not UTF-16 units)."""
    return rx.Var(f"Array.from({value!s}).length").to(int)


def _same_as(value: rx.Var, other_id: str) -> rx.Var:
    """Compared in the browser: the password itself is not sent to the state."""
    return (value == rx.Var(f"withus.fieldValue('{other_id}')").to(str)).to(bool)


def code_button() -> rx.Component:
    return rx.button(
        SignupState.code_button_text,
        type="button",
        size="3",
        variant="soft",
        loading=SignupState.sending_code,
        disabled=SignupState.sending_code | (SignupState.cooldown > 0),
        on_click=SignupState.request_code,
        id="request-code",
        white_space="nowrap",
    )


def index() -> rx.Component:
    return page(
        form_card(
            tr("header.signup"),
            rx.form(
                rx.vstack(
                    text_field(
                        "signup-email",
                        name="email",
                        label_text=tr("field.email"),
                        error=SignupState.email_error,
                        type="email",
                        auto_complete="email",
                        max_length=254,
                        on_change=SignupState.set_email,
                        on_blur=SignupState.blur_email,
                        trailing=code_button(),
                    ),
                    text_field(
                        "signup-code",
                        name="code",
                        label_text=tr("field.code"),
                        error=SignupState.code_error,
                        hint=tr("signup.code_hint"),
                        input_mode="numeric",
                        auto_complete="one-time-code",
                        max_length=6,
                        pattern="[0-9]*",
                        on_change=SignupState.set_code,
                    ),
                    text_field(
                        "signup-username",
                        name="username",
                        label_text=tr("field.username"),
                        error=SignupState.username_error,
                        hint=tr("signup.username_hint"),
                        auto_complete="username",
                        auto_capitalize="none",
                        spell_check=False,
                        max_length=20,
                        on_change=SignupState.set_username,
                    ),
                    text_field(
                        "signup-nickname",
                        name="nickname",
                        label_text=tr("field.nickname"),
                        error=SignupState.nickname_error,
                        hint=tr("signup.nickname_hint"),
                        auto_complete="nickname",
                        max_length=20,
                        on_change=SignupState.set_nickname,
                    ),
                    text_field(
                        PASSWORD_ID,
                        name="password",
                        label_text=tr("field.password"),
                        error=SignupState.password_error,
                        hint=tr("field.password_hint"),
                        type="password",
                        auto_complete="new-password",
                        max_length=128,
                        on_change=lambda v: SignupState.set_password_facts(_code_points(v), _same_as(v, CONFIRM_ID)),
                    ),
                    text_field(
                        CONFIRM_ID,
                        name="password_confirm",
                        label_text=tr("field.password_confirm"),
                        error=SignupState.confirm_error,
                        type="password",
                        auto_complete="new-password",
                        max_length=128,
                        on_change=lambda v: SignupState.set_confirm_facts(_code_points(v), _same_as(v, PASSWORD_ID)),
                    ),
                    form_error(SignupState.form_error),
                    submit_button(tr("signup.submit"), loading=SignupState.submitting),
                    spacing="3",
                    width="100%",
                    align="stretch",
                ),
                id=FORM_ID,
                on_submit=SignupState.submit,
                no_validate=True,
                width="100%",
            ),
            rx.hstack(
                rx.text(tr("signup.have_account"), size="2", color_scheme="gray"),
                rx.link(tr("header.login"), href="/login", size="2", weight="medium"),
                spacing="2",
                justify="center",
                width="100%",
            ),
            subtitle=tr("signup.intro"),
            max_width="480px",
        )
    )
