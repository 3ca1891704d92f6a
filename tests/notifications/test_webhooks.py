"""Webhooks for ministries: who may register endpoints, which events reach which country, signed payloads,
retries with every attempt logged, replay, and the ministry users' own notices.

A real HTTP receiver listens on loopback (tests/integration/receiver.py); Celery runs eagerly here, so a
retry happens at once (the integration tests run the same with a real worker and real delays).
"""

import datetime
import json

import pytest
from django.db import transaction
from django.urls import reverse

from committee import services as committee_services
from committee.choices import DecisionKind, DecisionMode, Role
from core.errors import ApplicationError, NotAllowed
from core.models import AuditEvent
from notifications import services as notifications
from notifications import webhooks
from notifications.models import DeliveryStatus, WebhookDelivery
from tests import factories as f
from tests.conftest import client_for
from tests.credits import conftest as credits_fixtures
from tests.integration.receiver import Receiver, verify_signature

pytestmark = pytest.mark.django_db(transaction=True)

# The registry fixtures of the credits tests (registries, accounts, an issuance helper).
registry_admin_jp = credits_fixtures.registry_admin_jp
registry_admin_mn = credits_fixtures.registry_admin_mn
registries = credits_fixtures.registries
company = credits_fixtures.company
holder_rep = credits_fixtures.holder_rep
holder_rep2 = credits_fixtures.holder_rep2
accounts = credits_fixtures.accounts
issuance_decision = credits_fixtures.issuance_decision
issue = credits_fixtures.issue


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.JCM_WEBHOOK_ALLOW_LOOPBACK = True
    settings.JCM_WEBHOOK_MAX_RETRIES = 2
    settings.JCM_WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


@pytest.fixture
def mn_endpoint(ministry, mongolia, receiver):
    return webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url,
                                            description="MEGD registry integration")


def body_of(request) -> dict:
    return json.loads(request.body)


def of_event(receiver, event: str) -> list:
    return [r for r in receiver.requests if r.headers["X-JCM-Event"] == event]


ISSUED = "credits.issuance.completed"


# --- Endpoints ----------------------------------------------------------------------------------------

def test_a_ministry_registers_an_endpoint_for_its_own_country(ministry, other_ministry, participant, sysadmin,
                                                               mongolia, settings):
    endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://megd.example.mn/jcm",
                                                event_kinds=["credits.*"])
    assert endpoint.owner == ministry and endpoint.secret.startswith("whsec_") and len(endpoint.secret) > 40
    event = AuditEvent.objects.get(action="webhooks.endpoint.create")
    assert event.actor == ministry and event.data["url"] == "https://megd.example.mn/jcm"
    assert endpoint.secret not in json.dumps(event.data)

    for actor in (other_ministry, participant):
        with pytest.raises(NotAllowed):
            webhooks.webhook_endpoint_create(actor=actor, country=mongolia, url="https://x.example/jcm")
    with pytest.raises(ApplicationError) as plain_http:
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="http://megd.example.mn/jcm")
    assert plain_http.value.errors == {"url": ["Webhook endpoints must use https://."]}
    settings.JCM_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ApplicationError):
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="http://127.0.0.1:9/hook")
    with pytest.raises(ApplicationError) as unknown:
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://x.example/jcm",
                                         event_kinds=["payments.*"])
    assert "event_kinds" in unknown.value.errors
    # an administrator may register one and name a ministry user of that country as its owner
    by_admin = webhooks.webhook_endpoint_create(actor=sysadmin, country=mongolia, url="https://b.example.mn/",
                                                owner=ministry)
    assert by_admin.owner == ministry
    with pytest.raises(ApplicationError):
        webhooks.webhook_endpoint_create(actor=sysadmin, country=mongolia, url="https://c.example.mn/",
                                         owner=participant)


