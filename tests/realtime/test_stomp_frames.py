"""Tests for the STOMP 1.2 frame codec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from withus.realtime.stomp_frames import (
    ALL_COMMANDS,
    CLIENT_COMMANDS,
    HEARTBEAT,
    SERVER_COMMANDS,
    Frame,
    FrameParser,
    Heartbeat,
    StompProtocolError,
    encode,
    error_frame,
    heartbeat,
    negotiate_version,
    parse_heartbeat,
)

RAW_COMMANDS = {"CONNECT", "STOMP", "CONNECTED"}


def parse_all(data: bytes, **kwargs: object) -> list[Frame | Heartbeat]:
    return FrameParser(**kwargs).feed(data)  # type: ignore[arg-type]


def frames_only(items: list[Frame | Heartbeat]) -> list[Frame]:
    return [item for item in items if isinstance(item, Frame)]


def parse_error(data: bytes, **kwargs: object) -> StompProtocolError:
    with pytest.raises(StompProtocolError) as info:
        parse_all(data, **kwargs)
    return info.value


# --- hypothesis strategies -------------------------------------------------

_chars = st.one_of(
    st.sampled_from(list(":\n\r\\ \t한국어채팅방")),
    st.characters(codec="utf-8", exclude_characters="\0"),
)


@st.composite
def frames(draw: st.DrawFn, version: str = "1.2") -> Frame:
    command = draw(st.sampled_from(sorted(ALL_COMMANDS)))
    forbidden = ""
    if command in RAW_COMMANDS or version == "1.0":
        forbidden = "\n\r"
    elif version == "1.1":
        forbidden = "\r"
    alphabet = _chars.filter(lambda c: c not in forbidden)
    raw_names = command in RAW_COMMANDS or version == "1.0"
    names = st.text(alphabet, min_size=1, max_size=12).filter(
        lambda n: n != "content-length" and not (raw_names and ":" in n)
    )
    headers = draw(st.lists(st.tuples(names, st.text(alphabet, max_size=20)), max_size=6))
    body = draw(st.binary(max_size=200) | st.sampled_from([b"", b"\0", b"a\0b\0", "안녕".encode()]))
    return Frame(command, headers, body)


def expected(frame: Frame) -> Frame:
    headers = list(frame.headers)
    if frame.body:
        headers.append(("content-length", str(len(frame.body))))
    return Frame(frame.command, headers, frame.body)


def split(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts} | {0, len(data)})
    return [data[a:b] for a, b in zip(points, points[1:])]


# --- round trips -----------------------------------------------------------


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(frames(), st.lists(st.sampled_from([b"\n", b"\r\n"]), max_size=3)), max_size=5),
    st.lists(st.integers(min_value=0), max_size=30),
)
def test_random_frames_round_trip_through_random_splits(
    items: list[tuple[Frame, list[bytes]]], cuts: list[int]
) -> None:
    wire = b"".join(encode(frame) + b"".join(eols) for frame, eols in items)
    parser = FrameParser(max_frame_size=1 << 20, commands=ALL_COMMANDS)
    got: list[Frame | Heartbeat] = []
    for chunk in split(wire, cuts):
        got.extend(parser.feed(chunk))
    want: list[Frame | Heartbeat] = []
    for frame, eols in items:
        want.append(expected(frame))
        want.extend(HEARTBEAT for _ in eols)
    assert got == want


@pytest.mark.parametrize("version", ["1.0", "1.1"])
@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_random_frames_round_trip_in_older_versions(version: str, data: st.DataObject) -> None:
    frame = data.draw(frames(version))
    parser = FrameParser(version=version, commands=ALL_COMMANDS)
    assert parser.feed(encode(frame, version=version)) == [expected(frame)]


@settings(max_examples=50, deadline=None)
@given(frames())
def test_frame_fed_one_byte_at_a_time_round_trips(frame: Frame) -> None:
    parser = FrameParser(commands=ALL_COMMANDS)
    got: list[Frame | Heartbeat] = []
    for byte in encode(frame):
        got.extend(parser.feed(bytes([byte])))
    assert got == [expected(frame)]


# --- parsing ---------------------------------------------------------------


def test_several_frames_in_one_chunk() -> None:
    wire = encode(Frame("SEND", [("destination", "/a")], b"1")) + encode(Frame("ACK", [("id", "7")]))
    wire += b"DISCONNECT\nreceipt:77\n\n\0"
    got = frames_only(parse_all(wire))
    assert [f.command for f in got] == ["SEND", "ACK", "DISCONNECT"]
    assert got[0].body == b"1" and got[2].get("receipt") == "77"


def test_heartbeats_between_frames_are_reported() -> None:
    wire = b"\n\r\n" + encode(Frame("BEGIN", [("transaction", "t")])) + b"\n\n" + b"\r\n"
    got = parse_all(wire)
    assert got[:2] == [HEARTBEAT, HEARTBEAT]
    assert isinstance(got[2], Frame) and got[2].command == "BEGIN"
    assert got[3:] == [HEARTBEAT] * 3


def test_heartbeat_split_between_cr_and_lf() -> None:
    parser = FrameParser()
    assert parser.feed(b"\r") == []
    assert parser.feed(b"\n") == [HEARTBEAT]


def test_crlf_line_endings() -> None:
    [frame] = parse_all(b"SEND\r\ndestination:/q\r\nx:a\\rb\r\n\r\nhi\0")
    assert frame == Frame("SEND", [("destination", "/q"), ("x", "a\rb")], b"hi")


def test_content_length_body_may_contain_nul() -> None:
    [frame] = parse_all(b"SEND\ndestination:/a\ncontent-length:5\n\na\0b\0c\0")
    assert isinstance(frame, Frame) and frame.body == b"a\0b\0c"


def test_body_without_content_length_ends_at_first_nul() -> None:
    got = frames_only(parse_all(b"SEND\n\nab\0SEND\n\ncd\0"))
    assert [f.body for f in got] == [b"ab", b"cd"]


def test_repeated_headers_are_kept_and_first_one_wins() -> None:
    [frame] = parse_all(b"SEND\nfoo:first\nfoo:second\n\n\0")
    assert isinstance(frame, Frame)
    assert frame.headers == [("foo", "first"), ("foo", "second")]
    assert frame.get("foo") == "first" and frame.get("bar") is None and frame.get("bar", "d") == "d"


def test_header_values_are_unescaped_and_whitespace_kept() -> None:
    [frame] = parse_all(b"SEND\na\\cb: x\\\\y\\nz \n\n\0")
    assert isinstance(frame, Frame) and frame.headers == [("a:b", " x\\y\nz ")]


def test_value_colons_after_the_first_are_kept() -> None:
    [frame] = parse_all(b"SEND\nurl:http://x\n\n\0")
    assert isinstance(frame, Frame) and frame.get("url") == "http://x"


def test_korean_headers_and_body() -> None:
    frame = Frame("SEND", [("destination", "/topic/채팅"), ("제목", "안녕:하세요")], "반가워요".encode())
    assert parse_all(encode(frame)) == [expected(frame)]


def test_connect_headers_are_not_unescaped() -> None:
    [frame] = parse_all(b"CONNECT\nlogin:a\\tb\\c\npasscode:x:y\\n\n\n\0")
    assert isinstance(frame, Frame)
    assert frame.headers == [("login", "a\\tb\\c"), ("passcode", "x:y\\n")]


def test_stomp_and_connected_headers_are_not_unescaped() -> None:
    [frame] = parse_all(b"STOMP\nlogin:a\\c\n\n\0")
    assert isinstance(frame, Frame) and frame.get("login") == "a\\c"
    [frame] = parse_all(b"CONNECTED\nserver:x\\y\n\n\0", commands=SERVER_COMMANDS)
    assert isinstance(frame, Frame) and frame.get("server") == "x\\y"


def test_version_1_0_does_not_unescape() -> None:
    [frame] = parse_all(b"SEND\na:b\\tc\n\n\0", version="1.0")
    assert isinstance(frame, Frame) and frame.get("a") == "b\\tc"


def test_version_can_change_after_negotiation() -> None:
    parser = FrameParser(version="1.0")
    parser.feed(b"CONNECT\naccept-version:1.2\n\n\0")
    parser.version = "1.2"
    [frame] = parser.feed(b"SEND\na:x\\cy\n\n\0")
    assert isinstance(frame, Frame) and frame.get("a") == "x:y"
    with pytest.raises(ValueError):
        parser.version = "2.0"


def test_server_frames_parse_when_allowed() -> None:
    wire = encode(Frame("MESSAGE", [("subscription", "0"), ("message-id", "1")], b"x"))
    [frame] = parse_all(wire, commands=SERVER_COMMANDS)
    assert isinstance(frame, Frame) and frame.command == "MESSAGE"


# --- errors ----------------------------------------------------------------


def test_unknown_command_is_an_error_with_clear_message() -> None:
    err = parse_error(b"HELLO\nreceipt:r1\n\n\0")
    assert "unknown command 'HELLO'" in err.message and err.receipt_id == "r1"


def test_server_command_from_client_is_rejected() -> None:
    err = parse_error(b"MESSAGE\n\n\0")
    assert "'MESSAGE'" in err.message and err.receipt_id is None


def test_client_command_rejected_by_server_frame_parser() -> None:
    assert "'SEND'" in parse_error(b"SEND\n\n\0", commands=SERVER_COMMANDS).message


def test_header_without_colon_is_an_error_with_receipt() -> None:
    err = parse_error(b"SEND\nreceipt:r2\nnocolon\n\n\0")
    assert "without ':'" in err.message and err.receipt_id == "r2"


def test_empty_header_name_is_an_error() -> None:
    assert "empty header name" in parse_error(b"SEND\n:value\n\n\0").message


@pytest.mark.parametrize("escape", [b"\\t", b"\\a", b"\\", b"\\ "])
def test_undefined_escape_is_an_error(escape: bytes) -> None:
    err = parse_error(b"SEND\nreceipt:r3\nx:a" + escape + b"\n\n\0")
    assert "escape" in err.message and err.receipt_id == "r3"


def test_cr_escape_is_undefined_in_1_1() -> None:
    assert "escape" in parse_error(b"SEND\nx:a\\r\n\n\0", version="1.1").message


def test_bad_escape_in_receipt_itself_gives_no_receipt_id() -> None:
    assert parse_error(b"SEND\nreceipt:a\\t\n\n\0").receipt_id is None


@pytest.mark.parametrize("raw", [b"x:\xff\xfe", b"\xc3:v", b"x:\xed\xa0\x80"])
def test_invalid_utf8_in_header_is_an_error(raw: bytes) -> None:
    err = parse_error(b"SEND\nreceipt:r4\n" + raw + b"\n\n\0")
    assert "UTF-8" in err.message and err.receipt_id == "r4"


def test_invalid_utf8_command_is_an_error() -> None:
    assert "command" in parse_error(b"SE\xffND\n\n\0").message


@pytest.mark.parametrize("value", [b"-1", b"abc", b"+5", b" 5", b"5 ", b"", b"1_0", "\u0663".encode()])
def test_bad_content_length_is_an_error_with_receipt(value: bytes) -> None:
    err = parse_error(b"SEND\nreceipt:r5\ncontent-length:" + value + b"\n\nhello\0")
    assert "content-length" in err.message and err.receipt_id == "r5"


def test_missing_nul_after_content_length_body_is_an_error() -> None:
    err = parse_error(b"SEND\nreceipt:r6\ncontent-length:2\n\nabc\0")
    assert "NUL" in err.message and err.receipt_id == "r6"


def test_missing_blank_line_after_headers_is_an_error() -> None:
    assert "NUL" in parse_error(b"SEND\ndestination:/a\0").message


def test_lone_cr_between_frames_is_an_error() -> None:
    assert "CR" in parse_error(b"\rSEND\n\n\0").message


def test_parser_is_unusable_after_an_error() -> None:
    parser = FrameParser()
    with pytest.raises(StompProtocolError):
        parser.feed(b"BOGUS\n\n\0")
    with pytest.raises(StompProtocolError, match="closed"):
        parser.feed(b"SEND\n\n\0")


# --- size limit ------------------------------------------------------------


def test_frame_exactly_at_size_limit_is_accepted() -> None:
    head = b"SEND\n\n"
    [frame] = parse_all(head + b"x" * (100 - len(head)) + b"\0", max_frame_size=100)
    assert isinstance(frame, Frame) and len(frame.body) == 100 - len(head)


def test_frame_one_byte_over_size_limit_is_rejected() -> None:
    head = b"SEND\n\n"
    assert "exceeds" in parse_error(head + b"x" * (101 - len(head)) + b"\0", max_frame_size=100).message


def test_endless_headers_are_rejected_as_soon_as_limit_is_passed() -> None:
    parser = FrameParser(max_frame_size=1000)
    parser.feed(b"SEND\n")
    fed = 5
    with pytest.raises(StompProtocolError, match="exceeds"):
        while fed <= 1000:
            parser.feed(b"h" * 10)
            fed += 10
    assert fed <= 1010
    assert len(parser._buf) == 0


def test_endless_body_without_content_length_is_rejected_early_with_receipt() -> None:
    parser = FrameParser(max_frame_size=1000)
    parser.feed(b"SEND\nreceipt:r7\n\n")
    with pytest.raises(StompProtocolError) as info:
        for _ in range(200):
            parser.feed(b"b" * 10)
    assert info.value.receipt_id == "r7"


def test_oversized_content_length_is_rejected_before_body_arrives() -> None:
    err = parse_error(b"SEND\nreceipt:r8\ncontent-length:5000\n\n", max_frame_size=1000)
    assert "exceeds" in err.message and err.receipt_id == "r8"


# --- encoding --------------------------------------------------------------


def test_encode_adds_content_length_and_nul() -> None:
    assert encode(Frame("SEND", [("destination", "/a")], b"hi")) == (b"SEND\ndestination:/a\ncontent-length:2\n\nhi\0")
    assert encode(Frame("ACK", [("id", "1")])) == b"ACK\nid:1\n\n\0"


def test_encode_keeps_existing_content_length_and_rejects_a_wrong_one() -> None:
    assert encode(Frame("SEND", [("content-length", "2")], b"hi")).count(b"content-length") == 1
    with pytest.raises(ValueError):
        encode(Frame("SEND", [("content-length", "3")], b"hi"))


def test_encode_escapes_headers_per_version() -> None:
    frame = Frame("MESSAGE", [("a:b", "c\\d\ne\rf")])
    assert encode(frame) == b"MESSAGE\na\\cb:c\\\\d\\ne\\rf\n\n\0"
    with pytest.raises(ValueError):  # CR cannot be represented in 1.1
        encode(frame, version="1.1")
    assert encode(Frame("MESSAGE", [("a:b", "c\\d\ne")]), version="1.1") == b"MESSAGE\na\\cb:c\\\\d\\ne\n\n\0"
    assert encode(Frame("MESSAGE", [("a", "b:c\\")]), version="1.0") == b"MESSAGE\na:b:c\\\n\n\0"


def test_encode_does_not_escape_connect_headers() -> None:
    assert encode(Frame("CONNECT", [("passcode", "a:b\\c")])) == b"CONNECT\npasscode:a:b\\c\n\n\0"
    assert encode(Frame("CONNECTED", [("version", "1.2")])) == b"CONNECTED\nversion:1.2\n\n\0"


@pytest.mark.parametrize(
    "frame",
    [
        Frame("CONNECT", [("login", "a\nb")]),
        Frame("CONNECT", [("lo:gin", "a")]),
        Frame("SEND", [("x", "a\0b")]),
        Frame("SEND", [("", "a")]),
        Frame("BOGUS"),
    ],
)
def test_encode_rejects_unrepresentable_frames(frame: Frame) -> None:
    with pytest.raises(ValueError):
        encode(frame)


def test_heartbeat_is_a_newline() -> None:
    assert heartbeat() == b"\n"
    assert parse_all(heartbeat()) == [HEARTBEAT]


# --- server helpers --------------------------------------------------------


def test_parse_heartbeat() -> None:
    assert parse_heartbeat("0,0") == (0, 0)
    assert parse_heartbeat("10000,5000") == (10000, 5000)


@pytest.mark.parametrize("value", ["", "1", "1,", ",1", "-1,0", "1, 2", "a,b", "1,2,3", "1.5,2"])
def test_parse_heartbeat_rejects_malformed_values(value: str) -> None:
    with pytest.raises(StompProtocolError):
        parse_heartbeat(value)


@pytest.mark.parametrize(
    ("header", "version"),
    [
        (None, "1.0"),
        ("1.0", "1.0"),
        ("1.1,1.0", "1.1"),
        ("1.0,1.2,1.1", "1.2"),
        ("1.2, 2.0", "1.2"),
        ("2.0", None),
        ("", None),
    ],
)
def test_negotiate_version(header: str | None, version: str | None) -> None:
    assert negotiate_version(header) == version


def test_error_frame_has_message_receipt_id_and_text_body() -> None:
    frame = error_frame("bad\nframe", detail="상세 내용", receipt_id="r9")
    assert frame.command == "ERROR"
    assert frame.get("message") == "bad frame"
    assert frame.get("content-type") == "text/plain"
    assert frame.get("receipt-id") == "r9"
    assert frame.body == "상세 내용".encode()
    for version in ("1.0", "1.1", "1.2"):
        assert parse_all(encode(frame, version=version), commands=SERVER_COMMANDS, version=version) == [expected(frame)]


def test_error_frame_without_receipt_or_detail() -> None:
    frame = error_frame("oops")
    assert frame.get("receipt-id") is None and frame.body == b""


def test_command_sets() -> None:
    assert CLIENT_COMMANDS.isdisjoint(SERVER_COMMANDS)
    assert len(CLIENT_COMMANDS) == 11 and len(SERVER_COMMANDS) == 4


def test_decode_json_refuses_a_lone_surrogate_only() -> None:
    from withus.realtime.stomp_json import decode_json

    with pytest.raises(ValueError):
        decode_json(b'{"body": "a\\ud800"}')
    with pytest.raises(ValueError):
        decode_json(b'{"body": ["x", {"\\udfff": 1}]}')
    assert decode_json(b'{"body": "\\ud83d\\ude00"}') == {"body": "\U0001f600"}  # a pair is one character
    assert decode_json('{"body": "안녕 😀"}'.encode()) == {"body": "안녕 😀"}
