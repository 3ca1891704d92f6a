"""Each action of the inbox and webhook pages is offered exactly when notifications.access allows it, and the
service refuses the same user exactly when it does not (a page never offers what the service would refuse)."""

import pytest
from django.db import transaction
from django.urls import reverse

from core.errors import NotAllowed
from notifications import access, webhooks
from notifications import services as notifications
from notifications.models import WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(ministry, mongolia):
    return webhooks.webhook_endpoint_create(actor=ministry, country=mongolia, url="https://megd.example.mn/jcm")


@pytest.fixture
def delivery(endpoint):
    return WebhookDelivery.objects.create(endpoint=endpoint, event="credits.issuance.completed",
                                          event_key="access:1", payload={"issuance": {"quantity": 5}})


@pytest.fixture
def users(ministry, other_ministry, sysadmin, participant, secretariat):
    return {"ministry": ministry, "other_ministry": other_ministry, "sysadmin": sysadmin,
            "participant": participant, "secretariat": secretariat}


def refused(service, **kwargs) -> bool:
    """Whether ``service`` refuses (NotAllowed); what it does when it is allowed is rolled back."""
    try:
        with transaction.atomic():
            service(**kwargs)
            transaction.set_rollback(True)
    except NotAllowed:
        return True
    return False


def test_the_webhooks_tab_shows_for_those_who_may_use_webhooks(client, users):
    for name, user in users.items():
        client.force_login(user)
        offered = reverse("inbox:webhook-list") in client.get(reverse("inbox:list")).content.decode()
        assert offered == access.can_use_webhooks(user), name
        assert (client.get(reverse("inbox:webhook-list")).status_code == 200) == access.can_use_webhooks(user), name
    assert [name for name, user in users.items() if access.can_use_webhooks(user)] == [
        "ministry", "other_ministry", "sysadmin"]


def test_edit_and_new_secret_are_offered_exactly_when_the_service_allows_them(client, users, endpoint):
    for name, user in users.items():
        may = access.can_manage_endpoint(user, endpoint)
        client.force_login(user)
        page = client.get(reverse("inbox:webhook-detail", args=[endpoint.pk]))
        if page.status_code == 200:
            content = page.content.decode()
            assert (reverse("inbox:webhook-edit", args=[endpoint.pk]) in content) == may, name
            assert (reverse("inbox:webhook-rotate-secret", args=[endpoint.pk]) in content) == may, name
        else:
            assert not may, name  # a page the user cannot open offers nothing
        assert refused(webhooks.webhook_endpoint_rotate_secret, actor=user, endpoint=endpoint) == (not may), name
        assert refused(webhooks.webhook_endpoint_update, actor=user, endpoint=endpoint,
                       description=f"by {name}") == (not may), name
    assert [name for name, user in users.items() if access.can_manage_endpoint(user, endpoint)] == [
        "ministry", "sysadmin"]


def test_replay_is_offered_exactly_when_the_service_allows_it(client, users, delivery):
    for name, user in users.items():
        may = access.can_replay_delivery(user, delivery)
        client.force_login(user)
        page = client.get(reverse("inbox:delivery-detail", args=[delivery.pk]))
        if page.status_code == 200:
            assert (reverse("inbox:delivery-replay", args=[delivery.pk]) in page.content.decode()) == may, name
        else:
            assert not may, name
        assert refused(webhooks.webhook_delivery_replay, actor=user, delivery=delivery) == (not may), name


def test_a_notice_is_marked_read_only_by_its_recipient(client, users):
    ministry, participant = users["ministry"], users["participant"]
    [pk] = notifications.notify(recipients=[ministry], kind="credits.issued", key="access:notice", subject="Issued")
    notice = ministry.notifications.get(pk=pk)
    for name, user in users.items():
        may = access.can_mark_read(user, notice)
        client.force_login(user)
        offered = reverse("inbox:mark-read", args=[pk]) in client.get(reverse("inbox:list")).content.decode()
        assert offered == may, name
        assert refused(notifications.notification_mark_read, actor=user, notification=notice) == (not may), name
    assert access.can_mark_read(ministry, notice) and not access.can_mark_read(participant, notice)


def test_preferences_are_ones_own(users):
    ministry, participant = users["ministry"], users["participant"]
    preference = notifications.preference_set(actor=ministry, scope="credits", email=False)
    assert access.can_delete_preference(ministry, preference)
    assert not access.can_delete_preference(participant, preference)
    assert refused(notifications.preference_delete, actor=participant, preference=preference)
    assert not refused(notifications.preference_delete, actor=ministry, preference=preference)
