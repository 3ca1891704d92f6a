"""Request id for every request, carried into audit events through a context variable."""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("jcm_request_id", default="")


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming[:64] if incoming else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class RateLimitHeadersMiddleware:
    """``X-RateLimit-*`` on answers that an API throttle counted (core/api/throttles.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        noted = getattr(request, "_jcm_rate_limit", None)
        if noted is not None:
            limit, remaining, reset = noted
            response["X-RateLimit-Limit"] = str(limit)
            response["X-RateLimit-Remaining"] = str(remaining)
            response["X-RateLimit-Reset"] = str(reset)
        return response
