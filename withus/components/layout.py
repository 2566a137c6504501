"""The page frame: header with navigation and the account menu, content column.

On a phone the navigation shows icons only (each keeps its name for screen
readers) and the account actions sit in a dropdown menu.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

from withus.components.notification_bell import chat_unread_badge, notification_bell
from withus.i18n.ui import IS_EN, tr
from withus.state.auth import AuthState
from withus.state.locale import LocaleState
from withus.state.notifications import NotificationBellState as Bell
from withus.theme import CONTENT_MAX_WIDTH

LOGOUT_SCRIPT = "withus.logout('/')"
HEADER_ID = "site-header"
# Where the header's menus open: inside the header (a landmark), not at the end of <body> where
# Radix puts them (axe: region). Looked up after the menu mounts, so a page change never leaves
# it pointing at the page before's header; until then Radix falls back to <body>.
MENU_LAYER = rx.Var(
    "menuLayer",
    _var_data=VarData(
        hooks={
            "const [menuLayer, setMenuLayer] = useState(null);\n"
            f"useEffect(() => setMenuLayer(document.getElementById({HEADER_ID!r})), []);": None
        },
        imports={"react": ["useState", "useEffect"]},
    ),
)


def nav_link(
    label: rx.Var[str] | str,
    href: str,
    icon: str,
    *,
    badge: rx.Component | None = None,
    aria_label: rx.Var[str] | str | None = None,
) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18),
            rx.text(label, display=["none", "none", "inline"]),
            *([badge] if badge is not None else []),
            spacing="1",
            align="center",
            position="relative",
        ),
        href=href,
        color_scheme="gray",
        high_contrast=True,
        underline="none",
        aria_label=aria_label if aria_label is not None else label,
        title=label,
        padding_x="2",
    )


def user_avatar(
    src: rx.Var[str] | str, name: rx.Var[str] | str, size: str = "2", *, alt: rx.Var[str] | str = ""
) -> rx.Component:
    """A profile photo (its initial until it loads). ``alt`` is empty where the name is written beside it
    (a screen reader would read the name twice); a photo shown on its own gets ``alt`` naming whose it is.
    Radix's Avatar hands ``alt`` to its <img>; as a plain keyword Reflex would make it a CSS property."""
    return rx.avatar(
        src=src, fallback=rx.Var.create(name).to(str)[:1], size=size, radius="full", custom_attrs={"alt": alt}
    )


def menu_link(text: rx.Var[str] | str, href: rx.Var[str] | str, icon: str) -> rx.Component:
    return rx.menu.item(
        rx.hstack(rx.icon(icon, size=16), rx.text(text), spacing="2", align="center"),
        on_select=rx.redirect(href),
    )


def user_menu() -> rx.Component:
    # Not modal: a modal menu hides the whole page with aria-hidden while focusable controls stay in it
    # (axe: aria-hidden-focus); focus still moves into the menu and Escape brings it back.
    return rx.menu.root(
        rx.menu.trigger(
            rx.button(
                user_avatar(AuthState.avatar_url, AuthState.nickname),
                rx.text(AuthState.nickname, display=["none", "none", "inline"], size="2", weight="medium"),
                rx.icon("chevron-down", size=14),
                variant="ghost",
                color_scheme="gray",
                high_contrast=True,
                # The visible nickname first (axe: label-content-name-mismatch), then what the button is.
                aria_label=rx.Var.create(f"{AuthState.nickname}, {tr('header.account_menu')}"),
                id="user-menu",
            ),
        ),
        rx.menu.content(
            rx.box(
                rx.text(AuthState.nickname, size="2", weight="bold", truncate=True),
                padding_x="12px",
                padding_y="6px",
                max_width="200px",
            ),
            rx.menu.separator(),
            menu_link(tr("header.my_profile"), "/users/" + AuthState.user_id.to_string(), "user"),
            menu_link(tr("header.settings"), "/settings", "settings"),
            rx.menu.separator(),
            rx.menu.item(
                rx.hstack(rx.icon("log-out", size=16), rx.text(tr("header.logout")), spacing="2", align="center"),
                on_select=rx.call_script(LOGOUT_SCRIPT),
                color_scheme="red",
            ),
            align="end",
            custom_attrs={"container": MENU_LAYER},
        ),
        modal=False,
    )


