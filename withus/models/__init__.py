"""SQLModel tables and schemas, one module per domain. Importing this package
registers every table on ``withus.models.base.metadata`` (Alembic reads it)."""

from withus.models.account_tokens import PasswordResetToken
from withus.models.block import UserBlock
from withus.models.chat import ChatMessage, ChatParticipant, ChatRoom
from withus.models.chat_mail import ChatMailDue
from withus.models.club import Club, ClubBan, ClubMember, Invitation, JoinRequest
from withus.models.comment import Comment
from withus.models.event import CalendarFeed, Event, EventRsvp, EventSeries
from withus.models.mail import MailOutbox
from withus.models.notification import Notification
from withus.models.notification_setting import NotificationSetting
from withus.models.post import Post
from withus.models.report import Report
from withus.models.user import User

__all__ = [
    "CalendarFeed",
    "ChatMailDue",
    "ChatMessage",
    "ChatParticipant",
    "ChatRoom",
    "Club",
    "ClubBan",
    "ClubMember",
    "Comment",
    "Event",
    "EventRsvp",
    "EventSeries",
    "Invitation",
    "JoinRequest",
    "MailOutbox",
    "Notification",
    "NotificationSetting",
    "PasswordResetToken",
    "Post",
    "Report",
    "User",
    "UserBlock",
]