def test_api_shows_each_ministry_only_its_endpoints(ministry, other_ministry, mongolia, cambodia):
    mn_api, kh_api = client_for(ministry), client_for(other_ministry)
    created = mn_api.post("/api/v1/webhook-endpoints/", {"country": "MN", "url": "https://megd.example.mn/jcm",
                                                         "event_kinds": ["credits.*"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["secret"].startswith("whsec_") and created.json()["owner"] == "ministry_mn"
    refused = kh_api.post("/api/v1/webhook-endpoints/", {"country": "MN", "url": "https://x.example/"},
                          format="json")
    assert refused.status_code == 403
    assert [e["url"] for e in mn_api.get("/api/v1/webhook-endpoints/").json()["results"]] == [
        "https://megd.example.mn/jcm"]
    assert kh_api.get("/api/v1/webhook-endpoints/").json()["results"] == []
    pk = created.json()["id"]
    assert kh_api.patch(f"/api/v1/webhook-endpoints/{pk}/", {"is_active": False}, format="json").status_code == 403
    old_secret = created.json()["secret"]
    rotated = mn_api.post(f"/api/v1/webhook-endpoints/{pk}/rotate-secret/")
    assert rotated.status_code == 200 and rotated.json()["secret"] != old_secret
    paused = mn_api.patch(f"/api/v1/webhook-endpoints/{pk}/", {"is_active": False}, format="json")
    assert paused.status_code == 200 and paused.json()["is_active"] is False
    assert AuditEvent.objects.filter(action__startswith="webhooks.endpoint.").count() == 3


# --- Events to endpoints ---------------------------------------------------------------------------------

def test_an_issuance_is_posted_signed_to_the_ministries_of_the_countries_concerned(
        mn_endpoint, other_ministry, cambodia, accounts, issue, receiver):
    with Receiver() as kh_receiver:
        kh_endpoint = webhooks.webhook_endpoint_create(actor=other_ministry, country=cambodia, url=kh_receiver.url)

        issue(accounts["jp_pp"], 1000)

        assert kh_receiver.requests == []
    assert not WebhookDelivery.objects.filter(endpoint=kh_endpoint).exists()
    [request] = of_event(receiver, ISSUED)
    delivery = WebhookDelivery.objects.get(endpoint=mn_endpoint, event=ISSUED)
    assert request.headers["X-JCM-Event"] == "credits.issuance.completed"
    assert request.headers["X-JCM-Delivery"] == str(delivery.delivery_id)
    assert request.headers["Content-Type"].startswith("application/json")
    assert verify_signature(mn_endpoint.secret, request.body, request.headers)
    assert not verify_signature(mn_endpoint.secret, request.body + b" ", request.headers)
    assert not verify_signature("whsec_wrong", request.body, request.headers)
    payload = body_of(request)
    assert payload["id"] == str(delivery.delivery_id) and payload["country"] == "MN"
    assert payload["event"] == "credits.issuance.completed"
    assert payload["data"]["issuance"]["quantity"] == 1000 and payload["data"]["issuance"]["project"] == "MN001"
    assert payload["data"]["transaction"]["to_account"] is None
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_count == 1
    assert [(a.number, a.status_code, a.error) for a in delivery.attempts.all()] == [(1, 200, "")]


def test_endpoints_receive_only_the_events_they_chose_and_each_event_once(ministry, mongolia, accounts, issue,
                                                                          receiver):
    only_retirements = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url,
                                                        event_kinds=["credits.retirement.*"])
    everything = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url)

    issuance = issue(accounts["jp_pp"], 500)
    # a second run of the fan-out (a redelivered task) neither duplicates nor resends
    payload = {"issuance_id": issuance.pk, "transaction_id": issuance.transaction_id}
    assert webhooks.event_deliveries_create(event="credits.issuance.completed", payload=payload) == []

    assert not WebhookDelivery.objects.filter(endpoint=only_retirements).exists()
    assert WebhookDelivery.objects.filter(endpoint=everything, event=ISSUED).count() == 1
    assert len(of_event(receiver, ISSUED)) == 1


def test_a_transfer_in_japans_registry_goes_to_japan_not_to_the_partner(mn_endpoint, japan, accounts, issue,
                                                                       holder_rep, receiver):
    from credits import services as credits_services
    from credits.choices import TransactionKind

    jp_ministry = f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)
    with Receiver() as jp_receiver:
        jp_endpoint = webhooks.webhook_endpoint_create(actor=jp_ministry, country=japan, url=jp_receiver.url,
                                                       event_kinds=["credits.transfer.completed"])
        issue(accounts["jp_pp"], 100)
        txn = credits_services.transaction_initiate(actor=holder_rep, kind=TransactionKind.TRANSFER,
                                                    from_account=accounts["jp_pp"], to_account=accounts["jp_other"],
                                                    quantity=40)
        [request] = jp_receiver.requests
    assert body_of(request)["data"]["transaction"]["reference"] == txn.reference
    assert body_of(request)["data"]["transaction"]["ranges"] and request.headers["X-JCM-Event"] == (
        "credits.transfer.completed")
    assert verify_signature(jp_endpoint.secret, request.body, request.headers)
    assert [r.headers["X-JCM-Event"] for r in receiver.requests] == ["committee.decision.recorded", ISSUED]


