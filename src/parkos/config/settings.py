"""ParkOS settings. Everything comes from the environment, with embedded defaults.

Embedded (no variables set): SQLite in WAL mode under var/, in-memory channel layer, local-memory cache.
Scale-out: DATABASE_URL=postgres://... and REDIS_URL=redis://... switch database, channel layer,
cache and rate-limit store. Code never asks which mode it is in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from parkos.config.env import env_bool, env_int, env_list, env_str, secret_key
from parkos.core.security_headers import PERMISSIONS_POLICY as PARK_PERMISSIONS_POLICY
from parkos.core.security_headers import content_security_policy

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PARKOS_VAR_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_tasks",
    "parkos.core.tasks_app.BackgroundTasksConfig",  # django_tasks_db, with a translated admin name
    "ninja",
    "csp",
    "django_otp",  # two-factor authentication (accounts/twofactor.py)
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "parkos.core",
    "parkos.accounts",
    "parkos.enterprises",
    "parkos.notifications",
    "parkos.catalog",
    "parkos.community",
    "parkos.events",
    "parkos.scenes",
    "parkos.access",
    "parkos.rewards",
    "parkos.insights",
    "parkos.network",
    "parkos.competitions",
    "parkos.bookings",
    "parkos.jobs",
    "parkos.space",
    "parkos.demo",
    "parkos.search",
    "parkos.generator",
    "parkos.backup",
    "parkos.audit",
    "parkos.ops",
]

MIDDLEWARE = [
    "parkos.ops.middleware.RequestContextMiddleware",  # first: request id, metrics, the request's log line
    "parkos.core.middleware.RequestTokensMiddleware",  # the kept sets' tokens, read once per request
    "django.middleware.security.SecurityMiddleware",
    "parkos.core.security_headers.ParkCSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "parkos.core.middleware.ParkLocaleMiddleware",
    "parkos.core.middleware.RequestEdgeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After log-in: an unverified session of a user with two-factor authentication goes to its second step,
    # an operator or butler without it to enrolment; then the session's "last seen" (accounts/sessions.py).
    "parkos.accounts.middleware.TwoFactorMiddleware",
    "parkos.accounts.middleware.SessionActivityMiddleware",
    "parkos.core.parks.CurrentParkMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "parkos.core.middleware.DomainErrorMiddleware",
    "parkos.audit.middleware.AuditMiddleware",
]

ROOT_URLCONF = "parkos.config.urls"
# Form widgets drawn from Django's Jinja2 widget templates, several times faster (core/form_renderer.py).
FORM_RENDERER = "parkos.core.form_renderer.FastWidgets"
WSGI_APPLICATION = "parkos.config.wsgi.application"
ASGI_APPLICATION = "parkos.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parkos.core.context_processors.shell",
                "parkos.core.parks.shell",
                "parkos.ops.context_processors.ops",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "parkos.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "parkos.core.sqlite"):
    # Writers of one process queue on a lock instead of polling SQLite's (see core/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "parkos.core.sqlite"
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock at BEGIN, so two
    # worker processes never deadlock upgrading a read lock; the timeout makes writers queue. Each of a
    # worker's threads keeps its own connection and page cache: 8 MB each (the kernel caches the file for
    # all of them), so a worker's four stay inside the memory budget at seed scale.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
                " PRAGMA foreign_keys=ON; PRAGMA cache_size=-8000;"
            ),
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channel layer, rate limits ----------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL},
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rl",
        },
        # What every node must see at once: the generations of cached fragments (core/generations.py).
        "shared": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                   "KEY_PREFIX": "shared"},
    }
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "parkos"},
        # Rate limits must be shared by the web workers, so they live on disk, not in one process.
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache" / "ratelimit"),
        },
        # What every web worker must see at once: the tokens of cached fragments and each person's facts
        # (core/generations.py), in SQLite files the processes share (diskcache: a read is ~10 µs).
        "shared": {
            "BACKEND": "parkos.core.generations.SharedDiskCache",
            "LOCATION": str(VAR_DIR / "cache" / "shared"),
            "TIMEOUT": 3600,
            "SHARDS": 2,
            "OPTIONS": {"size_limit": 256 * 2**20},
        },
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Rendered fragments of the page shell (menu, tab bar, footer, asset links: base.html): each is a pure function of
# its key (language, role flags, the page's tab) and of the code, so every process keeps its own copy in
# memory, in both modes: nothing to invalidate, no round trip to Redis.
CACHES["fragments"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments",
                       "OPTIONS": {"MAX_ENTRIES": 2000}}
# Sessions: read from the shared cache (Redis, or the machine's disk cache in embedded mode), written through
# to the database (accounts/session_store.py). A per-process memory cache would let a session that was
# logged out in one web worker live on in another.
SESSION_ENGINE = "parkos.accounts.session_store"
SESSION_CACHE_ALIAS = "shared"
RATELIMIT_USE_CACHE = "ratelimit"
RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
LOGIN_RATE_PER_ACCOUNT = env_str("LOGIN_RATE_PER_ACCOUNT", "5/5m")
LOGIN_RATE_PER_IP = env_str("LOGIN_RATE_PER_IP", "30/5m")
SIGNUP_RATE_PER_IP = env_str("SIGNUP_RATE_PER_IP", "20/h")
# SMS verification codes (accounts/sms.py). Provider: "console" (logs the message; demo and tests) or
# "aliyun" (Alibaba Cloud SMS, Dysms SendSms) with its key, signature name and template codes.
SMS_PROVIDER = env_str("PARKOS_SMS_PROVIDER", "console")
SMS_RESEND_SECONDS = env_int("SMS_RESEND_SECONDS", 60)
SMS_RATE_PER_NUMBER_DAY = env_str("SMS_RATE_PER_NUMBER_DAY", "10/d")
SMS_RATE_PER_IP = env_str("SMS_RATE_PER_IP", "20/h")
SMS_CODE_TTL = env_int("SMS_CODE_TTL", 300)
SMS_CODE_MAX_ATTEMPTS = env_int("SMS_CODE_MAX_ATTEMPTS", 5)
# Demo only: also show a console-sent code in a flash message, so a demo visitor can log in.
SMS_SHOW_CODE = env_bool("SMS_SHOW_CODE", DEBUG)
# Demo only, the same way: the second step and enrolment pages show the current TOTP code (`make demo`).
TWO_FACTOR_SHOW_CODE = env_bool("TWO_FACTOR_SHOW_CODE", SMS_SHOW_CODE and SMS_PROVIDER == "console")
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "https://dysmsapi.aliyuncs.com/")
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID", "")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET", "")
SMS_ALIYUN_SIGN_NAME = env_str("SMS_ALIYUN_SIGN_NAME", "")
SMS_ALIYUN_TEMPLATE_CODE = env_str("SMS_ALIYUN_TEMPLATE_CODE", "")
# How many reverse proxies (load balancers) stand in front of ParkOS and append to X-Forwarded-For.
# 0 (embedded default): the client is REMOTE_ADDR. Behind one load balancer: 1. Never more than there
# are, or clients could choose their own address (core/client_ip.py).
NUM_PROXIES = env_int("NUM_PROXIES", 0)

# --- background jobs ----------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# The audit log (operators' and butlers' actions, reads of personal data) keeps this many days.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365 * 2)

# --- accounts -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# ModelBackend with the signed-in member kept in the shared cache between requests (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["parkos.accounts.backends.KeptUserBackend"]
PASSWORD_HASHERS = [
    "parkos.accounts.hashers.ParkArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"
PRIVACY_POLICY_VERSION = env_str("PRIVACY_POLICY_VERSION", "2026-11")
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
# Two-factor authentication (accounts/twofactor.py, django-otp): TOTP apps plus one-time recovery codes.
# Required for these roles ("none": for nobody); everyone else may turn it on.
TWO_FACTOR_REQUIRED_ROLES = [r for r in env_list("TWO_FACTOR_REQUIRED_ROLES", ["operator", "butler"]) if r != "none"]
TWO_FACTOR_RATE_PER_ACCOUNT = env_str("TWO_FACTOR_RATE_PER_ACCOUNT", "5/5m")  # wrong codes, like passwords
TWO_FACTOR_LOGIN_SECONDS = env_int("TWO_FACTOR_LOGIN_SECONDS", 300)  # time for the second step after the password
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "ParkOS")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the back office never shows an app's secret or a recovery code
# Sessions page (accounts/sessions.py): a session's "last seen" is written at most this often.
SESSION_TOUCH_SECONDS = env_int("SESSION_TOUCH_SECONDS", 300)

# --- i18n ---------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("zh-hant", "繁體中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_FROM_BROWSER = env_bool("LANGUAGE_FROM_BROWSER", False)
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")

# --- static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# STATIC_ROOT: the container image collects its static files at build time outside its data volume.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Uploads (core/uploads.py): one limit for documents and images, a smaller one for avatars.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- backups (parkos backup / restore, backup/services.py) ---------------------------------------
BACKUP_DIR = Path(env_str("BACKUP_DIR", str(VAR_DIR / "backups")))
BACKUP_KEEP = env_int("BACKUP_KEEP", 7)

# --- mail ---------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "ParkOS <noreply@parkos.local>")

# --- websockets ---------------------------------------------------------------------------------
# Embedded: pages reach the websocket server on the same host at WS_PORT (PORT+1).
# Behind a proxy that routes /ws/ on the same origin: set WS_PUBLIC_URL (e.g. "wss://park.example").
WS_PORT = env_int("WS_PORT", env_int("PORT", 8000) + 1)
# The immersive map's own websocket server (parkos space-serve) on PORT+2; behind a proxy set
# SPACE_PUBLIC_URL (e.g. wss://park.example.com) and route /ws/space/ to it.
# The park's public address, for links in e-mails (notifications): e.g. https://park.example.com.
PUBLIC_URL = env_str("PUBLIC_URL", "")
SPACE_PORT = env_int("SPACE_PORT", env_int("PORT", 8000) + 2)
SPACE_PUBLIC_URL = env_str("SPACE_PUBLIC_URL", "")
WS_PUBLIC_URL = env_str("WS_PUBLIC_URL", "")

# --- security (production defaults; HTTPS flags switch on behind TLS) ---------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("HTTPS", False)
CSRF_COOKIE_SECURE = env_bool("HTTPS", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("HTTPS", False) else None
# Behind TLS (HTTPS=1): plain-HTTP requests are redirected, except the load balancer's and the monitoring's
# probes, which reach a node directly; and browsers are told to use HTTPS only for a year (HSTS).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", env_bool("HTTPS", False))
SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^ready/?$", r"^metrics/?$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if env_bool("HTTPS", False) else 0)
# Set these to 0 if a subdomain of the park's domain still serves plain HTTP (check --deploy then warns).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp) and Permissions-Policy: see core/security_headers.py.
CONTENT_SECURITY_POLICY = content_security_policy(
    media_url=MEDIA_URL, static_url=STATIC_URL, ws_public_url=WS_PUBLIC_URL, space_public_url=SPACE_PUBLIC_URL,
    report_uri=env_str("CSP_REPORT_URI", ""))
PERMISSIONS_POLICY = PARK_PERMISSIONS_POLICY

# --- observability (parkos.ops) -----------------------------------------------------------------
# GET /health: alive (200, touches nothing). GET /ready: 200, or 503 naming the failing checks (database,
# Redis when REDIS_URL is set, migrations applied, the job scheduler's heartbeat). Neither needs a log-in.
# A scheduler that has not ticked for READY_SCHEDULER_MAX_AGE seconds makes /ready fail (any node's tick
# counts; a job running longer than this holds its scheduler's loop; 0 leaves the check out).
READY_SCHEDULER_MAX_AGE = env_int("READY_SCHEDULER_MAX_AGE", 300)
# GET /metrics: Prometheus' text format, from the addresses or networks of METRICS_ALLOW (comma-separated,
# e.g. "127.0.0.1,::1,10.0.0.0/8"; the client address honours NUM_PROXIES) or with the header
# "Authorization: Bearer <METRICS_TOKEN>" when METRICS_TOKEN is set; anyone else gets 403.
METRICS_ALLOW = env_list("METRICS_ALLOW", ["127.0.0.1", "::1"])
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
# Every process of a node (web workers, websockets, map server, job worker, scheduler) writes its metrics
# here (prometheus-client's multi-process mode). `parkos serve` empties it at start and sets the variable
# for what it starts; a deployment that starts the processes itself sets PROMETHEUS_MULTIPROC_DIR in each
# one's environment, to one directory per node, emptied before they start.
PROMETHEUS_MULTIPROC_DIR = env_str("PROMETHEUS_MULTIPROC_DIR", str(VAR_DIR / "metrics"))
# LOG_FORMAT=json: every log line is one JSON object (time, level, logger, message, request_id; a request's
# line adds method, route, status, duration_ms, user_id). Requests are logged (parkos.request, INFO) in
# JSON mode, or with LOG_REQUESTS=1.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
LOG_REQUESTS = env_bool("LOG_REQUESTS", LOG_FORMAT == "json")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "parkos.ops.logs.RequestIdFilter"}},
    "formatters": {"json": {"()": "parkos.ops.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"parkos.request": {"level": "INFO" if LOG_REQUESTS else "WARNING"}},
}

PARK_NAME = _("ParkOS Demo Park")
# Public holidays and adjusted working weekends for SLA and reply clocks (see core/workdays.py).
PARK_HOLIDAYS_FILE = env_str("PARK_HOLIDAYS_FILE", "")
# The year report's share poster is drawn with a font holding Chinese (a .ttf, .ttc or .otf file); empty:
# the first of Debian's fonts-wqy-microhei, fonts-noto-cjk … that is installed (insights/services/poster.py).
POSTER_FONT = env_str("PARKOS_POSTER_FONT", "")
