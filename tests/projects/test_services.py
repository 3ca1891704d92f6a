"""Each step of the project cycle through its service: allowed for the right actor in the right state (with
its audit event and notification), refused for the wrong actor, the wrong state or the wrong TPE scope
(with no audit event and nothing changed)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from committee import services as committee_services
from committee.choices import DecisionKind
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from notifications.models import Notification
from projects import access, selectors, services
from projects.choices import (
    ChangeRequestKind,
    ChangeRequestStatus,
    Conclusion,
    FindingKind,
    FindingStatus,
    PDDStatus,
    ProjectStatus,
    RecordStatus,
)
from projects.models import Project

from . import cycle


def events(action: str, target=None) -> int:
    qs = AuditEvent.objects.filter(action=action)
    if target is not None:
        qs = qs.filter(target_id=str(target.pk))
    return qs.count()


def notified(user, kind: str) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


def refused(error, call, action: str) -> None:
    """``call()`` is refused with ``error`` and writes no ``action`` audit event."""
    before = events(action)
    with pytest.raises(error):
        call()
    assert events(action) == before


def fresh(project: Project) -> Project:
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def submitted(draft, pp, tpe):
    """The PDD and the MoC submitted to the chosen TPE."""
    return cycle.submit_pdd(draft, pp=pp, tpe=tpe)


@pytest.fixture
def publication_requested(submitted, auditor):
    return services.pdd_publication_request(actor=auditor, project=submitted)


@pytest.fixture
def public(publication_requested, secretariat):
    """Public input open now (for 30 days)."""
    return services.pdd_publish(actor=secretariat, project=publication_requested)


@pytest.fixture
def public_closed(draft, pp, secretariat, tpe, auditor):
    """Public input opened 43 days ago and closed 13 days ago."""
    return cycle.to_public_input(draft, pp=pp, secretariat=secretariat, tpe=tpe, auditor=auditor)


@pytest.fixture
def validating(public_closed, pp, tpe):
    return services.validation_start(actor=pp, project=public_closed)


@pytest.fixture
def validated(draft, pp, secretariat, auditor, tpe):
    return cycle.to_validated(draft, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe)


@pytest.fixture
def ready(validated, pp, japanese_company, partner_company, tpe):
    cycle.moc_and_allocation(validated, pp=pp, japanese=japanese_company, partner=partner_company, tpe=tpe)
    return fresh(validated)


@pytest.fixture
def requested(ready, pp):
    return services.registration_request(actor=pp, project=ready)


# --- creating and editing ---------------------------------------------------------------------------

def test_project_ids_are_numbered_per_partner_country(draft, pp, jc, solar, scope1, japanese_company,
                                                      partner_company, other_jc, sysadmin):
    assert draft.project_id == "MN001"
    assert draft.status == ProjectStatus.DRAFT
    second = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                  partner=partner_company, title="Second")
    assert second.project_id == "MN002"
    assert events("projects.project.create", second) == 1
    # the focal point's company and the partner company are participants; the focal point is marked
    assert [(p.organization, p.is_focal_point) for p in draft.participants.order_by("-is_focal_point")] == [
        (japanese_company, True), (partner_company, False)]


def test_only_a_participant_of_the_project_may_start_it(jc, solar, scope1, japanese_company, partner_company,
                                                       pp_other, secretariat):
    for actor in (pp_other, secretariat, AnonymousUser()):
        refused(NotAllowed, lambda actor=actor: cycle.create_project(
            actor, jc, version=solar, scope=scope1, japanese=japanese_company, partner=partner_company),
            "projects.project.create")
    assert not Project.objects.exists()


def test_project_refuses_a_site_outside_the_globe_and_a_foreign_methodology(
        pp, jc, other_jc, solar, scope1, scope3, japanese_company, partner_company):
    with pytest.raises(ApplicationError, match="latitude"):
        cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company, partner=partner_company,
                             sites=[{"name": "North", "latitude": Decimal("91"), "longitude": Decimal("0")}])
    with pytest.raises(ApplicationError, match="another Joint Committee"):
        cycle.create_project(pp, other_jc, version=solar, scope=scope1, japanese=japanese_company,
                             partner=partner_company)
    with pytest.raises(ApplicationError, match="sectoral scope"):
        cycle.create_project(pp, jc, version=solar, scope=scope3, japanese=japanese_company, partner=partner_company)
    assert not Project.objects.exists()


def test_draft_is_edited_by_its_participants_only_and_only_as_a_draft(draft, pp, pp_partner, pp_other, tpe):
    services.project_update(actor=pp_partner, project=draft, title="Solar PV in Darkhan, phase 1",
                            sites=[{"name": "Darkhan A", "latitude": "49.48", "longitude": "105.92"},
                                   {"name": "Darkhan B", "latitude": "49.49", "longitude": "105.93"}])
    draft = fresh(draft)
    assert draft.title == "Solar PV in Darkhan, phase 1"
    assert [s.name for s in draft.sites.all()] == ["Darkhan A", "Darkhan B"]
    assert events("projects.project.update", draft) == 1
    refused(NotAllowed, lambda: services.project_update(actor=pp_other, project=draft, title="Hijack"),
            "projects.project.update")
    cycle.submit_pdd(draft, pp=pp)
    refused(Conflict, lambda: services.project_update(actor=pp, project=draft, title="Late"),
            "projects.project.update")
    assert fresh(draft).title == "Solar PV in Darkhan, phase 1"


# --- PDD --------------------------------------------------------------------------------------------

def test_pdd_draft_can_be_saved_and_resumed_then_submitted(draft, pp, secretariat, tpe, auditor):
    draft = cycle.give_tpe_the_moc(draft, pp=pp, tpe=tpe)
    criteria = list(selectors.eligibility_criteria(draft))
    first = services.pdd_save(actor=pp, project=draft, public_file=cycle.pdf("pdd.pdf"),
                              answers=[{"criterion": criteria[0], "meets": True, "justification": "Yes."}])
    with pytest.raises(ApplicationError, match="criterion 2"):
        services.pdd_submit(actor=pp, project=draft)
    second = services.pdd_save(actor=pp, project=draft,
                               answers=[{"criterion": criteria[1], "meets": True, "justification": "Grid-tied."}])
    assert second.pk == first.pk and second.version == 1  # the same draft, resumed
    assert len(first.public_sha256) == 64
    project = services.pdd_submit(actor=pp, project=draft)
    assert project.status == ProjectStatus.PDD_SUBMITTED
    assert project.completeness_due_on is None  # no completeness check of a PDD by the secretariat
    assert project.pdds.get().status == PDDStatus.SUBMITTED
    assert events("projects.pdd.submit", project) == 1
    assert notified(auditor, "projects.pdd.submitted")  # the PDD goes to the TPE the participants chose
    assert not notified(secretariat, "projects.pdd.submitted")


def test_the_pdd_goes_with_the_moc_to_a_chosen_tpe(draft, pp):
    cycle.fill_pdd(pp, draft)
    with pytest.raises(ApplicationError) as refused_:
        services.pdd_submit(actor=pp, project=draft)
    assert set(refused_.value.errors) >= {"validation_tpe", "moc"}
    assert fresh(draft).status == ProjectStatus.DRAFT


def test_pdd_submission_refused_for_outsiders_and_twice(submitted, pp, pp_other):
    refused(NotAllowed, lambda: services.pdd_submit(actor=pp_other, project=submitted), "projects.pdd.submit")
    refused(Conflict, lambda: services.pdd_submit(actor=pp, project=submitted), "projects.pdd.submit")


def test_pdd_files_are_type_checked(draft, pp):
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("pdd.pdf", b"MZ\x90\x00 not a pdf")
    with pytest.raises(ApplicationError, match="not a valid .pdf"):
        services.pdd_save(actor=pp, project=draft, public_file=fake)
    with pytest.raises(ApplicationError, match="only docx, pdf"):
        services.pdd_save(actor=pp, project=draft, public_file=SimpleUploadedFile("pdd.exe", b"%PDF-1.4"))
    assert not draft.pdds.exists()


def test_the_tpe_returns_the_pdd(submitted, secretariat, auditor, other_auditor, pp):
    for outsider in (secretariat, other_auditor, pp):
        refused(NotAllowed, lambda outsider=outsider: services.pdd_return(actor=outsider, project=submitted, reason="x"),
                "projects.pdd.return")
    project = services.pdd_return(actor=auditor, project=submitted, reason="Annex II is missing.")
    assert project.status == ProjectStatus.DRAFT and project.status_reason == "Annex II is missing."
    assert events("projects.pdd.return", project) == 1
    assert notified(pp, "projects.pdd.returned")
    refused(Conflict, lambda: services.pdd_return(actor=auditor, project=project, reason="again"),
            "projects.pdd.return")
    # the participants revise and submit a second version
    services.pdd_save(actor=pp, project=project, public_file=cycle.pdf("pdd-v2.pdf"))
    project = services.pdd_submit(actor=pp, project=project)
    assert list(project.pdds.values_list("version", "status")) == [(2, "submitted"), (1, "superseded")]


def test_the_tpe_asks_and_the_secretariat_publishes_for_public_input(submitted, secretariat, other_secretariat,
                                                                      auditor, other_auditor, jc, pp, draft):
    refused(Conflict, lambda: services.pdd_publish(actor=secretariat, project=submitted), "projects.pdd.publish")
    for outsider in (pp, secretariat, other_auditor):
        refused(NotAllowed, lambda outsider=outsider: services.pdd_publication_request(actor=outsider,
                                                                                       project=submitted),
                "projects.pdd.request_publication")
    requested = services.pdd_publication_request(actor=auditor, project=submitted)
    assert requested.status == ProjectStatus.PUBLICATION_REQUESTED
    assert events("projects.pdd.request_publication", requested) == 1
    assert notified(secretariat, "projects.pdd.publication_requested")
    refused(NotAllowed, lambda: services.pdd_publish(actor=other_secretariat, project=requested),
            "projects.pdd.publish")
    project = services.pdd_publish(actor=secretariat, project=requested)
    assert project.status == ProjectStatus.PUBLIC_INPUT
    assert project.public_input_closes_at - project.public_input_opens_at == datetime.timedelta(days=30)
    assert project.is_open_for_comments
    assert events("projects.pdd.publish", project) == 1
    assert notified(pp, "projects.pdd.published")
    refused(Conflict, lambda: services.pdd_publish(actor=secretariat, project=project), "projects.pdd.publish")


def test_public_input_period_is_the_joint_committees_setting(publication_requested, secretariat, jc):
    jc.pdd_public_input_days = 45
    jc.save(update_fields=["pdd_public_input_days"])
    project = services.pdd_publish(actor=secretariat, project=publication_requested)
    assert project.public_input_closes_at - project.public_input_opens_at == datetime.timedelta(days=45)


def test_anyone_comments_while_public_input_is_open_only(public, pp):
    comment = services.comment_submit(actor=AnonymousUser(), project=public, name="A. Citizen",
                                      email="citizen@example.org", text="Where does the electricity go?")
    assert comment.pdd.version == 1
    assert events("projects.comment.submit", comment) == 1
    assert notified(pp, "projects.comment.received")
    with pytest.raises(ApplicationError) as error:
        services.comment_submit(actor=AnonymousUser(), project=public, name="", email="", text="")
    assert set(error.value.errors) == {"name", "email", "text"}


def test_no_comment_before_publication_or_after_the_period(submitted, pp):
    refused(Conflict, lambda: services.comment_submit(actor=AnonymousUser(), project=submitted, name="A",
                                                      email="a@example.org", text="Early"), "projects.comment.submit")


def test_no_comment_after_the_period(public_closed):
    refused(Conflict, lambda: services.comment_submit(actor=AnonymousUser(), project=public_closed, name="A",
                                                      email="a@example.org", text="Late"), "projects.comment.submit")


# --- validation ----------------------------------------------------------------------------------------

def test_participants_choose_a_designated_tpe_with_the_projects_scope(draft, pp, pp_other, tpe, tpe_wrong_scope,
                                                                      auditor, other_jc, sysadmin, secretariat):
    refused(ApplicationError, lambda: services.validation_tpe_choose(actor=pp, project=draft, tpe=tpe_wrong_scope),
            "projects.validation.choose_tpe")
    refused(NotAllowed, lambda: services.validation_tpe_choose(actor=pp_other, project=draft, tpe=tpe),
            "projects.validation.choose_tpe")
    project = services.validation_tpe_choose(actor=pp, project=draft, tpe=tpe)
    assert project.validation_tpe == tpe
    assert events("projects.validation.choose_tpe", project) == 1
    assert notified(auditor, "projects.validation.tpe_chosen")
    committee_services.tpe_change_status(actor=sysadmin, tpe=tpe, status="suspended",
                                         effective_on=timezone.localdate(), reason="Accreditation lapsed")
    with pytest.raises(ApplicationError, match="suspended"):
        services.validation_start(actor=pp, project=project)


def test_validation_starts_with_the_chosen_tpe(public_closed, pp, pp_other, tpe, auditor, secretariat):
    refused(NotAllowed, lambda: services.validation_start(actor=pp_other, project=public_closed),
            "projects.validation.start")
    project = services.validation_start(actor=pp, project=public_closed)
    assert project.status == ProjectStatus.UNDER_VALIDATION
    assert events("projects.validation.start", project) == 1
    assert notified(auditor, "projects.validation.started") and notified(secretariat, "projects.validation.started")
    refused(Conflict, lambda: services.validation_start(actor=pp, project=project), "projects.validation.start")


def test_validation_refused_when_the_tpe_lost_the_scope(public_closed, pp, tpe, sysadmin):
    committee_services.tpe_update_scopes(actor=sysadmin, tpe=tpe, scopes_validation=[],
                                         scopes_verification=list(tpe.scopes_verification.all()))
    refused(ApplicationError, lambda: services.validation_start(actor=pp, project=public_closed),
            "projects.validation.start")


def _positive(auditor, project, **extra):
    return services.validation_report_submit(actor=auditor, project=project, conclusion=Conclusion.POSITIVE,
                                             report_date=timezone.localdate(), **extra)


def test_only_the_chosen_tpe_validates(validating, auditor, other_auditor, pp, secretariat):
    for actor in (other_auditor, pp, secretariat):
        refused(NotAllowed, lambda actor=actor: _positive(actor, validating), "projects.validation.positive")
    report = _positive(auditor, validating, file=cycle.pdf("val.pdf"))
    assert fresh(validating).status == ProjectStatus.VALIDATED
    assert len(report.sha256) == 64 and report.pdd.version == 1
    assert events("projects.validation.positive", validating) == 1
    assert notified(pp, "projects.validation.positive") and notified(secretariat, "projects.validation.positive")
    refused(Conflict, lambda: _positive(auditor, validating), "projects.validation.positive")


def test_open_cars_or_cls_block_a_positive_validation(validating, auditor):
    open_car = [{"kind": FindingKind.CAR, "status": FindingStatus.OPEN, "text": "Meter not calibrated."}]
    refused(ApplicationError, lambda: _positive(auditor, validating, findings=open_car), "projects.validation.positive")
    open_far = [{"kind": FindingKind.FAR, "status": FindingStatus.OPEN, "text": "Check meter at first verification."}]
    report = _positive(auditor, validating, findings=open_far)
    assert report.findings.get().kind == FindingKind.FAR


def test_negative_validation_then_revised_pdd_and_second_validation(validating, auditor, pp):
    services.validation_report_submit(
        actor=auditor, project=validating, conclusion=Conclusion.NEGATIVE, report_date=timezone.localdate(),
        findings=[{"kind": FindingKind.CAR, "status": FindingStatus.OPEN, "text": "Additionality not shown."}])
    project = fresh(validating)
    assert project.status == ProjectStatus.VALIDATION_NEGATIVE
    assert events("projects.validation.negative", project) == 1
    services.pdd_save(actor=pp, project=project, public_file=cycle.pdf("pdd-v2.pdf"))
    services.pdd_submit(actor=pp, project=project)  # a revision: the project keeps its status
    assert fresh(project).status == ProjectStatus.VALIDATION_NEGATIVE
    project = services.validation_start(actor=pp, project=project)
    report = _positive(auditor, project)
    assert report.pdd.version == 2


def test_validation_waits_for_the_end_of_public_input(public, pp, tpe, auditor):
    project = services.validation_start(actor=pp, project=public)  # validation may start during public input
    assert not access.can_validation_report_submit(auditor, project)  # but its report waits for the end
    refused(Conflict, lambda: _positive(auditor, project), "projects.validation.positive")


def test_a_criterion_answered_no_blocks_a_positive_validation(draft, pp, secretariat, tpe, auditor):
    cycle.give_tpe_the_moc(draft, pp=pp, tpe=tpe)
    cycle.fill_pdd(pp, draft, meets=False)
    project = services.pdd_submit(actor=pp, project=draft, now=cycle.days_ago(45))
    project = services.pdd_publication_request(actor=auditor, project=project, now=cycle.days_ago(45))
    project = services.pdd_publish(actor=secretariat, project=project, now=cycle.days_ago(44))
    project = services.validation_start(actor=pp, project=project)
    with pytest.raises(ApplicationError, match="answered “no”"):
        _positive(auditor, project)


# --- registration ----------------------------------------------------------------------------------

def test_registration_request_needs_moc_and_allocation_and_the_focal_point(validated, ready, pp, pp_partner):
    refused(NotAllowed, lambda: services.registration_request(actor=pp_partner, project=ready),
            "projects.registration.request")
    project = services.registration_request(actor=pp, project=ready)
    assert project.status == ProjectStatus.REGISTRATION_REQUESTED
    assert project.registration_due_on == timezone.localdate() + datetime.timedelta(days=60)
    assert events("projects.registration.request", project) == 1
    refused(Conflict, lambda: services.registration_request(actor=pp, project=project),
            "projects.registration.request")


def test_registration_request_without_allocation_is_refused(validated, pp):
    # (the MoC statement went to the TPE with the PDD: a validated project has one)
    with pytest.raises(ApplicationError, match="allocation"):
        services.registration_request(actor=pp, project=validated)
    assert fresh(validated).status == ProjectStatus.VALIDATED


def test_registration_request_is_withdrawable(requested, pp, pp_partner, secretariat):
    refused(NotAllowed, lambda: services.registration_request_withdraw(actor=pp_partner, project=requested),
            "projects.registration.withdraw_request")
    project = services.registration_request_withdraw(actor=pp, project=requested, reason="Allocation to revise")
    assert project.status == ProjectStatus.VALIDATED
    assert events("projects.registration.withdraw_request", project) == 1
    assert notified(secretariat, "projects.registration.request_withdrawn")
    refused(Conflict, lambda: services.registration_request_withdraw(actor=pp, project=project),
            "projects.registration.withdraw_request")


def test_joint_committee_registers_by_a_recorded_decision(requested, secretariat, other_secretariat, pp, pp_partner):
    for actor in (other_secretariat, pp):
        refused(NotAllowed, lambda actor=actor: services.project_register(actor=actor, project=requested,
                                                                          decision=cycle.decision()),
                "projects.registration.register")
    project = services.project_register(actor=secretariat, project=requested, decision=cycle.decision(days_back=2))
    assert project.status == ProjectStatus.REGISTERED
    decision = project.registration_decision
    assert decision.kind == DecisionKind.REGISTER_PROJECT and decision.subject == project
    assert decision.title.startswith("Registration of a proposed JCM project: MN001")
    assert project.registered_on == decision.decided_on
    assert events("projects.registration.register", project) == 1
    assert events("committee.decision.record", decision) == 1
    assert notified(pp, "projects.registration.registered") and notified(pp_partner, "projects.registration.registered")
    refused(Conflict, lambda: services.project_register(actor=secretariat, project=project, decision=cycle.decision()),
            "projects.registration.register")


def test_joint_committee_rejects_registration(requested, secretariat, validated):
    refused(ApplicationError, lambda: services.project_reject(actor=secretariat, project=requested,
                                                              decision=cycle.decision(), reason=""),
            "projects.registration.reject")
    project = services.project_reject(actor=secretariat, project=requested, decision=cycle.decision(),
                                      reason="Reference emissions not conservative.")
    assert project.status == ProjectStatus.REJECTED
    assert events("projects.registration.reject", project) == 1
    refused(Conflict, lambda: services.project_reject(actor=secretariat, project=project, decision=cycle.decision(),
                                                      reason="again"), "projects.registration.reject")


def test_focal_point_withdraws_the_project(public, pp, pp_partner, secretariat):
    refused(NotAllowed, lambda: services.project_withdraw(actor=pp_partner, project=public, reason="x"),
            "projects.project.withdraw")
    project = services.project_withdraw(actor=pp, project=public, reason="Investor left.")
    assert project.status == ProjectStatus.WITHDRAWN
    assert events("projects.project.withdraw", project) == 1
    assert notified(secretariat, "projects.project.withdrawn")
    refused(Conflict, lambda: services.project_withdraw(actor=pp, project=project, reason="again"),
            "projects.project.withdraw")


# --- MoC, allocation ---------------------------------------------------------------------------------

def _moc(actor, project, focal_point, **extra):
    return services.moc_submit(actor=actor, project=project, focal_point=focal_point,
                               primary_signatory={"name": "P. Signatory"},
                               alternate_signatory={"name": "A. Signatory"}, **extra)


def test_a_new_moc_supersedes_the_old_one_and_may_change_the_focal_point(draft, pp, pp_partner, japanese_company,
                                                                         partner_company):
    refused(NotAllowed, lambda: _moc(pp_partner, draft, japanese_company), "projects.moc.submit")
    first = _moc(pp, draft, japanese_company)
    second = _moc(pp, draft, partner_company)
    first.refresh_from_db()
    assert (first.status, second.status, second.supersedes) == (RecordStatus.SUPERSEDED, RecordStatus.CURRENT, first)
    assert draft.participants.get(is_focal_point=True).organization == partner_company
    assert events("projects.moc.submit") == 2
    # the focal point is now the partner company: the Japanese participant may no longer act as focal point
    refused(NotAllowed, lambda: _moc(pp, draft, japanese_company), "projects.moc.submit")
    assert list(draft.moc_statements.values_list("version", flat=True)) == [2, 1]  # all versions kept


def test_annex_1_changes_record_participant_changes(draft, pp, japanese_company, partner_company, other_company):
    with pytest.raises(Conflict, match="submit one first"):
        services.moc_annex_change(actor=pp, project=draft, kind="add_participant", organization=other_company,
                                  side="japanese")
    statement = _moc(pp, draft, japanese_company)
    services.moc_annex_change(actor=pp, project=draft, kind="add_participant", organization=other_company,
                              side="japanese")
    services.moc_annex_change(actor=pp, project=draft, kind="rename_participant", organization=partner_company,
                              new_name="Darkhan Green Energy LLC")
    change = services.moc_annex_change(actor=pp, project=draft, kind="withdraw_participant",
                                       organization=other_company)
    assert change.number == 3 and change.statement == statement
    assert draft.participants.get(organization=partner_company).name == "Darkhan Green Energy LLC"
    assert not draft.participants.get(organization=other_company).active
    assert events("projects.moc.annex_change") == 3
    refused(Conflict, lambda: services.moc_annex_change(actor=pp, project=draft, kind="withdraw_participant",
                                                        organization=japanese_company),
            "projects.moc.annex_change")


def test_allocation_must_sum_to_exactly_100_percent_and_is_versioned(draft, pp, pp_partner, japanese_company,
                                                                     partner_company):
    shares = [{"party": "japan_government", "percent": Decimal("33.3333")},
              {"party": "partner_government", "percent": Decimal("33.3333")},
              {"party": "participant", "organization": japanese_company, "registry": "japan",
               "percent": Decimal("33.3333")}]
    with pytest.raises(ApplicationError, match="99.9999%"):
        services.allocation_submit(actor=pp, project=draft, shares=shares)
    shares[2]["percent"] = Decimal("33.3334")
    refused(NotAllowed, lambda: services.allocation_submit(actor=pp_partner, project=draft, shares=shares),
            "projects.allocation.submit")
    first = services.allocation_submit(actor=pp, project=draft, shares=shares)
    assert sum(s.percent for s in first.shares.all()) == 100
    with pytest.raises(ApplicationError, match="Japan's registry"):
        services.allocation_submit(actor=pp, project=draft, shares=[
            {"party": "japan_government", "registry": "partner", "percent": Decimal("100")}])
    second = services.allocation_submit(actor=pp, project=draft, shares=[
        {"party": "partner_government", "percent": Decimal("50")},
        {"party": "participant", "organization": partner_company, "registry": "partner", "percent": Decimal("50")}])
    first.refresh_from_db()
    assert (first.status, second.status, second.version) == ("superseded", "current", 2)
    assert events("projects.allocation.submit") == 2


# --- post-registration changes and renewal -------------------------------------------------------------

def test_crediting_period_renewal_and_post_registration_change(registered, pp, pp_partner, secretariat):
    refused(NotAllowed, lambda: services.change_request_submit(
        actor=pp_partner, project=registered, kind=ChangeRequestKind.RENEWAL, description="Renew",
        new_crediting_end=datetime.date(2043, 12, 31)), "projects.change_request.submit")
    refused(ApplicationError, lambda: services.change_request_submit(
        actor=pp, project=registered, kind=ChangeRequestKind.RENEWAL, description="Renew",
        new_crediting_end=datetime.date(2030, 12, 31)), "projects.change_request.submit")
    renewal = services.change_request_submit(actor=pp, project=registered, kind=ChangeRequestKind.RENEWAL,
                                             description="Second crediting period",
                                             new_crediting_end=datetime.date(2043, 12, 31))
    services.change_request_approve(actor=secretariat, request=renewal, decision=cycle.decision())
    registered = fresh(registered)
    assert registered.crediting_end == datetime.date(2043, 12, 31)
    renewal.refresh_from_db()
    assert renewal.status == ChangeRequestStatus.APPROVED and renewal.previous_crediting_end == cycle.CREDITING_END
    assert events("projects.change_request.approve", renewal) == 1
    refused(Conflict, lambda: services.change_request_approve(actor=secretariat, request=renewal,
                                                              decision=cycle.decision()),
            "projects.change_request.approve")

    change = services.change_request_submit(actor=pp, project=registered,
                                            kind=ChangeRequestKind.POST_REGISTRATION_CHANGE,
                                            description="Capacity extended", changes={"expected_annual_reductions": 9500})
    with pytest.raises(ApplicationError, match="cannot alter"):
        services.change_request_submit(actor=pp, project=registered, kind=ChangeRequestKind.POST_REGISTRATION_CHANGE,
                                       description="x", changes={"status": "draft"})
    services.change_request_withdraw(actor=pp, request=change, reason="Not yet")
    change.refresh_from_db()
    assert change.status == ChangeRequestStatus.WITHDRAWN
    again = services.change_request_submit(actor=pp, project=registered,
                                           kind=ChangeRequestKind.POST_REGISTRATION_CHANGE, description="Capacity",
                                           changes={"expected_annual_reductions": 9500})
    services.change_request_reject(actor=secretariat, request=again, decision=cycle.decision(), reason="Not justified")
    assert fresh(registered).expected_annual_reductions == 9000


def test_change_requests_are_for_registered_projects(draft, pp):
    refused(Conflict, lambda: services.change_request_submit(
        actor=pp, project=draft, kind=ChangeRequestKind.RENEWAL, description="Renew",
        new_crediting_end=datetime.date(2043, 12, 31)), "projects.change_request.submit")
