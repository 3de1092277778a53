"""Vietnamese phone numbers, stored in E.164 form (+84…)."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s.\-()]")
# Mobile numbers after the 2018 renumbering: 0 + 3, 5, 7, 8 or 9 + 8 digits.
# Landlines since 2017: 0 + 2 + area code and number, 11 digits in all.
_NATIONAL = re.compile(r"^0([35789]\d{8}|2\d{9})$")


def normalize_phone(raw: str) -> str | None:
    """``0912 345 678``, ``+84 912345678`` and ``84912345678`` all give ``+84912345678``.

    Returns None for anything that is not a Vietnamese number.
    """
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in {11, 12}:
        digits = "0" + digits[2:]
    match = _NATIONAL.match(digits)
    if match is None:
        return None
    return "+84" + match.group(1)


def display_phone(stored: str) -> str:
    """``+84912345678`` shown the way Vietnamese people write it: ``0912 345 678``."""
    if not stored.startswith("+84") or len(stored) not in {12, 13}:
        return stored
    national = "0" + stored[3:]
    if len(national) == 11:  # a landline: 024 3822 1234
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    return f"{national[:4]} {national[4:7]} {national[7:]}"
