"""A per-address ceiling on failed sign-ins and code attempts.

django-axes locks one account from one address. This ceiling counts every
failure from an address, whatever account it names, so one address cannot
spray passwords across a school. It is high (a whole school may share one
address behind NAT) and lives in the cache: Redis when configured, so every
server process shares the count.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def _key(ip: str) -> str:
    window = int(time.time()) // int(settings.SAFECLASS_ADDRESS_FAILURE_WINDOW)
    return f"throttle:address:{ip}:{window}"


def address_failure_count(ip: str) -> int:
    return int(cache.get(_key(ip), 0))


def address_is_throttled(ip: str) -> bool:
    return address_failure_count(ip) >= int(settings.SAFECLASS_ADDRESS_FAILURE_LIMIT)


def address_failure_add(ip: str) -> None:
    key = _key(ip)
    if cache.add(key, 1, timeout=int(settings.SAFECLASS_ADDRESS_FAILURE_WINDOW) * 2):
        return
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=int(settings.SAFECLASS_ADDRESS_FAILURE_WINDOW) * 2)
