"""Settings, all from the environment.

With nothing set: SQLite under var/, Celery over kombu's filesystem transport under var/ (no server needed), Amazon's
own SP-API and Login with Amazon hosts, HTTPS only. DATABASE_URL switches to PostgreSQL; REDIS_URL switches the
broker, the shared SP-API rate limiter and the cache to Redis. The demo (DJANGO_DEMO=1, set by `dev.py demo`) runs over
plain http on 127.0.0.1 against the local Seller Central sandbox.
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("APP_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")
DEMO_MODE = env_bool("DJANGO_DEMO")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if DEMO_MODE:
        # Only the demo may run on a well-known key: stored Amazon credentials are encrypted with a key derived from
        # it, and sessions are signed with it. DJANGO_DEBUG alone is no reason to publish either.
        SECRET_KEY = "demo-only-insecure-secret-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set (or DJANGO_DEMO=1 for the local demo).")
# Older keys still accepted for signatures (and for reading credentials encrypted with a key derived from them).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "axes",
    "config",
    "admin_ui",
    "orders",
    "amazon_channel",
    "dashboard",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the vendored assets itself, so the demo needs neither DEBUG nor a web server in front.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The browser's language (Accept-Language, or the cookie the language switch sets) ...
    "django.middleware.locale.LocaleMiddleware",
    # ... unless the signed-in person chose one: kept with their account, read from the session (no query).
    "admin_ui.languages.UserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Every admin page needs a signed-in staff user; login, static files and the Django admin are exempt.
    "admin_ui.middleware.StaffRequiredMiddleware",
    # Pages seen signed in show buyers' names and addresses: no browser or proxy may keep a copy.
    "admin_ui.middleware.NoStoreWhenSignedInMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Turns a locked-out sign-in into the lock-out page; django-axes wants it last.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "admin_ui.context_processors.admin_menu",
                "admin_ui.context_processors.admin_notices",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            # Several processes (web, worker, beat) share the file: wait for locks instead of failing at once.
            "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:index"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in throttling (django-axes) -----------------------------------------------------------------------------
# After LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that pair is locked out for
# LOGIN_LOCKOUT_MINUTES (every further attempt restarts the clock), even with the right password. A successful sign-in
# clears the count. `manage.py axes_reset_username <name>` unlocks someone early.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # needs the request: authenticate(request, username=..., password=...)
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "admin_ui.access.locked_out"
AXES_CLIENT_IP_CALLABLE = "admin_ui.access.client_ip"
# Behind N reverse proxies that each append to X-Forwarded-For, the client's address is the Nth entry from the right;
# 0 (default) = REMOTE_ADDR. Never trust the header without a proxy in front that sets it.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hant", _("Traditional Chinese")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date, time and number format per language on every page (config/formats/<lang>/formats.py, docs/I18N.md).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise expects it even when it serves from the finders
# Whitenoise finds files where runserver does, so no collectstatic step is needed for the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- HTTPS and the browser's protections ----------------------------------------------------------------------------
# Outside the demo and DJANGO_DEBUG the admin is served over HTTPS only (`manage.py check --deploy` reports nothing);
# the demo runs over plain http on 127.0.0.1.
HTTPS_ONLY = not (DEMO_MODE or DEBUG)
# Behind a proxy that terminates TLS: the header it sets on HTTPS requests, e.g. "X-Forwarded-Proto" (value "https")
# or "X-Forwarded-Proto: https". Only a proxy that always sets or strips it may be trusted with this.
_proxy_ssl_header = os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER", "").strip()
if _proxy_ssl_header:
    _name, _, _value = _proxy_ssl_header.replace("=", ":").partition(":")
    _name = _name.strip().upper().replace("-", "_")
    SECURE_PROXY_SSL_HEADER = (_name if _name.startswith("HTTP_") else "HTTP_" + _name, _value.strip() or "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS_ONLY)
SESSION_COOKIE_SECURE = HTTPS_ONLY
LANGUAGE_COOKIE_SECURE = HTTPS_ONLY
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # the sign-in page of this browser keeps speaking the language chosen last
LANGUAGE_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if HTTPS_ONLY else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
# Scripts and styles only from our own static files (the templates carry no inline script, handler or style
# attribute); Bootstrap's CSS draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": HTTPS_ONLY,
    }
}

# --- Redis: broker, cache, shared rate limiter -------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The dashboard's figures read the sales statistics (tens of milliseconds at 1M orders), so by default they are fresh
# on every request; a positive number caches them that many seconds (shared through Redis when configured).
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "0"))

# --- Celery --------------------------------------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600}
else:
    _queue_dir = VAR_DIR / "celery-queue"
    _queue_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_queue_dir),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a killed worker's task runs again; every task is idempotent
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_BEAT_SCHEDULER = "config.beat:SafeDatabaseScheduler"  # one bad row never stops beat
# A broker (Redis) outage or restart must not need a person. Celery's default gives up reconnecting after 100 attempts
# (about 45 minutes) and the worker exits; None = keep trying, the worker resumes whenever Redis is back. Tasks running
# when the connection drops finish (their work is in the database; a re-run is a no-op) instead of being cancelled,
# which Celery 6 will make the default (a cancelled push would stay claimed until its lease runs out).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = TIME_ZONE

# --- Email ---------------------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend" if DEMO_MODE else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "sent-emails"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Store <sales@example.com>")

# --- Amazon SP-API ---------------------------------------------------------------------------------------------------
# Amazon's own hosts, unless the demo or the environment says the local sandbox (SELLER_CENTRAL_SANDBOX_URL) or another
# host (SPAPI_ENDPOINT_NA / _EU / _FE, LWA_ENDPOINT) stands in. Plain http is refused outside loopback (config/checks.py
# and SpApiConfig), so a client secret never crosses a network unencrypted.
AMAZON_SPAPI_ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
AMAZON_LWA_ENDPOINT = "https://api.amazon.com/auth/o2/token"
SANDBOX_URL = os.environ.get("SELLER_CENTRAL_SANDBOX_URL", "http://127.0.0.1:8001" if DEMO_MODE else "").rstrip("/")
SPAPI_ENDPOINTS = {
    region: os.environ.get(f"SPAPI_ENDPOINT_{region.upper()}", SANDBOX_URL or amazon)
    for region, amazon in AMAZON_SPAPI_ENDPOINTS.items()
}
LWA_ENDPOINT = os.environ.get("LWA_ENDPOINT", SANDBOX_URL + "/auth/o2/token" if SANDBOX_URL else AMAZON_LWA_ENDPOINT)
SPAPI_MODELS_DIR = Path(os.environ.get("SPAPI_MODELS_DIR", BASE_DIR.parent / "shared" / "spapi-models"))
# Outbox: feeds batch every pending message of a store and type per window (Amazon allows ~1 createFeed / 2 min).
# Seconds, fractions allowed: bench/many_stores.py --outbox divides these and AMAZON_FEED_GATHER_SECONDS by its time
# scale, as the sandbox divides its usage plans.
AMAZON_FEED_WINDOW_SECONDS = float(os.environ.get("AMAZON_FEED_WINDOW_SECONDS", "120"))
AMAZON_FEED_POLL_SECONDS = float(os.environ.get("AMAZON_FEED_POLL_SECONDS", "30"))
# The gaps from createFeed to the first getFeed polls (comma-separated seconds); every AMAZON_FEED_POLL_SECONDS after.
AMAZON_FEED_POLL_STEPS = tuple(
    float(step) for step in os.environ.get("AMAZON_FEED_POLL_STEPS", "5,5,10,20").split(",") if step.strip()
)
# A feed goes out once no new cancel / refund of its store came for this long (seconds): a burst goes out whole.
AMAZON_FEED_GATHER_SECONDS = float(os.environ.get("AMAZON_FEED_GATHER_SECONDS", "5"))
# Buyer data retention (Amazon's Data Protection Policy): the buyer's personal data is removed this many days after
# the order shipped or was canceled (amazon_channel/retention, docs/DATA_PROTECTION.md).
AMAZON_BUYER_DATA_RETENTION_DAYS = int(os.environ.get("AMAZON_BUYER_DATA_RETENTION_DAYS", "30"))
# Fernet keys that encrypt Amazon credentials at rest, newest first: the first encrypts, every one decrypts (rotation:
# put a new key first, run `manage.py rotate_credentials_key`, then drop the old one). The single
# CREDENTIALS_ENCRYPTION_KEY of earlier versions is still read, after them. With none, a key derived from SECRET_KEY
# encrypts; keys derived from SECRET_KEY and its fallbacks always decrypt, last (amazon_channel/crypto.py).
CREDENTIALS_ENCRYPTION_KEYS = env_list("CREDENTIALS_ENCRYPTION_KEYS")
if os.environ.get("CREDENTIALS_ENCRYPTION_KEY", "").strip() not in {"", *CREDENTIALS_ENCRYPTION_KEYS}:
    CREDENTIALS_ENCRYPTION_KEYS.append(os.environ["CREDENTIALS_ENCRYPTION_KEY"].strip())
for _key in CREDENTIALS_ENCRYPTION_KEYS:
    try:
        _valid = len(base64.urlsafe_b64decode(_key.encode())) == 32
    except (binascii.Error, ValueError):
        _valid = False
    if not _valid:
        raise ImproperlyConfigured(
            "CREDENTIALS_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded bytes): "
            'make one with python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