def guest_actions() -> rx.Component:
    wide = rx.hstack(
        # Links that look like buttons (a button inside a link would be two controls in one).
        rx.button(
            rx.link(tr("header.login"), href="/login", underline="none"), variant="soft", size="2", as_child=True
        ),
        rx.button(rx.link(tr("header.signup"), href="/signup", underline="none"), size="2", as_child=True),
        spacing="2",
        display=["none", "none", "flex"],
    )
    narrow = rx.box(
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(
                    rx.icon("circle-user", size=20),
                    variant="ghost",
                    color_scheme="gray",
                    aria_label=tr("header.account"),
                ),
            ),
            rx.menu.content(
                menu_link(tr("header.login"), "/login", "log-in"),
                menu_link(tr("header.signup"), "/signup", "user-plus"),
                align="end",
                custom_attrs={"container": MENU_LAYER},
            ),
            modal=False,
        ),
        display=["block", "block", "none"],
    )
    return rx.fragment(wide, narrow)


def language_switch() -> rx.Component:
    """한국어 / English: names the other language in that language (lang set for screen readers)."""
    return rx.button(
        rx.icon("languages", size=16),
        rx.text(tr("header.switch_to"), display=["none", "inline"]),
        on_click=LocaleState.switch(rx.cond(IS_EN, "ko", "en")),
        variant="ghost",
        color_scheme="gray",
        high_contrast=True,
        size="2",
        lang=rx.cond(IS_EN, "ko", "en"),
        aria_label=tr("header.switch_to_aria"),
        title=tr("header.switch_to_aria"),
        id="language-switch",
    )


def account_area() -> rx.Component:
    return rx.cond(
        AuthState.logged_in,
        rx.hstack(notification_bell(), user_menu(), spacing="3", align="center"),
        # Until the first state arrives we do not know: show nothing rather than the wrong buttons.
        rx.cond(rx.State.is_hydrated, guest_actions(), rx.box(width="72px")),
    )


def skip_link() -> rx.Component:
    """The first Tab stop: straight to the page's content past the header (hidden until focused)."""
    return rx.el.a(tr("a11y.skip_to_content"), href="#content", class_name="skip-link")


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.image(src="/logo.svg", width="28px", height="28px", alt=""),
                    rx.text("withUs", size="5", weight="bold", display=["none", "block"]),
                    spacing="2",
                    align="center",
                ),
                href="/",
                underline="none",
                color_scheme="gray",
                high_contrast=True,
                aria_label=tr("header.home"),
            ),
            rx.spacer(),
            rx.hstack(
                rx.el.nav(
                    rx.hstack(
                        nav_link(tr("header.find_clubs"), "/", "search"),
                        nav_link(tr("header.my_clubs"), "/me/clubs", "users"),
                        nav_link(
                            tr("header.chat"),
                            "/chat",
                            "message-circle",
                            badge=chat_unread_badge(),
                            aria_label=rx.cond(
                                Bell.chat_unread > 0,
                                tr("header.chat_unread_aria", count=Bell.chat_badge_text),
                                tr("header.chat"),
                            ),
                        ),
                        spacing=rx.breakpoints(initial="1", md="3"),
                        align="center",
                    ),
                    aria_label=tr("header.main_menu"),
                ),
                language_switch(),
                account_area(),
                spacing=rx.breakpoints(initial="2", md="4"),
                align="center",
            ),
            max_width=CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x="16px",
            height="56px",
            align="center",
        ),
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
        id=HEADER_ID,
    )


def page(*children: rx.Component, **props: object) -> rx.Component:
    return rx.box(
        skip_link(),
        header(),
        rx.el.main(
            *children,
            id="content",
            tab_index=-1,
            max_width=CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x="16px",
            padding_y="24px",
            width="100%",
            outline="none",
            **props,
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
