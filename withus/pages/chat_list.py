"""/chat — my rooms: the other person or the club, the last message, its time, unread, live.

``/chat?with={user_id}`` (the profile's 채팅하기) opens or creates the 1:1 room and goes there.
"""

from __future__ import annotations

import reflex as rx

from withus.components.chat_items import room_item
from withus.components.forms import label
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.components.people_picker import people_input, people_results
from withus.i18n.ui import tr
from withus.state.chat_list import ChatListState

S = ChatListState


def empty() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("message-circle", size=40, color="var(--gray-9)"),
            rx.text(tr("chat.empty"), weight="bold", size="4"),
            rx.text(
                tr("chat.empty_hint"),
                color_scheme="gray",
                size="2",
                align="center",
            ),
            link_button(tr("header.find_clubs"), variant="soft", href="/"),
            align="center",
            spacing="2",
        ),
        padding_y="48px",
        width="100%",
    )


def new_chat_dialog() -> rx.Component:
    """새 채팅: find someone by nickname and open the 1:1 room with them."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.button(rx.icon("message-circle-plus", size=16), tr("chat.new"), variant="soft", id="new-chat"),
        ),
        rx.dialog.content(
            rx.dialog.title(tr("chat.new_title")),
            rx.vstack(
                label(tr("chat.new_who"), "new-chat-who"),
                people_input("new-chat-who", placeholder=tr("chat.new_placeholder")),
                people_results(tr("chat.new_start"), lambda hit: S.start_chat(hit.id), list_id="new-chat-who-results"),
                rx.hstack(
                    rx.dialog.close(rx.button(tr("common.cancel"), variant="soft", color_scheme="gray")),
                    justify="end",
                    width="100%",
                ),
                spacing="2",
                width="100%",
                margin_top="8px",
            ),
            max_width="440px",
        ),
        open=S.new_open,
        on_open_change=S.set_new_open,
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.hstack(
                rx.heading(tr("header.chat"), size="7", as_="h1"),
                new_chat_dialog(),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.cond(
                S.loading,
                rx.skeleton(rx.box(height="240px", width="100%"), loading=True),
                rx.cond(
                    S.rooms.length() > 0,
                    rx.vstack(
                        rx.foreach(S.rooms, room_item),
                        rx.cond(
                            S.has_more,
                            rx.center(
                                rx.button(
                                    tr("common.more"), variant="outline", loading=S.loading_more, on_click=S.load_more
                                ),
                                width="100%",
                            ),
                        ),
                        spacing="2",
                        width="100%",
                        id="chat-rooms",
                        custom_attrs={"data-live": rx.cond(S.live, "true", "false")},
                    ),
                    empty(),
                ),
            ),
            spacing="4",
            width="100%",
            max_width="680px",
            margin_x="auto",
            custom_attrs={"data-testid": "chat-list", "data-live": rx.cond(S.live, "true", "false")},
        )
    )
