"""/chat/[room_id] — one room: history by seq (이전 메시지), live messages, the composer
(Enter sends, Shift+Enter breaks the line, ≤ 1,000 characters), leaving a 1:1 room."""

from __future__ import annotations

import reflex as rx

from withus.components.chat_items import message_item, room_avatar
from withus.components.chat_message_actions import delete_dialog, message_editor, message_menu
from withus.components.confirm_dialog import confirm_dialog
from withus.components.labelled_upload import name_file_input
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.services.images import MAX_BYTES
from withus.state.chat_room import ChatRoomState
from withus.state.chat_room_edits import ChatEditState
from withus.state.chat_room_images import IMAGE_UPLOAD_ID, ChatImageState

S = ChatRoomState
E = ChatEditState
P = ChatImageState
ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}
CLIENT_ID = rx.Var("(Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12))").to(str)


def room_bar() -> rx.Component:
    r = S.room
    return rx.hstack(
        rx.link(
            rx.icon("chevron-left", size=22),
            href="/chat",
            aria_label=tr("chat.list"),
            title=tr("chat.list"),
            color="var(--gray-11)",
            display="flex",
        ),
        room_avatar(r.avatar_url, r.initial, r.kind, size="3"),
        rx.vstack(
            # The room's name is the page's heading (axe: page-has-heading-one).
            rx.heading(
                rx.cond(r.href != "", rx.link(r.title, href=r.href, color="inherit"), r.title),
                as_="h1",
                size="4",
                truncate=True,
                max_width="100%",
            ),
            rx.text(r.subtitle, size="1", color_scheme="gray"),
            spacing="0",
            min_width="0",
            flex="1",
        ),
        rx.cond(
            S.is_direct,
            confirm_dialog(
                rx.button(rx.icon("log-out", size=16), tr("chat.leave"), variant="soft", color_scheme="gray", size="2"),
                title=tr("chat.leave_title"),
                description=(tr("chat.leave_body")),
                confirm_label=tr("chat.leave"),
                on_confirm=S.leave,
            ),
        ),
        spacing="3",
        align="center",
        width="100%",
        padding_bottom="12px",
        border_bottom="1px solid var(--gray-5)",
    )


def _message(m: rx.Var) -> rx.Component:
    return message_item(
        m,
        menu=lambda v: message_menu(v, on_edit=E.start_edit, on_delete=E.ask_delete),
        editor=lambda v: message_editor(v, on_submit=E.save_edit, on_cancel=E.cancel_edit, saving=E.saving),
        editing=lambda v: v.id == E.editing_id,
        read_seq=S.read_mark_seq,
    )


def history() -> rx.Component:
    inner = rx.vstack(
        rx.cond(
            S.has_older,
            rx.center(
                rx.button(
                    tr("chat.older"),
                    variant="soft",
                    size="1",
                    color_scheme="gray",
                    loading=S.loading_older,
                    on_click=S.load_older,
                    id="older-messages",
                ),
                width="100%",
                padding_y="8px",
            ),
            rx.cond(
                S.messages.length() == 0,
                rx.center(
                    rx.text(tr("chat.first"), color_scheme="gray", size="2"),
                    width="100%",
                    padding_y="32px",
                ),
            ),
        ),
        rx.foreach(S.messages, _message),
        spacing="0",
        width="100%",
        padding="12px 4px",
    )
    # column-reverse: the view starts at the bottom and stays there as messages arrive,
    # while older ones added at the top do not move what is being read.
    return rx.box(
        inner,
        display="flex",
        flex_direction="column-reverse",
        overflow_y="auto",
        flex="1",
        min_height="0",
        width="100%",
        id="chat-messages",
        custom_attrs={
            "role": "log",
            "aria-live": "polite",
            "aria-label": tr("chat.message"),
            "data-live": rx.cond(S.live, "true", "false"),
        },
    )


def jump_button() -> rx.Component:
    return rx.cond(
        S.has_newer,
        rx.center(
            rx.button(
                rx.icon("arrow-down", size=14),
                rx.cond(S.new_count > 0, tr("chat.new_count", count=S.new_count.to_string()), tr("chat.to_latest")),
                size="1",
                on_click=S.jump_to_latest,
                radius="full",
            ),
            width="100%",
            padding_y="6px",
        ),
    )


