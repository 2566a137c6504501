"""/signup — email verification code, then login name, nickname and password."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import form_card, form_error, submit_button, text_field
from withus.components.layout import page
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
            "회원가입",
            rx.form(
                rx.vstack(
                    text_field(
                        "signup-email",
                        name="email",
                        label_text="이메일",
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
                        label_text="인증번호",
                        error=SignupState.code_error,
                        hint="메일로 받은 숫자 6자리를 입력하세요. 10분 동안 유효합니다.",
                        input_mode="numeric",
                        auto_complete="one-time-code",
                        max_length=6,
                        pattern="[0-9]*",
                        on_change=SignupState.set_code,
                    ),
                    text_field(
                        "signup-username",
                        name="username",
                        label_text="아이디",
                        error=SignupState.username_error,
                        hint="로그인할 때 씁니다. 영문 소문자, 숫자, 밑줄(_) 4~20자",
                        auto_complete="username",
                        auto_capitalize="none",
                        spell_check=False,
                        max_length=20,
                        on_change=SignupState.set_username,
                    ),
                    text_field(
                        "signup-nickname",
                        name="nickname",
                        label_text="닉네임",
                        error=SignupState.nickname_error,
                        hint="다른 회원에게 보이는 이름입니다. 2~20자",
                        auto_complete="nickname",
                        max_length=20,
                        on_change=SignupState.set_nickname,
                    ),
                    text_field(
                        PASSWORD_ID,
                        name="password",
                        label_text="비밀번호",
                        error=SignupState.password_error,
                        hint="8자 이상. 너무 흔한 비밀번호는 쓸 수 없습니다.",
                        type="password",
                        auto_complete="new-password",
                        max_length=128,
                        on_change=lambda v: SignupState.set_password_facts(_code_points(v), _same_as(v, CONFIRM_ID)),
                    ),
                    text_field(
                        CONFIRM_ID,
                        name="password_confirm",
                        label_text="비밀번호 확인",
                        error=SignupState.confirm_error,
                        type="password",
                        auto_complete="new-password",
                        max_length=128,
                        on_change=lambda v: SignupState.set_confirm_facts(_code_points(v), _same_as(v, PASSWORD_ID)),
                    ),
                    form_error(SignupState.form_error),
                    submit_button("가입하기", loading=SignupState.submitting),
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
                rx.text("이미 회원이신가요?", size="2", color_scheme="gray"),
                rx.link("로그인", href="/login", size="2", weight="medium"),
                spacing="2",
                justify="center",
                width="100%",
            ),
            subtitle="이메일 인증 후 바로 모임에 참여할 수 있어요.",
            max_width="480px",
        )
    )
