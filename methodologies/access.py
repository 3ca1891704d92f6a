"""Who may do what in the methodologies app, written once.

``can_<action>(user, obj) -> bool`` is for pages and templates (whether to offer the action);
``require_<action>(user, obj)`` is for services: it raises ``core.errors.NotAllowed`` with the reason
exactly when ``can_<action>`` is False, because it checks the same rule. Whether the methodology is at
the right step is not a question of access: the service checks the transition, and the page shows a
step's button only at that step.

- Proposing (and requesting the revision of an approved methodology): a project participant, the
  secretariat of the Joint Committee, or a system administrator.
- Resubmitting a returned proposal: its proponent (who submitted it, or a participant of the proponent
  organization) or the secretariat.
- Changing a draft revision: whoever requested it, or the secretariat.
- Every step of the cycle decided by the secretariat or the Joint Committee (completeness, public
  input, consideration, decisions, unpublishing a comment): the secretariat of the methodology's Joint
  Committee (``committee.access.can_manage``), or a system administrator.
- Commenting during public input is open to anyone, logged in or not: no rule.
"""

from __future__ import annotations

from committee import access as committee_access
from committee.access import Viewer
from committee.choices import Role
from committee.models import JointCommittee
from committee.roles import has_role, is_secretariat
from core.access import is_authenticated, is_system_admin, require, require_authenticated

from .models import Methodology, MethodologyVersion, PublicComment


def _require(user: Viewer, allowed: bool, message: str) -> None:
    require_authenticated(user)
    require(allowed, message)


def is_proponent(user: Viewer, methodology: Methodology) -> bool:
    """Who submitted the methodology, or a project participant of its proponent organization."""
    if not is_authenticated(user):
        return False
    if methodology.submitted_by_id == user.pk:
        return True
    organization = methodology.proponent_organization
    return organization is not None and has_role(user, Role.PROJECT_PARTICIPANT, organization=organization)


def _secretariat_or_admin(user: Viewer, joint_committee: JointCommittee) -> bool:
    return is_system_admin(user) or is_secretariat(user, joint_committee)


# --- proponents ---------------------------------------------------------------------------------------

def can_propose(user: Viewer, joint_committee: JointCommittee) -> bool:
    """A project participant (of any organization), the committee's secretariat or a system administrator."""
    return is_authenticated(user) and (_secretariat_or_admin(user, joint_committee)
                                       or has_role(user, Role.PROJECT_PARTICIPANT))


def require_propose(user: Viewer, joint_committee: JointCommittee) -> None:
    _require(user, can_propose(user, joint_committee),
             "Only a project participant or the secretariat of the Joint Committee may propose a methodology.")


def can_resubmit(user: Viewer, methodology: Methodology) -> bool:
    return is_authenticated(user) and (is_proponent(user, methodology)
                                       or _secretariat_or_admin(user, methodology.joint_committee))


def require_resubmit(user: Viewer, methodology: Methodology) -> None:
    _require(user, can_resubmit(user, methodology),
             f"Only the proponent or the secretariat of the {methodology.joint_committee} may resubmit this "
             f"methodology.")


def can_request_revision(user: Viewer, methodology: Methodology) -> bool:
    """An Approved Methodology Revision Request: whoever may propose a methodology to its committee."""
    return can_propose(user, methodology.joint_committee)


def require_request_revision(user: Viewer, methodology: Methodology) -> None:
    _require(user, can_request_revision(user, methodology),
             "Only a project participant or the secretariat may request the revision of a methodology.")


def can_edit_version(user: Viewer, version: MethodologyVersion) -> bool:
    """The content of a draft revision: whoever requested the revision, or the secretariat."""
    return is_authenticated(user) and (version.requested_by_id == user.pk
                                       or _secretariat_or_admin(user, version.methodology.joint_committee))


def require_edit_version(user: Viewer, version: MethodologyVersion) -> None:
    _require(user, can_edit_version(user, version),
             "Only the requester of the revision or the secretariat may change it.")


# --- the secretariat of the methodology's Joint Committee ---------------------------------------------

def can_manage(user: Viewer, methodology: Methodology) -> bool:
    """The secretariat of the methodology's Joint Committee, or a system administrator: the rule of every
    step the secretariat takes or records for the Joint Committee."""
    return committee_access.can_manage(user, methodology.joint_committee)


def require_manage(user: Viewer, methodology: Methodology) -> None:
    committee_access.require_manage(user, methodology.joint_committee)


def can_accept_complete(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_accept_complete(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_return_incomplete(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_return_incomplete(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_close_public_input(user: Viewer, methodology: Methodology) -> bool:
    """The secretariat (the deadline task closes it too, without an actor)."""
    return can_manage(user, methodology)


def require_close_public_input(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_extend_consideration(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_extend_consideration(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_approve(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_approve(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_reject(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_reject(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_return_for_revision(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_return_for_revision(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_inactivate(user: Viewer, methodology: Methodology) -> bool:
    return can_manage(user, methodology)


def require_inactivate(user: Viewer, methodology: Methodology) -> None:
    require_manage(user, methodology)


def can_approve_revision(user: Viewer, version: MethodologyVersion) -> bool:
    return can_manage(user, version.methodology)


def require_approve_revision(user: Viewer, version: MethodologyVersion) -> None:
    require_manage(user, version.methodology)


def can_reject_revision(user: Viewer, version: MethodologyVersion) -> bool:
    return can_manage(user, version.methodology)


def require_reject_revision(user: Viewer, version: MethodologyVersion) -> None:
    require_manage(user, version.methodology)


def can_unpublish_comment(user: Viewer, comment: PublicComment) -> bool:
    return can_manage(user, comment.methodology)


def require_unpublish_comment(user: Viewer, comment: PublicComment) -> None:
    require_manage(user, comment.methodology)


def can_see_commenter_email(user: Viewer, methodology: Methodology) -> bool:
    """Commenters' e-mail addresses (and unpublished comments' reasons) are for the secretariat."""
    return can_manage(user, methodology)
