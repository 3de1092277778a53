"""Test infrastructure shared by every app's tests.

Fixtures:

``smtp_server``
    A real SMTP server (aiosmtpd) on 127.0.0.1; Django sends mail to it.
``live_server_url``
    The project's ASGI application served by uvicorn in a thread.
``browser`` / ``new_context``
    Debian's Chromium driven by Playwright; one context per simulated person.
``services_required``
    PostgreSQL and Redis, for tests marked ``services`` (used automatically).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import TYPE_CHECKING, Any, cast

import pytest

# Normally already set by the early plugin (``-p safeclass.core.tests`` in
# pyproject.toml): pytest-django imports the settings before any conftest.py,
# so setting it here alone would come too late. pytest_configure checks.
os.environ["SAFECLASS_ENV"] = "test"

if TYPE_CHECKING:
    import redis
    import uvicorn
    from aiosmtpd.smtp import SMTP, Envelope, Session
    from playwright.sync_api import Browser, BrowserContext
    from pytest_django.fixtures import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVICES_NOT_ACTIVE = (
    "PostgreSQL+Redis profile not active (run make test; set CI=true to require it)"
)
BROWSER_FIXTURES = {"browser", "new_context"}


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def _services_profile_active() -> bool:
    return _env_true("SAFECLASS_SERVICES_PROFILE")


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _free_port() -> int:
    with _bound_socket() as sock:
        return int(sock.getsockname()[1])


# --- Start-up -------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from django.conf import settings

    if not settings.configured or not getattr(settings, "TESTING", False):
        raise pytest.UsageError(
            "Django settings were loaded without SAFECLASS_ENV=test; keep "
            "'-p safeclass.core.tests' in addopts (pyproject.toml) or export SAFECLASS_ENV=test."
        )


# --- Collection -----------------------------------------------------------------


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark tests by the fixtures they use.

    Collection happens before ``-m`` deselection, so a test that asks for the
    browser is deselected by ``-m "not browser"`` even without the marker.
    """
    fixtures = set(getattr(item, "fixturenames", ()))
    if fixtures & BROWSER_FIXTURES and item.get_closest_marker("browser") is None:
        item.add_marker(pytest.mark.browser)
    if "services_required" in fixtures and item.get_closest_marker("services") is None:
        item.add_marker(pytest.mark.services)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last, after pytest-django's own reordering.

    Playwright's sync API leaves its event loop marked as running in the main
    thread for as long as the session-scoped browser lives; a later test would
    find Django's async-unsafe guard and ``async_to_sync`` refusing to work.
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


# --- Cache ----------------------------------------------------------------------


@functools.cache
def _redis_client(url: str) -> redis.Redis:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5)


def _purge_redis_prefix(url: str, prefix: str) -> None:
    client = _redis_client(url)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Every test starts with an empty cache, as it starts with an empty database.

    Otherwise counters kept in the cache (the per-address sign-in ceiling)
    carry over from one test to the next. On Redis only the test prefix is
    removed, never the whole Redis database.
    """
    from django.conf import settings
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    for alias in settings.CACHES:
        backend = caches[alias]
        if isinstance(backend, RedisCache):
            _purge_redis_prefix(settings.CACHES[alias]["LOCATION"], backend.key_prefix)
        else:
            backend.clear()
    from safeclass.core.memo import forget_all

    forget_all()  # each process's copies of school settings, too


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the site's default language.

    A page request activates the visitor's language for the thread it ran in
    and leaves it there (the next request activates its own); the test
    client's requests run in the test's thread, so without this a test would
    find the language of the last page an earlier test opened.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


# --- PostgreSQL + Redis profile -------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _services_check() -> str | None:
    """In the services profile, check the services once, before the first test.

    Returns why they are unusable, or None.
    """
    if not _services_profile_active():
        return None

    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        return (
            f"services profile active but the database is {connection.vendor}, "
            "not PostgreSQL: set DATABASE_URL=postgres://..."
        )
    backend = settings.CACHES["default"]["BACKEND"]
    if backend != "django.core.cache.backends.redis.RedisCache":
        return f"services profile active but the cache is {backend}, not Redis: set REDIS_URL"

    import redis

    try:
        if not _redis_client(settings.REDIS_URL).ping():
            return f"Redis at {settings.REDIS_URL} did not answer PING"
    except redis.RedisError as error:
        return f"Redis at {settings.REDIS_URL} did not answer PING: {error}"
    return None


@pytest.fixture
def services_required(request: pytest.FixtureRequest) -> None:
    """Skip unless the PostgreSQL+Redis profile is active; fail if it is but they are not."""
    if not _services_profile_active():
        pytest.skip(SERVICES_NOT_ACTIVE)
    problem = cast("str | None", request.getfixturevalue("_services_check"))
    if problem is not None:
        pytest.fail(problem, pytrace=False)


@pytest.fixture(autouse=True)
def _services_marker(request: pytest.FixtureRequest) -> None:
    # An autouse fixture, not a usefixtures mark added at collection time:
    # marks added then no longer change which fixtures a test gets.
    if request.node.get_closest_marker("services") is not None:
        request.getfixturevalue("services_required")


# --- Mail -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        """The decoded plain-text body."""
        part = self.message.get_body(preferencelist=("plain",))
        if part is None:
            raise AssertionError(f"message {self.subject!r} has no text/plain part")
        return cast(str, cast(EmailMessage, part).get_content())

    @property
    def html(self) -> str | None:
        part = self.message.get_body(preferencelist=("html",))
        return None if part is None else cast(str, cast(EmailMessage, part).get_content())


@dataclass
class SMTPServer:
    host: str
    port: int
    _messages: list[ReceivedMail] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # aiosmtpd looks the handler method up by this exact name.
    async def handle_DATA(  # noqa: N802
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        message = message_from_bytes(raw, policy=policy.default)
        received = ReceivedMail(
            mail_from=str(envelope.mail_from),
            rcpt_tos=list(envelope.rcpt_tos),
            message=message,
        )
        with self._lock:
            self._messages.append(received)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._lock:
            return list(self._messages)

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> list[ReceivedMail]:
        """Wait until at least ``count`` messages have arrived; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            messages = self.messages
            if len(messages) >= count:
                return messages
            if time.monotonic() >= deadline:
                subjects = [mail.subject for mail in messages]
                raise AssertionError(
                    f"expected at least {count} message(s) within {timeout}s, "
                    f"got {len(messages)}: {subjects}"
                )
            time.sleep(0.05)


