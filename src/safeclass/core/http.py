"""Request helpers."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the person making the request.

    ``X-Forwarded-For`` is only believed behind a configured proxy; otherwise
    anyone could choose their own address and dodge per-address throttling.
    """
    candidate = ""
    if getattr(settings, "SAFECLASS_TRUST_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw; that last hop is the one to trust.
        candidate = forwarded.split(",")[-1].strip() if forwarded else ""
    if not candidate:
        candidate = str(request.META.get("REMOTE_ADDR", "") or "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return "0.0.0.0"  # noqa: S104 - stands for "unknown address", never bound


def user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]
