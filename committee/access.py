"""Who may do what in the committee app, written once.

``can_<action>(user, obj) -> bool`` is for pages and templates (whether to offer the action);
``require_<action>(user, obj)`` is for services: it raises ``core.errors.NotAllowed`` with the reason
exactly when ``can_<action>`` is False, because it checks the same rule. A page therefore never offers
what the service would refuse (the state of the object aside: whether a meeting is still a draft, for
example, is the service's transition check, and the page's own condition).

Most actions follow one rule, :func:`can_manage`: the secretariat of either side of the Joint
Committee (or a system administrator). Countries, Joint Committees and roles are for system
administrators; organizations also for any secretariat.
"""

from __future__ import annotations

import datetime

from core.access import is_authenticated, is_system_admin, require, require_authenticated

from .choices import TPEFunction, TPEStatus
from .models import (
    CommitteeMember,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEScopeValidity,
)
from .roles import Viewer, is_any_secretariat, is_secretariat


def _require(user: Viewer, allowed: bool, message: str) -> None:
    require_authenticated(user)
    require(allowed, message)


# --- the secretariat of a Joint Committee ----------------------------------------------------------

def can_manage(user: Viewer, joint_committee: JointCommittee) -> bool:
    """The secretariat of either side of ``joint_committee``, or a system administrator: who may use the
    committee's secretariat pages and record its meetings, decisions, rules, TPEs and members."""
    return is_authenticated(user) and (is_system_admin(user) or is_secretariat(user, joint_committee))


def require_manage(user: Viewer, joint_committee: JointCommittee) -> None:
    _require(user, can_manage(user, joint_committee), f"Only the secretariat of the {joint_committee} may do this.")


def can_appoint_member(user: Viewer, joint_committee: JointCommittee) -> bool:
    return can_manage(user, joint_committee)


def require_appoint_member(user: Viewer, joint_committee: JointCommittee) -> None:
    require_manage(user, joint_committee)


def can_end_membership(user: Viewer, member: CommitteeMember) -> bool:
    return can_manage(user, member.joint_committee)


def require_end_membership(user: Viewer, member: CommitteeMember) -> None:
    require_manage(user, member.joint_committee)


def can_record_meeting(user: Viewer, joint_committee: JointCommittee) -> bool:
    return can_manage(user, joint_committee)


def require_record_meeting(user: Viewer, joint_committee: JointCommittee) -> None:
    require_manage(user, joint_committee)


def can_update_meeting(user: Viewer, meeting: Meeting) -> bool:
    return can_manage(user, meeting.joint_committee)


def require_update_meeting(user: Viewer, meeting: Meeting) -> None:
    require_manage(user, meeting.joint_committee)


def can_publish_meeting(user: Viewer, meeting: Meeting) -> bool:
    return can_manage(user, meeting.joint_committee)


def require_publish_meeting(user: Viewer, meeting: Meeting) -> None:
    require_manage(user, meeting.joint_committee)


def can_record_decision(user: Viewer, joint_committee: JointCommittee) -> bool:
    return can_manage(user, joint_committee)


def require_record_decision(user: Viewer, joint_committee: JointCommittee) -> None:
    require_manage(user, joint_committee)


def can_update_decision(user: Viewer, decision: Decision) -> bool:
    return can_manage(user, decision.joint_committee)


def require_update_decision(user: Viewer, decision: Decision) -> None:
    require_manage(user, decision.joint_committee)


def can_publish_decision(user: Viewer, decision: Decision) -> bool:
    return can_manage(user, decision.joint_committee)


def require_publish_decision(user: Viewer, decision: Decision) -> None:
    require_manage(user, decision.joint_committee)


def can_publish_rule_document(user: Viewer, joint_committee: JointCommittee) -> bool:
    return can_manage(user, joint_committee)


def require_publish_rule_document(user: Viewer, joint_committee: JointCommittee) -> None:
    require_manage(user, joint_committee)


def can_withdraw_rule_document(user: Viewer, document: RuleDocument) -> bool:
    return can_manage(user, document.joint_committee)


def require_withdraw_rule_document(user: Viewer, document: RuleDocument) -> None:
    require_manage(user, document.joint_committee)


def can_designate_tpe(user: Viewer, joint_committee: JointCommittee) -> bool:
    return can_manage(user, joint_committee)


def require_designate_tpe(user: Viewer, joint_committee: JointCommittee) -> None:
    require_manage(user, joint_committee)


def can_change_tpe_status(user: Viewer, tpe: ThirdPartyEntity) -> bool:
    return can_manage(user, tpe.joint_committee)


def require_change_tpe_status(user: Viewer, tpe: ThirdPartyEntity) -> None:
    require_manage(user, tpe.joint_committee)


def can_update_tpe_scopes(user: Viewer, tpe: ThirdPartyEntity) -> bool:
    return can_manage(user, tpe.joint_committee)


