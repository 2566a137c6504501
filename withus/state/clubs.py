"""/ — club discovery: category, keyword, newest first, "더 보기" by cursor."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any
from urllib.parse import urlencode

import reflex as rx

from withus.db import read_scope
from withus.errors import DomainError
from withus.i18n.reader import here
from withus.models.club import ClubCard
from withus.services import club_listing
from withus.state.categories import CATEGORY_CHOICES, category_color, category_label
from withus.state.common import generic_error, said

log = logging.getLogger(__name__)

PAGE_SIZE = 24
# A list var is sent whole on every change: the page holds at most this many cards.
MAX_CARDS = 96
QUERY_MAX = 100
CATEGORY_CODES = {code for code, _ in CATEGORY_CHOICES}
SEARCH_INPUT_ID = "club-search"


@dataclasses.dataclass
class ClubCardView:
    id: int
    name: str
    category: str
    category_label: str
    color: str
    cover_url: str
    members: str  # "12 / 20명" or "12명"
    recruiting: bool
    private: bool
    join_policy: str  # open | approval | invite


def capacity_text(member_count: int, capacity: int | None) -> str:
    if capacity:
        return here("club.member_count_of", count=member_count, capacity=capacity)
    return here("club.member_count", count=member_count)


def card_view(card: ClubCard) -> ClubCardView:
    return ClubCardView(
        id=card.id,
        name=card.name,
        category=card.category,
        category_label=category_label(card.category),
        color=category_color(card.category),
        cover_url=card.cover_url or "",
        members=capacity_text(card.member_count, card.capacity),
        recruiting=card.recruiting,
        private=card.visibility == "private",
        join_policy=card.join_policy,
    )


class HomeState(rx.State):
    """The discovery list. ``category`` "" is 전체."""

    category: str = ""
    q: str = ""
    clubs: list[ClubCardView] = []
    _cursor: str | None = None
    has_more: bool = False
    capped: bool = False
    loading: bool = True
    loading_more: bool = False
    failed: bool = False

    @rx.var
    def searching(self) -> bool:
        return bool(self.q)

    async def _fetch(self, *, append: bool) -> Any:
        try:
            async with read_scope() as session:
                rows, cursor = await club_listing.list_clubs(
                    session,
                    category=self.category or None,
                    q=self.q or None,
                    limit=PAGE_SIZE,
                    cursor=self._cursor if append else None,
                )
                cards = [card_view(c) for c in rows]
        except DomainError as exc:
            self.failed = not append
            return rx.toast.error(said(exc.detail))
        except Exception:
            log.exception("club list failed")
            self.failed = not append
            return rx.toast.error(generic_error())
        self.failed = False
        merged = (self.clubs + cards) if append else cards
        self.capped = len(merged) >= MAX_CARDS and cursor is not None
        self.clubs = merged[:MAX_CARDS]
        self._cursor = cursor
        self.has_more = cursor is not None and not self.capped
        return None

    def _sync_address(self) -> Any:
        """Keep ``/?category=..&q=..`` in the address bar so the filtered list can be shared."""
        query = urlencode({k: v for k, v in (("category", self.category), ("q", self.q)) if v})
        url = "/" + (f"?{query}" if query else "")
        return rx.call_script(f"window.history.replaceState(window.history.state, '', {json.dumps(url)})")

    @rx.event
    async def load(self) -> Any:
        """on_load: ``/?category=GAME&q=풋살`` opens the list already filtered (links are shared)."""
        params = self.router.url.query_parameters
        category = str(params.get("category", "")).upper()
        self.category = category if category in CATEGORY_CODES else ""
        self.q = str(params.get("q", "")).strip()[:QUERY_MAX]
        self.loading = True
        self._cursor = None
        yield rx.set_value(SEARCH_INPUT_ID, self.q)
        result = await self._fetch(append=False)
        self.loading = False
        if result is not None:
            yield result

    @rx.event
    async def set_category(self, code: str) -> Any:
        if code != "" and code not in CATEGORY_CODES:
            return
        self.category = code
        self.loading = True
        self._cursor = None
        yield self._sync_address()
        result = await self._fetch(append=False)
        self.loading = False
        if result is not None:
            yield result

    @rx.event
    async def search(self, form_data: dict[str, Any]) -> Any:
        self.q = str(form_data.get("q", "")).strip()[:QUERY_MAX]
        self.loading = True
        self._cursor = None
        yield self._sync_address()
        result = await self._fetch(append=False)
        self.loading = False
        if result is not None:
            yield result

    @rx.event
    async def clear_search(self) -> Any:
        self.q = ""
        self.loading = True
        self._cursor = None
        yield [rx.set_value(SEARCH_INPUT_ID, ""), self._sync_address()]
        result = await self._fetch(append=False)
        self.loading = False
        if result is not None:
            yield result

    @rx.event
    async def load_more(self) -> Any:
        if not self.has_more or self.loading_more:
            return
        self.loading_more = True
        yield
        result = await self._fetch(append=True)
        self.loading_more = False
        if result is not None:
            yield result
