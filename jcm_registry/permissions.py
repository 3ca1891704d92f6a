"""Roles and the access checks that services and selectors use.

A user's roles are rows of ``committee.RoleAssignment`` (valid today). Services call the
``require_*`` helpers and raise ``NotAllowed``; selectors use ``insider_committee_ids`` to
decide which non-public rows a user may read.
"""

from __future__ import annotations

from django.utils import timezone

from committee.choices import Role
from jcm_registry.exceptions import NotAllowed

ALL = "all"  # sentinel: every Joint Committee


def active_roles(user) -> list:
    """The user's role assignments valid today (cached on the user object for the request)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_jcm_roles", None)
    if cached is not None:
        return cached
    from committee.models import RoleAssignment

    today = timezone.localdate()
    roles = [
        r for r in RoleAssignment.objects.filter(user=user).select_related("joint_committee", "country", "organization")
        if (r.valid_from is None or r.valid_from <= today) and (r.valid_until is None or r.valid_until >= today)
    ]
    user._jcm_roles = roles
    return roles


def forget_roles(user) -> None:
    if hasattr(user, "_jcm_roles"):
        del user._jcm_roles


def is_system_admin(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.is_superuser)


def has_role(user, role: str, *, joint_committee=None, side: str | None = None, country=None,
             organization=None) -> bool:
    for r in active_roles(user):
        if r.role != role:
            continue
        if joint_committee is not None and r.joint_committee_id != joint_committee.pk:
            continue
        if side is not None and r.side != side:
            continue
        if country is not None and r.country_id != country.pk:
            continue
        if organization is not None and r.organization_id != organization.pk:
            continue
        return True
    return False


def is_secretariat(user, joint_committee, side: str | None = None) -> bool:
    return has_role(user, Role.SECRETARIAT, joint_committee=joint_committee, side=side)


def is_any_secretariat(user) -> bool:
    return any(r.role == Role.SECRETARIAT for r in active_roles(user))


def insider_committee_ids(user):
    """Joint Committees whose internal items (drafts) the user may read: a set of ids, or ALL.

    Secretariat and members of a committee see its internals; a ministry sees those of its own
    country's committee (Japan's ministries: every committee, Japan being a side of each).
    """
    if is_system_admin(user):
        return ALL
    ids: set[int] = set()
    for r in active_roles(user):
        if r.role in (Role.SECRETARIAT, Role.COMMITTEE_MEMBER) and r.joint_committee_id:
            ids.add(r.joint_committee_id)
        elif r.role == Role.MINISTRY_API and r.country_id:
            if r.country.is_japan:
                return ALL
            jc = getattr(r.country, "joint_committee", None)
            if jc is not None:
                ids.add(jc.pk)
    return ids


def is_insider(user, joint_committee) -> bool:
    ids = insider_committee_ids(user)
    return ids == ALL or joint_committee.pk in ids


def require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def require_authenticated(user) -> None:
    require(bool(user and getattr(user, "is_authenticated", False)), "You must be logged in to do this.")


def require_system_admin(user) -> None:
    require_authenticated(user)
    require(is_system_admin(user), "Only a system administrator may do this.")


def require_secretariat(user, joint_committee) -> None:
    """The secretariat of either side of ``joint_committee`` (or a system administrator)."""
    require_authenticated(user)
    require(
        is_system_admin(user) or is_secretariat(user, joint_committee),
        f"Only the secretariat of the {joint_committee} may do this.",
    )
