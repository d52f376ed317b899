"""Settings for ecoenforce, read from the environment.

With nothing set, the project runs on its embedded defaults: an embedded
PostgreSQL under ``var/pgdata`` and Celery tasks executed inline. Production
sets ``DEBUG=0``, ``SECRET_KEY``, ``DATABASE_URL``, ``CELERY_BROKER_URL`` and
``ALLOWED_HOSTS`` (see docs/deployment.md and docker/.env.example).
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from ecoenforce.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ECOENFORCE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "unfold",
    "unfold.contrib.filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "companies",
    "cases",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ecoenforce.urls"
WSGI_APPLICATION = "ecoenforce.wsgi.application"

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
            ],
        },
    },
]

# --- Database: PostgreSQL only, embedded when DATABASE_URL is unset ----------
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from ecoenforce.embedded import embedded_database_url

    DATABASE_URL = embedded_database_url(VAR_DIR / "pgdata")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_health_checks=True)
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
if _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://…)")
_db.setdefault("OPTIONS", {})
if env_bool("DATABASE_POOL", False):
    # psycopg 3's pool; persistent connections must then stay off.
    _db["OPTIONS"]["pool"] = {"min_size": 1, "max_size": env_int("DATABASE_POOL_SIZE", 10)}
else:
    _db["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media files (served locally, never from a CDN) ---------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- Security (production values unless DEBUG) --------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)
LOGIN_URL = "admin:login"

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")
# Without a broker (the demo), tasks run inline in the web process.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only when done, so a killed worker's task is redelivered;
# tasks must therefore be safe to run twice (see STYLE.md).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 15 * 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 20 * 60)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_TASK_TIME_LIMIT + 600}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE: dict = {
    # Every night after midnight (CELERY_TIMEZONE): due-soon and overdue flags of open cases.
    "refresh-case-deadlines": {
        "task": "cases.refresh_case_deadlines",
        "schedule": crontab(hour=0, minute=30),
    },
    # Every night (CELERY_TIMEZONE): the overdue flag of open demands (诉求).
    "flag-overdue-demands": {
        "task": "companies.flag_overdue_demands",
        "schedule": crontab(hour=0, minute=40),
    },
    # Half-year statistics: the half-year just ended, on 1 January and 1 July.
    "build-previous-half-year": {
        "task": "stats.build_scheduled_half_year",
        "schedule": crontab(month_of_year="1,7", day_of_month=1, hour=2, minute=0),
        "args": ("previous",),
    },
    # Half-year statistics: the current half-year, refreshed every night.
    "build-current-half-year": {
        "task": "stats.build_scheduled_half_year",
        "schedule": crontab(hour=1, minute=30),
        "args": ("current",),
    },
}

# --- REST framework and OpenAPI ------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["ecoenforce.api.RolePermission"],
    "DEFAULT_PAGINATION_CLASS": "ecoenforce.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "ecoenforce.api.exception_handler",
    "DATE_FORMAT": "%Y-%m-%d",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ecoenforce API",
    "DESCRIPTION": "生态环境执法案件管理系统 REST API v1 (see API.md in the project docs).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.choices.CaseStatus",
        "SnapshotStatusEnum": "stats.models.SnapshotStatus",
        "EnterpriseStatusEnum": "companies.choices.EnterpriseStatus",
        "ImportStatusEnum": "companies.choices.ImportStatus",
        # The ladder's steps are the proposed and the decided one (and a proposal's step).
        "LadderStepEnum": "cases.choices.LadderStep",
        "InspectionTriggerEnum": "cases.choices.InspectionTrigger",
        "FindingSeverityEnum": "cases.choices.FindingSeverity",
        # Case sources and non-site sources are both fields named "source".
        "CaseSourceEnum": "cases.choices.CaseSource",
        "OffsiteSourceEnum": "cases.choices.OffsiteSource",
        "OffsiteStatusEnum": "cases.choices.OffsiteStatus",
        "DismissalReasonEnum": "cases.choices.DismissalReason",
        "DemandStatusEnum": "companies.choices.DemandStatus",
        "DemandCategoryEnum": "companies.choices.DemandCategory",
        "VisitKindEnum": "companies.choices.VisitKind",
        "PlanStatusEnum": "cases.choices.PlanStatus",
        "PoolKindEnum": "cases.choices.PoolKind",
        "InspectionStatusEnum": "cases.choices.InspectionStatus",
        "InspectionOutcomeEnum": "cases.choices.InspectionOutcome",
        # 服务评价、监督投诉 and the enterprise file (一企一档).
        "FeedbackKindEnum": "cases.feedback_choices.FeedbackKind",
        "ComplaintStatusEnum": "cases.feedback_choices.ComplaintStatus",
        "TimelineKindEnum": "cases.enterprise_file.TIMELINE_KIND_CHOICES",
        "ComplianceStatusEnum": "cases.enterprise_file.STRIP_STATUS_CHOICES",
    },
}

# --- Admin theme -------------------------------------------------------------
# django-unfold serves its fonts (Inter, Material Symbols), CSS and scripts
# from its own static files; nothing here may point at a CDN.
UNFOLD = {
    "SITE_TITLE": "生态环境执法管理系统",
    "SITE_HEADER": "生态环境执法管理系统",
    "SITE_SUBHEADER": "生态环境局",
    "SITE_SYMBOL": "eco",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "SHOW_LANGUAGES": False,
    "BORDER_RADIUS": "6px",
    "COLORS": {
        # Green for an ecology bureau (Tailwind's emerald scale).
        "primary": {
            "50": "oklch(97.9% .021 166.113)",
            "100": "oklch(95% .052 163.051)",
            "200": "oklch(90.5% .093 164.15)",
            "300": "oklch(84.5% .143 164.978)",
            "400": "oklch(76.5% .177 163.223)",
            "500": "oklch(69.6% .17 162.48)",
            "600": "oklch(59.6% .145 163.225)",
            "700": "oklch(50.8% .118 165.612)",
            "800": "oklch(43.2% .095 166.913)",
            "900": "oklch(37.8% .077 168.94)",
            "950": "oklch(26.2% .051 172.552)",
        },
    },
    "SIDEBAR": {
        "show_search": True,
        # Pages of apps not yet in the navigation stay reachable.
        "show_all_applications": True,
        # Groups 企业 / 人员与区划, only the pages the user may see.
        "navigation": "ecoenforce.admin_nav.sidebar_navigation",
    },
}

# --- Domain settings ------------------------------------------------------------
# The city this installation serves; regions outside it can be loaded as well
# (manage.py load_regions), and a scope on any node covers what lies under it.
ECOENFORCE_CITY_REGION = env_str("ECOENFORCE_CITY_REGION", "131000")
# A deadline this many days away or fewer marks its case "due soon" (即将到期).
ECOENFORCE_DUE_SOON_DAYS = env_int("ECOENFORCE_DUE_SOON_DAYS", 3)
# Case numbers read "<prefix>〔<year>〕<n>号", e.g. 廊环罚〔2026〕12号.
ECOENFORCE_CASE_NUMBER_PREFIX = env_str("ECOENFORCE_CASE_NUMBER_PREFIX", "廊环罚")
# 较大数额罚款 that gives the right to a hearing (处罚法 art. 63); set by the province.
ECOENFORCE_HEARING_THRESHOLD_ORGANISATION = env_int(
    "ECOENFORCE_HEARING_THRESHOLD_ORGANISATION", 200_000
)
ECOENFORCE_HEARING_THRESHOLD_INDIVIDUAL = env_int("ECOENFORCE_HEARING_THRESHOLD_INDIVIDUAL", 10_000)
# 双随机 plans: how many times a year one enterprise may be drawn or inspected (plan default).
ECOENFORCE_INSPECTION_YEARLY_CAP = env_int("ECOENFORCE_INSPECTION_YEARLY_CAP", 2)
# Evidence uploads: size limit and accepted file types.
ECOENFORCE_EVIDENCE_MAX_BYTES = env_int("ECOENFORCE_EVIDENCE_MAX_BYTES", 200 * 1024 * 1024)
# 一次帮扶、两次督导、三次严惩: minor findings count toward the ladder for this many months.
ECOENFORCE_LADDER_WINDOW_MONTHS = env_int("ECOENFORCE_LADDER_WINDOW_MONTHS", 12)
# A check-in code printed for an enterprise's gate stays valid this many days after issue.
ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS = env_int("ECOENFORCE_CHECKIN_CODE_MAX_AGE_DAYS", 366)
# 服务评价、监督投诉: a feedback link handed to an enterprise stays valid this many days.
ECOENFORCE_FEEDBACK_LINK_DAYS = env_int("ECOENFORCE_FEEDBACK_LINK_DAYS", 14)
# The anonymous feedback pages and API: at most this many requests per client
# address, and per link, in each window of ECOENFORCE_FEEDBACK_RATE_WINDOW seconds
# (counted in the default cache; set CACHE_URL so that every web process shares it).
ECOENFORCE_FEEDBACK_RATE_PER_IP = env_int("ECOENFORCE_FEEDBACK_RATE_PER_IP", 30)
ECOENFORCE_FEEDBACK_RATE_PER_TOKEN = env_int("ECOENFORCE_FEEDBACK_RATE_PER_TOKEN", 10)
ECOENFORCE_FEEDBACK_RATE_WINDOW = env_int("ECOENFORCE_FEEDBACK_RATE_WINDOW", 600)
# DRF's ScopedRateThrottle of POST /api/v1/feedback/submit/ (per address).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["feedback"] = env_str(
    "ECOENFORCE_FEEDBACK_API_RATE", "20/min"
)

# --- Cache -------------------------------------------------------------------
# Rate limits and throttles count in the default cache: process-local memory
# unless CACHE_URL names a Redis server shared by all web processes
# (e.g. redis://redis:6379/1). Tests leave it unset, so they stay deterministic.
CACHE_URL = env_str("CACHE_URL", "")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://")):
        raise ImproperlyConfigured("CACHE_URL must be a Redis URL (redis://…)")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
