"""Request bodies and list envelopes of the clubs, invitations and notifications routes."""

from __future__ import annotations

from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Query
from pydantic import BaseModel, Field, field_validator

from withus.i18n import Msg
from withus.models.club import JOIN_MESSAGE_MAX
from withus.models.types import StrictId, Text

T = TypeVar("T")


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "Not logged in (`not_authenticated`).",
        403: "Not allowed: `not_a_member`, `insufficient_role`, `banned`, `invite_only`.",
        404: "No such club, or it is closed (`club_not_found`); or no such member/request/invitation.",
        409: "Conflicts with the current state (see the endpoint's description for the codes).",
        413: "Image over 5 MB (`image_too_large`).",
        422: "Validation failed; `errors` names each field.",
        429: "Too many in a short time (`rate_limited`); see `Retry-After`.",
    }
    return {c: {"description": described[c], "content": {"application/problem+json": {}}} for c in codes}


Limit = Annotated[int, Query(ge=1, le=100, description="Page size (default 20, max 100).")]
Cursor = Annotated[Text | None, Query(max_length=1000, description="`next_cursor` of the previous page.")]


class Page(BaseModel, Generic[T]):
    """A page of a list; pass ``next_cursor`` back as ``?cursor=`` for the next one (null: the end)."""

    items: list[T]
    next_cursor: str | None = None


class JoinBody(BaseModel):
    message: Text = Field(
        default="",
        description=f"Optional note to the host (≤ {JOIN_MESSAGE_MAX} characters).",
        json_schema_extra={"maxLength": JOIN_MESSAGE_MAX},
    )

    @field_validator("message")
    @classmethod
    def _message(cls, v: str) -> str:
        v = v.strip()
        if len(v) > JOIN_MESSAGE_MAX:
            raise ValueError(Msg("validation.join_message_length", max=JOIN_MESSAGE_MAX))
        return v


class RoleBody(BaseModel):
    role: Literal["moderator", "member"]


class UserIdBody(BaseModel):
    user_id: StrictId


class CountBody(BaseModel):
    count: int
