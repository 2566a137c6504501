"""The page for an address that does not exist."""

import reflex as rx

from withus.components.layout import page


def index() -> rx.Component:
    return page(
        rx.center(
            rx.vstack(
                rx.heading("404", size="9", color_scheme="gray"),
                rx.heading("페이지를 찾을 수 없습니다", size="5"),
                rx.text("주소가 바뀌었거나 삭제된 페이지일 수 있어요.", color_scheme="gray"),
                rx.link(rx.button("홈으로 가기"), href="/"),
                align="center",
                spacing="3",
            ),
            min_height="60vh",
        )
    )
