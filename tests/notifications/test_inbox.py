"""The in-app inbox, e-mail in the recipient's language, preferences, and the beat jobs of notifications.

Notices are queued through ``notify`` (as the services do) and e-mailed after commit by the Celery task,
which runs eagerly in the test settings.
"""

import datetime
import re
from email.utils import parseaddr

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from notifications import services as notifications
from notifications import tasks
from notifications.models import Notification
from notifications.services import notify
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.methodologies.conftest import submit

pytestmark = pytest.mark.django_db(transaction=True)

HEADER_COUNT = re.compile(r'class="button button--ghost inbox-link"[^>]*>\s*Inbox\s*<span class="badge[^>]*>(\d+)<')


def tell(users, key, kind="credits.issued", subject="1,000 JCM credits issued for MN001/01", url="/registry/"):
    with transaction.atomic():
        return notify(recipients=users, kind=kind, key=key, subject=subject, body="Into account JP-100-000001.",
                      url=url)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", email="alice@example.org", first_name="Alice", last_name="Ito")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", email="bob@example.org")


def header_count(response) -> int | None:
    found = HEADER_COUNT.search(response.content.decode())
    return int(found.group(1)) if found else None


# --- The inbox page --------------------------------------------------------------------------------

def test_inbox_lists_only_my_notices_and_the_header_counts_the_unread(client, alice, bob):
    tell([alice, bob], "issuance:1")
    tell([alice], "txn:7:completed", kind="credits.transfer", subject="Transfer JP-TX-00000007: 10 credits")
    tell([bob], "txn:8:completed", kind="credits.transfer", subject="Bob's own transfer")
    client.force_login(alice)

    page = client.get(reverse("inbox:list"))

    html = page.content.decode()
    assert page.status_code == 200
    assert "1,000 JCM credits issued for MN001/01" in html and "Transfer JP-TX-00000007" in html
    assert "Bob&#x27;s own transfer" not in html and "Bob's own transfer" not in html
    assert header_count(page) == 2
    assert header_count(client.get(reverse("home"))) == 2


def test_marking_read_one_by_one_and_all_at_once(client, alice, bob):
    tell([alice], "a:1")
    tell([alice], "a:2")
    tell([alice], "a:3")
    tell([bob], "b:1")
    first, *rest = Notification.objects.filter(recipient=alice).order_by("pk")
    bobs = Notification.objects.get(recipient=bob)
    client.force_login(alice)

    assert client.post(reverse("inbox:mark-read", args=[first.pk])).status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert header_count(client.get(reverse("inbox:list"))) == 2
    # someone else's notice does not exist for me
    assert client.post(reverse("inbox:mark-read", args=[bobs.pk])).status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None

    client.post(reverse("inbox:mark-all-read"))

    assert not Notification.objects.filter(recipient=alice, read_at__isnull=True).exists()
    assert Notification.objects.get(recipient=bob).read_at is None
    assert header_count(client.get(reverse("inbox:list"))) is None  # no badge when nothing is unread
    assert "No unread notifications" in client.get(reverse("inbox:list") + "?unread=1").content.decode()


def test_opening_a_notice_marks_it_read_and_follows_its_link(client, alice):
    tell([alice], "a:1", url="/registry/")
    notice = Notification.objects.get(recipient=alice)
    client.force_login(alice)

    response = client.get(reverse("inbox:open", args=[notice.pk]))

    assert response.status_code == 302 and response["Location"] == "/registry/"
    notice.refresh_from_db()
    assert notice.read_at is not None


