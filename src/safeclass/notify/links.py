"""Links a notification may carry: paths on this site only, never another host."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def is_site_relative(url: str) -> bool:
    # With no allowed hosts, Django's check accepts only URLs without a host,
    # after the backslash and control-character tricks browsers fall for.
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())
