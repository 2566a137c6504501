"""The catalogue: both locales complete, every key used, every key the code asks for present."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from withus.errors import Conflict, DomainError, NotFound, ValidationFailed
from withus.i18n import Msg, keys, localize, negotiate, normalize, t
from withus.i18n.catalog import messages

ROOT = Path(__file__).resolve().parents[2]
# Keys the code builds at run time (f"category.{slug}", f"mail.{name}.subject"): the prefix stands for them.
DYNAMIC_PREFIXES = ("error.", "category.", "role.", "visibility.", "notification.", "mail.")
# Keys the code builds from a number (f"problem.title.{status}"): every one of them counts as used.
BUILT_FROM_NUMBERS = ("problem.title.",)
CALLS = {"tr", "t", "Msg"}


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def _source_files() -> list[Path]:
    return [p for d in ("withus", "api") for p in (ROOT / d).rglob("*.py")]


def _literals_and_calls() -> tuple[set[str], set[str]]:
    """Every string literal in the code, and the first argument of every tr/t/Msg call."""
    literals: set[str] = set()
    asked: set[str] = set()
    for path in _source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                first = node.args[0]
                if name in CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    asked.add(first.value)
    return literals, asked


def test_every_key_is_in_both_locales_with_text() -> None:
    ko, en = messages("ko"), messages("en")
    assert set(ko) == set(en), {"only ko": sorted(set(ko) - set(en)), "only en": sorted(set(en) - set(ko))}
    assert all(v.strip() for v in ko.values()) and all(v.strip() for v in en.values())


def test_both_locales_take_the_same_parameters() -> None:
    ko, en = messages("ko"), messages("en")
    differ = {k: (_fields(ko[k]), _fields(en[k])) for k in ko if _fields(ko[k]) != _fields(en[k])}
    assert not differ


def test_english_has_no_korean_particle_specs() -> None:
    en = messages("en")
    assert not [
        k for k, v in en.items() for _, _, spec, _ in string.Formatter().parse(v) if spec and not spec.isascii()
    ]


def test_every_key_the_code_asks_for_exists() -> None:
    _, asked = _literals_and_calls()
    assert sorted(k for k in asked if "." in k and k not in keys()) == []


def test_every_key_is_used_somewhere() -> None:
    literals, asked = _literals_and_calls()
    unused = []
    for key in keys():
        if key in asked or key in literals or key.startswith(BUILT_FROM_NUMBERS):
            continue
        prefix, _, rest = key.partition(".")
        if f"{prefix}." in DYNAMIC_PREFIXES and rest.split(".", 1)[0] in literals:
            continue  # error.club_full: code="club_full"; category.sports: the slug "sports"
        unused.append(key)
    assert unused == []


def test_a_domain_error_without_detail_reads_its_code_from_the_catalogue() -> None:
    exc = Conflict(code="conflict")
    assert exc.detail == t("error.conflict", "ko")
    assert localize(exc.detail, "en") == t("error.conflict", "en") != exc.detail
    # an unknown code falls back to the class's own text, and the code stays as given
    other = NotFound(code="no_such_code_anywhere")
    assert other.code == "no_such_code_anywhere" and localize(other.detail, "en") == t("error.not_found", "en")
    assert isinstance(DomainError().detail, str)


def test_a_lazy_message_is_its_korean_text_and_renders_again() -> None:
    msg = Msg("error.validation_failed")
    assert msg == t("error.validation_failed", "ko") and isinstance(msg, str)
    assert msg.render("en") == "Please check what you entered."
    assert localize("plain text", "en") == "plain text"
    field = ValidationFailed.field("title", msg)
    assert localize(field.errors[0].message, "en") == "Please check what you entered."


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("", "ko"),
        (None, "ko"),
        ("en-US,en;q=0.9,ko;q=0.8", "en"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", "ko"),
        ("ja, en;q=0.5", "en"),
        ("fr-FR", "ko"),
        ("en;q=0, ko", "ko"),
        ("ko;q=0.2, en;q=0.7", "en"),
        ("*", "ko"),
        ("en;q=abc, ko;q=0.1", "ko"),
        (";;;,,,", "ko"),
    ],
)
def test_accept_language_picks_the_best_locale(header: str | None, expected: str) -> None:
    assert negotiate(header) == expected


def test_normalize() -> None:
    assert [normalize(x) for x in ("en", "EN-us", "en_GB", "ko", "", None, "zz")] == [
        "en",
        "en",
        "en",
        "ko",
        "ko",
        "ko",
        "ko",
    ]


def test_missing_key_falls_back_to_the_key() -> None:
    assert t("no.such.key", "en") == "no.such.key"
