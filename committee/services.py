"""Every write of the committee app. One function per business action.

Each runs in one transaction, locks what it changes, checks that the actor may act (the rules are in
``committee.access``) and that the transition is allowed, saves, and writes one audit event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.utils import timezone

from core import audit, events
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, lock, relock, snapshot, validated_save

from . import access
from .choices import (
    PUBLICATION_TRANSITIONS,
    RULE_CODE_ABBREVIATIONS,
    RULE_TRANSITIONS,
    TPE_TRANSITIONS,
    DecisionKind,
    DecisionMode,
    MemberRole,
    PublicationStatus,
    RuleKind,
    RuleStatus,
    TPEFunction,
    TPEStatus,
)
from .models import (
    MAX_MEMBERS_PER_SIDE,
    BilateralDocument,
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    OrganizationName,
    RoleAssignment,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEScopeValidity,
    TPEStatusChange,
    User,
)

VERSION_RE = re.compile(r"^(?:ver)?(\d{1,2})\.(\d)$")
ISO2_RE = re.compile(r"^[A-Z]{2}$")
FORM_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,40}$")


# --- Countries, bilateral documents, organizations ------------------------------------

@transaction.atomic
def country_create(*, actor: User, code: str, name: str, name_ja: str = "", name_local: str = "",
                   is_japan: bool = False) -> Country:
    access.require_create_country(actor)
    code = (code or "").strip().upper()
    if not ISO2_RE.match(code):
        raise ApplicationError("Give the two-letter ISO 3166-1 code of the country, e.g. MN.", field="code")
    if is_japan and Country.objects.filter(is_japan=True).exists():
        raise Conflict("Japan is already registered.", field="is_japan")
    country = Country(code=code, name=name.strip(), name_ja=name_ja, name_local=name_local, is_japan=is_japan)
    validated_save(country)
    audit.record(actor=actor, action="committee.country.create", target=country,
                 data=snapshot(country, ["code", "name", "is_japan"]))
    return country


COUNTRY_EDITABLE = ("name", "name_ja", "name_local")


@transaction.atomic
def country_update(*, actor: User, country: Country, **changes: Any) -> Country:
    country = relock(country)
    access.require_update_country(actor, country)
    before = _apply(country, changes, COUNTRY_EDITABLE)
    validated_save(country)
    audit.record(actor=actor, action="committee.country.update", target=country,
                 data={"changes": changes, "before": before})
    return country


@transaction.atomic
def bilateral_document_record(*, actor: User, country: Country, title: str, signed_on: date, place: str = "",
                              japan_signatory: str = "", japan_signatory_title: str = "",
                              partner_signatory: str = "", partner_signatory_title: str = "",
                              file: File | None = None) -> BilateralDocument:
    access.require_record_bilateral_document(actor, country)
    if country.is_japan:
        raise ApplicationError("A bilateral document is recorded for the partner country, not Japan.",
                               field="country")
    doc = BilateralDocument(country=country, title=title, signed_on=signed_on, place=place,
                            japan_signatory=japan_signatory, japan_signatory_title=japan_signatory_title,
                            partner_signatory=partner_signatory, partner_signatory_title=partner_signatory_title)
    if file:
        doc.file = file
    validated_save(doc)
    audit.record(actor=actor, action="committee.bilateral_document.record", target=doc,
                 data=snapshot(doc, ["country", "title", "signed_on", "place", "japan_signatory",
                                     "partner_signatory"]))
    return doc


@transaction.atomic
def organization_create(*, actor: User, name: str, kind: str, country: Country | None = None, name_ja: str = "",
                        short_name: str = "", email: str = "", website: str = "", address: str = "",
                        is_fictitious: bool = False) -> Organization:
    access.require_create_organization(actor)
    org = Organization(name=name.strip(), kind=kind, country=country, name_ja=name_ja, short_name=short_name,
                       email=email, website=website, address=address, is_fictitious=is_fictitious)
    validated_save(org)
    audit.record(actor=actor, action="committee.organization.create", target=org,
                 data=snapshot(org, ["name", "kind", "country", "is_fictitious"]))
    return org


@transaction.atomic
def organization_rename(*, actor: User, organization: Organization, name: str) -> Organization:
    """Give the organization its current name (record the former names with organization_name_record)."""
    organization = relock(organization)
    access.require_create_organization(actor)
    if not (name or "").strip():
        raise ApplicationError("Give the name.", field="name")
    before = organization.name
    organization.name = name.strip()
    validated_save(organization)
    audit.record(actor=actor, action="committee.organization.rename", target=organization,
                 data={"before": before, "name": organization.name})
    return organization


@transaction.atomic
def organization_name_record(*, actor: User, organization: Organization, name: str, source: str,
                             name_ja: str = "", valid_from: date | None = None, valid_until: date | None = None,
                             attested_on: date | None = None) -> OrganizationName:
    """Record a name the organization had (or has), with its dates where a source gives them, and the source."""
    organization = relock(organization)
    access.require_create_organization(actor)
    if not (name or "").strip():
        raise ApplicationError("Give the name.", field="name")
    if not (source or "").strip():
        raise ApplicationError("Give the source that shows the name (a document or web page).", field="source")
    if valid_from and valid_until and valid_until < valid_from:
        raise ApplicationError("The name cannot be in force until a date before it came into force.",
                               field="valid_until")
    row = OrganizationName(organization=organization, name=name.strip(), name_ja=name_ja.strip(),
                           valid_from=valid_from, valid_until=valid_until, attested_on=attested_on,
                           source=source.strip())
    validated_save(row)
    audit.record(actor=actor, action="committee.organization.name_record", target=row,
                 data=snapshot(row, ["organization", "name", "name_ja", "valid_from", "valid_until", "attested_on",
                                     "source"]))
    return row


# --- Joint Committees and their members --------------------------------------------------

@transaction.atomic
def joint_committee_create(*, actor: User, partner: Country, name: str = "", established_on: date | None = None
                           ) -> JointCommittee:
    access.require_create_joint_committee(actor)
    if partner.is_japan:
        raise ApplicationError("Japan is the other side of every Joint Committee; choose a partner country.",
                               field="partner")
    if JointCommittee.objects.filter(partner=partner).exists():
        raise Conflict(f"{partner} already has a Joint Committee.", field="partner")
    jc = JointCommittee(partner=partner, name=name or f"Japan–{partner.name} Joint Committee",
                        established_on=established_on)
    validated_save(jc)
    audit.record(actor=actor, action="committee.joint_committee.create", target=jc,
                 data=snapshot(jc, ["partner", "name", "established_on"]))
    return jc


@transaction.atomic
def member_appoint(*, actor: User, joint_committee: JointCommittee, side: str, name: str, organization: Organization,
                   role: str, start_date: date, title: str = "", end_date: date | None = None,
                   user: User | None = None) -> CommitteeMember:
    access.require_appoint_member(actor, joint_committee)
    _check_side_organization(joint_committee, side, organization)
    if end_date and end_date < start_date:
        raise ApplicationError("The end date must not be before the start date.", field="end_date")
    if role not in MemberRole.values:
        raise ApplicationError("Choose the role: co-chair, member or secretary.", field="role")
    if side not in ("japan", "partner"):
        raise ApplicationError("Choose the side: Japan or the partner country.", field="side")
    lock(JointCommittee, joint_committee.pk)  # serialises the composition checks per committee
    _check_composition(joint_committee, side, role, start_date, end_date)
    member = CommitteeMember(joint_committee=joint_committee, side=side, name=name.strip(), title=title,
                             organization=organization, role=role, start_date=start_date, end_date=end_date,
                             user=user)
    validated_save(member)
    audit.record(actor=actor, action="committee.member.appoint", target=member,
                 data=snapshot(member, ["joint_committee", "side", "name", "organization", "role", "start_date",
                                        "end_date"]))
    return member


@transaction.atomic
def member_end(*, actor: User, member: CommitteeMember, end_date: date) -> CommitteeMember:
    member = relock(member)
    access.require_end_membership(actor, member)
    if member.end_date is not None:
        raise Conflict(f"{member.name}'s membership already ended on {member.end_date}.", field="end_date")
    if end_date < member.start_date:
        raise ApplicationError("The end date must not be before the start date.", field="end_date")
    member.end_date = end_date
    validated_save(member, update_fields=["end_date"])
    audit.record(actor=actor, action="committee.member.end", target=member, data={"end_date": end_date})
    return member


def _check_composition(jc: JointCommittee, side: str, role: str, start: date, end: date | None) -> None:
    """The Rules of Procedures: at most ten members per side, one co-chair and one secretary per side at any
    date (JCM_MN_RoP_JC_ver02.0). Every seat counts as a member, the co-chair and the secretary included."""
    overlapping = [m for m in CommitteeMember.objects.filter(joint_committee=jc, side=side)
                   if m.start_date <= (end or date.max) and (m.end_date or date.max) >= start]
    side_label = "Japan's side" if side == "japan" else "The partner side"
    for single, what in ((MemberRole.CO_CHAIR, "co-chair"), (MemberRole.SECRETARY, "secretary")):
        if role == single:
            clash = next((m for m in overlapping if m.role == single), None)
            if clash is not None:
                until = f" until {clash.end_date}" if clash.end_date else ""
                raise Conflict(f"{side_label} already has a {what} at that date: {clash.name} "
                               f"(from {clash.start_date}{until}). End that seat first.", field="role")
    # The most seats held at once within the new seat's term are held on some seat's first day.
    days = sorted({start, *(m.start_date for m in overlapping if m.start_date > start)})
    for day in days:
        if end is not None and day > end:
            break
        serving = sum(1 for m in overlapping if m.start_date <= day <= (m.end_date or date.max))
        if serving >= MAX_MEMBERS_PER_SIDE:
            raise Conflict(f"{side_label} already has ten members on {day}; the Rules of Procedures allow "
                           f"at most ten members per side. End a seat first.", field="side")


# --- Meetings ------------------------------------------------------------------------

@transaction.atomic
def meeting_record(*, actor: User, joint_committee: JointCommittee, date: date, city: str = "",
                   is_online: bool = False, number: int | None = None, summary: str = "", report: File | None = None,
                   attendees: Iterable[Organization] = (), publish: bool = True, attendance_note: str = "",
                   source: str = "") -> Meeting:
    access.require_record_meeting(actor, joint_committee)
    lock(JointCommittee, joint_committee.pk)  # serialises meeting numbering per committee
    if number is None:
        number = (joint_committee.meetings.aggregate(n=Max("number"))["n"] or 0) + 1
    elif joint_committee.meetings.filter(number=number).exists():
        raise Conflict(f"The {joint_committee} already has a meeting number {number}.", field="number")
    if not city and not is_online:
        raise ApplicationError("Give the city where the meeting was held, or mark it as online.", field="city")
    meeting = Meeting(joint_committee=joint_committee, number=number, date=date, city=city.strip(),
                      is_online=is_online, summary=summary, attendance_note=attendance_note.strip(),
                      source=source.strip(),
                      status=PublicationStatus.PUBLISHED if publish else PublicationStatus.DRAFT,
                      published_at=timezone.now() if publish else None)
    if report:
        meeting.report = report
    validated_save(meeting)
    attendees = list(attendees)
    if attendees:
        meeting.attendees.set(attendees)
    audit.record(actor=actor, action="committee.meeting.record", target=meeting,
                 data={**snapshot(meeting, ["joint_committee", "number", "date", "city", "is_online", "status",
                                            "report"]),
                       "attendees": sorted(o.pk for o in attendees)})
    return meeting


MEETING_EDITABLE = ("date", "city", "is_online", "summary")


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, report: File | None = None,
                   attendees: Iterable[Organization] | None = None, **changes: Any) -> Meeting:
    meeting = relock(meeting)
    access.require_update_meeting(actor, meeting)
    before = {**_apply(meeting, changes, MEETING_EDITABLE), **snapshot(meeting, ["report"])}
    if not meeting.city and not meeting.is_online:
        raise ApplicationError("Give the city where the meeting was held, or mark it as online.", field="city")
    if report:
        meeting.report = report
    validated_save(meeting)
    data: dict[str, Any] = {"changes": {**changes, **({"report": meeting.report.name} if report else {})},
                            "before": before}
    if attendees is not None:
        attendees = list(attendees)
        meeting.attendees.set(attendees)
        data["attendees"] = sorted(o.pk for o in attendees)
    audit.record(actor=actor, action="committee.meeting.update", target=meeting, data=data)
    return meeting


@transaction.atomic
def meeting_publish(*, actor: User, meeting: Meeting) -> Meeting:
    meeting = relock(meeting)
    access.require_publish_meeting(actor, meeting)
    check_transition(PUBLICATION_TRANSITIONS, meeting.status, PublicationStatus.PUBLISHED, what="The meeting",
                     labels=dict(PublicationStatus.choices))
    meeting.status = PublicationStatus.PUBLISHED
    meeting.published_at = timezone.now()
    meeting.save(update_fields=["status", "published_at"])
    audit.record(actor=actor, action="committee.meeting.publish", target=meeting)
    return meeting


# --- Decisions -----------------------------------------------------------------------

@transaction.atomic
def decision_record(*, actor: User, joint_committee: JointCommittee, decided_on: date, mode: str, kind: str,
                    title: str, text: str = "", meeting: Meeting | None = None, subject: Model | None = None,
                    subject_label: str = "", reference: str = "", publish: bool = True, source: str = "") -> Decision:
    """Record a decision of the Joint Committee, taken at a meeting or electronically."""
    access.require_record_decision(actor, joint_committee)
    lock(JointCommittee, joint_committee.pk)  # serialises reference numbering per committee
    if mode not in DecisionMode.values:
        raise ApplicationError("Choose whether the decision was taken at a meeting or electronically.", field="mode")
    if kind not in DecisionKind.values:
        raise ApplicationError("Choose the kind of decision.", field="kind")
    if mode == DecisionMode.MEETING:
        if meeting is None:
            raise ApplicationError("A decision taken at a meeting names the meeting.", field="meeting")
        if meeting.joint_committee_id != joint_committee.pk:
            raise ApplicationError("That meeting belongs to another Joint Committee.", field="meeting")
        if decided_on != meeting.date:
            raise ApplicationError(f"A decision taken at the {meeting} is dated {meeting.date}.", field="decided_on")
    elif meeting is not None:
        raise ApplicationError("An electronic decision is not taken at a meeting.", field="meeting")
    if decided_on > timezone.localdate():
        raise ApplicationError("A decision cannot be dated in the future.", field="decided_on")
    reference = (reference or "").strip() or _next_decision_reference(joint_committee, meeting, decided_on)
    if Decision.objects.filter(joint_committee=joint_committee, reference=reference).exists():
        raise Conflict(f"The reference {reference} is already used by another decision.", field="reference")
    decision = Decision(
        joint_committee=joint_committee, reference=reference, decided_on=decided_on, mode=mode, meeting=meeting,
        kind=kind, title=title.strip(), text=text, subject_label=subject_label or (str(subject) if subject else ""),
        status=PublicationStatus.PUBLISHED if publish else PublicationStatus.DRAFT,
        published_at=timezone.now() if publish else None, recorded_by=actor, source=source.strip(),
    )
    if subject is not None:
        decision.subject_type = ContentType.objects.get_for_model(subject)
        decision.subject_id = str(subject.pk)
    validated_save(decision)
    audit.record(actor=actor, action="committee.decision.record", target=decision,
                 data=snapshot(decision, ["joint_committee", "reference", "decided_on", "mode", "meeting", "kind",
                                          "title", "subject_type", "subject_id", "subject_label", "status"]))
    if publish:
        events.emit("committee.decision.recorded", decision_id=decision.pk)
    return decision


def _next_decision_reference(jc: JointCommittee, meeting: Meeting | None, decided_on: date) -> str:
    if meeting is not None:  # taken at a meeting (decision_record checked that the mode says so)
        prefix = f"{jc.code}-JC{meeting.number:02d}-"
    else:
        prefix = f"{jc.code}-ED{decided_on.year}-"
    taken = Decision.objects.filter(joint_committee=jc, reference__startswith=prefix).values_list("reference", flat=True)
    numbers = [int(r[len(prefix):]) for r in taken if r[len(prefix):].isdigit()]
    return f"{prefix}{(max(numbers, default=0) + 1):02d}"


DECISION_EDITABLE = ("title", "text", "subject_label", "kind")


@transaction.atomic
def decision_update(*, actor: User, decision: Decision, **changes: Any) -> Decision:
    decision = relock(decision)
    access.require_update_decision(actor, decision)
    if decision.status != PublicationStatus.DRAFT:
        raise Conflict("A published decision cannot be changed; record a new decision instead.", field="status")
    before = _apply(decision, changes, DECISION_EDITABLE)
    validated_save(decision)
    audit.record(actor=actor, action="committee.decision.update", target=decision,
                 data={"changes": changes, "before": before})
    return decision


@transaction.atomic
def decision_publish(*, actor: User, decision: Decision) -> Decision:
    decision = relock(decision)
    access.require_publish_decision(actor, decision)
    check_transition(PUBLICATION_TRANSITIONS, decision.status, PublicationStatus.PUBLISHED, what="The decision",
                     labels=dict(PublicationStatus.choices))
    decision.status = PublicationStatus.PUBLISHED
    decision.published_at = timezone.now()
    decision.save(update_fields=["status", "published_at"])
    audit.record(actor=actor, action="committee.decision.publish", target=decision)
    events.emit("committee.decision.recorded", decision_id=decision.pk)
    return decision


# --- Rules and guidelines ------------------------------------------------------------

def parse_version(version: str) -> tuple[int, int]:
    match = VERSION_RE.match((version or "").strip())
    if not match:
        raise ApplicationError("Write the version as two numbers such as 02.0 (or ver02.0).", field="version")
    return int(match.group(1)), int(match.group(2))


def rule_series(joint_committee: JointCommittee, kind: str, form_code: str = "") -> str:
    if kind in RULE_CODE_ABBREVIATIONS:
        abbreviation = RULE_CODE_ABBREVIATIONS[kind]
    else:
        if not FORM_CODE_RE.match(form_code or ""):
            raise ApplicationError("Forms and other documents need a short code such as F_Iss_Req.", field="form_code")
        abbreviation = form_code
    return f"JCM_{joint_committee.code}_{abbreviation}"


@transaction.atomic
def rule_document_publish(*, actor: User, joint_committee: JointCommittee, kind: str, version: str, title: str,
                          effective_date: date | None, file: File | None = None, form_code: str = "",
                          adopted_by: Decision | None = None, source: str = "") -> RuleDocument:
    """Publish a new version of a rule document; the version in force of the same series is superseded."""
    access.require_publish_rule_document(actor, joint_committee)
    if kind not in RuleKind.values:
        raise ApplicationError("Choose the kind of document.", field="kind")
    major, minor = parse_version(version)
    series = rule_series(joint_committee, kind, form_code)
    if adopted_by is not None and adopted_by.joint_committee_id != joint_committee.pk:
        raise ApplicationError("The adopting decision belongs to another Joint Committee.", field="adopted_by")
    versions = lock(RuleDocument.objects.filter(series=series))
    latest = max(versions, key=lambda d: (d.version_major, d.version_minor), default=None)
    if latest is not None and (major, minor) <= (latest.version_major, latest.version_minor):
        raise Conflict(f"{series} is already at version {latest.version}; a new version must be higher.",
                       field="version")
    current = next((d for d in versions if d.status == RuleStatus.IN_FORCE), None)
    if current is not None:
        if effective_date and current.effective_date and effective_date < current.effective_date:
            raise ApplicationError(f"The new version cannot take effect before the version it supersedes "
                                   f"({current.effective_date}).", field="effective_date")
        check_transition(RULE_TRANSITIONS, current.status, RuleStatus.SUPERSEDED, what=current.code,
                         labels=dict(RuleStatus.choices))
        current.status = RuleStatus.SUPERSEDED
        current.save(update_fields=["status"])
    document = RuleDocument(
        joint_committee=joint_committee, kind=kind, series=series, code=f"{series}_ver{major:02d}.{minor}",
        title=title.strip(), version_major=major, version_minor=minor, effective_date=effective_date,
        supersedes=latest, adopted_by=adopted_by, status=RuleStatus.IN_FORCE, published_at=timezone.now(),
        source=source.strip(),
    )
    if file:
        document.file = file
    validated_save(document)
    audit.record(actor=actor, action="committee.rule_document.publish", target=document,
                 data={**snapshot(document, ["joint_committee", "kind", "code", "title", "effective_date",
                                             "adopted_by", "file"]),
                       "supersedes": current.code if current else None})
    return document


@transaction.atomic
def rule_document_withdraw(*, actor: User, document: RuleDocument, reason: str = "") -> RuleDocument:
    document = relock(document)
    access.require_withdraw_rule_document(actor, document)
    check_transition(RULE_TRANSITIONS, document.status, RuleStatus.WITHDRAWN, what=document.code,
                     labels=dict(RuleStatus.choices))
    before = document.status
    document.status = RuleStatus.WITHDRAWN
    document.save(update_fields=["status"])
    audit.record(actor=actor, action="committee.rule_document.withdraw", target=document,
                 data={"before": before}, message=reason)
    return document


# --- Third-party entities ------------------------------------------------------------

@transaction.atomic
def tpe_designate(*, actor: User, joint_committee: JointCommittee, organization: Organization, designated_on: date,
                  scopes_validation: Iterable[SectoralScope] = (), scopes_verification: Iterable[SectoralScope] = (),
                  accreditation: str = "", decision: Decision | None = None, number: int | None = None
                  ) -> ThirdPartyEntity:
    access.require_designate_tpe(actor, joint_committee)
    lock(JointCommittee, joint_committee.pk)  # serialises TPE numbering per committee
    scopes_validation, scopes_verification = list(scopes_validation), list(scopes_verification)
    if not scopes_validation and not scopes_verification:
        raise ApplicationError("Designate the TPE for at least one sectoral scope.", field="scopes_validation")
    if decision is not None and decision.joint_committee_id != joint_committee.pk:
        raise ApplicationError("The designating decision belongs to another Joint Committee.", field="decision")
    if ThirdPartyEntity.objects.filter(joint_committee=joint_committee, organization=organization).exists():
        raise Conflict(f"{organization} is already a TPE of the {joint_committee}.", field="organization")
    prefix = f"TPE-{joint_committee.code}-"
    if number is None:
        taken = ThirdPartyEntity.objects.filter(tpe_id__startswith=prefix).values_list("tpe_id", flat=True)
        # Three-digit IDs only: four-digit ones (TPE-MN-9001) are the demo's fictitious TPEs.
        number = max((int(t[len(prefix):]) for t in taken if len(t) - len(prefix) == 3), default=0) + 1
    tpe = ThirdPartyEntity(joint_committee=joint_committee, tpe_id=f"{prefix}{number:03d}", organization=organization,
                           designated_on=designated_on, status_changed_on=designated_on,
                           accreditation=accreditation, decision=decision, status=TPEStatus.DESIGNATED)
    validated_save(tpe)
    tpe.scopes_validation.set(scopes_validation)
    tpe.scopes_verification.set(scopes_verification)
    TPEStatusChange.objects.create(tpe=tpe, from_status="", to_status=TPEStatus.DESIGNATED,
                                   effective_on=designated_on, decision=decision)
    audit.record(actor=actor, action="committee.tpe.designate", target=tpe,
                 data={**snapshot(tpe, ["joint_committee", "tpe_id", "organization", "designated_on", "decision"]),
                       "scopes_validation": sorted(s.number for s in scopes_validation),
                       "scopes_verification": sorted(s.number for s in scopes_verification)})
    return tpe


@transaction.atomic
def tpe_record_reference(*, actor: User, joint_committee: JointCommittee, tpe_id: str, organization: Organization,
                         designated_on: date, source: str, status: str = TPEStatus.DESIGNATED,
                         scopes_validation: Iterable[SectoralScope] = (),
                         scopes_verification: Iterable[SectoralScope] = (), note: str = "") -> ThirdPartyEntity:
    """Record a TPE of a public register as it stands there (reference data): its own ID, designation date,
    status and the scopes the source gives (none when it gives none), with the source. Nothing else is
    filled in: the date of a later withdrawal, for example, stays blank where the source does not give it."""
    access.require_designate_tpe(actor, joint_committee)
    if not (source or "").strip():
        raise ApplicationError("Reference data names its source.", field="source")
    if status not in TPEStatus.values:
        raise ApplicationError("Choose the status.", field="status")
    if ThirdPartyEntity.objects.filter(tpe_id=tpe_id).exists():
        raise Conflict(f"{tpe_id} is already recorded.", field="tpe_id")
    tpe = ThirdPartyEntity(joint_committee=joint_committee, tpe_id=tpe_id, organization=organization,
                           designated_on=designated_on,
                           status_changed_on=designated_on if status == TPEStatus.DESIGNATED else None,
                           status=status, source=source.strip(), note=note)
    validated_save(tpe)
    tpe.scopes_validation.set(list(scopes_validation))
    tpe.scopes_verification.set(list(scopes_verification))
    TPEStatusChange.objects.create(tpe=tpe, from_status="", to_status=TPEStatus.DESIGNATED,
                                   effective_on=designated_on, reason="")
    audit.record(actor=actor, action="committee.tpe.record_reference", target=tpe,
                 data={**snapshot(tpe, ["joint_committee", "tpe_id", "organization", "designated_on", "status",
                                        "source", "note"]),
                       "scopes_validation": sorted(s.number for s in tpe.scopes_validation.all()),
                       "scopes_verification": sorted(s.number for s in tpe.scopes_verification.all())})
    return tpe


@transaction.atomic
def tpe_change_status(*, actor: User, tpe: ThirdPartyEntity, status: str, effective_on: date, reason: str = "",
                      decision: Decision | None = None) -> ThirdPartyEntity:
    """Suspend, reinstate or withdraw a TPE."""
    tpe = relock(tpe)
    access.require_change_tpe_status(actor, tpe)
    check_transition(TPE_TRANSITIONS, tpe.status, status, what=f"{tpe.tpe_id}", labels=dict(TPEStatus.choices))
    if status in (TPEStatus.SUSPENDED, TPEStatus.WITHDRAWN) and not reason.strip():
        raise ApplicationError("Give the reason for the suspension or withdrawal.", field="reason")
    if tpe.status_changed_on and effective_on < tpe.status_changed_on:
        raise ApplicationError(f"The change cannot take effect before the last one ({tpe.status_changed_on}).",
                               field="effective_on")
    before = tpe.status
    tpe.status = status
    tpe.status_changed_on = effective_on
    tpe.save(update_fields=["status", "status_changed_on"])
    TPEStatusChange.objects.create(tpe=tpe, from_status=before, to_status=status, effective_on=effective_on,
                                   reason=reason, decision=decision)
    audit.record(actor=actor, action=f"committee.tpe.{status}", target=tpe,
                 data={"from": before, "to": status, "effective_on": effective_on}, message=reason)
    return tpe


@transaction.atomic
def tpe_update_scopes(*, actor: User, tpe: ThirdPartyEntity, scopes_validation: Iterable[SectoralScope],
                      scopes_verification: Iterable[SectoralScope], decision: Decision | None = None
                      ) -> ThirdPartyEntity:
    tpe = relock(tpe)
    access.require_update_tpe_scopes(actor, tpe)
    if tpe.status == TPEStatus.WITHDRAWN:
        raise Conflict(f"{tpe.tpe_id} is withdrawn; its scopes can no longer change.", field="status")
    scopes_validation, scopes_verification = list(scopes_validation), list(scopes_verification)
    if not scopes_validation and not scopes_verification:
        raise ApplicationError("A TPE keeps at least one sectoral scope; withdraw it instead.",
                               field="scopes_validation")
    before = {"validation": sorted(s.number for s in tpe.scopes_validation.all()),
              "verification": sorted(s.number for s in tpe.scopes_verification.all())}
    tpe.scopes_validation.set(scopes_validation)
    tpe.scopes_verification.set(scopes_verification)
    audit.record(actor=actor, action="committee.tpe.update_scopes", target=tpe,
                 data={"before": before, "validation": sorted(s.number for s in scopes_validation),
                       "verification": sorted(s.number for s in scopes_verification),
                       "decision": decision.pk if decision else None})
    return tpe


@transaction.atomic
def tpe_set_scope_until(*, actor: User, tpe: ThirdPartyEntity, scope: SectoralScope, purpose: str,
                        valid_until: date | None, decision: Decision | None = None) -> ThirdPartyEntity:
    """Set (or, with ``valid_until=None``, clear) the "until" date of a TPE's designation in one scope."""
    tpe = relock(tpe)
    access.require_set_tpe_scope_until(actor, tpe)
    if purpose not in TPEFunction.values:
        raise ApplicationError("Choose validation or verification.", field="purpose")
    held = tpe.scopes_validation if purpose == TPEFunction.VALIDATION else tpe.scopes_verification
    if not held.filter(pk=scope.pk).exists():
        raise ApplicationError(f"{tpe.tpe_id} is not designated for {purpose} in sectoral scope {scope}.",
                               field="scope")
    if valid_until is not None and valid_until < tpe.designated_on:
        raise ApplicationError(f"The date cannot be before the designation ({tpe.designated_on:%Y-%m-%d}).",
                               field="valid_until")
    if decision is not None and decision.joint_committee_id != tpe.joint_committee_id:
        raise ApplicationError("The decision belongs to another Joint Committee.", field="decision")
    current = TPEScopeValidity.objects.filter(tpe=tpe, scope=scope, purpose=purpose).first()
    before = current.valid_until if current else None
    if valid_until is None:
        if current is not None:
            current.delete()
    elif current is None:
        validated_save(TPEScopeValidity(tpe=tpe, scope=scope, purpose=purpose, valid_until=valid_until,
                                        decision=decision))
    else:
        current.valid_until, current.decision = valid_until, decision
        validated_save(current)
    audit.record(actor=actor, action="committee.tpe.scope_until", target=tpe,
                 data={"scope": scope.number, "purpose": purpose, "before": before, "valid_until": valid_until,
                       "decision": decision.pk if decision else None})
    return tpe


