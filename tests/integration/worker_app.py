"""The Celery app of the integration tests' worker process: the project's own app and settings
(jcm_registry.settings.test, against the test database named by DATABASE_URL), consuming only the test
run's private queue, with short retry delays, loopback webhooks allowed, and the e-mail outbox in files.

Started by tests/integration/conftest.py as ``celery -A tests.integration.worker_app worker``.
"""

import os

from celery.signals import task_prerun
from django.conf import settings

from jcm_registry.celery import app

app.conf.task_default_queue = os.environ["JCM_TEST_CELERY_QUEUE"]
app.conf.broker_transport_options = {
    # A message taken by a worker that dies is handed out again after this many seconds.
    "visibility_timeout": int(os.environ.get("JCM_TEST_VISIBILITY_TIMEOUT", "8")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}

settings.EMAIL_BACKEND = "tests.integration.mailbox.GatedFileBackend"
settings.JCM_WEBHOOK_ALLOW_LOOPBACK = True
settings.JCM_WEBHOOK_RETRY_BASE_SECONDS = 1
settings.JCM_WEBHOOK_MAX_RETRIES = 3
settings.JCM_WEBHOOK_TIMEOUT_SECONDS = 10



@task_prerun.connect
def forget_content_types(**kwargs) -> None:
    """The tests flush the database after each test, and the content types come back with new ids:
    a long-lived worker must not use the ids it cached before (a real database is never flushed)."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


__all__ = ["app"]
