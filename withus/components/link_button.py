"""A link that looks like a button: one control and one Tab stop.

``rx.link(rx.button(...))`` puts a <button> inside an <a>: two focusable controls for one
action, announced twice. Here the button's look goes onto the link itself (``as_child``).
"""

from __future__ import annotations

from typing import Any

import reflex as rx


def link_button(*children: Any, href: Any, is_external: bool = False, **button_props: Any) -> rx.Component:
    link = rx.link(*children, href=href, underline="none", is_external=is_external)
    return rx.button(link, as_child=True, **button_props)
