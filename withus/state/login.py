"""/login: the form posts to the REST API from the browser (never over the event socket).

The submit handler only answers with a script; the script reads the fields,
calls ``POST /api/auth/login?cookie=true`` and, on success, loads the next page
in full. What comes back here is the outcome only (status, code, detail).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.i18n.reader import here
from withus.state.outcome import ApiOutcome, retry_message

FORM_ID = "login-form"
# ?reason= → the notice shown above the form
NOTICES = {
    "password_changed": "login.notice.password_changed",
    "password_reset": "login.notice.password_reset",
    "account_deleted": "login.notice.account_deleted",
}


class LoginState(rx.State):
    submitting: bool = False
    login_error: str = ""
    password_error: str = ""
    form_error: str = ""
    notice: str = ""
    login_failed: bool = False

    @rx.event
    def reset_form(self) -> None:
        """on_load: a fresh form, and why we are here when another page sent us."""
        self.submitting = False
        self.login_error = ""
        self.password_error = ""
        self.form_error = ""
        self.login_failed = False
        reason = self.router.url.query_parameters.get("reason", "")
        self.notice = here(NOTICES[reason]) if reason in NOTICES else ""

    @rx.event
    def submit(self) -> EventSpec | None:
        if self.submitting:
            return None
        self.submitting = True
        self.form_error = ""
        return rx.call_script(
            f"withus.login('{FORM_ID}', new URLSearchParams(window.location.search).get('next'))",
            callback=LoginState.finish,
        )

    @rx.event
    def clear_login_error(self) -> None:
        self.login_error = ""
        self.form_error = ""

    @rx.event
    def clear_password_error(self) -> None:
        self.password_error = ""
        self.form_error = ""

    @rx.event
    def finish(self, result: dict[str, Any]) -> EventSpec | None:
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            return None  # the script is loading the next page; keep the button busy
        self.submitting = False
        if outcome.code == "missing_fields":
            missing = set(outcome.fields)
            self.login_error = here("login.login_required") if "login" in missing else ""
            self.password_error = here("login.password_required") if "password" in missing else ""
            return None
        if outcome.status == 401:
            self.form_error = here("login.invalid_credentials")
            self.login_failed = True  # the page offers "forgot password?" more visibly
            return rx.set_focus("login-password")
        if outcome.status == 429:
            self.form_error = retry_message(here("login.too_many"), outcome.retry_after)
            return None
        if outcome.status == 422 and outcome.errors:
            for field, message in outcome.errors:
                if field.endswith("login"):
                    self.login_error = message
                elif field.endswith("password"):
                    self.password_error = message
            return None
        return rx.toast.error(outcome.detail or here("login.failed"))
