"""The one look: Radix theme, the self-hosted Korean font, shared sizes."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

THEME = rx.theme(appearance="light", accent_color="teal", gray_color="slate", radius="large", scaling="100%")
STYLESHEETS = ["/fonts/fonts.css", "/a11y.css"]
BASE_STYLE: dict[str, object] = {}
CONTENT_MAX_WIDTH = "960px"

# The Radix colour scales the pages use: the theme's accent and grey, and every `color_scheme`
# (categories, roles, states). A test (tests/unit/test_theme.py) finds the names in the code.
COLORS = ("gray", "slate", "teal", "red", "amber", "green", "orange", "violet", "blue", "pink", "cyan")


@dataclasses.dataclass
class RadixThemesPlugin(rx.plugins.RadixThemesPlugin):
    """Radix Themes as Reflex's plugin brings it, less what no page uses.

    - **CSS**: Reflex imports ``@radix-ui/themes/styles.css``, whose tokens (35 KB of its 86 KB
      gzipped) define all 31 colour scales. The package ships the same CSS in parts; this is
      ``styles.css`` with the tokens cut to our scales (scales first, then ``base.css``, the
      order of ``tokens.css``).
    - **JS**: a plugin's frontend dependency is also "bundled" for dynamic components: the root
      then imports the whole ``@radix-ui/themes`` namespace into ``window.__reflex``, which puts
      every Radix component (select, menus, slider, theme panel, ...) in the chunk every page
      loads. withUs renders no dynamic components, so nothing reads it. The package is still
      installed: each Radix component the pages use names it as its library.
    """

    def get_frontend_dependencies(self, **context: Any) -> tuple[str, ...]:
        return ()

    def get_stylesheet_paths(self, **context: Any) -> tuple[str, ...]:
        if not self.enabled:
            return ()
        return (
            *(f"@radix-ui/themes/tokens/colors/{name}.css" for name in COLORS),
            "@radix-ui/themes/tokens/base.css",
            "@radix-ui/themes/components.css",
            "@radix-ui/themes/utilities.css",
        )
