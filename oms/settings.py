"""Settings from environment variables, with safe defaults for the one-machine demo.

Without configuration the app runs on SQLite with tasks executed in-process. With
`DATABASE_URL` and `REDIS_URL` it runs on PostgreSQL with Celery workers and beat.
See README "Configuration" for every variable.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("OMS_DEBUG", True)
SECRET_KEY = os.environ.get("OMS_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("OMS_SECRET_KEY must be set when OMS_DEBUG is off")
    SECRET_KEY = "insecure-demo-key-only-for-local-use-" + "x" * 32
ALLOWED_HOSTS = env_list("OMS_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("OMS_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "import_export",
    "oms",
    "inventory",
    "orders",
    "fulfillment",
    "returns",
    "instore",
    "customercare",
    "monitoring",
]

MIDDLEWARE = [
    "monitoring.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "oms.urls"
WSGI_APPLICATION = "oms.wsgi.application"
ASGI_APPLICATION = "oms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oms.context_processors.navigation",
            ],
        },
    }
]

VAR_DIR = Path(os.environ.get("OMS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'oms.sqlite3'}"),
        conn_max_age=int(os.environ.get("OMS_DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time: wait for the lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "oms.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("ar", _("Arabic")),
    ("zh-hans", _("Simplified Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Berlin"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("OMS_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: Redis broker when configured; otherwise tasks run in-process right after commit.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Routing has a queue of its own, so it can get its own workers (or machine) apart from the
# customer messages; a worker started without -Q consumes both queues.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = {"celery": {}, "routing": {}}
CELERY_TASK_ROUTES = {
    "fulfillment.tasks.route_order": {"queue": "routing"},
    "fulfillment.tasks.route_released_orders": {"queue": "routing"},
}
# Workers keep their database connection across tasks like web processes do across requests
# (CONN_MAX_AGE; oms/celery.py drops a broken or expired one before and after each task).
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Outbox drains (oms/dispatch.py): work whose kick was lost waits at most this long.
    "kick-drains": {"task": "oms.tasks.kick_drains", "schedule": 60.0},
    "purge-idempotency-records": {
        "task": "oms.tasks.purge_idempotency_records",
        "schedule": 3600.0,
    },
    "expire-stock-reservations": {
        "task": "inventory.tasks.expire_stock_reservations",
        "schedule": 60.0,
    },
    "send-prepayment-reminders": {
        "task": "orders.tasks.send_prepayment_reminders",
        "schedule": 900.0,
    },
    "cancel-unpaid-prepayments": {
        "task": "orders.tasks.cancel_unpaid_prepayments",
        "schedule": 900.0,
    },
    "expire-uncollected-pickups": {
        "task": "instore.tasks.expire_uncollected_pickups",
        "schedule": 300.0,
    },
    "complete-finished-orders": {
        "task": "orders.tasks.complete_finished_orders",
        "schedule": 3600.0,
    },
    "expire-announced-returns": {
        "task": "returns.tasks.expire_announced_returns",
        "schedule": 3600.0,
    },
    "route-waiting-orders": {"task": "fulfillment.tasks.retry_waiting_orders", "schedule": 300.0},
    "reroute-from-outages": {"task": "fulfillment.tasks.reroute_from_outages", "schedule": 60.0},
    "handle-late-shipments": {
        "task": "fulfillment.tasks.handle_late_shipments",
        "schedule": 3600.0,
    },
    "mark-sla-breaches": {"task": "monitoring.tasks.mark_sla_breaches", "schedule": 300.0},
    "refresh-step-durations": {
        "task": "monitoring.tasks.refresh_step_durations",
        "schedule": 60.0,
    },
    "recopy-step-durations": {"task": "monitoring.tasks.recopy_step_durations", "schedule": 3600.0},
    "refresh-key-figures": {"task": "monitoring.tasks.refresh_key_figures", "schedule": 60.0},
    "recount-key-figures": {"task": "monitoring.tasks.recount_key_figures", "schedule": 3600.0},
    "send-sla-digest": {"task": "monitoring.tasks.send_sla_digest", "schedule": 3600.0},
    "beat-heartbeat": {"task": "monitoring.tasks.beat_heartbeat", "schedule": 60.0},
}
# External providers behind interfaces: the fakes serve the demo and the tests.
OMS_PAYMENT_PROVIDER = os.environ.get("OMS_PAYMENT_PROVIDER", "orders.payments.FakePaymentProvider")
OMS_CARRIER_GATEWAY = os.environ.get(
    "OMS_CARRIER_GATEWAY", "fulfillment.services.carriers.FakeCarrierGateway"
)
# The routing engine's exact search stops after this many milliseconds (then greedy).
OMS_ROUTING_TIME_BUDGET_MS = int(os.environ.get("OMS_ROUTING_TIME_BUDGET_MS", "50"))
# Stock feeds carry 10,000+ items in one JSON body (about 70 bytes each).
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["oms.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "oms.api.pagination.PagePagination",
    "EXCEPTION_HANDLER": "oms.api.errors.problem_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OMS API",
    "DESCRIPTION": "The REST contract shops, marketplaces, warehouses and partners integrate "
    "against. Authenticate with `Authorization: Bearer <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and ReDoc from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "oms.api.schema.postprocess_api_conventions",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.Order.Status",
        "OrderPaymentMethodEnum": "orders.models.Order.PaymentMethod",
        "OrderDeliveryMethodEnum": "orders.models.Order.DeliveryMethod",
        "OrderPaymentStatusEnum": "orders.models.Payment.Status",
        "OrderSubmittedPaymentStatusEnum": "orders.api.serializers.SUBMITTED_PAYMENT_STATUSES",
        "OrderRecordedPaymentStatusEnum": "orders.api.serializers.RECORDED_PAYMENT_STATUSES",
        "ReturnChannelEnum": "returns.models.Return.Channel",
        "ShopChannelEnum": "oms.models.Shop.Channel",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OMS_LOG_LEVEL", "INFO")},
}

EMAIL_BACKEND = os.environ.get(
    "OMS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("OMS_FROM_EMAIL", "service@oms.example")

# Production hardening: on when debug is off (check --deploy passes with the documented vars).
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("OMS_SECURE_SSL_REDIRECT", True)
    # Probes and Prometheus scrape over plain HTTP inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("OMS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# Product settings
OMS_DEMO_PASSWORD = os.environ.get("OMS_DEMO_PASSWORD", "demo-oms-2026")
OMS_PUBLIC_URL = os.environ.get("OMS_PUBLIC_URL", "http://127.0.0.1:8000")
# Bearer token for /metrics; unset: /metrics answers only requests from the machine itself.
OMS_METRICS_TOKEN = os.environ.get("OMS_METRICS_TOKEN", "")
