"""/posts/[id] — a post with its comments, one level of replies, edit, delete and report."""

from __future__ import annotations

import reflex as rx

from withus.components.comment_item import comment_thread
from withus.components.confirm_dialog import confirm_dialog
from withus.components.forms import form_error, text_area_field, text_field
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.components.post_item import author_avatar, hidden_badge, notice_badge, text_with_links
from withus.i18n.ui import tr
from withus.models.comment import COMMENT_MAX
from withus.models.post import BODY_MAX, TITLE_MAX
from withus.models.report import REASON_MAX
from withus.state.auth import AuthState
from withus.state.board import COMMENT_INPUT_ID, PostState


def problem_view() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.match(
                PostState.problem,
                ("members_only", rx.icon("lock", size=36, color="var(--gray-9)")),
                ("login", rx.icon("lock", size=36, color="var(--gray-9)")),
                rx.icon("file-question", size=36, color="var(--gray-9)"),
            ),
            rx.match(
                PostState.problem,
                ("members_only", rx.heading(tr("club.members_only"), size="5")),
                ("login", rx.heading(tr("club.members_only"), size="5")),
                rx.heading(tr("post.not_found"), size="5"),
            ),
            rx.match(
                PostState.problem,
                ("members_only", rx.text(tr("post.members_only_hint"), color_scheme="gray")),
                ("login", rx.text(tr("post.login_hint"), color_scheme="gray")),
                rx.text(tr("post.gone_hint"), color_scheme="gray"),
            ),
            rx.cond(
                PostState.problem == "login",
                rx.button(tr("header.login"), on_click=AuthState.require_login),
                link_button(tr("common.go_home"), variant="soft", href="/"),
            ),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
    )


def loading_view() -> rx.Component:
    return rx.vstack(
        rx.skeleton(rx.box(height="32px", width="70%"), loading=True),
        rx.skeleton(rx.box(height="20px", width="40%"), loading=True),
        rx.skeleton(rx.box(height="160px", width="100%"), loading=True),
        spacing="3",
        width="100%",
    )


def post_actions() -> rx.Component:
    p = PostState.post
    return rx.hstack(
        rx.cond(
            p.can_edit,
            rx.button(
                rx.icon("pencil", size=14),
                tr("common.edit"),
                variant="soft",
                size="1",
                on_click=PostState.start_edit_post,
            ),
        ),
        rx.cond(
            p.can_delete,
            confirm_dialog(
                rx.button(
                    rx.icon("trash-2", size=14), tr("common.delete"), variant="soft", color_scheme="red", size="1"
                ),
                title=tr("post.delete_title"),
                description=tr("post.delete_body"),
                confirm_label=tr("common.delete"),
                on_confirm=PostState.delete_post,
            ),
        ),
        rx.cond(
            AuthState.logged_in & (p.author_id != AuthState.user_id),
            rx.button(
                rx.icon("flag", size=14),
                tr("common.report"),
                variant="soft",
                color_scheme="gray",
                size="1",
                on_click=PostState.open_report("post", p.id),
            ),
        ),
        spacing="2",
        wrap="wrap",
    )


