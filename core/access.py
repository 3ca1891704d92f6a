"""Access primitives every app's ``access.py`` builds on.

Each app writes who may do what once, in its own ``access.py``: ``can_<action>(user, obj) -> bool`` for
pages and templates, and ``require_<action>(user, obj)`` for services, which raises :class:`NotAllowed`
with the reason. The helpers here know only Django's user (authenticated, superuser); roles live with the
user model in ``committee.roles``.
"""

from __future__ import annotations

from typing import Any

from .errors import NotAllowed


def is_authenticated(user: Any) -> bool:
    """A logged-in user (not ``None``, not the anonymous user)."""
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_system_admin(user: Any) -> bool:
    return is_authenticated(user) and bool(user.is_superuser)


def require(condition: bool, message: str) -> None:
    if not condition:
        raise NotAllowed(message)


def require_authenticated(user: Any) -> None:
    require(is_authenticated(user), "You must be logged in to do this.")


def require_system_admin(user: Any) -> None:
    require_authenticated(user)
    require(is_system_admin(user), "Only a system administrator may do this.")
