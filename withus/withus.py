"""The Reflex app: pages on top, the FastAPI app (REST, /ws, media) mounted around it."""

import reflex as rx
from reflex_base.config import get_config
from reflex_base.constants import Env
from reflex_base.environment import environment

from api import build_api
from withus.components.boot_skeleton import boot_skeleton
from withus.lifecycle import running
from withus.middleware import ReaderMiddleware, SessionBindingMiddleware, upload_guard
from withus.pages import register_pages
from withus.theme import BASE_STYLE, STYLESHEETS

# Where page scripts reach the REST API: the page's own origin when one port serves everything
# (production), the backend port in dev mode (frontend :3000, backend :8000). Read by withus.js.
API_ORIGIN = get_config().api_url if environment.REFLEX_ENV_MODE.get() == Env.DEV else ""

HTML_LANG = rx.Var('(globalThis.withusLocale === "en" ? "en" : "ko")', _var_type=str)

app = rx.App(
    head_components=[
        rx.el.link(rel="icon", href="/favicon.svg", type="image/svg+xml"),
        # API calls with the session cookie and the CSRF header (login, logout, sign-up, password).
        rx.el.meta(name="withus-api", content=API_ORIGIN),
        rx.el.script(src="/js/withus.js"),
    ],
    html_lang="ko",
    # The locale withus.js chose before React rendered (the cookie, else the browser's languages).
    html_custom_attrs={"lang": HTML_LANG},  # type: ignore[dict-item]
    # Reflex's own routes first get the upload guard, then the REST API is mounted around them.
    api_transformer=[upload_guard, build_api()],
    stylesheets=STYLESHEETS,
    style=BASE_STYLE,
    # React Router's HydrateFallback: in the SPA shell a page with an id is served in before its script runs.
    hydrate_fallback=boot_skeleton,
)
app.register_lifespan_task(running)
# First: a tab's cached state is reset before anything reads it when the login cookie changed.
app.add_middleware(SessionBindingMiddleware(), index=0)
# Then: the event's reader (locale, browser zone) for the texts and times its handler writes.
app.add_middleware(ReaderMiddleware())
register_pages(app)