def test_inbox_needs_a_login(client):
    response = client.get(reverse("inbox:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


# --- The API ---------------------------------------------------------------------------------------

def test_api_lists_my_notifications_and_marks_them_read(alice, bob):
    tell([alice, bob], "issuance:1")
    tell([alice], "a:2", kind="projects.registration.registered", subject="MN001 registered")
    api = client_for(alice)

    listed = api.get("/api/v1/notifications/").json()
    assert listed["count"] == 2
    assert {n["subject"] for n in listed["results"]} == {"1,000 JCM credits issued for MN001/01", "MN001 registered"}
    assert {n["category"] for n in listed["results"]} == {"credits", "projects"}
    first = listed["results"][0]
    assert first["absolute_url"].startswith("http") and first["is_read"] is False

    read = api.post(f"/api/v1/notifications/{first['id']}/read/")
    assert read.status_code == 200 and read.json()["is_read"] is True
    assert api.get("/api/v1/notifications/?unread=true").json()["count"] == 1

    bobs = Notification.objects.get(recipient=bob)
    assert api.post(f"/api/v1/notifications/{bobs.pk}/read/").status_code == 404
    assert api.get(f"/api/v1/notifications/{bobs.pk}/").status_code == 404

    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/?unread=true").json()["count"] == 0
    assert client_for(bob).get("/api/v1/notifications/?unread=true").json()["count"] == 1
    assert client_for(None).get("/api/v1/notifications/").status_code in (401, 403)


def test_api_sets_preferences(alice):
    api = client_for(alice)
    created = api.post("/api/v1/notification-preferences/", {"scope": "credits", "email": False}, format="json")
    assert created.status_code == 201, created.json()
    refused = api.post("/api/v1/notification-preferences/", {"scope": "not a scope!"}, format="json")
    assert refused.status_code == 400 and "scope" in refused.json()["errors"]

    tell([alice], "issuance:1")

    assert Notification.objects.filter(recipient=alice).count() == 1  # the inbox always gets it
    assert mail.outbox == []
    assert api.get("/api/v1/notification-preferences/").json()["results"][0]["scope"] == "credits"


# --- E-mail ----------------------------------------------------------------------------------------

def test_email_is_text_and_html_in_the_recipients_language(alice, bob):
    alice.language = "ja"
    alice.save(update_fields=["language"])

    tell([alice, bob], "issuance:1")

    by_address = {parseaddr(m.to[0])[1]: m for m in mail.outbox}
    assert set(by_address) == {"alice@example.org", "bob@example.org"}
    with translation.override("ja"):
        registry_ja = translation.gettext("JCM Registry")
    assert registry_ja != "JCM Registry"
    japanese, english = by_address["alice@example.org"], by_address["bob@example.org"]
    assert japanese.subject == f"[{registry_ja}] 1,000 JCM credits issued for MN001/01"
    assert english.subject == "[JCM Registry] 1,000 JCM credits issued for MN001/01"
    assert japanese.extra_headers["Content-Language"] == "ja"
    html, mimetype = japanese.alternatives[0]
    assert mimetype == "text/html" and '<html lang="ja">' in html and "http://" in html
    assert "Into account JP-100-000001." in japanese.body and "/registry/" in japanese.body
    assert registry_ja in japanese.body and registry_ja in html
    assert english.body.startswith("Dear bob,")
    assert '<html lang="en">' in english.alternatives[0][0]
    assert all(n.emailed_at is not None for n in Notification.objects.all())


def test_preferences_choose_email_by_category_and_kind(alice):
    notifications.preference_set(actor=alice, scope="credits", email=False)
    notifications.preference_set(actor=alice, scope="credits.approval_needed", email=True)

    tell([alice], "k:1", kind="credits.issued")
    tell([alice], "k:2", kind="credits.approval_needed", subject="JP-TX-00000009 awaits your approval")
    tell([alice], "k:3", kind="projects.pdd.published", subject="MN001 published")

    assert Notification.objects.filter(recipient=alice).count() == 3
    assert sorted(m.subject for m in mail.outbox) == ["[JCM Registry] JP-TX-00000009 awaits your approval",
                                                      "[JCM Registry] MN001 published"]

    notifications.preference_set(actor=alice, scope="*", email=False)
    tell([alice], "k:4", kind="projects.pdd.published", subject="MN002 published")
    assert len(mail.outbox) == 2


def test_preferences_page_saves_the_choices(client, alice):
    client.force_login(alice)
    page = client.get(reverse("inbox:preferences"))
    assert page.status_code == 200 and "Deadline reminders" in page.content.decode()

    # every box ticked except projects: e-mail off for projects only
    data = {f"email_{c}": "on" for c in notifications.CATEGORIES if c != "projects"}
    assert client.post(reverse("inbox:preferences"), data).status_code == 302

    tell([alice], "k:1", kind="projects.pdd.published", subject="MN001 published")
    tell([alice], "k:2", kind="credits.issued")
    assert [m.subject for m in mail.outbox] == ["[JCM Registry] 1,000 JCM credits issued for MN001/01"]


# --- Beat jobs --------------------------------------------------------------------------------------

def test_deadline_reminders_tell_the_secretariat_once_a_day(participant, jc, secretariat, other_secretariat):
    late = submit(participant, jc, now=timezone.now() - datetime.timedelta(days=20))  # completeness: 7 days
    submit(participant, jc, title="Submitted today")  # not overdue yet
    today = timezone.localdate()

    assert notifications.deadline_reminders_send(today=today) == 1
    assert notifications.deadline_reminders_send(today=today) == 0

    notice = Notification.objects.get(kind=notifications.DEADLINE_REMINDER)
    assert notice.recipient == secretariat
    assert late.number in notice.body and "Submitted today" not in notice.body
    assert notice.subject == "1 overdue item(s) in your secretariat queues"
    assert not Notification.objects.filter(recipient=other_secretariat).exists()
    assert [m.to for m in mail.outbox if "overdue" in m.subject] == [[secretariat.email]]
    # the next day brings a new reminder
    assert notifications.deadline_reminders_send(today=today + datetime.timedelta(days=1)) == 1


def test_lost_email_tasks_are_sent_by_the_sweeper(alice, bob):
    # Stored inside a transaction whose after-commit work never ran (as if the broker lost the task).
    with transaction.atomic():
        Notification.objects.create(recipient=alice, key="lost:1", kind="credits.issued", subject="Lost notice")
        Notification.objects.create(recipient=bob, key="lost:2", kind="credits.issued", subject="Also lost")
    notifications.preference_set(actor=bob, scope="credits", email=False)
    Notification.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=30))

    assert tasks.resend_stalled() == {"emails": 1, "deliveries": 0}

    assert [m.subject for m in mail.outbox] == ["[JCM Registry] Lost notice"]
    assert tasks.resend_stalled() == {"emails": 0, "deliveries": 0}


def test_every_scheduled_task_exists():
    from django.conf import settings

    from jcm_registry.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"notifications.tasks.deadline_reminders", "documents.tasks.monthly_account_statements",
            "credits.tasks.reconcile_registry", "methodologies.tasks.methodology_deadlines",
            "projects.tasks.note_closed_public_inputs"} <= scheduled
    assert scheduled <= set(app.tasks)


def test_the_notification_list_makes_the_same_queries_for_one_or_many(alice, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(alice)
    tell([alice], "k:0")
    api.get("/api/v1/notifications/")  # the token is looked up once in any case
    with CaptureQueriesContext(connection) as one:
        assert api.get("/api/v1/notifications/").json()["count"] == 1
    for n in range(1, 8):
        tell([alice], f"k:{n}")
    with django_assert_max_num_queries(len(one)):
        assert api.get("/api/v1/notifications/").json()["count"] == 8
