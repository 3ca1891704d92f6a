"""Celery tasks of the registry."""

import logging

from celery import shared_task

from .reconcile import reconcile

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def reconcile_registry() -> int:
    """Daily reconciliation (Celery beat). Logs every difference at ERROR; returns their number."""
    differences = reconcile()
    for difference in differences:
        logger.error("reconciliation: %s", difference)
    return len(differences)
