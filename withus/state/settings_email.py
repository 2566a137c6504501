"""/settings, the email panel: a code to the new address, the password required.

The password and the code go from the browser to the REST API (``withus.requestEmailChange``
and ``withus.confirmEmailChange`` in ``assets/js/withus.js``), never over the event socket;
this state only words the outcome. The rules are :mod:`withus.services.email_change`'s.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.i18n import t
from withus.state.locale import current_locale
from withus.state.outcome import ApiOutcome
from withus.state.settings import SettingsState

REQUEST_FORM_ID = "email-change-form"
CONFIRM_FORM_ID = "email-confirm-form"


class EmailChangeState(rx.State):
    step: str = "address"  # "address": new address and password; "code": the code sent there
    pending_email: str = ""
    email_error: str = ""
    password_error: str = ""
    code_error: str = ""
    busy: bool = False

    @rx.event
    def clear_errors(self) -> None:
        self.email_error = self.password_error = self.code_error = ""

    @rx.event
    def other_address(self) -> None:
        self.step, self.pending_email = "address", ""
        self.clear_errors()

    @rx.event
    def request(self) -> EventSpec | None:
        if self.busy:
            return None
        self.busy = True
        self.clear_errors()
        return rx.call_script(f"withus.requestEmailChange('{REQUEST_FORM_ID}')", callback=EmailChangeState.requested)

    async def _limited(self, outcome: ApiOutcome) -> str:
        locale = await current_locale(self)
        return t("settings_email.too_many", locale, seconds=outcome.retry_after or 60)

    @rx.event
    async def requested(self, result: dict[str, Any]) -> EventSpec | None:
        self.busy = False
        outcome = ApiOutcome.of(result)
        locale = await current_locale(self)
        if outcome.ok:
            self.pending_email = str(result.get("email") or "")[:254] if isinstance(result, dict) else ""
            self.step = "code"
            return rx.toast.success(t("settings_email.code_sent", locale, email=self.pending_email))
        if outcome.code == "missing_fields":
            if "new_email" in outcome.fields:
                self.email_error = t("settings_email.need_email", locale)
                return rx.set_focus("new-email")
            self.password_error = t("settings_email.need_password", locale)
            return rx.set_focus("email-password")
        if outcome.status == 429:
            self.email_error = await self._limited(outcome)
            return None
        errors = outcome.field_errors()
        if outcome.code == "wrong_password" or "password" in errors:
            self.password_error = errors.get("password") or outcome.detail
            return rx.set_focus("email-password")
        if outcome.code == "email_taken" or "new_email" in errors:
            self.email_error = errors.get("new_email") or outcome.detail
            return rx.set_focus("new-email")
        if outcome.status == 401:
            return rx.call_script("window.location.assign('/login?next=/settings')")
        return rx.toast.error(outcome.detail or t("settings_email.failed", locale))

    @rx.event
    def confirm(self) -> EventSpec | None:
        if self.busy:
            return None
        self.busy = True
        self.code_error = ""
        return rx.call_script(f"withus.confirmEmailChange('{CONFIRM_FORM_ID}')", callback=EmailChangeState.confirmed)

    @rx.event
    async def confirmed(self, result: dict[str, Any]):
        self.busy = False
        outcome = ApiOutcome.of(result)
        locale = await current_locale(self)
        if outcome.ok:
            settings = await self.get_state(SettingsState)
            settings.email = self.pending_email or settings.email
            self.step, self.pending_email = "address", ""
            yield rx.toast.success(t("settings_email.changed", locale, email=settings.email))
            return
        if outcome.code == "missing_fields":
            self.code_error = t("settings_email.need_code", locale)
            yield rx.set_focus("email-code")
            return
        if outcome.status == 429:
            self.code_error = await self._limited(outcome)
            return
        if outcome.code == "code_expired":
            self.code_error = outcome.detail
            return
        errors = outcome.field_errors()
        if outcome.code == "invalid_code" or errors:
            self.code_error = errors.get("code") or outcome.detail
            yield rx.set_focus("email-code")
            return
        if outcome.code == "email_taken":
            self.step, self.pending_email = "address", ""
            self.email_error = outcome.detail
            return
        if outcome.status == 401:
            yield rx.call_script("window.location.assign('/login?next=/settings')")
            return
        yield rx.toast.error(outcome.detail or t("settings_email.failed", locale))
