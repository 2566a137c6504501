"""/users/{id} — a public profile: avatar, nickname, introduction, tags, clubs hosted."""

from __future__ import annotations

import reflex as rx

from withus.components.layout import page, user_avatar
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.state.profile import HostedClubView, ProfileState


def tag_badges(tags: rx.Var[list[str]]) -> rx.Component:
    return rx.flex(
        rx.foreach(tags, lambda tag: rx.badge("#", tag, size="2", variant="soft", radius="full")),
        wrap="wrap",
        spacing="2",
    )


def actions() -> rx.Component:
    return rx.cond(
        ProfileState.is_me,
        link_button(rx.icon("settings", size=16), tr("profile.edit"), variant="soft", href="/settings"),
        rx.cond(
            ProfileState.is_deleted,
            rx.fragment(),
            rx.hstack(
                link_button(
                    rx.icon("message-circle", size=16), tr("profile.chat"), href=ProfileState.chat_href, id="chat-with"
                ),
                rx.button(
                    rx.icon(rx.cond(ProfileState.blocked, "shield-off", "shield-ban"), size=16),
                    rx.cond(ProfileState.blocked, tr("profile.unblock"), tr("profile.block")),
                    variant="soft",
                    color_scheme=rx.cond(ProfileState.blocked, "gray", "red"),
                    loading=ProfileState.block_busy,
                    on_click=ProfileState.toggle_block,
                    aria_pressed=rx.cond(ProfileState.blocked, "true", "false"),
                    id="block-toggle",
                ),
                spacing="2",
                wrap="wrap",
            ),
        ),
    )


def hosted_club(club: HostedClubView) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.cond(
                    club.cover_url != "",
                    rx.image(
                        src=club.cover_url, width="56px", height="56px", border_radius="8px", object_fit="cover", alt=""
                    ),
                    rx.center(
                        rx.icon("users", size=22),
                        width="56px",
                        height="56px",
                        border_radius="8px",
                        background="var(--accent-3)",
                    ),
                ),
                rx.vstack(
                    rx.text(club.name, weight="bold", truncate=True, max_width="100%"),
                    rx.hstack(
                        rx.badge(club.category_label, variant="soft", size="1"),
                        rx.text(club.members, size="1", color_scheme="gray"),
                        rx.cond(club.recruiting, rx.badge(tr("club.recruiting"), color_scheme="green", size="1")),
                        spacing="2",
                        align="center",
                    ),
                    spacing="1",
                    min_width="0",
                ),
                spacing="3",
                align="center",
            ),
            width="100%",
        ),
        href="/clubs/" + club.id.to_string(),
        underline="none",
        color="inherit",
    )


def hosted_section() -> rx.Component:
    return rx.vstack(
        rx.heading(tr("profile.hosted"), size="4", as_="h2"),
        rx.cond(
            ProfileState.hosted.length() > 0,
            rx.grid(
                rx.foreach(ProfileState.hosted, hosted_club),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.text(
                rx.cond(ProfileState.clubs_available, tr("profile.hosted_none"), tr("profile.hosted_soon")),
                color_scheme="gray",
                size="2",
                id="hosted-empty",
            ),
        ),
        spacing="3",
        width="100%",
        align="stretch",
    )


def profile_card() -> rx.Component:
    return rx.card(
        rx.flex(
            user_avatar(
                ProfileState.avatar_url,
                ProfileState.nickname,
                size="8",
                alt=tr("profile.photo_alt", name=ProfileState.nickname),
            ),
            rx.vstack(
                rx.heading(ProfileState.nickname, size="6", as_="h1", id="profile-nickname"),
                rx.cond(
                    ProfileState.is_deleted,
                    rx.text(tr("profile.deleted"), color_scheme="gray", size="2"),
                    rx.vstack(
                        rx.text(ProfileState.joined, color_scheme="gray", size="2"),
                        rx.cond(
                            ProfileState.introduction != "",
                            rx.text(ProfileState.introduction, white_space="pre-wrap", id="profile-introduction"),
                            rx.text(tr("profile.no_intro"), color_scheme="gray", size="2"),
                        ),
                        tag_badges(ProfileState.tags),
                        spacing="2",
                        align="start",
                    ),
                ),
                actions(),
                spacing="3",
                align=rx.breakpoints(initial="center", sm="start"),
                min_width="0",
                width="100%",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align=rx.breakpoints(initial="center", sm="start"),
            spacing="5",
            text_align=rx.breakpoints(initial="center", sm="left"),
        ),
        size="4",
        width="100%",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("user-x", size=40, color="var(--gray-9)"),
            rx.heading(tr("profile.not_found"), size="5", as_="h1"),
            rx.text(tr("profile.not_found_hint"), color_scheme="gray"),
            link_button(tr("common.go_home"), variant="soft", href="/"),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            ProfileState.loading,
            rx.vstack(
                rx.skeleton(rx.box(height="180px", width="100%"), loading=True),
                rx.skeleton(rx.box(height="120px", width="100%"), loading=True),
                spacing="4",
                width="100%",
            ),
            rx.cond(
                ProfileState.not_found,
                not_found(),
                rx.cond(
                    ProfileState.failed,
                    rx.callout(
                        tr("profile.load_failed"),
                        icon="triangle-alert",
                        color_scheme="red",
                    ),
                    rx.vstack(
                        profile_card(),
                        rx.cond(ProfileState.is_deleted, rx.fragment(), hosted_section()),
                        spacing="5",
                        width="100%",
                    ),
                ),
            ),
        ),
    )
