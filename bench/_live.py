"""Shared helpers for the live-room benchmarks: the services, the lessons, the servers.

``join_storm.py`` and ``fanout.py`` both run the project the way a school
would: uvicorn processes in front of PostgreSQL and Redis. Each benchmark
builds its own database from scratch (dropped and created again at the start,
dropped at the end), its own Redis key prefix, and its own lessons through the
project's services. When PostgreSQL or Redis cannot be reached it falls back to
the embedded default (SQLite and the in-process channel layer, one process)
and says so.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import os
import platform
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"

# A fresh clone that has not installed the package still runs the benchmarks.
if importlib.util.find_spec("safeclass") is None:
    sys.path.insert(0, str(SRC))

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SERVICE_TIMEOUT = 3  # seconds to decide that PostgreSQL or Redis is not there
LOBBY_LEAD = timedelta(minutes=5)  # lessons start this long after they are created
LESSON_LENGTH = timedelta(minutes=45)


# --- figures ------------------------------------------------------------------------------


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending sequence (NaN when empty)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def against(met: bool, text: str) -> str:
    return f"target {text}: {'met' if met else 'NOT MET'}"


def processor() -> str:
    name = platform.processor()
    if not name or name == platform.machine():
        try:
            for line in Path("/proc/cpuinfo").read_text().splitlines():
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return name or platform.machine()


def code_version() -> str:
    """The commit the benchmark runs, and whether the source differs from it."""
    git = shutil.which("git")
    if git is None:
        return "unknown (git not found)"

    def ask(*arguments: str) -> str:
        done = subprocess.run(  # noqa: S603 (git itself, fixed arguments)
            [git, "-C", str(ROOT), *arguments],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return done.stdout.strip()

    try:
        commit = ask("rev-parse", "--short", "HEAD")
        changed = ask("status", "--porcelain", "--", "src")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes under src/" if changed else "")


def machine_header(title: str) -> dict[str, Any]:
    """Print the date, the machine and the load; return the same for the JSON figures."""
    now = datetime.now(UTC)
    cores = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cores
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"{title}, {now:%Y-%m-%d %H:%M} UTC")
    print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.platform()}"
    )
    print(f"Machine: {processor()}; os.cpu_count() = {cores} ({usable} usable by this process)")
    code = code_version()
    print(f"Code: {code}")
    if load is not None:
        print(f"Load average before the run (1 min): {load:.2f} (other work skews it)")
    return {
        "date": now.isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": processor(),
        "cpu_count": cores,
        "usable_cpus": usable,
        "load_average_1min": load,
        "code": code,
    }


# --- PostgreSQL, Redis, or the embedded default ------------------------------------------------


def _redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@", 1)).geturl()


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@dataclass
class Backend:
    """Where the benchmark's servers keep their data and announce their events."""

    kind: str  # "postgresql+redis" or "sqlite+in-memory"
    database_url: str
    redis_url: str  # "" for the in-process channel layer
    prefix: str  # Redis keys and channel names of this run only
    var_dir: Path
    secret_key: str
    admin_url: str = ""  # PostgreSQL: where to drop the database again
    database_name: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def scaled_out(self) -> bool:
        return self.kind == "postgresql+redis"

    def describe(self) -> str:
        if self.scaled_out:
            return (
                f"PostgreSQL database {self.database_name} at {_redacted(self.admin_url)}, "
                f"Redis {_redacted(self.redis_url)} (key prefix {self.prefix})"
            )
        return "SQLite (WAL) and the in-process channel layer: one server process only"

    def env(self) -> dict[str, str]:
        """The environment of a SafeClass process (a server, or this one) on this backend."""
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"REDIS_URL", "DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            SAFECLASS_ENV="development",  # not "test": the database as it is, real hashers
            DATABASE_URL=self.database_url,
            SAFECLASS_SECRET_KEY=self.secret_key,
            SAFECLASS_DEMO="0",
            SAFECLASS_VAR_DIR=str(self.var_dir),
            SAFECLASS_REDIS_PREFIX=self.prefix,
            DJANGO_SETTINGS_MODULE="safeclass.settings",
            PYTHONPATH=os.pathsep.join(
                [str(SRC), *filter(None, [os.environ.get("PYTHONPATH", "")])]
            ),
        )
        if self.redis_url:
            env["REDIS_URL"] = self.redis_url
        return env

    def cleanup(self, keep_database: bool = False) -> None:
        """Close Django's connections, drop the database, forget this run's Redis keys."""
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if self.scaled_out and not keep_database:
            with contextlib.suppress(Exception):
                _drop_database(self.admin_url, self.database_name)
        if self.redis_url:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.redis_url, socket_timeout=SERVICE_TIMEOUT)
                for key in client.scan_iter(match=f"{self.prefix}*", count=1000):
                    client.delete(key)
                client.close()
        if not keep_database:
            shutil.rmtree(self.var_dir, ignore_errors=True)


