"""/signup: email code, then the account; fields are checked as the user types.

Login name, nickname and email are checked here with the same rules as the
server (``withus.services.users``). The passwords never reach this state: the
page sends only their length and whether the two match, computed in the
browser; the strength rules that need the password itself (common passwords)
are the server's, and its answer is shown under the field.

The code request and the sign-up go to the REST API from the browser
(``withus.requestCode`` / ``withus.signup`` in ``assets/js/withus.js``), so the
rate limits per address and per IP are the API's; the signed-up user is then
logged in with the cookie and lands on ``/``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.i18n.reader import here
from withus.state import rules
from withus.state.outcome import ApiOutcome, retry_message

FORM_ID = "signup-form"
COOLDOWN_SECONDS = 60


class SignupState(rx.State):
    email: str = ""
    username: str = ""
    nickname: str = ""
    password_length: int = 0
    passwords_match: bool = True
    confirm_length: int = 0

    email_error: str = ""
    code_error: str = ""
    username_error: str = ""
    nickname_error: str = ""
    password_error: str = ""
    confirm_error: str = ""
    form_error: str = ""

    email_touched: bool = False
    code_sent: bool = False
    sending_code: bool = False
    cooldown: int = 0
    submitting: bool = False
    _ticking: bool = False

    @rx.var
    def code_button_text(self) -> str:
        if self.cooldown > 0:
            return here("signup.resend_in", seconds=self.cooldown)
        return here("signup.resend_code") if self.code_sent else here("signup.send_code")

    @rx.event
    def reset_form(self) -> None:
        """on_load: the fields of a freshly loaded page are empty; the cool-down stays (the server keeps it too)."""
        cooldown, code_sent = self.cooldown, self.code_sent
        for name in ("email", "username", "nickname"):
            setattr(self, name, "")
        for name in ("email", "code", "username", "nickname", "password", "confirm", "form"):
            setattr(self, f"{name}_error", "")
        self.password_length = self.confirm_length = 0
        self.passwords_match = True
        self.email_touched = self.sending_code = self.submitting = False
        self.cooldown, self.code_sent = cooldown, code_sent

    # -- as the user types -------------------------------------------------

    @rx.event
    def set_email(self, value: str) -> None:
        self.email = value.strip()
        if self.email_touched or self.email_error:
            self.email_error = rules.email_error(self.email)

    @rx.event
    def blur_email(self, value: str) -> None:
        self.email = value.strip()
        self.email_touched = bool(self.email)
        if self.email:
            self.email_error = rules.email_error(self.email)

    @rx.event
    def set_code(self, value: str) -> None:
        self.code_error = "" if not value or value.isdigit() else here("validation.code_format")

    @rx.event
    def set_username(self, value: str) -> None:
        self.username = value.strip()
        self.username_error = rules.username_error(self.username) if self.username else ""

    @rx.event
    def set_nickname(self, value: str) -> None:
        self.nickname = value.strip()
        self.nickname_error = rules.nickname_error(self.nickname) if self.nickname else ""

    @rx.event
    def set_password_facts(self, length: int, matches: bool) -> None:
        """Only the length and whether it matches the confirmation leave the browser."""
        self.password_length = int(length or 0)
        self.password_error = rules.password_length_error(self.password_length) if self.password_length else ""
        self.passwords_match = bool(matches)
        if self.confirm_length:
            self.confirm_error = "" if self.passwords_match else here("form.password_mismatch")

    @rx.event
    def set_confirm_facts(self, length: int, matches: bool) -> None:
        self.confirm_length = int(length or 0)
        self.passwords_match = bool(matches)
        self.confirm_error = "" if self.passwords_match or not self.confirm_length else here("form.password_mismatch")

    # -- the email code -----------------------------------------------------

    @rx.event
    def request_code(self) -> EventSpec | None:
        if self.sending_code or self.cooldown > 0:
            return None
        self.email_touched = True
        self.email_error = rules.email_error(self.email)
        if self.email_error:
            return rx.set_focus("signup-email")
        self.sending_code = True
        return rx.call_script(f"withus.requestCode('{FORM_ID}')", callback=SignupState.code_requested)

    @rx.event
    def code_requested(self, result: dict[str, Any]):
        self.sending_code = False
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            self.code_sent = True
            self.code_error = ""
            self.cooldown = COOLDOWN_SECONDS
            yield SignupState.tick
            yield rx.toast.success(here("signup.code_sent"))
            yield rx.set_focus("signup-code")
            return
        if outcome.status == 429:
            if outcome.retry_after:
                self.cooldown = outcome.retry_after
                yield SignupState.tick
            self.email_error = retry_message(here("signup.too_many_codes"), outcome.retry_after)
            return
        errors = outcome.field_errors()
        if "email" in errors:
            self.email_error = errors["email"]
            return
        yield rx.toast.error(outcome.detail or here("signup.code_failed"))

    @rx.event(background=True)
    async def tick(self) -> None:
        """Counts the cool-down down once a second (stops when the tab goes away)."""
        async with self:
            if self._ticking:
                return
            self._ticking = True
        try:
            await self._count_down()
        finally:
            async with self:
                self._ticking = False

    async def _count_down(self) -> None:
        while True:
            await asyncio.sleep(1)
            async with self:
                if self.cooldown <= 0:
                    return
                self.cooldown -= 1
                if self.cooldown <= 0:
                    return

    # -- the account --------------------------------------------------------

    def _check_all(self) -> bool:
        self.email_touched = True
        self.email_error = rules.email_error(self.email)
        self.username_error = rules.username_error(self.username)
        self.nickname_error = rules.nickname_error(self.nickname)
        self.password_error = rules.password_length_error(self.password_length)
        if not self.confirm_length:
            self.confirm_error = here("form.confirm_password")
        elif not self.passwords_match:
            self.confirm_error = here("form.password_mismatch")
        else:
            self.confirm_error = ""
        if not self.code_sent and not self.code_error:
            self.code_error = here("signup.code_first")
        return not any(
            (
                self.email_error,
                self.code_error,
                self.username_error,
                self.nickname_error,
                self.password_error,
                self.confirm_error,
            )
        )

    @rx.event
    def submit(self) -> EventSpec | None:
        if self.submitting:
            return None
        self.form_error = ""
        if not self._check_all():
            return rx.toast.error(here("form.check_fields"))
        self.submitting = True
        return rx.call_script(f"withus.signup('{FORM_ID}')", callback=SignupState.finish)

    @rx.event
    def finish(self, result: dict[str, Any]) -> EventSpec | None:
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            return None  # the script is loading /
        self.submitting = False
        code = outcome.code
        if code in ("invalid_code", "code_expired") or (code.startswith("code_") and outcome.status == 400):
            self.code_error = outcome.detail or here("error.invalid_code")
            return rx.set_focus("signup-code")
        if code == "email_taken":
            self.email_error = outcome.detail or here("error.email_taken")
            return None
        if code == "username_taken":
            self.username_error = outcome.detail or here("error.username_taken")
            return rx.set_focus("signup-username")
        if code == "nickname_taken":
            self.nickname_error = outcome.detail or here("error.nickname_taken")
            return rx.set_focus("signup-nickname")
        if outcome.status == 429:
            self.form_error = retry_message(here("form.too_many_requests"), outcome.retry_after)
            return None
        errors = outcome.field_errors()
        if errors:
            self.email_error = errors.get("email", self.email_error)
            self.code_error = errors.get("code", self.code_error)
            self.username_error = errors.get("username", self.username_error)
            self.nickname_error = errors.get("nickname", self.nickname_error)
            self.password_error = errors.get("password", self.password_error)
            return None
        self.form_error = outcome.detail or here("signup.failed")
        return None
