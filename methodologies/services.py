"""Every write of the methodologies app: one function per step of the approval cycle.

Each runs in one transaction, locks what it changes, checks that the actor may act
(methodologies.access) and that the transition is allowed (methodologies.choices), saves, and writes
one audit event. Approval,
rejection and inactivation are Joint Committee decisions, recorded through
``committee.services.decision_record`` in the same transaction.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import Field
from django.utils import timezone

from committee import access as committee_access
from committee.choices import DecisionKind
from committee.models import Decision, JointCommittee, Meeting, Organization, SectoralScope, User
from committee.roles import Viewer, is_authenticated
from committee.services import decision_record
from core import audit, events
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, lock, relock, required, snapshot, validated_save

from . import access, engine, selectors
from .choices import (
    OPEN_STEPS,
    TRANSITIONS,
    VERSION_TRANSITIONS,
    MethodologyStatus,
    RevisionKind,
    VersionStatus,
)
from .content import FORMULA_FIELDS, PARAMETER_FIELDS, MethodologyContent, spec_from_rows
from .models import (
    APPROVED_NUMBER_RE,
    PROPOSED_NUMBER_RE,
    EligibilityCriterion,
    Formula,
    Methodology,
    MethodologyVersion,
    Parameter,
    PublicComment,
)

STATUS_LABELS = dict(MethodologyStatus.choices)
VERSION_LABELS = dict(VersionStatus.choices)
FIRST_VERSION = "ver01.0"


@dataclass
class DecisionInput:
    """How the Joint Committee took a decision (passed on to committee.services.decision_record)."""

    decided_on: datetime.date
    mode: str
    meeting: Meeting | None = None
    reference: str = ""
    text: str = ""


@dataclass
class TickResult:
    closed: list[str] = field(default_factory=list)
    flagged: list[str] = field(default_factory=list)


# --- numbers and dates -------------------------------------------------------------------

def _next_number(joint_committee: JointCommittee, kind: str) -> str:
    """The next ``MN_PM004`` / ``MN_AM003`` of a committee (the caller holds the committee's row lock)."""
    prefix = f"{joint_committee.code}_{kind}"
    field_name = "proposed_number" if kind == "PM" else "approved_number"
    taken = Methodology.objects.filter(**{f"{field_name}__startswith": prefix}).values_list(field_name, flat=True)
    # Three-digit numbers only: four-digit ones (9001...) are the demo's fictitious methodologies.
    numbers = [int(n[len(prefix):]) for n in taken if n[len(prefix):].isdigit() and len(n) - len(prefix) == 3]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _check_number(number: str, joint_committee: JointCommittee, kind: str, field_name: str) -> str:
    number = number.strip().upper()
    pattern = PROPOSED_NUMBER_RE if kind == "PM" else APPROVED_NUMBER_RE
    if not re.match(pattern, number) or not number.startswith(f"{joint_committee.code}_"):
        raise ApplicationError(f"Write the number as {joint_committee.code}_{kind}001.", field=field_name)
    if Methodology.objects.filter(**{field_name: number}).exists():
        raise Conflict(f"{number} is already used by another methodology.", field=field_name)
    return number


def _now(now: datetime.datetime | None) -> datetime.datetime:
    return now or timezone.now()


def _days(day: datetime.date, n: int) -> datetime.date:
    return day + datetime.timedelta(days=n)


def _next_version(current: str, kind: str) -> str:
    major, minor = int(current[3:5]), int(current[6])
    if kind == RevisionKind.MINOR:
        if minor == 9:
            raise ApplicationError(f"{current} has no minor version left; request a new version.", field="kind")
        return f"ver{major:02d}.{minor + 1}"
    if major == 99:
        raise ApplicationError("No version number is left.", field="kind")
    return f"ver{major + 1:02d}.0"


# --- content: criteria, parameters, formulas --------------------------------------------

def _validate_content(content: MethodologyContent) -> None:
    """Everything that can be checked before saving: each row, then the calculation as a whole."""
    errors: dict[str, list[str]] = {}
    if not [c for c in content.criteria if c.strip()]:
        errors.setdefault("criteria", []).append("Give at least one eligibility criterion.")
    for label, rows, model, fields in (("parameters", content.parameters, Parameter, PARAMETER_FIELDS),
                                       ("formulas", content.formulas, Formula, FORMULA_FIELDS)):
        seen: set[str | None] = set()
        for i, row in enumerate(rows, start=1):
            obj = model(**{k: v for k, v in row.items() if k in fields})
            symbol = row.get("symbol") or f"row {i}"
            try:
                obj.full_clean(exclude=["version", "order"], validate_unique=False, validate_constraints=True)
            except ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    model_field = None if name == "__all__" else model._meta.get_field(name)
                    where = f" ({model_field.verbose_name})" if isinstance(model_field, Field) else ""
                    errors.setdefault(label, []).extend(f"{symbol}{where}: {m}" for m in messages)
            if row.get("symbol") in seen:
                errors.setdefault(label, []).append(f"{symbol} is defined twice.")
            seen.add(row.get("symbol"))
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, errors=errors)
    try:
        engine.validate(spec_from_rows(content.parameters, content.formulas))
    except engine.EngineError as exc:
        raise ApplicationError(exc.message, errors=exc.errors, code=exc.code) from exc


