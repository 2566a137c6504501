"""Repeating events: the occurrences of a weekly or monthly series, by ``dateutil.rrule``.

Occurrences are computed on the Korean wall clock (``Asia/Seoul``), so 19:00 stays 19:00
whatever the instant's offset. A monthly series on the 29th-31st skips the months that lack
that day (RFC 5545's rule, which ``rrule`` follows). A series is materialised up to a cap:
at most :data:`MAX_OCCURRENCES` occurrences and none starting more than
:data:`HORIZON_DAYS` days after the first, so a series is never longer than a year; a
``count`` above the cap or an ``until`` beyond the horizon is refused (422), never cut short
silently. Without ``count`` or ``until`` a series runs to the cap.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dateutil.rrule import MONTHLY, WEEKLY, rrule

from withus.errors import ValidationFailed
from withus.i18n import Msg
from withus.models.event_schemas import KST, RepeatSpec

HORIZON_DAYS = 365
MAX_OCCURRENCES = {"weekly": 52, "monthly": 12}
_FREQ = {"weekly": WEEKLY, "monthly": MONTHLY}


def occurrences(first_start: datetime, repeat: RepeatSpec) -> list[datetime]:
    """The start of every occurrence, the first included (in UTC, as stored)."""
    cap = MAX_OCCURRENCES[repeat.freq]
    if repeat.count is not None and repeat.until is not None:
        raise ValidationFailed.field("repeat", code="invalid_repeat")
    if repeat.count is not None and repeat.count > cap:
        raise ValidationFailed.field(
            "repeat.count", Msg("error.repeat_count_too_large", max=cap), code="repeat_count_too_large"
        )
    local = first_start.astimezone(KST)
    horizon = local + timedelta(days=HORIZON_DAYS)
    if repeat.until is not None:
        until = repeat.until.astimezone(KST)
        if until < local:
            raise ValidationFailed.field("repeat.until", Msg("error.repeat_until_before_start"), code="invalid_repeat")
        if until > horizon:
            raise ValidationFailed.field(
                "repeat.until",
                Msg("error.repeat_until_too_far", days=HORIZON_DAYS),
                code="repeat_until_too_far",
            )
    naive = local.replace(tzinfo=None)
    rule = rrule(
        _FREQ[repeat.freq],
        dtstart=naive,
        count=repeat.count if repeat.count is not None else (None if repeat.until is not None else cap),
        until=repeat.until.astimezone(KST).replace(tzinfo=None) if repeat.until is not None else None,
    )
    local_starts = [d.replace(tzinfo=KST) for d in rule if d.replace(tzinfo=KST) <= horizon][:cap]
    return [d.astimezone(UTC) for d in local_starts]
