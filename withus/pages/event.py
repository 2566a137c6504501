"""/events/[id] — an event: details, RSVP, attendees and waitlist in order, add to calendar; edit
and cancel for the club's staff. Live (see ``withus.state.event_page``)."""

from __future__ import annotations

import reflex as rx

from withus.components.event_form import event_fields, scope_choice
from withus.components.layout import page
from withus.components.link_button import link_button
from withus.i18n.ui import tr
from withus.state.event_page import EventPageState

S = EventPageState


def person(p: rx.Var, n: rx.Var[int]) -> rx.Component:
    return rx.hstack(
        rx.text((n + 1).to_string() + ".", size="1", color_scheme="gray", width="24px"),
        rx.avatar(src=p.avatar_url, fallback="?", size="1", radius="full", custom_attrs={"alt": ""}),
        rx.text(p.nickname, size="2"),
        align="center",
        spacing="2",
        custom_attrs={"data-testid": "attendee"},
    )


def rsvp_bar() -> rx.Component:
    e = S.event
    return rx.vstack(
        rx.cond(
            e.mine != "",
            rx.badge(e.mine, size="3", color_scheme=rx.cond(e.my_rsvp == "going", "green", "orange"), variant="solid"),
        ),
        rx.cond(
            S.is_member & e.rsvp_open,
            rx.flex(
                rx.button(
                    rx.icon("check", size=16),
                    tr("event.rsvp.going"),
                    on_click=S.go,
                    loading=S.answering,
                    disabled=(e.my_rsvp == "going") | (e.my_rsvp == "waitlisted"),
                    custom_attrs={"data-testid": "rsvp-going"},
                ),
                rx.button(
                    rx.icon("x", size=16),
                    tr("event.rsvp.not_going"),
                    on_click=S.not_go,
                    loading=S.answering,
                    variant="soft",
                    color_scheme="gray",
                    disabled=e.my_rsvp == "not_going",
                    custom_attrs={"data-testid": "rsvp-not-going"},
                ),
                gap="8px",
                wrap="wrap",
            ),
            rx.cond(
                e.cancelled,
                rx.text(tr("event.cancelled_note"), color_scheme="red", size="2"),
                rx.cond(S.is_member, rx.text(tr("event.rsvp.closed"), color_scheme="gray", size="2")),
            ),
        ),
        spacing="2",
        custom_attrs={"data-testid": "rsvp", "data-live": rx.cond(S.live, "true", "false")},
    )


