"""The page frame: header with navigation, content column, footer."""

from __future__ import annotations

import reflex as rx

from withus.theme import CONTENT_MAX_WIDTH


def nav_link(label: str, href: str, icon: str) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(icon, size=18), rx.text(label, display=["none", "none", "inline"]), spacing="1", align="center"
        ),
        href=href,
        color_scheme="gray",
        high_contrast=True,
        underline="none",
        aria_label=label,
        padding_x="2",
    )


def header() -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.link(
                rx.hstack(
                    rx.image(src="/logo.svg", width="28px", height="28px", alt=""),
                    rx.heading("withUs", size="5"),
                    spacing="2",
                    align="center",
                ),
                href="/",
                underline="none",
                color_scheme="gray",
                high_contrast=True,
                aria_label="withUs 홈",
            ),
            rx.spacer(),
            rx.hstack(
                nav_link("모임 찾기", "/", "search"),
                nav_link("내 모임", "/me/clubs", "users"),
                nav_link("채팅", "/chat", "message-circle"),
                nav_link("알림", "/notifications", "bell"),
                rx.link(rx.button("로그인", variant="soft", size="2"), href="/login"),
                spacing="3",
                align="center",
            ),
            max_width=CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x="16px",
            height="56px",
            align="center",
        ),
        as_="header",
        border_bottom="1px solid var(--gray-a5)",
        background="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
        width="100%",
    )


def page(*children: rx.Component, **props: object) -> rx.Component:
    return rx.box(
        header(),
        rx.box(
            *children,
            as_="main",
            max_width=CONTENT_MAX_WIDTH,
            margin_x="auto",
            padding_x="16px",
            padding_y="24px",
            width="100%",
            **props,
        ),
        min_height="100vh",
        background="var(--gray-2)",
    )
