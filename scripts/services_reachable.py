"""Exit 0 if PostgreSQL at DATABASE_URL and Redis at REDIS_URL both answer.

Otherwise print which one does not, and exit 1. ``make pytest-services`` runs
this before the PostgreSQL+Redis profile of the test suite.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit

import psycopg
import redis

TIMEOUT = 3  # seconds


def postgres_problem(url: str) -> str | None:
    try:
        psycopg.connect(url, connect_timeout=TIMEOUT).close()
        return None
    except psycopg.OperationalError as first_error:
        # The database named in the URL may not exist yet; the test run only
        # needs the server (Django creates test_<name> from the postgres database).
        try:
            psycopg.connect(url, dbname="postgres", connect_timeout=TIMEOUT).close()
            return None
        except psycopg.Error:
            return str(first_error).strip()


def redis_problem(url: str) -> str | None:
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        return None if client.ping() else "no answer to PING"
    except redis.RedisError as error:
        return str(error).strip()
    finally:
        client.close()


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def main() -> int:
    checks = (
        ("PostgreSQL", "DATABASE_URL", postgres_problem),
        ("Redis", "REDIS_URL", redis_problem),
    )
    unreachable = []
    for service, variable, problem_of in checks:
        url = os.environ.get(variable, "").strip()
        problem = problem_of(url) if url else f"{variable} is not set"
        if problem is not None:
            unreachable.append(f"{service} unreachable at {redacted(url) or '?'}: {problem}")
    for line in unreachable:
        print(line, file=sys.stderr)
    return 1 if unreachable else 0


if __name__ == "__main__":
    sys.exit(main())
