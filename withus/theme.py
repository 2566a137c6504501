"""The one look: Radix theme, the self-hosted Korean font, shared sizes."""

import reflex as rx

THEME = rx.theme(appearance="light", accent_color="teal", gray_color="slate", radius="large", scaling="100%")
STYLESHEETS = ["/fonts/fonts.css", "/a11y.css"]
BASE_STYLE: dict[str, object] = {}
CONTENT_MAX_WIDTH = "960px"
