"""Roles: who a user is in the registry, from the rows of ``RoleAssignment`` valid today.

Every app's ``access.py`` builds its rules on these (and on ``core.access``); selectors use
``insider_committee_ids`` to decide which non-public rows a user may read.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Final, Literal, TypeAlias

from django.db.models import Q
from django.utils import timezone

from core.access import (
    AnyUser,
    is_authenticated,
    is_system_admin,
    require,
    require_authenticated,
    require_system_admin,
)

from .choices import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from .models import Country, JointCommittee, Organization, RoleAssignment, User

# A page's or a selector's user: anonymous visitors (and ``None``: nobody) are asked too.
# Services take a ``User`` (a page gets it with ``acting_user``).
Viewer: TypeAlias = "User | AnonymousUser | None"

ALL: Final = "all"  # sentinel: every Joint Committee
CommitteeIds: TypeAlias = "set[int] | Literal['all']"  # some Joint Committees by id, or ALL of them


def acting_user(user: AnyUser) -> User:
    """The logged-in user a page acts for, as the ``actor`` of a service (``acting_user(request.user)``).

    Refuses anyone else with the message a service gives (``NotAllowed``); behind ``login_required`` it
    never does. It is what tells the type checker that the actor is a ``User``."""
    from .models import User  # (the lazy import of this module's other reads of the models)

    require_authenticated(user)
    if not isinstance(user, User):
        raise TypeError(f"A registry user acts here, not {type(user).__name__}.")
    return user


def valid_on(assignment: RoleAssignment, day: datetime.date) -> bool:
    """Whether a role assignment is in force on ``day`` (its dates are inclusive; empty means open-ended)."""
    return ((assignment.valid_from is None or assignment.valid_from <= day)
            and (assignment.valid_until is None or assignment.valid_until >= day))


def valid_on_q(day: datetime.date, prefix: str = "") -> Q:
    """The same rule as a query condition on RoleAssignment rows (``prefix`` e.g. ``"role_assignments__"``)."""
    return ((Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day}))
            & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": day})))


def active_roles(user: Viewer) -> list[RoleAssignment]:
    """The user's role assignments valid today (cached on the user object for the request)."""
    if not is_authenticated(user):
        return []
    cached = getattr(user, "_jcm_roles", None)
    if cached is not None:
        return cached
    from .models import RoleAssignment  # roles are read by the models' own module (no import cycle)

    today = timezone.localdate()
    roles = [r for r in RoleAssignment.objects.filter(user=user).select_related("joint_committee", "country",
                                                                               "organization")
             if valid_on(r, today)]
    user._jcm_roles = roles
    return roles


def forget_roles(user: Viewer) -> None:
    if is_authenticated(user) and hasattr(user, "_jcm_roles"):
        del user._jcm_roles


def has_role(user: Viewer, role: str, *, joint_committee: JointCommittee | None = None,
             side: str | None = None, country: Country | None = None,
             organization: Organization | None = None) -> bool:
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


def is_secretariat(user: Viewer, joint_committee: JointCommittee, side: str | None = None) -> bool:
    return has_role(user, Role.SECRETARIAT, joint_committee=joint_committee, side=side)


def is_any_secretariat(user: Viewer) -> bool:
    return any(r.role == Role.SECRETARIAT for r in active_roles(user))


SECOND_FACTOR_ROLES = frozenset({Role.SECRETARIAT, Role.REGISTRY_ADMIN, Role.MINISTRY_API})


def requires_second_factor(user: Viewer) -> bool:
    """The roles that must pass a second factor (``JCM_SECOND_FACTOR_POLICY``; core adds staff and superusers):
    the secretariat, registry administrators and ministry users."""
    return any(r.role in SECOND_FACTOR_ROLES for r in active_roles(user))


def insider_committee_ids(user: Viewer) -> CommitteeIds:
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
        elif r.role == Role.MINISTRY_API and r.country is not None:  # selected with the role: no query
            if r.country.is_japan:
                return ALL
            jc = getattr(r.country, "joint_committee", None)
            if jc is not None:
                ids.add(jc.pk)
    return ids


def is_insider(user: Viewer, joint_committee: JointCommittee) -> bool:
    ids = insider_committee_ids(user)
    return ids == ALL or joint_committee.pk in ids


def require_secretariat(user: Viewer, joint_committee: JointCommittee) -> None:
    """The secretariat of either side of ``joint_committee`` (or a system administrator)."""
    require_authenticated(user)
    require(
        is_system_admin(user) or is_secretariat(user, joint_committee),
        f"Only the secretariat of the {joint_committee} may do this.",
    )


__all__ = ["ALL", "CommitteeIds", "Viewer", "acting_user", "active_roles", "forget_roles", "has_role",
           "insider_committee_ids", "is_any_secretariat", "is_authenticated", "is_insider", "is_secretariat",
           "is_system_admin", "require", "require_authenticated", "require_secretariat", "require_system_admin",
           "valid_on", "valid_on_q"]
