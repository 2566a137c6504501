"""/settings/notifications: each kind of notification, in the site and by mail, switched on or off.

Every switch is saved at once through :mod:`withus.services.notification_settings` (the same
function the API uses). The page's text is kept together here (TEXT) until it moves to withus/i18n.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.services import notification_settings
from withus.services.notification_settings import KINDS, Setting
from withus.state.auth import AuthState

log = logging.getLogger(__name__)

TEXT = {
    "title": "알림 설정",
    "description": "알림마다 사이트 알림과 메일을 따로 켜고 끌 수 있어요. 바꾸면 바로 저장됩니다.",
    "kind": "알림 종류",
    "in_app": "사이트 알림",
    "email": "메일",
    "saved": "알림 설정을 저장했습니다.",
    "failed": "알림 설정을 저장하지 못했습니다. 잠시 후 다시 시도해 주세요.",
    "chat_note": "읽지 않은 채팅은 채팅방을 15분 넘게 열지 않았을 때 방마다 한 번 메일로 알려 드려요.",
}


def _rows(settings: list[Setting]) -> list[dict[str, Any]]:
    return [
        {"type": s.type, "label": KINDS[s.type].label, "in_app": s.in_app, "email": s.email}
        for s in settings
        if s.type in KINDS
    ]


class NotificationSettingsState(rx.State):
    loading: bool = True
    rows: list[dict[str, Any]] = []

    @rx.event
    async def load(self):
        """on_load: my settings, or to /login?next=/settings/notifications."""
        self.loading = True
        auth = await self.get_state(AuthState)
        me = await auth.require_user_id()
        if me is None:
            yield auth.login_redirect()
            return
        async with read_scope() as session:
            self.rows = _rows(await notification_settings.list_settings(session, me))
        self.loading = False

    @rx.event
    async def switch(self, type_: str, channel: str, value: bool):
        auth = await self.get_state(AuthState)
        me = await auth.require_user_id()
        if me is None:
            yield auth.login_redirect()
            return
        current = next((r for r in self.rows if r["type"] == type_), None)
        if current is None or channel not in ("in_app", "email"):
            return
        change = Setting(
            type_,
            bool(value) if channel == "in_app" else bool(current["in_app"]),
            bool(value) if channel == "email" else bool(current["email"]),
        )
        try:
            async with session_scope() as session:
                self.rows = _rows(await notification_settings.do_update(session, me, [change]))
        except Exception:
            log.exception("notification settings not saved")
            yield rx.toast.error(TEXT["failed"])
            return
        yield rx.toast.success(TEXT["saved"], duration=1500)
