"""/login — log in with a login name or email and a password; honours ?next=."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import form_card, form_error, submit_button, text_field
from withus.components.layout import page
from withus.i18n.ui import tr
from withus.state.login import FORM_ID, LoginState


def index() -> rx.Component:
    return page(
        form_card(
            tr("header.login"),
            rx.cond(
                LoginState.notice != "",
                rx.callout(LoginState.notice, icon="info", size="1", role="status"),
            ),
            rx.form(
                rx.vstack(
                    text_field(
                        "login-id",
                        name="login",
                        label_text=tr("login.login"),
                        error=LoginState.login_error,
                        auto_complete="username",
                        auto_focus=True,
                        max_length=254,
                        on_change=LoginState.clear_login_error,
                    ),
                    text_field(
                        "login-password",
                        name="password",
                        label_text=tr("field.password"),
                        error=LoginState.password_error,
                        type="password",
                        auto_complete="current-password",
                        max_length=128,
                        on_change=LoginState.clear_password_error,
                    ),
                    form_error(LoginState.form_error),
                    rx.cond(
                        LoginState.login_failed,
                        rx.callout(
                            rx.link(
                                tr("login.failed_forgot"),
                                href="/forgot-password",
                                id="login-failed-forgot",
                            ),
                            icon="key-round",
                            size="1",
                        ),
                    ),
                    submit_button(tr("header.login"), loading=LoginState.submitting),
                    rx.link(
                        tr("login.forgot"),
                        href="/forgot-password",
                        size="2",
                        id="login-forgot",
                        align="right",
                    ),
                    spacing="3",
                    width="100%",
                    align="stretch",
                ),
                id=FORM_ID,
                on_submit=LoginState.submit,
                no_validate=True,
                width="100%",
            ),
            rx.hstack(
                rx.text(tr("login.no_account"), size="2", color_scheme="gray"),
                rx.link(tr("header.signup"), href="/signup", size="2", weight="medium"),
                spacing="2",
                justify="center",
                width="100%",
            ),
            subtitle=tr("login.intro"),
        )
    )
