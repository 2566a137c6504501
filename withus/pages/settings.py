"""/settings — my profile and photo, password change, email change (pages/settings_email.py), account deletion."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.upload import get_upload_files_context_var_data

from withus.components.event_items import feed_card
from withus.components.forms import (
    char_counter,
    field_error,
    section_card,
    text_area_field,
    text_field,
)
from withus.components.labelled_upload import labelled_upload
from withus.components.layout import page, user_avatar
from withus.i18n.ui import tr
from withus.pages.settings_account import account_section, password_section
from withus.pages.settings_email import email_section
from withus.services.images import MAX_BYTES
from withus.state.rules import INTRODUCTION_MAX, TAGS_MAX
from withus.state.settings import AVATAR_UPLOAD_ID, SettingsState

PROFILE_FORM_ID = "profile-form"
TAG_FORM_ID = "tag-form"
ACCEPT = {"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]}

# The picked file, shown before it is sent (an object URL of the browser's own copy).
_files = f"filesById['{AVATAR_UPLOAD_ID}']"
avatar_preview = rx.Var(
    _js_expr=f"({_files} && {_files}.length ? URL.createObjectURL({_files}[0]) : '')",
    _var_type=str,
    _var_data=get_upload_files_context_var_data(),
)
avatar_picked = rx.Var(
    _js_expr=f"!!({_files} && {_files}.length)",
    _var_type=bool,
    _var_data=get_upload_files_context_var_data(),
)


def tag_badge(tag: rx.Var[str]) -> rx.Component:
    return rx.badge(
        rx.text("#", tag),
        rx.icon_button(
            rx.icon("x", size=12),
            size="1",
            variant="ghost",
            color_scheme="gray",
            radius="full",
            type="button",
            on_click=SettingsState.remove_tag(tag),
            aria_label=tr("settings.remove_tag") + tag,
        ),
        size="2",
        variant="soft",
        radius="full",
        padding_right="2px",
    )


def profile_section() -> rx.Component:
    return section_card(
        tr("settings.profile"),
        rx.form(
            rx.vstack(
                text_field(
                    "settings-nickname",
                    name="nickname",
                    label_text=tr("field.nickname"),
                    error=SettingsState.nickname_error,
                    value=SettingsState.nickname,
                    on_change=SettingsState.set_nickname,
                    max_length=20,
                    auto_complete="nickname",
                ),
                text_area_field(
                    "settings-introduction",
                    name="introduction",
                    label_text=tr("settings.introduction"),
                    error=SettingsState.introduction_error,
                    counter=char_counter(SettingsState.introduction_length, INTRODUCTION_MAX),
                    value=SettingsState.introduction,
                    on_change=SettingsState.set_introduction,
                    placeholder=tr("settings.introduction_placeholder"),
                    rows="4",
                    resize="vertical",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            id=PROFILE_FORM_ID,
            on_submit=SettingsState.save_profile,
            width="100%",
        ),
        # Its own form, so that Enter in the tag box adds a tag instead of saving the profile.
        rx.form(
            rx.vstack(
                rx.el.label(
                    tr("settings.tags", max=TAGS_MAX),
                    html_for="tag-input",
                    style={"fontWeight": "600", "fontSize": "var(--font-size-2)"},
                ),
                rx.cond(
                    SettingsState.tags.length() > 0,
                    rx.flex(rx.foreach(SettingsState.tags, tag_badge), wrap="wrap", spacing="2", id="tag-list"),
                    rx.text(tr("settings.no_tags"), size="2", color_scheme="gray"),
                ),
                rx.hstack(
                    rx.input(
                        id="tag-input",
                        name="tag",
                        value=SettingsState.tag_draft,
                        on_change=SettingsState.set_tag_draft,
                        placeholder=tr("settings.tag_placeholder"),
                        max_length=20,
                        size="3",
                        width="100%",
                        disabled=~SettingsState.can_add_tag,
                        custom_attrs={"aria-describedby": "tag-input-error"},
                    ),
                    rx.button(
                        tr("settings.add"), type="submit", variant="soft", size="3", disabled=~SettingsState.can_add_tag
                    ),
                    spacing="2",
                    width="100%",
                ),
                field_error("tag-input", SettingsState.tag_error),
                spacing="2",
                width="100%",
                align="stretch",
            ),
            id=TAG_FORM_ID,
            on_submit=SettingsState.add_tag,
            reset_on_submit=False,
            width="100%",
        ),
        rx.hstack(
            rx.spacer(),
            rx.button(
                tr("settings.save_profile"),
                type="submit",
                size="3",
                loading=SettingsState.saving,
                disabled=SettingsState.saving,
                custom_attrs={"form": PROFILE_FORM_ID},
                id="save-profile",
            ),
            width="100%",
        ),
        description=tr("settings.profile_hint"),
    )


def avatar_section() -> rx.Component:
    return section_card(
        tr("settings.avatar"),
        rx.flex(
            rx.vstack(
                rx.cond(
                    avatar_picked,
                    rx.image(
                        src=avatar_preview,
                        width="96px",
                        height="96px",
                        border_radius="50%",
                        object_fit="cover",
                        alt=tr("settings.avatar_preview"),
                        id="avatar-preview",
                    ),
                    user_avatar(
                        SettingsState.avatar_url,
                        SettingsState.nickname,
                        size="7",
                        alt=tr("profile.photo_alt", name=SettingsState.nickname),
                    ),
                ),
                rx.text(
                    rx.cond(avatar_picked, tr("settings.preview"), tr("settings.current_photo")),
                    size="1",
                    color_scheme="gray",
                ),
                align="center",
                spacing="1",
            ),
            rx.vstack(
                labelled_upload(
                    rx.vstack(
                        rx.icon("image-up", size=24),
                        rx.text(tr("settings.avatar_drop"), size="2", weight="medium"),
                        rx.text(tr("form.image_rules"), size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                    ),
                    label=tr("settings.avatar"),
                    id=AVATAR_UPLOAD_ID,
                    accept=ACCEPT,
                    max_files=1,
                    max_size=MAX_BYTES,
                    multiple=False,
                    on_drop_rejected=SettingsState.avatar_rejected,
                    border="1px dashed var(--gray-a7)",
                    border_radius="var(--radius-3)",
                    padding="16px",
                    width="100%",
                    cursor="pointer",
                    aria_label=tr("settings.avatar_choose"),
                ),
                rx.hstack(
                    rx.button(
                        tr("settings.avatar_save"),
                        on_click=SettingsState.upload_avatar(rx.upload_files(upload_id=AVATAR_UPLOAD_ID)),
                        loading=SettingsState.uploading,
                        disabled=~avatar_picked | SettingsState.uploading,
                        id="save-avatar",
                    ),
                    rx.cond(
                        avatar_picked,
                        rx.button(
                            tr("common.cancel"),
                            variant="soft",
                            color_scheme="gray",
                            on_click=rx.clear_selected_files(AVATAR_UPLOAD_ID),
                        ),
                    ),
                    rx.cond(
                        SettingsState.has_avatar & ~avatar_picked,
                        rx.button(
                            tr("settings.avatar_default"),
                            variant="ghost",
                            color_scheme="gray",
                            on_click=SettingsState.remove_avatar,
                            disabled=SettingsState.uploading,
                        ),
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                rx.cond(
                    SettingsState.avatar_error != "",
                    rx.text(SettingsState.avatar_error, color_scheme="red", size="2", role="alert"),
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            direction=rx.breakpoints(initial="column", sm="row"),
            align="center",
            spacing="5",
            width="100%",
        ),
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading(tr("header.settings"), size="7", as_="h1"),
            rx.link(
                tr("settings.notifications_link"), href="/settings/notifications", size="2", id="settings-notifications"
            ),
            rx.cond(
                SettingsState.loading,
                rx.vstack(
                    *[rx.skeleton(rx.box(height="160px", width="100%"), loading=True) for _ in range(3)],
                    spacing="4",
                    width="100%",
                ),
                rx.vstack(
                    profile_section(),
                    avatar_section(),
                    password_section(),
                    email_section(),
                    feed_card(),
                    account_section(),
                    spacing="5",
                    width="100%",
                ),
            ),
            spacing="5",
            width="100%",
            max_width="720px",
            margin_x="auto",
        )
    )
