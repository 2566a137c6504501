"""/settings: my profile and avatar (through the users service, like the API),
password change and account deletion (through the REST API from the browser,
so the passwords never cross the event socket; then a full page load to /login).
"""

from __future__ import annotations

import logging
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from withus.db import session_scope
from withus.errors import DomainError
from withus.i18n.reader import here
from withus.models.user import User, UserPrivate
from withus.services import images
from withus.services import users as user_service
from withus.state import rules
from withus.state.auth import AuthState
from withus.state.common import generic_error, said
from withus.state.outcome import ApiOutcome, retry_message

log = logging.getLogger(__name__)

AVATAR_UPLOAD_ID = "avatar"
PASSWORD_FORM_ID = "password-form"
DELETE_FORM_ID = "delete-form"


class SettingsState(rx.State):
    loading: bool = True

    username: str = ""
    email: str = ""
    nickname: str = ""
    introduction: str = ""
    tags: list[str] = []
    tag_draft: str = ""
    avatar_url: str = ""
    has_avatar: bool = False

    nickname_error: str = ""
    introduction_error: str = ""
    tag_error: str = ""
    saving: bool = False

    uploading: bool = False
    avatar_error: str = ""

    new_password_length: int = 0
    new_passwords_match: bool = True
    confirm_length: int = 0
    current_password_error: str = ""
    new_password_error: str = ""
    confirm_error: str = ""
    changing_password: bool = False

    delete_open: bool = False
    delete_password_error: str = ""
    deleting: bool = False

    @rx.var
    def introduction_length(self) -> int:
        return len(self.introduction)

    @rx.var
    def can_add_tag(self) -> bool:
        return len(self.tags) < rules.TAGS_MAX

    async def _me(self) -> int | None:
        auth = await self.get_state(AuthState)
        return await auth.require_user_id()

    def _show(self, user: User) -> None:
        view = UserPrivate.of(user)
        self.username = view.username
        self.email = view.email
        self.nickname = view.nickname
        self.introduction = view.introduction
        self.tags = list(view.tags)
        self.avatar_url = view.avatar_url
        self.has_avatar = bool(user.avatar_path)

    async def _sync_header(self, user: User) -> None:
        auth = await self.get_state(AuthState)
        auth.nickname = user.nickname
        auth.avatar_url = user.avatar_url

    def _reset_forms(self) -> None:
        for name in (
            "nickname_error",
            "introduction_error",
            "tag_error",
            "avatar_error",
            "current_password_error",
            "new_password_error",
            "confirm_error",
            "delete_password_error",
            "tag_draft",
        ):
            setattr(self, name, "")
        self.saving = self.uploading = self.changing_password = self.deleting = self.delete_open = False
        self.new_password_length = self.confirm_length = 0
        self.new_passwords_match = True

    @rx.event
    async def load(self):
        """on_load: my account, or to /login?next=/settings."""
        self.loading = True
        self._reset_forms()
        me = await self._me()
        if me is None:
            yield (await self.get_state(AuthState)).login_redirect()
            return
        try:
            async with session_scope() as session:
                user = await user_service.get_or_raise(session, user_id=me)
                self._show(user)
        except Exception:
            log.exception("settings could not be loaded")
            yield rx.toast.error(generic_error())
        finally:
            self.loading = False

    # -- profile ------------------------------------------------------------

    @rx.event
    def set_nickname(self, value: str) -> None:
        self.nickname = value
        self.nickname_error = rules.nickname_error(value)

    @rx.event
    def set_introduction(self, value: str) -> None:
        self.introduction = value
        self.introduction_error = rules.introduction_error(value)

    @rx.event
    def set_tag_draft(self, value: str) -> None:
        self.tag_draft = value
        self.tag_error = ""

    @rx.event
    def add_tag(self, _form: dict[str, Any] | None = None) -> EventSpec | None:
        raw = self.tag_draft.strip()
        if not raw:
            return rx.set_focus("tag-input")
        tag = rules.normalize_tag(raw)
        candidate = [*self.tags, tag or raw]
        self.tag_error = rules.tags_error(candidate)
        if self.tag_error:
            return rx.set_focus("tag-input")
        self.tags = candidate
        self.tag_draft = ""
        return rx.set_focus("tag-input")

    @rx.event
    def remove_tag(self, tag: str) -> None:
        self.tags = [t for t in self.tags if t != tag]
        self.tag_error = ""

    @rx.event
    async def save_profile(self, _form: dict[str, Any] | None = None):
        if self.saving:
            return
        self.nickname_error = rules.nickname_error(self.nickname)
        self.introduction_error = rules.introduction_error(self.introduction)
        if self.nickname_error or self.introduction_error:
            yield rx.toast.error(here("form.check_fields"))
            return
        self.saving = True
        yield
        try:
            me = await self._me()
            if me is None:
                yield (await self.get_state(AuthState)).login_redirect()
                return
            async with session_scope() as session:
                user = await user_service.get_or_raise(session, user_id=me)
                await user_service.update(
                    session,
                    user=user,
                    nickname=self.nickname,
                    introduction=self.introduction,
                    tags=list(self.tags),
                )
                self._show(user)
                await self._sync_header(user)
            yield rx.toast.success(here("settings.profile_saved"))
        except DomainError as exc:
            errors = {e.field.split(".", 1)[0]: said(e.message) for e in exc.errors}
            self.nickname_error = errors.get("nickname", "")
            self.introduction_error = errors.get("introduction", "")
            self.tag_error = errors.get("tags", "")
            if not errors:
                yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("profile save failed")
            yield rx.toast.error(generic_error())
        finally:
            self.saving = False

    # -- avatar -------------------------------------------------------------

    @rx.event
    async def upload_avatar(self, files: list[rx.UploadFile]):
        if not files:
            self.avatar_error = here("settings.choose_photo")
            return
        self.uploading = True
        self.avatar_error = ""
        yield
        try:
            content = await files[0].read(images.MAX_BYTES + 1)
            me = await self._me()
            if me is None:
                yield (await self.get_state(AuthState)).login_redirect()
                return
            async with session_scope() as session:
                user = await user_service.get_or_raise(session, user_id=me)
                # The same service as PUT /api/users/me/avatar: checks the content, re-encodes, resizes.
                await user_service.do_set_avatar(session, user=user, content=content)
                self._show(user)
                await self._sync_header(user)
            yield rx.clear_selected_files(AVATAR_UPLOAD_ID)
            yield rx.toast.success(here("settings.photo_changed"))
        except DomainError as exc:
            self.avatar_error = said(exc.detail)
        except Exception:
            log.exception("avatar upload failed")
            self.avatar_error = generic_error()
        finally:
            self.uploading = False

    @rx.event
    async def remove_avatar(self):
        if self.uploading:
            return
        self.uploading = True
        yield
        try:
            me = await self._me()
            if me is None:
                yield (await self.get_state(AuthState)).login_redirect()
                return
            async with session_scope() as session:
                user = await user_service.get_or_raise(session, user_id=me)
                await user_service.do_remove_avatar(session, user=user)
                self._show(user)
                await self._sync_header(user)
            yield rx.toast.success(here("settings.photo_default"))
        except DomainError as exc:
            self.avatar_error = said(exc.detail)
        except Exception:
            log.exception("avatar removal failed")
            self.avatar_error = generic_error()
        finally:
            self.uploading = False

    @rx.event
    def avatar_rejected(self, _rejected: list[dict[str, Any]]) -> None:
        self.avatar_error = here("settings.photo_rules")

    # -- password (via the API, from the browser) ---------------------------

    @rx.event
    def set_new_password_facts(self, length: int, matches: bool) -> None:
        self.new_password_length = int(length or 0)
        self.new_password_error = (
            rules.password_length_error(self.new_password_length) if self.new_password_length else ""
        )
        self.new_passwords_match = bool(matches)
        if self.confirm_length:
            self.confirm_error = "" if matches else here("settings.new_password_mismatch")

    @rx.event
    def set_confirm_facts(self, length: int, matches: bool) -> None:
        self.confirm_length = int(length or 0)
        self.new_passwords_match = bool(matches)
        self.confirm_error = "" if matches or not self.confirm_length else here("settings.new_password_mismatch")

    @rx.event
    def clear_current_password_error(self) -> None:
        self.current_password_error = ""

    @rx.event
    def change_password(self) -> EventSpec | None:
        if self.changing_password:
            return None
        self.new_password_error = rules.password_length_error(self.new_password_length)
        if not self.confirm_length:
            self.confirm_error = here("settings.confirm_new_password_again")
        elif not self.new_passwords_match:
            self.confirm_error = here("settings.new_password_mismatch")
        if self.new_password_error or self.confirm_error:
            return None
        self.changing_password = True
        return rx.call_script(f"withus.changePassword('{PASSWORD_FORM_ID}')", callback=SettingsState.password_changed)

    @rx.event
    def password_changed(self, result: dict[str, Any]) -> EventSpec | None:
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            return None  # the script logs out and loads /login
        self.changing_password = False
        if outcome.code == "missing_fields":
            self.current_password_error = here("settings.current_password_required")
            return rx.set_focus("current-password")
        if outcome.status == 429:
            self.current_password_error = retry_message(here("form.too_many_attempts"), outcome.retry_after)
            return None
        errors = outcome.field_errors()
        if errors:
            self.current_password_error = errors.get("current_password", "")
            self.new_password_error = errors.get("new_password", "")
            return None
        if outcome.status == 401:
            return rx.call_script("window.location.assign('/login?next=/settings')")
        return rx.toast.error(outcome.detail or generic_error())

    # -- account deletion (via the API, from the browser) -------------------

    @rx.event
    def set_delete_open(self, value: bool) -> None:
        self.delete_open = value
        self.delete_password_error = ""

    @rx.event
    def delete_account(self) -> EventSpec | None:
        if self.deleting:
            return None
        self.deleting = True
        self.delete_password_error = ""
        return rx.call_script(f"withus.deleteAccount('{DELETE_FORM_ID}')", callback=SettingsState.account_deleted)

    @rx.event
    def account_deleted(self, result: dict[str, Any]) -> EventSpec | None:
        outcome = ApiOutcome.of(result)
        if outcome.ok:
            return None  # the script loads /login
        self.deleting = False
        if outcome.code == "missing_fields":
            self.delete_password_error = here("validation.password_required")
            return rx.set_focus("delete-password")
        if outcome.status == 429:
            self.delete_password_error = retry_message(here("form.too_many_attempts"), outcome.retry_after)
            return None
        errors = outcome.field_errors()
        if errors:
            self.delete_password_error = errors.get("password", next(iter(errors.values())))
            return rx.set_focus("delete-password")
        return rx.toast.error(outcome.detail or generic_error())
