"""Settings shared by every run mode. Values come from the environment (see .env.example).

Run modes:
- ``local`` (default of manage.py): the embedded PostgreSQL under var/ unless DATABASE_URL
  is set, Celery tasks eager unless REDIS_URL is set, e-mail to files under var/mail.
- ``test``: as local, with fast password hashing and in-memory e-mail.
- ``production``: everything explicit and secure by default.
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("JCM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-local-development-key-do-not-use-in-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("JCM_SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",  # only its table, read once by core's migration that hashes the old tokens
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # ours, bottom to top (docs/architecture.md): core, the domain apps, the top apps, the composition root
    "core",
    "committee",
    "methodologies",
    "projects",
    "credits",
    "documents",
    "notifications",
    "jcm_registry",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.auth.middleware.SessionTimeoutMiddleware",
    "core.auth.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.auth.middleware.PermissionsPolicyMiddleware",
    "core.middleware.RequestIdMiddleware",
    "core.middleware.RateLimitHeadersMiddleware",
    "core.auth.middleware.LoginThrottleMiddleware",  # per-address login budget (scope "login"), before axes
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into its 429 answer
]

ROOT_URLCONF = "jcm_registry.urls"
WSGI_APPLICATION = "jcm_registry.wsgi.application"
ASGI_APPLICATION = "jcm_registry.asgi.application"

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
                "jcm_registry.context_processors.registry",
            ],
        },
    },
]

# --- Database: PostgreSQL only -------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
else:
    from jcm_registry import embedded_pg

    # JCM_EMBEDDED_DB_ROLE: connect as that role instead of the server's owner (`make serve` names jcm_app, the
    # application's role, which `make migrate` makes with `create_app_role --if-embedded`; docs/security.md)
    DATABASES = {"default": embedded_pg.database_settings(
        Path(env.str("JCM_PGDATA", default=str(VAR_DIR / "pgdata"))),
        role=env.str("JCM_EMBEDDED_DB_ROLE", default="") or None)}
# Whether the database is the embedded one (create_app_role --if-embedded acts only then)
JCM_EMBEDDED_DATABASE = not env.str("DATABASE_URL", default="")
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=0))
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "committee.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out login before the password is checked
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Logins, second factors, sessions and tokens (docs/security.md) ---------------------
from datetime import timedelta  # noqa: E402

# django-axes: five failures for one username from one address lock that username from that address for 15 minutes.
# Per address whatever the username: LoginThrottleMiddleware, the "login" scope of JCM_API_THROTTLE_RATES below
# (JCM_THROTTLE_LOGIN, 10/minute), on these login views (POST only).
JCM_LOGIN_THROTTLED_VIEWS = ["login", "admin:login", "rest_framework:login"]
AXES_FAILURE_LIMIT = env.int("JCM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("JCM_LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Second factor: who must have one (a dotted path; core knows no roles) and how fresh it must be for step-up
JCM_SECOND_FACTOR_POLICY = "committee.roles.requires_second_factor"
JCM_SECOND_FACTOR_FRESH_MINUTES = env.int("JCM_SECOND_FACTOR_FRESH_MINUTES", default=10)
OTP_TOTP_ISSUER = "JCM Registry"
OTP_WEBAUTHN_RP_ID = env.str("JCM_WEBAUTHN_RP_ID", default="localhost")
OTP_WEBAUTHN_RP_NAME = "JCM Registry"
# Passkeys need a secure origin: https, or http://localhost (the demo: open http://localhost:8000, not 127.0.0.1)
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list("JCM_WEBAUTHN_ORIGINS", default=["http://localhost:8000"])
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is a second factor here, never the only one
# Sessions: end after 30 idle minutes and at the latest 12 hours after the login
JCM_SESSION_IDLE_SECONDS = env.int("JCM_SESSION_IDLE_SECONDS", default=30 * 60)
JCM_SESSION_ABSOLUTE_SECONDS = env.int("JCM_SESSION_ABSOLUTE_SECONDS", default=12 * 60 * 60)
SESSION_COOKIE_AGE = JCM_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# API tokens: hashed, scoped, and none lives longer than this
JCM_API_TOKEN_MAX_DAYS = env.int("JCM_API_TOKEN_MAX_DAYS", default=90)
PASSWORD_RESET_TIMEOUT = 60 * 60
# Content-Security-Policy (django-csp): no inline script anywhere; inline styles remain (style attributes)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
PERMISSIONS_POLICY = ("accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
                      "payment=(), usb=(), interest-cohort=(), publickey-credentials-create=(self), "
                      "publickey-credentials-get=(self)")

# --- Internationalisation ------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ja", _("Japanese")), ("mn", _("Mongolian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("JCM_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
JCM_DOCUMENT_MAX_BYTES = env.int("JCM_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)

# The audit chain's head is appended here by the beat task audit-anchor (docs/security.md). Outside the
# database; in production a volume of its own, shipped to write-once storage.
JCM_AUDIT_ANCHOR_PATH = env.str("JCM_AUDIT_ANCHOR_PATH", default=str(VAR_DIR / "audit-anchor.jsonl"))

# --- Registry: who may move credits (docs/credits.md, "Who may move credits") -------------
# An addition to an account's trusted-account list takes effect after this many days (the EU Registry: 7).
CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS = env.int("CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS", default=7)
# A completed transfer may be reversed (proposed and approved) within this many days.
CREDITS_REVERSAL_WINDOW_DAYS = env.int("CREDITS_REVERSAL_WINDOW_DAYS", default=30)
# An issuance from a Joint Committee decision is proposed by one registry administrator and executed when a
# second one approves it.
CREDITS_ISSUANCE_SECOND_APPROVAL = env.bool("CREDITS_ISSUANCE_SECOND_APPROVAL", default=True)

# --- Celery / Redis ------------------------------------------------------------------
from celery.schedules import crontab  # noqa: E402

REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_RETRY_DELAY = 10
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict = {
    # close methodology public-input windows whose time is up; flag overdue steps (idempotent)
    "methodology-deadlines": {"task": "methodologies.tasks.methodology_deadlines", "schedule": 15 * 60},
    # note PDD public-input windows that have closed
    "projects-public-input-closed": {"task": "projects.tasks.note_closed_public_inputs", "schedule": 15 * 60},
    # daily reconciliation of every registry (replay equals holdings)
    "credits-reconcile": {"task": "credits.tasks.reconcile_registry", "schedule": 24 * 60 * 60},
    # a daily digest of overdue items to each secretariat user (once per user and day)
    "notifications-deadline-reminders": {"task": "notifications.tasks.deadline_reminders",
                                         "schedule": crontab(hour=0, minute=30)},
    # queue again e-mails and webhook deliveries whose task was lost (skips what is done)
    "notifications-resend-stalled": {"task": "notifications.tasks.resend_stalled", "schedule": 15 * 60},
    # last month's statement of every account that is not closed (documents app), on the 1st
    # the audit chain's head, appended to a file outside the database (JCM_AUDIT_ANCHOR_PATH): verify_audit
    # then proves that no newest events were cut
    "audit-anchor": {"task": "jcm_registry.tasks.anchor_audit_head", "schedule": 5 * 60},
    "documents-monthly-statements": {"task": "documents.tasks.monthly_account_statements",
                                     "schedule": crontab(day_of_month="1", hour=1, minute=0)},
}

if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- E-mail --------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="JCM Registry <registry@localhost>")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# --- REST API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.auth.tokens.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # DRF's parsers, refusing with a 400 JSON nested too deep and NUL characters (core/api/parsers.py)
    "DEFAULT_PARSER_CLASSES": [
        "core.api.parsers.JSONParser",
        "core.api.parsers.FormParser",
        "core.api.parsers.MultiPartParser",
    ],
    # django-filter, refusing an invalid filter with a 400 that names it (core/api/filters.py); search; ordering
    "DEFAULT_FILTER_BACKENDS": [
        "core.api.filters.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # one budget per scope, rates in JCM_API_THROTTLE_RATES below (core/api/throttles.py, docs/security.md)
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttles.AnonThrottle",
        "core.api.throttles.AnonWriteThrottle",
        "core.api.throttles.UserThrottle",
    ],
    # the client address of the throttles: REMOTE_ADDR (0), or the n-th address from the right of
    # X-Forwarded-For behind n trusted proxies (docker-compose: 1, the TLS proxy in front of web)
    "NUM_PROXIES": env.int("DJANGO_NUM_PROXIES", default=0),
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
# Throttle rates per scope ("<n>/<second|minute|hour|day>"; None switches a scope off). Counted in the cache
# (Redis when REDIS_URL is set, so every web process shares the count). docs/security.md.
JCM_API_THROTTLE_RATES: dict[str, str | None] = {
    "anon": env.str("JCM_THROTTLE_ANON", default="120/minute"),
    "anon_write": env.str("JCM_THROTTLE_ANON_WRITE", default="20/minute"),
    "user": env.str("JCM_THROTTLE_USER", default="600/minute"),
    "login": env.str("JCM_THROTTLE_LOGIN", default="10/minute"),
}
# The largest API request body (JSON) read at all; larger ones are refused with a 413 before parsing.
JCM_API_MAX_BODY_BYTES = env.int("JCM_API_MAX_BODY_BYTES", default=2_621_440)

SPECTACULAR_SETTINGS = {
    "TITLE": "JCM Registry API",
    "DESCRIPTION": (
        "REST API of the Joint Crediting Mechanism registry. Public data is readable without "
        "authentication; writes need a session or a token (`Authorization: Token <key>`)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status" or "kind" with different choices: name each enum explicitly.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "committee.choices.OrganizationKind",
        "DecisionKindEnum": "committee.choices.DecisionKind",
        "RuleKindEnum": "committee.choices.RuleKind",
        "PublicationStatusEnum": "committee.choices.PublicationStatus",
        "RuleStatusEnum": "committee.choices.RuleStatus",
        "TPEStatusEnum": "committee.choices.TPEStatus",
        "SideEnum": "committee.choices.Side",
        "ParameterKindEnum": "methodologies.choices.ParameterKind",
        "VersionStatusEnum": "methodologies.choices.VersionStatus",
        "ProjectStatusEnum": "projects.choices.ProjectStatus",
        "RecordStatusEnum": "projects.choices.RecordStatus",
        "ParticipantSideEnum": "projects.choices.ParticipantSide",
        "AnnexChangeKindEnum": "projects.choices.AnnexChangeKind",
        "ChangeRequestKindEnum": "projects.choices.ChangeRequestKind",
        "MonitoringStatusEnum": "projects.choices.MonitoringStatus",
        "AccountStatusEnum": "credits.choices.AccountStatus",
        "TransactionKindEnum": "credits.choices.TransactionKind",
        "BlockStatusEnum": "credits.choices.BlockStatus",
        "InitiatedKindEnum": "credits.api.serializers.INITIATED_KINDS",
        "ProjectFormKindEnum": "projects.form_choices.ProjectFormKind",
    },
}

# --- Logging -------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}, "weasyprint": {"level": "WARNING"},
                "fontTools": {"level": "WARNING"}},
}

# --- Webhooks to ministries (docs/notifications.md) ---------------------------------------
# A loopback receiver (http:// too): only the test settings set it; not from the environment, so neither the
# demo (`make run`) nor production can turn it on. Ports other than these are refused.
JCM_WEBHOOK_ALLOW_LOOPBACK = False
JCM_WEBHOOK_ALLOWED_PORTS = env.list("JCM_WEBHOOK_ALLOWED_PORTS", cast=int, default=[443, 8443])
JCM_WEBHOOK_RETRY_BASE_SECONDS = env.int("JCM_WEBHOOK_RETRY_BASE_SECONDS", default=30)
JCM_WEBHOOK_MAX_RETRIES = env.int("JCM_WEBHOOK_MAX_RETRIES", default=8)
JCM_WEBHOOK_TIMEOUT_SECONDS = env.int("JCM_WEBHOOK_TIMEOUT_SECONDS", default=10)
