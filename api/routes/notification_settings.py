"""Notification settings (per kind: in the site, by mail) and one-click unsubscribe (RFC 8058)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from api.deps import CurrentUser, SessionDep, UnitOfWorkRoute
from api.locale import browser_locale
from api.schemas.accounts import problems
from withus.errors import DomainError
from withus.i18n import t
from withus.services import notification_settings, unsubscribe
from withus.services.notification_settings import KINDS, Setting

router = APIRouter(route_class=UnitOfWorkRoute)


class NotificationSettingItem(BaseModel):
    type: str = Field(description="A notification type (see GET for the list).", max_length=32)
    in_app: bool
    email: bool


class NotificationSettingsBody(BaseModel):
    items: list[NotificationSettingItem] = Field(max_length=len(KINDS) * 2)


def _body(settings: list[Setting]) -> NotificationSettingsBody:
    return NotificationSettingsBody(
        items=[NotificationSettingItem(type=s.type, in_app=s.in_app, email=s.email) for s in settings]
    )


@router.get(
    "/users/me/notification-settings",
    response_model=NotificationSettingsBody,
    responses=problems(401),
    tags=["notifications"],
)
async def get_notification_settings(user: CurrentUser, session: SessionDep) -> NotificationSettingsBody:
    """One item per notification type: shown in the site (`in_app`: stored, pushed over SSE and
    STOMP) and mailed (`email`). Defaults: everything in the site; mail for invitations, join
    decisions, removal, role changes, waitlist promotions, reminders, cancellations and unread chat."""
    assert user.id is not None
    return _body(await notification_settings.list_settings(session, user.id))


@router.put(
    "/users/me/notification-settings",
    response_model=NotificationSettingsBody,
    responses=problems(401, 403, 422),
    tags=["notifications"],
)
async def put_notification_settings(
    body: NotificationSettingsBody, user: CurrentUser, session: SessionDep
) -> NotificationSettingsBody:
    """Change some types (a subset may be sent); answers the whole list. An unknown type is 422."""
    assert user.id is not None
    changes = [Setting(i.type, i.in_app, i.email) for i in body.items]
    return _body(await notification_settings.do_update(session, user.id, changes))


def _page(locale: str, title: str, message: str, *, form_token: str | None = None, status: int = 200) -> HTMLResponse:
    form = ""
    if form_token is not None:
        form = (
            f'<form method="post" action="/api/mail/unsubscribe?token={escape(form_token)}">'
            '<input type="hidden" name="confirm" value="1">'
            '<button type="submit" style="padding:10px 18px;font-size:16px">'
            f"{escape(t('unsubscribe.button', locale))}</button></form>"
        )
    html = (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} — withUs</title></head>"
        '<body style="font-family:Pretendard,sans-serif;max-width:520px;margin:48px auto;'
        'padding:0 16px;line-height:1.6">'
        f"<h1>{escape(title)}</h1><p>{escape(message)}</p>{form}"
        f'<p><a href="/settings/notifications">{escape(t("unsubscribe.settings_link", locale))}</a></p></body></html>'
    )
    return HTMLResponse(html, status_code=status)


def _kind_name(type_: str, locale: str) -> str:
    return t(f"notification.{type_}.setting", locale) if type_ in KINDS else type_


@router.get(
    "/mail/unsubscribe",
    response_class=HTMLResponse,
    include_in_schema=True,
    tags=["notifications"],
    responses={400: {"description": "A link not made here: a page that says so.", "content": {"text/html": {}}}},
)
async def unsubscribe_page(request: Request, token: str = Query(max_length=200)) -> HTMLResponse:
    """The unsubscribe link opened in a browser: a page (in the site's locale cookie, else
    `Accept-Language`) that asks to confirm; nothing changes on a GET (mail scanners follow links)."""
    locale = browser_locale(request)
    title = t("unsubscribe.title", locale)
    try:
        target = unsubscribe.read_token(token)
    except DomainError:
        return _page(locale, title, t("unsubscribe.invalid", locale), status=400)
    question = t("unsubscribe.question", locale, kind=_kind_name(target.type, locale))
    return _page(locale, title, question, form_token=token)


@router.post(
    "/mail/unsubscribe",
    status_code=204,
    response_class=Response,
    responses={**problems(400), 200: {"description": "The browser's confirmation form: a page that says it is done."}},
    tags=["notifications"],
)
async def unsubscribe_one_click(request: Request, session: SessionDep, token: str = Query(max_length=200)) -> Response:
    """RFC 8058 one-click unsubscribe (`List-Unsubscribe=One-Click`), no login: mail of the
    token's type is turned off for the token's user (204). `invalid_token` (400) for a token
    not made here. The confirming form of the GET page gets a page back instead."""
    target = unsubscribe.read_token(token)
    await notification_settings.do_turn_off_email(session, target.user_id, target.type)
    form = await request.form()
    if form.get("confirm") == "1":
        locale = browser_locale(request)
        done = t("unsubscribe.done", locale, kind=_kind_name(target.type, locale))
        return _page(locale, t("unsubscribe.done_title", locale), done)
    return Response(status_code=204)
