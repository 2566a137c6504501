"""Outgoing mail: SMTP when ``SMTP_HOST`` is set, otherwise the log and an outbox folder.

* SMTP goes through aiosmtplib (no thread, no blocking): ``SMTP_PORT`` 465 means
  implicit TLS, otherwise ``SMTP_STARTTLS`` (default true) upgrades the
  connection; ``SMTP_USERNAME``/``SMTP_PASSWORD`` log in when set. The whole
  exchange is bounded by ``SMTP_TIMEOUT`` seconds.
* Without ``SMTP_HOST`` (the embedded default) a message is written to the log
  and as an ``.eml`` file under ``settings.outbox_dir`` whose name starts with
  the time in nanoseconds, so the files sort in sending order.

:func:`send` raises :class:`MailError` when the message could not be handed
over; callers decide what the user is told (see ``email_codes``).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from withus.settings import get_settings

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None


def build_message(mail: Mail) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    domain = settings.mail_from.rsplit("@", 1)[-1].strip("> ") or "withus.local"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(mail.text, charset="utf-8")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    return msg


def _write_outbox(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


async def send(mail: Mail) -> None:
    """Deliver ``mail`` (SMTP, or log + outbox); raises :class:`MailError` on failure."""
    settings = get_settings()
    message = build_message(mail)
    if not settings.smtp_host:
        slug = re.sub(r"[^a-z0-9]+", "-", mail.to.lower()).strip("-")[:40] or "mail"
        name = f"{time.time_ns():020d}-{secrets.token_hex(3)}-{slug}.eml"
        path = await asyncio.to_thread(_write_outbox, settings.outbox_dir, name, message.as_bytes())
        log.info("mail (no SMTP_HOST) to=%s subject=%s file=%s\n%s", mail.to, mail.subject, path, mail.text)
        return
    use_tls = settings.smtp_port == 465
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=use_tls,
            start_tls=False if use_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
        log.warning("mail to %s failed: %s: %s", mail.to, type(exc).__name__, exc)
        raise MailError(str(exc)) from exc
    log.info("mail sent to=%s subject=%s", mail.to, mail.subject)
