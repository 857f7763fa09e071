"""Settings read from the environment.

Every real service is off by default and switched on by one variable
(see the configuration table in README.md), so a fresh checkout runs with
SQLite, eager Celery tasks and local media.
"""

from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise environ.ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[PUBLIC_BASE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "graphene_django",
    "phonenumber_field",
    "shop.accounts",
    "catalog",
    "traceability",
    "logistics",
    "shop.orders",
    "shop.ledger",
    "shop.payments",
    "shop.checkout",
    "storefront",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages and API answers travel compressed to phones on weak networks (Django
    # masks CSRF tokens per response, the BREACH mitigation its docs ask for).
    "django.middleware.gzip.GZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.accounts.middleware.BearerTokenMiddleware",
    "shop.core.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The plumbing's own templates (GraphiQL's page); shop is not an app.
        "DIRS": [BASE_DIR / "shop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
# PostgreSQL plans a statement once and reuses it (psycopg's server-side binding
# and prepared statements): less work per query for the database. Leave it off
# behind a pooler in transaction mode (PgBouncer), which cannot keep them.
_postgresql = DATABASES["default"]["ENGINE"].endswith("postgresql")
if _postgresql and env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["shop.accounts.backends.PhoneOrEmailBackend"]
LOGIN_URL = "storefront:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PHONENUMBER_DEFAULT_REGION = "CN"

JWT_ACCESS_TTL = timedelta(minutes=env.int("JWT_ACCESS_TTL_MINUTES", default=15))
JWT_REFRESH_TTL = timedelta(days=env.int("JWT_REFRESH_TTL_DAYS", default=30))

# Rate limits (shop/core/throttling.py, django-ratelimit's core) count in the `limits`
# cache, kept apart from the response cache so that a flood of cacheable answers never
# evicts a counter or a lock (give it its own Redis database with maxmemory-policy noeviction).
# TRUSTED_PROXY_HOPS: how many proxies of ours append to X-Forwarded-For (0: none,
# the header is ignored); see shop/core/http.py client_address.
TRUSTED_PROXY_HOPS = env.int("TRUSTED_PROXY_HOPS", default=0)
RATELIMIT_USE_CACHE = "limits"
RATELIMIT_IP_META_KEY = "shop.core.http.client_address"

# Text messages and emails to people (shop/core/notifications.py): the console by default.
NOTIFICATION_BACKEND = env.str(
    "NOTIFICATION_BACKEND", default="shop.core.notifications.MailBackend"
)
# Emails (order notices, codes sent to an email): the console unless EMAIL_URL names SMTP.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="山村集市 <no-reply@localhost>")
# Who answers for the QR resolver, and its terms (/.well-known/gs1resolver).
RESOLVER_CONTACT_EMAIL = env.str(
    "RESOLVER_CONTACT_EMAIL", default=parseaddr(DEFAULT_FROM_EMAIL)[1] or "no-reply@localhost"
)
RESOLVER_TERMS_URL = env.str("RESOLVER_TERMS_URL", default="")
# Registration is confirmed with a one-time code sent to the phone (or email).
REGISTRATION_CODE_SECONDS = env.int("REGISTRATION_CODE_SECONDS", default=600)

# Commerce (README, "Buying"). A cart's lines hold their stock this long.
RESERVATION_MINUTES = env.int("RESERVATION_MINUTES", default=15)
# A guest's cart holds stock for less: anyone can script guest carts.
RESERVATION_MINUTES_GUEST = env.int("RESERVATION_MINUTES_GUEST", default=5)
# Holds guest carts may take per client network in 10 minutes (a carrier's shared
# address counts as one network: raise it where many guests buy through one).
CHECKOUT_GUEST_HOLDS_PER_NETWORK = env.int("CHECKOUT_GUEST_HOLDS_PER_NETWORK", default=60)
# An order whose online payment has not succeeded by then is cancelled and its stock freed.
UNPAID_ORDER_MINUTES = env.int("UNPAID_ORDER_MINUTES", default=60)
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# The gateways offered, in this order; Stripe joins when its key is set.
PAYMENT_GATEWAYS = env.list("PAYMENT_GATEWAYS", default=["test", "cash"]) + (
    ["stripe"] if STRIPE_SECRET_KEY else []
)
# The platform's commission on each sale, by the seller's kind.
COMMISSION_RATES = {
    "farmer_household": env.str("COMMISSION_FARMER_HOUSEHOLD", default="0.03"),
    "cooperative": env.str("COMMISSION_COOPERATIVE", default="0.05"),
    "enterprise": env.str("COMMISSION_ENTERPRISE", default="0.08"),
    "default": "0.05",
}
# Home delivery, per seller's parcel (CNY): first kilogram and each further one started,
# by zone (the seller's own province, the rest of the mainland, the far west), plus
# a surcharge for a parcel that needs the cold chain. A pickup point costs a flat fee.
SHIPPING_FEES = {
    "same_province": ("8.00", "2.00"),
    "mainland": ("12.00", "4.00"),
    "remote": ("20.00", "8.00"),
}
SHIPPING_REMOTE_PROVINCES = ("54", "63", "64", "65")
SHIPPING_COLD_CHAIN = "15.00"
SHIPPING_PICKUP_POINT = env.str("SHIPPING_PICKUP_POINT", default="3.00")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "shop.core.storage.StaticFilesStorage"
    },
}

# Uploaded product images: refused above these limits before Pillow decodes pixels.
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=10 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
# Every uploaded file is cut off (and the request refused) as soon as it streams
# past UPLOAD_MAX_BYTES; a multipart body declared larger than UPLOAD_MAX_BODY_BYTES
# is refused before it is read. Set the proxy's body limit to match.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=IMAGE_MAX_BYTES)
UPLOAD_MAX_BODY_BYTES = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "shop.core.api.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# The cache is an accelerator, never a dependency of a read (shop/core/redis_cache.py):
# each Redis command waits at most CACHE_TIMEOUT_SECONDS, and after a failure a process
# stops asking for CACHE_RETRY_SECONDS.
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=0.25)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    "limits": env.cache_url(
        "LIMITS_CACHE_URL", default=env.str("CACHE_URL", default="") or "locmemcache://limits"
    ),
}
REDIS_CACHE_BACKENDS = {
    "default": "shop.core.redis_cache.RedisCache",
    "limits": "shop.core.redis_cache.LimitsRedisCache",
}
for _alias, _backend in REDIS_CACHE_BACKENDS.items():
    if CACHES[_alias]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        CACHES[_alias]["BACKEND"] = _backend

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Eager mode still borrows a producer: without a broker, give it an in-process one.
CELERY_BROKER_WRITE_URL = None if CELERY_BROKER_URL else "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
# The delivery rule (shop/core/tasks.py): acknowledged after the task ran, requeued when its
# worker dies; tasks are idempotent and declared with `durable_task`. Redis hands out the
# tasks of a worker that died after the visibility timeout: it must be longer than any task
# runs without a lease (a page of labels takes well under a second; README, "Faults").
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_VISIBILITY_TIMEOUT_SECONDS = env.int("CELERY_VISIBILITY_TIMEOUT_SECONDS", default=300)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT_SECONDS}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks a label job per serial queues to draw its QR codes on other workers
# (traceability/label_pages.py): one less than the workers is enough.
LABEL_JOB_HELPERS = env.int("LABEL_JOB_HELPERS", default=3)
# A label job is leased to the worker rendering it, renewed after each page: longer than a
# page takes (with a helper's page awaited up to 30 s), shorter than the visibility timeout.
# A job whose lease ran out and that no worker took back within LABEL_JOB_STUCK_SECONDS, or
# that was taken LABEL_JOB_MAX_ATTEMPTS times, is failed with the reason by the beat.
LABEL_JOB_LEASE_SECONDS = env.int("LABEL_JOB_LEASE_SECONDS", default=120)
LABEL_JOB_STUCK_SECONDS = env.int(
    "LABEL_JOB_STUCK_SECONDS", default=2 * CELERY_VISIBILITY_TIMEOUT_SECONDS
)
LABEL_JOB_MAX_ATTEMPTS = env.int("LABEL_JOB_MAX_ATTEMPTS", default=3)
# Each seller's share of the workers: unfinished jobs at once, labels ordered per 24 hours.
LABEL_JOBS_AT_ONCE = env.int("LABEL_JOBS_AT_ONCE", default=3)
LABEL_QUOTA_PER_DAY = env.int("LABEL_QUOTA_PER_DAY", default=50_000)
# A finished sheet's PDF is deleted this many days after it was made (ordered again at will).
LABEL_SHEET_RETENTION_DAYS = env.int("LABEL_SHEET_RETENTION_DAYS", default=30)
# Scans a process sends to the Redis scan buffer in one round trip (traceability/services/scans.py).
SCAN_PUSH_BATCH = env.int("SCAN_PUSH_BATCH", default=32)
# Each write that records a trace event has a worker sign a checkpoint of the log
# once it commits (traceability/services/log.py); the beat signs this often too,
# after a worker was lost, and audits every record (traceability/services/audit.py).
# Photo files the trace audit reads again a run, those read longest ago first: a
# file replaced in storage is found within (photos shown / this) runs.
TRACE_AUDIT_PHOTOS = env.int("TRACE_AUDIT_PHOTOS", default=500)
CELERY_BEAT_SCHEDULE = {
    "trace-checkpoint": {
        "task": "traceability.tasks.sign_trace_checkpoint",
        "schedule": env.int("TRACE_CHECKPOINT_SECONDS", default=60),
    },
    "trace-audit": {
        "task": "traceability.tasks.audit_trace_records",
        "schedule": env.int("TRACE_AUDIT_SECONDS", default=300),
    },
    # Scans buffered by the resolver go into the database this often (traceability/services/scans.py).
    "trace-flush-scans": {
        "task": "traceability.tasks.flush_scans",
        "schedule": env.int("SCAN_FLUSH_SECONDS", default=30),
    },
    # Label jobs whose worker died and that no worker took back are failed with the reason.
    "label-jobs-stuck": {
        "task": "traceability.tasks.fail_stuck_label_jobs",
        "schedule": 60,
    },
    "checkout-release-reservations": {
        "task": "shop.checkout.tasks.release_expired_reservations",
        "schedule": 60,
    },
    "orders-cancel-unpaid": {
        "task": "shop.checkout.tasks.cancel_unpaid_orders",
        "schedule": 300,
    },
    "label-sheets-old": {
        "task": "traceability.tasks.delete_old_label_sheets",
        "schedule": 24 * 3600,
    },
}

