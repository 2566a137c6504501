"""GET /api/users?q=: people by nickname, prefix matches first, pages, blocked people and deleted
accounts left out, bad queries refused (never a 500)."""

from __future__ import annotations

import importlib.util
import random
import secrets

import httpx
import pytest
from sqlalchemy import text
from sqlmodel.ext.asyncio.session import AsyncSession

from tests.conftest import Stack
from tests.factories import DEFAULT_PASSWORD, auth_headers, make_user
from withus.models.base import utcnow
from withus.models.block import UserBlock
from withus.models.user import User
from withus.services import people_search, people_search_pairs
from withus.settings import ROOT


async def test_people_are_found_by_nickname_prefix_first_and_paged(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    tag = secrets.token_hex(2)
    me = await make_user(session, nickname=f"나{tag}")
    starts = [await make_user(session, nickname=f"{tag}달리기{i}") for i in range(3)]
    inside = await make_user(session, nickname=f"가{tag}수영")
    await make_user(session, nickname=f"무관{secrets.token_hex(2)}")
    h = await auth_headers(me)

    r = await client.get("/api/users", params={"q": tag, "limit": 2}, headers=h)
    assert r.status_code == 200, r.text
    page = r.json()
    assert [u["id"] for u in page["items"]] == [starts[0].id, starts[1].id]
    assert set(page["items"][0]) >= {"id", "nickname", "avatar_url", "introduction"} and "email" not in page["items"][0]
    r = await client.get("/api/users", params={"q": tag, "limit": 2, "cursor": page["next_cursor"]}, headers=h)
    rest = r.json()
    assert [u["id"] for u in rest["items"]] == [starts[2].id, inside.id] and rest["next_cursor"] is None
    # Case-insensitive, and LIKE's wildcards are plain characters.
    r = await client.get("/api/users", params={"q": tag.upper()}, headers=h)
    assert len(r.json()["items"]) == 4
    assert (await client.get("/api/users", params={"q": "%%"}, headers=h)).json()["items"] == []


async def test_blocked_people_either_way_and_deleted_accounts_are_left_out(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    tag = secrets.token_hex(2)
    me = await make_user(session, nickname=f"{tag}나")
    friend = await make_user(session, nickname=f"{tag}친구")
    blocked_by_me = await make_user(session, nickname=f"{tag}차단")
    blocks_me = await make_user(session, nickname=f"{tag}싫어")
    gone = await make_user(session, nickname=f"{tag}탈퇴")
    h = await auth_headers(me)
    assert (await client.post(f"/api/users/{blocked_by_me.id}/block", headers=h)).status_code in (200, 204)
    r = await client.post(f"/api/users/{me.id}/block", headers=await auth_headers(blocks_me))
    assert r.status_code in (200, 204), r.text
    g = await auth_headers(gone)
    r = await client.request("DELETE", "/api/users/me", json={"password": DEFAULT_PASSWORD}, headers=g)
    assert r.status_code == 204, r.text
    found = await client.get("/api/users", params={"q": tag}, headers=h)
    ids = [u["id"] for u in found.json()["items"]]
    assert ids == [friend.id]


async def test_bad_queries_are_refused(client: httpx.AsyncClient, session: AsyncSession) -> None:
    h = await auth_headers(await make_user(session))
    for params in ({"q": "a"}, {"q": "  a "}, {"q": "x" * 21}, {}, {"q": "ab", "limit": 0}):
        r = await client.get("/api/users", params=params, headers=h)
        assert r.status_code == 422, (params, r.text)
    r = await client.get("/api/users", params={"q": "ab", "cursor": "garbage"}, headers=h)
    assert r.status_code == 400 and r.json()["code"] == "invalid_cursor"
    assert (await client.get("/api/users", params={"q": "ab"})).status_code == 401


async def test_two_letters_find_them_inside_a_nickname_too(client: httpx.AsyncClient, session: AsyncSession) -> None:
    """Two letters have an index of their own on PostgreSQL (letter pairs); the answer is the same."""
    pair = "".join(secrets.choice("뷁퉯쀍뙇") for _ in range(2))
    me = await make_user(session)
    first = await make_user(session, nickname=f"{pair}{secrets.token_hex(3)}")
    inside = await make_user(session, nickname=f"앞{pair}뒤{secrets.token_hex(3)}")
    apart = await make_user(session, nickname=f"{pair[0]}x{pair[1]}{secrets.token_hex(3)}")
    r = await client.get("/api/users", params={"q": pair, "limit": 100}, headers=await auth_headers(me))
    assert r.status_code == 200, r.text
    ids = [u["id"] for u in r.json()["items"]]
    assert first.id in ids and inside.id in ids and apart.id not in ids
    assert ids.index(first.id) < ids.index(inside.id)  # a prefix match first


async def test_the_rest_come_oldest_account_first_across_pages(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """After the prefix matches, those containing ``q`` elsewhere follow by id (no sort of every match)."""
    tag = secrets.token_hex(2)
    me = await make_user(session)
    inside = [await make_user(session, nickname=f"{name}{tag}") for name in ("하", "가", "다")]
    h = await auth_headers(me)
    r = await client.get("/api/users", params={"q": tag, "limit": 2}, headers=h)
    page = r.json()
    assert [u["id"] for u in page["items"]] == [inside[0].id, inside[1].id], page
    r = await client.get("/api/users", params={"q": tag, "limit": 2, "cursor": page["next_cursor"]}, headers=h)
    assert [u["id"] for u in r.json()["items"]] == [inside[2].id] and r.json()["next_cursor"] is None


@pytest.mark.parametrize("probe", [1, 3, 100])
async def test_inside_matches_page_the_same_however_they_are_read(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, probe: int
) -> None:
    """On PostgreSQL the inside matches come from the pairs table (up to three letters), a probe of
    the trigram index, or a full probe then a walk of the range it bounds (``people_search._inside``);
    each gives the same pages, oldest account first. A probe reads in no set order: here the
    nicknames sort against the ids and the first matches are rewritten (so that the table no longer
    holds them first on disk), so a probe taken for the page would miss them whether it read by
    nickname or in disk order."""
    monkeypatch.setattr(people_search, "PROBE_PER_ROW", probe)
    pair = "".join(secrets.choice("뷁퉯쀍뙇") for _ in range(2))
    me = await make_user(session)
    h = await auth_headers(me)
    blocked = await make_user(session, nickname=f"앞{pair}차단")
    assert (await client.post(f"/api/users/{blocked.id}/block", headers=h)).status_code in (200, 204)
    inside: list[int | None] = []
    for i in range(7):
        await make_user(session, nickname=f"무관{i}{secrets.token_hex(2)}")
        inside.append((await make_user(session, nickname=f"앞{6 - i}{pair}뒤끝")).id)
    starts = await make_user(session, nickname=f"{pair}처음")
    for user_id in inside[:3]:
        user = await session.get(User, user_id)
        assert user is not None
        user.introduction = "다시 쓴 소개"
        session.add(user)
    await session.commit()
    for q, expected in ((pair, [starts.id, *inside]), (f"{pair}뒤", inside), (f"{pair}뒤끝", inside)):
        found: list[int | None] = []
        cursor = None
        while True:
            params = {"q": q, "limit": "2"} | ({"cursor": cursor} if cursor else {})
            r = await client.get("/api/users", params=params, headers=h)
            assert r.status_code == 200, r.text
            found += [u["id"] for u in r.json()["items"]]
            cursor = r.json()["next_cursor"]
            if cursor is None:
                break
        assert found == expected, (q, probe)


@pytest.mark.parametrize("probe", [1, 80])
async def test_inside_matches_ignore_case_however_they_are_read(
    client: httpx.AsyncClient, session: AsyncSession, monkeypatch: pytest.MonkeyPatch, probe: int
) -> None:
    """A word with letters is compared lower-cased on every way of reading (a Hangul or digit word
    is compared as it is: ``lower()`` changes neither it nor where it stands in a nickname)."""
    monkeypatch.setattr(people_search, "PROBE_PER_ROW", probe)
    word = f"Zq{secrets.choice('XYW')}"
    me = await make_user(session)
    upper = await make_user(session, nickname=f"가{word.upper()}1")
    lower = await make_user(session, nickname=f"나{word.lower()}2")
    h = await auth_headers(me)
    for q in (word, word.lower(), word.upper(), word[:2].upper()):
        r = await client.get("/api/users", params={"q": q}, headers=h)
        assert [u["id"] for u in r.json()["items"]] == [upper.id, lower.id], (q, probe)
    r = await client.get("/api/users", params={"q": f"{word.lower()}1"}, headers=h)  # four letters: the probe
    assert [u["id"] for u in r.json()["items"]] == [upper.id], probe


def _pairs_of(nickname: str) -> set[str]:
    """What ``user_nickname_pairs`` holds for a live account: the pairs from the second letter on."""
    lowered = nickname.lower()
    return {lowered[i : i + 2] for i in range(1, len(lowered) - 1)}


async def _stored(session: AsyncSession) -> set[tuple[str, int]]:
    """Every row of ``user_nickname_pairs``: ``(pair, user_id)``."""
    conn = await session.connection()
    rows = await conn.execute(text("SELECT pair, user_id FROM user_nickname_pairs"))
    return {(r[0], r[1]) for r in rows}


async def _stored_pairs(session: AsyncSession, user_id: int | None) -> set[str]:
    found = {p for p, u in await _stored(session) if u == user_id}
    await session.rollback()  # no transaction left open beside the app's requests
    return found


async def test_a_changed_nickname_is_found_by_its_new_letters_only(
    client: httpx.AsyncClient, session: AsyncSession, stack: Stack
) -> None:
    """The pairs of a nickname are rewritten with it (PostgreSQL: ``user_nickname_pairs``, in the
    same transaction), and a deleted account has none."""
    old, new = secrets.choice(["뷁퉯", "쀍뙇"]), secrets.choice(["궳뛞", "꿿퓱"])
    me = await make_user(session)
    they = await make_user(session, nickname=f"앞{old}Xy{secrets.token_hex(2)}")
    h, theirs = await auth_headers(me), await auth_headers(they)
    they_id = they.id  # the session is rolled back below: its objects expire

    async def found(q: str) -> list[int]:
        r = await client.get("/api/users", params={"q": q, "limit": 100}, headers=h)
        assert r.status_code == 200, r.text
        return [u["id"] for u in r.json()["items"]]

    assert they_id in await found(old) and they_id not in await found(new)
    nickname = f"뒤{new}Zw{secrets.token_hex(2)}"
    r = await client.patch("/api/users/me", json={"nickname": nickname}, headers=theirs)
    assert r.status_code == 200, r.text
    assert they_id not in await found(old) and they_id in await found(new)
    assert they_id in await found("zW") and they_id not in await found("xY")
    if stack.is_pg:
        assert await _stored_pairs(session, they_id) == _pairs_of(nickname)
        assert _pairs_of(nickname) >= {new, "zw"} and old not in _pairs_of(nickname)
    r = await client.request("DELETE", "/api/users/me", json={"password": DEFAULT_PASSWORD}, headers=theirs)
    assert r.status_code == 204, r.text
    assert they_id not in await found(new)
    if stack.is_pg:
        assert await _stored_pairs(session, they_id) == set()


def _nicknames(pair: str) -> list[str]:
    """Nicknames that hold ``pair`` in every way a search tells apart, and some that do not."""
    a, b = pair[0], pair[1]
    return [
        f"앞{pair}뒤",
        f"{pair}처음",  # a prefix match: not inside
        f"{pair}또{pair}",  # starts with it and holds it again: not inside either
        f"{a}{a}{pair}",
        f"x{pair.upper()}y" if pair.isascii() else f"x{pair}{pair}",
        f"{a}사이{b}",  # the letters apart
        f"끝에{pair}",
        f"{b}{a}거꾸로",
        f"앞{pair}x{b}뒤",  # holds the pairs of {pair}뒤 apart: not a match of it
    ]


async def _paged(session: AsyncSession, viewer_id: int, word: str, *, postgres: bool, limit: int) -> list[User]:
    """Every inside match of ``word``, read ``limit`` at a time from the cursor (the last id)."""
    found: list[User] = []
    while True:
        after = found[-1].id if found else None
        page = await people_search._inside(
            session, viewer_id=viewer_id, text=word, after_id=after, limit=limit, postgres=postgres
        )
        assert not (found and page) or page[0].id > found[-1].id, (word, "a page before the cursor")
        found += page
        if len(page) < limit:
            return found


WAYS = [(1, 1), (80, 2), (1, 5), (80, 256)]
"""``(PROBE_PER_ROW, COUNT_CAP)``: each way a long word is read (rarest range alone, or its first
entries then the trigram probe full or not), and the service's own figures last."""


@pytest.mark.parametrize(("probe", "cap"), WAYS)
async def test_every_way_of_reading_gives_what_the_plain_statement_gives(
    session: AsyncSession, stack: Stack, monkeypatch: pytest.MonkeyPatch, probe: int, cap: int
) -> None:
    """PostgreSQL's ways of reading the inside matches (the pairs table for two and three letters;
    trigram probes and walks for more) page exactly as the one statement SQLite runs, which
    PostgreSQL runs too: ``LIKE '%q%' AND NOT LIKE 'q%'`` by id. Blocked people, the searcher and
    deleted accounts are left out of both."""
    if not stack.is_pg:
        pytest.skip("SQLite reads the inside matches one way only (the plain statement)")
    monkeypatch.setattr(people_search, "PROBE_PER_ROW", probe)
    monkeypatch.setattr(people_search_pairs, "COUNT_CAP", cap)
    hangul = "".join(secrets.choice("뷁퉯쀍뙇") for _ in range(2))
    ascii_pair = secrets.choice(["qz", "zq", "qx"])
    words = [hangul, ascii_pair, "x_", " w"]
    me = await make_user(session, nickname=f"나{hangul}나{ascii_pair}")
    users: list[User] = []
    for i, word in enumerate(words):
        for nickname in _nicknames(word):
            users.append(await make_user(session, nickname=f"{nickname}{i}{secrets.token_hex(2)}"))
    users.append(await make_user(session, nickname=f"가xy{secrets.token_hex(2)}"))  # "x_" is no wildcard
    users.append(await make_user(session, nickname=f"가 w{secrets.token_hex(2)}"))
    for nickname in ("웃ㅋㅋㅋ", "웃ㅋㅋ웃ㅋㅋ", "ㅋㅋㅋ처음", "웃ㅋㅋㅋㅋ"):  # one pair, twice in the word
        users.append(await make_user(session, nickname=f"{nickname}{secrets.token_hex(2)}"))
    blocked, gone = users[6], users[3]  # both hold the Hangul pair inside
    assert me.id is not None and blocked.id is not None
    session.add(UserBlock(blocker_id=me.id, blocked_id=blocked.id))
    gone.deleted_at = utcnow()
    session.add(gone)
    await session.commit()
    more = [f"{hangul}뒤", f"{hangul}또{hangul}", ascii_pair.upper(), f"x{ascii_pair.upper()}", "ㅋㅋㅋ", "ㅋㅋ웃"]
    more += ["ㅋㅋㅋㅋ", "웃ㅋㅋㅋ"]  # four letters of one pair
    for word in [*words, *more]:
        plain = await people_search._inside(
            session, viewer_id=me.id, text=word, after_id=None, limit=1000, postgres=False
        )
        assert plain or word not in (*words, f"{hangul}뒤", "ㅋㅋㅋ"), word  # these have matches inside
        paged = await _paged(session, me.id, word, postgres=True, limit=2)
        assert [u.id for u in paged] == [u.id for u in plain], (word, probe, cap)
        assert blocked.id not in [u.id for u in plain] and gone.id not in [u.id for u in plain]


ALPHABET = "궳뛞꿿Qz_"
"""Few letters, so that every pair of them is held by many nicknames (each pair's range is full at
any cap the tests set) while a long word of them is held by few or one."""


@pytest.mark.parametrize(("probe", "cap"), WAYS)
async def test_long_words_of_common_pairs_read_as_the_plain_statement(
    session: AsyncSession, stack: Stack, monkeypatch: pytest.MonkeyPatch, probe: int, cap: int
) -> None:
    """Words of four letters and more (PostgreSQL: counted pairs, the rarest range, perhaps the trigram
    probe after it) page exactly as the plain statement: words whose pairs are all common, common
    and rare ones (a whole nickname), one pair with a rare letter, a nickname holding all of a
    word's pairs but not the word, one that starts with it and holds it again."""
    if not stack.is_pg:
        pytest.skip("SQLite reads the inside matches one way only (the plain statement)")
    monkeypatch.setattr(people_search, "PROBE_PER_ROW", probe)
    monkeypatch.setattr(people_search_pairs, "COUNT_CAP", cap)
    rng = random.Random(17)
    nicknames = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(3, 9))) for _ in range(70)]
    long_one = "앞" + "".join(rng.choice(ALPHABET) for _ in range(17))  # 18 letters, one account
    word = "궳뛞꿿Q"
    nicknames += [long_one, f"{word}또{word}", f"가{word[:2]}나{word[1:3]}다{word[2:]}", f"가{word}뙇", f"나뙇{word}"]
    me = await make_user(session, nickname=f"나{word}")
    users = [await make_user(session, nickname=n) for n in nicknames]
    assert me.id is not None and users[5].id is not None
    session.add(UserBlock(blocker_id=users[5].id, blocked_id=me.id))
    users[9].deleted_at = utcnow()
    session.add(users[9])
    await session.commit()
    words = [word, word.lower(), long_one[1:], long_one[3:15], f"{word}뙇", f"뙇{word}", f"{word}또", "뛞꿿Qz"]
    words += [n[1:6] for n in nicknames[:20] if len(n) >= 6]
    for q in dict.fromkeys(words):
        plain = await _paged(session, me.id, q, postgres=False, limit=1000)
        assert plain or q not in (word, long_one[1:], f"{word}뙇"), q  # these have matches inside
        for limit in (1, 3):
            paged = await _paged(session, me.id, q, postgres=True, limit=limit)
            assert [u.id for u in paged] == [u.id for u in plain], (q, probe, cap, limit)


