"""Settings for the test suite: the database named by DATABASE_URL, else the embedded one."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
# The webhook tests' receivers listen on loopback (tests/integration/receiver.py); only here.
JCM_WEBHOOK_ALLOW_LOOPBACK = True
# No audit anchor file in the tests (tests/core/test_audit_anchor.py sets one under tmp_path).
JCM_AUDIT_ANCHOR_PATH = ""
# No throttling in the tests (tests/security/test_throttling.py sets its own rates and cache).
JCM_API_THROTTLE_RATES = {scope: None for scope in ("anon", "anon_write", "user", "login")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Separate test databases for parallel runs on one server (e.g. JCM_TEST_DB_SUFFIX=_api).
DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}{env.str('JCM_TEST_DB_SUFFIX', default='')}"}  # noqa: F405
