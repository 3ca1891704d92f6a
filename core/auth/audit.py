"""Logins, failures, lockouts, logouts, second-factor changes and denied requests, in the audit trail.

Connected in ``core.apps.CoreConfig.ready``. The password is never recorded; a failed login records the
username that was tried and the client's address.
"""

from __future__ import annotations

import contextvars
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.views.defaults import permission_denied

from .. import audit
from ..access import AnyUser, is_authenticated

# Test helpers that log a user in without a password (Client.force_login) set this: no login event then.
quiet_logins: contextvars.ContextVar[bool] = contextvars.ContextVar("jcm_quiet_logins", default=False)


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def record(*, actor: AnyUser, action: str, target: Any = None, data: dict[str, Any] | None = None) -> None:
    with transaction.atomic():
        audit.record(actor=actor, action=action, target=target, data=data or {})


def _user_named(username: str | None) -> Any:
    if not username:
        return None
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _path(request: HttpRequest | None) -> str:
    return request.path[:200] if request is not None and hasattr(request, "path") else ""


def on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if quiet_logins.get():
        return
    record(actor=user, action="auth.login", target=user,
           data={"address": client_address(request), "path": _path(request)})


def on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or quiet_logins.get():
        return
    reason = getattr(request, "jcm_logout_reason", "logout") if request is not None else "logout"
    record(actor=user, action="auth.logout", target=user, data={"reason": reason})


def on_login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                    **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    user = _user_named(username)
    record(actor=None, action="auth.login_failed", target=user,
           data={"username": username, "address": client_address(request), "path": _path(request),
                 "locked_out": bool(getattr(request, "axes_locked_out", False))})


def on_locked_out(sender: Any, request: HttpRequest | None = None, username: str | None = None,
                  ip_address: str | None = None, **kwargs: Any) -> None:
    user = _user_named(username)
    record(actor=None, action="auth.lockout", target=user,
           data={"username": (username or "")[:150], "address": ip_address or client_address(request),
                 "path": _path(request)})


def second_factor_changed(*, user: Any, action: str, device: Any) -> None:
    """``action``: auth.second_factor_added, auth.second_factor_removed, auth.recovery_codes_issued."""
    record(actor=user, action=action, target=user,
           data={"device": type(device).__name__, "name": str(getattr(device, "name", ""))[:100]})


def denied_handler(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """``handler403``: the page as before, and an ``auth.denied`` event naming what was refused."""
    user = getattr(request, "user", None)
    record(actor=user if is_authenticated(user) else None, action="auth.denied",
           data={"path": _path(request), "method": request.method, "address": client_address(request),
                 "user": user.get_username() if is_authenticated(user) else "anonymous"})
    return permission_denied(request, exception or PermissionDenied())


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_login, dispatch_uid="jcm_audit_login")
    user_logged_out.connect(on_logout, dispatch_uid="jcm_audit_logout")
    user_login_failed.connect(on_login_failed, dispatch_uid="jcm_audit_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="jcm_audit_locked_out")
