"""Celery tasks of the notifications: load by id, call one service, idempotent.

Every task is ``acks_late`` (settings: ``CELERY_TASK_ACKS_LATE``, ``CELERY_TASK_REJECT_ON_WORKER_LOST``):
a worker killed mid-task leaves the message to be delivered again, and the services make a second run
harmless — a notice is stored once per key and recipient, e-mailed once (``emailed_at`` is set in the
transaction that sends it), and a webhook delivery exists once per event and endpoint.
"""

import logging

from django.db import DatabaseError

from core.tasks import task

from . import services as notifications
from . import webhooks

logger = logging.getLogger(__name__)


@task(legacy_name="jcm_registry.tasks.send_notification_email", bind=True, acks_late=True,
      autoretry_for=(OSError, DatabaseError), retry_backoff=True, max_retries=8)
def send_notification_email(self, notification_id: int) -> bool:
    """E-mail one stored notification once; a retried or duplicated task does not send it again."""
    return notifications.notification_email_send(notification_id=notification_id)


@task(legacy_name="jcm_registry.tasks.webhook_fan_out", bind=True, acks_late=True, autoretry_for=(DatabaseError,),
      retry_backoff=True, max_retries=8)
def webhook_fan_out(self, event: str, payload: dict) -> list[int]:
    """Make the webhook deliveries of one domain event (one per endpoint concerned) and queue them."""
    return webhooks.event_deliveries_create(event=event, payload=payload)


@task(legacy_name="jcm_registry.tasks.deliver_webhook", bind=True, acks_late=True, max_retries=None)
def deliver_webhook(self, delivery_id: int, replay: bool = False) -> str:
    """One attempt at a webhook delivery; retried with exponential backoff until it is delivered or the
    last retry (``JCM_WEBHOOK_MAX_RETRIES``) failed. Every attempt is logged (WebhookAttempt)."""
    limit = webhooks.max_retries()
    final = self.request.retries >= limit
    outcome = webhooks.delivery_send(delivery_id=delivery_id, final=final, replay=replay)
    if outcome != webhooks.RETRY:
        return outcome
    if self.request.is_eager:
        # In-process mode (no broker): retry at once, as Celery's eager mode would, without raising Retry
        # into the action that queued the delivery.
        again = self.apply(args=(delivery_id,), kwargs={"replay": replay}, retries=self.request.retries + 1)
        return again.result
    raise self.retry(countdown=webhooks.backoff(self.request.retries), max_retries=limit)


# --- Celery beat ---------------------------------------------------------------------------------

@task(legacy_name="jcm_registry.tasks.deadline_reminders", acks_late=True)
def deadline_reminders() -> int:
    """Daily: a digest to each secretariat user of the overdue items in their queues (once per day)."""
    made = notifications.deadline_reminders_send()
    if made:
        logger.info("deadline reminders: %s notice(s)", made)
    return made


@task(legacy_name="jcm_registry.tasks.resend_stalled", acks_late=True)
def resend_stalled() -> dict:
    """Every 15 minutes: queue again the e-mails and webhook deliveries whose task was lost (e.g. a broker
    restarted without its data). Harmless when nothing was lost: the tasks skip what is already done."""
    emails = notifications.unsent_emails()
    deliveries = webhooks.stalled_deliveries()
    for pk in emails:
        send_notification_email.delay(pk)
    for pk in deliveries:
        deliver_webhook.delay(pk)
    if emails or deliveries:
        logger.warning("re-queued %s e-mail(s) and %s webhook deliveries", len(emails), len(deliveries))
    return {"emails": len(emails), "deliveries": len(deliveries)}
