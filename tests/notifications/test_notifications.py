import pytest
from django.core import mail
from django.db import transaction

from notifications.models import Notification
from notifications.services import notify
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_notice_is_stored_once_and_emailed_after_commit():
    alice = UserFactory(username="alice", email="alice@example.org")
    with transaction.atomic():
        notify(recipients=[alice, alice], kind="project.registered", key="project:1:registered",
               subject="MN001 registered", body="Your project was registered.", url="/projects/MN001/")
        assert mail.outbox == []  # nothing leaves before commit
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert "/projects/MN001/" in mail.outbox[0].body
    # the same event queued again is neither stored nor e-mailed twice
    with transaction.atomic():
        notify(recipients=[alice], kind="project.registered", key="project:1:registered", subject="MN001 registered")
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert len(mail.outbox) == 1
    assert Notification.objects.get(recipient=alice).emailed_at is not None


@pytest.mark.django_db(transaction=True)
def test_rolled_back_action_sends_nothing():
    bob = UserFactory(username="bob", email="bob@example.org")
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            notify(recipients=[bob], kind="x", key="x:1", subject="never")
            raise RuntimeError("the action failed")
    assert Notification.objects.count() == 0
    assert mail.outbox == []
