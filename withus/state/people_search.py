"""The search box wherever a person is chosen (the manage page's invite, a new chat): people by
nickname as the user types (``withus.services.people_search``: me, deleted accounts and people
blocked either way are left out). The page decides what a pick does (invite, open the 1:1 room).
"""

from __future__ import annotations

import dataclasses
import logging

import reflex as rx

from withus.db import read_scope
from withus.errors import DomainError
from withus.services import people_search
from withus.state.common import current_user_id

log = logging.getLogger(__name__)

HITS = 8
QUERY_MAX = 100  # what the box keeps (the service takes at most people_search.Q_MAX)


@dataclasses.dataclass
class PersonHit:
    id: int = 0
    nickname: str = ""
    avatar_url: str = ""
    href: str = ""


def looks_like_a_number(text: str) -> bool:
    """A member number or a profile address: the page's submit handles it, no search."""
    t = text.strip().lstrip("#")
    return t.isdigit() or "/users/" in t


class PeopleSearchState(rx.State):
    """What the search box shows: the query, the people found, whether a search ran."""

    query: str = ""
    hits: list[PersonHit] = []
    searched: bool = False  # a search ran for this query (so "nobody found" may show)
    searching: bool = False

    @rx.var
    def too_short(self) -> bool:
        text = self.query.strip()
        return 0 < len(text) < people_search.Q_MIN and not looks_like_a_number(text)

    @rx.event
    def clear(self) -> None:
        self.query, self.hits, self.searched, self.searching = "", [], False, False

    @rx.event
    async def search(self, value: str) -> None:
        self.query = str(value)[:QUERY_MAX]
        text = self.query.strip()
        if len(text) < people_search.Q_MIN or looks_like_a_number(text):
            self.hits, self.searched = [], False
            return
        uid = await current_user_id(self)
        if uid is None:
            self.hits, self.searched = [], False
            return
        self.searching = True
        try:
            async with read_scope() as session:
                found, _ = await people_search.search_people(
                    session, viewer_id=uid, q=text[: people_search.Q_MAX], limit=HITS
                )
        except DomainError:
            found = []
        except Exception:
            log.exception("people search failed")
            found = []
        finally:
            self.searching = False
        if self.query.strip() != text:  # typed on meanwhile: that search answers
            return
        self.hits = [PersonHit(u.id, u.nickname, u.avatar_url, f"/users/{u.id}") for u in found]
        self.searched = True


async def clear_search(state: rx.State) -> None:
    """After a pick: the box and its list empty again."""
    box = await state.get_state(PeopleSearchState)
    box.clear()
