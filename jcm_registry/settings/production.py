"""Production: secure by default. Every secret and host must be given explicitly."""

import os

from django.core.exceptions import ImproperlyConfigured

# Refuse before base.py could start the embedded server (production never uses it).
if not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL is required in production")

from .base import *  # noqa: E402, F403
from .base import REDIS_URL, env  # noqa: E402

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY")  # raises ImproperlyConfigured when missing
if SECRET_KEY.startswith("insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 16:
    # stricter than Django's own check (security.W009: 50 characters, 5 different ones)
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a real secret in production: at least 50 characters, "
                               "at least 16 different ones (python -c 'import secrets; print(secrets.token_urlsafe(50))')")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
if not REDIS_URL:
    raise ImproperlyConfigured("REDIS_URL is required in production")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer",  # noqa: F405
                                                                   "rest_framework.renderers.BrowsableAPIRenderer"]}
