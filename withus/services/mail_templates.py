"""Every mail the site writes, by template name: one table, one frame, text from the catalogue.

A template is a row of :data:`TEMPLATES`: which paragraphs it says, an optional button
(its label and where it points), an optional code, and whether the mail holds a secret
(its body is emptied once sent). Its words are catalogue keys under ``mail.<name>.``
(``subject``, ``body``, ``hint``, ``action``) in ``withus/i18n/locales/*/messages.po``,
filled from the mail's context (``{code}``, ``{minutes}``, ``{new_email}``, ...), in the
recipient's locale (``en`` gives English, anything else Korean). :func:`render` wraps them in
the common frame: greeting, signature, the settings footer, and the unsubscribe line of an
optional mail. :mod:`withus.services.outbox` renders at enqueue time, so a row of the
outbox holds exactly what goes out.

A new mail is a row here and its keys in both ``.po`` files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from html import escape
from typing import Any

from withus.i18n import t
from withus.settings import get_settings


@dataclass(frozen=True)
class Spec:
    """One mail: the keys of its paragraphs after ``mail.<name>.subject``, and its extras."""

    paragraphs: tuple[str, ...] = ("body", "hint")
    action: str | None = None
    """Where the button points: a path of the site (``/login``) or ``{field}`` of the context."""
    code: bool = False
    """The context's ``code`` shown large under the paragraphs."""
    secret: bool = False
    defaults: Mapping[str, Any] = field(default_factory=dict)


TEMPLATES: dict[str, Spec] = {
    "signup_code": Spec(code=True, secret=True, defaults={"minutes": 10}),
    "signup_taken": Spec(action="/login"),
    "notice": Spec(paragraphs=("body",), action="{link}", defaults={"body": "", "link": "/notifications"}),
    "password_reset": Spec(action="{url}", secret=True, defaults={"minutes": 30}),
    "password_changed": Spec(action="/forgot-password"),
    "email_change_code": Spec(code=True, secret=True, defaults={"minutes": 10}),
    "email_changed": Spec(),
    "chat_unread": Spec(action="{link}"),
}


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    secret: bool


def names() -> frozenset[str]:
    return frozenset(TEMPLATES)


def public_url(path: str = "") -> str:
    return f"{(get_settings().public_url or '').rstrip('/')}{path}"


def _action_url(spec: Spec, params: Mapping[str, Any]) -> str | None:
    if spec.action is None:
        return None
    target = str(params[spec.action[1:-1]]) if spec.action.startswith("{") else spec.action
    return public_url(target) if target.startswith("/") else target


def render(
    name: str, context: Mapping[str, Any], *, locale: str = "ko", unsubscribe_url: str | None = None
) -> Rendered:
    """The mail ``name`` with ``context`` in ``locale``: subject, plain text and HTML."""
    spec = TEMPLATES[name]
    locale = "en" if locale == "en" else "ko"
    params = {**spec.defaults, **context}
    subject = t(f"mail.{name}.subject", locale, **params)
    paragraphs = [p for key in spec.paragraphs if (p := t(f"mail.{name}.{key}", locale, **params).strip())]
    paragraphs = paragraphs or [subject]
    code = str(params["code"]) if spec.code else None
    url = _action_url(spec, params)
    label = t(f"mail.{name}.action", locale) if url else None
    greeting, signature = t("mail.greeting", locale), t("mail.signature", locale)
    settings_url = public_url("/settings/notifications")
    footer = t("mail.footer", locale)

    text_parts = [greeting, *paragraphs]
    if code:
        text_parts.append(f"    {code}")
    if url:
        text_parts.append(f"{label}: {url}")
    text_parts += [signature, f"{footer}: {settings_url}"]
    if unsubscribe_url:
        text_parts.append(f"{t('mail.unsubscribe_text', locale)}: {unsubscribe_url}")
    text = "\n\n".join(text_parts) + "\n"

    html_parts = [f"<p>{escape(p)}</p>" for p in (greeting, *paragraphs)]
    if code:
        html_parts.append(f'<p style="font-size:28px;font-weight:700;letter-spacing:6px">{escape(code)}</p>')
    if url and label:
        html_parts.append(
            f'<p><a href="{escape(url)}" style="display:inline-block;padding:10px 18px;background:#4f46e5;'
            f'color:#fff;border-radius:8px;text-decoration:none">{escape(label)}</a></p>'
            f'<p style="font-size:12px;color:#666">{escape(url)}</p>'
        )
    html_parts.append(f"<p>{escape(signature)}</p>")
    html_parts.append(
        f'<p style="font-size:12px;color:#888">{escape(footer)}: '
        f'<a href="{escape(settings_url)}">{escape(settings_url)}</a></p>'
    )
    if unsubscribe_url:
        html_parts.append(
            f'<p style="font-size:12px;color:#888"><a href="{escape(unsubscribe_url)}">'
            f"{escape(t('mail.unsubscribe_link', locale))}</a></p>"
        )
    html = (
        f'<!doctype html><html lang="{locale}"><body>'
        f'<div style="font-family:Pretendard,sans-serif;line-height:1.6;max-width:560px">{"".join(html_parts)}</div>'
        "</body></html>"
    )
    return Rendered(subject=t("mail.subject", locale, subject=subject), text=text, html=html, secret=spec.secret)
