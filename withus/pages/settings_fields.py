"""Fields the /settings panels share: the account's name for password managers, the current password."""

from __future__ import annotations

from typing import Any

import reflex as rx

from withus.components.forms import text_field
from withus.i18n.ui import tr
from withus.state.settings import SettingsState


def account_username() -> rx.Component:
    """Hidden, for password managers: which account the password of this form belongs to."""
    return rx.el.input(
        type="text",
        name="username",
        value=SettingsState.username,
        auto_complete="username",
        read_only=True,
        hidden=True,
    )


def current_password(control_id: str, *, name: str, error: rx.Var[str], **props: Any) -> rx.Component:
    """The account's current password, asked before a sensitive change."""
    return text_field(
        control_id,
        name=name,
        label_text=props.pop("label_text", tr("settings.current_password")),
        error=error,
        type="password",
        auto_complete="current-password",
        max_length=128,
        **props,
    )