def _save_content(version: MethodologyVersion, content: MethodologyContent) -> None:
    """Replace the criteria, parameters and formulas of ``version`` (already validated)."""
    version.criteria.all().delete()
    version.parameters.all().delete()
    version.formulas.all().delete()
    statements = [c.strip() for c in content.criteria if c.strip()]
    EligibilityCriterion.objects.bulk_create(
        EligibilityCriterion(version=version, number=n, statement=s) for n, s in enumerate(statements, start=1))
    Parameter.objects.bulk_create(
        Parameter(version=version, order=i, **{k: v for k, v in row.items() if k in PARAMETER_FIELDS})
        for i, row in enumerate(content.parameters, start=1))
    Formula.objects.bulk_create(
        Formula(version=version, order=i, **{k: v for k, v in row.items() if k in FORMULA_FIELDS})
        for i, row in enumerate(content.formulas, start=1))


def _content_summary(content: MethodologyContent) -> dict[str, Any]:
    return {"criteria": len([c for c in content.criteria if c.strip()]),
            "parameters": [p["symbol"] for p in content.parameters],
            "formulas": {f["symbol"]: f["expression"] for f in content.formulas}}


# --- submission ----------------------------------------------------------------------

@transaction.atomic
def methodology_submit(*, actor: User, joint_committee: JointCommittee, title: str, summary: str,
                       sectoral_scope: SectoralScope, content: MethodologyContent,
                       proponent_organization: Organization | None = None, proponent_name: str = "",
                       document: File | None = None, proposed_number: str = "",
                       now: datetime.datetime | None = None, is_fictitious: bool = False) -> Methodology:
    """A proponent (project participant) or the secretariat submits a proposed methodology. ``is_fictitious``:
    the demo's methodologies only (numbered MN_PM9001...; no form or API offers it)."""
    access.require_propose(actor, joint_committee)
    if proponent_organization is None and not proponent_name.strip():
        proponent_organization = selectors.participant_organization(actor)
    if proponent_organization is None and not proponent_name.strip():
        raise ApplicationError("Name the proponent of the methodology.", field="proponent_name")
    _validate_content(content)
    lock(JointCommittee, joint_committee.pk)  # serialises the numbering per committee
    number = (_check_number(proposed_number, joint_committee, "PM", "proposed_number") if proposed_number
              else _next_number(joint_committee, "PM"))
    now = _now(now)
    methodology = Methodology(
        joint_committee=joint_committee, proposed_number=number, title=title.strip(), summary=summary.strip(),
        sectoral_scope=sectoral_scope, proponent_organization=proponent_organization,
        proponent_name=proponent_name.strip(), submitted_by=actor, status=MethodologyStatus.SUBMITTED,
        submitted_at=now, is_fictitious=is_fictitious,
        completeness_due_on=_days(timezone.localdate(now), joint_committee.methodology_completeness_days),
    )
    validated_save(methodology)
    version = MethodologyVersion(methodology=methodology, version=FIRST_VERSION, status=VersionStatus.DRAFT,
                                 requested_by=actor, requested_at=now)
    if document:
        version.document = document
    validated_save(version)
    _save_content(version, content)
    audit.record(actor=actor, action="methodologies.methodology.submit", target=methodology,
                 data={**snapshot(methodology, ["joint_committee", "proposed_number", "title", "sectoral_scope",
                                                "proponent_organization", "proponent_name",
                                                "completeness_due_on"]),
                       "content": _content_summary(content)})
    return methodology