@pytest.fixture
def smtp_server(settings: Settings) -> Iterator[SMTPServer]:
    from aiosmtpd.controller import Controller

    server = SMTPServer(host="127.0.0.1", port=0)
    controller: Controller | None = None
    # The free port is found before the controller binds it; retry if another
    # process takes it in between.
    for attempt in range(5):
        server.port = _free_port()
        controller = Controller(
            server, hostname=server.host, port=server.port, enable_SMTPUTF8=True
        )
        try:
            controller.start()
            break
        except (OSError, RuntimeError):
            controller = None
            if attempt == 4:
                raise
    assert controller is not None

    smtp_backend = "django.core.mail.backends.smtp.EmailBackend"
    if hasattr(settings, "MAILERS"):
        # Django 6.1 refuses the EMAIL_* settings once MAILERS is defined.
        settings.MAILERS = {
            "default": {
                "BACKEND": smtp_backend,
                "OPTIONS": {
                    "host": server.host,
                    "port": server.port,
                    "username": "",
                    "password": "",
                    "use_tls": False,
                    "use_ssl": False,
                    "timeout": 10,
                },
            }
        }
    else:
        settings.EMAIL_BACKEND = smtp_backend
        settings.EMAIL_HOST = server.host
        settings.EMAIL_PORT = server.port
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 10
    try:
        yield server
    finally:
        controller.stop()


# --- Live server ----------------------------------------------------------------


class _ServerThread(threading.Thread):
    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        super().__init__(name="uvicorn-live-server", daemon=True)
        self.server = server
        self.sock = sock
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.server.run(sockets=[self.sock])
        except BaseException as error:  # uvicorn exits with SystemExit on start-up failure
            self.error = error


def _wait_until_healthy(url: str, thread: _ServerThread, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last_problem = "no answer"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError(f"live server stopped during start-up: {thread.error!r}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
                if json.load(response).get("status") == "ok":
                    return
                last_problem = "healthz did not say ok"
        except urllib.error.HTTPError as error:
            last_problem = f"HTTP {error.code}: {error.read(2000).decode(errors='replace')}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            last_problem = repr(error)
        time.sleep(0.1)
    raise RuntimeError(f"live server at {url} not healthy after {timeout}s: {last_problem}")


@pytest.fixture
def live_server_url(transactional_db: None) -> Iterator[str]:
    """The real ASGI application on http://127.0.0.1:PORT, for this test only.

    Uses ``transactional_db``: the server's threads have their own database
    connections and only see what the test has committed.
    """
    import uvicorn

    from safeclass.asgi import application

    sock = _bound_socket()
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = _ServerThread(server, sock)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        sock.close()


# --- Browser --------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium; Playwright's own browser downloads are never used."""
    if shutil.which(CHROMIUM) is None:
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if _env_true("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop marked as running in the main
    # thread until it stops, so Django's async-unsafe guard would refuse every
    # database call from the tests (and pytest-django's own flushes).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Call it once per person: each context has its own cookies and storage.

    Keyword arguments go to ``Browser.new_context`` (``locale`` defaults to vi-VN).
    """
    contexts: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        options.setdefault("locale", "vi-VN")
        context = browser.new_context(**options)
        contexts.append(context)
        return context

    try:
        yield make
    finally:
        for context in contexts:
            context.close()