def test_a_decision_goes_to_both_governments_of_the_committee(mn_endpoint, japan, jc, secretariat, receiver):
    jp_ministry = f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)
    with Receiver() as jp_receiver:
        webhooks.webhook_endpoint_create(actor=jp_ministry, country=japan, url=jp_receiver.url)
        draft = committee_services.decision_record(
            actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
            kind=DecisionKind.REGISTER_PROJECT, title="Registration of MN001", subject_label="MN001", publish=False)
        assert receiver.requests == [] and jp_receiver.requests == []  # a draft is not announced
        committee_services.decision_publish(actor=secretariat, decision=draft)
        [to_japan] = jp_receiver.requests

    [to_mongolia] = receiver.requests
    for request in (to_mongolia, to_japan):
        assert request.headers["X-JCM-Event"] == "committee.decision.recorded"
        assert body_of(request)["data"]["decision"]["title"] == "Registration of MN001"
        assert body_of(request)["data"]["decision"]["joint_committee"] == "MN"
    assert body_of(to_japan)["country"] == "JP" and body_of(to_mongolia)["country"] == "MN"


# --- Retries, the log and replay -----------------------------------------------------------------------

def test_a_failing_receiver_is_retried_and_every_attempt_is_logged(mn_endpoint, accounts, issue, receiver):
    receiver.statuses.extend([500, 503])

    issue(accounts["jp_pp"], 1000)

    delivery = WebhookDelivery.objects.get(endpoint=mn_endpoint, event=ISSUED)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_count == 3
    assert [(a.number, a.status_code) for a in delivery.attempts.all()] == [(1, 500), (2, 503), (3, 200)]
    assert not any(a.response_excerpt for a in delivery.attempts.all())  # replies are not kept
    requests = of_event(receiver, ISSUED)
    assert len(requests) == 3
    assert {r.headers["X-JCM-Delivery"] for r in requests} == {str(delivery.delivery_id)}
    assert len({r.body for r in requests}) == 1
    assert all(verify_signature(mn_endpoint.secret, r.body, r.headers) for r in requests)


def test_an_unreachable_endpoint_fails_after_the_last_retry_and_is_replayed(
        ministry, other_ministry, mongolia, accounts, issue, receiver):
    closed_port = Receiver()  # bound, never serving: connections are refused once it is closed
    url = closed_port.url
    closed_port.server.server_close()
    endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=url)

    issue(accounts["jp_pp"], 1000)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event=ISSUED)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempt_count == 3
    assert all(a.status_code is None and a.error == "connection failed" for a in delivery.attempts.all())

    # the ministry fixes its URL and replays; someone else's ministry may not
    webhooks.webhook_endpoint_update(actor=ministry, endpoint=endpoint, url=receiver.url)
    assert client_for(other_ministry).post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/").status_code == 403
    replayed = client_for(ministry).post(f"/api/v1/webhook-deliveries/{delivery.pk}/replay/")

    assert replayed.status_code == 202
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempt_count == 4
    last = delivery.attempts.get(number=4)
    assert last.replay and last.status_code == 200
    assert AuditEvent.objects.get(action="webhooks.delivery.replay").data["previous_status"] == "failed"
    assert of_event(receiver, ISSUED)[0].headers["X-JCM-Delivery"] == str(delivery.delivery_id)
    log = client_for(ministry).get(f"/api/v1/webhook-deliveries/?endpoint={endpoint.pk}").json()["results"]
    assert [a["status_code"] for a in log[0]["attempts"]] == [None, None, None, 200]
    assert client_for(other_ministry).get("/api/v1/webhook-deliveries/").json()["results"] == []


