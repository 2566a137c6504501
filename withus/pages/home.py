"""/ — club discovery."""

import reflex as rx

from withus.components.layout import page


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("함께할 모임을 찾아보세요", size="7"),
            rx.text("운동, 게임, 맛집 탐방, 스터디까지 — 취미가 같은 사람들과 함께하세요.", color_scheme="gray"),
            spacing="3",
        )
    )
