"""/clubs/[id] — a club: info, actions for my role, board and members."""

from __future__ import annotations

import reflex as rx

from withus.components.category import category_badge
from withus.components.club_card import club_cover, recruiting_badge
from withus.components.forms import form_error, text_area_field, text_field
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.components.post_item import author_avatar, post_row, text_with_links
from withus.i18n.ui import tr
from withus.models.post import BODY_MAX, TITLE_MAX
from withus.pages.club_events import events_tab
from withus.pages.club_membership import join_actions, join_dialog, member_actions
from withus.state.auth import AuthState
from withus.state.club import ClubState


def not_found_view() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=36, color="var(--gray-9)"),
            rx.heading(tr("club.not_found"), size="5"),
            rx.text(tr("common.gone_hint"), color_scheme="gray"),
            link_button(tr("club.find_other"), variant="soft", href="/"),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
    )


def loading_view() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="200px", width="100%"), loading=True),
        rx.skeleton(rx.box(height="32px", width="60%"), loading=True),
        rx.skeleton(rx.box(height="80px", width="100%"), loading=True),
        spacing="3",
        width="100%",
    )


def info_row(icon: str, text: rx.Var[str] | str) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=16, flex_shrink="0"),
        rx.text(text, size="2"),
        spacing="2",
        align="center",
        color="var(--gray-11)",
    )


def club_header() -> rx.Component:
    c = ClubState.club
    return rx.card(
        rx.inset(club_cover(c.cover_url, c.category, c.color, height="220px"), side="top", pb="current"),
        rx.vstack(
            rx.hstack(
                category_badge(c.category_label, c.color),
                recruiting_badge(c.recruiting),
                rx.badge(c.policy_label, variant="outline", color_scheme="gray"),
                rx.cond(
                    c.private,
                    rx.badge(rx.icon("lock", size=12), tr("club.private"), variant="outline", color_scheme="gray"),
                ),
                spacing="2",
                wrap="wrap",
            ),
            rx.heading(c.name, size="7", as_="h1", overflow_wrap="anywhere"),
            rx.flex(
                rx.box(
                    info_row("users", tr("club.members_prefix") + c.members),
                    custom_attrs={"data-testid": "member-count"},
                ),
                rx.cond(c.location != "", info_row("map-pin", c.location)),
                rx.cond(c.window != "", info_row("calendar", tr("club.recruiting_prefix") + c.window)),
                rx.cond(
                    c.host_nickname != "",
                    rx.hstack(
                        author_avatar(c.host_avatar, c.host_nickname, size="1"),
                        rx.text(tr("club.host_prefix"), size="2", color_scheme="gray"),
                        rx.link(c.host_nickname, href="/users/" + c.host_id.to_string(), size="2", weight="medium"),
                        spacing="1",
                        align="center",
                    ),
                ),
                direction=rx.breakpoints(initial="column", sm="row"),
                column_gap="20px",
                row_gap="6px",
                wrap="wrap",
            ),
            rx.cond(
                c.description != "",
                text_with_links(c.description_segments, size="3", color="var(--gray-12)", line_height="1.7"),
            ),
            rx.separator(size="4"),
            rx.cond(
                ClubState.is_member,
                member_actions(),
                rx.cond(
                    AuthState.logged_in,
                    join_actions(),
                    rx.hstack(
                        rx.button(tr("club.login_to_join"), size="3", on_click=AuthState.require_login),
                        spacing="2",
                    ),
                ),
            ),
            spacing="3",
            width="100%",
            padding_top="12px",
        ),
        size="3",
        width="100%",
    )


def members_only() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("lock", size=32, color="var(--gray-9)"),
            rx.text(tr("club.members_only"), weight="bold", size="4"),
            rx.text(
                tr("club.members_only_hint"),
                color_scheme="gray",
                size="2",
                align="center",
            ),
            align="center",
            spacing="2",
        ),
        padding_y="40px",
        width="100%",
    )


