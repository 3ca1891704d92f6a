"""Settings modules, each loaded in a fresh Python process with a chosen environment.

A subprocess keeps this test's own settings and database connection untouched. The
project's ``.env`` file is not read there, so a developer's file cannot hide a missing
variable.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

LOAD = """
import json, sys
import environ
environ.Env.read_env = classmethod(lambda cls, *a, **k: None)  # ignore the project's .env
from django.conf import settings
try:
    values = {name: getattr(settings, name) for name in sys.argv[1:]}
except Exception as exc:
    print(json.dumps({"error": type(exc).__name__, "message": str(exc)}))
else:
    print(json.dumps({"values": values}, default=str))
"""

PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "jcm_registry.settings.production",
    "DJANGO_SECRET_KEY": "k7#Qz9-vT2!mW4rX8pL1nB6cJ3sF0hD5gY-eA7uK2iO9wZ4qR1tV8xN3",
    "DJANGO_ALLOWED_HOSTS": "registry.example.org",
    # Never connected to: loading settings does not open a connection.
    "DATABASE_URL": "postgres://jcm@db.invalid:5432/jcm",
    "REDIS_URL": "redis://redis.invalid:6379/0",
}


def load(env: dict, *names: str) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL",
                                                                        "CELERY_"))}
    result = subprocess.run([sys.executable, "-c", LOAD, *names], env={**clean, **env}, cwd=BASE_DIR,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_is_secure_by_default():
    loaded = load(PRODUCTION, "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT",
                  "SECURE_HSTS_SECONDS", "ALLOWED_HOSTS", "CELERY_TASK_ALWAYS_EAGER")
    values = loaded["values"]
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True and values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] > 0
    assert values["ALLOWED_HOSTS"] == ["registry.example.org"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "REDIS_URL"])
def test_production_refuses_to_load_without(missing):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    loaded = load(env, "DEBUG")
    assert loaded.get("error") == "ImproperlyConfigured", loaded
    assert missing in loaded["message"]


def test_production_refuses_the_development_secret_key():
    loaded = load({**PRODUCTION, "DJANGO_SECRET_KEY": "insecure-local-development-key-do-not-use-in-production"},
                  "DEBUG")
    assert loaded.get("error") == "ImproperlyConfigured"
    assert "DJANGO_SECRET_KEY" in loaded["message"]


@pytest.mark.parametrize("weak", ["x", "a" * 60, "0123456789" * 6, "short-but-varied-Key-1!"])
def test_production_refuses_a_weak_secret_key(weak):
    loaded = load({**PRODUCTION, "DJANGO_SECRET_KEY": weak}, "DEBUG")
    assert loaded.get("error") == "ImproperlyConfigured", loaded
    assert "DJANGO_SECRET_KEY" in loaded["message"]


def test_production_debug_only_when_asked():
    assert load({**PRODUCTION, "DJANGO_DEBUG": "true"}, "DEBUG")["values"]["DEBUG"] is True


def test_test_settings_run_tasks_in_process_even_with_redis():
    env = {"DJANGO_SETTINGS_MODULE": "jcm_registry.settings.test", "DATABASE_URL": PRODUCTION["DATABASE_URL"],
           "REDIS_URL": PRODUCTION["REDIS_URL"]}
    values = load(env, "CELERY_TASK_ALWAYS_EAGER", "CELERY_BROKER_URL")["values"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is True
    assert values["CELERY_BROKER_URL"] == PRODUCTION["REDIS_URL"]


def test_local_settings_send_tasks_to_redis_when_configured():
    env = {"DJANGO_SETTINGS_MODULE": "jcm_registry.settings.local", "DATABASE_URL": PRODUCTION["DATABASE_URL"]}
    assert load(env, "CELERY_TASK_ALWAYS_EAGER")["values"]["CELERY_TASK_ALWAYS_EAGER"] is True
    values = load({**env, "REDIS_URL": PRODUCTION["REDIS_URL"]}, "CELERY_TASK_ALWAYS_EAGER", "DEBUG")["values"]
    assert values["CELERY_TASK_ALWAYS_EAGER"] is False
    assert values["DEBUG"] is True
