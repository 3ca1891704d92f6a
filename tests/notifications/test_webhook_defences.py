"""Found 5 (issue 12): webhooks reach only public addresses (checked at registration and again when
connecting, to the address that was checked), show no raw errors or replies, show the secret once, and sign
with the Standard Webhooks scheme (webhook-id, webhook-timestamp, webhook-signature)."""

import base64
import hashlib
import hmac
import time

import pytest
from django.urls import reverse

from core.errors import ApplicationError
from notifications import webhooks
from notifications.models import WebhookDelivery
from tests.conftest import client_for
from tests.credits import conftest as credits_fixtures
from tests.integration.receiver import Receiver

pytestmark = pytest.mark.django_db(transaction=True)

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
def quick(settings):
    settings.JCM_WEBHOOK_MAX_RETRIES = 0
    settings.JCM_WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def dns(monkeypatch):
    """A name service for the test: host -> addresses (no network in the tests)."""
    table: dict[str, list[str]] = {}

    def resolve(host, port):
        if host not in table:
            raise OSError("no such host")
        return list(table[host])

    monkeypatch.setattr(webhooks, "_getaddrinfo", resolve)
    return table


@pytest.mark.parametrize("url", [
    "https://169.254.169.254/latest/meta-data/",   # link-local (cloud metadata)
    "https://10.0.0.5/hook", "https://192.168.1.1/hook", "https://172.16.0.1/hook",  # private
    "https://127.0.0.1/hook", "https://[::1]/hook", "https://localhost/hook",  # loopback
    "https://0.0.0.0/hook", "https://240.0.0.1/hook", "https://224.0.0.1/hook",  # unspecified, reserved, multicast
    "https://[fe80::1]/hook", "https://[::ffff:10.0.0.1]/hook",  # IPv6 link-local, IPv4-mapped private
    "https://private.example.mn/hook",  # a name that resolves to a private address
])
def test_registration_refuses_addresses_that_are_not_public(ministry, mongolia, dns, settings, url):
    settings.JCM_WEBHOOK_ALLOW_LOOPBACK = False
    dns["private.example.mn"] = ["10.1.2.3"]
    dns["localhost"] = ["127.0.0.1"]
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=url)
    assert "public" in refused.value.errors["url"][0]


def test_registration_refuses_other_ports(ministry, mongolia, dns):
    dns["megd.example.mn"] = ["93.184.215.14"]
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://megd.example.mn:5432/")
    assert "port" in refused.value.errors["url"][0]
    for port in ("", ":443", ":8443"):
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=f"https://megd.example.mn{port}/")


def test_registration_refuses_a_name_that_does_not_resolve(ministry, mongolia, dns):
    with pytest.raises(ApplicationError) as refused:
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://nowhere.example.mn/")
    assert "could not be found" in refused.value.errors["url"][0]


def test_only_the_test_settings_allow_a_loopback_receiver():
    from jcm_registry.settings import base, local, test

    assert base.JCM_WEBHOOK_ALLOW_LOOPBACK is False
    assert local.JCM_WEBHOOK_ALLOW_LOOPBACK is False  # the settings `make run` serves
    assert test.JCM_WEBHOOK_ALLOW_LOOPBACK is True


def test_debug_alone_does_not_allow_loopback(ministry, mongolia, settings):
    settings.DEBUG, settings.JCM_WEBHOOK_ALLOW_LOOPBACK = True, False
    with pytest.raises(ApplicationError):
        webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="http://127.0.0.1:9000/hook")


def test_the_connection_goes_to_the_address_that_was_checked(ministry, mongolia, dns, accounts, issue):
    """The name is resolved when sending, checked, and the connection is made to that address, with the
    name in the Host header (a second lookup by the HTTP library could answer differently)."""
    with Receiver() as receiver:
        port = receiver.server.server_address[1]
        dns["hooks.example.mn"] = ["127.0.0.1"]
        endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia,
                                                    url=f"http://hooks.example.mn:{port}/jcm-hook")
        issue(accounts["jp_pp"], 1000)
        [request] = [r for r in receiver.requests if r.headers["X-JCM-Event"] == ISSUED]
    assert request.headers["Host"] == f"hooks.example.mn:{port}"
    assert WebhookDelivery.objects.get(endpoint=endpoint, event=ISSUED).status == "delivered"


