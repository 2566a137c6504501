"""The Radix theme as withUs loads it: the colour scales cover every colour the pages name; the package
is installed for its components but not bundled whole for dynamic components."""

from __future__ import annotations

import re
from pathlib import Path

import reflex as rx

from withus.theme import COLORS, THEME, RadixThemesPlugin

# Radix Themes' scales (@radix-ui/themes/tokens/colors/*.css).
RADIX_SCALES = [
    *("gray", "mauve", "slate", "sage", "olive", "sand", "amber", "blue", "bronze", "brown", "crimson", "cyan"),
    *("gold", "grass", "green", "indigo", "iris", "jade", "lime", "mint", "orange", "pink", "plum", "purple"),
    *("red", "ruby", "sky", "teal", "tomato", "violet", "yellow"),
]
_ANY = "|".join(RADIX_SCALES)
NAMED = re.compile(rf"""["']({_ANY})["']|var\(--({_ANY})-""")
ROOT = Path(__file__).resolve().parents[2]


def test_every_colour_the_code_names_is_in_the_stylesheet() -> None:
    named: dict[str, str] = {}
    for path in [*(ROOT / "withus").rglob("*.py"), *(ROOT / "assets").rglob("*.css")]:
        for m in NAMED.finditer(path.read_text(encoding="utf-8")):
            named.setdefault(m.group(1) or m.group(2), str(path.relative_to(ROOT)))
    assert "red" in named and "teal" in named  # the scan sees the code
    missing = {name: where for name, where in named.items() if name not in COLORS}
    assert not missing, f"add these scales to withus.theme.COLORS: {missing}"


def test_the_stylesheets_are_styles_css_in_parts_with_our_scales() -> None:
    sheets = RadixThemesPlugin(theme=THEME).get_stylesheet_paths()
    assert sheets[-3:] == (
        "@radix-ui/themes/tokens/base.css",
        "@radix-ui/themes/components.css",
        "@radix-ui/themes/utilities.css",
    )
    assert sheets[:-3] == tuple(f"@radix-ui/themes/tokens/colors/{name}.css" for name in COLORS)
    assert set(COLORS) < set(RADIX_SCALES)
    assert RadixThemesPlugin(theme=THEME, enabled=False).get_stylesheet_paths() == ()


def test_radix_is_installed_for_its_components_but_not_bundled_whole() -> None:
    plugin = RadixThemesPlugin(theme=THEME)
    assert plugin.get_frontend_dependencies() == ()  # no `import * as radix_ui_themes` in the root
    # what installs it: each Radix component names the package as its library
    assert [lib for lib in rx.button("x")._get_all_imports() if lib.startswith("@radix-ui/themes@")]
