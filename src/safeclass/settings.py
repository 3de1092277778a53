"""Settings, read from the environment.

The same code runs the embedded default (SQLite in WAL mode under ``var/``,
in-process fan-out and cache, no other service) and the scale-out shape
(PostgreSQL and Redis): switching is ``DATABASE_URL`` and ``REDIS_URL`` only.

Environment variables:

``SAFECLASS_ENV``
    ``development`` (default), ``test`` or ``production``. Production turns on
    HTTPS-only cookies with the ``__Host-`` prefix, HSTS and redirects, refuses
    to start without a secret key and allowed hosts, and never runs demo mode.
``SAFECLASS_SECRET_KEY``
    Required in production. Elsewhere a key is generated once into
    ``var/secret_key``.
``SAFECLASS_ALLOWED_HOSTS``
    Comma-separated host names; required in production.
``SAFECLASS_CSRF_TRUSTED_ORIGINS``
    Comma-separated origins (``https://truong.example.vn``).
``SAFECLASS_BEHIND_PROXY``
    ``1`` when a TLS-terminating proxy sets ``X-Forwarded-Proto`` and
    ``X-Forwarded-For``.
``DATABASE_URL``
    Default ``sqlite:///var/safeclass.sqlite3``.
``SAFECLASS_DB_POOL_SIZE``
    PostgreSQL connections each server process keeps at most (default 20);
    requests beyond it wait for a free connection (up to 60 s).
``SAFECLASS_HTTP_CONCURRENCY``
    HTTP requests each server process runs at once (default 16; ``0``: no
    bound); the others wait their turn (``safeclass.core.asgi``).
``REDIS_URL``
    Unset: in-process cache and room fan-out. Set: both use Redis.
``SAFECLASS_SMTP_URL``
    ``smtp://user:password@host:port`` (``smtps://`` for implicit TLS,
    ``?starttls=1`` for STARTTLS). Unset: mail is written to ``var/mail/``
    (production: handed to the local MTA at ``localhost:25``).
``SAFECLASS_DEMO``
    ``1`` (default outside production) enables demo mode: the demo accounts
    and a visible banner; the TOTP requirement for leaders and officers is
    waived.
``SAFECLASS_SITE_URL``
    The public address (``https://lophoc.example.edu.vn``), for links in emails.
``SAFECLASS_VAR_DIR``
    Where the embedded database, secret key, uploaded files and mail go.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def _env_count(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number, 0 or more, not {value!r}")
    return int(value)


def _default_var_dir() -> Path:
    source_root = PACKAGE_DIR.parent.parent
    if (source_root / "pyproject.toml").exists():
        return source_root / "var"
    return Path.cwd() / "var"


ENVIRONMENT = os.environ.get("SAFECLASS_ENV", "development").strip().lower()
if ENVIRONMENT not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"SAFECLASS_ENV must be development, test or production, not {ENVIRONMENT!r}"
    )
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"

VAR_DIR = Path(os.environ.get("SAFECLASS_VAR_DIR") or _default_var_dir()).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = _env_flag("SAFECLASS_DEBUG", False) and not PRODUCTION
DEMO_MODE = _env_flag("SAFECLASS_DEMO", not PRODUCTION) and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("SAFECLASS_SECRET_KEY", "").strip()
    if key:
        if PRODUCTION and len(key) < 50:
            raise ImproperlyConfigured("SAFECLASS_SECRET_KEY must be at least 50 characters.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SAFECLASS_SECRET_KEY is required in production "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
        )
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        # Written once, readable by the owner only; an existing file is never replaced.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = _env_list("SAFECLASS_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    if PRODUCTION:
        raise ImproperlyConfigured("SAFECLASS_ALLOWED_HOSTS is required in production.")
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
    if TESTING:
        ALLOWED_HOSTS.append("testserver")
CSRF_TRUSTED_ORIGINS = _env_list("SAFECLASS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "safeclass.core",
    "safeclass.audit",
    "safeclass.orgs",
    "safeclass.accounts",
    "safeclass.notify",
    "safeclass.classes",
    "safeclass.moderation",
    "safeclass.live",
    "safeclass.portal",
    "safeclass.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_tasks_db",
    "channels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "safeclass.core.middleware.LanguageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "safeclass.accounts.middleware.SessionActivityMiddleware",
    "safeclass.accounts.middleware.SecondFactorMiddleware",
    "safeclass.classes.middleware.RulesAcceptanceMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "safeclass.urls"
ASGI_APPLICATION = "safeclass.asgi.application"
# At most this many HTTP requests of a process in their views at once. In the
# join storm on 2 cores (docs/benchmarks.md, 2026-12-03) every bound from 4 to
# 20 did better than none, 16 best (one noisy run each); without a bound the
# request threads queued on the interpreter lock.
HTTP_CONCURRENCY = _env_count("SAFECLASS_HTTP_CONCURRENCY", 16)

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "safeclass.portal.context_processors.shell",
                "safeclass.notify.context_processors.unread",
            ],
        },
    }
]

# --- Database -----------------------------------------------------------------

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or (
    f"sqlite:///{VAR_DIR / 'safeclass.sqlite3'}"
)
_database = dj_database_url.parse(DATABASE_URL, conn_max_age=0)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _database["OPTIONS"] = {
        # WAL lets readers go on while one writer commits; IMMEDIATE takes the
        # write lock at BEGIN so two transactions never deadlock on upgrade,
        # and it serialises the audit hash chain (see audit/services.py).
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if TESTING:
        # A file (not memory) so the live-server thread sees committed data;
        # one per process so parallel test runs never share a database.
        _database["TEST"] = {"NAME": str(VAR_DIR / f"test-safeclass-{os.getpid()}.sqlite3")}
elif _database["ENGINE"] == "django.db.backends.postgresql":
    _database.setdefault("OPTIONS", {})
    if TESTING:
        _database["CONN_HEALTH_CHECKS"] = True
        _database["TEST"] = {"NAME": f"test_safeclass_{os.getpid()}"}
    else:
        # A pool per process: a burst of requests (a whole school at 7:20) waits
        # for a connection instead of failing once PostgreSQL runs out of them.
        _database["OPTIONS"]["pool"] = {
            "min_size": 2,
            "max_size": int(os.environ.get("SAFECLASS_DB_POOL_SIZE", "20")),
            "timeout": 60,
        }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache and realtime fan-out -----------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
REDIS_KEY_PREFIX = os.environ.get("SAFECLASS_REDIS_PREFIX", "safeclass")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_KEY_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The live room fans out through its own hub (safeclass.live.hub), over Redis
# pub/sub between processes when REDIS_URL is set; no Channels channel layer.

# --- Background tasks -----------------------------------------------------------

TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- Authentication -------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "safeclass.accounts.backends.IdentifierBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
if TESTING:
    # Same algorithm (argon2id), cheaper parameters, so the suite stays fast.
    PASSWORD_HASHERS = ["safeclass.accounts.hashers.TestArgon2PasswordHasher"]

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name", "email", "phone")},
    },
    {"NAME": "safeclass.accounts.validators.PersonalDataPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "safeclass.accounts.validators.VietnameseCommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes: a lock applies to one account from one address, so failures
# from an attacker's address never lock the real user out of theirs. A separate
# per-address ceiling (accounts/throttle.py) stops one address trying many
# accounts; it is set high because a whole school can share one address.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 20
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "identifier"
AXES_USERNAME_CALLABLE = "safeclass.accounts.backends.axes_username"
AXES_LOCKOUT_CALLABLE = "safeclass.accounts.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "safeclass.core.http.client_ip"
AXES_VERBOSE = False
AXES_DISABLE_ACCESS_LOG = True
AXES_SENSITIVE_PARAMETERS = ["password", "identifier"]
SAFECLASS_ADDRESS_FAILURE_LIMIT = 300
SAFECLASS_ADDRESS_FAILURE_WINDOW = 3600  # seconds

OTP_TOTP_ISSUER = "SafeClass"
OTP_TOTP_THROTTLE_FACTOR = 1

SESSION_ENGINE = "safeclass.accounts.session_store"
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "safeclass.core.views.csrf_failure"

# One-time credentials (accounts/tokens.py).
SAFECLASS_ACTIVATION_CODE_TTL = 30 * 24 * 3600
SAFECLASS_PASSWORD_RESET_TTL = 30 * 60
SAFECLASS_SIGNIN_LINK_TTL = 15 * 60

# --- Security headers -----------------------------------------------------------

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

if PRODUCTION:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 3600
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The __Host- prefix makes browsers refuse these cookies unless they are
    # Secure, for this host only (no Domain) and for the whole site (Path=/).
    SESSION_COOKIE_NAME = "__Host-safeclass-session"
    CSRF_COOKIE_NAME = "__Host-safeclass-csrf"
    LANGUAGE_COOKIE_NAME = "__Host-safeclass-lang"
    LANGUAGE_COOKIE_HTTPONLY = True
else:
    SESSION_COOKIE_NAME = "safeclass-session"
    CSRF_COOKIE_NAME = "safeclass-csrf"
    LANGUAGE_COOKIE_NAME = "safeclass-lang"

if _env_flag("SAFECLASS_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SAFECLASS_TRUST_FORWARDED_FOR = _env_flag("SAFECLASS_BEHIND_PROXY", False)

# --- Internationalisation -------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ---------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "files")},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        ),
    },
}
# Outside production the files are served straight from the apps, so the
# embedded default needs no collectstatic step.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG

# --- Mail -----------------------------------------------------------------------

DEFAULT_FROM_EMAIL = os.environ.get("SAFECLASS_MAIL_FROM", "SafeClass <no-reply@safeclass.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_smtp_url = os.environ.get("SAFECLASS_SMTP_URL", "").strip()
if not _smtp_url and PRODUCTION:
    # A production server hands mail to its local MTA unless told otherwise.
    _smtp_url = "smtp://localhost:25"
if _smtp_url:
    _smtp = urlsplit(_smtp_url)
    if _smtp.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured("SAFECLASS_SMTP_URL must start with smtp:// or smtps://")
    _smtp_options = parse_qs(_smtp.query)
    MAILERS: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _smtp.hostname or "localhost",
                "port": _smtp.port or (465 if _smtp.scheme == "smtps" else 25),
                "username": unquote(_smtp.username or ""),
                "password": unquote(_smtp.password or ""),
                "use_ssl": _smtp.scheme == "smtps",
                "use_tls": _smtp_options.get("starttls", ["0"])[0] in {"1", "true", "yes"},
                "timeout": 20,
            },
        }
    }
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": str(VAR_DIR / "mail")},
        }
    }

# --- Logging: never passwords, tokens or message bodies (architecture §11) ------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "safeclass": {"level": "INFO"},
        "django.request": {"level": "ERROR"},
    },
}

# --- SafeClass ------------------------------------------------------------------

SAFECLASS_HOTLINE = "111"
# A pupil who came too early has the lobby opened for them at a random moment
# within this many seconds after it opens, so that a whole school's pages do
# not all arrive in the same second.
SAFECLASS_LOBBY_SPREAD_SECONDS = 30
# The public address, e.g. https://lophoc.example.edu.vn: emails end with full links.
SAFECLASS_SITE_URL = os.environ.get("SAFECLASS_SITE_URL", "").strip()
SAFECLASS_PRIVACY_NOTICE_VERSION = "2026-11"
# The audit log is never erased; only the test suite may empty it between tests.
SAFECLASS_ALLOW_AUDIT_FLUSH = TESTING
