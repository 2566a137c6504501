"""/forgot-password and /reset-password: the forms post to the REST API from the browser
(withus.js ``forgotPassword`` / ``resetPassword``), like login, so a new password never crosses
the event socket. What comes back here is the outcome only.

Texts are the catalogue's ``recovery.*``, written for the event's reader (``here``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.db import read_scope
from withus.errors import DomainError
from withus.i18n import localize
from withus.i18n.reader import here, reader
from withus.services import password_reset
from withus.state.outcome import ApiOutcome, retry_message

FORGOT_FORM_ID = "forgot-form"
RESET_FORM_ID = "reset-form"


class ForgotPasswordState(rx.State):
    submitting: bool = False
    sent: bool = False
    email_error: str = ""
    form_error: str = ""

    @rx.event
    def reset_form(self) -> None:
        self.submitting = self.sent = False
        self.email_error = self.form_error = ""

    @rx.event
    def submit(self) -> EventSpec | None:
        if self.submitting:
            return None
        self.submitting = True
        self.email_error = self.form_error = ""
        return rx.call_script(f"withus.forgotPassword('{FORGOT_FORM_ID}')", callback=ForgotPasswordState.finish)

    @rx.event
    def finish(self, result: dict[str, Any]) -> EventSpec | None:
        self.submitting = False
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            self.sent = True
            return None
        if outcome.code == "missing_fields":
            self.email_error = here("recovery.email_required")
            return rx.set_focus("forgot-email")
        if outcome.status == 429:
            self.form_error = retry_message(here("form.too_many_requests"), outcome.retry_after)
            return None
        errors = outcome.field_errors()
        if "email" in errors:
            self.email_error = errors["email"]
            return rx.set_focus("forgot-email")
        self.form_error = outcome.detail
        return None


class ResetPasswordState(rx.State):
    submitting: bool = False
    token_error: str = ""
    password_error: str = ""
    confirm_error: str = ""
    form_error: str = ""

    @rx.event
    async def load(self) -> None:
        """Say at once when the link cannot be used (spent, expired, mangled) instead of after typing."""
        self.submitting = False
        self.password_error = self.confirm_error = self.form_error = ""
        token = self.router.url.query_parameters.get("token", "")
        if not token:
            self.token_error = here("recovery.no_token")
            return
        try:
            async with read_scope() as session:
                await password_reset.check_token(session, token=token)
        except DomainError as exc:
            self.token_error = str(localize(exc.detail, reader().locale))
            return
        self.token_error = ""

    @rx.event
    def submit(self) -> EventSpec | None:
        if self.submitting or self.token_error:
            return None
        self.submitting = True
        self.password_error = self.confirm_error = self.form_error = ""
        return rx.call_script(f"withus.resetPassword('{RESET_FORM_ID}')", callback=ResetPasswordState.finish)

    @rx.event
    def finish(self, result: dict[str, Any]) -> EventSpec | None:
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            return None  # the script is loading the login page
        self.submitting = False
        if outcome.code == "mismatch":
            self.confirm_error = here("form.password_mismatch")
            return rx.set_focus("reset-password2")
        if outcome.code in ("invalid_token", "token_expired"):
            self.token_error = outcome.detail
            return None
        errors = outcome.field_errors()
        if "new_password" in errors:
            self.password_error = errors["new_password"]
            return rx.set_focus("reset-password")
        self.form_error = outcome.detail
        return None
