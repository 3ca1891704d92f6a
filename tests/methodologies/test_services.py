"""The approval cycle of a methodology: each step allowed and refused, each with its audit event."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from committee.choices import DecisionKind
from committee.models import Decision
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from methodologies import services
from methodologies.choices import MethodologyStatus, RevisionKind, VersionStatus
from methodologies.content import MethodologyContent
from methodologies.demo import heat_only_boiler_content, solar_pv_content
from methodologies.models import Methodology, PublicComment
from tests.methodologies.conftest import TODAY, decision, submit, to_public_input


def events(action: str, target=None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(action=action)
    if target is not None:
        qs = qs.filter(target_id=str(target.pk))
    return list(qs)


# --- submission ------------------------------------------------------------------------

def test_participant_submits_a_proposal(participant, jc):
    m = submit(participant, jc)

    assert m.proposed_number == "MN_PM001"
    assert m.status == MethodologyStatus.SUBMITTED
    assert m.completeness_due_on == TODAY() + datetime.timedelta(days=7)
    assert m.proponent == "Demo Solar LLC"  # the participant's organization
    version = m.versions.get()
    assert (version.version, version.status) == ("ver01.0", VersionStatus.DRAFT)
    assert [p.symbol for p in version.parameters.all()] == ["EG_i", "EF_grid"]
    assert version.parameters.get(symbol="EF_grid").default_value == Decimal("0.9")
    assert [f.symbol for f in version.formulas.all()] == ["RE", "PE", "ER"]
    assert version.criteria.count() == 4
    [event] = events("methodologies.methodology.submit", m)
    assert event.actor == participant and event.data["proposed_number"] == "MN_PM001"


def test_numbers_follow_on_per_committee(participant, jc, other_jc):
    assert submit(participant, jc).proposed_number == "MN_PM001"
    assert submit(participant, jc, title="Second").proposed_number == "MN_PM002"
    assert submit(participant, other_jc).proposed_number == "KH_PM001"


def test_the_secretariat_may_submit_for_a_named_proponent(secretariat, jc):
    m = submit(secretariat, jc, proponent_name="IGES", proposed_number="MN_PM004")
    assert (m.proposed_number, m.proponent) == ("MN_PM004", "IGES")


@pytest.mark.parametrize("who", ["anonymous", "ministry", "member", "other_secretariat"])
def test_submission_refused_to_others(who, request, jc):
    from django.contrib.auth.models import AnonymousUser

    actor = AnonymousUser() if who == "anonymous" else request.getfixturevalue(who)
    with pytest.raises(NotAllowed):
        submit(actor, jc, proponent_name="X")
    assert not Methodology.objects.exists()
    assert not events("methodologies.methodology.submit")


def test_a_formula_with_an_unknown_symbol_is_refused_when_saved(participant, jc):
    content = solar_pv_content()
    content.formulas[0]["expression"] = "sum(EG_i * EF_gird)"
    with pytest.raises(ApplicationError) as exc:
        submit(participant, jc, content=content)
    assert "EF_gird" in exc.value.message and "RE" in exc.value.errors
    assert not Methodology.objects.exists()


def test_a_formula_that_is_not_arithmetic_is_refused(participant, jc):
    content = solar_pv_content()
    content.formulas[1]["expression"] = "__import__('os').system('true')"
    with pytest.raises(ApplicationError) as exc:
        submit(participant, jc, content=content)
    assert "PE" in exc.value.errors
    assert not Methodology.objects.exists()


def test_a_range_with_min_above_max_is_refused(participant, jc):
    content = solar_pv_content()
    content.parameters[1].update(min_value=Decimal("3"), max_value=Decimal("2"))
    with pytest.raises(ApplicationError) as exc:
        submit(participant, jc, content=content)
    assert "EF_grid" in exc.value.message and "lowest allowed value is above the highest" in exc.value.message


def test_a_proposal_needs_eligibility_criteria(participant, jc):
    content = solar_pv_content()
    content.criteria = ["  "]
    with pytest.raises(ApplicationError) as exc:
        submit(participant, jc, content=content)
    assert "criteria" in exc.value.errors


# --- completeness check -------------------------------------------------------------------

def test_secretariat_finds_it_complete_and_public_input_opens(proposal, secretariat):
    before = timezone.now()
    m = services.methodology_accept_complete(actor=secretariat, methodology=proposal)

    assert m.status == MethodologyStatus.PUBLIC_INPUT
    assert m.public_input_closes_at - m.public_input_opens_at == datetime.timedelta(days=15)
    assert m.public_input_opens_at >= before and m.published_at == m.public_input_opens_at
    assert m.is_open_for_comments
    [event] = events("methodologies.methodology.accept_complete", m)
    assert event.actor == secretariat


def test_public_input_length_is_a_committee_setting(proposal, secretariat, jc):
    jc.methodology_public_input_days = 20
    jc.save(update_fields=["methodology_public_input_days"])
    m = services.methodology_accept_complete(actor=secretariat, methodology=Methodology.objects.get(pk=proposal.pk))
    assert m.public_input_closes_at - m.public_input_opens_at == datetime.timedelta(days=20)


@pytest.mark.parametrize("who", ["participant", "other_secretariat", "member"])
def test_completeness_check_refused_to_others(who, request, proposal):
    with pytest.raises(NotAllowed):
        services.methodology_accept_complete(actor=request.getfixturevalue(who), methodology=proposal)
    proposal.refresh_from_db()
    assert proposal.status == MethodologyStatus.SUBMITTED
    assert not events("methodologies.methodology.accept_complete")


def test_completeness_check_refused_twice(in_public_input, secretariat):
    with pytest.raises(Conflict):
        services.methodology_accept_complete(actor=secretariat, methodology=in_public_input)
    assert len(events("methodologies.methodology.accept_complete")) == 1


def test_incomplete_submission_is_returned_and_resubmitted(proposal, secretariat, participant):
    m = services.methodology_return_incomplete(actor=secretariat, methodology=proposal,
                                               reason="The spreadsheet is missing.")
    assert (m.status, m.status_reason) == (MethodologyStatus.RETURNED, "The spreadsheet is missing.")
    assert m.published_at is None
    [event] = events("methodologies.methodology.return_incomplete", m)
    assert event.message == "The spreadsheet is missing."

    content = solar_pv_content()
    content.criteria.append("The project has a monitoring spreadsheet.")
    m = services.methodology_resubmit(actor=participant, methodology=m, content=content)
    assert m.status == MethodologyStatus.SUBMITTED
    assert m.versions.get().criteria.count() == 5
    assert len(events("methodologies.methodology.resubmit", m)) == 1


def test_return_needs_a_reason(proposal, secretariat):
    with pytest.raises(ApplicationError) as exc:
        services.methodology_return_incomplete(actor=secretariat, methodology=proposal, reason=" ")
    assert "reason" in exc.value.errors
    assert not events("methodologies.methodology.return_incomplete")


def test_resubmission_refused_to_others_and_when_not_returned(proposal, secretariat, member):
    with pytest.raises(Conflict):
        services.methodology_resubmit(actor=secretariat, methodology=proposal)
    m = services.methodology_return_incomplete(actor=secretariat, methodology=proposal, reason="Missing.")
    with pytest.raises(NotAllowed):
        services.methodology_resubmit(actor=member, methodology=m)
    assert not events("methodologies.methodology.resubmit")


# --- public input ------------------------------------------------------------------------

def test_anyone_may_comment_while_public_input_is_open(in_public_input):
    from django.contrib.auth.models import AnonymousUser

    comment = services.comment_submit(actor=AnonymousUser(), methodology=in_public_input, name="A. Citizen",
                                      email="a@example.org", text="Is the grid factor conservative?")
    assert comment.published and comment.version.version == "ver01.0"
    [event] = events("methodologies.comment.submit", comment)
    assert event.actor is None and event.actor_name == "anonymous"
    assert "a@example.org" not in str(event.data)


def test_comments_refused_before_and_after_public_input(proposal, secretariat):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Conflict):
        services.comment_submit(actor=AnonymousUser(), methodology=proposal, name="A", email="a@example.org",
                                text="Too early")
    m = to_public_input(proposal, secretariat)
    with pytest.raises(Conflict):
        services.comment_submit(actor=AnonymousUser(), methodology=m, name="A", email="a@example.org",
                                text="Too late", now=m.public_input_closes_at)
    assert not PublicComment.objects.exists()
    assert not events("methodologies.comment.submit")


def test_secretariat_unpublishes_a_comment(in_public_input, secretariat, other_secretariat):
    comment = services.comment_submit(actor=None, methodology=in_public_input, name="Spam", email="s@example.org",
                                      text="Buy now")
    with pytest.raises(NotAllowed):
        services.comment_unpublish(actor=other_secretariat, comment=comment, reason="spam")
    comment = services.comment_unpublish(actor=secretariat, comment=comment, reason="Advertising")
    assert not comment.published
    assert len(events("methodologies.comment.unpublish", comment)) == 1


def test_public_input_closes_when_its_time_is_up(in_public_input, secretariat):
    closes = in_public_input.public_input_closes_at
    m = services.methodology_close_public_input(actor=secretariat, methodology=in_public_input, now=closes)

    assert m.status == MethodologyStatus.CONSIDERATION
    assert m.consideration_due_on == timezone.localdate(closes) + datetime.timedelta(days=60)
    assert len(events("methodologies.methodology.close_public_input", m)) == 1


def test_public_input_cannot_be_closed_early_or_by_others(in_public_input, secretariat, other_secretariat):
    closes = in_public_input.public_input_closes_at
    with pytest.raises(Conflict) as exc:
        services.methodology_close_public_input(actor=secretariat, methodology=in_public_input,
                                                now=closes - datetime.timedelta(seconds=1))
    assert "cannot be closed early" in exc.value.message
    with pytest.raises(NotAllowed):
        services.methodology_close_public_input(actor=other_secretariat, methodology=in_public_input, now=closes)
    in_public_input.refresh_from_db()
    assert in_public_input.status == MethodologyStatus.PUBLIC_INPUT
    assert not events("methodologies.methodology.close_public_input")


# --- consideration -----------------------------------------------------------------------

def test_consideration_extended_once_up_to_90_days(in_consideration, secretariat):
    started = timezone.localdate(in_consideration.consideration_started_at)
    with pytest.raises(ApplicationError) as exc:
        services.methodology_extend_consideration(actor=secretariat, methodology=in_consideration,
                                                  reason="Expert review", until=started + datetime.timedelta(91))
    assert "until" in exc.value.errors

    m = services.methodology_extend_consideration(actor=secretariat, methodology=in_consideration,
                                                  reason="Expert review")
    assert m.consideration_due_on == started + datetime.timedelta(days=90)
    [event] = events("methodologies.methodology.extend_consideration", m)
    assert event.message == "Expert review"

    with pytest.raises(Conflict):
        services.methodology_extend_consideration(actor=secretariat, methodology=m, reason="Again")
    assert len(events("methodologies.methodology.extend_consideration")) == 1


def test_extension_refused_outside_consideration_and_to_others(in_public_input, secretariat, member):
    with pytest.raises(Conflict):
        services.methodology_extend_consideration(actor=secretariat, methodology=in_public_input, reason="x")
    with pytest.raises(NotAllowed):
        services.methodology_extend_consideration(actor=member, methodology=in_public_input, reason="x")


def test_joint_committee_approves_by_decision(in_consideration, secretariat):
    m = services.methodology_approve(actor=secretariat, methodology=in_consideration,
                                     decision=decision(text="Approved at the 5th meeting."))

    assert (m.status, m.approved_number, m.number) == (MethodologyStatus.APPROVED, "MN_AM001", "MN_AM001")
    version = m.versions.get()
    assert (version.version, version.status, version.approved_on) == ("ver01.0", VersionStatus.VALID, TODAY())
    record = version.approval_decision
    assert record.kind == DecisionKind.APPROVE_METHODOLOGY and record.subject == m
    assert "MN_PM001" in record.title and "MN_AM001" in record.title
    [event] = events("methodologies.methodology.approve", m)
    assert event.data["decision"] == record.reference and event.data["approved_number"] == "MN_AM001"
    assert len(events("committee.decision.record", record)) == 1


def test_approval_refused_before_consideration_and_to_others(in_public_input, secretariat, other_secretariat):
    with pytest.raises(Conflict):
        services.methodology_approve(actor=secretariat, methodology=in_public_input, decision=decision())
    with pytest.raises(NotAllowed):
        services.methodology_approve(actor=other_secretariat, methodology=in_public_input, decision=decision())
    assert not Decision.objects.exists()
    assert not events("methodologies.methodology.approve")


def test_a_failed_approval_leaves_nothing_behind(in_consideration, secretariat):
    future = TODAY() + datetime.timedelta(days=1)
    with pytest.raises(ApplicationError):
        services.methodology_approve(actor=secretariat, methodology=in_consideration,
                                     decision=decision(decided_on=future))
    in_consideration.refresh_from_db()
    assert in_consideration.status == MethodologyStatus.CONSIDERATION and in_consideration.approved_number == ""
    assert not Decision.objects.exists()


def test_joint_committee_rejects(in_consideration, secretariat):
    m = services.methodology_reject(actor=secretariat, methodology=in_consideration, decision=decision(),
                                    reason="Reference emissions are not conservative.")
    assert m.status == MethodologyStatus.REJECTED
    assert m.versions.get().status == VersionStatus.REJECTED
    assert len(events("methodologies.methodology.reject", m)) == 1
    with pytest.raises(Conflict):
        services.methodology_approve(actor=secretariat, methodology=m, decision=decision())


def test_returned_for_revision_then_resubmitted(in_consideration, secretariat, participant):
    m = services.methodology_request_revision(actor=secretariat, methodology=in_consideration,
                                              reason="Use a conservative grid factor.")
    assert m.status == MethodologyStatus.REVISION_REQUESTED
    assert len(events("methodologies.methodology.request_revision", m)) == 1
    m = services.methodology_resubmit(actor=participant, methodology=m, title="Installation of Solar PV (rev.)")
    assert (m.status, m.title, m.consideration_due_on) == (MethodologyStatus.SUBMITTED,
                                                           "Installation of Solar PV (rev.)", None)
    assert m.published_at is not None  # it stays public


def test_revision_request_refused_outside_consideration(in_public_input, secretariat):
    with pytest.raises(Conflict):
        services.methodology_request_revision(actor=secretariat, methodology=in_public_input, reason="x")


# --- revisions of an approved methodology --------------------------------------------------

def test_revision_becomes_new_version_and_supersedes_the_old(approved, secretariat, participant):
    draft = services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MAJOR,
                                      reason="Update the grid emission factor.",
                                      request_url="https://example.org/amr.pdf")
    assert (draft.version, draft.status, draft.revises.version) == ("ver02.0", VersionStatus.DRAFT, "ver01.0")
    assert draft.parameters.count() == 2  # copied from the valid version
    assert len(events("methodologies.version.request_revision", draft)) == 1

    content = solar_pv_content()
    content.parameters[1]["default_value"] = Decimal("0.95")
    services.version_update_content(actor=participant, version=draft, content=content)
    assert draft.parameters.get(symbol="EF_grid").default_value == Decimal("0.95")

    transition = TODAY() + datetime.timedelta(days=180)
    new = services.revision_approve(actor=secretariat, version=draft, decision=decision(),
                                    previous_valid_until=transition)
    old = approved.versions.get(version="ver01.0")
    assert new.status == VersionStatus.VALID and new.approval_decision.kind == DecisionKind.APPROVE_METHODOLOGY
    assert (old.status, old.valid_until) == (VersionStatus.SUPERSEDED, transition)
    assert old.is_usable_on(transition) and not old.is_usable_on(transition + datetime.timedelta(days=1))
    [event] = events("methodologies.version.approve", new)
    assert event.data["supersedes"] == "ver01.0"


def test_minor_revision_and_one_draft_at_a_time(approved, participant, secretariat):
    draft = services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MINOR,
                                      reason="Editorial.")
    assert draft.version == "ver01.1"
    with pytest.raises(Conflict):
        services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MAJOR, reason="More")
    services.revision_reject(actor=secretariat, version=draft, decision=decision(), reason="Not needed.")
    draft.refresh_from_db()
    assert draft.status == VersionStatus.REJECTED
    assert len(events("methodologies.version.reject", draft)) == 1
    assert services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MINOR,
                                     reason="Again").version == "ver01.2"


def test_revision_refused_for_a_proposal_and_to_others(in_consideration, approved, member, other_secretariat,
                                                       participant):
    with pytest.raises(NotAllowed):
        services.revision_request(actor=member, methodology=approved, kind=RevisionKind.MAJOR, reason="x")
    draft = services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MAJOR,
                                      reason="x")
    with pytest.raises(NotAllowed):
        services.revision_approve(actor=other_secretariat, version=draft, decision=decision())
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT
    assert not events("methodologies.version.approve")


def test_revision_refused_unless_approved(in_consideration, participant):
    with pytest.raises(Conflict):
        services.revision_request(actor=participant, methodology=in_consideration, kind=RevisionKind.MAJOR,
                                  reason="x")


def test_approved_methodology_made_inactive(approved, secretariat, participant):
    services.revision_request(actor=participant, methodology=approved, kind=RevisionKind.MAJOR, reason="x")
    m = services.methodology_inactivate(actor=secretariat, methodology=approved, decision=decision(),
                                        reason="Superseded by a national standard.")
    assert m.status == MethodologyStatus.INACTIVE
    statuses = dict(m.versions.values_list("version", "status"))
    assert statuses == {"ver01.0": VersionStatus.INACTIVE, "ver02.0": VersionStatus.REJECTED}
    assert len(events("methodologies.methodology.inactivate", m)) == 1
    with pytest.raises(Conflict):
        services.revision_request(actor=participant, methodology=m, kind=RevisionKind.MAJOR, reason="x")


def test_inactivation_refused_for_a_proposal(in_consideration, secretariat):
    with pytest.raises(Conflict):
        services.methodology_inactivate(actor=secretariat, methodology=in_consideration, decision=decision(),
                                        reason="x")
    assert not events("methodologies.methodology.inactivate")


# --- deadlines ------------------------------------------------------------------------------

def test_deadline_of_each_step(proposal, secretariat):
    deadline = proposal.deadline()
    assert deadline.due == TODAY() + datetime.timedelta(days=7)
    assert not deadline.is_overdue()
    assert deadline.is_overdue(timezone.now() + datetime.timedelta(days=8))
    m = to_public_input(proposal, secretariat)
    assert m.deadline().closes_at == m.public_input_closes_at


def test_flag_overdue_once(proposal):
    later = timezone.now() + datetime.timedelta(days=8)
    assert services.methodology_flag_overdue(methodology=proposal, now=later)
    assert not services.methodology_flag_overdue(methodology=proposal, now=later)
    [event] = events("methodologies.methodology.flag_overdue", proposal)
    assert event.actor_name == "system" and event.data["step"] == MethodologyStatus.SUBMITTED


def test_flag_overdue_refused_while_on_time(proposal):
    assert not services.methodology_flag_overdue(methodology=proposal)
    assert not events("methodologies.methodology.flag_overdue")


# --- demo content ---------------------------------------------------------------------------

def test_demo_methodologies_are_valid(secretariat, jc):
    m = submit(secretariat, jc, content=heat_only_boiler_content(), proponent_name="Demo")
    assert [f.symbol for f in m.versions.get().formulas.all()] == ["RE", "PE", "ER"]
    assert MethodologyContent.of_version(m.versions.get()).parameters[2]["default_value"] == Decimal("0.68")


def test_demo_seed_loads_two_approved_methodologies_and_one_in_public_input(sysadmin, jc):
    from methodologies import selectors
    from methodologies.demo import seed_methodologies

    created = seed_methodologies(sysadmin)

    # fictitious, with four-digit numbers that no real methodology has (the real ones are reference data)
    assert created == ["methodology MN_AM9001 (fictitious)", "methodology MN_AM9002 (fictitious)",
                       "methodology MN_PM9003 (public input, fictitious)"]
    assert seed_methodologies(sysadmin) == []  # idempotent
    solar = Methodology.objects.get(approved_number="MN_AM9001")
    assert (solar.proposed_number, solar.status, solar.is_fictitious) == ("MN_PM9001", MethodologyStatus.APPROVED,
                                                                          True)
    assert solar.versions.get().approval_decision.kind == DecisionKind.APPROVE_METHODOLOGY
    assert Methodology.objects.get(proposed_number="MN_PM9003").is_open_for_comments
    # a real proposal still gets the next three-digit number
    assert not Methodology.objects.filter(proposed_number__regex=r"^MN_PM[0-9]{3}$").exists()
    # 1234.5 MWh × 0.9 tCO2/MWh = 1111.05 tCO2 -> 1111 credits
    result = selectors.calculate(solar.versions.get(), {"EG_i": {"Darkhan": "1234.5"}})
    assert (result.emission_reductions, result.credits) == (Decimal("1111.05"), 1111)


def test_reference_methodologies_carry_only_what_the_register_says(sysadmin, jc):
    from methodologies import reference_mn

    loaded = reference_mn.load(sysadmin)
    assert [m.approved_number for m in loaded] == ["MN_AM001", "MN_AM003"]
    assert reference_mn.load(sysadmin) == loaded  # idempotent
    am003 = Methodology.objects.get(approved_number="MN_AM003")
    assert (am003.proposed_number, am003.sectoral_scope.number, am003.proponent_name, am003.decided_on) == (
        "MN_PM004", 1, "IGES", datetime.date(2017, 1, 30))
    assert "diesel generator" in am003.summary and am003.source.startswith("https://www.jcm-mongolia.com")
    version = am003.versions.get()
    assert (version.version, version.status) == ("ver02.0", "valid")
    assert not version.parameters.exists()  # no invented default values
    am001 = Methodology.objects.get(approved_number="MN_AM001")
    assert (am001.proposed_number, am001.sectoral_scope.number, am001.proponent_name, am001.decided_on) == (
        "MN_PM001", 2, "", None)
    assert not am001.versions.exists()  # its version is not in the source
