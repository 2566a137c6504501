"""The membership part of a club's page: joining (the join dialog, its message), and the actions
of a member by role (leave, manage, invite)."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.forms import text_area_field
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.models.club import JOIN_MESSAGE_MAX
from withus.state.club import ClubState


def join_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("club.apply")),
            rx.dialog.description(tr("club.apply_hint"), size="2", color_scheme="gray"),
            rx.form(
                rx.vstack(
                    text_area_field(
                        "join-message",
                        label_text=tr("club.apply_message"),
                        name="message",
                        max_length=JOIN_MESSAGE_MAX,
                        rows="3",
                        placeholder=tr("club.apply_placeholder"),
                        error=ClubState.join_error,
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(tr("common.cancel"), type="button", variant="soft", color_scheme="gray")
                        ),
                        rx.button(tr("club.apply_submit"), type="submit", loading=ClubState.acting),
                        spacing="2",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    margin_top="12px",
                ),
                on_submit=ClubState.request_join,
            ),
            max_width="440px",
        ),
        open=ClubState.join_open,
        on_open_change=ClubState.set_join_open,
    )


def join_actions() -> rx.Component:
    """What someone who is not a member can do here."""
    c = ClubState.club
    return rx.cond(
        c.invitation_id != 0,
        rx.hstack(
            rx.badge(tr("club.invited"), color_scheme="teal", size="2"),
            rx.button(tr("club.accept_invite"), on_click=ClubState.accept_invitation, loading=ClubState.acting),
            rx.button(tr("common.decline"), variant="soft", color_scheme="gray", on_click=ClubState.decline_invitation),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            c.request_pending,
            rx.hstack(
                rx.badge(tr("club.request_pending"), color_scheme="amber", size="2"),
                confirm_dialog(
                    rx.button(tr("club.withdraw"), variant="soft", color_scheme="gray"),
                    title=tr("club.withdraw_title"),
                    description=tr("club.withdraw_body"),
                    confirm_label=tr("club.withdraw"),
                    on_confirm=ClubState.withdraw,
                ),
                spacing="2",
                align="center",
            ),
            rx.cond(
                c.join_policy == "invite",
                rx.text(tr("club.invite_only"), size="2", color_scheme="gray"),
                rx.cond(
                    c.recruiting,
                    rx.cond(
                        c.join_policy == "open",
                        rx.button(
                            rx.icon("user-plus", size=16),
                            tr("club.join"),
                            size="3",
                            on_click=ClubState.join,
                            loading=ClubState.acting,
                        ),
                        rx.button(
                            rx.icon("send", size=16), tr("club.apply"), size="3", on_click=ClubState.open_join_dialog
                        ),
                    ),
                    rx.button(tr("club.recruiting_over"), size="3", disabled=True, variant="soft"),
                ),
            ),
        ),
    )


def member_actions() -> rx.Component:
    c = ClubState.club
    return rx.hstack(
        rx.badge(c.role_label, color_scheme="teal", size="2"),
        rx.cond(
            c.chat_room_id != 0,
            link_button(
                rx.icon("message-circle", size=16), tr("club.chat_room"), variant="soft", href=ClubState.chat_href
            ),
        ),
        rx.cond(
            ClubState.is_staff,
            rx.fragment(
                link_button(
                    rx.icon("settings", size=16),
                    tr("club.manage"),
                    variant="soft",
                    href="/clubs/" + c.id.to_string() + "/manage",
                ),
                link_button(
                    rx.icon("pencil", size=16),
                    tr("common.edit"),
                    variant="soft",
                    href="/clubs/" + c.id.to_string() + "/edit",
                ),
            ),
        ),
        rx.cond(
            ~ClubState.is_host,
            confirm_dialog(
                rx.button(tr("club.leave"), variant="soft", color_scheme="gray"),
                title=tr("club.leave_title"),
                description=tr("club.leave_body"),
                confirm_label=tr("club.leave"),
                on_confirm=ClubState.leave,
            ),
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )
