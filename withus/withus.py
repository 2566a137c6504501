"""The Reflex app: pages on top, the FastAPI app (REST, /ws, media) mounted around it."""

import reflex as rx

from api import build_api
from withus.lifecycle import running
from withus.pages import register_pages
from withus.theme import BASE_STYLE, STYLESHEETS

app = rx.App(
    head_components=[rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml")],
    api_transformer=build_api(),
    stylesheets=STYLESHEETS,
    style=BASE_STYLE,
)
app.register_lifespan_task(running)
register_pages(app)
