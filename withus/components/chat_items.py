"""Pieces of the chat pages: a room in the list, a message bubble, a day separator."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from withus.i18n.ui import tr


def room_avatar(src: rx.Var, initial: rx.Var, kind: rx.Var, size: str = "4") -> rx.Component:
    return rx.avatar(
        src=src,
        fallback=initial,
        size=size,
        radius=rx.cond(kind == "club", "medium", "full"),
        custom_attrs={"alt": ""},
        flex_shrink="0",
    )


def room_item(r: rx.Var) -> rx.Component:
    return rx.link(
        rx.hstack(
            room_avatar(r.avatar_url, r.initial, r.kind),
            rx.vstack(
                rx.hstack(
                    rx.text(r.title, weight="bold", size="3", truncate=True),
                    rx.cond(
                        r.kind == "club",
                        rx.badge(tr("chat.club_fallback"), variant="soft", size="1", color_scheme="teal"),
                    ),
                    spacing="2",
                    align="center",
                    min_width="0",
                ),
                rx.text(r.preview, size="2", color_scheme="gray", truncate=True, width="100%"),
                spacing="1",
                flex="1",
                min_width="0",
                align="start",
            ),
            rx.vstack(
                rx.text(r.time, size="1", color_scheme="gray", white_space="nowrap"),
                rx.cond(
                    r.unread > 0,
                    rx.badge(
                        r.unread_text,
                        color_scheme="red",
                        variant="solid",
                        radius="full",
                        custom_attrs={"data-testid": "room-unread"},
                    ),
                    rx.box(height="20px"),
                ),
                spacing="1",
                align="end",
                flex_shrink="0",
            ),
            spacing="3",
            align="center",
            width="100%",
        ),
        href=r.href,
        underline="none",
        color="inherit",
        display="block",
        padding="12px",
        border_radius="var(--radius-3)",
        background="var(--color-panel-solid)",
        _hover={"background": "var(--gray-3)"},
        width="100%",
        custom_attrs={"data-testid": "chat-room", "data-room-id": r.id},
    )


def day_separator(label: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.separator(size="4", flex="1"),
        rx.text(label, size="1", color_scheme="gray", white_space="nowrap"),
        rx.separator(size="4", flex="1"),
        align="center",
        width="100%",
        padding_y="8px",
    )


def image_view(m: rx.Var) -> rx.Component:
    """An image message: its thumbnail (the page keeps its place while it loads), a click or Enter
    opens the full image in a dialog (Esc closes it)."""
    return rx.dialog.root(
        rx.dialog.trigger(
            rx.el.button(
                rx.image(
                    src=m.thumb_url,
                    alt=tr("chat.photo"),
                    width="100%",
                    height="auto",
                    loading="lazy",
                    style={"aspect_ratio": f"{m.image_width} / {m.image_height}", "display": "block"},
                    border_radius="10px",
                    custom_attrs={"width": m.image_width, "height": m.image_height},
                ),
                type="button",
                aria_label=tr("chat.photo_open"),
                title=tr("chat.photo_open"),
                style={"padding": "0", "border": "none", "background": "none", "cursor": "zoom-in", "display": "block"},
                width="min(240px, 60vw)",
                custom_attrs={"data-testid": "message-image"},
            ),
        ),
        rx.dialog.content(
            rx.dialog.title(m.nickname, size="3", margin_bottom="8px"),
            rx.image(
                src=m.image_url,
                alt=tr("chat.photo"),
                width="100%",
                height="auto",
                style={"max_height": "80vh", "object_fit": "contain"},
                custom_attrs={"data-testid": "message-image-full"},
            ),
            rx.flex(
                rx.link(tr("chat.photo_original"), href=m.image_url, is_external=True, size="2"),
                rx.dialog.close(rx.button(tr("chat.photo_close"), variant="soft", color_scheme="gray", size="2")),
                justify="between",
                align="center",
                margin_top="12px",
            ),
            max_width="min(960px, 96vw)",
            padding="12px",
        ),
    )


def _bubble(m: rx.Var) -> rx.Component:
    return rx.box(
        rx.cond(
            m.deleted,
            rx.text(tr("chat.deleted_message"), size="2", style={"font_style": "italic", "opacity": "0.75"}),
            rx.cond(
                m.hidden,
                rx.text(tr("chat.hidden_message"), size="2", color_scheme="gray", style={"font_style": "italic"}),
                # Plain text: React escapes it; line breaks are kept by white-space.
                rx.fragment(
                    rx.cond(m.thumb_url != "", image_view(m)),
                    rx.cond(m.body != "", rx.text(m.body, size="2", white_space="pre-wrap", word_break="break-word")),
                    rx.cond(
                        m.edited,
                        rx.text(
                            tr("chat.edited"),
                            size="1",
                            style={"opacity": "0.75"},
                            custom_attrs={"data-testid": "message-edited"},
                        ),
                    ),
                ),
            ),
        ),
        padding="8px 12px",
        border_radius="14px",
        background=rx.cond(m.mine, "var(--accent-9)", "var(--color-panel-solid)"),
        color=rx.cond(m.mine, "var(--accent-contrast)", "inherit"),
        box_shadow=rx.cond(m.mine, "none", "var(--shadow-1)"),
        max_width="min(520px, 75vw)",
        custom_attrs={"data-testid": "message-body"},
    )


MessagePart = Callable[[rx.Var], rx.Component]


def message_item(
    m: rx.Var,
    *,
    menu: MessagePart | None = None,
    editor: MessagePart | None = None,
    editing: Callable[[rx.Var], rx.Var] | None = None,
    read_seq: rx.Var | None = None,
) -> rx.Component:
    """One message. ``menu(m)`` (the page's 수정/삭제) sits beside a bubble; while ``editing(m)``,
    ``editor(m)`` takes my bubble's place; 읽음 goes under my message whose seq is ``read_seq``."""
    time = rx.cond(
        m.show_time,
        rx.text(m.time, size="1", color_scheme="gray", white_space="nowrap", padding_bottom="2px"),
    )
    actions = menu(m) if menu is not None else rx.fragment()
    mine_row = rx.hstack(actions, time, _bubble(m), spacing="2", align="end", justify="end", width="100%")
    mine: rx.Component = mine_row
    if editor is not None and editing is not None:
        mine = rx.cond(editing(m), editor(m), mine_row)
    if read_seq is not None:
        mine = rx.fragment(
            mine,
            rx.cond(
                m.seq == read_seq,
                rx.text(
                    tr("chat.read"),
                    size="1",
                    color_scheme="gray",
                    text_align="right",
                    width="100%",
                    custom_attrs={"data-testid": "message-read"},
                ),
            ),
        )
    theirs = rx.hstack(
        rx.box(
            rx.cond(
                m.show_sender,
                rx.avatar(src=m.avatar_url, fallback=m.initial, size="2", radius="full", custom_attrs={"alt": ""}),
            ),
            width="32px",
            flex_shrink="0",
        ),
        rx.vstack(
            rx.cond(m.show_sender, rx.text(m.nickname, size="1", weight="medium", color_scheme="gray")),
            rx.hstack(_bubble(m), time, actions, spacing="2", align="end"),
            spacing="1",
            align="start",
        ),
        spacing="2",
        align="start",
        width="100%",
    )
    return rx.box(
        rx.cond(m.show_day, day_separator(m.day)),
        rx.cond(m.mine, mine, theirs),
        width="100%",
        padding_top=rx.cond(m.show_sender, "8px", "2px"),
        custom_attrs={
            "data-testid": "message",
            "data-seq": m.seq,
            "data-mine": rx.cond(m.mine, "true", "false"),
        },
    )
