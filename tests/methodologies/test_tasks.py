"""The deadline task: closes public-input windows whose time is up and flags overdue steps, once."""

import datetime

from django.utils import timezone

from core.models import AuditEvent
from methodologies import services, tasks
from methodologies.choices import MethodologyStatus
from tests.methodologies.conftest import submit


def test_task_closes_public_input_when_its_time_is_up(in_public_input, participant, jc, secretariat):
    still_open = services.methodology_accept_complete(
        actor=secretariat, methodology=submit(participant, jc, title="Later"),
        now=in_public_input.public_input_opens_at + datetime.timedelta(days=1))
    closes = in_public_input.public_input_closes_at

    result = services.methodology_cycle_tick(now=closes)

    assert result.closed == [in_public_input.proposed_number]
    in_public_input.refresh_from_db()
    still_open.refresh_from_db()
    assert in_public_input.status == MethodologyStatus.CONSIDERATION
    assert in_public_input.consideration_due_on == timezone.localdate(closes) + datetime.timedelta(days=60)
    assert still_open.status == MethodologyStatus.PUBLIC_INPUT
    event = AuditEvent.objects.get(action="methodologies.methodology.close_public_input")
    assert event.actor_name == "system" and event.target_id == str(in_public_input.pk)


def test_task_flags_overdue_steps_once(proposal, participant, jc):
    on_time = submit(participant, jc, title="On time")
    late = timezone.now() + datetime.timedelta(days=8)

    first = services.methodology_cycle_tick(now=late)
    second = services.methodology_cycle_tick(now=late)

    assert set(first.flagged) == {proposal.number, on_time.number}
    assert second.flagged == [] and second.closed == []
    assert AuditEvent.objects.filter(action="methodologies.methodology.flag_overdue").count() == 2
    proposal.refresh_from_db()
    assert proposal.overdue_flagged_at == late


def test_nothing_to_do_before_the_deadlines(in_public_input):
    assert tasks.methodology_deadlines.delay().get() == {"closed": [], "flagged": []}
    assert not AuditEvent.objects.filter(action__in=["methodologies.methodology.close_public_input",
                                                     "methodologies.methodology.flag_overdue"]).exists()


def test_celery_task_runs_the_tick(participant, jc, secretariat):
    # The beat task uses the current time: a window opened 16 days ago has closed.
    now = timezone.now()
    m = submit(participant, jc, now=now - datetime.timedelta(days=20))
    services.methodology_accept_complete(actor=secretariat, methodology=m, now=now - datetime.timedelta(days=16))

    assert tasks.methodology_deadlines.delay().get() == {"closed": [m.proposed_number], "flagged": []}
    assert tasks.methodology_deadlines.delay().get() == {"closed": [], "flagged": []}


def test_beat_schedule_runs_the_task():
    from django.conf import settings

    tasks_scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "methodologies.tasks.methodology_deadlines" in tasks_scheduled