# --- Roles ---------------------------------------------------------------------------

@transaction.atomic
def role_assign(*, actor: User, user: User, role: str, joint_committee: JointCommittee | None = None, side: str = "",
                country: Country | None = None, organization: Organization | None = None,
                valid_from: date | None = None, valid_until: date | None = None) -> RoleAssignment:
    access.require_assign_role(actor)
    assignment = RoleAssignment(user=user, role=role, joint_committee=joint_committee, side=side, country=country,
                                organization=organization, valid_from=valid_from, valid_until=valid_until)
    try:
        validated_save(assignment)
    except IntegrityError as exc:  # pragma: no cover - full_clean checks the constraints first
        raise ApplicationError(str(exc)) from exc
    audit.record(actor=actor, action="committee.role.assign", target=assignment,
                 data=snapshot(assignment, ["user", "role", "joint_committee", "side", "country", "organization"]))
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    access.require_revoke_role(actor)
    assignment = relock(assignment)
    data = snapshot(assignment, ["user", "role", "joint_committee", "side", "country", "organization"])
    audit.record(actor=actor, action="committee.role.revoke", target=assignment, data=data)
    assignment.delete()


# --- helpers -------------------------------------------------------------------------

def _apply(obj: Model, changes: dict[str, Any], editable: Iterable[str]) -> dict[str, Any]:
    """Set the editable fields named in ``changes``; return their values before (for the audit event)."""
    unknown = set(changes) - set(editable)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    before = snapshot(obj, list(changes))
    for key, value in changes.items():
        setattr(obj, key, value)
    return before


def _check_side_organization(jc: JointCommittee, side: str, organization: Organization) -> None:
    if organization.country_id is None:
        return
    country = organization.country if side == "japan" else None  # (read only where it decides)
    if country is not None and not country.is_japan and organization.kind != "embassy":
        raise ApplicationError("A member on Japan's side represents a Japanese ministry or embassy.",
                               field="organization")
    if side == "partner" and organization.country_id != jc.partner_id and organization.kind != "embassy":
        raise ApplicationError(f"A member on the partner side represents an organization of {jc.partner}.",
                               field="organization")
