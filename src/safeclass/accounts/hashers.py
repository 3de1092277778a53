"""Password hashers."""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id with small costs, for the test suite only (see settings)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
