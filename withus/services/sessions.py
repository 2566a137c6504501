"""Login sessions in the KV store (Redis in production), with rotating refresh tokens.

Keys (every one expires with the session, 14 days after its last refresh)::

    sess:{sid}          hash  uid, created_at, user_agent, ip   — the session is alive while this exists
    sess:rt:{jti}       str   sid — the one refresh token of the session that may still be used
    sess:last:{sid}     str   JSON {"jti", "last_used"} — informational, never trusted for auth
    user:sess:{uid}     set   the user's session ids, for logout-all

Rotation is atomic without a lock or a script: the presented refresh token's
key is taken with GETDEL, which exactly one caller can win. A caller that finds
it already gone while the session still exists has presented a spent token —
a replay, possibly by a thief — so the whole session is revoked
(``refresh_token_reused``). The session hash is written once, at login, and
only ever extended (EXPIRE, which cannot recreate a deleted key) or deleted,
so a rotation racing a logout cannot bring a revoked session back.

An access token is accepted while its session hash exists: revocation takes
effect on the next request, not at the token's expiry.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from withus.errors import NotAuthenticated
from withus.kv import get_kv
from withus.models.user import User
from withus.services import tokens
from withus.services.tokens import ACCESS_TTL, REFRESH_TTL, Claims
from withus.settings import get_settings

MAX_USER_AGENT = 200


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    refresh_expires_in: int
    session_id: str
    user_id: int


@dataclass(frozen=True)
class SessionInfo:
    session_id: str
    created_at: float
    last_used: float
    user_agent: str
    ip: str


def _sess(sid: str) -> str:
    return f"sess:{sid}"


def _rt(jti: str) -> str:
    return f"sess:rt:{jti}"


def _last(sid: str) -> str:
    return f"sess:last:{sid}"


def _user_sessions(user_id: int) -> str:
    return f"user:sess:{user_id}"


def refresh_token_reused() -> NotAuthenticated:
    return NotAuthenticated(
        code="refresh_token_reused",
    )


def csrf_token_for(session_id: str) -> str:
    """The CSRF token of a browser session: bound to the session, unguessable without the secret."""
    mac = hmac.new(get_settings().jwt_secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


async def _issue(user_id: int, sid: str) -> TokenPair:
    kv = get_kv()
    jti = tokens.new_id()
    now = int(time.time())
    await kv.set(_rt(jti), sid, ttl=REFRESH_TTL)
    await kv.set(_last(sid), json.dumps({"jti": jti, "last_used": now}), ttl=REFRESH_TTL)
    return TokenPair(
        access_token=tokens.encode(user_id=user_id, session_id=sid, typ="access", now=now),
        refresh_token=tokens.encode(user_id=user_id, session_id=sid, typ="refresh", jti=jti, now=now),
        expires_in=ACCESS_TTL,
        refresh_expires_in=REFRESH_TTL,
        session_id=sid,
        user_id=user_id,
    )


async def create(*, user_id: int, user_agent: str = "", ip: str = "") -> TokenPair:
    """Open a login session and return its first token pair."""
    kv = get_kv()
    sid = tokens.new_id()
    await kv.hset(
        _sess(sid),
        {"uid": str(user_id), "created_at": str(int(time.time())), "user_agent": user_agent[:MAX_USER_AGENT], "ip": ip},
        ttl=REFRESH_TTL,
    )
    await kv.sadd(_user_sessions(user_id), sid, ttl=REFRESH_TTL)
    return await _issue(user_id, sid)


async def rotate(*, refresh_token: str) -> TokenPair:
    """Spend ``refresh_token`` and return a new pair for the same session.

    A spent token revokes the session (``refresh_token_reused``); a revoked or
    expired session answers ``token_revoked`` / ``token_expired``.
    """
    claims = tokens.decode(refresh_token, typ="refresh")
    kv = get_kv()
    owner = await kv.getdel(_rt(claims.jti))
    if owner is None:
        if await kv.exists(_sess(claims.session_id)):
            await revoke(session_id=claims.session_id, user_id=claims.user_id)
            raise refresh_token_reused()
        raise tokens.token_revoked()
    if owner != claims.session_id:  # cannot happen without the secret; refuse anyway
        raise tokens.invalid_token()
    pair = await _issue(claims.user_id, claims.session_id)
    # EXPIRE both extends the session and tells whether it still exists (it cannot recreate it).
    if not await kv.expire(_sess(claims.session_id), REFRESH_TTL):
        await kv.delete(_rt(_jti_of(pair.refresh_token)))
        raise tokens.token_revoked()
    await kv.expire(_user_sessions(claims.user_id), REFRESH_TTL)
    return pair


def _jti_of(refresh_token: str) -> str:
    return tokens.decode(refresh_token, typ="refresh").jti


async def check_access(token: str) -> Claims:
    """The claims of a valid access token whose session is alive; 401 otherwise."""
    claims = tokens.decode(token, typ="access")
    if not await get_kv().exists(_sess(claims.session_id)):
        raise tokens.token_revoked()
    return claims


async def check_refresh(token: str) -> Claims:
    """The claims of a refresh token that is the current one of a live session (no rotation).

    One round trip (every request of a browser login asks): its own key, which a rotation spends,
    and its session's, which a logout deletes. The token's key holds its session's id, written
    with it in :func:`_issue` for the ``jti`` and ``sid`` the signed token names, so that it exists
    says what comparing its value said."""
    claims = tokens.decode(token, typ="refresh")
    current, alive = await get_kv().exists_each([_rt(claims.jti), _sess(claims.session_id)])
    if not (current and alive):
        raise tokens.token_revoked()
    return claims


async def user_from_session_token(session: AsyncSession, *, token: str) -> User | None:
    """The user of a browser session cookie (a refresh token), or None; does not rotate it."""
    try:
        claims = await check_refresh(token)
    except NotAuthenticated:
        return None
    user = await session.get(User, claims.user_id)
    if user is None or user.deleted_at is not None:
        return None
    return user


async def is_alive(session_id: str) -> bool:
    return await get_kv().exists(_sess(session_id))


async def alive_each(session_ids: list[str]) -> list[bool]:
    """:func:`is_alive` for several sessions, in one round trip."""
    return await get_kv().exists_each([_sess(sid) for sid in session_ids])


async def revoke(*, session_id: str, user_id: int | None = None) -> None:
    """End one session: its access and refresh tokens stop working at once."""
    kv = get_kv()
    if user_id is None:
        uid = (await kv.hgetall(_sess(session_id))).get("uid")
        user_id = int(uid) if uid else None
    last = await kv.get(_last(session_id))
    keys = [_sess(session_id), _last(session_id)]
    if last:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            keys.append(_rt(str(json.loads(last)["jti"])))
    await kv.delete(*keys)
    if user_id is not None:
        await kv.srem(_user_sessions(user_id), session_id)
    # Live connections of this session (STOMP at /ws, the SSE stream) listen here and close at once.
    await kv.publish(f"session:revoked:{session_id}", "")


async def revoke_refresh_token(refresh_token: str) -> None:
    """Logout by refresh token: end its session. Expired or already revoked is not an error."""
    try:
        claims = tokens.decode(refresh_token, typ="refresh")
    except NotAuthenticated as exc:
        if exc.code == "token_expired":
            return
        raise
    await revoke(session_id=claims.session_id, user_id=claims.user_id)


async def revoke_all(*, user_id: int, except_session_id: str | None = None) -> int:
    """End every session of a user (but ``except_session_id``); returns how many."""
    kv = get_kv()
    sids = await kv.smembers(_user_sessions(user_id))
    n = 0
    for sid in sids:
        if sid == except_session_id:
            continue
        await revoke(session_id=sid, user_id=user_id)
        n += 1
    return n


async def list_sessions(*, user_id: int) -> list[SessionInfo]:
    """The user's live sessions, most recently used first (stale ids are pruned)."""
    kv = get_kv()
    out: list[SessionInfo] = []
    for sid in await kv.smembers(_user_sessions(user_id)):
        record = await kv.hgetall(_sess(sid))
        if not record:
            await kv.srem(_user_sessions(user_id), sid)
            continue
        created = float(record.get("created_at", "0"))
        last_used = created
        last = await kv.get(_last(sid))
        if last:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                last_used = float(json.loads(last)["last_used"])
        out.append(SessionInfo(sid, created, last_used, record.get("user_agent", ""), record.get("ip", "")))
    out.sort(key=lambda s: s.last_used, reverse=True)
    return out
