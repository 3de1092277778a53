"""One-time credentials: activation codes and one-time links.

Values come from ``secrets`` (a CSPRNG). Only an HMAC of the value, keyed with
the secret key, is stored, so a copy of the database does not hold usable
codes. A token is consumed with one conditional UPDATE, so two requests racing
with the same value cannot both succeed.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

# No 0/O, 1/I/L, 5/S or 2/Z: codes are read aloud and copied from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRTUVWXY346789"
CODE_LENGTH = 12  # about 57 bits


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def normalize_code(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def token_digest(purpose: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    message = f"{purpose}:{value}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
