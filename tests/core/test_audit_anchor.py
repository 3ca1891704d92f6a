"""Found 7 (issue 12), second half: the audit chain's head is anchored outside the database, so that
``verify_audit`` proves no tail was cut (a valid chain with its newest events deleted still verifies on
its own)."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core import audit
from core.models import AuditEvent
from tests.core.test_audit import tamper, trail  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchor_path(settings, tmp_path):
    settings.JCM_AUDIT_ANCHOR_PATH = str(tmp_path / "anchors" / "audit-anchor.jsonl")
    return tmp_path / "anchors" / "audit-anchor.jsonl"


def test_the_head_is_appended_to_the_anchor_file(trail, anchor_path):  # noqa: F811
    audit.write_anchor()
    head = AuditEvent.objects.order_by("-seq").first()
    [line] = anchor_path.read_text().splitlines()
    anchor = json.loads(line)
    assert (anchor["seq"], anchor["hash"]) == (head.seq, head.hash) and anchor["at"] and anchor["mac"]
    audit.write_anchor()
    assert len(anchor_path.read_text().splitlines()) == 2  # appended, never rewritten


def test_a_cut_tail_is_reported_against_the_anchor(trail, anchor_path):  # noqa: F811
    audit.write_anchor()
    call_command("verify_audit", stdout=StringIO())  # intact, and as far as the anchor
    tamper("DELETE FROM jcm_registry_auditevent WHERE seq >= 4")  # the newest two, as a superuser
    assert audit.verify_chain()[1] == []  # the chain alone still looks intact
    err = StringIO()
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert "#5" in err.getvalue() and "ends at #3" in err.getvalue()


def test_a_rewritten_anchored_event_is_reported(trail, anchor_path):  # noqa: F811
    audit.write_anchor()
    tamper("DELETE FROM jcm_registry_auditevent WHERE seq = 5")
    AuditEvent.objects.count()
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def test_an_edited_anchor_file_is_reported(trail, anchor_path):  # noqa: F811
    audit.write_anchor()
    anchor = json.loads(anchor_path.read_text())
    anchor["seq"] = 3
    anchor_path.write_text(json.dumps(anchor) + "\n")
    with pytest.raises(CommandError, match="anchor"):
        call_command("verify_audit", stdout=StringIO(), stderr=StringIO())


def test_beat_anchors_the_head_on_a_schedule(settings, trail, anchor_path):  # noqa: F811
    entry = settings.CELERY_BEAT_SCHEDULE["audit-anchor"]
    assert entry["task"] == "jcm_registry.tasks.anchor_audit_head"
    from jcm_registry.tasks import anchor_audit_head

    anchor_audit_head.delay()
    assert json.loads(anchor_path.read_text())["seq"] == 5
