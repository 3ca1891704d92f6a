"""Reads of the methodologies app, scoped to the user.

A proposal becomes public when the secretariat opens its public input; before that only the
proponent and the insiders of its Joint Committee (secretariat, members, the partner's ministry)
see it. Unpublished comments and commenters' e-mail addresses are for the secretariat only.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from committee.choices import Role
from committee.models import JointCommittee, Organization
from committee.roles import ALL, CommitteeIds, Viewer, active_roles, insider_committee_ids, is_system_admin
from core.access import is_authenticated
from core.errors import NotFound

from . import access, engine, spreadsheet
from .choices import OPEN_STEPS, MethodologyStatus, VersionStatus
from .content import parameter_info, version_spec
from .models import Methodology, MethodologyVersion, PublicComment

_BASE = ("joint_committee__partner", "sectoral_scope", "proponent_organization")


def _visible(user: Viewer) -> Q:
    public = Q(published_at__isnull=False)
    ids = insider_committee_ids(user)
    if ids == ALL:
        return Q()
    visible = public
    if ids:
        visible |= Q(joint_committee_id__in=ids)
    if is_authenticated(user):
        visible |= Q(submitted_by=user)
        orgs = [r.organization_id for r in active_roles(user)
                if r.role == Role.PROJECT_PARTICIPANT and r.organization_id]
        if orgs:
            visible |= Q(proponent_organization_id__in=orgs)
    return visible


def methodology_list(user: Viewer) -> QuerySet[Methodology]:
    return (Methodology.objects.filter(_visible(user)).select_related(*_BASE)
            .prefetch_related(Prefetch("versions", queryset=MethodologyVersion.objects.order_by("version"))))


def methodology_get(user: Viewer, number: str) -> Methodology:
    """One methodology by its approved or proposed number (``MN_AM003`` or ``MN_PM004``)."""
    number = (number or "").strip().upper()
    found = methodology_list(user).filter(Q(approved_number=number) | Q(proposed_number=number)).first()
    if found is None:
        raise NotFound(f"There is no methodology {number}.")
    return found


def version_list(user: Viewer) -> QuerySet[MethodologyVersion]:
    return (MethodologyVersion.objects.filter(methodology__in=Methodology.objects.filter(_visible(user)))
            .select_related("methodology__joint_committee__partner", "methodology__sectoral_scope",
                            "approval_decision", "revises")
            .prefetch_related("criteria", "parameters", "formulas"))


def version_get(user: Viewer, methodology: Methodology, version: str | None = None) -> MethodologyVersion:
    """A version of a methodology; without ``version`` the one that counts now (valid, else the latest)."""
    versions = list(version_list(user).filter(methodology=methodology).order_by("version"))
    if version:
        found = next((v for v in versions if v.version == version), None)
    else:
        found = next((v for v in versions if v.status == VersionStatus.VALID), None) or (
            versions[-1] if versions else None)
    if found is None:
        raise NotFound(f"{methodology.number} has no version {version or ''}".strip() + ".")
    return found


def comment_list(user: Viewer, methodology: Methodology | None = None) -> QuerySet[PublicComment]:
    qs = PublicComment.objects.select_related("methodology__joint_committee")
    if methodology is not None:
        qs = qs.filter(methodology=methodology)
    ids = insider_committee_ids(user)
    if ids == ALL:
        return qs
    qs = qs.filter(methodology__in=Methodology.objects.filter(_visible(user)))
    if ids:
        return qs.filter(Q(published=True) | Q(methodology__joint_committee_id__in=ids))
    return qs.filter(published=True)


# The rule lives in methodologies.access; the API still asks it here.
may_see_commenter_email = access.can_see_commenter_email


def secretariat_committee_ids(user: Viewer) -> CommitteeIds:
    """The Joint Committees whose secretariat the user is: a set of ids, or ``ALL`` for a system administrator."""
    if is_system_admin(user):
        return ALL
    return {r.joint_committee_id for r in active_roles(user) if r.role == Role.SECRETARIAT and r.joint_committee_id}


def workflow_queue(user: Viewer) -> list[Methodology]:
    """What waits on the secretariat's committees, the most urgent first."""
    ids = secretariat_committee_ids(user)
    qs = Methodology.objects.filter(status__in=OPEN_STEPS).select_related(*_BASE)
    if ids != ALL:
        qs = qs.filter(joint_committee_id__in=ids)
    return sorted(qs, key=lambda m: (_due(m), m.pk))


def _due(methodology: Methodology) -> datetime.date:
    deadline = methodology.deadline()
    return deadline.due if deadline else datetime.date.max


def returned_to_proponents(user: Viewer) -> QuerySet[Methodology]:
    ids = secretariat_committee_ids(user)
    qs = Methodology.objects.filter(status__in=[MethodologyStatus.RETURNED, MethodologyStatus.REVISION_REQUESTED])
    if ids != ALL:
        qs = qs.filter(joint_committee_id__in=ids)
    return qs.select_related(*_BASE)


def draft_revisions(user: Viewer) -> QuerySet[MethodologyVersion]:
    ids = secretariat_committee_ids(user)
    qs = MethodologyVersion.objects.filter(status=VersionStatus.DRAFT, revises__isnull=False)
    if ids != ALL:
        qs = qs.filter(methodology__joint_committee_id__in=ids)
    return qs.select_related("methodology__joint_committee__partner", "revises").order_by("consideration_due_on")


def my_proposals(user: Viewer) -> QuerySet[Methodology]:
    if not is_authenticated(user):
        return Methodology.objects.none()
    orgs = [r.organization_id for r in active_roles(user) if r.role == Role.PROJECT_PARTICIPANT and r.organization_id]
    return Methodology.objects.filter(Q(submitted_by=user) | Q(proponent_organization_id__in=orgs)).select_related(
        *_BASE)


def participant_organization(user: Viewer) -> Organization | None:
    """The organization the user is a project participant of (the first, if several): a proposal's proponent
    by default."""
    for role in active_roles(user):
        if role.role == Role.PROJECT_PARTICIPANT and role.organization_id:
            return role.organization
    return None


def proposal_committees(user: Viewer) -> list[JointCommittee]:
    """The Joint Committees the user may propose a methodology to (``access.can_propose``)."""
    if not is_authenticated(user):
        return []
    return [jc for jc in JointCommittee.objects.select_related("partner") if access.can_propose(user, jc)]


def calculate(version: MethodologyVersion, values: Mapping[str, Any],
              sites: Sequence[str] | None = None) -> engine.CalculationResult:
    """Emission reductions for one monitoring period, with the trace (a read: nothing is saved)."""
    return engine.calculate(version_spec(version), values, sites=sites)


def monitoring_workbook(version: MethodologyVersion, sites: Sequence[str] | None = None) -> bytes:
    """The version's monitoring spreadsheet (XLSX) to fill in."""
    return spreadsheet.export_monitoring_workbook(
        version_spec(version), methodology_code=version.methodology.number, version=version.version, sites=sites,
        parameter_info=parameter_info(version), title=version.methodology.title)


def read_monitoring_workbook(version: MethodologyVersion, data: bytes) -> dict[str, Any]:
    """Parameter values from a filled monitoring spreadsheet of this version (refuses any other)."""
    return spreadsheet.read_monitoring_workbook(data, version_spec(version), methodology_code=version.methodology.number,
                                                version=version.version)