def post_edit_form() -> rx.Component:
    p = PostState.post
    return rx.form(
        rx.vstack(
            text_field(
                "post-title",
                label_text=tr("board.title"),
                name="title",
                default_value=p.title,
                max_length=TITLE_MAX,
                error=PostState.post_errors.get("title", ""),
            ),
            text_area_field(
                "post-body",
                label_text=tr("board.body"),
                name="body",
                default_value=p.body,
                max_length=BODY_MAX,
                rows="10",
                error=PostState.post_errors.get("body", ""),
            ),
            rx.hstack(
                rx.button(
                    tr("common.cancel"),
                    type="button",
                    variant="soft",
                    color_scheme="gray",
                    on_click=PostState.cancel_edit_post,
                ),
                rx.button(tr("common.save"), type="submit", loading=PostState.post_saving),
                spacing="2",
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=PostState.save_post,
        width="100%",
    )


def post_content() -> rx.Component:
    p = PostState.post
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.cond(p.notice, notice_badge()),
                rx.cond(p.hidden, hidden_badge()),
                spacing="2",
            ),
            rx.heading(p.title, size="6", as_="h1", overflow_wrap="anywhere"),
            rx.flex(
                rx.hstack(
                    author_avatar(p.avatar_url, p.nickname, size="2"),
                    rx.vstack(
                        rx.link(
                            p.nickname,
                            href="/users/" + p.author_id.to_string(),
                            weight="bold",
                            size="2",
                            color_scheme="gray",
                            high_contrast=True,
                        ),
                        rx.hstack(
                            rx.text(p.full_time, size="1", color_scheme="gray"),
                            rx.cond(p.edited, rx.text(tr("common.edited"), size="1", color_scheme="gray")),
                            spacing="1",
                        ),
                        spacing="0",
                    ),
                    spacing="2",
                    align="center",
                ),
                post_actions(),
                justify="between",
                align="center",
                wrap="wrap",
                gap="2",
                width="100%",
            ),
            rx.cond(
                p.hidden,
                rx.callout(
                    tr("post.hidden_notice"),
                    icon="eye-off",
                    color_scheme="gray",
                    size="1",
                    width="100%",
                ),
            ),
            rx.separator(size="4"),
            rx.cond(
                PostState.editing_post,
                post_edit_form(),
                rx.cond(
                    p.author_blocked & ~PostState.post_revealed,
                    rx.hstack(
                        rx.icon("user-x", size=16),
                        rx.text(tr("post.blocked"), size="2"),
                        rx.button(tr("common.show"), variant="ghost", size="1", on_click=PostState.reveal_post),
                        spacing="2",
                        align="center",
                        color="var(--gray-11)",
                        padding_y="16px",
                    ),
                    text_with_links(
                        p.body_segments,
                        size="3",
                        line_height="1.7",
                        width="100%",
                        custom_attrs={"data-testid": "post-body"},
                    ),
                ),
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def comment_form() -> rx.Component:
    return rx.cond(
        PostState.is_member,
        rx.form(
            rx.vstack(
                rx.el.label(
                    tr("post.comment_label"),
                    html_for=COMMENT_INPUT_ID,
                    style={"fontWeight": "600", "fontSize": "var(--font-size-2)"},
                ),
                rx.text_area(
                    id=COMMENT_INPUT_ID,
                    name="body",
                    max_length=COMMENT_MAX,
                    rows="3",
                    width="100%",
                    placeholder=tr("post.comment_placeholder"),
                ),
                form_error(PostState.comment_error),
                rx.hstack(
                    rx.button(tr("post.comment_submit"), type="submit", loading=PostState.comment_sending),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
            ),
            on_submit=PostState.add_comment,
            width="100%",
        ),
        rx.cond(
            AuthState.logged_in,
            rx.callout(tr("post.join_to_comment"), icon="info", size="1", color_scheme="gray", width="100%"),
            rx.callout(
                tr("post.login_to_comment"),
                icon="info",
                size="1",
                color_scheme="gray",
                width="100%",
            ),
        ),
    )


def comments_section() -> rx.Component:
    return rx.vstack(
        rx.heading(
            tr("post.comments_prefix"),
            PostState.post.comment_count,
            size="4",
            as_="h2",
            custom_attrs={"data-testid": "comment-count"},
        ),
        rx.cond(
            PostState.comments.length() > 0,
            rx.vstack(rx.foreach(PostState.comments, comment_thread), spacing="0", width="100%"),
            rx.text(tr("post.no_comments"), color_scheme="gray", size="2", padding_y="12px"),
        ),
        rx.cond(
            PostState.has_more_comments,
            rx.center(
                rx.button(
                    tr("post.more_comments"),
                    variant="outline",
                    loading=PostState.comments_loading,
                    on_click=PostState.load_more_comments,
                ),
                width="100%",
            ),
        ),
        comment_form(),
        spacing="3",
        width="100%",
        custom_attrs={"data-testid": "comments", "data-live": rx.cond(PostState.live, "true", "false")},
    )


def report_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("post.report_title")),
            rx.dialog.description(
                tr("post.report_hint"),
                size="2",
                color_scheme="gray",
            ),
            rx.form(
                rx.vstack(
                    text_area_field(
                        "report-reason",
                        label_text=tr("field.report_reason_label"),
                        name="reason",
                        max_length=REASON_MAX,
                        rows="4",
                        placeholder=tr("post.report_placeholder"),
                        error=PostState.report_error,
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(tr("common.cancel"), type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(
                            tr("common.report"), type="submit", color_scheme="red", loading=PostState.report_sending
                        ),
                        spacing="2",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=PostState.send_report,
            ),
            max_width="440px",
        ),
        open=PostState.report_open,
        on_open_change=PostState.set_report_open,
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            PostState.loading,
            loading_view(),
            rx.cond(
                PostState.problem != "",
                problem_view(),
                rx.vstack(
                    rx.link(
                        rx.hstack(
                            rx.icon("chevron-left", size=16),
                            rx.text(PostState.club_name, size="2"),
                            spacing="1",
                            align="center",
                        ),
                        href=PostState.club_href,
                        color_scheme="gray",
                        underline="none",
                    ),
                    post_content(),
                    rx.card(comments_section(), size="3", width="100%"),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        report_dialog(),
    )
