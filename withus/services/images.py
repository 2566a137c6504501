"""Uploaded images (avatars, club covers): checked by content, re-encoded, resized.

PNG, JPEG or WebP up to 5 MB, recognised by decoding them (never by name or
declared type); the result is a fresh WebP (metadata dropped) stored under
``settings.media_path/<folder>/`` with a random name, and served at
``/media/<folder>/<name>``.

Decoding is bounded, since a few kilobytes of PNG can describe a huge picture
(a 4.9 KB 1-bit PNG of 6300×6300 once took 0.4 s and left the worker 380 MB
larger for good):

- the size is read from the header before anything is decoded: more than
  ``MAX_PIXELS`` (4096×4096) is refused as ``invalid_image``;
- a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still at least the
  size it will be stored at (``Image.draft``), so a big photo never lands in
  memory whole;
- at most ``MAX_CONCURRENT_DECODES`` images are decoded at once per process
  (the others wait their turn), so a burst cannot multiply the peak.

At these bounds one decode holds at most ~130 MB (4096² RGBA, and its converted
copy) for a fraction of a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import secrets
import warnings
import weakref

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlmodel.ext.asyncio.session import AsyncSession

from withus.db import after_commit
from withus.errors import InvalidInput, TooLarge
from withus.i18n import Msg
from withus.settings import get_settings

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE_PX = 4096
MAX_PIXELS = MAX_SIDE_PX * MAX_SIDE_PX
MAX_CONCURRENT_DECODES = 2
ALLOWED_FORMATS = frozenset({"PNG", "JPEG", "WEBP"})


def too_large() -> TooLarge:
    return TooLarge(code="image_too_large")


def invalid_image() -> InvalidInput:
    return InvalidInput(code="invalid_image")


def too_many_pixels() -> InvalidInput:
    return InvalidInput(Msg("error.image_too_many_pixels", side=MAX_SIDE_PX), code="invalid_image")


def _reencode(content: bytes, max_side: int, square: bool) -> bytes:
    if len(content) > MAX_BYTES:
        raise too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:  # reads the header only
                if probe.format not in ALLOWED_FORMATS:
                    raise invalid_image()
                if probe.width * probe.height > MAX_PIXELS:
                    raise too_many_pixels()
                probe.verify()
            with Image.open(io.BytesIO(content)) as opened:
                if opened.format == "JPEG":
                    opened.draft("RGB", (max_side, max_side))  # each side stays >= max_side
                opened.load()
                img: Image.Image = ImageOps.exif_transpose(opened)
                img = img.convert("RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB")
                if square:
                    side = min(img.width, img.height)
                    img = ImageOps.fit(img, (side, side))
                img.thumbnail((max_side, max_side))
                out = io.BytesIO()
                img.save(out, format="WEBP", quality=85, method=4)
                return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise invalid_image() from None
    except Image.DecompressionBombWarning:
        raise invalid_image() from None


# One semaphore per event loop (a process serves from one loop; tests make many).
_decode_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    slots = _decode_slots.get(loop)
    if slots is None:
        slots = _decode_slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_DECODES)
    return slots


async def reencode(content: bytes, *, max_side: int, square: bool) -> bytes:
    """The checked, re-encoded WebP of an upload; at most MAX_CONCURRENT_DECODES at once."""
    if len(content) > MAX_BYTES:
        raise too_large()
    async with _slots():
        return await asyncio.to_thread(_reencode, content, max_side, square)


async def save_image(content: bytes, *, folder: str, max_side: int = 1024, square: bool = False) -> str:
    """Check, re-encode and store an upload; returns its path relative to the media folder."""
    data = await reencode(content, max_side=max_side, square=square)
    name = f"{folder}/{secrets.token_hex(16)}.webp"
    path = get_settings().media_path / name
    await asyncio.to_thread(_write, path, data)
    return name


async def store_bytes(data: bytes, *, relative: str) -> None:
    """Write already re-encoded bytes at ``relative`` under the media folder."""
    await asyncio.to_thread(_write, get_settings().media_path / relative, data)


def webp_size(data: bytes) -> tuple[int, int]:
    """Width and height of an image this module wrote (its header only)."""
    with Image.open(io.BytesIO(data)) as img:
        return img.width, img.height


def _write(path: object, data: bytes) -> None:
    from pathlib import Path

    assert isinstance(path, Path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def delete_file(relative: str) -> None:
    base = get_settings().media_path.resolve()
    path = (base / relative).resolve()
    if base in path.parents:
        with contextlib.suppress(OSError):
            path.unlink()


def delete_after_commit(session: AsyncSession, relative: str) -> None:
    """Remove a replaced file once the new path is committed."""

    async def _delete() -> None:
        await asyncio.to_thread(delete_file, relative)

    after_commit(session, _delete)
