"""Reading an image upload (multipart field ``file``) with the body capped before it is parsed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from withus.errors import InvalidInput, TooLarge
from withus.services import images

# The whole multipart body may carry a little more than the file itself.
MAX_UPLOAD_BODY = images.MAX_BYTES + 64 * 1024


async def read_capped(request: Request, limit: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise images.too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise images.too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _receive_once(body: bytes) -> Callable[[], Awaitable[dict[str, object]]]:
    sent = False

    async def receive() -> dict[str, object]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def read_image_upload(request: Request, *, extra_fields: tuple[str, ...] = ()) -> tuple[bytes, dict[str, str]]:
    """The bytes of the ``file`` field (≤ ``images.MAX_BYTES``, else 413) and the named text fields;
    a field of another name is 400 ``invalid_upload``."""
    body = await read_capped(request, MAX_UPLOAD_BODY)
    form_request = Request(request.scope, receive=_receive_once(body))
    try:
        form = await form_request.form(max_files=1, max_fields=5)
    except Exception:  # malformed multipart is bad input, not a server error
        raise InvalidInput(code="invalid_upload") from None
    try:
        upload = form.get("file")
        known = {"file", *extra_fields}
        if upload is None or isinstance(upload, str) or any(name not in known for name in form):
            raise InvalidInput(code="invalid_upload")  # the form's schema names every field
        content = await upload.read(images.MAX_BYTES + 1)
        fields = {name: value for name in extra_fields if isinstance(value := form.get(name), str)}
    finally:
        await form.close()
    if len(content) > images.MAX_BYTES:
        raise TooLarge(code="image_too_large")
    return content, fields
