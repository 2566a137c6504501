"""No Korean string literal in the code outside the catalogue: every text people read comes from
withus/i18n/locales/*.po (``tr`` / ``t`` / ``here`` / ``Msg``), so it exists in English too.

Docstrings, comments and API documentation (``description=`` / ``summary=``) may quote Korean;
other string literals (f-string parts included) may not, except where this list says why.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANGUL = re.compile("[\uac00-\ud7a3\u3131-\u318e]")

# path -> (the literals allowed there, why); None allows the whole file
ALLOWED: dict[str, tuple[frozenset[str] | None, str]] = {
    "withus/i18n/korean.py": (None, "the Korean particles themselves (을/를, 이/가, …): the rule needs them"),
    "withus/i18n/dates.py": (
        frozenset({"M월 d일", "y년 M월 d일", "y년 M월 d일 EEEE", "M월 d일 (E) HH:mm", "M월 d일 HH:mm", "y년 M월"}),
        "babel date patterns of the Korean locale (CLDR patterns with their Korean unit words)",
    ),
    "withus/models/club.py": (
        frozenset({"운동", "일상", "게임", "음식", "스터디", "문화·예술", "여행", "기타"}),
        "club categories are data with both names side by side (code, Korean, English)",
    ),
    "withus/services/users.py": (
        frozenset({"관리자", "운영자", "탈퇴한회원", "#탈퇴"}),
        "reserved nicknames (a word list: nobody may call themselves these) and the scrubbed, never shown, "
        "nickname of a deleted account (#탈퇴<id>; it is shown as user.deleted_nickname)",
    ),
}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, nodes)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }


# Keyword arguments that document the API (OpenAPI text, English prose that may quote a Korean word
# of the pages, like 읽음): documentation like docstrings, not text a page shows.
DOC_KEYWORDS = frozenset({"description", "summary"})


def _documentation(tree: ast.AST) -> set[int]:
    return {
        id(node)
        for kw in ast.walk(tree)
        if isinstance(kw, ast.keyword) and kw.arg in DOC_KEYWORDS
        for node in ast.walk(kw.value)
    }


def korean_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree) | _documentation(tree)
    return sorted(
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs and HANGUL.search(n.value)
    )


def test_no_korean_string_literal_outside_the_catalogue() -> None:
    found = []
    for folder in ("withus", "api"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            allowed, _why = ALLOWED.get(rel, (frozenset(), ""))
            if allowed is None:
                continue
            found += [f"{rel}:{line}: {text!r}" for line, text in korean_literals(path) if text not in allowed]
    assert found == [], "Korean text outside the catalogue (add a key to both .po files):\n" + "\n".join(found)


def test_the_scan_sees_literals_and_f_strings_but_not_docstrings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""모듈 설명."""\n\ndef f(name):\n    """함수 설명."""\n    # 주석\n'
        '    x = "안녕"\n    y = Field(description="읽음 mark")\n    return f"{name}님", "ok"\n',
        encoding="utf-8",
    )
    assert korean_literals(sample) == [(6, "안녕"), (8, "님")]


def test_every_allowed_literal_is_still_there() -> None:
    """An allow-list entry that no longer matches anything is removed, so the list stays true."""
    stale = []
    for rel, (allowed, _why) in ALLOWED.items():
        if allowed is None:
            continue
        present = {text for _, text in korean_literals(ROOT / rel)}
        stale += [f"{rel}: {text!r}" for text in sorted(allowed - present)]
    assert stale == []
