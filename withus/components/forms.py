"""Form building blocks shared by every page: a labelled field with its inline
error, a submit button with a loading state, a counter, a card around a form.

Every control gets a visible ``<label for=...>``; an error is tied to its
control with ``aria-describedby`` and ``aria-invalid`` and announced politely,
so forms work with the keyboard and a screen reader.
"""

from __future__ import annotations

from typing import Any

import reflex as rx


def _error_id(control_id: str) -> str:
    return f"{control_id}-error"


def field_error(control_id: str, error: rx.Var[str] | str) -> rx.Component:
    """The inline error under a control (empty when there is none; the region stays for screen readers)."""
    return rx.text(
        error,
        id=_error_id(control_id),
        color_scheme="red",
        size="2",
        aria_live="polite",
        min_height="1.25em",
        as_="p",
    )


def field_hint(text: str | rx.Var[str], **props: Any) -> rx.Component:
    return rx.text(text, size="1", color_scheme="gray", **props)


def label(text: str | rx.Var[str], control_id: str) -> rx.Component:
    return rx.el.label(
        text,
        html_for=control_id,
        style={"fontWeight": "600", "fontSize": "var(--font-size-2)"},
    )


def text_field(
    control_id: str,
    *,
    label_text: str,
    error: rx.Var[str] | str = "",
    hint: str | None = None,
    name: str | None = None,
    trailing: rx.Component | None = None,
    **input_props: Any,
) -> rx.Component:
    """A labelled text input with its inline error. ``input_props`` go to ``rx.input``.

    With a ``hint``, the line under the control shows the hint, and the error in its
    place when there is one (announced as it appears); without, an empty error line
    is kept so the form does not jump when an error shows up.
    """
    error_var = rx.Var.create(error).to(str)
    invalid = error_var != ""
    control = rx.input(
        id=control_id,
        name=name or control_id,
        size="3",
        width="100%",
        custom_attrs={
            "aria-invalid": rx.cond(invalid, "true", "false"),
            "aria-describedby": f"{_error_id(control_id)} {control_id}-hint"
            if hint is not None
            else _error_id(control_id),
        },
        color_scheme=rx.cond(invalid, "red", "teal"),
        **input_props,
    )
    row = rx.hstack(control, trailing, width="100%", align="start", spacing="2") if trailing is not None else control
    if hint is None:
        below = field_error(control_id, error_var)
    else:
        below = rx.cond(
            invalid,
            rx.text(error_var, id=_error_id(control_id), color_scheme="red", size="2", role="alert", as_="p"),
            field_hint(hint, id=f"{control_id}-hint", as_="p", min_height="1.25em"),
        )
    return rx.vstack(
        label(label_text, control_id),
        row,
        below,
        spacing="1",
        width="100%",
        align="stretch",
    )


def text_area_field(
    control_id: str,
    *,
    label_text: str,
    error: rx.Var[str] | str = "",
    counter: rx.Component | None = None,
    name: str | None = None,
    **area_props: Any,
) -> rx.Component:
    control = rx.text_area(
        id=control_id,
        name=name or control_id,
        size="3",
        width="100%",
        custom_attrs={"aria-describedby": _error_id(control_id)},
        **area_props,
    )
    return rx.vstack(
        rx.hstack(label(label_text, control_id), rx.spacer(), counter or rx.fragment(), width="100%", align="end"),
        control,
        field_error(control_id, error),
        spacing="1",
        width="100%",
        align="stretch",
    )


def char_counter(length: rx.Var[int], maximum: int) -> rx.Component:
    """``123 / 300``, red past the limit."""
    return rx.text(
        length.to_string() + f" / {maximum}",
        size="1",
        color_scheme=rx.cond(length > maximum, "red", "gray"),
        aria_live="polite",
    )


def submit_button(text: str | rx.Var[str], *, loading: rx.Var[bool] | bool = False, **props: Any) -> rx.Component:
    """The form's main button: shows a spinner and ignores clicks while ``loading``."""
    return rx.button(
        text,
        type="submit",
        size="3",
        loading=loading,
        disabled=loading,
        width=props.pop("width", "100%"),
        **props,
    )


def form_card(
    title: str | rx.Var[str], *children: rx.Component, subtitle: str | rx.Var[str] | None = None, **props: Any
) -> rx.Component:
    """A centred card with a heading, the shape of the login and sign-up pages."""
    return rx.center(
        rx.card(
            rx.vstack(
                rx.heading(title, size="6", as_="h1"),
                rx.text(subtitle, color_scheme="gray", size="2") if subtitle is not None else rx.fragment(),
                *children,
                spacing="4",
                width="100%",
                align="stretch",
            ),
            size="4",
            width="100%",
            max_width=props.pop("max_width", "440px"),
            **props,
        ),
        width="100%",
        padding_y=["8px", "24px"],
    )


def section_card(
    title: str | rx.Var[str],
    *children: rx.Component,
    description: str | rx.Var[str] | None = None,
    level: str = "h2",
    **props: Any,
) -> rx.Component:
    """A titled card for one part of a longer page (settings); ``level="h1"`` when it is the page."""
    return rx.card(
        rx.vstack(
            rx.heading(title, size="4", as_=level),
            rx.text(description, color_scheme="gray", size="2") if description is not None else rx.fragment(),
            *children,
            spacing="3",
            width="100%",
            align="stretch",
        ),
        size="3",
        width="100%",
        **props,
    )


def form_error(message: rx.Var[str]) -> rx.Component:
    """A message for the whole form (e.g. wrong password), shown above the button."""
    return rx.cond(
        message != "",
        rx.callout(message, icon="circle-alert", color_scheme="red", role="alert", size="1"),
        rx.fragment(),
    )
