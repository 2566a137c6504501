"""The club form shared by /clubs/new and /clubs/[id]/edit."""

from __future__ import annotations

import reflex as rx

from withus.components.forms import field_error, field_hint, form_error, label, text_area_field, text_field
from withus.models.club import CAPACITY_MAX, CAPACITY_MIN, DESCRIPTION_MAX, LOCATION_MAX, NAME_MAX
from withus.state.categories import CATEGORY_CHOICES
from withus.state.club_form import COVER_MAX_BYTES, COVER_UPLOAD_ID, ClubFormState

S = ClubFormState


def _err(key: str) -> rx.Var[str]:
    return S.errors.get(key, "")


def radio_choice(value: str, text: str, hint: str) -> rx.Component:
    return rx.text(
        rx.flex(
            rx.radio_group.item(value=value),
            rx.vstack(
                rx.text(text, weight="medium", size="2"), rx.text(hint, size="1", color_scheme="gray"), spacing="0"
            ),
            gap="2",
            align="start",
        ),
        as_="label",
        cursor="pointer",
    )


def radio_field(name: str, title: str, default: rx.Var[str], choices: list[tuple[str, str, str]]) -> rx.Component:
    return rx.vstack(
        rx.text(title, id=f"{name}-label", weight="bold", size="2"),
        rx.radio_group.root(
            rx.flex(
                *[radio_choice(v, t, h) for v, t, h in choices],
                direction=rx.breakpoints(initial="column", sm="row"),
                gap="3",
            ),
            name=name,
            default_value=default,
            custom_attrs={"aria-labelledby": f"{name}-label"},
        ),
        field_error(name, _err(name)),
        spacing="2",
        width="100%",
    )


def category_field() -> rx.Component:
    return rx.vstack(
        label("분류", "club-category"),
        rx.select.root(
            rx.select.trigger(id="club-category", width="100%", placeholder="분류를 고르세요"),
            rx.select.content(*[rx.select.item(text, value=code) for code, text in CATEGORY_CHOICES]),
            name="category",
            default_value=S.category,
            size="3",
        ),
        field_error("club-category", _err("category")),
        spacing="1",
        width="100%",
    )


def cover_field() -> rx.Component:
    return rx.vstack(
        rx.text("대표 이미지 (선택)", weight="bold", size="2"),
        rx.upload(
            rx.cond(
                S.cover_preview != "",
                rx.image(
                    src=S.cover_preview,
                    alt="대표 이미지 미리보기",
                    width="100%",
                    height="180px",
                    object_fit="cover",
                    border_radius="var(--radius-3)",
                ),
                rx.center(
                    rx.vstack(
                        rx.icon("image-plus", size=32),
                        rx.text("이미지를 끌어다 놓거나 눌러서 고르세요", size="2"),
                        rx.text("PNG, JPEG, WebP · 5MB 이하", size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                    ),
                    height="180px",
                    width="100%",
                    color="var(--gray-11)",
                ),
            ),
            id=COVER_UPLOAD_ID,
            accept={"image/png": [".png"], "image/jpeg": [".jpg", ".jpeg"], "image/webp": [".webp"]},
            multiple=False,
            max_files=1,
            max_size=COVER_MAX_BYTES,
            on_drop=S.upload_cover(rx.upload_files(upload_id=COVER_UPLOAD_ID)),
            border="1px dashed var(--gray-a7)",
            border_radius="var(--radius-3)",
            padding="8px",
            width="100%",
            cursor="pointer",
            custom_attrs={"role": "button", "aria-label": "대표 이미지 올리기", "data-testid": "cover-upload"},
        ),
        rx.hstack(
            rx.cond(
                (S.cover_preview != "") & (S.mode == "new"),
                rx.button(
                    "이미지 빼기",
                    type="button",
                    variant="ghost",
                    size="1",
                    color_scheme="gray",
                    on_click=S.remove_cover,
                ),
            ),
            spacing="2",
        ),
        field_error("club-cover", _err("cover")),
        spacing="2",
        width="100%",
    )


def club_form(submit_label: str) -> rx.Component:
    return rx.form(
        rx.vstack(
            cover_field(),
            text_field(
                "club-name",
                label_text="모임 이름",
                name="name",
                default_value=S.name,
                max_length=NAME_MAX,
                required=True,
                error=_err("name"),
                placeholder="예: 토요일 아침 풋살",
            ),
            text_area_field(
                "club-description",
                label_text="소개",
                name="description",
                default_value=S.description,
                max_length=DESCRIPTION_MAX,
                rows="6",
                error=_err("description"),
                placeholder="어떤 모임인지, 언제 어디서 무엇을 하는지 알려 주세요",
            ),
            category_field(),
            radio_field(
                "join_policy",
                "가입 방식",
                S.join_policy,
                [
                    ("open", "바로 가입", "누구나 바로 멤버가 돼요"),
                    ("approval", "승인 후 가입", "모임장·운영진이 승인해요"),
                    ("invite", "초대만", "초대받은 사람만 가입해요"),
                ],
            ),
            radio_field(
                "visibility",
                "공개 범위",
                S.visibility,
                [
                    ("public", "공개", "누구나 게시판과 멤버를 볼 수 있어요"),
                    ("private", "비공개", "목록에는 보이지만 게시판과 멤버는 멤버만 봐요"),
                ],
            ),
            rx.grid(
                text_field(
                    "club-capacity",
                    label_text="정원 (선택)",
                    name="capacity",
                    type="number",
                    min=CAPACITY_MIN,
                    max=CAPACITY_MAX,
                    input_mode="numeric",
                    default_value=S.capacity,
                    error=_err("capacity"),
                    hint=f"{CAPACITY_MIN}~{CAPACITY_MAX}명, 비우면 제한 없음",
                ),
                text_field(
                    "club-location",
                    label_text="장소 (선택)",
                    name="location",
                    default_value=S.location,
                    max_length=LOCATION_MAX,
                    error=_err("location"),
                    placeholder="예: 서울 마포구",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.vstack(
                rx.text("모집 기간 (선택)", weight="bold", size="2"),
                rx.grid(
                    text_field(
                        "club-recruit-from",
                        label_text="시작일",
                        name="recruit_from",
                        type="date",
                        default_value=S.recruit_from,
                        error=_err("recruit_from"),
                    ),
                    text_field(
                        "club-recruit-until",
                        label_text="마감일",
                        name="recruit_until",
                        type="date",
                        default_value=S.recruit_until,
                        error=_err("recruit_until"),
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                field_hint("비우면 언제든 가입할 수 있어요. 마감일은 그날 밤 12시까지예요."),
                spacing="1",
                width="100%",
            ),
            form_error(_err("form")),
            rx.button(submit_label, type="submit", size="3", loading=S.saving, width="100%"),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save,
        key=S.form_key,
        width="100%",
    )
