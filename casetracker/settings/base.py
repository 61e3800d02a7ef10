from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_choice, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
if DEBUG:
    # The embedded demo only: a fixed key is harmless on 127.0.0.1 and keeps sessions
    # valid across restarts of `make run`.
    SECRET_KEY = SECRET_KEY or "embedded-demo-key-not-for-production-use-0123456789abcdef"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver", "[::1]"]
else:
    # The same bar as check --deploy (security.W009), enforced at start so a weak key
    # cannot reach production just because nobody ran the deploy check.
    if (
        len(SECRET_KEY) < 50
        or len(set(SECRET_KEY)) < 5
        or SECRET_KEY.startswith("django-insecure-")
    ):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random string of at least 50 characters "
            "when DJANGO_DEBUG is off."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list the host names this server answers to "
            "when DJANGO_DEBUG is off."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "django_filters",
    "guardian",
    "django_countries",
    "django_celery_beat",
    "auditlog",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "casetracker.core",
    "seizures",
    "referrals",
    "evidence",
    "forensics",
    "casetracker.reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "casetracker.core.accounts.middleware.SessionLimitsMiddleware",
    "casetracker.core.accounts.middleware.MfaRequiredMiddleware",
    "casetracker.core.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "casetracker.core.middleware.ContentSecurityPolicyMiddleware",
    # Last, as django-axes requires: it turns a lockout raised during login into a page.
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # gunicorn serves the collected, fingerprinted assets itself; in the embedded demo
    # runserver's staticfiles app serves them from the source tree.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "casetracker.urls"
WSGI_APPLICATION = "casetracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "casetracker" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must be a postgres:// URL (PostgreSQL).")
    # Pages ask for 50 rows; a parallel plan's start-up costs more than it saves there
    # (measured: list page 28 → 9 ms of database time with 100 000 seizures).
    # JIT compilation is off too: it starts on the evaluators' aggregates, whose estimated
    # cost is high, and spent a second compiling a route breakdown that then ran in 0.9 s
    # (100 000 seizures); no query here runs long enough to repay it.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c max_parallel_workers_per_gather=0 -c jit=off"
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": BASE_DIR / "var" / "casetracker.sqlite3",
            # Officers save at the same instant; wait for the write lock instead of failing.
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username is refused before its password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "casetracker" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Uploaded photos and documents are evidence: kept outside the web root and served only
# through permission-checked views, never by URL.
PRIVATE_MEDIA_ROOT = Path(env_str("CASETRACKER_PRIVATE_MEDIA_ROOT") or BASE_DIR / "var" / "private")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = None
ATTACHMENT_MAX_BYTES = env_int("CASETRACKER_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Historic import files (seizures/imports): a 300 000-row IDS extract is about 40 MB.
SEIZURE_IMPORT_MAX_BYTES = env_int(
    "CASETRACKER_SEIZURE_IMPORT_MAX_BYTES", 200 * 1024 * 1024, minimum=1024
)
# On PostgreSQL a second thread writes one batch while the next is read (False: one thread).
SEIZURE_IMPORT_THREADED = True
# Digital evidence (phone extractions, videos) is larger than photos; it is streamed to disk.
EVIDENCE_FILE_MAX_BYTES = env_int(
    "CASETRACKER_EVIDENCE_FILE_MAX_BYTES", 2 * 1024 * 1024 * 1024, minimum=1024
)
# --- the follow-up ladder (casetracker/reporting) ---
# A seizure below the top rung with no progress for this many days is "stalled".
CASETRACKER_STALLED_DAYS = env_int("CASETRACKER_STALLED_DAYS", 90, minimum=1)
# The dashboard keeps a cohort's figures this long (0: never): they take seconds for a
# hundred thousand seizures, and every evaluator sees the same ones. The page says the
# instant they are as of.
CASETRACKER_EVALUATION_CACHE_SECONDS = env_int(
    "CASETRACKER_EVALUATION_CACHE_SECONDS", 300, minimum=0
)
# --- end of the follow-up ladder ---
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# SMTP when a host is set; otherwise e-mails are written as files (one per message) when
# a directory is given, or printed on the console of the demo.
EMAIL_FILE_PATH = env_str("CASETRACKER_EMAIL_FILE_PATH")
if env_str("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
elif EMAIL_FILE_PATH:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "casetracker@localhost")

# Optional online geocoder (a geopy class path, e.g. "geopy.geocoders.Nominatim"); the
# shipped gazetteer is always the fallback and the only source when this is empty.
CASETRACKER_ONLINE_GEOCODER = env_str("CASETRACKER_ONLINE_GEOCODER")

# Periodic work scheduled here rather than in a migration (the referrals' is in theirs):
# django-celery-beat's DatabaseScheduler copies these entries into its tables when the
# beat process starts.
CELERY_BEAT_SCHEDULE = {
    "reporting: resend queued cohort reports": {
        "task": "casetracker.reporting.tasks.report_runs_sweep",
        "schedule": 300.0,  # seconds: reports.RESEND_AFTER (a test keeps them equal)
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["casetracker.core.accounts.permissions.SignedInProperly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("CASETRACKER_API_ANON_RATE", "60/minute"),
        "user": env_rate("CASETRACKER_API_USER_RATE", "2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "casetracker API",
    "DESCRIPTION": "Seizures made at ports and their follow-up.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema describes every field we hold; only signed-in users and systems read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Two different "role" choice sets (a party's and a port call's) need their own names.
    "ENUM_NAME_OVERRIDES": {
        "PartyRoleEnum": "seizures.choices.PartyRole",
        "PortCallRoleEnum": "seizures.choices.PortCallRole",
        # Seizures and referrals both have a "status"; referrals add a third "role" (the
        # reader's side) and reuse their reasons and outcomes under several field names.
        "StatusEnum": "seizures.choices.SeizureStatus",
        "ReferralStatusEnum": "referrals.choices.ReferralStatus",
        "ReferralRoleEnum": "referrals.filters.ReferralSide",
        "DeclineReasonEnum": "referrals.choices.DeclineReason",
        "ClosingOutcomeEnum": "referrals.choices.ClosingOutcome",
        # Recipients and the evaluators' responsiveness figures both have a "kind".
        "RecipientKindEnum": "referrals.choices.RecipientKind",
    },
}

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None  # no guardian anonymous user: anonymous people see nothing

LOG_LEVEL = env_choice(
    "DJANGO_LOG_LEVEL", "WARNING", ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