def typing_line() -> rx.Component:
    """ "…님이 입력 중" while the other side types (gone after a few seconds of silence)."""
    return rx.box(
        rx.cond(
            S.typing_name != "",
            rx.text(tr("chat.typing", name=S.typing_name), size="1", color_scheme="gray", id="chat-typing"),
        ),
        min_height="18px",
        padding_x="4px",
        width="100%",
        custom_attrs={"aria-live": "polite"},
    )


def photo_button() -> rx.Component:
    """Pick a photo: it is sent at once (PNG, JPEG or WebP up to 5 MB; the server checks it again)."""
    upload = rx.upload.root(
        rx.icon_button(
            rx.cond(P.sending_image, rx.spinner(size="2"), rx.icon("image-plus", size=18)),
            type="button",
            variant="soft",
            color_scheme="gray",
            size="3",
            disabled=S.gone | P.sending_image,
            aria_label=rx.cond(P.sending_image, tr("chat.photo_sending"), tr("chat.photo_send")),
            title=tr("chat.photo_send"),
        ),
        id=IMAGE_UPLOAD_ID,
        accept=ACCEPT,
        max_files=1,
        max_size=MAX_BYTES,
        multiple=False,
        no_drag=True,
        disabled=S.gone | P.sending_image,
        on_drop=P.send_image(rx.upload_files(upload_id=IMAGE_UPLOAD_ID)),
        on_drop_rejected=P.image_rejected,
        custom_attrs={"data-testid": "chat-photo"},
    )
    return name_file_input(upload, tr("chat.photo_send"))


def composer() -> rx.Component:
    return rx.form(
        rx.hstack(
            photo_button(),
            rx.text_area(
                name="body",
                id="chat-input",
                placeholder=tr("chat.input_placeholder"),
                enter_key_submit=True,
                on_change=S.set_draft,
                rows="2",
                resize="none",
                aria_label=tr("chat.message"),
                disabled=S.gone,
                flex="1",
            ),
            rx.vstack(
                rx.button(
                    rx.icon("send-horizontal", size=16),
                    tr("chat.send"),
                    type="submit",
                    disabled=S.gone | S.too_long,
                    id="chat-send",
                ),
                rx.text(
                    S.counter,
                    size="1",
                    color=rx.cond(S.too_long, "var(--red-11)", "var(--gray-11)"),
                    id="chat-counter",
                ),
                spacing="1",
                align="end",
            ),
            spacing="2",
            align="end",
            width="100%",
        ),
        # A fresh id per submit, made in the browser: a resent event is stored once.
        on_submit=lambda form: S.send(form, CLIENT_ID),
        reset_on_submit=True,
        width="100%",
        padding_top="10px",
        border_top="1px solid var(--gray-5)",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("message-circle-off", size=40, color="var(--gray-9)"),
            rx.text(tr("chat.not_found"), weight="bold", size="4"),
            rx.text(tr("chat.not_found_hint"), color_scheme="gray", size="2"),
            link_button(tr("chat.back_to_list"), variant="soft", href="/chat"),
            align="center",
            spacing="2",
        ),
        padding_y="64px",
        width="100%",
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.not_found,
            not_found(),
            rx.cond(
                S.loading,
                rx.skeleton(rx.box(height="60vh", width="100%"), loading=True),
                rx.vstack(
                    room_bar(),
                    rx.cond(
                        S.gone,
                        rx.callout(
                            tr("chat.no_longer"),
                            icon="info",
                            color_scheme="amber",
                            width="100%",
                        ),
                    ),
                    history(),
                    jump_button(),
                    typing_line(),
                    composer(),
                    delete_dialog(
                        open_=E.deleting_id != 0, on_open_change=E.delete_dialog, on_confirm=E.confirm_delete
                    ),
                    spacing="0",
                    width="100%",
                    max_width="760px",
                    margin_x="auto",
                    height="calc(100dvh - 120px)",
                    min_height="360px",
                ),
            ),
        ),
    )
