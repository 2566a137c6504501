"""/forgot-password (ask for a reset link) and /reset-password?token= (set a new password).

Both pages are one shape (:func:`_recovery_page`): a card with a title and subtitle, either
the form or, once it cannot or need not be used, a message in its place, and the way back
to the login page.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.components.forms import form_card, form_error, submit_button, text_field
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.recovery import FORGOT_FORM_ID, RESET_FORM_ID, ForgotPasswordState, ResetPasswordState


def _recovery_page(
    *,
    title: str,
    subtitle: str,
    form_id: str,
    fields: list[rx.Component],
    state: Any,
    submit: str,
    instead: rx.Var[bool],
    instead_content: rx.Component,
) -> rx.Component:
    form = rx.form(
        rx.vstack(
            *fields,
            form_error(state.form_error),
            submit_button(tr(submit), loading=state.submitting),
            spacing="3",
            width="100%",
            align="stretch",
        ),
        id=form_id,
        on_submit=state.submit,
        no_validate=True,
        width="100%",
    )
    back = rx.hstack(
        rx.link(tr("recovery.back_to_login"), href="/login", size="2", weight="medium"),
        justify="center",
        width="100%",
    )
    return page(form_card(tr(title), rx.cond(instead, instead_content, form), back, subtitle=tr(subtitle)))


def _password(field_id: str, name: str, label: str, error: rx.Var[str], **props: Any) -> rx.Component:
    return text_field(
        field_id,
        name=name,
        label_text=tr(label),
        error=error,
        type="password",
        auto_complete="new-password",
        max_length=128,
        **props,
    )


def forgot_password() -> rx.Component:
    email = text_field(
        "forgot-email",
        name="email",
        label_text=tr("field.email"),
        error=ForgotPasswordState.email_error,
        type="email",
        auto_complete="email",
        auto_focus=True,
        max_length=254,
    )
    sent = rx.callout(tr("recovery.sent"), icon="mail-check", color_scheme="green", role="status", id="forgot-sent")
    return _recovery_page(
        title="recovery.forgot_title",
        subtitle="recovery.forgot_subtitle",
        form_id=FORGOT_FORM_ID,
        fields=[email],
        state=ForgotPasswordState,
        submit="recovery.send",
        instead=ForgotPasswordState.sent,
        instead_content=sent,
    )


def reset_password() -> rx.Component:
    fields = [
        _password(
            "reset-password",
            "new_password",
            "recovery.new_password",
            ResetPasswordState.password_error,
            hint=tr("recovery.new_password_hint"),
            auto_focus=True,
        ),
        _password("reset-password2", "confirm", "recovery.confirm", ResetPasswordState.confirm_error),
    ]
    unusable = rx.vstack(
        rx.callout(ResetPasswordState.token_error, icon="circle-alert", color_scheme="red", role="alert"),
        rx.link(tr("recovery.ask_again"), href="/forgot-password", size="2", weight="medium"),
        spacing="3",
        width="100%",
    )
    return _recovery_page(
        title="recovery.reset_title",
        subtitle="recovery.reset_subtitle",
        form_id=RESET_FORM_ID,
        fields=fields,
        state=ResetPasswordState,
        submit="recovery.save",
        instead=ResetPasswordState.token_error != "",
        instead_content=unusable,
    )
