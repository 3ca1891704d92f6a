"""Notifications through a real Redis and a real Celery worker process (tests/integration/conftest.py).

An issuance made here commits; the worker e-mails its notices, posts its signed webhook and (when the
documents app is installed) makes its issuance notification; a worker killed while sending leaves every
notice e-mailed exactly once after its restart; a failing receiver is retried and each attempt logged.
"""

import json

import pytest
from django.core import mail

from notifications import webhooks
from notifications.models import DeliveryStatus, Notification, WebhookDelivery
from tests.credits import conftest as credits_fixtures
from tests.integration.receiver import Receiver, verify_signature

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

registry_admin_jp = credits_fixtures.registry_admin_jp
registry_admin_mn = credits_fixtures.registry_admin_mn
registries = credits_fixtures.registries
company = credits_fixtures.company
holder_rep = credits_fixtures.holder_rep
holder_rep2 = credits_fixtures.holder_rep2
accounts = credits_fixtures.accounts
issuance_decision = credits_fixtures.issuance_decision
issue = credits_fixtures.issue

ISSUED = "credits.issuance.completed"


@pytest.fixture(autouse=True)
def loopback_webhooks(settings):
    settings.JCM_WEBHOOK_ALLOW_LOOPBACK = True  # for registering the endpoint in this process


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def issuance_notices(issuance):
    return Notification.objects.filter(key=f"issuance:{issuance.pk}").select_related("recipient")


def all_emailed(issuance, count):
    notices = list(issuance_notices(issuance))
    return len(notices) == count and all(n.emailed_at for n in notices)


def documents_app():
    try:
        from documents.models import Document, DocumentKind
    except ImportError:
        return None
    return Document, DocumentKind


def test_an_issuance_is_notified_by_the_worker(celery_worker, accounts, issue, holder_rep, holder_rep2,
                                               ministry, mongolia, receiver):
    holder_rep.language = "ja"
    holder_rep.save(update_fields=["language"])
    endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url)

    issuance = issue(accounts["jp_pp"], 1000)

    celery_worker.wait_until(lambda: all_emailed(issuance, 2), "both representatives' notices to be e-mailed")
    assert mail.outbox == []  # this process queued the tasks; the worker ran them
    emails = {message["To"]: message for message in celery_worker.emails()}
    assert set(emails) == {holder_rep.email, holder_rep2.email}
    japanese = emails[holder_rep.email]
    assert japanese["Content-Language"] == "ja"
    assert japanese.get_body(("html",)).get_content().count('<html lang="ja">') == 1
    assert "1,000 JCM credits issued for MN001/01" in japanese["Subject"]
    assert "1,000 JCM credits issued" in emails[holder_rep2.email].get_body(("plain",)).get_content()

    [request] = [r for r in receiver.wait_for(1) if r.headers["X-JCM-Event"] == ISSUED]
    assert verify_signature(endpoint.secret, request.body, request.headers)
    assert json.loads(request.body)["data"]["issuance"]["quantity"] == 1000
    celery_worker.wait_until(
        lambda: WebhookDelivery.objects.filter(event=ISSUED, status=DeliveryStatus.DELIVERED).exists(),
        "the delivery to be logged as delivered")

    if documents_app():
        Document, DocumentKind = documents_app()
        made = celery_worker.wait_until(
            lambda: list(Document.objects.filter(kind=DocumentKind.ISSUANCE_NOTIFICATION,
                                                 subject_id=str(issuance.pk))),
            "the issuance notification document")
        assert len(made) == 1 and made[0].sha256


def test_a_worker_killed_while_sending_is_restarted_and_each_notice_is_emailed_once(
        celery_worker, accounts, issue, holder_rep, holder_rep2):
    celery_worker.hold_emails()

    issuance = issue(accounts["jp_pp"], 1000)

    # The worker has taken one of the e-mail tasks and is in the middle of sending it.
    celery_worker.wait_until(celery_worker.emails_waiting, "the worker to be sending an e-mail")
    celery_worker.kill()
    assert celery_worker.emails() == []
    assert Notification.objects.filter(key=f"issuance:{issuance.pk}", emailed_at__isnull=False).count() == 0

    celery_worker.release_emails()
    celery_worker.start()

    # the killed task's message comes back after the visibility timeout and is done by the new worker
    celery_worker.wait_until(lambda: all_emailed(issuance, 2), "both notices e-mailed after the restart")
    celery_worker.wait_idle()
    recipients = sorted(message["To"] for message in celery_worker.emails())
    assert recipients == sorted([holder_rep.email, holder_rep2.email])  # each exactly once
    assert issuance_notices(issuance).count() == 2
    if documents_app():
        Document, DocumentKind = documents_app()
        assert Document.objects.filter(kind=DocumentKind.ISSUANCE_NOTIFICATION,
                                       subject_id=str(issuance.pk)).count() == 1


def test_a_failing_receiver_is_retried_by_the_worker_and_each_attempt_logged(
        celery_worker, accounts, issue, ministry, mongolia, receiver):
    endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url,
                                                event_kinds=[ISSUED])
    receiver.statuses.extend([500, 502])

    issue(accounts["jp_pp"], 700)

    requests = receiver.wait_for(3)
    delivery = celery_worker.wait_until(
        lambda: WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.DELIVERED).first(),
        "the delivery to succeed on its third attempt")
    attempts = list(delivery.attempts.all())
    assert [(a.number, a.status_code) for a in attempts] == [(1, 500), (2, 502), (3, 200)]
    assert all(a.duration_ms >= 0 and a.error == "" for a in attempts)
    # exponential backoff: 1 s, then 2 s (JCM_WEBHOOK_RETRY_BASE_SECONDS = 1 in the test worker)
    assert (attempts[1].started_at - attempts[0].started_at).total_seconds() >= 1
    assert (attempts[2].started_at - attempts[1].started_at).total_seconds() >= 2
    assert {r.headers["X-JCM-Delivery"] for r in requests} == {str(delivery.delivery_id)}
    assert all(verify_signature(endpoint.secret, r.body, r.headers) for r in requests)
    assert delivery.attempt_count == 3 and delivery.delivered_at is not None
