"""Celery tasks of the methodologies app (they call services; no model writes here)."""

import logging

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def methodology_deadlines() -> dict:
    """Celery beat (every 15 minutes, CELERY_BEAT_SCHEDULE): close the public-input windows whose time is up and flag overdue steps.

    Idempotent: a second run finds nothing more to close or flag.
    """
    result = services.methodology_cycle_tick()
    if result.closed or result.flagged:
        logger.info("methodology deadlines: closed %s, flagged overdue %s", result.closed, result.flagged)
    return {"closed": result.closed, "flagged": result.flagged}
