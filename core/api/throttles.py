"""Request throttles of the API, one budget per scope (settings ``JCM_API_THROTTLE_RATES``):

- ``anon``: anonymous requests, per client address;
- ``anon_write``: anonymous writes (the public calculation, spreadsheet reading and comments), stricter;
- ``user``: signed-in users (session or token), per user;
- ``login``: login attempts, per client address (for the login views that use ``LoginThrottle``).

A rate of ``None`` switches a scope off (the test settings do, for every scope but in the throttling tests).
Rates are read at each request, so settings overrides apply. A refused request is a 429 with
``Retry-After``; every throttled answer carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and
``X-RateLimit-Reset`` (seconds until the oldest counted request leaves the window) for the strictest scope
that applied (added by ``core.middleware.RateLimitHeadersMiddleware``)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.request import Request

HEADERS_ATTRIBUTE = "_jcm_rate_limit"


class _Scoped:
    scope: str

    def get_rate(self) -> str | None:
        return getattr(settings, "JCM_API_THROTTLE_RATES", {}).get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[attr-defined]
        allowed: bool = super().allow_request(request, view)  # type: ignore[misc]
        if self.rate is not None and self.key is not None:  # type: ignore[attr-defined]
            self._note(request)
        return allowed

    def _note(self, request: Request) -> None:
        history = getattr(self, "history", [])
        remaining = max(0, self.num_requests - len(history))
        reset = int(self.duration - (self.now - history[-1])) if history else int(self.duration)  # type: ignore
        django_request = getattr(request, "_request", request)
        current = getattr(django_request, HEADERS_ATTRIBUTE, None)
        if current is None or remaining < current[1]:
            setattr(django_request, HEADERS_ATTRIBUTE, (self.num_requests, remaining, max(reset, 0)))


class AnonThrottle(_Scoped, throttling.AnonRateThrottle):
    scope = "anon"


class UserThrottle(_Scoped, throttling.UserRateThrottle):
    scope = "user"


class AnonWriteThrottle(_Scoped, throttling.SimpleRateThrottle):
    scope = "anon_write"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.method in SAFE_METHODS or (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginThrottle(_Scoped, throttling.SimpleRateThrottle):
    """For login views (API token login): per client address, every attempt counts."""

    scope = "login"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
