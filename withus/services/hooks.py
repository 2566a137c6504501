"""The services' hooks, wired where the app is assembled (:func:`api.app.build_api`, which the
Reflex app mounts, and the tests' ``stack`` fixture) instead of on import.

A lower service offers a list of hooks and runs them inside its transaction; a higher one
provides the function. Registering them here keeps every import pointing one way:

- ``clubs.on_club_created`` → :func:`chat_rooms.on_club_created` (the club's chat room);
- ``clubs.on_membership_changed`` → :func:`chat_rooms.on_membership_changed` (its read state) and
  :func:`rsvp.on_membership_changed` (a member who leaves gives up their places in events);
- ``users.on_account_deleted`` → :func:`member_roles.on_account_deleted` (hosted clubs pass on
  or close, memberships, requests and invitations end).
"""

from __future__ import annotations

from typing import Any

from withus.services import chat_rooms as room_service
from withus.services import clubs as club_service
from withus.services import member_roles as member_service
from withus.services import rsvp as rsvp_service
from withus.services import users as user_service


def _add(hooks: list[Any], hook: Any) -> None:
    if hook not in hooks:
        hooks.append(hook)


def install() -> None:
    """Register every hook once (calling it again changes nothing)."""
    _add(club_service.on_club_created, room_service.on_club_created)
    _add(club_service.on_membership_changed, room_service.on_membership_changed)
    _add(club_service.on_membership_changed, rsvp_service.on_membership_changed)
    _add(user_service.on_account_deleted, member_service.on_account_deleted)
