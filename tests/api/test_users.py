"""Profiles, avatar uploads, password change, account deletion and blocks."""

from __future__ import annotations

import io
import os
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.api.accounts_helpers import PASSWORD, bearer, login
from tests.factories import auth_headers, make_user
from withus.models.user import User
from withus.services import users as user_service
from withus.settings import get_settings

ME = "/api/users/me"


def _image(fmt: str, size: tuple[int, int] = (800, 600), *, exif: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 80, 40))
    out = io.BytesIO()
    if exif:
        meta = Image.Exif()
        meta[0x010F] = "SecretCamera"  # Make
        img.save(out, format=fmt, exif=meta.tobytes())
    else:
        img.save(out, format=fmt)
    return out.getvalue()


def _png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of all-zero rows, compressed as it is written (never held in memory)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" * (1 + (width + 7) // 8)
    z = zlib.compressobj(9)
    block = row * 1000
    idat = b"".join(z.compress(block) for _ in range(height // 1000)) + z.compress(row * (height % 1000)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


async def test_me_is_the_private_view(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session, username="private", email="private@example.com", tags=["축구"])
    r = await client.get(ME, headers=await auth_headers(user))
    assert r.status_code == 200
    body = r.json()
    for key in ("id", "username", "nickname", "email", "introduction", "tags", "avatar_url", "created_at"):
        assert key in body
    assert body["email"] == "private@example.com" and body["tags"] == ["축구"]


async def test_me_needs_login(client: httpx.AsyncClient, stack: object) -> None:
    r = await client.get(ME)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"


async def test_profile_update_trims_and_saves(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    r = await client.patch(
        ME,
        headers=headers,
        json={"nickname": "  새 닉네임 ", "introduction": " 반가워요\r\n", "tags": [" #축구 ", "맛집"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["nickname"] == "새 닉네임" and body["introduction"] == "반가워요" and body["tags"] == ["축구", "맛집"]
    # fields left out stay
    r = await client.patch(ME, headers=headers, json={"tags": []})
    assert r.json()["nickname"] == "새 닉네임" and r.json()["tags"] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"nickname": "x"}, "nickname"),
        ({"nickname": "가" * 21}, "nickname"),
        ({"nickname": "a/b"}, "nickname"),
        ({"introduction": "가" * 301}, "introduction"),
        ({"tags": ["a", "b", "c", "d", "e", "f"]}, "tags"),
        ({"tags": ["가" * 21]}, "tags.0"),
        ({"tags": ["축구", " "]}, "tags.1"),
        ({"tags": ["Soccer", "soccer"]}, "tags.1"),
        ({"tags": "축구"}, "tags"),
    ],
)
async def test_profile_validation_names_the_field(
    client: httpx.AsyncClient, session: AsyncSession, body: dict[str, object], field: str
) -> None:
    user = await make_user(session)
    r = await client.patch(ME, headers=await auth_headers(user), json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == field


async def test_taken_nickname_is_409(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await make_user(session, nickname="먼저온닉")
    user = await make_user(session)
    r = await client.patch(ME, headers=await auth_headers(user), json={"nickname": "먼저온닉"})
    assert r.status_code == 409 and r.json()["code"] == "nickname_taken"


# --- avatar --------------------------------------------------------------------------------------


async def _upload(client: httpx.AsyncClient, headers: dict[str, str], content: bytes, name: str) -> httpx.Response:
    return await client.put(f"{ME}/avatar", headers=headers, files={"file": (name, content, "image/png")})


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
async def test_avatar_is_reencoded_resized_and_stripped(
    client: httpx.AsyncClient, session: AsyncSession, fmt: str
) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    r = await _upload(client, headers, _image(fmt, (1600, 1200), exif=fmt != "PNG"), "photo.bin")
    assert r.status_code == 200, r.text
    url = r.json()["avatar_url"]
    assert url.startswith("/media/avatars/") and url.endswith(".webp")
    path = get_settings().media_path / url.removeprefix("/media/")
    with Image.open(path) as stored:
        assert stored.format == "WEBP"
        assert max(stored.size) <= 512
        assert not stored.getexif()
    served = await client.get(url)
    assert served.status_code == 200 and served.content == path.read_bytes()


async def test_a_new_avatar_replaces_the_old_file(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    first = (await _upload(client, headers, _image("PNG"), "a.png")).json()["avatar_url"]
    second = (await _upload(client, headers, _image("JPEG"), "b.jpg")).json()["avatar_url"]
    media = get_settings().media_path
    assert first != second
    assert not (media / first.removeprefix("/media/")).exists()
    assert (media / second.removeprefix("/media/")).exists()
    r = await client.delete(f"{ME}/avatar", headers=headers)
    assert r.json()["avatar_url"] == "/default-avatar.svg"
    assert not (media / second.removeprefix("/media/")).exists()


async def test_a_text_file_named_png_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await _upload(client, await auth_headers(user), b"this is not an image at all\n" * 10, "evil.png")
    assert r.status_code == 400 and r.json()["code"] == "invalid_image"


async def test_a_gif_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await _upload(client, await auth_headers(user), _image("GIF"), "anim.png")
    assert r.status_code == 400


async def test_an_oversized_upload_is_413(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await _upload(client, await auth_headers(user), os.urandom(5 * 1024 * 1024 + 10), "big.png")
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_a_decompression_bomb_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    bomb = _png_bomb(30_000, 30_000)  # 900 megapixels in a file of about 100 KB
    assert len(bomb) < 1024 * 1024
    r = await _upload(client, await auth_headers(user), bomb, "bomb.png")
    assert r.status_code == 400 and r.json()["code"] == "invalid_image"


async def test_upload_without_a_file_field_is_400(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await client.put(f"{ME}/avatar", headers=await auth_headers(user), data={"other": "x"})
    assert r.status_code == 400


# --- password ------------------------------------------------------------------------------------


async def test_password_change_keeps_this_session_and_ends_the_others(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await make_user(session, username="changer")
    mine = (await login(client, "changer")).json()
    other = (await login(client, "changer")).json()
    r = await client.post(
        f"{ME}/password",
        headers=bearer(mine["access_token"]),
        json={"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(ME, headers=bearer(mine["access_token"]))).status_code == 200
    r = await client.get(ME, headers=bearer(other["access_token"]))
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"
    assert (await login(client, "changer")).status_code == 401
    assert (await login(client, "changer", "a brand new passphrase")).status_code == 200


@pytest.mark.parametrize(
    ("current", "new", "field", "code"),
    [
        ("wrong-password", "a brand new passphrase", "current_password", "wrong_password"),
        (PASSWORD, "password1", "new_password", "validation_failed"),
        (PASSWORD, "short", "new_password", "validation_failed"),
    ],
)
async def test_password_change_errors_name_the_field(
    client: httpx.AsyncClient, session: AsyncSession, current: str, new: str, field: str, code: str
) -> None:
    user = await make_user(session)
    r = await client.post(
        f"{ME}/password", headers=await auth_headers(user), json={"current_password": current, "new_password": new}
    )
    assert r.status_code == 422
    assert r.json()["code"] == code and r.json()["errors"][0]["field"] == field


async def test_wrong_current_password_guesses_are_limited(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    headers = await auth_headers(user)
    body = {"current_password": "guess-guess", "new_password": "a brand new passphrase"}
    for _ in range(user_service.WRONG_PASSWORD_PER_USER):
        assert (await client.post(f"{ME}/password", headers=headers, json=body)).status_code == 422
    r = await client.post(f"{ME}/password", headers=headers, json=body)
    assert r.status_code == 429 and "retry-after" in r.headers


# --- deletion ------------------------------------------------------------------------------------


async def test_account_deletion_anonymises_and_ends_every_session(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_user(session, username="goodbye", email="goodbye@example.com", nickname="떠날사람")
    viewer = await make_user(session)
    pair = (await login(client, "goodbye")).json()
    other = (await login(client, "goodbye")).json()
    seen: list[int] = []

    async def hook(_session: AsyncSession, deleted: User) -> None:
        assert deleted.id is not None
        seen.append(deleted.id)

    user_service.on_account_deleted.append(hook)
    try:
        r = await client.request("DELETE", ME, headers=bearer(pair["access_token"]), json={"password": "wrong-one"})
        assert r.status_code == 422 and r.json()["code"] == "wrong_password"
        assert seen == []
        r = await client.request("DELETE", ME, headers=bearer(pair["access_token"]), json={"password": PASSWORD})
        assert r.status_code == 204
    finally:
        user_service.on_account_deleted.remove(hook)
    assert seen == [user.id]
    for p in (pair, other):
        assert (await client.get(ME, headers=bearer(p["access_token"]))).status_code == 401
    assert (await login(client, "goodbye")).status_code == 401

    r = await client.get(f"/api/users/{user.id}", headers=await auth_headers(viewer))
    assert r.status_code == 200
    assert r.json()["nickname"] == "탈퇴한 회원" and r.json()["avatar_url"] == "/default-avatar.svg"
    # the username, email and nickname are free again
    again = await make_user(session, username="goodbye", email="goodbye@example.com", nickname="떠날사람")
    assert again.id != user.id


async def test_deleting_needs_the_password_field(client: httpx.AsyncClient, session: AsyncSession) -> None:
    user = await make_user(session)
    r = await client.request("DELETE", ME, headers=await auth_headers(user), json={})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"


# --- public profiles -----------------------------------------------------------------------------


async def test_public_profile_has_no_email(client: httpx.AsyncClient, session: AsyncSession) -> None:
    someone = await make_user(session, introduction="안녕하세요", tags=["게임"])
    viewer = await make_user(session)
    r = await client.get(f"/api/users/{someone.id}", headers=await auth_headers(viewer))
    assert r.status_code == 200
    body = r.json()
    assert "email" not in body and "username" not in body
    assert body["nickname"] == someone.nickname and body["introduction"] == "안녕하세요" and body["tags"] == ["게임"]


async def test_public_profile_needs_login_and_an_existing_user(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    viewer = await make_user(session)
    assert (await client.get(f"/api/users/{viewer.id}")).status_code == 401
    r = await client.get("/api/users/999999", headers=await auth_headers(viewer))
    assert r.status_code == 404 and r.json()["code"] == "user_not_found"


# --- blocks --------------------------------------------------------------------------------------


async def test_block_and_unblock_are_idempotent(client: httpx.AsyncClient, session: AsyncSession) -> None:
    me = await make_user(session)
    them = await make_user(session)
    assert me.id is not None and them.id is not None
    headers = await auth_headers(me)
    for _ in range(2):
        assert (await client.post(f"/api/users/{them.id}/block", headers=headers)).status_code == 204
    assert await user_service.is_blocked(session, me.id, them.id)
    assert not await user_service.is_blocked(session, them.id, me.id)
    assert await user_service.blocked_between(session, them.id, me.id)
    assert await user_service.blocked_ids(session, me.id) == {them.id}
    await session.commit()  # end the read transaction (SQLite: it holds the write lock)
    listed = (await client.get(f"{ME}/blocks", headers=headers)).json()
    assert [u["id"] for u in listed["items"]] == [them.id] and listed["next_cursor"] is None
    for _ in range(2):
        assert (await client.delete(f"/api/users/{them.id}/block", headers=headers)).status_code == 204
    assert await user_service.blocked_ids(session, me.id) == set()


async def test_blocking_yourself_or_nobody_is_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    me = await make_user(session)
    headers = await auth_headers(me)
    r = await client.post(f"/api/users/{me.id}/block", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "cannot_block_self"
    assert (await client.post("/api/users/999999/block", headers=headers)).status_code == 404


async def test_grant_admin_makes_a_site_administrator(
    session: AsyncSession, capsys: pytest.CaptureFixture[str]
) -> None:
    from withus.services.admin import grant_admin

    user = await make_user(session, username="future_admin")
    await grant_admin(username="FUTURE_ADMIN")
    assert "is now" in capsys.readouterr().out
    await session.refresh(user)
    assert user.is_admin
    await session.commit()
    with pytest.raises(SystemExit):
        await grant_admin(username="nobody_at_all")


def test_default_avatar_asset_exists() -> None:
    from withus.settings import ROOT

    assert (Path(ROOT) / "assets" / "default-avatar.svg").read_text().startswith("<svg")
