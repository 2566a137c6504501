"""/clubs/[id]/manage — join requests, invitations, members (roles, remove, ban), bans."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.forms import text_field
from withus.components.layout import page
from withus.components.post_item import author_avatar
from withus.state.club_manage import ManageState

S = ManageState


def message(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon(icon, size=36, color="var(--gray-9)"),
            rx.heading(title, size="5"),
            rx.text(text, color_scheme="gray"),
            rx.link(rx.button("홈으로 가기", variant="soft"), href="/"),
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
            rx.button("승인", size="2", on_click=S.approve(r.user_id), disabled=S.busy),
            rx.button(
                "거절", size="2", variant="soft", color_scheme="gray", on_click=S.decline(r.user_id), disabled=S.busy
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
                "역할",
                rx.icon("chevron-down", size=14),
                size="1",
                variant="soft",
                color_scheme="gray",
                aria_label=m.nickname + " 역할 바꾸기",
            ),
        ),
        rx.dropdown_menu.content(
            rx.cond(
                m.role == "member",
                rx.dropdown_menu.item("운영진으로 지정", on_select=S.set_role(m.user_id, "moderator")),
                rx.dropdown_menu.item("멤버로 바꾸기", on_select=S.set_role(m.user_id, "member")),
            ),
        ),
    )


def member_item(m: rx.Var) -> rx.Component:
    return rx.flex(
        rx.hstack(
            person(m.avatar_url, m.nickname, m.user_id),
            rx.badge(m.role_label, color_scheme=m.role_color, variant="soft"),
            rx.cond(m.is_me, rx.badge("나", variant="outline", color_scheme="gray")),
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
                    rx.button("모임장 넘기기", size="1", variant="soft", color_scheme="amber"),
                    title="모임장을 넘길까요?",
                    description=m.nickname + "님이 새 모임장이 되고, 나는 운영진이 돼요.",
                    confirm_label="넘기기",
                    on_confirm=S.transfer(m.user_id),
                    danger=False,
                ),
            ),
            rx.cond(
                m.can_remove,
                rx.fragment(
                    confirm_dialog(
                        rx.button("내보내기", size="1", variant="soft", color_scheme="red"),
                        title="멤버를 내보낼까요?",
                        description=m.nickname + "님을 모임에서 내보내요. 다시 가입할 수는 있어요.",
                        confirm_label="내보내기",
                        on_confirm=S.remove(m.user_id),
                    ),
                    confirm_dialog(
                        rx.button("차단", size="1", variant="soft", color_scheme="red"),
                        title="내보내고 차단할까요?",
                        description=m.nickname + "님을 내보내고 다시 가입하지 못하게 해요. 차단은 나중에 풀 수 있어요.",
                        confirm_label="차단",
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
            "초대 취소",
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
        rx.text(b.since, " 차단", size="1", color_scheme="gray"),
        rx.spacer(),
        rx.button(
            "차단 풀기", size="1", variant="soft", color_scheme="gray", on_click=S.unban(b.user_id), disabled=S.busy
        ),
        width="100%",
        align="center",
        padding_y="6px",
    )


def invite_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.box(
                text_field(
                    "invite-user",
                    label_text="초대할 회원",
                    name="user",
                    placeholder="회원 번호 또는 프로필 주소",
                    error=S.invite_error,
                    hint="상대의 프로필 주소(/users/번호)에 있는 번호예요. 상대가 수락해야 멤버가 돼요.",
                    auto_complete="off",
                ),
                flex="1",
                width="100%",
            ),
            rx.button(
                "초대하기", type="submit", size="3", loading=S.busy, margin_top=rx.breakpoints(initial="0", sm="26px")
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
            rx.heading("모임 관리", size="7", as_="h1"),
            rx.link(
                rx.button(rx.icon("flag", size=14), "신고 검토", variant="soft", color_scheme="gray", size="2"),
                href="/admin/reports",
            ),
            justify="between",
            align="center",
            width="100%",
            gap="2",
        ),
        section(
            rx.hstack(
                rx.heading("가입 신청", size="4", as_="h2"),
                rx.badge(S.requests.length(), variant="soft"),
                spacing="2",
                align="center",
            ),
            rx.cond(
                S.requests.length() > 0,
                rx.vstack(rx.foreach(S.requests, request_item), spacing="0", width="100%"),
                empty("기다리는 가입 신청이 없어요."),
            ),
        ),
        section(
            "초대",
            invite_form(),
            rx.cond(
                S.invitations.length() > 0,
                rx.vstack(
                    rx.text("응답을 기다리는 초대", size="2", weight="bold"),
                    rx.foreach(S.invitations, invitation_item),
                    spacing="1",
                    width="100%",
                ),
            ),
        ),
        section(
            rx.hstack(
                rx.heading("멤버", size="4", as_="h2"),
                rx.badge(S.members.length(), variant="soft"),
                spacing="2",
                align="center",
            ),
            rx.vstack(rx.foreach(S.members, member_item), spacing="0", width="100%"),
            rx.cond(S.more_members, rx.text("멤버가 많아 처음 100명만 보여요.", size="1", color_scheme="gray")),
        ),
        section(
            "차단한 사용자",
            rx.cond(
                S.bans.length() > 0,
                rx.vstack(rx.foreach(S.bans, ban_item), spacing="0", width="100%"),
                empty("차단한 사용자가 없어요."),
            ),
        ),
        spacing="4",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.loading,
            rx.skeleton(rx.box(height="400px", width="100%"), loading=True),
            rx.cond(
                S.not_found,
                message("search-x", "모임을 찾을 수 없어요", "없어졌거나 주소가 바뀌었을 수 있어요."),
                rx.cond(
                    S.forbidden,
                    message("lock", "모임장과 운영진만 볼 수 있어요", "이 모임을 관리할 권한이 없어요."),
                    content(),
                ),
            ),
        ),
    )
