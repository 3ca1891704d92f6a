"""The second factor required of privileged users, session timeouts, the per-address login budget, and the
Permissions-Policy header."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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


class LoginThrottleMiddleware:
    """Per-address budget of login attempts on every login view (``JCM_LOGIN_THROTTLED_VIEWS``: the browser
    login, the admin's and the browsable API's), besides django-axes' lockout per username and address.

    Every POST to one of these views counts against the ``login`` scope of ``JCM_API_THROTTLE_RATES``
    (``core.api.throttles.LoginThrottle``: one budget per client address, ``NUM_PROXIES`` respected), whatever
    the username; past the budget the answer is a 429 page with ``Retry-After``, before any password is
    checked. A rate of ``None`` switches it off (the test settings do)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable[..., HttpResponse], view_args: Any,
                     view_kwargs: Any) -> HttpResponse | None:
        if request.method != "POST" or request.resolver_match is None:
            return None
        if request.resolver_match.view_name not in settings.JCM_LOGIN_THROTTLED_VIEWS:
            return None
        from ..api.throttles import LoginThrottle

        throttle = LoginThrottle()
        if throttle.allow_request(request, None):  # type: ignore[arg-type]
            return None
        wait = throttle.wait()
        retry_after = max(1, int(wait + 0.999)) if wait is not None else 60
        response = render(request, "registration/login_throttled.html", {"retry_after": retry_after},
                          status=429)
        response["Retry-After"] = str(retry_after)
        return response
