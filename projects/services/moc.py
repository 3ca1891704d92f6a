"""The Modalities of Communication statement, its Annex 1 changes, and the credit allocation."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files import File
from django.db import transaction

from committee.models import Organization, ThirdPartyEntity, User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import lock, validated_save

from .. import files
from ..access import (
    participant_users,
    require_allocation_submit,
    require_moc_annex_change,
    require_moc_submit,
    secretariat_users,
)
from ..choices import (
    AllocationParty,
    AnnexChangeKind,
    ParticipantSide,
    RecordStatus,
    RegistrySide,
)
from ..models import (
    AllocationShare,
    CreditAllocation,
    MoCAnnexChange,
    MoCStatement,
    Project,
    ProjectParticipant,
)
from .common import (
    ShareInput,
    _as,
    _attach,
    _lock_project,
    _require_open,
    _tell,
    _today,
    project_url,
)

PERCENT_QUANTUM = Decimal("0.0001")
GOVERNMENT_REGISTRIES: dict[str, str] = {AllocationParty.JAPAN_GOVERNMENT: RegistrySide.JAPAN,
                                         AllocationParty.PARTNER_GOVERNMENT: RegistrySide.PARTNER}


def _signatory(value: Mapping[str, str] | None, field: str) -> dict[str, str]:
    value = dict(value or {})
    name = (value.get("name") or "").strip()
    if not name:
        raise ApplicationError("Name the authorized signatory.", field=field)
    return {"name": name, "title": (value.get("title") or "").strip(), "email": (value.get("email") or "").strip()}


def _contacts(contacts: Iterable[Mapping[str, Any]] | None) -> list[dict[str, str]]:
    result = []
    for item in contacts or ():
        item = dict(item)
        if not (item.get("name") or "").strip():
            raise ApplicationError("Each contact needs a name.", field="contacts")
        result.append({key: str(item.get(key) or "").strip() for key in ("name", "organization", "email", "phone")})
    return result


@transaction.atomic
def moc_submit(*, actor: User, project: Project, focal_point: Organization, primary_signatory: Mapping[str, str],
               alternate_signatory: Mapping[str, str], tpes: Iterable[ThirdPartyEntity] = (),
               contacts: Iterable[Mapping[str, Any]] = (),
               file: File | None = None) -> MoCStatement:
    """The focal point submits a Modalities of Communication statement; it supersedes the current one.

    Naming another participant as focal point is done this way (a new statement), never by Annex 1.
    """
    project = _lock_project(project)
    require_moc_submit(actor, project)
    _require_open(project)
    participants = lock(project.participants.all())
    new_focal = next((p for p in participants if p.organization_id == focal_point.pk and p.active), None)
    if new_focal is None:
        raise ApplicationError("The focal point must be an active participant of the project.", field="focal_point")
    tpes = list(tpes)
    for tpe in tpes:
        if tpe.joint_committee_id != project.joint_committee_id:
            raise ApplicationError(f"{tpe.tpe_id} is not a TPE of the {project.joint_committee}.", field="tpes")
    primary = _signatory(primary_signatory, "primary_signatory")
    alternate = _signatory(alternate_signatory, "alternate_signatory")
    current = project.moc_statements.filter(status=RecordStatus.CURRENT).first()
    if current is not None:
        current = lock(MoCStatement, current.pk)
        current.status = RecordStatus.SUPERSEDED
        current.save(update_fields=["status"])
    statement = MoCStatement(
        project=project, version=(current.version + 1) if current else 1, focal_point=focal_point,
        primary_signatory_name=primary["name"], primary_signatory_title=primary["title"],
        primary_signatory_email=primary["email"], alternate_signatory_name=alternate["name"],
        alternate_signatory_title=alternate["title"], alternate_signatory_email=alternate["email"],
        participants=[{"organization": p.organization_id, "name": p.name, "side": p.side}
                      for p in participants if p.active and p.pk != new_focal.pk],
        contacts=_contacts(contacts), supersedes=current, submitted_by=actor)
    if file is not None:
        checked = files.checked_upload(file, allowed=files.MOC_TYPES, field="file")
        _attach(statement, "file", checked)
        statement.sha256 = checked.sha256
    validated_save(statement)
    statement.tpes.set(tpes)
    for p in participants:  # the focal point changes only through a new statement
        if p.is_focal_point and p.pk != new_focal.pk:
            p.is_focal_point = False
            p.save(update_fields=["is_focal_point"])
    if not new_focal.is_focal_point:
        new_focal.is_focal_point = True
        new_focal.save(update_fields=["is_focal_point"])
    event = audit.record(actor=actor, action="projects.moc.submit", target=statement, data={
        "project": project.project_id, "version": statement.version, "focal_point": focal_point.pk,
        "supersedes": current.version if current else None, "tpes": [t.tpe_id for t in tpes],
        "primary_signatory": primary["name"], "alternate_signatory": alternate["name"], "sha256": statement.sha256})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.moc.submitted", subject=f"{project.project_id}: MoC statement version {statement.version}",
          url=project_url(project))
    return statement


@transaction.atomic
def moc_annex_change(*, actor: User, project: Project, kind: str, organization: Organization | None = None,
                     side: str = "", new_name: str = "", contacts: Iterable[Mapping[str, Any]] | None = None,
                     details: str = "",
                     effective_on: datetime.date | None = None) -> MoCAnnexChange:
    """An Annex 1 change to the current MoC statement: a participant added, renamed or withdrawn, or contacts."""
    project = _lock_project(project)
    require_moc_annex_change(actor, project)
    _require_open(project)
    if kind not in AnnexChangeKind.values:
        raise ApplicationError("Choose the kind of Annex 1 change.", field="kind")
    statement = project.moc_statements.filter(status=RecordStatus.CURRENT).first()
    if statement is None:
        raise Conflict("Annex 1 changes amend the MoC statement; submit one first.", field="kind")
    statement = lock(MoCStatement, statement.pk)
    effective_on = effective_on or _today()
    change = MoCAnnexChange(statement=statement, number=statement.annex_changes.count() + 1, kind=kind,
                            organization=organization, side=side or "", new_name=(new_name or "").strip(),
                            details=(details or "").strip(), effective_on=effective_on, recorded_by=actor)
    participant = (project.participants.filter(organization=organization).first() if organization else None)
    if participant is not None:
        participant = lock(ProjectParticipant, participant.pk)
    if kind == AnnexChangeKind.ADD_PARTICIPANT:
        if organization is None or side not in ParticipantSide.values:
            raise ApplicationError("Name the organization added and its side.", field="organization")
        if participant is not None and participant.active:
            raise Conflict(f"{organization} is already a participant.", field="organization")
        if participant is None:
            ProjectParticipant.objects.create(project=project, organization=organization, side=side,
                                              name=change.new_name or organization.name, joined_on=effective_on)
        else:
            participant.active, participant.left_on, participant.side = True, None, side
            participant.joined_on = effective_on
            participant.save(update_fields=["active", "left_on", "side", "joined_on"])
    elif kind in (AnnexChangeKind.RENAME_PARTICIPANT, AnnexChangeKind.WITHDRAW_PARTICIPANT):
        if participant is None or not participant.active:
            raise ApplicationError("Name an active participant of the project.", field="organization")
        if kind == AnnexChangeKind.RENAME_PARTICIPANT:
            if not change.new_name:
                raise ApplicationError("Give the participant's new name.", field="new_name")
            participant.name = change.new_name
            participant.save(update_fields=["name"])
        else:
            if participant.is_focal_point:
                raise Conflict("The focal point cannot withdraw by Annex 1; name a new focal point in a new MoC "
                               "statement first.", field="organization")
            participant.active, participant.left_on = False, effective_on
            participant.save(update_fields=["active", "left_on"])
    else:
        change.contacts = _contacts(contacts)
        if not change.contacts:
            raise ApplicationError("Give the new contact details.", field="contacts")
    validated_save(change)
    event = audit.record(actor=actor, action="projects.moc.annex_change", target=change, data={
        "project": project.project_id, "moc_version": statement.version, "kind": kind,
        "organization": organization.pk if organization else None, "new_name": change.new_name})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.moc.annex_change",
          subject=f"{project.project_id}: MoC Annex 1 change — {change.get_kind_display()}", url=project_url(project))
    return change


def _percent(value: Any) -> Decimal:
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise ApplicationError("Give each share as a percentage.", field="shares") from None
    if not percent.is_finite() or percent <= 0 or percent > 100:
        raise ApplicationError("Each share is more than 0 and at most 100 percent.", field="shares")
    if percent != percent.quantize(PERCENT_QUANTUM):
        raise ApplicationError("Give shares with at most four decimals.", field="shares")
    return percent.quantize(PERCENT_QUANTUM)


@transaction.atomic
def allocation_submit(*, actor: User, project: Project, shares: Iterable[ShareInput | Mapping[str, Any]],
                      note: str = "") -> CreditAllocation:
    """The focal point enters a new version of the credit allocation (the percentages sum to exactly 100)."""
    project = _lock_project(project)
    require_allocation_submit(actor, project)
    _require_open(project)
    rows = [_as(ShareInput, s) for s in shares]
    if not rows:
        raise ApplicationError("Give at least one share.", field="shares")
    active = {p.organization_id for p in project.participants.filter(active=True)}
    seen: set[tuple[str, int | None]] = set()
    cleaned = []
    for share in rows:
        if share.party not in AllocationParty.values:
            raise ApplicationError("Each share goes to Japan's government, the partner government or a participant.",
                                   field="shares")
        registry = share.registry or GOVERNMENT_REGISTRIES.get(share.party, "")
        if registry not in RegistrySide.values:
            raise ApplicationError("Say into which government's registry each participant's share is issued.",
                                   field="shares")
        if share.party == AllocationParty.JAPAN_GOVERNMENT and registry != RegistrySide.JAPAN:
            raise ApplicationError("The Government of Japan's share is issued into Japan's registry.",
                                   field="shares")
        if share.party == AllocationParty.PARTNER_GOVERNMENT and registry != RegistrySide.PARTNER:
            raise ApplicationError("The partner government's share is issued into the partner country's registry.",
                                   field="shares")
        organization = share.organization if share.party == AllocationParty.PARTICIPANT else None
        if share.party == AllocationParty.PARTICIPANT and (organization is None or organization.pk not in active):
            raise ApplicationError("A participant's share names an active participant of the project.",
                                   field="shares")
        key = (share.party, organization.pk if organization else None)
        if key in seen:
            raise ApplicationError("Each party has one share.", field="shares")
        seen.add(key)
        cleaned.append((share.party, organization, registry, _percent(share.percent)))
    total = sum((c[3] for c in cleaned), Decimal(0))
    if total != 100:
        raise ApplicationError(f"The shares add up to {total.normalize():f}%; they must add up to exactly 100%.",
                               field="shares")
    current = project.allocations.filter(status=RecordStatus.CURRENT).first()
    if current is not None:
        current = lock(CreditAllocation, current.pk)
        current.status = RecordStatus.SUPERSEDED
        current.save(update_fields=["status"])
    allocation = CreditAllocation(project=project, version=(current.version + 1) if current else 1,
                                  note=(note or "").strip(), submitted_by=actor)
    validated_save(allocation)
    for position, (party, organization, registry, percent) in enumerate(cleaned, start=1):
        AllocationShare.objects.create(allocation=allocation, position=position, party=party,
                                       organization=organization, registry=registry, percent=percent)
    event = audit.record(actor=actor, action="projects.allocation.submit", target=allocation, data={
        "project": project.project_id, "version": allocation.version,
        "shares": [{"party": p, "organization": o.pk if o else None, "registry": r, "percent": str(pc)}
                   for p, o, r, pc in cleaned]})
    _tell(event, [*participant_users(project), *secretariat_users(project.joint_committee)],
          kind="projects.allocation.submitted",
          subject=f"{project.project_id}: credit allocation version {allocation.version}", url=project_url(project))
    return allocation