GRAPHENE = {
    "SCHEMA": "shop.schema.schema",
    "SCHEMA_OUTPUT": str(BASE_DIR / "graphql" / "schema.graphql"),
}
GRAPHQL_MAX_DEPTH = env.int("GRAPHQL_MAX_DEPTH", default=10)
GRAPHQL_MAX_COST = env.int("GRAPHQL_MAX_COST", default=50_000)
GRAPHQL_PAGE_SIZE_MAX = 100
GRAPHQL_MAX_QUERY_LENGTH = env.int("GRAPHQL_MAX_QUERY_LENGTH", default=20_000)
GRAPHQL_MAX_TOKENS = env.int("GRAPHQL_MAX_TOKENS", default=2_000)
GRAPHQL_MAX_ROOT_FIELDS = env.int("GRAPHQL_MAX_ROOT_FIELDS", default=20)
GRAPHQL_MAX_SELECTIONS = env.int("GRAPHQL_MAX_SELECTIONS", default=100)
GRAPHQL_MAX_MUTATIONS = env.int("GRAPHQL_MAX_MUTATIONS", default=10)
GRAPHQL_MAX_BODY_BYTES = env.int("GRAPHQL_MAX_BODY_BYTES", default=1024 * 1024)
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=60)
# Public answers whose every change bumps a cache tag (the QR resolver's) are kept
# this long: they are read most and change least (shop/core/public_cache.py).
PUBLIC_CACHE_LASTING_SECONDS = env.int("PUBLIC_CACHE_LASTING_SECONDS", default=3600)

