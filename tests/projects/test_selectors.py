"""What each face reads: the participants' "my projects", the TPE's assignments, the secretariat's work
queues with deadlines, the public list; and the Celery task that notes closed public input periods."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from core.errors import NotFound
from core.models import AuditEvent
from notifications.models import Notification
from projects import access, selectors, services
from projects.tasks import note_closed_public_inputs

from . import cycle


def labels(work) -> list[str]:
    return [step.label for step in work.steps if step.mine]


def test_my_projects_says_what_awaits_the_participant(draft, pp, pp_partner, pp_other, secretariat, tpe, auditor):
    [work] = selectors.my_projects(pp)
    assert work.project == draft and labels(work) == ["Choose the TPE that validates the project",
                                                      "Complete and submit the PDD"]
    assert selectors.my_projects(pp_other) == []
    cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    [work] = selectors.my_projects(pp)
    assert labels(work) == []
    [waiting] = work.steps
    assert waiting.label == "Request for publication by TPE-MN-001" and not waiting.mine
    services.pdd_publication_request(actor=auditor, project=draft)
    [waiting] = selectors.my_projects(pp)[0].steps
    assert waiting.label == "Publication for public input by the secretariat" and not waiting.mine
    services.pdd_publish(actor=secretariat, project=draft)
    assert labels(selectors.my_projects(pp)[0]) == ["Start the validation by your TPE"]


def test_my_projects_after_registration_lists_the_monitoring_work(registered, pp, pp_partner, tpe, auditor):
    assert labels(selectors.my_projects(pp)[0]) == ["Open the next monitoring period"]
    period = cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values={"EG_i": {"Darkhan": "10"}})
    assert labels(selectors.my_projects(pp)[0]) == ["Request issuance for period 1", "Open the next monitoring period"]
    # only the focal point requests issuance
    assert labels(selectors.my_projects(pp_partner)[0]) == ["Open the next monitoring period"]
    assert period.number == 1


def test_tpe_sees_what_is_assigned_to_it(registered, pp, tpe, auditor, other_auditor):
    period = cycle.submitted_period(registered, pp=pp, tpe=tpe, values={"EG_i": {"Darkhan": "10"}})
    work = selectors.tpe_assignments(auditor)
    assert list(work.verifications) == [period]
    assert list(work.validations) == []
    other = selectors.tpe_assignments(other_auditor)
    assert not other.verifications.exists() and not other.validations.exists()


def test_secretariat_queues_with_deadlines(draft, pp, secretariat, other_secretariat, jc, solar, scope1,
                                           japanese_company, partner_company, tpe, auditor):
    cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    services.pdd_publication_request(actor=auditor, project=draft)
    second = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                  partner=partner_company, title="Second")
    second = cycle.submit_pdd(second, pp=pp, tpe=tpe)
    services.pdd_publication_request(actor=auditor, project=second)
    services.pdd_publish(actor=secretariat, project=second)
    queues = selectors.secretariat_queues(secretariat)
    assert "completeness" not in queues  # the secretariat checks no PDD for completeness
    [check] = queues["publication"]
    assert check.project == draft and not check.overdue
    [window] = queues["public_input"]
    assert window.project.project_id == "MN002"
    assert window.due == timezone.localdate() + datetime.timedelta(days=30)
    assert all(not items for items in selectors.secretariat_queues(other_secretariat).values())


def test_secretariat_queues_registration_and_issuance(registered, pp, tpe, auditor, secretariat):
    period = cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values={"EG_i": {"Darkhan": "10"}})
    request = services.issuance_request_submit(actor=pp, period=period)
    [item] = selectors.secretariat_queues(secretariat)["issuance"]
    assert item.obj == request and item.due == timezone.localdate() + datetime.timedelta(days=60)


def test_confidential_material_is_for_the_confidential_circle(registered, pp, pp_other, auditor, other_auditor,
                                                              secretariat, other_secretariat, ministry,
                                                              other_ministry, member):
    assert [access.can_see_confidential(u, registered) for u in (pp, auditor, secretariat, ministry)] == [True] * 4
    assert [access.can_see_confidential(u, registered) for u in (pp_other, other_auditor, other_secretariat,
                                                                 other_ministry, member, None)] == [False] * 6
    assert selectors.moc_list(secretariat, registered).count() == 2  # given with the PDD, then renewed
    assert selectors.moc_list(member, registered).count() == 0


def test_public_sees_published_projects_only(draft, registered):
    assert list(selectors.public_project_list()) == [registered]
    with pytest.raises(NotFound):
        selectors.project_get(None, "MN002")
    assert selectors.project_get(None, "mn001") == registered


def test_task_notes_closed_public_input_once(draft, pp, secretariat, tpe, auditor):
    cycle.to_public_input(draft, pp=pp, secretariat=secretariat, tpe=tpe)  # closed 13 days ago
    assert note_closed_public_inputs() == ["MN001"]
    assert AuditEvent.objects.filter(action="projects.pdd.public_input_closed").count() == 1
    for user in (pp, secretariat, auditor):
        assert Notification.objects.filter(recipient=user, kind="projects.pdd.public_input_closed").exists()
    assert note_closed_public_inputs() == []
    assert AuditEvent.objects.filter(action="projects.pdd.public_input_closed").count() == 1


def test_secretariat_queues_registration_requests(draft, pp, secretariat, auditor, tpe, japanese_company,
                                                  partner_company):
    project = cycle.to_validated(draft, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe)
    cycle.moc_and_allocation(project, pp=pp, japanese=japanese_company, partner=partner_company, tpe=tpe)
    services.registration_request(actor=pp, project=project)
    [item] = selectors.secretariat_queues(secretariat)["registration"]
    assert item.project == project and item.due == timezone.localdate() + datetime.timedelta(days=60)
    assert [s.label for s in selectors.my_projects(pp)[0].steps] == ["Registration decision of the Joint Committee"]
