"""STOMP 1.2 frame codec (also speaks 1.0/1.1 header rules): pure Python, no I/O.

Wire format: ``COMMAND EOL *(name ":" value EOL) EOL body NUL *(EOL)``, EOL = [CR] LF.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "ALL_COMMANDS",
    "CLIENT_COMMANDS",
    "HEARTBEAT",
    "SERVER_COMMANDS",
    "SUPPORTED_VERSIONS",
    "Frame",
    "FrameParser",
    "Heartbeat",
    "StompProtocolError",
    "encode",
    "encode_header",
    "error_frame",
    "heartbeat",
    "negotiate_version",
    "parse_heartbeat",
]

SUPPORTED_VERSIONS: tuple[str, ...] = ("1.0", "1.1", "1.2")
CLIENT_COMMANDS: frozenset[str] = frozenset(
    {"SEND", "SUBSCRIBE", "UNSUBSCRIBE", "BEGIN", "COMMIT", "ABORT", "ACK", "NACK", "DISCONNECT", "CONNECT", "STOMP"}
)
SERVER_COMMANDS: frozenset[str] = frozenset({"CONNECTED", "MESSAGE", "RECEIPT", "ERROR"})
ALL_COMMANDS: frozenset[str] = CLIENT_COMMANDS | SERVER_COMMANDS
# Headers of these frames are never escaped (sent before the version is negotiated).
# STOMP is the 1.1+ alias of CONNECT and is treated the same way.
_RAW_HEADER_COMMANDS = frozenset({"CONNECT", "STOMP", "CONNECTED"})

_ESCAPES_11 = {"\\": "\\\\", "\n": "\\n", ":": "\\c"}
_ESCAPES_12 = {**_ESCAPES_11, "\r": "\\r"}
_ENCODE_TABLES = {v: str.maketrans(t) for v, t in (("1.1", _ESCAPES_11), ("1.2", _ESCAPES_12))}
_DECODE_TABLES = {v: {esc[1]: raw for raw, esc in t.items()} for v, t in (("1.1", _ESCAPES_11), ("1.2", _ESCAPES_12))}
_ESCAPE_RE = re.compile(r"\\(.?)", re.DOTALL)
_DIGITS_RE = re.compile(r"[0-9]+")
_HEARTBEAT_RE = re.compile(r"([0-9]+),([0-9]+)")


class StompProtocolError(Exception):
    """Fatal protocol violation; the connection must be closed (after an ERROR frame).

    ``receipt_id`` is the ``receipt`` header of the offending frame, if it could be parsed.
    """

    def __init__(self, message: str, receipt_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.receipt_id = receipt_id


@dataclass
class Frame:
    """One STOMP frame; ``headers`` keeps wire order and repeats."""

    command: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str, default: str | None = None) -> str | None:
        """Value of the first ``name`` header (the spec says the first one wins)."""
        for key, value in self.headers:
            if key == name:
                return value
        return default


@dataclass(frozen=True)
class Heartbeat:
    """Marker for a bare EOL received between frames (proof of liveness)."""


HEARTBEAT = Heartbeat()


def _check_version(version: str) -> str:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported STOMP version {version!r}")
    return version


def heartbeat() -> bytes:
    """The bytes of one heart-beat."""
    return b"\n"


def _encode_header_part(text: str, version: str, escape: bool, is_name: bool) -> str:
    if "\0" in text:
        raise ValueError(f"NUL is not allowed in a header: {text!r}")
    if escape and version != "1.0":
        text = text.translate(_ENCODE_TABLES[version])
    if "\n" in text or "\r" in text or (is_name and ":" in text) or (is_name and not text):
        raise ValueError(f"header {'name' if is_name else 'value'} {text!r} cannot be encoded")
    return text


def encode_header(name: str, value: str, *, version: str = "1.2") -> bytes:
    """One header line (``name:value`` and EOL) of a frame whose headers are escaped (any but
    CONNECT, STOMP and CONNECTED), as :func:`encode` writes it: for the parts of a frame encoded
    once and sent many times (:mod:`api.stomp.delivery`)."""
    return (
        _encode_header_part(name, version, True, True) + ":" + _encode_header_part(value, version, True, False) + "\n"
    ).encode()


def encode(frame: Frame, *, version: str = "1.2") -> bytes:
    """Serialize ``frame``; adds ``content-length`` for a non-empty body unless present.

    Raises ValueError for an unknown command, a wrong ``content-length`` or a header
    that cannot be represented (e.g. a newline in a CONNECT header or in 1.0).
    """
    _check_version(version)
    if frame.command not in ALL_COMMANDS:
        raise ValueError(f"unknown STOMP command {frame.command!r}")
    headers = list(frame.headers)
    length = frame.get("content-length")
    if length is None:
        if frame.body:
            headers.append(("content-length", str(len(frame.body))))
    elif not _DIGITS_RE.fullmatch(length) or int(length) != len(frame.body):
        raise ValueError(f"content-length {length!r} does not match body of {len(frame.body)} bytes")
    escape = frame.command not in _RAW_HEADER_COMMANDS
    lines = [frame.command]
    for name, value in headers:
        lines.append(
            _encode_header_part(name, version, escape, True) + ":" + _encode_header_part(value, version, escape, False)
        )
    return ("\n".join(lines) + "\n\n").encode() + frame.body + b"\0"


def parse_heartbeat(value: str) -> tuple[int, int]:
    """Parse a ``heart-beat`` header ``"cx,cy"`` (non-negative integers, in ms)."""
    match = _HEARTBEAT_RE.fullmatch(value)
    if match is None:
        raise StompProtocolError(f"invalid heart-beat header {value!r}, expected 'cx,cy'")
    return int(match.group(1)), int(match.group(2))


def negotiate_version(accept_version: str | None) -> str | None:
    """Highest version in ``accept-version`` we support; 1.0 if absent, None if none."""
    if accept_version is None:
        return "1.0"
    offered = {item.strip() for item in accept_version.split(",")}
    for version in reversed(SUPPORTED_VERSIONS):
        if version in offered:
            return version
    return None


def error_frame(message: str, *, detail: str | None = None, receipt_id: str | None = None) -> Frame:
    """An ERROR frame; ``message`` is flattened to one line so any version can encode it."""
    headers = [("message", " ".join(message.replace("\0", " ").split())), ("content-type", "text/plain")]
    if receipt_id is not None:
        headers.append(("receipt-id", receipt_id))
    return Frame("ERROR", headers, (detail or "").encode())


class FrameParser:
    """Incremental parser: ``feed()`` bytes, get complete frames and heart-beats back.

    ``max_frame_size`` bounds command + headers + body (NUL excluded); it is enforced as
    soon as it is exceeded, so at most one chunk past the limit is ever buffered.
    Any violation raises StompProtocolError; the parser is then unusable (every later
    ``feed`` raises) and the connection must be closed. Frames completed earlier in the
    same ``feed`` call are discarded with it. ``version`` may be changed after negotiation.
    """

    def __init__(
        self,
        max_frame_size: int = 65536,
        version: str = "1.2",
        commands: Iterable[str] = CLIENT_COMMANDS,
    ) -> None:
        self.max_frame_size = max_frame_size
        self.version = version
        self.commands = frozenset(commands)
        if not self.commands <= ALL_COMMANDS:
            raise ValueError(f"unknown commands {sorted(self.commands - ALL_COMMANDS)}")
        self._buf = bytearray()
        self._failed = False
        self._reset()

    @property
    def partial(self) -> bool:
        """Whether bytes of a frame that has not completed yet are buffered."""
        return bool(self._buf) and not self._failed

    @property
    def version(self) -> str:
        """Protocol version used for header unescaping."""
        return self._version

    @version.setter
    def version(self, value: str) -> None:
        self._version = _check_version(value)

    def _reset(self) -> None:
        self._scan = 0  # where to resume searching for LF / NUL
        self._line_start = 0
        self._frame: Frame | None = None  # parsed head while waiting for the body
        self._body_start = 0
        self._length: int | None = None

    def feed(self, data: bytes) -> list[Frame | Heartbeat]:
        """Consume ``data``; return the frames and heart-beats completed so far."""
        if self._failed:
            raise StompProtocolError("parser is closed after a protocol error")
        self._buf += data
        out: list[Frame | Heartbeat] = []
        try:
            while (item := self._next()) is not None:
                out.append(item)
        except StompProtocolError:
            self._failed = True
            self._buf.clear()
            raise
        return out

    def _next(self) -> Frame | Heartbeat | None:
        buf = self._buf
        if self._frame is None:
            if buf[:1] == b"\n" or buf[:2] == b"\r\n":
                del buf[: 1 if buf[0] == 0x0A else 2]
                return HEARTBEAT
            if not buf or buf == b"\r":
                return None
            if buf[0] == 0x0D:
                raise StompProtocolError("CR not followed by LF between frames")
            end = self._header_end()
            if end is None:
                return None
            self._parse_head(bytes(buf[:end]))
            self._body_start = self._scan = end
        return self._body()

    def _too_large(self, receipt_id: str | None = None) -> StompProtocolError:
        return StompProtocolError(f"frame exceeds {self.max_frame_size} bytes", receipt_id)

    def _header_end(self) -> int | None:
        """Offset just past the blank line ending the headers, or None if not buffered yet."""
        buf = self._buf
        while True:
            nl = buf.find(b"\n", self._scan)
            stop = len(buf) if nl < 0 else nl
            if buf.find(b"\0", self._scan, stop) >= 0:
                raise StompProtocolError("NUL in frame headers (missing blank line after headers?)")
            if nl < 0:
                self._scan = len(buf)
                if len(buf) > self.max_frame_size:
                    raise self._too_large()
                return None
            if nl + 1 > self.max_frame_size:
                raise self._too_large()
            blank = nl - self._line_start == 0 or (nl - self._line_start == 1 and buf[nl - 1] == 0x0D)
            self._scan = self._line_start = nl + 1
            if blank:
                return nl + 1

    def _parse_head(self, head: bytes) -> None:
        lines = [line[:-1] if line.endswith(b"\r") else line for line in head.split(b"\n")[:-2]]
        error: str | None = None
        try:
            command = lines[0].decode("utf-8")
        except UnicodeDecodeError:
            command = lines[0].decode("utf-8", "replace")
        unescape = self.version != "1.0" and command not in _RAW_HEADER_COMMANDS
        headers: list[tuple[str, str]] = []
        for raw in lines[1:]:
            try:
                headers.append(self._parse_header(raw, unescape))
            except StompProtocolError as exc:
                error = error or exc.message
        frame = Frame(command, headers)
        receipt = frame.get("receipt")
        if command not in self.commands:  # reported before any header error
            kind = "unknown" if command not in ALL_COMMANDS else "unexpected"
            error = f"{kind} command {command!r} (expected one of {', '.join(sorted(self.commands))})"
        if error is not None:
            raise StompProtocolError(error, receipt)
        length = frame.get("content-length")
        if length is not None:
            if not _DIGITS_RE.fullmatch(length):
                raise StompProtocolError(f"invalid content-length {length!r}", receipt)
            self._length = int(length)
            if len(head) + self._length > self.max_frame_size:
                raise self._too_large(receipt)
        self._frame = frame

    def _parse_header(self, raw: bytes, unescape: bool) -> tuple[str, str]:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise StompProtocolError(f"header is not valid UTF-8: {raw!r}") from None
        name, colon, value = line.partition(":")
        if not colon:
            raise StompProtocolError(f"header line without ':': {line!r}")
        if not name:
            raise StompProtocolError(f"empty header name: {line!r}")
        if unescape:
            return self._unescape(name), self._unescape(value)
        return name, value

    def _unescape(self, text: str) -> str:
        if "\\" not in text:
            return text
        table = _DECODE_TABLES[self.version]

        def replace(match: re.Match[str]) -> str:
            if match.group(1) not in table:  # also "" for a trailing backslash
                raise StompProtocolError(f"undefined escape sequence {match.group(0)!r} in header")
            return table[match.group(1)]

        return _ESCAPE_RE.sub(replace, text)

    def _body(self) -> Frame | None:
        buf, frame = self._buf, self._frame
        assert frame is not None
        receipt = frame.get("receipt")
        if self._length is not None:
            end = self._body_start + self._length
            if len(buf) <= end:
                return None
            if buf[end] != 0:
                raise StompProtocolError("frame body not terminated by NUL after content-length bytes", receipt)
        else:
            end = buf.find(b"\0", self._scan)
            if end < 0:
                self._scan = len(buf)
                if len(buf) > self.max_frame_size:
                    raise self._too_large(receipt)
                return None
            if end > self.max_frame_size:
                raise self._too_large(receipt)
        frame.body = bytes(buf[self._body_start : end])
        del buf[: end + 1]
        self._reset()
        return frame
