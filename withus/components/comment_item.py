"""A comment with its replies (one level), inline reply and edit forms, and its actions."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.post_item import author_avatar, hidden_badge, text_with_links
from withus.i18n.ui import tr
from withus.models.comment import COMMENT_MAX
from withus.state.auth import AuthState
from withus.state.board import REPLY_INPUT_ID, PostState


def _action(label: str, icon: str, on_click: object, **props: object) -> rx.Component:
    return rx.button(
        rx.icon(icon, size=12), label, variant="ghost", size="1", color_scheme="gray", on_click=on_click, **props
    )


def comment_actions(c: rx.Var, thread_id: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.cond(
            PostState.is_member,
            _action(tr("comment.reply"), "corner-down-right", PostState.start_reply(thread_id, c.id, c.nickname)),
        ),
        rx.cond(c.can_edit, _action(tr("common.edit"), "pencil", PostState.start_edit_comment(c.id))),
        rx.cond(
            c.can_delete,
            confirm_dialog(
                _action(tr("common.delete"), "trash-2", None),
                title=tr("comment.delete_title"),
                description=tr("comment.delete_body"),
                confirm_label=tr("common.delete"),
                on_confirm=PostState.delete_comment(c.id),
            ),
        ),
        rx.cond(
            AuthState.logged_in & (c.author_id != AuthState.user_id),
            _action(tr("common.report"), "flag", PostState.open_report("comment", c.id)),
        ),
        spacing="3",
        wrap="wrap",
    )


def edit_form(c: rx.Var) -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                tr("comment.edit_label"),
                html_for="edit-comment-body",
                style={"fontSize": "var(--font-size-1)", "fontWeight": "600"},
            ),
            rx.text_area(
                id="edit-comment-body",
                name="body",
                default_value=c.body,
                max_length=COMMENT_MAX,
                rows="3",
                width="100%",
                auto_focus=True,
            ),
            rx.cond(
                PostState.edit_error != "", rx.text(PostState.edit_error, color_scheme="red", size="1", role="alert")
            ),
            rx.hstack(
                rx.button(
                    tr("common.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    on_click=PostState.cancel_edit_comment,
                ),
                rx.button(tr("common.save"), type="submit", size="1", loading=PostState.comment_sending),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=PostState.save_comment,
        width="100%",
    )


def comment_body(c: rx.Var) -> rx.Component:
    return rx.cond(
        c.masked,
        rx.text(c.body, size="2", color_scheme="gray", font_style="italic"),
        rx.cond(
            c.author_blocked & ~PostState.revealed.contains(c.id),
            rx.hstack(
                rx.text(tr("comment.blocked"), size="2", color_scheme="gray"),
                rx.button(tr("common.show"), variant="ghost", size="1", on_click=PostState.toggle_reveal(c.id)),
                spacing="2",
                align="center",
            ),
            rx.cond(
                PostState.editing_comment == c.id,
                edit_form(c),
                text_with_links(c.body_segments, size="2"),
            ),
        ),
    )


def comment_block(c: rx.Var, thread_id: rx.Var[int], reply: bool = False) -> rx.Component:
    """One comment; ``thread_id`` is the top-level comment it belongs to (itself for top level)."""
    return rx.hstack(
        rx.cond(
            c.masked,
            rx.avatar(fallback="?", size="2", radius="full"),
            author_avatar(c.avatar_url, c.nickname, size="2"),
        ),
        rx.vstack(
            rx.hstack(
                rx.cond(
                    c.masked,
                    rx.text(tr("common.unknown"), size="2", color_scheme="gray"),
                    rx.link(
                        c.nickname,
                        href="/users/" + c.author_id.to_string(),
                        size="2",
                        weight="bold",
                        color_scheme="gray",
                        high_contrast=True,
                    ),
                ),
                rx.text(c.ago, size="1", color_scheme="gray", title=c.full_time),
                rx.cond(c.edited, rx.text(tr("common.edited"), size="1", color_scheme="gray")),
                rx.cond(c.hidden, hidden_badge()),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            comment_body(c),
            rx.cond(
                ~c.masked & (PostState.editing_comment != c.id),
                comment_actions(c, thread_id),
            ),
            spacing="1",
            width="100%",
            min_width="0",
        ),
        spacing="3",
        width="100%",
        align="start",
        id="comment-" + c.id.to_string(),
        custom_attrs={"data-testid": "reply" if reply else "comment"},
        padding_y="8px",
    )


def reply_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.el.label(
                rx.text.strong(PostState.reply_to_nickname),
                tr("comment.reply_to"),
                html_for=REPLY_INPUT_ID,
                style={"fontSize": "var(--font-size-1)"},
            ),
            rx.text_area(
                id=REPLY_INPUT_ID,
                name="body",
                max_length=COMMENT_MAX,
                rows="2",
                width="100%",
                placeholder=tr("comment.reply_placeholder"),
            ),
            rx.cond(
                PostState.reply_error != "", rx.text(PostState.reply_error, color_scheme="red", size="1", role="alert")
            ),
            rx.hstack(
                rx.button(
                    tr("common.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    size="1",
                    on_click=PostState.cancel_reply,
                ),
                rx.button(tr("comment.reply_submit"), type="submit", size="1", loading=PostState.comment_sending),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=PostState.add_reply,
        width="100%",
        padding_left="44px",
    )


def comment_thread(c: rx.Var) -> rx.Component:
    """A top-level comment, its replies indented, and the reply form when it is open here."""
    return rx.vstack(
        comment_block(c, c.id),
        rx.cond(
            c.replies.length() > 0,
            rx.vstack(
                rx.foreach(c.replies, lambda r: comment_block(r, c.id, reply=True)),
                spacing="0",
                width="100%",
                padding_left="44px",
                border_left="2px solid var(--gray-a4)",
                margin_left="16px",
            ),
        ),
        rx.cond(PostState.reply_thread == c.id, reply_form()),
        spacing="1",
        width="100%",
        border_bottom="1px solid var(--gray-a3)",
        padding_bottom="8px",
    )
