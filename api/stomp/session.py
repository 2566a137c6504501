"""One STOMP connection at work: its reader, its ticker (heart-beats, deadlines, refreshes), its
pump (hub events to MESSAGE frames), and the dispatch of each client frame to its command."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable

from api.problems import refused_input
from api.stomp import commands, delivery, subscriptions
from api.stomp.config import BODYLESS
from api.stomp.connection import Closed, Connection, Fault, busy
from api.stomp.send_queue import UNAVAILABLE
from withus.realtime import presence, shutdown
from withus.realtime.bus import ListenerClosed
from withus.realtime.stomp_frames import HEARTBEAT, Frame, StompProtocolError, heartbeat

log = logging.getLogger(__name__)

Command = Callable[[Connection, Frame], Awaitable[None]]

HANDLERS: dict[str, Command] = {
    "SEND": commands.send,
    "SUBSCRIBE": subscriptions.subscribe,
    "UNSUBSCRIBE": subscriptions.unsubscribe,
    "ACK": commands.ack,
    "NACK": commands.ack,
    "BEGIN": commands.begin,
    "COMMIT": commands.commit,
    "ABORT": commands.abort,
    "DISCONNECT": commands.disconnect,
}


class StompSession(Connection):
    """One STOMP connection over one transport, served until it ends (see :mod:`api.stomp`)."""

    async def serve(self) -> None:
        """Run until the peer leaves or the connection is closed; never raises."""
        tasks: list[asyncio.Task[None]] = []
        with shutdown.track():
            try:
                reader = asyncio.create_task(self._reader(), name=f"stomp-reader-{self.session_id}")
                ticker = asyncio.create_task(self._ticker(), name=f"stomp-ticker-{self.session_id}")
                pump = asyncio.create_task(self._pump(), name=f"stomp-pump-{self.session_id}")
                stopper = asyncio.create_task(self._on_shutdown(), name=f"stomp-shutdown-{self.session_id}")
                tasks = [reader, ticker, pump, stopper]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            except Exception:
                log.exception("stomp: session %s failed", self.session_id)
            finally:
                self.closing = True
                for task in tasks:
                    task.cancel()
                for task in tasks:
                    with contextlib.suppress(BaseException):
                        await task
                await subscriptions.drop_all(self)
                with contextlib.suppress(Exception):
                    await self.transport.close(self.close_code)

    async def _reader(self) -> None:
        try:
            while not self.closing:
                data = await self.transport.receive()
                if data is None:
                    return
                self.last_received = time.monotonic()
                try:
                    items = self.parser.feed(data)
                except StompProtocolError as exc:
                    raise Fault(_protocol_code(exc.message), exc.message, exc.receipt_id) from None
                if not self.parser.partial:
                    self.partial_since = None
                elif self.partial_since is None or items:
                    self.partial_since = self.last_received
                for item in items:
                    if self.closing:  # shutting down: a frame not started now is never half done
                        return
                    if item is HEARTBEAT:
                        continue
                    assert isinstance(item, Frame)
                    if not self.bucket.take():
                        raise Fault("rate_limited", "too many frames; slow down", item.get("receipt"))
                    self.busy = True
                    try:
                        await self._handle(item)
                    except UNAVAILABLE as exc:
                        raise busy(exc, item.get("receipt")) from exc
                    finally:
                        self.busy = False
                        self.last_received = time.monotonic()
                    if self.closing:
                        return
        except Fault as fault:
            await self.fail(fault)
        except Closed:
            return
        except Exception as exc:
            if refused_input(exc):  # a value the database cannot take: bad input, not a bug
                log.warning(
                    "stomp: input refused by the database in session %s: %s", self.session_id, type(exc).__name__
                )
                await self.fail(Fault("invalid_input", "a value in the frame is out of range or not text"))
                return
            log.exception("stomp: unexpected error in session %s", self.session_id)
            await self.fail(Fault("internal_error", "the server could not process the frame"))

    async def _ticker(self) -> None:
        """Heart-beats out, silent peers, the CONNECT deadline, presence refresh (session liveness is
        polled for every connection together: :mod:`api.stomp.liveness`)."""
        try:
            try:
                await asyncio.wait_for(self.connected_event.wait(), self.config.connect_timeout)
            except TimeoutError:
                raise Fault("connect_timeout", "no CONNECT frame received in time") from None
            # Each connection starts its periodic refreshes at a random point of the period: a
            # thousand clients that connected together otherwise refresh together, a burst of
            # Redis calls that stalled every delivery (p99 spikes of 80-160 ms at 50-200 msg/s).
            now = time.monotonic()
            last_presence = now - random.uniform(0, presence.REFRESH_INTERVAL)
            while not self.closing:
                await asyncio.sleep(self._tick())
                now = time.monotonic()
                # Early rather than late: the peer may allow little margin (stomp.py: 1.5 x the interval).
                if self.send_interval and now - self.last_sent >= self.send_interval * 0.6:
                    await self.write(heartbeat())
                if self.receive_interval and not self.busy:
                    limit = 2 * self.receive_interval + self.config.heartbeat_grace_ms / 1000
                    if now - self.last_received > limit:
                        raise Fault("heartbeat_timeout", f"no data from the client for {limit:.1f} s")
                # A frame begun and never finished holds the connection whatever the heart-beats say.
                partial_since = self.partial_since
                if partial_since is not None and not self.busy and now - partial_since > self.config.frame_timeout:
                    raise Fault("frame_timeout", f"a frame did not complete within {self.config.frame_timeout:g} s")
                if now - last_presence >= presence.REFRESH_INTERVAL:
                    last_presence = now
                    await subscriptions.refresh_presence(self)
        except Fault as fault:
            await self.fail(fault)
        except Closed:
            return
        except Exception:
            log.exception("stomp: timer failed in session %s", self.session_id)
            await self.fail(Fault("internal_error", "the server could not keep the connection"))

    def _tick(self) -> float:
        """Seconds between the ticker's checks: a fraction of the shortest period it keeps (not a
        fixed second: every connection's ticker waking each second was a thousand wake-ups a second
        per thousand idle connections)."""
        candidates = [
            presence.REFRESH_INTERVAL / 4,
            self.config.frame_timeout / 10,
        ]
        if self.send_interval:
            candidates.append(self.send_interval / 5)
        if self.receive_interval:
            candidates.append(self.receive_interval / 4)
        return max(0.02, min(candidates))

    async def _pump(self) -> None:
        """Hub events → MESSAGE frames (and closing a revoked session)."""
        await self.connected_event.wait()
        listener = self.listener
        assert listener is not None
        try:
            while not self.closing:
                try:
                    channel, data = await listener.get()
                except ListenerClosed as exc:
                    if exc.reason == "overflow":
                        raise Fault("too_slow", "the client does not read its messages fast enough") from None
                    raise Fault("server_shutdown", "the server is shutting down") from None
                await delivery.dispatch(self, channel, data)
        except Fault as fault:
            await self.fail(fault)
        except Closed:
            return
        except Exception:
            log.exception("stomp: delivery failed in session %s", self.session_id)
            await self.fail(Fault("internal_error", "the server could not deliver a message"))

    async def _on_shutdown(self) -> None:
        """The process is shutting down: finish the frame in hand (a SEND is stored and gets its
        RECEIPT), then ERROR ``server_shutdown`` and close with 1012 so the client reconnects."""
        await shutdown.wait()
        deadline = time.monotonic() + shutdown.DRAIN_TIMEOUT - 1
        while self.busy and time.monotonic() < deadline:  # noqa: ASYNC110 (a flag of the reader, polled briefly)
            await asyncio.sleep(0.01)
        self.close_code = 1012
        await self.fail(
            Fault("server_shutdown", "the server is shutting down; reconnect and resend what has no RECEIPT")
        )

    async def _handle(self, frame: Frame) -> None:
        command = frame.command
        if command in ("CONNECT", "STOMP"):
            if self.connected:
                raise Fault("already_connected", "the session is already connected", frame.get("receipt"))
            await commands.connect(self, frame)
            return
        if not self.connected:
            raise Fault("not_connected", f"expected CONNECT or STOMP, got {command}", frame.get("receipt"))
        if command in BODYLESS and frame.body:
            raise Fault("unexpected_body", f"{command} frames must not have a body", frame.get("receipt"))
        tx = frame.get("transaction")
        if command in ("SEND", "ACK", "NACK") and tx is not None:
            commands.hold(self, frame, tx)
            if command != "SEND":
                await self.receipt(frame)
            return
        handler = HANDLERS.get(command)
        if handler is None:  # the parser only lets client commands through
            raise Fault("unknown_command", f"unexpected command {command}", frame.get("receipt"))
        await handler(self, frame)


def _protocol_code(message: str) -> str:
    if message.startswith("frame exceeds"):
        return "frame_too_large"
    if message.startswith("unknown command") or message.startswith("unexpected command"):
        return "unknown_command"
    return "malformed_frame"
