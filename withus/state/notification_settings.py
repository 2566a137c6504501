"""/settings/notifications: each kind of notification, in the site and by mail, switched on or off.

Every switch is saved at once through :mod:`withus.services.notification_settings` (the same
function the API uses). The page's text is kept together here (TEXT) until it moves to withus/i18n.
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx

from withus.db import read_scope, session_scope
from withus.i18n.reader import here
from withus.services import notification_settings
from withus.services.notification_settings import KINDS, Setting
from withus.state.auth import AuthState

log = logging.getLogger(__name__)


def _rows(settings: list[Setting]) -> list[dict[str, Any]]:
    return [
        {"type": s.type, "label": here(f"notification.{s.type}.setting"), "in_app": s.in_app, "email": s.email}
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
            yield rx.toast.error(here("notification_settings.failed"))
            return
        yield rx.toast.success(here("notification_settings.saved"), duration=1500)
