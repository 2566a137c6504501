"""The placeholder a cold load of a page with an id shows before its code has run.

Pages at fixed addresses are pre-rendered with their own skeletons. A club, a post, a chat
room, an event or a profile (``/clubs/[id]`` ...) are served the build's empty SPA shell until
their script has loaded: a white page for a moment. This frame (a header bar and grey blocks,
plain HTML, no state) is the app's ``hydrate_fallback`` (React Router's ``HydrateFallback``),
rendered into that shell at build time and replaced by the page once its script runs.
"""

from __future__ import annotations

import reflex as rx


def _block(height: str, width: str = "100%") -> rx.Component:
    return rx.el.div(class_name="boot-block", style={"height": height, "width": width})


def boot_skeleton() -> rx.Component:
    return rx.el.div(
        rx.el.div(class_name="boot-header"),
        rx.el.div(
            _block("200px"),
            _block("32px", "60%"),
            _block("18px", "40%"),
            _block("120px"),
            class_name="boot-column",
        ),
        class_name="boot-skeleton",
        aria_hidden="true",
    )