def test_a_delivery_whose_task_was_lost_is_sent_by_the_sweeper(mn_endpoint, receiver):
    from django.utils import timezone

    from notifications import tasks

    # A delivery stored by a fan-out whose queued task never reached a worker (e.g. the broker lost it).
    lost = WebhookDelivery.objects.create(endpoint=mn_endpoint, event=ISSUED, event_key="lost:1",
                                          payload={"issuance": {"quantity": 5}})
    assert tasks.resend_stalled() == {"emails": 0, "deliveries": 0}  # too recent: its task may be on the way
    WebhookDelivery.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(hours=2))

    assert tasks.resend_stalled() == {"emails": 0, "deliveries": 1}

    lost.refresh_from_db()
    assert lost.status == DeliveryStatus.DELIVERED
    assert body_of(receiver.requests[0])["data"] == {"issuance": {"quantity": 5}}
    assert tasks.resend_stalled() == {"emails": 0, "deliveries": 0}


def test_the_delivery_log_makes_the_same_queries_for_one_or_many(ministry, mn_endpoint, receiver,
                                                                 django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(ministry)

    def tell(n):
        with transaction.atomic():
            notifications.notify(recipients=[ministry], kind="credits.issued", key=f"k:{n}", subject=f"Notice {n}")

    tell(0)
    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/webhook-deliveries/").json()["results"]) == 1
    for n in range(1, 6):
        tell(n)
    with django_assert_max_num_queries(len(one)):
        results = api.get("/api/v1/webhook-deliveries/").json()["results"]
    assert len(results) == 6 and all(len(r["attempts"]) == 1 for r in results)


# --- A ministry user's own notices ---------------------------------------------------------------------

def test_a_ministry_users_notices_go_to_the_endpoints_it_owns_unless_switched_off(mn_endpoint, ministry,
                                                                                  participant, receiver):
    with transaction.atomic():
        notifications.notify(recipients=[ministry, participant], kind="credits.issued", key="issuance:9",
                             subject="500 JCM credits issued for MN001/02", url="/registry/")

    [request] = receiver.requests
    assert request.headers["X-JCM-Event"] == "notification.created"
    data = body_of(request)["data"]
    assert data["recipient"] == "ministry_mn"
    assert data["notification"]["subject"] == "500 JCM credits issued for MN001/02"
    assert data["notification"]["url"].endswith("/registry/")

    notifications.preference_set(actor=ministry, scope="credits", webhook=False)
    with transaction.atomic():
        notifications.notify(recipients=[ministry], kind="credits.issued", key="issuance:10", subject="Again")
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


# --- Pages ---------------------------------------------------------------------------------------------

def test_webhook_pages_show_the_log_and_replay(client, ministry, participant, mn_endpoint, accounts, issue,
                                               receiver):
    receiver.statuses.append(500)
    issue(accounts["jp_pp"], 1000)
    delivery = WebhookDelivery.objects.get(endpoint=mn_endpoint, event=ISSUED)
    client.force_login(ministry)

    listing = client.get(reverse("inbox:webhook-list")).content.decode()
    assert mn_endpoint.url in listing
    detail = client.get(reverse("inbox:webhook-detail", args=[mn_endpoint.pk])).content.decode()
    assert "credits.issuance.completed" in detail and mn_endpoint.secret not in detail  # shown once, at creation
    attempts = client.get(reverse("inbox:delivery-detail", args=[delivery.pk])).content.decode()
    assert "HTTP 500" in attempts and "HTTP 200" in attempts

    assert client.post(reverse("inbox:delivery-replay", args=[delivery.pk])).status_code == 302
    delivery.refresh_from_db()
    assert delivery.attempt_count == 3 and delivery.attempts.get(number=3).replay

    client.force_login(participant)
    assert client.get(reverse("inbox:webhook-list")).status_code == 403
    assert client.get(reverse("inbox:delivery-detail", args=[delivery.pk])).status_code == 403


def test_registering_an_endpoint_in_the_browser(client, ministry, mongolia):
    client.force_login(ministry)
    refused = client.post(reverse("inbox:webhook-create"), {"country": mongolia.pk, "url": "http://megd.example/"})
    assert refused.status_code == 400 and "must use https://" in refused.content.decode()

    created = client.post(reverse("inbox:webhook-create"), {"country": mongolia.pk, "url": "https://megd.example/",
                                                            "event_kinds": ["credits.*"]})
    assert created.status_code == 302
    endpoint = ministry.webhook_endpoints.get()
    assert endpoint.event_kinds == ["credits.*"] and endpoint.country == mongolia
