"""The project: a participant starts a draft, edits it, and the focal point may withdraw it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import Max

from committee.models import JointCommittee, Organization, SectoralScope, User
from committee.roles import require_authenticated
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import lock, snapshot, validated_save
from methodologies.models import MethodologyVersion

from ..access import (
    acts_for_one_of,
    participant_users,
    require_project_create,
    require_project_update,
    require_project_withdraw,
    secretariat_users,
)
from ..choices import (
    EDITABLE_STATUSES,
    IssuanceStatus,
    ParticipantSide,
    ProjectStatus,
)
from ..models import (
    Project,
    ProjectParticipant,
    Site,
)
from .common import (
    PROJECT_LABELS,
    ParticipantInput,
    SiteInput,
    _as,
    _lock_project,
    _move,
    _now,
    _tell,
    _today,
    project_url,
)

PROJECT_EDITABLE = ("title", "description", "sectoral_scope", "expected_annual_reductions", "start_of_operation",
                    "crediting_start", "crediting_end")


def _check_versions(joint_committee: JointCommittee, versions: Iterable[MethodologyVersion],
                    scope: SectoralScope | None) -> list[MethodologyVersion]:
    versions = list(versions or ())
    if not versions:
        raise ApplicationError("Name the approved methodology version(s) the project applies.",
                               field="methodology_versions")
    for version in versions:
        if version.methodology.joint_committee_id != joint_committee.pk:
            raise ApplicationError(f"{version} is a methodology of another Joint Committee.",
                                   field="methodology_versions")
        if not version.is_usable_on(_today()):
            raise ApplicationError(f"{version} is not a valid methodology version.", field="methodology_versions")
    if scope is not None and not any(v.methodology.sectoral_scope_id == scope.pk for v in versions):
        raise ApplicationError(f"The sectoral scope must be the scope of an applied methodology "
                               f"({', '.join(sorted({str(v.methodology.sectoral_scope) for v in versions}))}).",
                               field="sectoral_scope")
    return versions


def _check_participants(participants: list[ParticipantInput], focal_point: Organization | None) -> Organization:
    """The participants are on a side each, listed once, and the focal point is one of them (returned)."""
    if not participants:
        raise ApplicationError("Name the project participants.", field="participants")
    seen: set[int] = set()
    for p in participants:
        if p.side not in ParticipantSide.values:
            raise ApplicationError("Each participant is on the Japanese or the partner-country side.",
                                   field="participants")
        if p.organization.pk in seen:
            raise ApplicationError(f"{p.organization} is listed twice.", field="participants")
        seen.add(p.organization.pk)
    if focal_point is None or focal_point.pk not in seen:
        raise ApplicationError("The focal point must be one of the participants.", field="focal_point")
    return focal_point


def _check_dates(project: Project) -> None:
    if project.crediting_start and project.crediting_end and project.crediting_end < project.crediting_start:
        raise ApplicationError("The crediting period cannot end before it starts.", field="crediting_end")
    if project.start_of_operation and project.crediting_start and project.crediting_start < project.start_of_operation:
        raise ApplicationError("The crediting period cannot start before the start of operation.",
                               field="crediting_start")


def _replace_sites(project: Project, sites: Iterable) -> list[Site]:
    sites = [_as(SiteInput, s) for s in sites]
    names = [s.name.strip() for s in sites]
    if len(set(names)) != len(names):
        raise ApplicationError("Each site needs its own name.", field="sites")
    project.sites.all().delete()
    saved = []
    for order, s in enumerate(sites):
        try:
            latitude, longitude = Decimal(str(s.latitude)), Decimal(str(s.longitude))
        except InvalidOperation:
            raise ApplicationError(f"Site {s.name}: give the coordinates as decimal degrees.", field="sites") from None
        if not -90 <= latitude <= 90:
            raise ApplicationError(f"Site {s.name}: the latitude must be between -90 and 90.", field="sites")
        if not -180 <= longitude <= 180:
            raise ApplicationError(f"Site {s.name}: the longitude must be between -180 and 180.", field="sites")
        site = Site(project=project, order=order, name=s.name.strip(), latitude=latitude.quantize(Decimal("0.000001")),
                    longitude=longitude.quantize(Decimal("0.000001")), description=s.description or "")
        validated_save(site)
        saved.append(site)
    return saved


def _replace_participants(project: Project, participants: list[ParticipantInput], focal_point: Organization) -> None:
    project.participants.all().delete()
    for p in participants:
        ProjectParticipant.objects.create(project=project, organization=p.organization, side=p.side,
                                          name=(p.name or p.organization.name).strip(),
                                          is_focal_point=p.organization.pk == focal_point.pk)


def _sites_data(project: Project) -> list[dict]:
    return [{"name": s.name, "latitude": s.latitude, "longitude": s.longitude} for s in project.sites.all()]


def _participants_data(project: Project) -> list[dict]:
    return [{"organization": p.organization_id, "side": p.side, "name": p.name, "focal_point": p.is_focal_point,
             "active": p.active} for p in project.participants.all()]


FICTITIOUS_FROM = 9001  # four digits: never a real JCM project ID (those have three)


@transaction.atomic
def project_create(*, actor: User, joint_committee: JointCommittee, title: str, sectoral_scope: SectoralScope,
                   methodology_versions: Iterable[MethodologyVersion],
                   participants: Iterable[ParticipantInput | Mapping[str, Any]], focal_point: Organization,
                   sites: Iterable[SiteInput | Mapping[str, Any]] = (), description: str = "",
                   expected_annual_reductions: int = 0, start_of_operation: datetime.date | None = None,
                   crediting_start: datetime.date | None = None, crediting_end: datetime.date | None = None,
                   is_fictitious: bool = False) -> Project:
    """A participant starts a draft project; its ID (``MN001``...) is the next number of the partner country.
    ``is_fictitious`` (the demo's projects only; no form or API offers it) numbers it from MN9001."""
    require_authenticated(actor)  # before reading the input
    rows = [_as(ParticipantInput, p) for p in participants]
    require_project_create(actor, {p.organization.pk for p in rows})
    focal_point = _check_participants(rows, focal_point)
    versions = _check_versions(joint_committee, methodology_versions, sectoral_scope)
    jc = lock(JointCommittee, joint_committee.pk)  # serialises the numbering per partner country
    # Real JCM IDs have three digits (MN003); the demo's fictitious projects are numbered from 9001.
    taken = Project.objects.filter(joint_committee=jc, is_fictitious=is_fictitious)
    number = (taken.aggregate(n=Max("number"))["n"] or (FICTITIOUS_FROM - 1 if is_fictitious else 0)) + 1
    project = Project(project_id=f"{jc.partner.code}{number:03d}", number=number, joint_committee=jc,
                      is_fictitious=is_fictitious,
                      title=(title or "").strip(), description=description, sectoral_scope=sectoral_scope,
                      expected_annual_reductions=expected_annual_reductions or 0,
                      start_of_operation=start_of_operation, crediting_start=crediting_start,
                      crediting_end=crediting_end, created_by=actor if actor.is_authenticated else None)
    _check_dates(project)
    validated_save(project)
    project.methodology_versions.set(versions)
    _replace_participants(project, rows, focal_point)
    _replace_sites(project, sites)
    event = audit.record(actor=actor, action="projects.project.create", target=project, data={
        **snapshot(project, ["project_id", "joint_committee", "title", "sectoral_scope", "expected_annual_reductions",
                             "start_of_operation", "crediting_start", "crediting_end"]),
        "methodology_versions": sorted(v.pk for v in versions), "participants": _participants_data(project),
        "sites": _sites_data(project)})
    _tell(event, participant_users(project), kind="projects.project.created",
          subject=f"{project.project_id}: you are named a participant of “{project.title}”", url=project_url(project))
    return project


@transaction.atomic
def project_update(*, actor: User, project: Project, sites: Iterable[SiteInput | Mapping[str, Any]] | None = None,
                   methodology_versions: Iterable[MethodologyVersion] | None = None,
                   participants: Iterable[ParticipantInput | Mapping[str, Any]] | None = None,
                   focal_point: Organization | None = None, **changes: Any) -> Project:
    """Participants edit their draft (before the PDD is submitted, or after it was returned)."""
    project = _lock_project(project)
    require_project_update(actor, project)
    if project.status not in EDITABLE_STATUSES:
        raise Conflict(f"Project {project.project_id} can only be edited as a draft; it is "
                       f"{PROJECT_LABELS[project.status].lower()}.", field="status")
    unknown = set(changes) - set(PROJECT_EDITABLE)
    if unknown:
        raise ApplicationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    before = snapshot(project, list(changes))
    for key, value in changes.items():
        setattr(project, key, value.strip() if isinstance(value, str) else value)
    _check_dates(project)
    validated_save(project)
    data: dict[str, Any] = {"changes": {k: snapshot(project, [k])[k] for k in changes}, "before": before}
    if methodology_versions is not None or "sectoral_scope" in changes:
        versions = (list(methodology_versions) if methodology_versions is not None
                    else list(project.methodology_versions.all()))
        project.methodology_versions.set(_check_versions(project.joint_committee, versions, project.sectoral_scope))
        data["methodology_versions"] = sorted(v.pk for v in versions)
    if participants is not None or focal_point is not None:
        rows = ([_as(ParticipantInput, p) for p in participants] if participants is not None else
                [ParticipantInput(p.organization, p.side, p.name) for p in project.participants.all()])
        focal = _check_participants(rows, focal_point or next(
            (p.organization for p in project.participants.filter(is_focal_point=True)), None))
        if not acts_for_one_of(actor, {p.organization.pk for p in rows}):
            raise ApplicationError("Your own organization must stay a participant.", field="participants")
        _replace_participants(project, rows, focal)
        data["participants"] = _participants_data(project)
    if sites is not None:
        _replace_sites(project, sites)
        data["sites"] = _sites_data(project)
    audit.record(actor=actor, action="projects.project.update", target=project, data=data)
    return project


@transaction.atomic
def project_withdraw(*, actor: User, project: Project, reason: str) -> Project:
    """The focal point withdraws the project (before or after registration)."""
    project = _lock_project(project)
    require_project_withdraw(actor, project)
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the withdrawal.", field="reason")
    if project.issuance_requests.filter(status=IssuanceStatus.REQUESTED).exists():
        raise Conflict("An issuance request is pending; withdraw it first.", field="status")
    before = _move(project, ProjectStatus.WITHDRAWN)
    project.withdrawn_at = _now()
    project.status_reason = reason.strip()
    project.save(update_fields=["status", "withdrawn_at", "status_reason"])
    event = audit.record(actor=actor, action="projects.project.withdraw", target=project,
                         data={"from": before}, message=project.status_reason)
    recipients = [*participant_users(project)]
    if before != ProjectStatus.DRAFT:
        recipients += list(secretariat_users(project.joint_committee))
    _tell(event, recipients, kind="projects.project.withdrawn", subject=f"{project.project_id} was withdrawn",
          body=project.status_reason, url=project_url(project))
    return project
