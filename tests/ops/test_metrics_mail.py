"""The mail outbox on /metrics: how many mails wait and what the worker did with them (a real
SMTP server, aiosmtpd, both stacks)."""

from __future__ import annotations

from aiosmtpd.controller import Controller

from tests.api.accounts_helpers import Inbox, free_port, mail_worker, point_smtp_at, settle_outbox
from tests.conftest import Stack
from tests.ops.metrics_helpers import value
from withus.db import session_scope
from withus.observability import metrics, sampler
from withus.services import outbox


def _scrape() -> str:
    return metrics.render()[0].decode()


async def test_outbox_depth_and_outcomes(stack: Stack) -> None:
    sampler.install_hooks()
    for i in range(3):
        async with session_scope() as session:
            await outbox.enqueue(session, to=f"wait{i}@example.com", template="signup_taken")
    await sampler.sample_outbox()
    waiting = _scrape()
    assert value(waiting, "withus_mail_outbox_depth") == 3
    assert value(waiting, "withus_mail_oldest_pending_seconds") >= 0

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    point_smtp_at(controller.port)
    try:
        async with mail_worker():
            await settle_outbox()
    finally:
        point_smtp_at(None)
        controller.stop()
    await sampler.sample_outbox()
    after = _scrape()
    assert value(after, "withus_mail_outbox_depth") == 0
    assert value(after, "withus_mail_oldest_pending_seconds") == 0
    sent = "withus_mail_outcomes_total"
    assert value(after, sent, outcome="sent") - value(waiting, sent, outcome="sent") == 3
    assert len(inbox.messages) == 3
