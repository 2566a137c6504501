"""/admin/reports — the review queue with 숨기기 / 기각."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.layout import page
from withus.state.admin import AdminReportsState

S = AdminReportsState


def report_item(r: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(r.target_label, variant="soft"),
                rx.badge(
                    r.status_label,
                    color_scheme=rx.match(r.status, ("open", "amber"), ("hidden", "red"), "gray"),
                    variant="outline",
                ),
                rx.text(r.reporter, "님의 신고 · ", r.ago, size="1", color_scheme="gray", title=r.full_time),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                r.link != "",
                rx.link(r.preview, href=r.link, weight="bold", size="3", overflow_wrap="anywhere"),
                rx.text(r.preview, weight="bold", size="3", overflow_wrap="anywhere"),
            ),
            rx.box(
                rx.text("신고 사유", size="1", color_scheme="gray"),
                rx.text(r.reason, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
                background="var(--gray-a2)",
                padding="8px 12px",
                border_radius="var(--radius-2)",
                width="100%",
            ),
            rx.cond(
                r.status == "open",
                rx.hstack(
                    confirm_dialog(
                        rx.button(rx.icon("eye-off", size=14), "숨기기", color_scheme="red", disabled=S.busy),
                        title="이 내용을 숨길까요?",
                        description="숨기면 운영진 말고는 볼 수 없어요. 같은 대상의 다른 신고도 함께 처리돼요.",
                        confirm_label="숨기기",
                        on_confirm=S.hide(r.id),
                    ),
                    rx.button("기각", variant="soft", color_scheme="gray", on_click=S.dismiss(r.id), disabled=S.busy),
                    spacing="2",
                ),
                rx.cond(r.decided_by != "", rx.text(r.decided_by, "님이 처리했어요", size="1", color_scheme="gray")),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        custom_attrs={"data-testid": "report"},
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("신고 검토", size="7", as_="h1"),
            rx.text(
                "사이트 관리자는 모든 신고를, 모임장과 운영진은 자기 모임의 글·댓글 신고를 검토해요.",
                color_scheme="gray",
                size="2",
            ),
            rx.segmented_control.root(
                rx.segmented_control.item("검토 대기", value="open"),
                rx.segmented_control.item("숨김", value="hidden"),
                rx.segmented_control.item("기각", value="dismissed"),
                value=S.status,
                on_change=S.set_status,
            ),
            rx.cond(
                S.loading,
                rx.skeleton(rx.box(height="200px", width="100%"), loading=True),
                rx.cond(
                    S.reports.length() > 0,
                    rx.vstack(
                        rx.foreach(S.reports, report_item),
                        rx.cond(
                            S.has_more,
                            rx.center(
                                rx.button("더 보기", variant="outline", loading=S.loading_more, on_click=S.load_more),
                                width="100%",
                            ),
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.center(
                        rx.vstack(
                            rx.icon("shield-check", size=40, color="var(--gray-9)"),
                            rx.text("검토할 신고가 없어요", weight="bold", size="4"),
                            align="center",
                            spacing="2",
                        ),
                        padding_y="48px",
                        width="100%",
                    ),
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
