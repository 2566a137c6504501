"""Every mail the site writes, by template name: subject, plain text and HTML, in Korean or English.

A template is a function of its context and the locale (``ko`` default, ``en``) that
returns :class:`Rendered`; :func:`render` wraps its body in the common frame (greeting,
the site's name, a footer, and the unsubscribe line of an optional mail). Templates are
registered with :func:`template`; :mod:`withus.services.outbox` renders at enqueue time,
so a row of the outbox holds exactly what goes out.

Strings live here, together, until ``withus/i18n`` has a catalogue for them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from withus.settings import get_settings

SITE = {"ko": "withUs (위드어스)", "en": "withUs"}


@dataclass(frozen=True)
class Body:
    """What a template says: a subject, paragraphs, and optionally a button (label, url) or a code."""

    subject: str
    paragraphs: tuple[str, ...]
    action: tuple[str, str] | None = None
    code: str | None = None
    secret: bool = False


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    secret: bool


TemplateFn = Callable[[Mapping[str, Any], str], Body]
_TEMPLATES: dict[str, TemplateFn] = {}


def template(name: str) -> Callable[[TemplateFn], TemplateFn]:
    def register(fn: TemplateFn) -> TemplateFn:
        _TEMPLATES[name] = fn
        return fn

    return register


def names() -> frozenset[str]:
    return frozenset(_TEMPLATES)


def public_url(path: str = "") -> str:
    return f"{(get_settings().public_url or '').rstrip('/')}{path}"


def _t(locale: str, ko: str, en: str) -> str:
    return en if locale == "en" else ko


def render(
    name: str, context: Mapping[str, Any], *, locale: str = "ko", unsubscribe_url: str | None = None
) -> Rendered:
    locale = "en" if locale == "en" else "ko"
    body = _TEMPLATES[name](context, locale)
    greeting = _t(locale, "안녕하세요, withUs입니다.", "Hello from withUs.")
    signature = f"— {SITE[locale]}"
    footer = _t(
        locale,
        "이 메일은 발신 전용입니다. 알림 설정: ",
        "This address does not take replies. Notification settings: ",
    ) + public_url("/settings/notifications")
    unsubscribe = (
        _t(locale, "이 종류의 메일을 그만 받으려면: ", "To stop mails of this kind: ") + unsubscribe_url
        if unsubscribe_url
        else None
    )

    text_parts = [greeting, *body.paragraphs]
    if body.code:
        text_parts.append(f"    {body.code}")
    if body.action:
        text_parts.append(f"{body.action[0]}: {body.action[1]}")
    text_parts += [signature, footer]
    if unsubscribe:
        text_parts.append(unsubscribe)
    text = "\n\n".join(text_parts) + "\n"

    html_parts = [f"<p>{escape(greeting)}</p>", *(f"<p>{escape(p)}</p>" for p in body.paragraphs)]
    if body.code:
        html_parts.append(f'<p style="font-size:28px;font-weight:700;letter-spacing:6px">{escape(body.code)}</p>')
    if body.action:
        label, url = body.action
        html_parts.append(
            f'<p><a href="{escape(url)}" style="display:inline-block;padding:10px 18px;background:#4f46e5;'
            f'color:#fff;border-radius:8px;text-decoration:none">{escape(label)}</a></p>'
            f'<p style="font-size:12px;color:#666">{escape(url)}</p>'
        )
    html_parts.append(f"<p>{escape(signature)}</p>")
    settings_url = escape(public_url("/settings/notifications"))
    html_parts.append(
        f'<p style="font-size:12px;color:#888">{escape(footer.rsplit(": ", 1)[0])}: '
        f'<a href="{settings_url}">{settings_url}</a></p>'
    )
    if unsubscribe_url:
        html_parts.append(
            f'<p style="font-size:12px;color:#888"><a href="{escape(unsubscribe_url)}">'
            f"{escape(_t(locale, '이 종류의 메일 그만 받기', 'Unsubscribe from mails of this kind'))}</a></p>"
        )
    html = (
        f'<!doctype html><html lang="{locale}"><body>'
        f'<div style="font-family:Pretendard,sans-serif;line-height:1.6;max-width:560px">{"".join(html_parts)}</div>'
        "</body></html>"
    )
    return Rendered(subject=f"[withUs] {body.subject}", text=text, html=html, secret=body.secret)


# --- accounts ---------------------------------------------------------------------------------


@template("signup_code")
def _signup_code(ctx: Mapping[str, Any], locale: str) -> Body:
    minutes = int(ctx.get("minutes", 10))
    return Body(
        subject=_t(locale, f"이메일 인증 코드 {ctx['code']}", f"Your verification code {ctx['code']}"),
        paragraphs=(
            _t(
                locale,
                f"가입 화면에 아래 인증 코드를 입력해 주세요. 코드는 {minutes}분 동안 한 번만 쓸 수 있습니다.",
                f"Enter this code on the sign-up page. It works once, for {minutes} minutes.",
            ),
            _t(
                locale,
                "본인이 요청하지 않았다면 이 메일을 무시해 주세요. 다른 사람에게 코드를 알려 주지 마세요.",
                "If you did not ask for it, ignore this mail. Never share the code.",
            ),
        ),
        code=str(ctx["code"]),
        secret=True,
    )


@template("signup_taken")
def _signup_taken(ctx: Mapping[str, Any], locale: str) -> Body:
    return Body(
        subject=_t(locale, "이미 가입된 이메일 주소입니다", "This address already has an account"),
        paragraphs=(
            _t(
                locale,
                "이 이메일 주소로 가입 인증 코드를 요청하셨지만, 이 주소로는 이미 withUs 계정이 있습니다. "
                "새로 가입하지 않아도 됩니다. 로그인해 주세요.",
                "Someone asked for a sign-up code for this address, but it already has a withUs account. "
                "There is no need to sign up again: log in.",
            ),
            _t(
                locale,
                "비밀번호가 기억나지 않으면 로그인 화면에서 '비밀번호 찾기'를 눌러 주세요. "
                "본인이 요청하지 않았다면 이 메일을 무시해 주세요. 계정에는 아무 변화도 없습니다.",
                "Forgot the password? Use 'Forgot password' on the login page. "
                "If you did not ask, ignore this mail: nothing changed.",
            ),
        ),
        action=(_t(locale, "로그인", "Log in"), public_url("/login")),
    )


# --- notices ----------------------------------------------------------------------------------


@template("notice")
def _notice(ctx: Mapping[str, Any], locale: str) -> Body:
    """A notification as a mail: its title, its body and a link to the thing itself."""
    paragraphs = tuple(p for p in (str(ctx.get("body") or ""),) if p)
    link = str(ctx.get("link") or "/")
    return Body(
        subject=str(ctx["subject"]),
        paragraphs=paragraphs or (str(ctx["subject"]),),
        action=(_t(locale, "withUs에서 보기", "Open in withUs"), public_url(link)),
    )


@template("password_reset")
def _password_reset(ctx: Mapping[str, Any], locale: str) -> Body:
    minutes = int(ctx.get("minutes", 30))
    return Body(
        subject=_t(locale, "비밀번호 재설정 안내", "Reset your password"),
        paragraphs=(
            _t(
                locale,
                f"비밀번호를 새로 정하려면 아래 버튼을 눌러 주세요. 링크는 {minutes}분 동안 한 번만 쓸 수 있습니다.",
                f"To choose a new password, open the link below. It works once, for {minutes} minutes.",
            ),
            _t(
                locale,
                "본인이 요청하지 않았다면 이 메일을 무시해 주세요. 비밀번호는 바뀌지 않습니다.",
                "If you did not ask for it, ignore this mail: your password stays as it is.",
            ),
        ),
        action=(_t(locale, "비밀번호 재설정", "Reset password"), str(ctx["url"])),
        secret=True,
    )


@template("password_changed")
def _password_changed(ctx: Mapping[str, Any], locale: str) -> Body:
    return Body(
        subject=_t(locale, "비밀번호가 변경되었습니다", "Your password was changed"),
        paragraphs=(
            _t(
                locale,
                "withUs 계정의 비밀번호가 방금 변경되었고, 모든 기기에서 로그아웃되었습니다.",
                "The password of your withUs account was just changed, and every device was logged out.",
            ),
            _t(
                locale,
                "본인이 바꾸지 않았다면 바로 '비밀번호 찾기'로 비밀번호를 다시 정해 주세요.",
                "If this was not you, reset your password now with 'Forgot password'.",
            ),
        ),
        action=(_t(locale, "비밀번호 찾기", "Forgot password"), public_url("/forgot-password")),
    )


@template("email_change_code")
def _email_change_code(ctx: Mapping[str, Any], locale: str) -> Body:
    minutes = int(ctx.get("minutes", 10))
    return Body(
        subject=_t(locale, f"이메일 변경 인증 코드 {ctx['code']}", f"Your email change code {ctx['code']}"),
        paragraphs=(
            _t(
                locale,
                "withUs 계정의 이메일을 이 주소로 바꾸려면 아래 코드를 입력해 주세요. "
                f"코드는 {minutes}분 동안 유효합니다.",
                f"To move your withUs account to this address, enter this code. It works for {minutes} minutes.",
            ),
            _t(
                locale,
                "본인이 요청하지 않았다면 이 메일을 무시해 주세요.",
                "If you did not ask for it, ignore this mail.",
            ),
        ),
        code=str(ctx["code"]),
        secret=True,
    )


@template("email_changed")
def _email_changed(ctx: Mapping[str, Any], locale: str) -> Body:
    return Body(
        subject=_t(locale, "이메일 주소가 변경되었습니다", "Your email address was changed"),
        paragraphs=(
            _t(
                locale,
                f"withUs 계정의 이메일 주소가 변경되었습니다. 새 주소: {ctx['new_email']}. "
                "앞으로 메일은 새 주소로 갑니다.",
                f"The email address of your withUs account is now {ctx['new_email']}. Mail goes there from now on.",
            ),
            _t(
                locale,
                "본인이 바꾸지 않았다면 바로 비밀번호를 바꾸고 운영자에게 알려 주세요.",
                "If this was not you, change your password at once and tell us.",
            ),
        ),
    )
