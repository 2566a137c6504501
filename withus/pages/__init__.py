"""One module per page; ``register_pages`` adds them all to the app."""

from __future__ import annotations

import reflex as rx

from withus.i18n.ui import tr
from withus.pages import (
    admin_reports,
    chat_list,
    chat_room,
    club,
    club_edit,
    club_manage,
    club_new,
    event,
    home,
    login,
    my_clubs,
    my_events,
    not_found,
    notification_settings,
    notifications,
    post,
    profile,
    recovery,
    settings,
    signup,
)
from withus.pages.titles import named
from withus.state.admin import AdminReportsState
from withus.state.auth import AuthState
from withus.state.board import PostState
from withus.state.chat_list import ChatListState
from withus.state.chat_room import ChatRoomState
from withus.state.chat_room_edits import ChatEditState
from withus.state.club import ClubState
from withus.state.club_form import ClubFormState
from withus.state.club_manage import ManageState
from withus.state.clubs import HomeState
from withus.state.event_page import EventPageState
from withus.state.events import CalendarFeedState, ClubEventsState, MyEventsState
from withus.state.login import LoginState
from withus.state.my_clubs import MyClubsState
from withus.state.notification_settings import NotificationSettingsState
from withus.state.notifications import NotificationsPageState
from withus.state.profile import ProfileState
from withus.state.recovery import ForgotPasswordState, ResetPasswordState
from withus.state.settings import SettingsState
from withus.state.signup import SignupState


def register_pages(app: rx.App) -> None:
    app.add_page(home.index, route="/", title=tr("title.home"), on_load=[HomeState.load, MyEventsState.load_home])
    # Clubs and board (the static /clubs/new before the dynamic /clubs/[id]).
    app.add_page(club_new.index, route="/clubs/new", title=tr("title.club_new"), on_load=ClubFormState.load_new)
    app.add_page(
        club.index,
        route="/clubs/[id]",
        title=named(ClubState.club.name, "title.club"),
        on_load=[ClubState.load, ClubEventsState.load],
    )
    app.add_page(
        club_edit.index,
        route="/clubs/[id]/edit",
        title=named(ClubFormState.name, "title.club_edit"),
        on_load=ClubFormState.load_edit,
    )
    app.add_page(
        club_manage.index,
        route="/clubs/[id]/manage",
        title=named(ManageState.club_name, "title.club_manage"),
        on_load=ManageState.load,
    )
    app.add_page(
        post.index, route="/posts/[id]", title=named(PostState.post.title, "title.post"), on_load=PostState.load
    )
    app.add_page(my_clubs.index, route="/me/clubs", title=tr("title.my_clubs"), on_load=MyClubsState.load)
    app.add_page(
        event.index,
        route="/events/[id]",
        title=named(EventPageState.event.title, "title.event"),
        on_load=EventPageState.load,
    )
    app.add_page(my_events.index, route="/me/events", title=tr("title.my_events"), on_load=MyEventsState.load)
    app.add_page(
        admin_reports.index, route="/admin/reports", title=tr("title.admin_reports"), on_load=AdminReportsState.load
    )
    # Accounts.
    app.add_page(
        login.index,
        route="/login",
        title=tr("title.login"),
        on_load=[AuthState.redirect_if_logged_in, LoginState.reset_form],
    )
    app.add_page(
        signup.index,
        route="/signup",
        title=tr("title.signup"),
        on_load=[AuthState.redirect_if_logged_in, SignupState.reset_form],
    )
    app.add_page(
        recovery.forgot_password,
        route="/forgot-password",
        title=tr("title.forgot_password"),
        on_load=[AuthState.redirect_if_logged_in, ForgotPasswordState.reset_form],
    )
    app.add_page(
        recovery.reset_password,
        route="/reset-password",
        title=tr("title.reset_password"),
        on_load=ResetPasswordState.load,
    )
    app.add_page(
        profile.index,
        route="/users/[id]",
        title=named(ProfileState.nickname, "title.profile"),
        on_load=ProfileState.load,
    )
    app.add_page(
        settings.index,
        route="/settings",
        title=tr("title.settings"),
        on_load=[SettingsState.load, CalendarFeedState.load],
    )
    app.add_page(
        notification_settings.index,
        route="/settings/notifications",
        title=tr("title.notification_settings"),
        on_load=NotificationSettingsState.load,
    )
    # Chat and notifications (live: see withus.state.live).
    app.add_page(chat_list.index, route="/chat", title=tr("title.chat"), on_load=ChatListState.load)
    app.add_page(
        chat_room.index,
        route="/chat/[room_id]",
        title=named(ChatRoomState.room.title, "title.chat"),
        on_load=[ChatEditState.clear, ChatRoomState.load],
    )
    app.add_page(
        notifications.index,
        route="/notifications",
        title=tr("title.notifications"),
        on_load=NotificationsPageState.load,
    )
    app.add_page(not_found.index, route="404", title=tr("title.not_found"))
    # Last: every page (404 included) starts the header's live notification bell.
    notifications.attach_bell(app)
