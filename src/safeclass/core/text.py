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
