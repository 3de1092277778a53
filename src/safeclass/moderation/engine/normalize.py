"""Text normalisation for moderation (architecture §7).

Every transformation here exists in two modes: a fast one that only produces
the transformed text, used for every message, and a tracked one that also
produces, for each output character, the index of the input character it came
from. The tracked mode runs only when a detector has found something, to turn
a match in a normalised view back into a span of what the sender typed.

Views produced from a message:

- ``base``: NFKC (full-width and stylised letters become plain ones), lower
  case, Cyrillic/Greek look-alike letters folded to Latin, zero-width and
  soft-hyphen characters removed. Same characters as typed otherwise.
- ``words``: ``base`` with every run of non-letters/digits turned into one
  space and a space added at both ends, so lexicon keys can carry their own
  word boundaries.
- ``plain``: ``words`` without Vietnamese accents (``đ`` becomes ``d``). It has
  the same length as ``words``, so a span in one is the same span in the
  other: comparing them tells whether the writer typed that word without
  accents.
- ``leet``: digits and symbols inside words read as letters (``l0n``,
  ``sh1t``, ``a$$``); ``*`` stays as a wildcard letter (``f*ck``).
- ``squeezed``: letters repeated three or more times reduced to one and to two
  (``đmmmm``, ``fuuuck``, ``asssss``).
- ``joined``: separators inside words removed (``đ.m``, ``f-u-c-k``) and runs
  of single letters joined (``đ ị t``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

ZERO_WIDTH = "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e\u034f"

# Letters that look like Latin ones (after lower-casing). Greek and Cyrillic
# are used to slip words past filters; nobody writes a Vietnamese class chat
# in them.
_HOMOGLYPHS = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "з": "3", "и": "u", "й": "u",
    "к": "k", "м": "m", "н": "h", "о": "o", "п": "n", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ь": "b", "ғ": "f", "ү": "y", "һ": "h",
    # Greek
    "α": "a", "β": "b", "γ": "y", "δ": "d", "ε": "e", "η": "n", "ι": "i",
    "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
    "χ": "x", "ω": "w", "ς": "c",
    # Latin look-alikes outside the Vietnamese alphabet
    "ɑ": "a", "ɡ": "g", "ı": "i", "ȷ": "j", "ł": "l", "ø": "o", "ß": "ss",
    "ſ": "s", "ɩ": "i", "ꞵ": "b",
}  # fmt: skip
FOLD = str.maketrans({**dict.fromkeys(ZERO_WIDTH, None), **_HOMOGLYPHS})

# Vietnamese letters (and a few other accented Latin ones) to their base letter.
_ACCENTED = "àáảãạăằắẳẵặâầấẩẫậaèéẻẽẹêềếểễệeìíỉĩịiòóỏõọôồốổỗộơờớởỡợoùúủũụưừứửữựuỳýỷỹỵyđd"


def _accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    group: list[str] = []
    for char in _ACCENTED:
        if char in "aeiouyd" and group:
            for accented in group:
                table[ord(accented)] = char
            group = []
        else:
            group.append(char)
    for extra, to in {"ç": "c", "ñ": "n", "ä": "a", "ë": "e", "ï": "i", "ö": "o", "ü": "u"}.items():
        table[ord(extra)] = to
    return table


STRIP_ACCENTS = _accent_table()
VIETNAMESE_MARKED = frozenset(chr(code) for code in STRIP_ACCENTS)

LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g",
     "@": "a", "$": "s", "!": "i", "|": "l", "€": "e", "¡": "i", "£": "l", "+": "t"}
)  # fmt: skip
LEET_CHARS = "0134578@$!|€¡£+*9"

_NON_WORD = re.compile(r"[\W_]+")
_NON_WORD_KEEP_STAR = re.compile(r"[^\w*]+|_+")
# A leet character touching a letter: "l0n", "sh1t", "a$$", "f*ck".
_L = "a-zà-ỹ"  # letters, as far as these quick tests care (lower case only)
_HAS_LEET = re.compile(rf"[{_L}][0134578@$!|€¡£+*9]|[0134578@$!|€¡£+*9][{_L}]")
_ANY_LEET = re.compile(r"[0134578@$!|€¡£+*9]")  # a cheap first test for _HAS_LEET
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")
_MAY_REPEAT = re.compile(rf"([{_L}])\1\1")
_MAY_INNER_SEPARATOR = re.compile(rf"[{_L}][.\-_·•'~^,:;/\\*]+[{_L}]")
_MAY_SINGLE_RUN = re.compile(rf"(?:^|[^{_L}])[{_L}][\s.\-_·•'~^,:;/\\*]{{1,3}}[{_L}](?![{_L}])")
# Punctuation between two letters of one word: "đ.m", "f-u-c-k", "đ*ị*t".
_INNER_SEPARATOR = re.compile(r"(?<=[^\W\d_])[.\-_·•'~^,:;/\\*]+(?=[^\W\d_])")
# Two or more single letters separated by spaces or punctuation: "đ ị t", "f u c k".
_SINGLE_RUN = re.compile(
    r"(?<![^\W\d_])[^\W\d_](?:[\s.\-_·•'~^,:;/\\*]{1,3}[^\W\d_](?![^\W\d_])){1,}"
)
_SPACE_OR_PUNCT = re.compile(r"[\s.\-_·•'~^,:;/\\*]+")

IndexMap = list[int]


@dataclass(slots=True)
class View:
    """One normalised reading of the message; ``index`` maps back to ``base``."""

    name: str
    text: str
    plain: str
    index: IndexMap | None = None


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Anything outside Basic Latin, Latin-1, Latin Extended and Vietnamese: only
# then can there be look-alikes or zero-width characters to fold.
_FOLDABLE = re.compile(
    "[" + re.escape("".join(chr(code) for code in FOLD)) + r"]|[^\x00-\u024f\u1e00-\u1eff]"
)
_COMBINING = re.compile(r"[\u0300-\u036f]+")


def base(text: str) -> str:
    """NFKC, lower case, look-alikes folded, zero-width removed (fast mode)."""
    text = unicodedata.normalize("NFKC", text).lower()
    if _FOLDABLE.search(text):
        text = text.translate(FOLD)
    return text


def base_tracked(text: str) -> tuple[str, IndexMap]:
    """``base`` of an NFC text, with the index of the source character of each output one."""
    if unicodedata.is_normalized("NFKC", text):
        lowered = text.lower()
        # Lower-casing maps a character to one or more; the same length means one each.
        if len(lowered) == len(text) and not _FOLDABLE.search(lowered):
            return lowered, list(range(len(text)))
    out: list[str] = []
    index: IndexMap = []
    for position, char in enumerate(text):
        piece = unicodedata.normalize("NFKC", char).lower().translate(FOLD)
        out.append(piece)
        index.extend([position] * len(piece))
    return "".join(out), index


def strip_accents(text: str) -> str:
    """Vietnamese letters without accents, one character for one character."""
    if text.isascii():
        return text
    plain = _COMBINING.sub("", unicodedata.normalize("NFD", text)).replace("đ", "d")
    if len(plain) != len(text):  # a script NFD splits differently: keep lengths aligned
        return text.translate(STRIP_ACCENTS)
    return plain


def has_marks(text: str) -> bool:
    """Whether any letter carries a Vietnamese accent mark (or is đ)."""
    return any(char in VIETNAMESE_MARKED for char in text)


def sub_tracked(
    pattern: re.Pattern[str],
    replace: Callable[[re.Match[str]], str],
    text: str,
    index: IndexMap | None,
) -> tuple[str, IndexMap | None]:
    """``pattern.sub`` that also carries the index map along (when given)."""
    if index is None:
        constant = _CONSTANT_REPLACEMENTS.get(replace)
        # A fixed string is far cheaper for ``re`` than calling back into Python per match.
        return pattern.sub(replace if constant is None else constant, text), None
    pieces: list[str] = []
    new_index: IndexMap = []
    last = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        pieces.append(text[last:start])
        new_index.extend(index[last:start])
        replacement = replace(match)
        pieces.append(replacement)
        if replacement:
            # Spread the replacement over the characters it replaced, so a span
            # ending on its last character reaches the end of the match.
            width = max(end - start, 1)
            spread = [
                index[min(start + k, start + width - 1, len(index) - 1)]
                for k in range(len(replacement))
            ]
            spread[-1] = index[min(end - 1, len(index) - 1)] if end > start else spread[-1]
            new_index.extend(spread)
        last = end
    pieces.append(text[last:])
    new_index.extend(index[last:])
    return "".join(pieces), new_index


def _space(_match: re.Match[str]) -> str:
    return " "


def _drop(_match: re.Match[str]) -> str:
    return ""


_CONSTANT_REPLACEMENTS: dict[Callable[[re.Match[str]], str], str] = {_space: " ", _drop: ""}


def _pad(text: str, index: IndexMap | None) -> tuple[str, IndexMap | None]:
    if index is None:
        return f" {text} ", None
    first = index[0] if index else 0
    last = index[-1] if index else 0
    return f" {text} ", [first, *index, last]


def words(
    text: str, index: IndexMap | None = None, *, keep_star: bool = False
) -> tuple[str, IndexMap | None]:
    pattern = _NON_WORD_KEEP_STAR if keep_star else _NON_WORD
    spaced, spaced_index = sub_tracked(pattern, _space, text, index)
    return _pad(spaced, spaced_index)


def _collapse_to(keep: int) -> Callable[[re.Match[str]], str]:
    def collapse(match: re.Match[str]) -> str:
        return match.group(1) * keep

    return collapse


_TO_ONE = _collapse_to(1)
_TO_TWO = _collapse_to(2)


def _join(match: re.Match[str]) -> str:
    return _SPACE_OR_PUNCT.sub("", match.group(0))


def views(text_base: str, *, tracked: bool = False) -> list[View]:
    """Every reading of ``text_base`` worth scanning with the lexicons.

    The plain reading of ``words`` is always there; the others only when the
    text shows the trick they undo, so ordinary messages cost two scans.
    """
    index: IndexMap | None = list(range(len(text_base))) if tracked else None
    found: list[View] = []

    def add(name: str, text: str, text_index: IndexMap | None) -> None:
        found.append(View(name, text, strip_accents(text), text_index))

    add("words", *words(text_base, index))
    if _ANY_LEET.search(text_base) and _HAS_LEET.search(text_base):
        leet_text = text_base.translate(LEET)
        add("leet", *words(leet_text, index, keep_star=True))
    if _MAY_REPEAT.search(text_base) and _REPEAT.search(text_base):
        for name, collapse in (("squeezed", _TO_ONE), ("squeezed2", _TO_TWO)):
            squeezed, squeezed_index = sub_tracked(_REPEAT, collapse, text_base, index)
            add(name, *words(squeezed, squeezed_index))
    if _MAY_INNER_SEPARATOR.search(text_base) and _INNER_SEPARATOR.search(text_base):
        joined, joined_index = sub_tracked(_INNER_SEPARATOR, _drop, text_base, index)
        add("joined", *words(joined, joined_index))
        if _HAS_LEET.search(joined):
            add("joined-leet", *words(joined.translate(LEET), joined_index, keep_star=True))
        if _REPEAT.search(joined):
            squeezed, squeezed_index = sub_tracked(_REPEAT, _TO_ONE, joined, joined_index)
            add("joined-squeezed", *words(squeezed, squeezed_index))
    if _MAY_SINGLE_RUN.search(text_base) and _SINGLE_RUN.search(text_base):
        joined, joined_index = sub_tracked(_SINGLE_RUN, _join, text_base, index)
        add("singles", *words(joined, joined_index))
        if _HAS_LEET.search(joined):
            add("singles-leet", *words(joined.translate(LEET), joined_index, keep_star=True))
    return found