def test_a_name_that_turns_private_after_registration_is_not_contacted(ministry, mongolia, dns, accounts,
                                                                         issue, settings):
    dns["megd.example.mn"] = ["93.184.215.14"]
    endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://megd.example.mn/")
    dns["megd.example.mn"] = ["169.254.169.254"]  # DNS rebinding
    issue(accounts["jp_pp"], 1000)
    [attempt] = WebhookDelivery.objects.get(endpoint=endpoint, event=ISSUED).attempts.all()
    assert attempt.status_code is None and attempt.error == "address not allowed"


def test_errors_and_replies_are_shown_as_a_category_only(ministry, mongolia, accounts, issue):
    with Receiver([500]) as receiver:
        endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url)
        closed = Receiver()
        closed_url = closed.url
        closed.server.server_close()
        refused = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=closed_url)
        issue(accounts["jp_pp"], 1000)
    [answered] = WebhookDelivery.objects.get(endpoint=endpoint, event=ISSUED).attempts.all()
    assert (answered.status_code, answered.error, answered.response_excerpt) == (500, "", "")
    [unreachable] = WebhookDelivery.objects.get(endpoint=refused, event=ISSUED).attempts.all()
    assert unreachable.error == "connection failed" and unreachable.response_excerpt == ""
    log = client_for(ministry).get("/api/v1/webhook-deliveries/").json()["results"]
    for delivery in log:
        for attempt in delivery["attempts"]:
            assert "response_excerpt" not in attempt
            assert attempt["error"] in ("", "connection failed")


def test_the_secret_is_shown_once_and_can_be_rotated(ministry, mongolia, dns, client):
    dns["megd.example.mn"] = ["93.184.215.14"]
    api = client_for(ministry)
    created = api.post("/api/v1/webhook-endpoints/", {"country": "MN", "url": "https://megd.example.mn/"},
                       format="json").json()
    secret = created["secret"]
    assert secret.startswith("whsec_")
    assert "secret" not in api.get(f"/api/v1/webhook-endpoints/{created['id']}/").json()
    assert all("secret" not in e for e in api.get("/api/v1/webhook-endpoints/").json()["results"])
    rotated = api.post(f"/api/v1/webhook-endpoints/{created['id']}/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != secret

    client.force_login(ministry)
    page = client.post(reverse("inbox:webhook-create"), {"country": mongolia.pk, "url": "https://megd.example.mn/"},
                       follow=True).content.decode()
    endpoint = ministry.webhook_endpoints.order_by("-pk").first()
    assert endpoint.secret in page  # once, right after creation
    again = client.get(reverse("inbox:webhook-detail", args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again


def _standard_webhooks_verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """The Standard Webhooks recipe (standardwebhooks.com), as an off-the-shelf verifier does it."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = base64.b64encode(hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    return any(hmac.compare_digest(expected.decode(), sig.split(",", 1)[1])
               for sig in headers["webhook-signature"].split() if sig.startswith("v1,"))


def test_deliveries_are_signed_with_the_standard_webhooks_scheme(ministry, mongolia, accounts, issue):
    with Receiver() as receiver:
        endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url=receiver.url)
        issue(accounts["jp_pp"], 1000)
        [request] = [r for r in receiver.requests if r.headers["X-JCM-Event"] == ISSUED]
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event=ISSUED)
    assert request.headers["webhook-id"] == str(delivery.delivery_id)
    assert _standard_webhooks_verify(endpoint.secret, request.headers, request.body)
    assert not _standard_webhooks_verify(endpoint.secret, request.headers, request.body + b" ")
