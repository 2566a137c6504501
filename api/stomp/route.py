"""``/ws``: the WebSocket handshake of the STOMP endpoint; the protocol is in :mod:`api.stomp`.

- ``Origin``, when sent, must be one of ``settings.allowed_origins``; otherwise the
  handshake is refused (HTTP 403) — a page on another site cannot open a chat
  socket with the user's credentials.
- Subprotocols ``v12.stomp``, ``v11.stomp``, ``v10.stomp``: the highest the client
  offers is chosen and echoed; a client that offers none is accepted without one
  (the version is then negotiated by ``CONNECT``'s ``accept-version``).
"""

from __future__ import annotations

import logging

from starlette.websockets import WebSocket, WebSocketDisconnect

from api.locale import browser_locale
from api.stomp.session import StompSession
from withus.settings import get_settings

log = logging.getLogger(__name__)

SUBPROTOCOLS = ("v12.stomp", "v11.stomp", "v10.stomp")


class WebSocketTransport:
    """Bytes in and out of one accepted Starlette WebSocket (text or binary messages)."""

    def __init__(self, websocket: WebSocket) -> None:
        self.websocket = websocket
        self._closed = False

    async def receive(self) -> bytes | None:
        if self._closed:
            return None
        try:
            message = await self.websocket.receive()
        except (WebSocketDisconnect, RuntimeError):
            self._closed = True
            return None
        if message["type"] == "websocket.disconnect":
            self._closed = True
            return None
        if message.get("bytes") is not None:
            data: bytes = message["bytes"]
            return data
        text: str | None = message.get("text")
        return text.encode("utf-8") if text is not None else b""

    async def send(self, data: bytes) -> None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            await self.websocket.send_bytes(data)
        else:
            await self.websocket.send_text(text)

    async def close(self, code: int = 1000) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self.websocket.close(code)
        except Exception:  # already gone
            log.debug("stomp: close after the peer left")


def choose_subprotocol(offered: list[str]) -> str | None:
    for protocol in SUBPROTOCOLS:
        if protocol in offered:
            return protocol
    return None


async def stomp_endpoint(websocket: WebSocket) -> None:
    origin = websocket.headers.get("origin")
    if origin is not None and origin.rstrip("/") not in get_settings().allowed_origins:
        log.info("stomp: handshake from origin %r refused", origin)
        await websocket.close(code=1008)  # before accept: the server answers HTTP 403
        return
    subprotocol = choose_subprotocol(list(websocket.scope.get("subprotocols") or []))
    await websocket.accept(subprotocol=subprotocol)
    client = f"{websocket.client.host}:{websocket.client.port}" if websocket.client else "-"
    session = StompSession(WebSocketTransport(websocket), client=client)
    session.locale = browser_locale(websocket)  # notifications are written in it
    await session.serve()
