"""The club form shared by /clubs/new and /clubs/[id]/edit."""

from __future__ import annotations

import reflex as rx

from withus.components.category import category_choices
from withus.components.forms import field_error, field_hint, form_error, label, text_area_field, text_field
from withus.components.labelled_upload import labelled_upload
from withus.i18n.ui import tr
from withus.models.club import CAPACITY_MAX, CAPACITY_MIN, DESCRIPTION_MAX, LOCATION_MAX, NAME_MAX
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
        label(tr("club_form.category"), "club-category"),
        rx.select.root(
            rx.select.trigger(id="club-category", width="100%", placeholder=tr("club_form.category_placeholder")),
            rx.select.content(*[rx.select.item(text, value=code) for code, text in category_choices()]),
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
        rx.text(tr("club_form.cover"), weight="bold", size="2"),
        labelled_upload(
            rx.cond(
                S.cover_preview != "",
                rx.image(
                    src=S.cover_preview,
                    alt=tr("club_form.cover_preview"),
                    width="100%",
                    height="180px",
                    object_fit="cover",
                    border_radius="var(--radius-3)",
                ),
                rx.center(
                    rx.vstack(
                        rx.icon("image-plus", size=32),
                        rx.text(tr("club_form.cover_drop"), size="2"),
                        rx.text(tr("form.image_rules"), size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                    ),
                    height="180px",
                    width="100%",
                    color="var(--gray-11)",
                ),
            ),
            label=tr("club_form.cover"),
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
            custom_attrs={"role": "button", "aria-label": tr("club_form.cover_upload"), "data-testid": "cover-upload"},
        ),
        rx.hstack(
            rx.cond(
                (S.cover_preview != "") & (S.mode == "new"),
                rx.button(
                    tr("club_form.cover_remove"),
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
                label_text=tr("club_form.name"),
                name="name",
                default_value=S.name,
                max_length=NAME_MAX,
                required=True,
                error=_err("name"),
                placeholder=tr("club_form.name_placeholder"),
            ),
            text_area_field(
                "club-description",
                label_text=tr("club_form.description"),
                name="description",
                default_value=S.description,
                max_length=DESCRIPTION_MAX,
                rows="6",
                error=_err("description"),
                placeholder=tr("club_form.description_placeholder"),
            ),
            category_field(),
            radio_field(
                "join_policy",
                tr("club_form.join_policy"),
                S.join_policy,
                [
                    ("open", tr("club_form.join_open"), tr("club_form.join_open_hint")),
                    ("approval", tr("club_form.join_approval"), tr("club_form.join_approval_hint")),
                    ("invite", tr("club_form.join_invite"), tr("club_form.join_invite_hint")),
                ],
            ),
            radio_field(
                "visibility",
                tr("club_form.visibility"),
                S.visibility,
                [
                    ("public", tr("club_form.public"), tr("club_form.public_hint")),
                    ("private", tr("club.private"), tr("club_form.private_hint")),
                ],
            ),
            rx.grid(
                text_field(
                    "club-capacity",
                    label_text=tr("club_form.capacity"),
                    name="capacity",
                    type="number",
                    min=CAPACITY_MIN,
                    max=CAPACITY_MAX,
                    input_mode="numeric",
                    default_value=S.capacity,
                    error=_err("capacity"),
                    hint=tr("club_form.capacity_hint", min=CAPACITY_MIN, max=CAPACITY_MAX),
                ),
                text_field(
                    "club-location",
                    label_text=tr("club_form.location"),
                    name="location",
                    default_value=S.location,
                    max_length=LOCATION_MAX,
                    error=_err("location"),
                    placeholder=tr("club_form.location_placeholder"),
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="3",
                width="100%",
            ),
            rx.vstack(
                rx.text(tr("club_form.recruiting"), weight="bold", size="2"),
                rx.grid(
                    text_field(
                        "club-recruit-from",
                        label_text=tr("club_form.recruit_start"),
                        name="recruit_from",
                        type="date",
                        default_value=S.recruit_from,
                        error=_err("recruit_from"),
                    ),
                    text_field(
                        "club-recruit-until",
                        label_text=tr("club_form.recruit_end"),
                        name="recruit_until",
                        type="date",
                        default_value=S.recruit_until,
                        error=_err("recruit_until"),
                    ),
                    columns=rx.breakpoints(initial="1", sm="2"),
                    spacing="3",
                    width="100%",
                ),
                field_hint(tr("club_form.recruit_hint")),
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
