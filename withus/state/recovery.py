"""/forgot-password and /reset-password: the forms post to the REST API from the browser
(withus.js ``forgotPassword`` / ``resetPassword``), like login, so a new password never crosses
the event socket. What comes back here is the outcome only.

The pages' text is kept here together (TEXT) until the login and sign-up pages move to
``withus/i18n``; then it moves with them.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.db import read_scope
from withus.errors import DomainError
from withus.services import password_reset
from withus.state.outcome import ApiOutcome, retry_message

FORGOT_FORM_ID = "forgot-form"
RESET_FORM_ID = "reset-form"

TEXT = {
    "forgot_title": "비밀번호 찾기",
    "forgot_subtitle": "가입한 이메일 주소를 입력하면 비밀번호를 다시 정할 수 있는 링크를 보내 드려요.",
    "email": "이메일",
    "send": "재설정 링크 받기",
    "sent": (
        "입력한 주소로 가입된 계정이 있다면 비밀번호 재설정 링크를 보냈습니다. "
        "메일이 도착하기까지 1분 정도 걸릴 수 있습니다. 링크는 30분 동안 한 번만 쓸 수 있어요."
    ),
    "email_required": "이메일을 입력해 주세요.",
    "too_many": "요청이 너무 많습니다.",
    "reset_title": "새 비밀번호 정하기",
    "reset_subtitle": "새 비밀번호를 정하면 모든 기기에서 로그아웃됩니다.",
    "new_password": "새 비밀번호",
    "new_password_hint": "8자 이상, 흔한 비밀번호는 쓸 수 없어요.",
    "confirm": "새 비밀번호 확인",
    "mismatch": "비밀번호가 일치하지 않습니다.",
    "save": "비밀번호 바꾸기",
    "ask_again": "새 링크 요청하기",
    "back_to_login": "로그인으로 돌아가기",
    "forgot_link": "비밀번호를 잊으셨나요?",
    "no_token": "비밀번호 재설정 링크가 올바르지 않습니다. 메일의 링크를 다시 열어 주세요.",
}


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
            self.email_error = TEXT["email_required"]
            return rx.set_focus("forgot-email")
        if outcome.status == 429:
            self.form_error = retry_message(TEXT["too_many"], outcome.retry_after)
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
            self.token_error = TEXT["no_token"]
            return
        try:
            async with read_scope() as session:
                await password_reset.check_token(session, token=token)
        except DomainError as exc:
            self.token_error = str(exc.detail)
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
            self.confirm_error = TEXT["mismatch"]
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
