"""/clubs/new and /clubs/[id]/edit — the club form, the cover upload, closing a club.

On /clubs/new the club does not exist yet when the cover is chosen: the bytes wait in
the KV store (shared by every instance, with a TTL) and only a small preview goes to
the browser; the clubs service checks and re-encodes the image when the club is
created, in the same unit of work. On the edit page the cover is saved at once.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import secrets
from typing import Any

import reflex as rx
from PIL import Image, UnidentifiedImageError
from pydantic import ValidationError

from withus.db import session_scope
from withus.errors import DomainError, NotFound
from withus.i18n.reader import here
from withus.kv import get_kv
from withus.models.club import ClubCreate, ClubUpdate
from withus.services import club_listing
from withus.services import clubs as club_service
from withus.state.common import (
    current_user_id,
    generic_error,
    load_user,
    login_redirect,
    path_id,
    said,
    validation_messages,
)
from withus.state.handlers import acting_user, needs_login
from withus.state.text import date_input_value, parse_day

log = logging.getLogger(__name__)

COVER_UPLOAD_ID = "club-cover"
COVER_MAX_BYTES = 5 * 1024 * 1024
COVER_TTL = 3600
PREVIEW_SIDE = 640
PREVIEW_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})
COVER_ERROR = here("club_form.image_types")


def _preview(content: bytes) -> str:
    """A small JPEG data URL of an uploaded image, or ValueError when it is not one we accept."""
    try:
        with Image.open(io.BytesIO(content)) as img:
            if img.format not in PREVIEW_FORMATS or img.width * img.height > 40_000_000:
                raise ValueError(COVER_ERROR)
            img.load()
            small = img.convert("RGB")
            small.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            out = io.BytesIO()
            small.save(out, format="JPEG", quality=70)
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ValueError(COVER_ERROR) from None
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode()


def _optional_int(raw: Any) -> int | None:
    text = str(raw or "").strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 7:
        raise ValueError(here("club_form.capacity_number"))
    return int(text)


class ClubFormState(rx.State):
    mode: str = "new"  # new | edit
    club_id: int = 0
    loading: bool = True
    not_found: bool = False
    forbidden: bool = False
    saving: bool = False
    errors: dict[str, str] = {}
    form_key: int = 0

    # Values the form starts with (uncontrolled inputs read them once, when they mount).
    name: str = ""
    description: str = ""
    category: str = "SPORTS"
    join_policy: str = "open"
    visibility: str = "public"
    capacity: str = ""
    recruit_from: str = ""
    recruit_until: str = ""
    location: str = ""
    my_role: str = ""

    cover_preview: str = ""
    _cover_key: str = ""

    @rx.var
    def is_host(self) -> bool:
        return self.my_role == "host"

    # ------------------------------------------------------------ loading

    @rx.event
    async def load_new(self) -> Any:
        self.reset()
        if await current_user_id(self) is None:
            self.loading = False
            return await login_redirect(self)
        self.mode = "new"
        self.form_key += 1
        self.loading = False
        return None

    @rx.event
    async def load_edit(self) -> Any:
        self.reset()
        self.mode = "edit"
        uid = await current_user_id(self)
        if uid is None:
            self.loading = False
            return await login_redirect(self)
        club_id = path_id(self, 1)
        if club_id is None:
            self.not_found = True
            self.loading = False
            return None
        try:
            async with session_scope() as session:
                user = await load_user(session, uid)
                club = await club_service.get_club_or_raise(session, club_id=club_id)
                view = await club_listing.public_view(session, club=club, user=user)
                if not club_service.is_staff(view.my_role):
                    self.forbidden = True
                else:
                    self.club_id = club_id
                    self.my_role = view.my_role or ""
                    self.name = club.name
                    self.description = club.description
                    self.category = club.category
                    self.join_policy = club.join_policy
                    self.visibility = club.visibility
                    self.capacity = str(club.capacity) if club.capacity else ""
                    self.recruit_from = date_input_value(club.recruit_from)
                    self.recruit_until = date_input_value(club.recruit_until)
                    self.location = club.location or ""
                    self.cover_preview = view.cover_url or ""
        except NotFound:
            self.not_found = True
        except DomainError as exc:
            self.loading = False
            return rx.toast.error(said(exc.detail))
        self.form_key += 1
        self.loading = False
        return None

    # ------------------------------------------------------------ cover

    @rx.event
    async def upload_cover(self, files: list[rx.UploadFile]) -> Any:
        if not files:
            return None
        uid = await current_user_id(self)
        if uid is None:
            return await login_redirect(self)
        upload = files[0]
        content = await upload.read(COVER_MAX_BYTES + 1)
        self.errors = {k: v for k, v in self.errors.items() if k != "cover"}
        if len(content) > COVER_MAX_BYTES:
            self.errors = {**self.errors, "cover": here("club_form.image_size")}
            return None
        try:
            preview = await asyncio.to_thread(_preview, content)
        except ValueError as exc:
            self.errors = {**self.errors, "cover": str(exc)}
            return None
        if self.mode == "edit":
            try:
                async with session_scope() as session:
                    user = await load_user(session, uid)
                    assert user is not None
                    club = await club_service.do_set_cover(session, club_id=self.club_id, user=user, content=content)
                    self.cover_preview = club_service.cover_url(club) or preview
            except DomainError as exc:
                self.errors = {**self.errors, "cover": said(exc.detail)}
                return None
            return rx.toast.success(here("club_form.cover_changed"))
        key = f"upload:cover:{secrets.token_hex(16)}"
        await get_kv().set(key, base64.b64encode(content).decode(), ttl=COVER_TTL)
        if self._cover_key:
            await get_kv().delete(self._cover_key)
        self._cover_key = key
        self.cover_preview = preview
        return None

    @rx.event
    async def remove_cover(self) -> None:
        if self._cover_key:
            await get_kv().delete(self._cover_key)
        self._cover_key = ""
        self.cover_preview = ""

    # ------------------------------------------------------------ saving

    def _fields(self, form_data: dict[str, Any]) -> dict[str, Any]:
        """The form's values in the shape of ClubCreate / ClubUpdate (raises ValueError per field)."""
        errors: dict[str, str] = {}
        values: dict[str, Any] = {
            "name": str(form_data.get("name", "")),
            "description": str(form_data.get("description", "")),
            "category": str(form_data.get("category", "")),
            "join_policy": str(form_data.get("join_policy", "")),
            "visibility": str(form_data.get("visibility", "")),
            "location": str(form_data.get("location", "")).strip() or None,
        }
        try:
            values["capacity"] = _optional_int(form_data.get("capacity"))
        except ValueError as exc:
            errors["capacity"] = str(exc)
        for key, end in (("recruit_from", False), ("recruit_until", True)):
            try:
                values[key] = parse_day(str(form_data.get(key, "")), end_of_day=end)
            except ValueError:
                errors[key] = here("form.check_date")
        if errors:
            raise _FieldErrors(errors)
        return values

    @rx.event
    @needs_login
    async def save(self, form_data: dict[str, Any]) -> Any:
        try:
            values = self._fields(form_data)
            data: ClubCreate | ClubUpdate = ClubCreate(**values) if self.mode == "new" else ClubUpdate(**values)
        except _FieldErrors as exc:
            self.errors = exc.errors
            yield rx.toast.error(here("form.check_fields"))
            return
        except ValidationError as exc:
            self.errors = validation_messages(exc)
            yield rx.toast.error(here("form.check_fields"))
            return
        self.saving = True
        self.errors = {}
        yield
        try:
            async with session_scope() as session:
                user = await acting_user(session)
                if self.mode == "new":
                    assert isinstance(data, ClubCreate)
                    club = await club_service.do_create_club(session, user=user, data=data)
                    assert club.id is not None
                    if self._cover_key:
                        raw = await get_kv().get(self._cover_key)
                        if raw:
                            await club_service.do_set_cover(
                                session, club_id=club.id, user=user, content=base64.b64decode(raw)
                            )
                    club_id = club.id
                else:
                    assert isinstance(data, ClubUpdate)
                    club = await club_service.do_update_club(session, club_id=self.club_id, user=user, data=data)
                    club_id = self.club_id
            if self._cover_key:
                await get_kv().delete(self._cover_key)
                self._cover_key = ""
            yield rx.toast.success(here("club_form.created") if self.mode == "new" else here("club_form.saved"))
            yield rx.redirect(f"/clubs/{club_id}")
        except DomainError as exc:
            field_errors = {e.field.rsplit(".", 1)[-1]: said(e.message) for e in exc.errors}
            self.errors = field_errors or {"form": said(exc.detail)}
            yield rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("saving a club failed")
            yield rx.toast.error(generic_error())
        finally:
            self.saving = False

    @rx.event
    @needs_login
    async def close_club(self) -> Any:
        async with session_scope() as session:
            user = await acting_user(session)
            await club_service.do_close_club(session, club_id=self.club_id, user=user)
        return [rx.toast.info(here("club_form.closed")), rx.redirect("/me/clubs")]


class _FieldErrors(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("invalid fields")
        self.errors = errors