# Ed25519 key that signs trace checkpoints (traceability/integrity.py): PEM (PKCS#8) or
# base64 of the raw 32-byte private key. Empty: with DEBUG, a key generated once into
# TRACE_SIGNING_KEY_FILE (outside MEDIA_ROOT, which DEBUG serves); without DEBUG, refused.
TRACE_SIGNING_KEY = env.str("TRACE_SIGNING_KEY", default="")
TRACE_SIGNING_KEY_FILE = env.str(
    "TRACE_SIGNING_KEY_FILE", default=str(BASE_DIR / "var" / "trace-signing-key.pem")
)
# The trace log's name in its checkpoints (C2SP tlog-checkpoint origin): by
# default the public host and /trace (traceability/transparency.py).
TRACE_LOG_ORIGIN = env.str("TRACE_LOG_ORIGIN", default="")
# The log's earlier public keys (verifier keys), after `manage.py rotate_trace_key`.
TRACE_RETIRED_KEYS = env.list("TRACE_RETIRED_KEYS", default=[])
# Witnesses that cosign the log's checkpoints, each "<url> <verifier key>"
# (`python -m witness vkey`), comma-separated (traceability/services/witnesses.py).
TRACE_WITNESSES = env.list("TRACE_WITNESSES", default=[])

# Content-Security-Policy of every page, GraphiQL's included: nothing inline,
# nothing from another origin (GraphiQL's stylesheet embeds its fonts as data:).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"graphql.execution.utils": {"level": "CRITICAL", "propagate": False}},
}
