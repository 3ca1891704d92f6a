"""Access primitives every app's ``access.py`` builds on.

Each app writes who may do what once, in its own ``access.py``: ``can_<action>(user, obj) -> bool`` for
pages and templates, and ``require_<action>(user, obj)`` for services, which raises :class:`NotAllowed`
with the reason. The helpers here know only Django's user (authenticated, superuser); roles live with the
user model in ``committee.roles``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

from .errors import NotAllowed

if TYPE_CHECKING:  # annotations only: importing auth's models here would need a loaded app registry
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.contrib.auth.models import AnonymousUser
    from typing_extensions import TypeIs

# Whoever a request or a task acts for: a user, the anonymous visitor, or nobody (the system). Core knows
# only Django's base classes; ``committee.roles.Viewer`` names the registry's own user model.
AnyUser: TypeAlias = "AbstractBaseUser | AnonymousUser | None"


def is_authenticated(user: AnyUser) -> TypeIs[AbstractBaseUser]:
    """A logged-in user (not ``None``, not the anonymous user)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_system_admin(user: AnyUser) -> bool:
    return is_authenticated(user) and bool(getattr(user, "is_superuser", False))


def require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def require_authenticated(user: AnyUser) -> None:
    require(is_authenticated(user), "You must be logged in to do this.")


def require_system_admin(user: AnyUser) -> None:
    require_authenticated(user)
    require(is_system_admin(user), "Only a system administrator may do this.")
