"""/forgot-password (ask for a reset link) and /reset-password?token= (set a new password)."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import form_card, form_error, submit_button, text_field
from withus.components.layout import page
from withus.state.recovery import FORGOT_FORM_ID, RESET_FORM_ID, TEXT, ForgotPasswordState, ResetPasswordState


def _back_to_login() -> rx.Component:
    return rx.hstack(
        rx.link(TEXT["back_to_login"], href="/login", size="2", weight="medium"),
        justify="center",
        width="100%",
    )


def forgot_password() -> rx.Component:
    return page(
        form_card(
            TEXT["forgot_title"],
            rx.cond(
                ForgotPasswordState.sent,
                rx.callout(TEXT["sent"], icon="mail-check", color_scheme="green", role="status", id="forgot-sent"),
                rx.form(
                    rx.vstack(
                        text_field(
                            "forgot-email",
                            name="email",
                            label_text=TEXT["email"],
                            error=ForgotPasswordState.email_error,
                            type="email",
                            auto_complete="email",
                            auto_focus=True,
                            max_length=254,
                        ),
                        form_error(ForgotPasswordState.form_error),
                        submit_button(TEXT["send"], loading=ForgotPasswordState.submitting),
                        spacing="3",
                        width="100%",
                        align="stretch",
                    ),
                    id=FORGOT_FORM_ID,
                    on_submit=ForgotPasswordState.submit,
                    no_validate=True,
                    width="100%",
                ),
            ),
            _back_to_login(),
            subtitle=TEXT["forgot_subtitle"],
        )
    )


def reset_password() -> rx.Component:
    return page(
        form_card(
            TEXT["reset_title"],
            rx.cond(
                ResetPasswordState.token_error != "",
                rx.vstack(
                    rx.callout(ResetPasswordState.token_error, icon="circle-alert", color_scheme="red", role="alert"),
                    rx.link(TEXT["ask_again"], href="/forgot-password", size="2", weight="medium"),
                    spacing="3",
                    width="100%",
                ),
                rx.form(
                    rx.vstack(
                        text_field(
                            "reset-password",
                            name="new_password",
                            label_text=TEXT["new_password"],
                            hint=TEXT["new_password_hint"],
                            error=ResetPasswordState.password_error,
                            type="password",
                            auto_complete="new-password",
                            auto_focus=True,
                            max_length=128,
                        ),
                        text_field(
                            "reset-password2",
                            name="confirm",
                            label_text=TEXT["confirm"],
                            error=ResetPasswordState.confirm_error,
                            type="password",
                            auto_complete="new-password",
                            max_length=128,
                        ),
                        form_error(ResetPasswordState.form_error),
                        submit_button(TEXT["save"], loading=ResetPasswordState.submitting),
                        spacing="3",
                        width="100%",
                        align="stretch",
                    ),
                    id=RESET_FORM_ID,
                    on_submit=ResetPasswordState.submit,
                    no_validate=True,
                    width="100%",
                ),
            ),
            _back_to_login(),
            subtitle=TEXT["reset_subtitle"],
        )
    )