@transaction.atomic
def methodology_resubmit(*, actor: User, methodology: Methodology, content: MethodologyContent | None = None,
                         title: str | None = None, summary: str | None = None,
                         sectoral_scope: SectoralScope | None = None, document: File | None = None,
                         now: datetime.datetime | None = None) -> Methodology:
    """The proponent resubmits a returned proposal (with its changes); the cycle starts again."""
    methodology = relock(methodology)
    access.require_resubmit(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.SUBMITTED, what=methodology.proposed_number,
                     labels=STATUS_LABELS)
    version = lock(methodology.versions.filter(status=VersionStatus.DRAFT))[0]
    if content is not None:
        _validate_content(content)
        _save_content(version, content)
    if document:
        version.document = document
        version.save(update_fields=["document"])
    before = snapshot(methodology, ["status", "title", "summary", "sectoral_scope"])
    now = _now(now)
    methodology.title = title.strip() if title is not None else methodology.title
    methodology.summary = summary.strip() if summary is not None else methodology.summary
    methodology.sectoral_scope = sectoral_scope or methodology.sectoral_scope
    methodology.status = MethodologyStatus.SUBMITTED
    methodology.submitted_at = now
    methodology.completeness_due_on = _days(timezone.localdate(now),
                                            methodology.joint_committee.methodology_completeness_days)
    for name in ("completeness_checked_at", "public_input_opens_at", "public_input_closes_at",
                 "consideration_started_at", "consideration_due_on", "consideration_extended_at",
                 "overdue_flagged_at"):
        setattr(methodology, name, None)
    validated_save(methodology)
    audit.record(actor=actor, action="methodologies.methodology.resubmit", target=methodology,
                 data={"before": before, "completeness_due_on": methodology.completeness_due_on,
                       "content": _content_summary(content) if content else None})
    return methodology


# --- completeness check ----------------------------------------------------------------