def _postgres_problem(admin_url: str) -> str | None:
    try:
        import psycopg

        psycopg.connect(admin_url, connect_timeout=SERVICE_TIMEOUT).close()
    except Exception as error:  # any failure means: not usable
        return str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
    return None


def _redis_problem(url: str) -> str | None:
    try:
        import redis

        client = redis.Redis.from_url(
            url, socket_connect_timeout=SERVICE_TIMEOUT, socket_timeout=SERVICE_TIMEOUT
        )
        try:
            return None if client.ping() else "no answer to PING"
        finally:
            client.close()
    except Exception as error:
        return str(error).strip() or repr(error)


def _drop_database(admin_url: str, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=SERVICE_TIMEOUT) as conn:
        drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
        conn.execute(drop.format(sql.Identifier(name)))


def prepare_backend(*, database: str, postgres: str, redis_url: str, sqlite: bool) -> Backend:
    """A fresh database (PostgreSQL ``database``, dropped first) and a Redis prefix,
    or the embedded default when either service is missing or ``sqlite`` is asked for."""
    var_dir = Path(tempfile.mkdtemp(prefix="safeclass-bench-"))
    secret_key = secrets.token_urlsafe(64)
    prefix = f"safeclass-bench-{os.getpid()}"
    notes: list[str] = []
    if not sqlite:
        problems = [
            f"PostgreSQL unreachable at {_redacted(postgres)}: {problem}"
            for problem in [_postgres_problem(postgres)]
            if problem
        ] + [
            f"Redis unreachable at {_redacted(redis_url)}: {problem}"
            for problem in [_redis_problem(redis_url)]
            if problem
        ]
        if not problems:
            import psycopg
            from psycopg import sql

            _drop_database(postgres, database)
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            return Backend(
                kind="postgresql+redis",
                database_url=_with_database(postgres, database),
                redis_url=redis_url,
                prefix=prefix,
                var_dir=var_dir,
                secret_key=secret_key,
                admin_url=postgres,
                database_name=database,
            )
        notes.extend(problems)
        notes.append("falling back to SQLite and the in-process channel layer, one process")
    else:
        notes.append("--sqlite: SQLite and the in-process channel layer, one process")
    return Backend(
        kind="sqlite+in-memory",
        database_url=f"sqlite:///{var_dir / 'bench.sqlite3'}",
        redis_url="",
        prefix=prefix,
        var_dir=var_dir,
        secret_key=secret_key,
        notes=notes,
    )


def migrate(backend: Backend) -> None:
    command = Path(sys.executable).with_name("safeclass")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "safeclass"]
    subprocess.run(  # noqa: S603 (our own command, no shell)
        [*argv, "migrate", "--no-input", "-v", "0"], env=backend.env(), check=True
    )


def setup_django(backend: Backend) -> None:
    """Configure Django in this process on the benchmark's backend (for fixtures and checks)."""
    env = backend.env()  # read before it is cleared: it starts from this environment
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers, get_hashers_by_algorithm

    # Nobody signs in with a password here (sessions come from force_login), so the
    # fixtures' passwords are hashed with the suite's cheap argon2 parameters: the
    # real ones cost a tenth of a second each and would dominate the set-up.
    settings.PASSWORD_HASHERS = ["safeclass.accounts.hashers.TestArgon2PasswordHasher"]
    get_hashers.cache_clear()
    get_hashers_by_algorithm.cache_clear()


# --- lessons ------------------------------------------------------------------------------------


@dataclass
class Lesson:
    session_id: int
    teacher: Any
    students: list[Any]


