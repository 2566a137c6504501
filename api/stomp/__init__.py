"""The STOMP 1.2 server behind ``/ws`` (also speaks 1.1 and 1.0): the API's real-time edge.

One :class:`~api.stomp.session.StompSession` per WebSocket. Like the REST routes, it asks the
services (sessions, users, chat, chat_sending) and never the database itself; it carries frames
with :mod:`withus.realtime` (the codec :mod:`~withus.realtime.stomp_frames`, the process's bus hub
:mod:`~withus.realtime.bus` — never a Redis connection of the session's own — presence, shutdown).

Modules, by concern:

- :mod:`~api.stomp.route` — the WebSocket handshake (Origin check, subprotocol), mounted at ``/ws``;
- :mod:`~api.stomp.config` — limits, timings, destinations, the :class:`~api.stomp.config.Transport`;
- :mod:`~api.stomp.connection` — one connection's state and its output (frames, RECEIPT, ERROR);
- :mod:`~api.stomp.session` — the connection's tasks (reader, ticker, pump) and the frame dispatch;
- :mod:`~api.stomp.commands` — CONNECT, SEND, ACK/NACK, BEGIN/COMMIT/ABORT, DISCONNECT;
- :mod:`~api.stomp.subscriptions` — SUBSCRIBE/UNSUBSCRIBE, presence of room subscriptions;
- :mod:`~api.stomp.delivery` — bus events to MESSAGE frames, a room's gaps filled from the database;
- :mod:`~api.stomp.room_cursor` — each room message once and in ``seq`` order;
- :mod:`~api.stomp.send_queue` — group commit of the SENDs of every connection of the process;
- :mod:`~api.stomp.liveness` — the login sessions' liveness, polled for every connection together.

Protocol, as the STOMP 1.2 specification says:

- The first frame is ``CONNECT`` or ``STOMP`` (heart-beats before it are fine), with the
  access token as ``Authorization: Bearer <token>`` or as ``passcode``. The version is
  the highest common one of ``accept-version`` (none → 1.0; no common one → ERROR with
  ``version:1.0,1.1,1.2``). ``CONNECTED`` carries ``version``, ``heart-beat`` (the server
  offers ``10000,10000``), ``session`` and ``server``.
- Heart-beats: server → client every ``max(sx, cy)`` ms when both are non-zero (a bare
  EOL when nothing else was sent); client → server every ``max(cx, sy)`` ms, and a peer
  silent for twice that plus a grace period is closed (``ERROR message:heartbeat_timeout``).
- Destinations: ``SUBSCRIBE /topic/chat/rooms/{id}`` (participants only, else
  ``ERROR message:forbidden``), ``/user/queue/messages``, ``/user/queue/notifications``;
  ``SEND /app/chat/rooms/{id}`` with ``{"body", "client_msg_id"?}``: stored, then
  delivered everywhere; its ``RECEIPT`` comes only after the message is stored.
- ``MESSAGE``: ``destination``, ``message-id``, ``subscription``,
  ``content-type:application/json`` (plus ``ack`` for ``client``/``client-individual``
  subscriptions), the message or notification JSON as body. Room messages also carry
  ``seq`` and ``room-id`` headers.
- ``ACK``/``NACK``: checked (``id`` in 1.2; ``subscription`` + ``message-id`` in 1.1;
  ``message-id`` in 1.0) and accepted. Delivery from the hub is at most once and
  every message is already stored before it is delivered, so nothing is redelivered:
  a ``NACK`` only says the client did not process it; the client gets it back from
  ``GET /api/chat/rooms/{id}/messages?after_seq=`` (the way every gap is filled).
- ``BEGIN``/``COMMIT``/``ABORT``: ``SEND``/``ACK``/``NACK`` with a ``transaction`` header
  are held until ``COMMIT`` (then processed in order, each ``RECEIPT`` after its
  message is stored) or dropped by ``ABORT``/disconnect.
- ``DISCONNECT``: a ``receipt`` gets its ``RECEIPT``, then the server closes.
- Every fault (malformed frame, frame over 64 KiB, unknown command or destination,
  missing header, bad JSON, too-long body, expired or revoked token, flooding) is an
  ``ERROR`` frame (``message`` = a stable snake_case code, ``receipt-id`` when the frame
  asked for a receipt, the detail in the body), then the connection closes. Nothing a
  client sends can make the server fail; other connections are untouched.

The access token is checked at CONNECT and again (expiry and session revocation) on
every SEND; a revoked session (``session:revoked:{sid}`` on the bus) is closed at once.

Room subscriptions deliver each message once and in ``seq`` order: the subscription
starts at the room's ``last_seq`` when it is made (earlier messages come from REST),
skips a seq it already delivered, holds a message that arrived ahead of a missing one
until that one arrives (or reads the gap from the database after ``hold_seconds``)
and, when the hub reports a gap (it lost Redis for a while), fills it from the database.
``/user/queue/*`` are live feeds without replay.
"""
