"""/clubs/[id]/manage — join requests, invitations, members (roles, remove, ban), bans."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.forms import field_hint, label
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.components.people_picker import people_input, people_results
from withus.components.post_item import author_avatar
from withus.i18n.ui import tr
from withus.state.club_manage import ManageState

S = ManageState


def message(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.heading(title, size="5"),
            rx.text(text, color_scheme="gray"),
            link_button(tr("common.go_home"), variant="soft", href="/"),
            align="center",
            spacing="3",
        ),
        min_height="50vh",
    )


def section(title: rx.Component | str, *children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_="h2") if isinstance(title, str) else title,
            *children,
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def empty(text: str) -> rx.Component:
    return rx.text(text, color_scheme="gray", size="2", padding_y="8px")


def person(avatar_url: rx.Var[str], nickname: rx.Var[str], user_id: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        author_avatar(avatar_url, nickname, size="2"),
        rx.link(
            nickname,
            href="/users/" + user_id.to_string(),
            weight="medium",
            size="2",
            color_scheme="gray",
            high_contrast=True,
        ),
        spacing="2",
        align="center",
        min_width="0",
    )


def request_item(r: rx.Var) -> rx.Component:
    return rx.flex(
        rx.vstack(
            rx.hstack(
                person(r.avatar_url, r.nickname, r.user_id),
                rx.text(r.ago, size="1", color_scheme="gray", title=r.full_time),
                spacing="2",
                align="center",
            ),
            rx.cond(
                r.message != "",
                rx.text(r.message, size="2", color_scheme="gray", white_space="pre-wrap", overflow_wrap="anywhere"),
            ),
            spacing="1",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.button(tr("manage.approve"), size="2", on_click=S.approve(r.user_id), disabled=S.busy),
            rx.button(
                tr("common.decline"),
                size="2",
                variant="soft",
                color_scheme="gray",
                on_click=S.decline(r.user_id),
                disabled=S.busy,
            ),
            spacing="2",
            flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="2",
        justify="between",
        align=rx.breakpoints(initial="stretch", sm="center"),
        width="100%",
        padding_y="8px",
        border_bottom="1px solid var(--gray-a3)",
        custom_attrs={"data-testid": "join-request"},
    )


def role_menu(m: rx.Var) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.button(
                tr("manage.role"),
                rx.icon("chevron-down", size=14),
                size="1",
                variant="soft",
                color_scheme="gray",
                aria_label=m.nickname + tr("manage.change_role_suffix"),
            ),
        ),
        rx.dropdown_menu.content(
            rx.cond(
                m.role == "member",
                rx.dropdown_menu.item(tr("manage.make_moderator"), on_select=S.set_role(m.user_id, "moderator")),
                rx.dropdown_menu.item(tr("manage.make_member"), on_select=S.set_role(m.user_id, "member")),
            ),
        ),
    )


def member_item(m: rx.Var) -> rx.Component:
    return rx.flex(
        rx.hstack(
            person(m.avatar_url, m.nickname, m.user_id),
            rx.badge(m.role_label, color_scheme=m.role_color, variant="soft"),
            rx.cond(m.is_me, rx.badge(tr("manage.me"), variant="outline", color_scheme="gray")),
            spacing="2",
            align="center",
            flex="1",
            min_width="0",
        ),
        rx.hstack(
            rx.cond(m.can_change_role, role_menu(m)),
            rx.cond(
                m.can_change_role,
                confirm_dialog(
                    rx.button(tr("manage.transfer"), size="1", variant="soft", color_scheme="amber"),
                    title=tr("manage.transfer_title"),
                    description=m.nickname + tr("manage.transfer_body"),
                    confirm_label=tr("manage.transfer_confirm"),
                    on_confirm=S.transfer(m.user_id),
                    danger=False,
                ),
            ),
            rx.cond(
                m.can_remove,
                rx.fragment(
                    confirm_dialog(
                        rx.button(tr("manage.remove"), size="1", variant="soft", color_scheme="red"),
                        title=tr("manage.remove_title"),
                        description=m.nickname + tr("manage.remove_body"),
                        confirm_label=tr("manage.remove"),
                        on_confirm=S.remove(m.user_id),
                    ),
                    confirm_dialog(
                        rx.button(tr("manage.ban"), size="1", variant="soft", color_scheme="red"),
                        title=tr("manage.ban_title"),
                        description=m.nickname + tr("manage.ban_body"),
                        confirm_label=tr("manage.ban"),
                        on_confirm=S.ban(m.user_id),
                    ),
                ),
            ),
            spacing="2",
            wrap="wrap",
            flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        gap="2",
        justify="between",
        align=rx.breakpoints(initial="start", sm="center"),
        width="100%",
        padding_y="8px",
        border_bottom="1px solid var(--gray-a3)",
        custom_attrs={"data-testid": "managed-member"},
    )


def invitation_item(i: rx.Var) -> rx.Component:
    return rx.hstack(
        person(i.avatar_url, i.nickname, i.user_id),
        rx.text(i.ago, size="1", color_scheme="gray"),
        rx.spacer(),
        rx.button(
            tr("manage.cancel_invite"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.cancel_invitation(i.id),
            disabled=S.busy,
        ),
        width="100%",
        align="center",
        padding_y="6px",
    )


def ban_item(b: rx.Var) -> rx.Component:
    return rx.hstack(
        person(b.avatar_url, b.nickname, b.user_id),
        rx.text(b.since, tr("manage.ban_suffix"), size="1", color_scheme="gray"),
        rx.spacer(),
        rx.button(
            tr("manage.unban"),
            size="1",
            variant="soft",
            color_scheme="gray",
            on_click=S.unban(b.user_id),
            disabled=S.busy,
        ),
        width="100%",
        align="center",
        padding_y="6px",
    )


def invite_field() -> rx.Component:
    """Find by nickname (the list under the box invites with one click), or a member number or
    profile address submitted with 초대하기."""
    invalid = S.invite_error != ""
    return rx.vstack(
        label(tr("manage.invite_who"), "invite-user"),
        people_input(
            "invite-user",
            name="user",
            placeholder=tr("manage.invite_placeholder"),
            color_scheme=rx.cond(invalid, "red", "teal"),
            attrs={"aria-invalid": rx.cond(invalid, "true", "false"), "aria-describedby": "invite-user-hint"},
        ),
        rx.cond(
            invalid,
            rx.text(S.invite_error, id="invite-user-hint", color_scheme="red", size="2", role="alert", as_="p"),
            field_hint(tr("manage.invite_hint"), id="invite-user-hint", as_="p", min_height="1.25em"),
        ),
        people_results(tr("manage.invite"), lambda hit: S.invite_user(hit.id), list_id="invite-user-results"),
        spacing="1",
        width="100%",
        align="stretch",
    )


def invite_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(invite_field(), flex="1", width="100%"),
            rx.button(
                tr("manage.invite"),
                type="submit",
                size="3",
                loading=S.busy,
                margin_top=rx.breakpoints(initial="0", sm="26px"),
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            gap="2",
            align="start",
            width="100%",
        ),
        on_submit=S.invite,
        width="100%",
    )


def content() -> rx.Component:
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=16), rx.text(S.club_name, size="2"), spacing="1", align="center"),
            href="/clubs/" + S.club_id.to_string(),
            color_scheme="gray",
            underline="none",
        ),
        rx.flex(
            rx.heading(tr("manage.title"), size="7", as_="h1"),
            link_button(
                rx.icon("flag", size=14),
                tr("admin.title"),
                variant="soft",
                color_scheme="gray",
                size="2",
                href="/admin/reports",
            ),
            justify="between",
            align="center",
            width="100%",
            gap="2",
        ),
        section(
            rx.hstack(
                rx.heading(tr("manage.requests"), size="4", as_="h2"),
                rx.badge(S.requests.length(), variant="soft"),
                spacing="2",
                align="center",
            ),
            rx.cond(
                S.requests.length() > 0,
                rx.vstack(rx.foreach(S.requests, request_item), spacing="0", width="100%"),
                empty(tr("manage.no_requests")),
            ),
        ),
        section(
            tr("manage.invitations"),
            invite_form(),
            rx.cond(
                S.invitations.length() > 0,
                rx.vstack(
                    rx.text(tr("manage.pending_invitations"), size="2", weight="bold"),
                    rx.foreach(S.invitations, invitation_item),
                    spacing="1",
                    width="100%",
                ),
            ),
        ),
        section(
            rx.hstack(
                rx.heading(tr("club.members"), size="4", as_="h2"),
                rx.badge(S.members.length(), variant="soft"),
                spacing="2",
                align="center",
            ),
            rx.vstack(rx.foreach(S.members, member_item), spacing="0", width="100%"),
            rx.cond(S.more_members, rx.text(tr("manage.members_capped"), size="1", color_scheme="gray")),
        ),
        section(
            tr("manage.banned"),
            rx.cond(
                S.bans.length() > 0,
                rx.vstack(rx.foreach(S.bans, ban_item), spacing="0", width="100%"),
                empty(tr("manage.no_banned")),
            ),
        ),
        spacing="4",
        width="100%",
        custom_attrs={"data-testid": "manage-page", "data-live": rx.cond(S.live, "true", "false")},
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.loading,
            rx.skeleton(rx.box(height="400px", width="100%"), loading=True),
            rx.cond(
                S.not_found,
                message("search-x", tr("club.not_found"), tr("common.gone_hint")),
                rx.cond(
                    S.forbidden,
                    message("lock", tr("manage.forbidden_title"), tr("manage.forbidden")),
                    content(),
                ),
            ),
        ),
    )
