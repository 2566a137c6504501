"""Images in chat: checked by content like avatars, re-encoded without EXIF, stored twice (full
size and thumbnail) under MEDIA_DIR; the message carries ``attachment``; a delete takes the files."""

from __future__ import annotations

import io

import httpx
from PIL import Image
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.factories import auth_headers, make_user
from withus.i18n import t
from withus.models.user import User
from withus.services import images
from withus.settings import get_settings


def _photo(size: tuple[int, int] = (3000, 1000), *, fmt: str = "JPEG") -> bytes:
    img = Image.new("RGB", size, (30, 120, 200))
    meta = Image.Exif()
    meta[0x010F] = "SecretCamera"  # Make
    meta[0x0112] = 6  # Orientation: the camera was turned; shown rotated 90°
    out = io.BytesIO()
    img.save(out, format=fmt, exif=meta.tobytes())
    return out.getvalue()


async def _room(client: httpx.AsyncClient, a: User, b: User) -> int:
    r = await client.post("/api/chat/rooms", json={"user_id": b.id}, headers=await auth_headers(a))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _stored(url: str) -> Image.Image:
    return Image.open(get_settings().media_path / url.removeprefix("/media/"))


async def test_an_image_message_is_reencoded_stripped_and_has_a_thumbnail(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(client, alice, bob)
    headers = await auth_headers(alice)
    files = {"file": ("photo.bin", _photo(), "application/octet-stream")}
    r = await client.post(f"/api/chat/rooms/{room_id}/attachments", headers=headers, files=files)
    assert r.status_code == 201, r.text
    message = r.json()
    assert message["body"] == "" and message["seq"] == 1
    attachment = message["attachment"]
    # Turned upright by its EXIF orientation, then fitted into 2048 px: 1000×3000 -> 683×2048.
    assert (attachment["width"], attachment["height"]) == (683, 2048)
    for url, side in ((attachment["url"], 2048), (attachment["thumbnail_url"], 480)):
        assert url.startswith("/media/chat/") and url.endswith(".webp")
        with _stored(url) as stored:
            assert stored.format == "WEBP" and max(stored.size) == side
            assert not stored.getexif()
        served = await client.get(url)
        assert served.status_code == 200 and served.headers["content-type"] == "image/webp"

    # The history and the other person see the same message.
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", headers=await auth_headers(bob))
    assert r.json()["items"] == [message]
    # An image is not edited: deleted, it takes its files along.
    r = await client.patch(f"/api/chat/messages/{message['id']}", json={"body": "글"}, headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "image_not_editable"
    assert (await client.delete(f"/api/chat/messages/{message['id']}", headers=headers)).status_code == 204
    media = get_settings().media_path
    for url in (attachment["url"], attachment["thumbnail_url"]):
        assert not (media / url.removeprefix("/media/")).exists()
    item = (await client.get(f"/api/chat/rooms/{room_id}/messages", headers=headers)).json()["items"][0]
    assert (item["deleted"], item["attachment"]) == (True, None)


async def test_a_resend_with_the_same_client_msg_id_is_stored_once(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(client, alice, bob)
    headers = await auth_headers(alice)
    before = (
        set((get_settings().media_path / "chat").glob("*")) if (get_settings().media_path / "chat").exists() else set()
    )
    sent = []
    for _ in range(2):
        files = {"file": ("a.png", _photo((300, 200), fmt="PNG"), "image/png")}
        r = await client.post(
            f"/api/chat/rooms/{room_id}/attachments", headers=headers, files=files, data={"client_msg_id": "p-1"}
        )
        sent.append(r)
    assert [r.status_code for r in sent] == [201, 200]
    assert sent[0].json() == sent[1].json()
    after = set((get_settings().media_path / "chat").glob("*")) - before
    assert len(after) == 2  # one image and its thumbnail, no second copy


async def test_what_is_not_an_image_too_large_or_not_my_room_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob, eve = await make_user(session), await make_user(session), await make_user(session)
    room_id = await _room(client, alice, bob)
    headers = await auth_headers(alice)
    url = f"/api/chat/rooms/{room_id}/attachments"
    r = await client.post(url, headers=headers, files={"file": ("x.png", b"not an image\n" * 20, "image/png")})
    assert r.status_code == 400 and r.json()["code"] == "invalid_image"
    big = b"\x89PNG" + b"\x00" * (images.MAX_BYTES + 1)
    r = await client.post(url, headers=headers, files={"file": ("big.png", big, "image/png")})
    assert r.status_code == 413 and r.json()["code"] == "image_too_large"
    r = await client.post(url, headers=headers, data={"note": "no file"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_upload"
    files = {"file": ("a.jpg", _photo(), "image/jpeg")}
    r = await client.post(url, headers=headers, files=files, data={"caption": "the form names no such field"})
    assert r.status_code == 400 and r.json()["code"] == "invalid_upload"
    r = await client.post(url, headers=await auth_headers(eve), files={"file": ("a.jpg", _photo(), "image/jpeg")})
    assert r.status_code == 404 and r.json()["code"] == "room_not_found"
    r = await client.get(f"/api/chat/rooms/{room_id}/messages", headers=headers)
    assert r.json()["items"] == []


async def test_the_notification_of_a_photo_says_photo_in_the_readers_language(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    alice, bob = await make_user(session), await make_user(session)
    room_id = await _room(client, alice, bob)
    files = {"file": ("photo.bin", _photo((40, 30)), "application/octet-stream")}
    r = await client.post(f"/api/chat/rooms/{room_id}/attachments", headers=await auth_headers(alice), files=files)
    assert r.status_code == 201, r.text
    listed = {}
    for lang in ("ko", "en"):
        r = await client.get("/api/notifications", headers={**await auth_headers(bob), "Accept-Language": lang})
        listed[lang] = [n["body"] for n in r.json()["items"] if n["type"] == "chat_message"]
    assert listed == {"ko": [t("chat.photo", "ko")], "en": [t("chat.photo", "en")]}