def write_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("board.write")),
            rx.dialog.description(tr("board.write_hint"), size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    text_field(
                        "new-post-title",
                        label_text=tr("board.title"),
                        name="title",
                        max_length=TITLE_MAX,
                        error=ClubState.write_errors.get("title", ""),
                    ),
                    text_area_field(
                        "new-post-body",
                        label_text=tr("board.body"),
                        name="body",
                        max_length=BODY_MAX,
                        rows="8",
                        error=ClubState.write_errors.get("body", ""),
                    ),
                    rx.cond(
                        ClubState.is_staff,
                        rx.text(
                            rx.flex(
                                rx.checkbox(name="notice", id="new-post-notice", aria_label=tr("board.as_notice")),
                                tr("board.as_notice"),
                                gap="2",
                                align="center",
                            ),
                            as_="label",
                            size="2",
                        ),
                    ),
                    form_error(ClubState.write_errors.get("form", "")),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(tr("common.cancel"), type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(tr("board.submit"), type="submit", loading=ClubState.write_sending),
                        spacing="2",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=ClubState.write_post,
            ),
            max_width="560px",
        ),
        open=ClubState.write_open,
        on_open_change=ClubState.set_write_open,
    )


def board_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.heading(tr("club.board"), size="4", as_="h2"),
            rx.spacer(),
            rx.cond(
                ClubState.is_member,
                rx.button(rx.icon("pencil", size=16), tr("board.write"), on_click=ClubState.open_write),
            ),
            width="100%",
            align="center",
        ),
        rx.cond(
            ClubState.posts.length() > 0,
            rx.vstack(rx.foreach(ClubState.posts, post_row), spacing="0", width="100%"),
            rx.center(
                rx.vstack(
                    rx.icon("notebook-pen", size=32, color="var(--gray-9)"),
                    rx.text(tr("board.empty"), weight="bold"),
                    rx.cond(ClubState.is_member, rx.text(tr("board.empty_hint"), color_scheme="gray", size="2")),
                    align="center",
                    spacing="2",
                ),
                padding_y="32px",
                width="100%",
            ),
        ),
        rx.cond(
            ClubState.has_more_posts,
            rx.center(
                rx.button(
                    tr("common.more"),
                    variant="outline",
                    loading=ClubState.posts_loading,
                    on_click=ClubState.load_more_posts,
                ),
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def member_item(m: rx.Var) -> rx.Component:
    return rx.hstack(
        author_avatar(m.avatar_url, m.nickname, size="2"),
        rx.link(
            m.nickname,
            href="/users/" + m.user_id.to_string(),
            weight="medium",
            size="2",
            color_scheme="gray",
            high_contrast=True,
        ),
        rx.badge(m.role_label, color_scheme=m.role_color, variant="soft"),
        rx.spacer(),
        rx.text(m.joined, tr("club.joined_suffix"), size="1", color_scheme="gray"),
        width="100%",
        align="center",
        spacing="2",
        padding_y="8px",
        border_bottom="1px solid var(--gray-a3)",
        custom_attrs={"data-testid": "member"},
    )


def members_tab() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("club.members_prefix"), ClubState.club.members, size="4", as_="h2"),
        rx.vstack(rx.foreach(ClubState.members, member_item), spacing="0", width="100%"),
        rx.cond(
            ClubState.has_more_members,
            rx.center(
                rx.button(
                    tr("common.more"),
                    variant="outline",
                    loading=ClubState.members_loading,
                    on_click=ClubState.load_more_members,
                ),
                width="100%",
            ),
        ),
        spacing="3",
        width="100%",
    )


def club_tabs() -> rx.Component:
    return rx.card(
        rx.cond(
            ClubState.club.restricted,
            members_only(),
            rx.tabs.root(
                rx.tabs.list(
                    rx.tabs.trigger(tr("club.board"), value="board"),
                    rx.tabs.trigger(tr("event.tab"), value="events"),
                    rx.tabs.trigger(tr("club.members"), value="members"),
                ),
                rx.tabs.content(board_tab(), value="board", padding_top="16px"),
                rx.tabs.content(events_tab(), value="events", padding_top="16px"),
                rx.tabs.content(members_tab(), value="members", padding_top="16px"),
                value=ClubState.tab,
                on_change=ClubState.set_tab,
                width="100%",
            ),
        ),
        size="3",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            ClubState.loading,
            loading_view(),
            rx.cond(
                ClubState.not_found,
                not_found_view(),
                rx.vstack(
                    club_header(),
                    club_tabs(),
                    spacing="4",
                    width="100%",
                    custom_attrs={"data-testid": "club-page", "data-live": rx.cond(ClubState.live, "true", "false")},
                ),
            ),
        ),
        join_dialog(),
        write_dialog(),
    )