def require_update_tpe_scopes(user: Viewer, tpe: ThirdPartyEntity) -> None:
    require_manage(user, tpe.joint_committee)


# --- countries and organizations ----------------------------------------------------------------------

def _is_country_secretariat(user: Viewer, country: Country) -> bool:
    joint_committee = getattr(country, "joint_committee", None)
    return joint_committee is not None and is_secretariat(user, joint_committee)


def can_update_country(user: Viewer, country: Country) -> bool:
    """A system administrator, or the secretariat of the country's Joint Committee."""
    return is_authenticated(user) and (is_system_admin(user) or _is_country_secretariat(user, country))


def require_update_country(user: Viewer, country: Country) -> None:
    _require(user, can_update_country(user, country),
             "Only a system administrator or the secretariat of the country's Joint Committee may edit it.")


def can_record_bilateral_document(user: Viewer, country: Country) -> bool:
    """A system administrator, or the secretariat of the country's Joint Committee."""
    return can_update_country(user, country)


def require_record_bilateral_document(user: Viewer, country: Country) -> None:
    _require(user, can_record_bilateral_document(user, country),
             "Only a system administrator or the secretariat may record a bilateral document.")


def can_create_organization(user: Viewer) -> bool:
    """A system administrator or the secretariat of any Joint Committee."""
    return is_authenticated(user) and (is_system_admin(user) or is_any_secretariat(user))


def require_create_organization(user: Viewer) -> None:
    _require(user, can_create_organization(user),
             "Only a system administrator or a secretariat may register organizations.")


# --- system administration: countries, Joint Committees, roles ---------------------------------------

def can_administer(user: Viewer) -> bool:
    """A system administrator: who registers countries and Joint Committees and assigns roles."""
    return is_system_admin(user)


def require_administer(user: Viewer) -> None:
    _require(user, can_administer(user), "Only a system administrator may do this.")


def can_create_country(user: Viewer) -> bool:
    return can_administer(user)


def require_create_country(user: Viewer) -> None:
    require_administer(user)


def can_create_joint_committee(user: Viewer) -> bool:
    return can_administer(user)


def require_create_joint_committee(user: Viewer) -> None:
    require_administer(user)


def can_assign_role(user: Viewer) -> bool:
    return can_administer(user)


def require_assign_role(user: Viewer) -> None:
    require_administer(user)


def can_revoke_role(user: Viewer) -> bool:
    return can_administer(user)


def require_revoke_role(user: Viewer) -> None:
    require_administer(user)



# --- whether a TPE may serve a project ----------------------------------------------------------------

def tpe_serve_refusal(tpe: ThirdPartyEntity, scope: SectoralScope, on_date: datetime.date,
                      purpose: str = TPEFunction.VALIDATION) -> str:
    """Why ``tpe`` may not validate (or verify) in ``scope`` on ``on_date``; "" when it may.

    It may when it is designated (not suspended or withdrawn), its designation has begun, it holds the scope
    for that purpose, and the designation in that scope has not passed its "until" date. The projects
    services call this wherever a TPE is chosen; the Joint Committee check of the TPE is theirs."""
    if tpe.status != TPEStatus.DESIGNATED:
        return f"{tpe.tpe_id} is {tpe.get_status_display().lower()}; choose a designated TPE."
    if on_date < tpe.designated_on:
        return f"{tpe.tpe_id} is designated only from {tpe.designated_on:%Y-%m-%d}."
    scopes = tpe.scopes_validation if purpose == TPEFunction.VALIDATION else tpe.scopes_verification
    if not scopes.filter(pk=scope.pk).exists():
        return f"{tpe.tpe_id} is not designated for {purpose} in sectoral scope {scope}."
    ends = TPEScopeValidity.objects.filter(tpe=tpe, scope=scope, purpose=purpose).first()
    if ends is not None and on_date > ends.valid_until:
        return (f"{tpe.tpe_id}'s designation for {purpose} in sectoral scope {scope} ended on "
                f"{ends.valid_until:%Y-%m-%d}.")
    return ""


def tpe_may_serve(tpe: ThirdPartyEntity, scope: SectoralScope, on_date: datetime.date,
                  purpose: str = TPEFunction.VALIDATION) -> bool:
    """Whether ``tpe`` may validate (or verify) in ``scope`` on ``on_date`` (see :func:`tpe_serve_refusal`)."""
    return not tpe_serve_refusal(tpe, scope, on_date, purpose)


def can_set_tpe_scope_until(user: Viewer, tpe: ThirdPartyEntity) -> bool:
    return can_manage(user, tpe.joint_committee)


def require_set_tpe_scope_until(user: Viewer, tpe: ThirdPartyEntity) -> None:
    require_manage(user, tpe.joint_committee)
