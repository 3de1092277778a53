"""Vietnamese text helpers."""

from __future__ import annotations

import unicodedata


def fold_accents(text: str) -> str:
    """``Nguyễn Văn Đức`` → ``Nguyen Van Duc``."""
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D")


def alnum_folded(text: str) -> str:
    """Lower-case, accent-free letters and digits only: for loose comparisons."""
    return "".join(ch for ch in fold_accents(text).lower() if ch.isalnum())


_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def normalize_person_name(name: str) -> str:
    """NFC, no zero-width characters, single spaces; ALL-CAPS or all-lower names
    become title case ("NGUYỄN VĂN AN" → "Nguyễn Văn An"), mixed case is kept."""
    text = unicodedata.normalize("NFC", name).translate(_ZERO_WIDTH)
    text = " ".join(text.split())
    if text and (text == text.upper() or text == text.lower()):
        text = " ".join(word[:1].upper() + word[1:].lower() for word in text.split())
    return text