async def test_a_long_word_with_a_rare_pair_is_read_by_that_pair_alone(
    session: AsyncSession, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When one of a long word's pairs has fewer entries after the cursor than the cap, its range is
    every candidate: the page is read from it, never from the trigram probe, whichever of the
    word's pairs it is (the others here are each held by more accounts than the cap)."""
    if not stack.is_pg:
        pytest.skip("the pairs table is PostgreSQL's only")
    monkeypatch.setattr(people_search_pairs, "COUNT_CAP", 4)

    async def no_probe(*_args: object, **_kwargs: object) -> list[User]:
        raise AssertionError("the trigram probe was read")

    monkeypatch.setattr(people_search, "_probed", no_probe)
    me = await make_user(session)
    assert me.id is not None
    base = "궳뛞꿿퓱"
    for n in range(6):  # each of the word's pairs (but one) in many accounts, apart
        await make_user(session, nickname=f"가{base[:2]}나{base[1:3]}다{base[2:]}{n}")
    for word in (f"x{base}", f"{base}x", "궳뛞x꿿퓱"):  # rare pairs at the start, at the end, in the middle
        held = [await make_user(session, nickname=f"앞{word}{n}") for n in range(2)]
        await make_user(session, nickname=f"앞{word[:-1]}나{word[-2:]}")  # the rare pair, not the word
        found = await _paged(session, me.id, word, postgres=True, limit=1)
        assert [u.id for u in found] == [u.id for u in held], word


async def test_the_migrations_backfill_writes_what_the_service_keeps(session: AsyncSession, stack: Stack) -> None:
    """Migration 0018 fills ``user_nickname_pairs`` from the users already there by the same rule as
    ``people_pairs`` keeps it on every write: emptied and backfilled, the table is the same."""
    if not stack.is_pg:
        pytest.skip("the pairs table is PostgreSQL's only")
    users = [await make_user(session, nickname=n) for n in ("Ab가나다ab", "가나", "아주 긴 닉네임_x.y-Z", "z")]
    users[1].nickname = "나중에바꾼Qq"
    users[2].deleted_at = utcnow()
    session.add_all(users[1:3])
    await session.commit()
    kept = await _stored(session)
    assert {p for p, u in kept if u == users[0].id} == {"b가", "가나", "나다", "다a", "ab"}
    assert {p for p, u in kept if u == users[1].id} == _pairs_of("나중에바꾼Qq")
    assert not {p for p, u in kept if u in (users[2].id, users[3].id)}
    spec = importlib.util.spec_from_file_location("m0018", ROOT / "alembic/versions/0018_user_nickname_pairs.py")
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    conn = await session.connection()
    await conn.execute(text("DELETE FROM user_nickname_pairs"))
    await conn.execute(text(migration.BACKFILL))
    assert await _stored(session) == kept
    await session.rollback()
