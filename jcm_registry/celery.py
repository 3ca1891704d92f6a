"""The Celery application.

With ``REDIS_URL`` set, tasks go to Redis and run in ``celery -A jcm_registry worker``;
without it (the embedded default and the test settings) they run eagerly in-process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jcm_registry.settings.local")

app = Celery("jcm_registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
