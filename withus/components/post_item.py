"""Posts: a row of the board list, the author line, and a body rendered as text and links.

A body is never HTML: it arrives as segments (text, or a link whose text is the URL),
rendered as text nodes and ``<a>`` elements, so every character people typed is escaped.
"""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr


def author_avatar(avatar_url: rx.Var[str], nickname: rx.Var[str], size: str = "2") -> rx.Component:
    # Beside the author's name: decorative (alt=""; Radix's Avatar hands it to its <img>).
    return rx.avatar(src=avatar_url, fallback=nickname.to(str)[:1], size=size, radius="full", custom_attrs={"alt": ""})


def notice_badge() -> rx.Component:
    return rx.badge(
        rx.icon("megaphone", size=12), tr("post.notice"), color_scheme="red", variant="soft", flex_shrink="0"
    )


def hidden_badge() -> rx.Component:
    return rx.badge(
        rx.icon("eye-off", size=12), tr("post.hidden"), color_scheme="gray", variant="surface", flex_shrink="0"
    )


def text_with_links(segments: rx.Var, **props: object) -> rx.Component:
    """``segments`` is a list of ``Segment`` (text, href); line breaks kept with pre-wrap."""
    return rx.text(
        rx.foreach(
            segments,
            lambda seg: rx.cond(
                seg.href != "",
                rx.link(
                    seg.text,
                    href=seg.href,
                    is_external=True,
                    rel="noopener noreferrer nofollow ugc",
                    word_break="break-all",
                ),
                rx.fragment(seg.text),
            ),
        ),
        white_space="pre-wrap",
        overflow_wrap="anywhere",
        as_="div",
        **props,
    )


def post_row(post: rx.Var) -> rx.Component:
    """A line of the board list; ``post`` is a ``PostRow`` var."""
    return rx.link(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.cond(post.notice, notice_badge()),
                    rx.cond(post.hidden, hidden_badge()),
                    rx.cond(
                        post.author_blocked,
                        rx.text(tr("post.blocked"), size="3", color_scheme="gray"),
                        rx.text(
                            post.title,
                            size="3",
                            weight=rx.cond(post.notice, "bold", "medium"),
                            overflow="hidden",
                            text_overflow="ellipsis",
                            white_space="nowrap",
                        ),
                    ),
                    spacing="2",
                    align="center",
                    min_width="0",
                    width="100%",
                ),
                rx.hstack(
                    author_avatar(post.avatar_url, post.nickname, size="1"),
                    rx.text(post.nickname, size="1", color_scheme="gray"),
                    rx.text("·", size="1", color_scheme="gray"),
                    rx.text(post.ago, size="1", color_scheme="gray", title=post.full_time),
                    spacing="1",
                    align="center",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.hstack(
                rx.icon("message-square", size=14),
                rx.text(post.comment_count, size="2"),
                spacing="1",
                align="center",
                color="var(--gray-11)",
                aria_label=tr("post.comment_count_aria", count=post.comment_count.to_string()),
                flex_shrink="0",
            ),
            align="center",
            spacing="3",
            width="100%",
            padding_y="12px",
            padding_x="4px",
            border_bottom="1px solid var(--gray-a4)",
            background=rx.cond(post.notice, "var(--red-a2)", "transparent"),
        ),
        href="/posts/" + post.id.to_string(),
        underline="none",
        color="inherit",
        width="100%",
        custom_attrs={"data-testid": "post-row"},
    )