@transaction.atomic
def methodology_accept_complete(*, actor: User, methodology: Methodology,
                                now: datetime.datetime | None = None) -> Methodology:
    """The secretariat finds the submission complete: public input opens for the committee's period."""
    methodology = relock(methodology)
    access.require_accept_complete(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.PUBLIC_INPUT,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    now = _now(now)
    methodology.status = MethodologyStatus.PUBLIC_INPUT
    methodology.completeness_checked_at = now
    methodology.public_input_opens_at = now
    methodology.public_input_closes_at = now + datetime.timedelta(
        days=methodology.joint_committee.methodology_public_input_days)
    methodology.published_at = methodology.published_at or now
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["status", "completeness_checked_at", "public_input_opens_at",
                                    "public_input_closes_at", "published_at", "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.accept_complete", target=methodology,
                 data={"public_input_opens_at": now, "public_input_closes_at": methodology.public_input_closes_at})
    return methodology


@transaction.atomic
def methodology_return_incomplete(*, actor: User, methodology: Methodology, reason: str,
                                  now: datetime.datetime | None = None) -> Methodology:
    """The secretariat finds the submission incomplete and returns it to the proponent."""
    methodology = relock(methodology)
    access.require_return_incomplete(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.RETURNED,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    if not reason.strip():
        raise ApplicationError("Tell the proponent what is missing.", field="reason")
    methodology.status = MethodologyStatus.RETURNED
    methodology.status_reason = reason.strip()
    methodology.completeness_checked_at = _now(now)
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["status", "status_reason", "completeness_checked_at", "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.return_incomplete", target=methodology,
                 message=methodology.status_reason)
    return methodology


# --- public input ----------------------------------------------------------------------

@transaction.atomic
def comment_submit(*, actor: Viewer, methodology: Methodology, name: str, email: str, text: str,
                   organization: str = "", now: datetime.datetime | None = None) -> PublicComment:
    """Anyone, logged in or not, comments on a proposed methodology while public input is open."""
    methodology = Methodology.objects.select_for_update(of=("self",)).get(pk=methodology.pk)  # vs. closing
    now = _now(now)
    closes_at = methodology.public_input_closes_at
    if methodology.status != MethodologyStatus.PUBLIC_INPUT or closes_at is None or now >= closes_at:
        raise Conflict(f"Public input on {methodology.proposed_number} is not open.", field="text")
    user = actor if is_authenticated(actor) else None
    comment = PublicComment(methodology=methodology, version=methodology.versions.filter(
        status=VersionStatus.DRAFT).first(), name=name.strip(), organization=organization.strip(),
        email=email.strip(), text=text.strip(), submitted_at=now, submitted_by=user, published=True)
    validated_save(comment)
    audit.record(actor=actor, action="methodologies.comment.submit", target=comment,
                 data={"methodology": methodology.proposed_number, "name": comment.name,
                       "organization": comment.organization})
    return comment


@transaction.atomic
def comment_unpublish(*, actor: User, comment: PublicComment, reason: str) -> PublicComment:
    """The secretariat withdraws an abusive or off-topic comment from the public page (it stays on record)."""
    comment = relock(comment)
    access.require_unpublish_comment(actor, comment)
    if not comment.published:
        raise Conflict("The comment is already unpublished.", field="published")
    if not reason.strip():
        raise ApplicationError("Give the reason for unpublishing the comment.", field="reason")
    comment.published = False
    comment.unpublished_reason = reason.strip()
    comment.save(update_fields=["published", "unpublished_reason"])
    audit.record(actor=actor, action="methodologies.comment.unpublish", target=comment, message=reason.strip())
    return comment


@transaction.atomic
def methodology_close_public_input(*, actor: User | None, methodology: Methodology,
                                   now: datetime.datetime | None = None) -> Methodology:
    """Close public input once its period is over (the beat task, actor None, or the secretariat).

    Consideration by the Joint Committee starts and is due after the committee's consideration period.
    """
    methodology = relock(methodology)
    if actor is not None:
        access.require_close_public_input(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.CONSIDERATION,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    now = _now(now)
    closes_at = required(methodology.public_input_closes_at,
                         f"{methodology.proposed_number} has no end of public input to close it at.")
    if now < closes_at:
        raise Conflict(f"Public input runs until {closes_at:%Y-%m-%d %H:%M} UTC; "
                       "it cannot be closed early.", field="status")
    jc = methodology.joint_committee
    methodology.status = MethodologyStatus.CONSIDERATION
    methodology.consideration_started_at = now
    methodology.consideration_due_on = _days(timezone.localdate(now), jc.methodology_consideration_days)
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["status", "consideration_started_at", "consideration_due_on",
                                    "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.close_public_input", target=methodology,
                 data={"comments": methodology.comments.count(),
                       "consideration_due_on": methodology.consideration_due_on})
    return methodology


# --- consideration by the Joint Committee -------------------------------------------------

@transaction.atomic
def methodology_extend_consideration(*, actor: User, methodology: Methodology, reason: str,
                                     until: datetime.date | None = None,
                                     now: datetime.datetime | None = None) -> Methodology:
    """Extend the consideration once, up to the committee's maximum (90 days from its start)."""
    methodology = relock(methodology)
    access.require_extend_consideration(actor, methodology)
    if methodology.status != MethodologyStatus.CONSIDERATION:
        raise Conflict(f"{methodology.proposed_number} is not under consideration.", field="status")
    if methodology.consideration_extended_at is not None:
        raise Conflict("The consideration has already been extended once.", field="until")
    if not reason.strip():
        raise ApplicationError("Give the reason for the extension.", field="reason")
    started = timezone.localdate(methodology.consideration_started_at)
    due_on = required(methodology.consideration_due_on,
                      f"The consideration of {methodology.proposed_number} has no due date to extend.")
    latest = _days(started, methodology.joint_committee.methodology_consideration_max_days)
    until = until or latest
    if until > latest:
        raise ApplicationError(f"The consideration can be extended to {latest} at the latest.", field="until")
    if until <= due_on:
        raise ApplicationError(f"The extension must end after the current due date ({due_on}).", field="until")
    before = due_on
    methodology.consideration_due_on = until
    methodology.consideration_extended_at = _now(now)
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["consideration_due_on", "consideration_extended_at", "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.extend_consideration", target=methodology,
                 data={"before": before, "until": until}, message=reason.strip())
    return methodology


def _decision(actor: User, methodology: Methodology, decision: DecisionInput, *, kind: str, title: str,
              subject_label: str) -> Decision:
    if not isinstance(decision, DecisionInput):
        raise ApplicationError("Say when and how the Joint Committee decided.", field="decided_on")
    return decision_record(
        actor=actor, joint_committee=methodology.joint_committee, decided_on=decision.decided_on,
        mode=decision.mode, meeting=decision.meeting, reference=decision.reference, text=decision.text,
        kind=kind, title=title, subject=methodology, subject_label=subject_label, publish=True)


@transaction.atomic
def methodology_approve(*, actor: User, methodology: Methodology, decision: DecisionInput,
                        approved_number: str = "") -> Methodology:
    """The Joint Committee approves the proposal: it becomes ``MN_AM00n`` ``ver01.0``, valid."""
    methodology = relock(methodology)
    access.require_approve(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.APPROVED,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    lock(JointCommittee, methodology.joint_committee_id)  # serialises the numbering per committee
    jc = methodology.joint_committee
    number = (_check_number(approved_number, jc, "AM", "approved_number") if approved_number
              else _next_number(jc, "AM"))
    version = lock(methodology.versions.filter(status=VersionStatus.DRAFT))[0]
    record = _decision(actor, methodology, decision, kind=DecisionKind.APPROVE_METHODOLOGY,
                       title=f"Approval of the proposed methodology {methodology.proposed_number} as "
                             f"{number}: {methodology.title}",
                       subject_label=f"{number} {version.version}")
    check_transition(VERSION_TRANSITIONS, version.status, VersionStatus.VALID, what=str(version),
                     labels=VERSION_LABELS)
    methodology.status = MethodologyStatus.APPROVED
    methodology.approved_number = number
    methodology.decided_on = decision.decided_on
    methodology.overdue_flagged_at = None
    validated_save(methodology)
    version.status = VersionStatus.VALID
    version.approval_decision = record
    version.approved_on = decision.decided_on
    validated_save(version)
    audit.record(actor=actor, action="methodologies.methodology.approve", target=methodology,
                 data={"approved_number": number, "version": version.version, "decision": record.reference})
    events.emit("methodologies.version.approved", version_id=version.pk)
    return methodology


@transaction.atomic
def methodology_reject(*, actor: User, methodology: Methodology, decision: DecisionInput,
                       reason: str) -> Methodology:
    """The Joint Committee does not approve the proposal."""
    methodology = relock(methodology)
    access.require_reject(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.REJECTED,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    if not reason.strip():
        raise ApplicationError("Give the reason the Joint Committee did not approve it.", field="reason")
    record = _decision(actor, methodology, decision, kind=DecisionKind.OTHER,
                       title=f"Proposed methodology {methodology.proposed_number} not approved: {methodology.title}",
                       subject_label=methodology.proposed_number)
    for version in lock(methodology.versions.filter(status=VersionStatus.DRAFT)):
        version.status = VersionStatus.REJECTED
        version.save(update_fields=["status"])
    methodology.status = MethodologyStatus.REJECTED
    methodology.status_reason = reason.strip()
    methodology.decided_on = decision.decided_on
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["status", "status_reason", "decided_on", "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.reject", target=methodology,
                 data={"decision": record.reference}, message=methodology.status_reason)
    return methodology


@transaction.atomic
def methodology_request_revision(*, actor: User, methodology: Methodology, reason: str) -> Methodology:
    """The Joint Committee returns the proposal to the proponent for revision; the proponent resubmits."""
    methodology = relock(methodology)
    access.require_return_for_revision(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.REVISION_REQUESTED,
                     what=methodology.proposed_number, labels=STATUS_LABELS)
    if not reason.strip():
        raise ApplicationError("Tell the proponent what to revise.", field="reason")
    methodology.status = MethodologyStatus.REVISION_REQUESTED
    methodology.status_reason = reason.strip()
    methodology.overdue_flagged_at = None
    methodology.save(update_fields=["status", "status_reason", "overdue_flagged_at"])
    audit.record(actor=actor, action="methodologies.methodology.request_revision", target=methodology,
                 message=methodology.status_reason)
    return methodology


# --- an approved methodology: revisions and inactivation --------------------------------

@transaction.atomic
def revision_request(*, actor: User, methodology: Methodology, kind: str, reason: str,
                     content: MethodologyContent | None = None, request_url: str = "",
                     request_file: File | None = None, document: File | None = None,
                     now: datetime.datetime | None = None) -> MethodologyVersion:
    """An Approved Methodology Revision Request: a new draft version (ver02.0 or ver01.1)."""
    methodology = relock(methodology)
    access.require_request_revision(actor, methodology)
    if methodology.status != MethodologyStatus.APPROVED:
        raise Conflict(f"Only an approved methodology can be revised; {methodology.number} is "
                       f"{STATUS_LABELS[methodology.status].lower()}.", field="status")
    if kind not in RevisionKind.values:
        raise ApplicationError("Choose a new version or a minor revision.", field="kind")
    if not reason.strip():
        raise ApplicationError("Say what should change and why.", field="reason")
    versions = lock(methodology.versions.all())
    if any(v.status == VersionStatus.DRAFT for v in versions):
        raise Conflict(f"A revision of {methodology.number} is already under consideration.", field="kind")
    current = next(v for v in versions if v.status == VersionStatus.VALID)
    latest = max(v.version for v in versions)
    content = content if content is not None else MethodologyContent.of_version(current)
    _validate_content(content)
    now = _now(now)
    version = MethodologyVersion(
        methodology=methodology, version=_next_version(latest, kind), status=VersionStatus.DRAFT, revises=current,
        revision_reason=reason.strip(), revision_request_url=request_url, requested_by=actor, requested_at=now,
        consideration_due_on=_days(timezone.localdate(now),
                                   methodology.joint_committee.methodology_consideration_days))
    if request_file:
        version.revision_request_file = request_file
    if document:
        version.document = document
    validated_save(version)
    _save_content(version, content)
    audit.record(actor=actor, action="methodologies.version.request_revision", target=version,
                 data={"methodology": methodology.number, "version": version.version, "revises": current.version,
                       "content": _content_summary(content)}, message=version.revision_reason)
    return version


@transaction.atomic
def version_update_content(*, actor: User, version: MethodologyVersion, content: MethodologyContent,
                           document: File | None = None) -> MethodologyVersion:
    """Change the criteria, parameters and formulas of a draft revision before the decision."""
    version = relock(version)
    access.require_edit_version(actor, version)
    if version.status != VersionStatus.DRAFT or version.revises_id is None:
        raise Conflict(f"{version} is not a draft revision; it cannot change.", field="status")
    _validate_content(content)
    _save_content(version, content)
    if document:
        version.document = document
        version.save(update_fields=["document"])
    audit.record(actor=actor, action="methodologies.version.update_content", target=version,
                 data={"content": _content_summary(content)})
    return version


@transaction.atomic
def revision_approve(*, actor: User, version: MethodologyVersion, decision: DecisionInput,
                     previous_valid_until: datetime.date | None = None) -> MethodologyVersion:
    """The Joint Committee approves a revision: it becomes valid; the version it revises is superseded
    (and may still be used until ``previous_valid_until``, the transition date)."""
    version = relock(version)
    methodology = version.methodology
    access.require_approve_revision(actor, version)
    check_transition(VERSION_TRANSITIONS, version.status, VersionStatus.VALID, what=str(version),
                     labels=VERSION_LABELS)
    if version.revises_id is None:
        raise Conflict("A proposal is approved through the methodology's own cycle.", field="status")
    if previous_valid_until is not None and previous_valid_until < decision.decided_on:
        raise ApplicationError("The transition date cannot be before the decision.", field="previous_valid_until")
    current = lock(methodology.versions.filter(status=VersionStatus.VALID))[0]
    record = _decision(actor, methodology, decision, kind=DecisionKind.APPROVE_METHODOLOGY,
                       title=f"Revision of the approved methodology {methodology.number}: {version.version}",
                       subject_label=f"{methodology.number} {version.version}")
    check_transition(VERSION_TRANSITIONS, current.status, VersionStatus.SUPERSEDED, what=str(current),
                     labels=VERSION_LABELS)
    current.status = VersionStatus.SUPERSEDED
    current.valid_until = previous_valid_until
    validated_save(current)
    version.status = VersionStatus.VALID
    version.approval_decision = record
    version.approved_on = decision.decided_on
    validated_save(version)
    audit.record(actor=actor, action="methodologies.version.approve", target=version,
                 data={"decision": record.reference, "supersedes": current.version,
                       "previous_valid_until": previous_valid_until})
    events.emit("methodologies.version.approved", version_id=version.pk)
    return version


@transaction.atomic
def revision_reject(*, actor: User, version: MethodologyVersion, decision: DecisionInput, reason: str
                    ) -> MethodologyVersion:
    """The Joint Committee does not approve a revision; the current version stays valid."""
    version = relock(version)
    methodology = version.methodology
    access.require_reject_revision(actor, version)
    check_transition(VERSION_TRANSITIONS, version.status, VersionStatus.REJECTED, what=str(version),
                     labels=VERSION_LABELS)
    if version.revises_id is None:
        raise Conflict("A proposal is rejected through the methodology's own cycle.", field="status")
    if not reason.strip():
        raise ApplicationError("Give the reason the revision was not approved.", field="reason")
    record = _decision(actor, methodology, decision, kind=DecisionKind.OTHER,
                       title=f"Revision {version.version} of {methodology.number} not approved",
                       subject_label=f"{methodology.number} {version.version}")
    version.status = VersionStatus.REJECTED
    version.save(update_fields=["status"])
    audit.record(actor=actor, action="methodologies.version.reject", target=version,
                 data={"decision": record.reference}, message=reason.strip())
    return version


@transaction.atomic
def methodology_inactivate(*, actor: User, methodology: Methodology, decision: DecisionInput, reason: str
                           ) -> Methodology:
    """The Joint Committee makes an approved methodology inactive: no version can be used any more."""
    methodology = relock(methodology)
    access.require_inactivate(actor, methodology)
    check_transition(TRANSITIONS, methodology.status, MethodologyStatus.INACTIVE, what=methodology.number,
                     labels=STATUS_LABELS)
    if not reason.strip():
        raise ApplicationError("Give the reason for making the methodology inactive.", field="reason")
    record = _decision(actor, methodology, decision, kind=DecisionKind.OTHER,
                       title=f"Methodology {methodology.number} made inactive", subject_label=methodology.number)
    changed = {}
    inactive: dict[str, str] = {VersionStatus.DRAFT: VersionStatus.REJECTED,
                                VersionStatus.VALID: VersionStatus.INACTIVE,
                                VersionStatus.SUPERSEDED: VersionStatus.INACTIVE}
    for version in lock(methodology.versions.all()):
        target = inactive.get(version.status)
        if target:
            changed[version.version] = [version.status, target]
            version.status = target
            version.inactive_since = decision.decided_on if target == VersionStatus.INACTIVE else None
            version.save(update_fields=["status", "inactive_since"])
    methodology.status = MethodologyStatus.INACTIVE
    methodology.status_reason = reason.strip()
    methodology.save(update_fields=["status", "status_reason"])
    audit.record(actor=actor, action="methodologies.methodology.inactivate", target=methodology,
                 data={"decision": record.reference, "versions": changed}, message=methodology.status_reason)
    return methodology


# --- deadlines -----------------------------------------------------------------------------

@transaction.atomic
def methodology_flag_overdue(*, methodology: Methodology, now: datetime.datetime | None = None) -> bool:
    """Flag the current step as overdue (the deadline task). Returns False if there was nothing to flag."""
    methodology = relock(methodology)
    now = _now(now)
    deadline = methodology.deadline()
    if (methodology.status not in OPEN_STEPS or methodology.overdue_flagged_at is not None or deadline is None
            or not deadline.is_overdue(now)):
        return False
    methodology.overdue_flagged_at = now
    methodology.save(update_fields=["overdue_flagged_at"])
    audit.record(actor=None, action="methodologies.methodology.flag_overdue", target=methodology,
                 data={"step": methodology.status, "due": deadline.due})
    return True


def methodology_cycle_tick(*, now: datetime.datetime | None = None) -> TickResult:
    """Close the public-input windows whose time is up and flag the steps that ran over. Idempotent.

    Each methodology is handled in its own transaction, so one refusal does not hold up the others.
    """
    now = _now(now)
    result = TickResult()
    due_to_close = Methodology.objects.filter(status=MethodologyStatus.PUBLIC_INPUT,
                                              public_input_closes_at__lte=now).order_by("pk")
    for methodology in due_to_close:
        try:
            methodology_close_public_input(actor=None, methodology=methodology, now=now)
        except Conflict:  # closed meanwhile by the secretariat or another run
            continue
        result.closed.append(methodology.proposed_number)
    waiting = Methodology.objects.filter(status__in=OPEN_STEPS, overdue_flagged_at__isnull=True).order_by("pk")
    for methodology in waiting:
        deadline = methodology.deadline()
        if deadline is not None and deadline.is_overdue(now) and methodology_flag_overdue(methodology=methodology,
                                                                                        now=now):
            result.flagged.append(methodology.number)
    return result


# --- reference data -----------------------------------------------------------------------

@transaction.atomic
def methodology_record_reference(*, actor: User, joint_committee: JointCommittee, approved_number: str,
                                 proposed_number: str, title: str, summary: str, sectoral_scope: SectoralScope,
                                 source: str, proponent_name: str = "", version: str = "",
                                 approved_on: datetime.date | None = None) -> Methodology:
    """Record an approved methodology of a public register as it stands there (reference data): its numbers,
    title, scope, summary, and the version, date of approval and proponent where the source gives them, with
    the source. No content (parameters, default values) is invented: the official ones are in the
    methodology's own spreadsheet."""
    committee_access.require_manage(actor, joint_committee)
    if not (source or "").strip():
        raise ApplicationError("Reference data names its source.", field="source")
    lock(JointCommittee, joint_committee.pk)
    approved = _check_number(approved_number, joint_committee, "AM", "approved_number")
    proposed = _check_number(proposed_number, joint_committee, "PM", "proposed_number")
    methodology = Methodology(
        joint_committee=joint_committee, proposed_number=proposed, approved_number=approved, title=title.strip(),
        summary=summary.strip(), sectoral_scope=sectoral_scope, proponent_name=proponent_name.strip(),
        status=MethodologyStatus.APPROVED, decided_on=approved_on, source=source.strip(),
        published_at=timezone.now())
    validated_save(methodology)
    if version:
        validated_save(MethodologyVersion(methodology=methodology, version=version, status=VersionStatus.VALID,
                                          approved_on=approved_on))
    audit.record(actor=actor, action="methodologies.methodology.record_reference", target=methodology,
                 data={**snapshot(methodology, ["joint_committee", "proposed_number", "approved_number", "title",
                                                "sectoral_scope", "proponent_name", "decided_on", "source"]),
                       "version": version})
    return methodology
