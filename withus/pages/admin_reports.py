"""/admin/reports — the review queue with 숨기기 / 기각."""

from __future__ import annotations

import reflex as rx

from withus.components.confirm_dialog import confirm_dialog
from withus.components.layout import page
from withus.i18n.ui import tr
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
                rx.text(r.reporter, tr("admin.reported_by"), r.ago, size="1", color_scheme="gray", title=r.full_time),
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
                rx.text(tr("field.report_reason_label"), size="1", color_scheme="gray"),
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
                        rx.button(rx.icon("eye-off", size=14), tr("admin.hide"), color_scheme="red", disabled=S.busy),
                        title=tr("admin.hide_title"),
                        description=tr("admin.hide_body"),
                        confirm_label=tr("admin.hide"),
                        on_confirm=S.hide(r.id),
                    ),
                    rx.button(
                        tr("admin.dismiss"),
                        variant="soft",
                        color_scheme="gray",
                        on_click=S.dismiss(r.id),
                        disabled=S.busy,
                    ),
                    spacing="2",
                ),
                rx.cond(
                    r.decided_by != "", rx.text(r.decided_by, tr("admin.decided_by"), size="1", color_scheme="gray")
                ),
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
            rx.heading(tr("admin.title"), size="7", as_="h1"),
            rx.text(
                tr("admin.intro"),
                color_scheme="gray",
                size="2",
            ),
            rx.segmented_control.root(
                rx.segmented_control.item(tr("admin.pending"), value="open"),
                rx.segmented_control.item(tr("post.hidden"), value="hidden"),
                rx.segmented_control.item(tr("admin.dismiss"), value="dismissed"),
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
                                rx.button(
                                    tr("common.more"), variant="outline", loading=S.loading_more, on_click=S.load_more
                                ),
                                width="100%",
                            ),
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.center(
                        rx.vstack(
                            rx.icon("shield-check", size=40, color="var(--gray-9)"),
                            rx.text(tr("admin.empty"), weight="bold", size="4"),
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
