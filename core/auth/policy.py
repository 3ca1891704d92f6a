"""Who must pass a second factor, whether this session did, and how recently."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from ..access import AnyUser, is_authenticated

FRESH_KEY = "jcm_second_factor_at"  # session: when this session last passed a second factor (epoch seconds)


@functools.cache
def _policy() -> Callable[[Any], bool]:
    return import_string(settings.JCM_SECOND_FACTOR_POLICY)


def requires_second_factor(user: AnyUser) -> bool:
    """Staff and superusers always; other users as the project's rule says (committee.roles)."""
    if not is_authenticated(user):
        return False
    if getattr(user, "is_staff", False) or getattr(user, "is_superuser", False):
        return True
    return bool(_policy()(user))


def has_device(user: AnyUser) -> bool:
    from django_otp import user_has_device

    return is_authenticated(user) and user_has_device(user, confirmed=True)


def is_verified(request: HttpRequest) -> bool:
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def mark_fresh(request: HttpRequest) -> None:
    request.session[FRESH_KEY] = time.time()


def is_fresh(request: HttpRequest) -> bool:
    at = request.session.get(FRESH_KEY)
    return (is_verified(request) and isinstance(at, int | float)
            and time.time() - at <= settings.JCM_SECOND_FACTOR_FRESH_MINUTES * 60)


def _safe_next(request: HttpRequest) -> str:
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return "/"


def second_factor_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """To the verification page when the user has a device, else to enrolment; back to the page afterwards."""
    name = "second-factor-verify" if has_device(request.user) else "second-factor"
    return HttpResponseRedirect(f"{reverse(name)}?{urlencode({'next': _safe_next(request)})}")


def require_fresh_second_factor(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Step-up: the view opens only when this session passed a second factor in the last
    ``JCM_SECOND_FACTOR_FRESH_MINUTES`` minutes (for every user, whatever their role)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if is_authenticated(request.user) and not is_fresh(request):
            return second_factor_redirect(request)
        return view(request, *args, **kwargs)

    wrapped.requires_fresh_second_factor = True  # type: ignore[attr-defined]
    return wrapped
