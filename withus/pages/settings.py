"""/settings — my profile and photo, password change, account deletion."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.core.upload import get_upload_files_context_var_data

from withus.components.event_items import feed_card
from withus.components.forms import (
    char_counter,
    field_error,
    section_card,
    submit_button,
    text_area_field,
    text_field,
)
from withus.components.layout import page, user_avatar
from withus.services.images import MAX_BYTES
from withus.state.rules import INTRODUCTION_MAX, TAGS_MAX
from withus.state.settings import AVATAR_UPLOAD_ID, DELETE_FORM_ID, PASSWORD_FORM_ID, SettingsState

PROFILE_FORM_ID = "profile-form"
TAG_FORM_ID = "tag-form"
NEW_PASSWORD_ID = "new-password"
CONFIRM_ID = "new-password2"
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


def _code_points(value: rx.Var) -> rx.Var:
    return rx.Var(f"Array.from({value!s}).length").to(int)


def _same_as(value: rx.Var, other_id: str) -> rx.Var:
    return (value == rx.Var(f"withus.fieldValue('{other_id}')").to(str)).to(bool)


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
            aria_label="태그 삭제: " + tag,
        ),
        size="2",
        variant="soft",
        radius="full",
        padding_right="2px",
    )


def profile_section() -> rx.Component:
    return section_card(
        "프로필",
        rx.form(
            rx.vstack(
                text_field(
                    "settings-nickname",
                    name="nickname",
                    label_text="닉네임",
                    error=SettingsState.nickname_error,
                    value=SettingsState.nickname,
                    on_change=SettingsState.set_nickname,
                    max_length=20,
                    auto_complete="nickname",
                ),
                text_area_field(
                    "settings-introduction",
                    name="introduction",
                    label_text="소개",
                    error=SettingsState.introduction_error,
                    counter=char_counter(SettingsState.introduction_length, INTRODUCTION_MAX),
                    value=SettingsState.introduction,
                    on_change=SettingsState.set_introduction,
                    placeholder="좋아하는 것, 함께 하고 싶은 것을 적어 보세요.",
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
                    f"관심 태그 (최대 {TAGS_MAX}개)",
                    html_for="tag-input",
                    style={"fontWeight": "600", "fontSize": "var(--font-size-2)"},
                ),
                rx.cond(
                    SettingsState.tags.length() > 0,
                    rx.flex(rx.foreach(SettingsState.tags, tag_badge), wrap="wrap", spacing="2", id="tag-list"),
                    rx.text("아직 태그가 없어요.", size="2", color_scheme="gray"),
                ),
                rx.hstack(
                    rx.input(
                        id="tag-input",
                        name="tag",
                        value=SettingsState.tag_draft,
                        on_change=SettingsState.set_tag_draft,
                        placeholder="예: 풋살, 보드게임",
                        max_length=20,
                        size="3",
                        width="100%",
                        disabled=~SettingsState.can_add_tag,
                        custom_attrs={"aria-describedby": "tag-input-error"},
                    ),
                    rx.button("추가", type="submit", variant="soft", size="3", disabled=~SettingsState.can_add_tag),
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
                "프로필 저장",
                type="submit",
                size="3",
                loading=SettingsState.saving,
                disabled=SettingsState.saving,
                custom_attrs={"form": PROFILE_FORM_ID},
                id="save-profile",
            ),
            width="100%",
        ),
        description="다른 회원에게 보이는 정보입니다.",
    )


def avatar_section() -> rx.Component:
    return section_card(
        "프로필 사진",
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
                        alt="새 사진 미리보기",
                        id="avatar-preview",
                    ),
                    user_avatar(SettingsState.avatar_url, SettingsState.nickname, size="7"),
                ),
                rx.text(rx.cond(avatar_picked, "미리보기", "현재 사진"), size="1", color_scheme="gray"),
                align="center",
                spacing="1",
            ),
            rx.vstack(
                rx.upload(
                    rx.vstack(
                        rx.icon("image-up", size=24),
                        rx.text("사진을 끌어다 놓거나 눌러서 고르세요", size="2", weight="medium"),
                        rx.text("PNG, JPEG, WebP · 5MB 이하", size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                    ),
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
                    aria_label="프로필 사진 고르기",
                ),
                rx.hstack(
                    rx.button(
                        "사진 저장",
                        on_click=SettingsState.upload_avatar(rx.upload_files(upload_id=AVATAR_UPLOAD_ID)),
                        loading=SettingsState.uploading,
                        disabled=~avatar_picked | SettingsState.uploading,
                        id="save-avatar",
                    ),
                    rx.cond(
                        avatar_picked,
                        rx.button(
                            "취소",
                            variant="soft",
                            color_scheme="gray",
                            on_click=rx.clear_selected_files(AVATAR_UPLOAD_ID),
                        ),
                    ),
                    rx.cond(
                        SettingsState.has_avatar & ~avatar_picked,
                        rx.button(
                            "기본 사진으로",
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


def password_section() -> rx.Component:
    return section_card(
        "비밀번호 변경",
        rx.form(
            rx.vstack(
                # For password managers: which account this is.
                rx.el.input(
                    type="text",
                    name="username",
                    value=SettingsState.username,
                    auto_complete="username",
                    read_only=True,
                    hidden=True,
                ),
                text_field(
                    "current-password",
                    name="current_password",
                    label_text="현재 비밀번호",
                    error=SettingsState.current_password_error,
                    type="password",
                    auto_complete="current-password",
                    max_length=128,
                    on_change=SettingsState.clear_current_password_error,
                ),
                text_field(
                    NEW_PASSWORD_ID,
                    name="new_password",
                    label_text="새 비밀번호",
                    error=SettingsState.new_password_error,
                    hint="8자 이상. 너무 흔한 비밀번호는 쓸 수 없습니다.",
                    type="password",
                    auto_complete="new-password",
                    max_length=128,
                    on_change=lambda v: SettingsState.set_new_password_facts(_code_points(v), _same_as(v, CONFIRM_ID)),
                ),
                text_field(
                    CONFIRM_ID,
                    name="new_password_confirm",
                    label_text="새 비밀번호 확인",
                    error=SettingsState.confirm_error,
                    type="password",
                    auto_complete="new-password",
                    max_length=128,
                    on_change=lambda v: SettingsState.set_confirm_facts(_code_points(v), _same_as(v, NEW_PASSWORD_ID)),
                ),
                rx.hstack(
                    rx.spacer(),
                    submit_button("비밀번호 변경", loading=SettingsState.changing_password, width="auto"),
                    width="100%",
                ),
                spacing="3",
                width="100%",
                align="stretch",
            ),
            id=PASSWORD_FORM_ID,
            on_submit=SettingsState.change_password,
            no_validate=True,
            width="100%",
        ),
        description="바꾸면 다른 기기의 로그인도 모두 끝나고, 새 비밀번호로 다시 로그인합니다.",
    )


def delete_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("회원 탈퇴", color_scheme="red", variant="soft", id="open-delete"),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("정말 탈퇴하시겠어요?"),
            rx.alert_dialog.description(
                "계정은 되돌릴 수 없습니다. 쓴 글과 댓글은 남고 작성자는 ‘탈퇴한 회원’으로 표시됩니다. "
                "운영하던 모임은 가장 오래된 운영진이나 멤버에게 넘어가고, 아무도 없으면 닫힙니다.",
                size="2",
            ),
            rx.form(
                rx.vstack(
                    text_field(
                        "delete-password",
                        name="password",
                        label_text="비밀번호 확인",
                        error=SettingsState.delete_password_error,
                        type="password",
                        auto_complete="current-password",
                        max_length=128,
                        auto_focus=True,
                    ),
                    rx.hstack(
                        rx.alert_dialog.cancel(rx.button("취소", variant="soft", color_scheme="gray", type="button")),
                        rx.button(
                            "탈퇴하기",
                            color_scheme="red",
                            type="submit",
                            loading=SettingsState.deleting,
                            disabled=SettingsState.deleting,
                            id="confirm-delete",
                        ),
                        spacing="3",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                    align="stretch",
                    margin_top="16px",
                ),
                id=DELETE_FORM_ID,
                on_submit=SettingsState.delete_account,
                no_validate=True,
            ),
            max_width="440px",
        ),
        open=SettingsState.delete_open,
        on_open_change=SettingsState.set_delete_open,
    )


def account_section() -> rx.Component:
    return section_card(
        "계정",
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label("아이디"), rx.data_list.value(SettingsState.username)),
            rx.data_list.item(rx.data_list.label("이메일"), rx.data_list.value(SettingsState.email)),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        rx.separator(size="4"),
        rx.flex(
            rx.vstack(
                rx.text("회원 탈퇴", weight="bold"),
                rx.text("비밀번호를 확인한 뒤 계정을 삭제합니다.", size="2", color_scheme="gray"),
                spacing="1",
            ),
            delete_dialog(),
            justify="between",
            align=rx.breakpoints(initial="start", sm="center"),
            direction=rx.breakpoints(initial="column", sm="row"),
            spacing="3",
            width="100%",
        ),
        description="이메일은 다른 회원에게 보이지 않습니다.",
    )


def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("설정", size="7", as_="h1"),
            rx.link(
                "알림 설정 (사이트 알림, 메일) →", href="/settings/notifications", size="2", id="settings-notifications"
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
