"""The audit trail: one hash chain, append-only in the database, and tamper detection by
``verify_chain()`` and ``manage.py verify_audit``."""

from __future__ import annotations

import datetime
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction

from committee import services
from committee.choices import DecisionKind, DecisionMode
from core import audit
from core.audit import GENESIS, verify_chain
from core.models import AuditEvent


@pytest.fixture
def trail(jc, secretariat):
    """Five events written by real services."""
    meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=datetime.date(2013, 4, 11),
                                      city="Ulaanbaatar", publish=False)
    services.meeting_update(actor=secretariat, meeting=meeting, summary="Basic rules adopted.")
    services.meeting_publish(actor=secretariat, meeting=meeting)
    for title in ("Rules of Procedures", "Rules of Implementation"):
        services.decision_record(actor=secretariat, joint_committee=jc, decided_on=meeting.date,
                                 mode=DecisionMode.MEETING, meeting=meeting, kind=DecisionKind.ADOPT_RULES, title=title)
    events = list(AuditEvent.objects.order_by("seq"))
    assert len(events) == 5
    return events


def tamper(*statements: str, params=None) -> None:
    """Run SQL against the audit table with the append-only trigger switched off (as an attacker with
    the table owner's rights could)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE jcm_registry_auditevent DISABLE TRIGGER jcm_audit_append_only")
        try:
            for sql in statements:
                cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE jcm_registry_auditevent ENABLE TRIGGER jcm_audit_append_only")


def assert_command_fails_naming(seq: int) -> None:
    err = StringIO()
    with pytest.raises(CommandError, match="Audit chain broken"):
        call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert f"event #{seq}:" in err.getvalue()


def test_the_chain_links_every_event_and_verifies(trail):
    assert [e.seq for e in trail] == [1, 2, 3, 4, 5]
    assert trail[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(trail, trail[1:], strict=False))
    assert [e.action for e in trail] == ["committee.meeting.record", "committee.meeting.update",
                                         "committee.meeting.publish", "committee.decision.record",
                                         "committee.decision.record"]
    assert verify_chain() == (5, [])
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    assert "Audit chain intact: 5 events verified." in out.getvalue()


@pytest.mark.parametrize("column, value", [
    ("message", "nothing happened"),
    ("action", "committee.meeting.withdraw"),
    ("actor_name", "someone_else"),
    ("data", '{"number": 99}'),
    ("created_at", "2000-01-01T00:00:00+00:00"),
])
def test_a_changed_event_is_detected(trail, column, value):
    tamper(f"UPDATE jcm_registry_auditevent SET {column} = %s WHERE seq = 3", params=[value])
    count, problems = verify_chain()
    assert count == 5
    assert [(p.seq, p.problem) for p in problems] == [(3, "content does not match its hash (changed)")]
    assert_command_fails_naming(3)


def test_a_changed_event_with_a_recomputed_hash_breaks_the_next_link(trail):
    """Rewriting an event and its own hash is not enough: the next event still points to the old hash."""
    event = AuditEvent.objects.get(seq=2)
    event.message = "rewritten"
    tamper("UPDATE jcm_registry_auditevent SET message = %s, hash = %s WHERE seq = 2",
           params=[event.message, audit.event_hash(event)])
    problems = verify_chain()[1]
    assert [p.seq for p in problems] == [3]
    assert "does not link" in problems[0].problem
    assert_command_fails_naming(3)


def test_a_removed_event_is_detected(trail):
    tamper("DELETE FROM jcm_registry_auditevent WHERE seq = 2")
    count, problems = verify_chain()
    assert count == 4
    assert {p.seq for p in problems} == {3}
    assert any("missing" in p.problem for p in problems)
    assert any("does not link" in p.problem for p in problems)
    assert_command_fails_naming(3)


def test_two_reordered_events_are_detected(trail):
    tamper("UPDATE jcm_registry_auditevent SET seq = 1000000 WHERE seq = 2",
           "UPDATE jcm_registry_auditevent SET seq = 2 WHERE seq = 3",
           "UPDATE jcm_registry_auditevent SET seq = 3 WHERE seq = 1000000")
    assert list(AuditEvent.objects.order_by("seq").values_list("hash", flat=True)) == [
        trail[0].hash, trail[2].hash, trail[1].hash, trail[3].hash, trail[4].hash]
    problems = verify_chain()[1]
    assert {p.seq for p in problems} == {2, 3, 4}
    assert_command_fails_naming(2)


@pytest.mark.parametrize("statement", [
    "UPDATE jcm_registry_auditevent SET message = 'edited' WHERE seq = 1",
    "DELETE FROM jcm_registry_auditevent WHERE seq = 5",
])
def test_the_database_refuses_update_and_delete(trail, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert verify_chain() == (5, [])


def test_the_orm_cannot_change_or_delete_an_event_either(trail):
    event = AuditEvent.objects.get(seq=1)
    event.message = "edited"
    with pytest.raises(DatabaseError, match="append-only: UPDATE"), transaction.atomic():
        event.save()
    with pytest.raises(DatabaseError, match="append-only: DELETE"), transaction.atomic():
        AuditEvent.objects.filter(seq__gte=4).delete()
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(seq=1).message == ""


def test_history_lists_the_events_of_one_object(trail, jc):
    meeting = jc.meetings.get()
    assert [e.action for e in audit.history(meeting)] == [
        "committee.meeting.record", "committee.meeting.update", "committee.meeting.publish"]


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside a transaction"):
        audit.record(actor=None, action="test.outside")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_gap_free_chain():
    """Writers in separate connections append at the same moment; the advisory lock serialises them."""
    writers, per_writer = 4, 10
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(per_writer):
                with transaction.atomic():
                    audit.record(actor=None, action="test.concurrent", data={"writer": n, "i": i})
        except BaseException as exc:  # reported to the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    written = {(e["writer"], e["i"]) for e in AuditEvent.objects.values_list("data", flat=True)}
    assert written == {(n, i) for n in range(writers) for i in range(per_writer)}
    assert verify_chain() == (writers * per_writer, [])


def test_an_event_hashed_by_the_database_verifies_with_any_text(db):
    """The database computes the hash of an appended event from the canonical JSON around seq and prev_hash;
    Python's definition (verify_chain) must agree, whatever the text: Japanese, quotes, backslashes, new
    lines, nested data, numbers, dates."""
    data = {"beneficiary": "株式会社ベンチマーク太陽光", "quote": 'say "hi"\\', "lines": "a\nb\tc",
            "nested": {"z": [1, 2.5, None, True], "a": {"ü": "€"}}, "when": datetime.datetime(2025, 1, 2, 3, 4, 5),
            "big": 10**18}
    with transaction.atomic():
        first = audit.record(actor=None, action="test.text", data=data, message="メッセージ \"quoted\"")
        second = audit.record(actor=None, action="test.text", data={"n": 2})
    assert (first.seq, second.seq, first.prev_hash, second.prev_hash) == (1, 2, GENESIS, first.hash)
    stored = AuditEvent.objects.get(seq=1)
    assert stored.hash == first.hash == audit.event_hash(stored)
    assert stored.data["beneficiary"] == "株式会社ベンチマーク太陽光"
    assert verify_chain() == (2, [])
