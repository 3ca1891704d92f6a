"""Celery tasks of the projects app: they find the work by id and call a service (no model writes here)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from . import services
from .models import Project

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def note_closed_public_inputs() -> list[str]:
    """Celery beat (every 15 minutes): tell the participants, their TPE and the secretariat when a PDD's public
    input period has closed. Idempotent: a project is noted once (``public_input_closed_noted_at``)."""
    due = Project.objects.filter(public_input_closes_at__lte=timezone.now(),
                                 public_input_closed_noted_at__isnull=True).values_list("pk", flat=True)
    noted = []
    for pk in list(due):
        project = Project.objects.get(pk=pk)
        if services.public_input_note_closed(project=project):
            noted.append(project.project_id)
    if noted:
        logger.info("public input closed: %s", ", ".join(noted))
    return noted
