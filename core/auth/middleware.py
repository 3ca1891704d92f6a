"""The second factor required of privileged users, session timeouts, and the Permissions-Policy header."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse

from ..access import is_authenticated
from .policy import is_verified, requires_second_factor, second_factor_redirect

AUTH_AT = "jcm_auth_at"  # session: when the user logged in (epoch seconds)
LAST_SEEN = "jcm_last_seen"  # session: the last request (epoch seconds, written at most once a minute)
OPEN_WITHOUT_SECOND_FACTOR = ("/accounts/login/", "/accounts/logout/", "/accounts/second-factor/",
                              "/accounts/webauthn/", "/static/", "/i18n/", "/healthz")


class SessionTimeoutMiddleware:
    """Logs out a session idle for ``JCM_SESSION_IDLE_SECONDS`` or older than ``JCM_SESSION_ABSOLUTE_SECONDS``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_authenticated(request.user):
            now = time.time()
            session = request.session
            auth_at = session.setdefault(AUTH_AT, now)
            last_seen = session.get(LAST_SEEN, now)
            if now - last_seen > settings.JCM_SESSION_IDLE_SECONDS:
                request.jcm_logout_reason = "idle timeout"  # type: ignore[attr-defined]
                logout(request)
            elif now - auth_at > settings.JCM_SESSION_ABSOLUTE_SECONDS:
                request.jcm_logout_reason = "absolute timeout"  # type: ignore[attr-defined]
                logout(request)
            elif now - last_seen >= 60 or LAST_SEEN not in session:
                session[LAST_SEEN] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """A user who must have a second factor sees nothing but the login, second-factor and static pages until
    this session passed one (the API answers 403 to such a session)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (is_authenticated(user) and not request.path.startswith(OPEN_WITHOUT_SECOND_FACTOR)
                and requires_second_factor(user) and not is_verified(request)):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "A second factor is required: pass it in the browser first."},
                                    status=403)
            return second_factor_redirect(request)
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response
