"""The search box wherever a person is chosen: type part of a nickname, pick someone from the list.

The list is a ``listbox`` of buttons (Tab walks them; each names the person and the action);
"nobody found" and "type two letters" show under the box. ``on_pick(hit)`` is what a pick does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx

from withus.i18n.ui import tr
from withus.state.people_search import PeopleSearchState as P


def _hit(hit: rx.Var, action: rx.Var[str] | str, on_pick: Callable[[Any], Any]) -> rx.Component:
    return rx.button(
        rx.hstack(
            rx.avatar(src=hit.avatar_url, fallback=hit.nickname.to(str)[:1], size="2", radius="full", alt=""),
            rx.text(hit.nickname, size="2", weight="medium", overflow_wrap="anywhere", text_align="left"),
            rx.spacer(),
            rx.text(action, size="1", color_scheme="teal", flex_shrink="0"),
            spacing="2",
            align="center",
            width="100%",
        ),
        type="button",
        variant="ghost",
        color_scheme="gray",
        size="3",
        width="100%",
        justify="start",
        on_click=on_pick(hit),
        custom_attrs={"data-testid": "person-hit", "role": "option", "aria-selected": "false"},
    )


def people_results(action: rx.Var[str] | str, on_pick: Callable[[Any], Any], *, list_id: str) -> rx.Component:
    """The people found for the box's query, or why there are none."""
    return rx.box(
        rx.cond(
            P.hits.length() > 0,
            rx.vstack(
                rx.foreach(P.hits, lambda hit: _hit(hit, action, on_pick)),
                spacing="1",
                width="100%",
                custom_attrs={"role": "listbox", "aria-label": tr("people.results")},
            ),
            rx.cond(
                P.searched,
                rx.text(tr("people.nobody"), size="2", color_scheme="gray", custom_attrs={"role": "status"}),
                rx.cond(P.too_short, rx.text(tr("people.too_short"), size="2", color_scheme="gray")),
            ),
        ),
        # The id the box's aria-controls names exists also before the first results (axe: aria-valid-attr-value).
        id=list_id,
        width="100%",
    )


def people_input(control_id: str, *, attrs: dict[str, Any] | None = None, **props: Any) -> rx.Component:
    """The box itself (controlled, debounced: one search per pause in typing); ``attrs`` are more
    HTML attributes (aria-*)."""
    return rx.debounce_input(
        rx.input(
            id=control_id,
            value=P.query,
            on_change=P.search,
            size="3",
            width="100%",
            auto_complete="off",
            type="search",
            custom_attrs={"aria-controls": f"{control_id}-results", "aria-autocomplete": "list", **(attrs or {})},
            **props,
        ),
        debounce_timeout=250,
    )