def edit_dialog() -> rx.Component:
    """Every field of the event (only what changed is sent) and, in a series, this / following."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(tr("event.edit")),
            rx.form(
                rx.vstack(
                    # The dialog's content mounts when it opens: the inputs start from the values then.
                    event_fields("edit", S.edit_errors, S.form),
                    rx.cond(S.event.repeating, scope_choice(S.scope, S.set_scope, testid="edit-scope")),
                    rx.cond(
                        S.edit_errors.contains("form"),
                        rx.callout(S.edit_errors["form"], color_scheme="red", role="alert"),
                    ),
                    rx.flex(
                        rx.dialog.close(
                            rx.button(tr("event.close"), variant="soft", color_scheme="gray", type="button")
                        ),
                        rx.button(tr("event.save"), type="submit", loading=S.saving),
                        gap="8px",
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.save,
            ),
            max_width="560px",
        ),
        open=S.edit_open,
        on_open_change=S.set_edit_open,
    )


def cancel_dialog() -> rx.Component:
    """Cancel, after a confirmation; in a series, this one or it and every later one."""
    # The scope is reset when the dialog opens or closes, not by an on_click on the trigger's button: a
    # button with an event handler is a memo component that Radix's trigger renders as a <div> (axe:
    # aria-allowed-attr, and it is no longer a button for the keyboard).
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(rx.button(tr("event.cancel"), color_scheme="red", variant="soft")),
        rx.alert_dialog.content(
            rx.alert_dialog.title(tr("event.cancel_title")),
            rx.alert_dialog.description(tr("event.cancel_body"), size="2"),
            rx.cond(
                S.event.repeating,
                rx.box(scope_choice(S.scope, S.set_scope, testid="cancel-scope"), margin_top="12px"),
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(tr("event.cancel_keep"), variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(
                    rx.button(tr("event.cancel_confirm"), color_scheme="red", on_click=S.cancel_event)
                ),
                spacing="3",
                margin_top="16px",
                justify="end",
            ),
            max_width="440px",
        ),
        on_open_change=lambda _open: S.set_scope("this"),
    )


def details() -> rx.Component:
    e = S.event
    return rx.card(
        rx.vstack(
            rx.link(e.club_name, href="/clubs/" + e.club_id.to_string(), size="2", color_scheme="gray"),
            rx.hstack(
                rx.cond(e.cancelled, rx.badge(tr("event.cancelled"), color_scheme="red", size="2")),
                rx.heading(e.title, size="6", as_="h1"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.hstack(rx.icon("calendar", size=16), rx.text(e.when, size="3"), align="center", spacing="2"),
            rx.cond(
                e.place != "",
                rx.hstack(
                    rx.icon("map-pin", size=16),
                    rx.text(e.place, size="3"),
                    rx.cond(
                        e.map_url != "",
                        rx.link(tr("event.map"), href=e.map_url, is_external=True, size="2", rel="noopener noreferrer"),
                    ),
                    align="center",
                    spacing="2",
                    wrap="wrap",
                ),
            ),
            rx.hstack(rx.icon("users", size=16), rx.text(e.capacity_text, size="2"), align="center", spacing="2"),
            rx.cond(
                e.deadline_text != "",
                rx.text(tr("event.deadline"), " ", e.deadline_text, size="2", color_scheme="gray"),
            ),
            rx.cond(e.description != "", rx.text(e.description, size="3", white_space="pre-wrap")),
            rsvp_bar(),
            rx.flex(
                link_button(
                    rx.icon("calendar-plus", size=16),
                    tr("event.add_to_calendar"),
                    variant="outline",
                    href=e.ics_href,
                    is_external=True,
                ),
                rx.cond(
                    e.can_manage & ~e.cancelled,
                    rx.fragment(
                        rx.button(tr("event.edit"), variant="soft", on_click=S.set_edit_open(True)),
                        cancel_dialog(),
                    ),
                ),
                gap="8px",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        size="3",
        width="100%",
    )


def people() -> rx.Component:
    return rx.cond(
        S.is_member,
        rx.card(
            rx.vstack(
                rx.heading(tr("event.going_list"), " ", S.event.going_count, size="4", as_="h2"),
                rx.vstack(rx.foreach(S.going, person), spacing="1", custom_attrs={"data-testid": "going-list"}),
                rx.cond(
                    S.waitlist.length() > 0,
                    rx.fragment(
                        rx.heading(tr("event.waitlist"), " ", S.event.waitlist_count, size="4", as_="h2"),
                        rx.vstack(
                            rx.foreach(S.waitlist, person), spacing="1", custom_attrs={"data-testid": "waitlist"}
                        ),
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
    )


def index() -> rx.Component:
    return page(
        rx.cond(
            S.loading,
            rx.skeleton(rx.box(height="240px", width="100%"), loading=True),
            rx.cond(
                S.not_found | S.forbidden,
                rx.center(
                    rx.vstack(
                        rx.icon("calendar-x", size=36, color="var(--gray-9)"),
                        rx.heading(rx.cond(S.forbidden, tr("event.members_only"), tr("event.not_found")), size="5"),
                        align="center",
                        spacing="3",
                    ),
                    min_height="40vh",
                ),
                rx.vstack(details(), people(), spacing="4", width="100%"),
            ),
        ),
        edit_dialog(),
    )
