"""Handing mail over: SMTP when ``SMTP_HOST`` is set, otherwise the log and an outbox folder.

Nothing outside :mod:`withus.services.mail_worker` sends mail directly: a mail is a row of
the outbox (:func:`withus.services.outbox.enqueue`), and the worker hands it over here.

* SMTP goes through aiosmtplib (no thread, no blocking): ``SMTP_PORT`` 465 means
  implicit TLS, otherwise ``SMTP_STARTTLS`` (default true) upgrades the
  connection; ``SMTP_USERNAME``/``SMTP_PASSWORD`` log in when set. Every exchange is
  bounded by ``SMTP_TIMEOUT`` seconds. :class:`Transport` keeps one connection open
  across the mails of a round and opens a new one after any failure.
* Without ``SMTP_HOST`` (the embedded default) a message is written to the log and
  as an ``.eml`` file under ``settings.outbox_dir`` whose name starts with the time
  in nanoseconds, so the files sort in sending order.

:meth:`Transport.deliver` raises :class:`MailError` when the message was not taken:
``permanent`` for a 5xx answer (retrying cannot help), ``unreachable`` when the
server could not be reached or dropped the connection (retrying every other mail
now cannot help either).
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

import aiosmtplib

from withus.settings import get_settings

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message was not taken by the SMTP server."""

    def __init__(self, message: str, *, permanent: bool = False, unreachable: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.unreachable = unreachable


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    html: str | None = None
    message_id: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


def mail_domain() -> str:
    return get_settings().mail_from.rsplit("@", 1)[-1].strip("> ") or "withus.local"


def new_message_id() -> str:
    return make_msgid(domain=mail_domain())


def build_message(mail: Mail) -> EmailMessage:
    settings = get_settings()
    msg = EmailMessage()
    msg["From"] = settings.mail_from
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = mail.message_id or new_message_id()
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text, charset="utf-8")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8")
    return msg


def _write_outbox(directory: Path, name: str, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_bytes(data)
    return path


class Transport:
    """One sender's way out: a kept SMTP connection, or the outbox folder without ``SMTP_HOST``."""

    def __init__(self) -> None:
        self._client: aiosmtplib.SMTP | None = None

    async def deliver(self, mail: Mail) -> None:
        settings = get_settings()
        message = build_message(mail)
        if not settings.smtp_host:
            slug = re.sub(r"[^a-z0-9]+", "-", mail.to.lower()).strip("-")[:40] or "mail"
            name = f"{time.time_ns():020d}-{secrets.token_hex(3)}-{slug}.eml"
            path = await asyncio.to_thread(_write_outbox, settings.outbox_dir, name, message.as_bytes())
            log.info("mail (no SMTP_HOST) to=%s subject=%s file=%s\n%s", mail.to, mail.subject, path, mail.text)
            return
        client = await self._connected()
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            await self.close()
            permanent = all(500 <= r.code < 600 for r in exc.recipients)
            raise MailError(f"recipient refused: {exc}", permanent=permanent) from exc
        except aiosmtplib.SMTPServerDisconnected as exc:
            await self.close()
            raise MailError(f"disconnected: {exc}", unreachable=True) from exc
        except aiosmtplib.SMTPResponseException as exc:
            await self.close()
            raise MailError(f"{exc.code} {exc.message}", permanent=500 <= exc.code < 600) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self.close()
            raise MailError(f"{type(exc).__name__}: {exc}", unreachable=True) from exc
        log.info("mail sent to=%s subject=%s", mail.to, mail.subject)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        settings = get_settings()
        use_tls = settings.smtp_port == 465
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            use_tls=use_tls,
            start_tls=False if use_tls else settings.smtp_starttls,
            timeout=settings.smtp_timeout,
        )
        try:
            await client.connect()
        except aiosmtplib.SMTPResponseException as exc:
            raise MailError(f"{exc.code} {exc.message}", unreachable=True) from exc
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise MailError(f"cannot connect: {type(exc).__name__}: {exc}", unreachable=True) from exc
        self._client = client
        return client

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if client.is_connected:
                await asyncio.wait_for(client.quit(), 2)
        except Exception:
            client.close()
