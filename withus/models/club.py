"""Clubs: the club, its members, join requests, invitations and bans.

``clubs.member_count`` is a stored counter kept in the same transaction as every
membership change (under a lock on the club row), so lists read it without a
join. ``clubs.host_id`` mirrors the one ``club_members`` row whose role is
``host``. ``clubs.chat_room_id`` is set by the real-time part when it creates the
club's chat room (see ``withus.services.clubs.on_club_created``); it has no
foreign key here because the chat tables come in a later migration.

Migration 0003 also creates, on PostgreSQL only, ``ix_clubs_search_trgm`` (pg_trgm GIN on
``lower(name || ' ' || description)``) for keyword search; it is not declared here (autogenerate
can compare no such index), so an autogenerate run against PostgreSQL proposes dropping it —
delete that line. ``tests/unit/test_models_match_migrations.py`` lists it as the one object of the
database the models do not declare.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ValidationInfo, field_validator
from sqlalchemy import DateTime, Index, text
from sqlmodel import Field, SQLModel

from withus.i18n import Msg
from withus.models.base import Base, created_at_field
from withus.models.types import IsoDateTime, Text
from withus.models.user import UserPublic, UserSummary

# (code, label_ko, label_en), in the order the UI shows them.
CATEGORIES: list[tuple[str, str, str]] = [
    ("SPORTS", "운동", "Sports"),
    ("DAILY", "일상", "Daily life"),
    ("GAME", "게임", "Games"),
    ("FOOD", "음식", "Food"),
    ("STUDY", "스터디", "Study"),
    ("CULTURE", "문화·예술", "Culture & arts"),
    ("TRAVEL", "여행", "Travel"),
    ("ETC", "기타", "Other"),
]
CATEGORY_CODES: frozenset[str] = frozenset(code for code, _, _ in CATEGORIES)
CATEGORY_LABELS_KO: dict[str, str] = {code: ko for code, ko, _ in CATEGORIES}
CATEGORY_LABELS_EN: dict[str, str] = {code: en for code, _, en in CATEGORIES}

Category = Literal["SPORTS", "DAILY", "GAME", "FOOD", "STUDY", "CULTURE", "TRAVEL", "ETC"]
JoinPolicy = Literal["open", "approval", "invite"]
Visibility = Literal["public", "private"]
Role = Literal["host", "moderator", "member"]
JoinRequestStatus = Literal["pending", "approved", "declined", "withdrawn"]
InvitationStatus = Literal["pending", "accepted", "declined", "canceled"]

ROLES: tuple[str, ...] = ("host", "moderator", "member")
STAFF_ROLES: frozenset[str] = frozenset({"host", "moderator"})

NAME_MIN, NAME_MAX = 2, 50
DESCRIPTION_MAX = 2000
LOCATION_MAX = 100
CAPACITY_MIN, CAPACITY_MAX = 2, 1000
JOIN_MESSAGE_MAX = 300


def _tz() -> DateTime:
    return DateTime(timezone=True)


class Club(Base, table=True):
    __tablename__ = "clubs"
    __table_args__ = (
        # Newest-first listing by keyset (created_at, id) over open clubs, all and per category.
        Index(
            "ix_clubs_listing",
            "created_at",
            "id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
        Index(
            "ix_clubs_category_listing",
            "category",
            "created_at",
            "id",
            postgresql_where=text("closed_at IS NULL"),
            sqlite_where=text("closed_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=NAME_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    category: str = Field(max_length=16)
    join_policy: str = Field(default="open", max_length=16)
    visibility: str = Field(default="public", max_length=16)
    capacity: int | None = Field(default=None)
    recruit_from: datetime | None = Field(default=None, sa_type=_tz())
    recruit_until: datetime | None = Field(default=None, sa_type=_tz())
    location: str | None = Field(default=None, max_length=LOCATION_MAX)
    cover_path: str | None = Field(default=None, max_length=200)
    host_id: int = Field(foreign_key="users.id", index=True)
    member_count: int = Field(default=0, nullable=False)
    chat_room_id: int | None = Field(default=None)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    closed_at: datetime | None = Field(default=None, sa_type=_tz())


class ClubMember(Base, table=True):
    __tablename__ = "club_members"

    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True)
    role: str = Field(default="member", max_length=16)
    joined_at: datetime = created_at_field()


class JoinRequest(Base, table=True):
    """One row per (club, user): a new request after a decision reuses it."""

    __tablename__ = "club_join_requests"

    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True, index=True)
    status: str = Field(default="pending", max_length=16)
    message: str = Field(default="", max_length=JOIN_MESSAGE_MAX)
    created_at: datetime = created_at_field()
    decided_at: datetime | None = Field(default=None, sa_type=_tz())
    decided_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class Invitation(Base, table=True):
    __tablename__ = "club_invitations"
    __table_args__ = (Index("ix_club_invitations_club_id_user_id", "club_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE")
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", index=True)
    inviter_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = created_at_field()
    responded_at: datetime | None = Field(default=None, sa_type=_tz())


class ClubBan(Base, table=True):
    __tablename__ = "club_bans"

    club_id: int = Field(foreign_key="clubs.id", ondelete="CASCADE", primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE", primary_key=True)
    banned_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = created_at_field()


# ---------------------------------------------------------------- input schemas


def _clean_text(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _check_name(value: str) -> str:
    value = value.strip()
    if not NAME_MIN <= len(value) <= NAME_MAX:
        raise ValueError(Msg("validation.club_name_length", min=NAME_MIN, max=NAME_MAX))
    return value


def _check_description(value: str) -> str:
    value = value.strip()
    if len(value) > DESCRIPTION_MAX:
        raise ValueError(Msg("validation.club_description_length", max=DESCRIPTION_MAX))
    return value


def _check_capacity(value: int | None) -> int | None:
    if value is not None and not CAPACITY_MIN <= value <= CAPACITY_MAX:
        raise ValueError(Msg("validation.capacity_range", min=CAPACITY_MIN, max=CAPACITY_MAX))
    return value


def _check_location(value: str | None) -> str | None:
    value = _clean_text(value)
    if not value:
        return None
    if len(value) > LOCATION_MAX:
        raise ValueError(Msg("validation.location_length", max=LOCATION_MAX))
    return value


def _aware(value: datetime | None) -> datetime | None:
    # A time without an offset is taken as UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def check_window(recruit_from: datetime | None, recruit_until: datetime | None) -> None:
    if recruit_from is not None and recruit_until is not None and _aware(recruit_from) >= _aware(recruit_until):  # type: ignore[operator]
        raise ValueError(Msg("validation.recruit_order"))


# What the validators below enforce, for the OpenAPI document (lengths count after trimming).
_NAME_DOC = {"minLength": NAME_MIN, "maxLength": NAME_MAX}
_DESCRIPTION_DOC = {"maxLength": DESCRIPTION_MAX}
_LOCATION_DOC = {"maxLength": LOCATION_MAX}
_CAPACITY_DOC = {"minimum": CAPACITY_MIN, "maximum": CAPACITY_MAX}


class ClubCreate(SQLModel):
    name: Text = Field(schema_extra={"json_schema_extra": _NAME_DOC})
    description: Text = Field(default="", schema_extra={"json_schema_extra": _DESCRIPTION_DOC})
    category: Category
    join_policy: JoinPolicy = "open"
    visibility: Visibility = "public"
    capacity: int | None = Field(default=None, schema_extra={"json_schema_extra": _CAPACITY_DOC})
    recruit_from: IsoDateTime | None = None
    recruit_until: IsoDateTime | None = None
    location: Text | None = Field(default=None, schema_extra={"json_schema_extra": _LOCATION_DOC})

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _check_name(v)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str) -> str:
        return _check_description(v)

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, v: int | None) -> int | None:
        return _check_capacity(v)

    @field_validator("location")
    @classmethod
    def _location(cls, v: str | None) -> str | None:
        return _check_location(v)

    @field_validator("recruit_from")
    @classmethod
    def _from(cls, v: datetime | None) -> datetime | None:
        return _aware(v)

    @field_validator("recruit_until")
    @classmethod
    def _until(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        v = _aware(v)
        check_window(info.data.get("recruit_from"), v)
        return v


class ClubUpdate(SQLModel):
    """Only the fields sent are changed; ``null`` clears capacity, window and location."""

    name: Text = Field(  # type: ignore[assignment]
        default=None, schema_extra={"json_schema_extra": _NAME_DOC}
    )
    description: Text | None = Field(default=None, schema_extra={"json_schema_extra": _DESCRIPTION_DOC})
    category: Category = None  # type: ignore[assignment]
    join_policy: JoinPolicy = None  # type: ignore[assignment]
    visibility: Visibility = None  # type: ignore[assignment]
    capacity: int | None = Field(default=None, schema_extra={"json_schema_extra": _CAPACITY_DOC})
    recruit_from: IsoDateTime | None = None
    recruit_until: IsoDateTime | None = None
    location: Text | None = Field(default=None, schema_extra={"json_schema_extra": _LOCATION_DOC})

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str:
        if v is None:
            raise ValueError(Msg("validation.club_name_required"))
        return _check_name(v)

    @field_validator("description")
    @classmethod
    def _description(cls, v: str | None) -> str:
        return _check_description(v or "")

    @field_validator("category", "join_policy", "visibility")
    @classmethod
    def _required(cls, v: str | None) -> str:
        if v is None:
            raise ValueError(Msg("validation.required"))
        return v

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, v: int | None) -> int | None:
        return _check_capacity(v)

    @field_validator("location")
    @classmethod
    def _location(cls, v: str | None) -> str | None:
        return _check_location(v)

    @field_validator("recruit_from")
    @classmethod
    def _from(cls, v: datetime | None) -> datetime | None:
        return _aware(v)

    @field_validator("recruit_until")
    @classmethod
    def _until(cls, v: datetime | None, info: ValidationInfo) -> datetime | None:
        v = _aware(v)
        check_window(info.data.get("recruit_from"), v)
        return v


# ---------------------------------------------------------------- views


class CategoryPublic(SQLModel):
    code: str
    label_ko: str
    label_en: str


class ClubCard(BaseModel):
    """What a list shows of a club; the same for everyone."""

    id: int
    name: str
    category: str
    category_label: str
    cover_url: str | None
    member_count: int
    capacity: int | None
    recruiting: bool
    join_policy: str
    visibility: str
    created_at: datetime


class ClubPublic(ClubCard):
    """``GET /api/clubs/{id}``. For a private club seen by a non-member, ``host``,
    ``location`` and ``chat_room_id`` are null and ``restricted`` is true."""

    description: str
    location: str | None
    recruit_from: datetime | None
    recruit_until: datetime | None
    host: UserPublic | None
    my_role: Role | None
    my_request_status: Literal["pending"] | None = None
    my_invitation_id: int | None = None
    chat_room_id: int | None
    restricted: bool = False


class MyClub(ClubCard):
    my_role: Role
    joined_at: datetime


class MemberPublic(SQLModel):
    user: UserSummary
    role: Role
    joined_at: datetime


class JoinRequestPublic(SQLModel):
    user: UserSummary
    message: str
    status: JoinRequestStatus
    created_at: datetime


class InvitationPublic(SQLModel):
    id: int
    club: ClubCard
    user: UserSummary
    inviter: UserSummary | None
    status: InvitationStatus
    created_at: datetime


class BanPublic(SQLModel):
    user: UserSummary
    created_at: datetime


class JoinResult(SQLModel):
    status: Literal["member", "pending"]
