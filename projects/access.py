"""Who is who on a project: the role checks shared by projects.services (writes) and projects.selectors
(reads), and the people a notification goes to.

A user acts for a project through a role assignment (committee.RoleAssignment, valid today):

- participant: ``project_participant`` for an organization that is an active participant of the project;
  the focal point is the participant organization marked ``is_focal_point`` (set by the MoC statement);
- TPE auditor: ``tpe_auditor`` for the organization of the TPE chosen for validation, or of a TPE
  assigned to verify one of the project's monitoring periods;
- secretariat: ``secretariat`` of the project's Joint Committee (either side);
- ministry: ``ministry_api`` of the partner country, or of Japan (a side of every Joint Committee).

A system administrator passes every check (and the audit trail names them).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from committee.choices import Role
from committee.models import JointCommittee, ThirdPartyEntity, User
from committee.roles import (
    active_roles,
    is_authenticated,
    is_secretariat,
    is_system_admin,
    require,
    require_authenticated,
    valid_on_q,
)


def role_organization_ids(user, role: str) -> set[int]:
    return {r.organization_id for r in active_roles(user) if r.role == role and r.organization_id}


def participant_organization_ids(user) -> set[int]:
    return role_organization_ids(user, Role.PROJECT_PARTICIPANT)


def tpe_organization_ids(user) -> set[int]:
    return role_organization_ids(user, Role.TPE_AUDITOR)


def ministry_committee_scope(user) -> tuple[bool, set[int]]:
    """(sees every committee: a Japanese ministry, ids of partner countries served)."""
    every, countries = False, set()
    for r in active_roles(user):
        if r.role == Role.MINISTRY_API and r.country_id:
            if r.country.is_japan:
                every = True
            else:
                countries.add(r.country_id)
    return every, countries


def secretariat_committee_ids(user) -> set[int]:
    return {r.joint_committee_id for r in active_roles(user) if r.role == Role.SECRETARIAT and r.joint_committee_id}


def member_committee_ids(user) -> set[int]:
    return {r.joint_committee_id for r in active_roles(user)
            if r.role == Role.COMMITTEE_MEMBER and r.joint_committee_id}


# --- checks on one project --------------------------------------------------------------------

def is_participant(user, project) -> bool:
    orgs = participant_organization_ids(user)
    return bool(orgs) and project.participants.filter(organization_id__in=orgs, active=True).exists()


def is_focal_point(user, project) -> bool:
    orgs = participant_organization_ids(user)
    return bool(orgs) and project.participants.filter(organization_id__in=orgs, active=True,
                                                      is_focal_point=True).exists()


def is_tpe_auditor(user, tpe: ThirdPartyEntity | None) -> bool:
    return tpe is not None and tpe.organization_id in tpe_organization_ids(user)


def is_project_tpe(user, project) -> bool:
    """An auditor of the TPE validating the project or verifying one of its monitoring periods."""
    orgs = tpe_organization_ids(user)
    if not orgs:
        return False
    if project.validation_tpe_id and project.validation_tpe.organization_id in orgs:
        return True
    return project.monitoring_periods.filter(verification_tpe__organization_id__in=orgs).exists()


def is_ministry_of(user, joint_committee: JointCommittee) -> bool:
    every, countries = ministry_committee_scope(user)
    return every or joint_committee.partner_id in countries


def can_see_confidential(user, project) -> bool:
    """The confidential PDD and evidence: participants of the project, the secretariat of its Joint
    Committee, its TPE, the ministries of the two governments (and system administrators)."""
    if not is_authenticated(user):
        return False
    return (is_system_admin(user) or is_participant(user, project) or is_secretariat(user, project.joint_committee)
            or is_project_tpe(user, project) or is_ministry_of(user, project.joint_committee))


# --- requirements (raise NotAllowed) -------------------------------------------------------------

def require_participant(actor, project, what: str) -> None:
    require_authenticated(actor)
    require(is_system_admin(actor) or is_participant(actor, project),
            f"Only a participant of {project.project_id} may {what}.")


def require_focal_point(actor, project, what: str) -> None:
    require_authenticated(actor)
    require(is_system_admin(actor) or is_focal_point(actor, project),
            f"Only the focal point of {project.project_id} may {what}.")


def require_tpe_auditor(actor, tpe: ThirdPartyEntity | None, what: str) -> None:
    require_authenticated(actor)
    require(is_system_admin(actor) or is_tpe_auditor(actor, tpe),
            f"Only an auditor of {tpe.tpe_id if tpe else 'the assigned TPE'} may {what}.")


# --- recipients of notifications -------------------------------------------------------------------

def users_with_role(role: str, **where) -> QuerySet[User]:
    lookups = {f"role_assignments__{key}": value for key, value in where.items()}
    return User.objects.filter(valid_on_q(timezone.localdate(), "role_assignments__"), is_active=True, role_assignments__role=role, **lookups).distinct()


def participant_users(project, *, focal_point_only: bool = False) -> QuerySet[User]:
    participants = project.participants.filter(active=True)
    if focal_point_only:
        participants = participants.filter(is_focal_point=True)
    return users_with_role(Role.PROJECT_PARTICIPANT,
                           organization_id__in=list(participants.values_list("organization_id", flat=True)))


def secretariat_users(joint_committee) -> QuerySet[User]:
    return users_with_role(Role.SECRETARIAT, joint_committee=joint_committee)


def tpe_users(tpe: ThirdPartyEntity | None) -> QuerySet[User]:
    if tpe is None:
        return User.objects.none()
    return users_with_role(Role.TPE_AUDITOR, organization_id=tpe.organization_id)


def registry_admin_users(joint_committee) -> QuerySet[User]:
    """The registry administrators of Japan and of the partner country (who execute issuance)."""
    return users_with_role(Role.REGISTRY_ADMIN, country__in=_government_countries(joint_committee))


def _government_countries(joint_committee) -> list:
    from committee.models import Country

    return list(Country.objects.filter(Q(is_japan=True) | Q(pk=joint_committee.partner_id)))
