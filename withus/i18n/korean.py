"""Korean particles chosen by the word they follow, not by template ("제목을(를)").

``particle("제목", "을")`` → ``"을"``; ``with_particle("사유", "을/를")`` → ``"사유를"``.
A pair may be named by either form (``"을"``, ``"를"`` or ``"을/를"``). The rule:

* a Hangul syllable: final consonant (받침) → the first form (을, 이, 은, 과, 으로, 아);
  none → the second (를, 가, 는, 와, 로, 야). 으로/로 takes 로 after ㄹ too (서울로, 길로).
* a digit is read in Korean: 0 영, 1 일, 3 삼, 6 육, 7 칠, 8 팔 end in a consonant
  (1, 7, 8 in ㄹ); 2 이, 4 사, 5 오, 9 구 do not. A number ending in 0 with more
  digits ends in 십/백/천/만 (a consonant).
* Latin letters: an all-capitals word is read by its letter names (SQL → 에스큐엘, L and
  R end in ㄹ, M and N in a consonant); otherwise a word ending in m, n, ng has a
  final consonant, in l one in ㄹ, in b, k, p, t after a vowel (or ck) one too (book → 북, club → 클럽);
  others (a vowel, r, s, y …) none.
* trailing punctuation, quotes and brackets are skipped; a word with nothing
  readable keeps both forms: "을(를)".
"""

from __future__ import annotations

# first form (after a final consonant), second form (after none)
PAIRS: dict[str, tuple[str, str]] = {}
for _first, _second in (
    ("을", "를"),
    ("이", "가"),
    ("은", "는"),
    ("과", "와"),
    ("으로", "로"),
    ("아", "야"),
    ("이나", "나"),
    ("이랑", "랑"),
):
    PAIRS[_first] = PAIRS[_second] = PAIRS[f"{_first}/{_second}"] = (_first, _second)

NONE, CONSONANT, RIEUL = 0, 1, 2  # what the word ends in

_DIGITS = {
    "0": CONSONANT,
    "1": RIEUL,
    "2": NONE,
    "3": CONSONANT,
    "4": NONE,
    "5": NONE,
    "6": CONSONANT,
    "7": RIEUL,
    "8": RIEUL,
    "9": NONE,
}
_CAPITAL_L = {"L": RIEUL, "R": RIEUL, "M": CONSONANT, "N": CONSONANT}
_SKIP = " \t\n.,;:!?'\"`)]}>»」』）·…-_~\u2019\u201d"


def final_sound(word: str) -> int | None:
    """NONE, CONSONANT or RIEUL for the end of ``word``; None when it cannot be read."""
    text = word.rstrip(_SKIP)
    if not text:
        return None
    last = text[-1]
    code = ord(last) - 0xAC00
    if 0 <= code < 11172:
        final = code % 28
        return NONE if final == 0 else RIEUL if final == 8 else CONSONANT
    if last.isdigit() and last.isascii():
        digits = text[len(text.rstrip("0123456789")) :]
        if last == "0" and digits.strip("0"):
            return CONSONANT  # 10 십, 100 백, 1000 천, 10000 만
        return _DIGITS[last]
    if last.isascii() and last.isalpha():
        tail = text[len(text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")) :]
        if tail.isupper():
            return _CAPITAL_L.get(tail[-1], NONE)
        low = tail.lower()
        if low.endswith(("m", "n", "ng")):
            return CONSONANT
        if low.endswith("l"):
            return RIEUL
        if low.endswith("ck") or (low[-1] in "bkpt" and len(low) > 1 and low[-2] in "aeiou"):
            return CONSONANT  # book 북, club 클럽, cat 캣
        return NONE
    return None


def particle(word: str, pair: str) -> str:
    """The form of ``pair`` (e.g. ``"을/를"``, ``"을"``, ``"로"``) that follows ``word``."""
    first, second = PAIRS[pair]
    sound = final_sound(word)
    if sound is None:
        return f"{first}({second})" if first != "으로" else "(으)로"
    if first == "으로":
        return second if sound in (NONE, RIEUL) else first
    return second if sound == NONE else first


def with_particle(word: str, pair: str) -> str:
    """``word`` followed by the right form of ``pair``."""
    return f"{word}{particle(word, pair)}"
