"""Test data written straight into a deployment's database and Redis, from a process of its own.

    python -m tests.scaleout.seed '{"users": ["alice", "bob"], "club": {"host": "alice", "members": ["bob"]}}'

run with the deployment's environment (DATABASE_URL, REDIS_URL, JWT_SECRET), prints
JSON: ``{"users": {name: {"id", "access_token", "refresh_token", "session_id"}},
"club_id", "club_room_id", "rooms": {"alice:bob": id}}``. Users get the factories'
cheap password hash (``tests.factories.DEFAULT_PASSWORD``) and a real login session
each; ``sessions`` > 1 gives a user that many (``access_tokens``).
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


async def seed(spec: dict[str, Any]) -> dict[str, Any]:
    from tests.club_factories import add_member, make_club
    from tests.factories import login_pair, make_user
    from withus.db import dispose_engine, session_scope, sessionmaker
    from withus.kv import close_kv
    from withus.models.club import Club
    from withus.models.user import User
    from withus.services import chat_rooms as room_service

    out: dict[str, Any] = {"users": {}, "rooms": {}}
    users: dict[str, User] = {}
    sessions = int(spec.get("sessions", 1))
    async with sessionmaker()() as session:
        for name in spec.get("users", []):
            user = await make_user(session, username=name, nickname=name)
            users[name] = user
            pairs = [await login_pair(user, ip="127.0.0.1") for _ in range(sessions)]
            out["users"][name] = {
                "id": user.id,
                "access_token": pairs[0].access_token,
                "refresh_token": pairs[0].refresh_token,
                "session_id": pairs[0].session_id,
                "access_tokens": [p.access_token for p in pairs],
            }
        club = spec.get("club")
        if club:
            club_id = await make_club(session, host=users[club["host"]], name=club.get("name"))
            for name in club.get("members", []):
                await add_member(session, club_id=club_id, user=users[name])
            out["club_id"] = club_id
    if club:
        async with session_scope() as session:
            row = await session.get(Club, out["club_id"])
            assert row is not None
            out["club_room_id"] = await room_service.club_room_id(session, club=row)
    for a, b in spec.get("rooms", []):
        async with session_scope() as session:
            user = await session.get(User, users[a].id)
            assert user is not None and users[b].id is not None
            room, _ = await room_service.do_open_direct_room(session, user=user, peer_id=users[b].id)
            out["rooms"][f"{a}:{b}"] = room.id
    await close_kv()
    await dispose_engine()
    return out


def run(env: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    """Seed from the test process: a child process with the deployment's environment."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "tests.scaleout.seed", json.dumps(spec)],
        cwd=root,
        env=env,
        capture_output=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{done.stderr.decode()[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(asyncio.run(seed(json.loads(sys.argv[1])))))
