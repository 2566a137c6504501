"""/clubs/[id]/edit — edit a club and its cover (host, moderator); close it (host)."""

from __future__ import annotations

import reflex as rx

from withus.components.club_form import club_form
from withus.components.confirm_dialog import confirm_dialog
from withus.components.layout import page
from withus.state.club_form import ClubFormState

S = ClubFormState


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


def danger_zone() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("모임 닫기", size="4", as_="h2", color_scheme="red"),
            rx.text(
                "모임을 닫으면 목록과 검색에서 사라지고 게시판과 멤버도 더는 볼 수 없어요. 되돌릴 수 없어요.",
                size="2",
                color_scheme="gray",
            ),
            confirm_dialog(
                rx.button("모임 닫기", color_scheme="red", variant="soft"),
                title="정말 모임을 닫을까요?",
                description="모임을 닫으면 되돌릴 수 없어요. 대기 중인 가입 신청과 초대도 모두 취소돼요.",
                confirm_label="모임 닫기",
                on_confirm=S.close_club,
            ),
            spacing="3",
            align="start",
        ),
        size="3",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.loading,
            rx.skeleton(rx.box(height="480px", width="100%"), loading=True),
            rx.cond(
                S.not_found,
                message("search-x", "모임을 찾을 수 없어요", "없어졌거나 주소가 바뀌었을 수 있어요."),
                rx.cond(
                    S.forbidden,
                    message("lock", "모임장과 운영진만 고칠 수 있어요", "모임 정보를 바꿀 권한이 없어요."),
                    rx.vstack(
                        rx.link(
                            rx.hstack(
                                rx.icon("chevron-left", size=16),
                                rx.text("모임으로 돌아가기", size="2"),
                                spacing="1",
                                align="center",
                            ),
                            href="/clubs/" + S.club_id.to_string(),
                            color_scheme="gray",
                            underline="none",
                        ),
                        rx.heading("모임 정보 수정", size="7", as_="h1"),
                        rx.card(club_form("저장"), size="3", width="100%"),
                        rx.cond(S.is_host, danger_zone()),
                        spacing="4",
                        width="100%",
                        max_width="720px",
                        margin_x="auto",
                    ),
                ),
            ),
        ),
    )