def _ready(student: Any) -> None:
    """A student who activated the account and accepted the class rules (test_room.ready)."""
    from django.utils import timezone

    from safeclass.classes.tests.factories import accept_pending_rules

    student.activated_at = timezone.now()
    student.save(update_fields=["activated_at"])
    accept_pending_rules(student)


def _add_students(world: Any, count: int) -> list[Any]:
    """``class_world``'s own loop, with birthdays that exist for any class size.

    ``class_world(students=N)`` dates the N-th student's birthday the N-th of May,
    which does not exist beyond 31 students; the rest is the same services.
    """
    from django.utils import timezone

    from safeclass.accounts.services import guardianship_create
    from safeclass.accounts.tests.factories import ParentFactory, StudentFactory
    from safeclass.classes.services import enrollment_add
    from safeclass.classes.tests.factories import ACTOR

    today = timezone.localdate()
    pupils = []
    for number in range(1, count + 1):
        born = date(today.year - 9, 1 + (number - 1) // 28, 1 + (number - 1) % 28)
        pupil = StudentFactory(school=world.school, date_of_birth=born)
        enrollment_add(
            actor=ACTOR, school_class=world.school_class, student=pupil, roster_no=number
        )
        parent = ParentFactory(email=f"phu.huynh.{pupil.pk}@example.org")
        guardianship_create(actor=ACTOR, parent=parent, student=pupil, verified=True)
        _ready(pupil)
        pupils.append(pupil)
    return pupils


def build_lessons(
    classes: int, size: int, progress: Callable[[str], None] | None = None
) -> list[Lesson]:
    """``classes`` classes of ``size`` ready students, each with a lesson starting in 5 minutes
    (the lobby is open, so the students are let in without the teacher)."""
    from django.utils import timezone

    from safeclass.classes.tests.factories import class_world
    from safeclass.core.context import Actor
    from safeclass.live import services

    worlds = []
    for number in range(classes):
        world = class_world(students=0, name=f"{4 + number % 5}{'ABCDEFGHIJK'[number // 5 % 11]}")
        worlds.append((world, _add_students(world, size)))
        if progress is not None:
            progress(f"{number + 1}/{classes} classes")
    start = timezone.now() + LOBBY_LEAD
    lessons = []
    for world, pupils in worlds:
        session = services.session_create(
            actor=Actor.system(),
            school_class=world.school_class,
            teacher=world.homeroom,
            subject=None,
            title="Toán",
            starts_at=start,
            ends_at=start + LESSON_LENGTH,
        )
        lessons.append(Lesson(session.pk, world.homeroom, pupils))
    return lessons


def cookie_for(user: Any) -> str:
    """A signed-in session of ``user`` in the shared database, as a Cookie header value."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}"


# --- server processes ---------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by process ``pid`` and its children
    still running, from ``/proc``; 0.0 where ``/proc`` cannot tell."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pending.extend(int(child) for child in task.read_text().split())
    return total


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 (our own server)
            return bool(answer.status == 200)
    except OSError:
        return False


def _tcp_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


class Server:
    """A server process of the benchmark, its output kept in a log file."""

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        env: dict[str, str],
        port: int,
        log_dir: Path,
        health: str | None = "/healthz",
        start_timeout: float = 90.0,
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_dir / f"{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_')}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(  # noqa: S603 (our own command, no shell)
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with {self.process.returncode}:\n{self.log_tail()}"
                )
            ready = _http_ok(f"{self.url}{health}") if health else _tcp_open(port)
            if ready:
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{name} did not start in {start_timeout:.0f} s:\n{self.log_tail()}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def failures(self) -> str:
        """How many tracebacks the server logged, and the last error line ("" when none)."""
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        count = sum(1 for line in lines if line.startswith("Traceback"))
        if not count:
            return ""
        last = next((line for line in reversed(lines) if line and not line[0].isspace()), lines[-1])
        return f"{count} traceback(s) in the server log, the last: {last.strip()[:200]}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()


def uvicorn_argv(app: str, port: int, workers: int = 1) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", app,
        "--host", "127.0.0.1", "--port", str(port),
        "--lifespan", "off", "--log-level", "warning", "--no-access-log",
        "--workers", str(workers),
    ]  # fmt: skip
