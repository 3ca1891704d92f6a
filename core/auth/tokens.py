"""API tokens: only a SHA-256 digest is stored; every token has a scope and an expiry; owners revoke them.

The key (40 URL-safe characters) is shown once, when the token is made. A request sends it as
``Authorization: Token <key>``; the digest finds the token. A ``read`` token refuses every unsafe method
(403 naming the scope); an expired or revoked token is refused as unknown (401). ``last_used_at`` is written
at most once a minute.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS

from .. import audit

if TYPE_CHECKING:
    from ..models import ApiToken


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def issue(*, user: Any, name: str, scope: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token (audited); returns it and its key, which is not kept anywhere."""
    from ..models import ApiToken

    if scope not in ApiToken.Scope.values:
        raise ValueError(f"unknown token scope {scope!r}")
    limit = settings.JCM_API_TOKEN_MAX_DAYS
    days = limit if days is None else max(1, min(int(days), limit))
    key = secrets.token_urlsafe(30)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, name=name[:100], prefix=key[:8], digest=digest_of(key),
                                        scope=scope, expires_at=timezone.now() + datetime.timedelta(days=days))
        audit.record(actor=user, action="auth.token_created", target=token,
                     data={"name": token.name, "scope": scope, "expires_at": token.expires_at, "prefix": token.prefix})
    return token, key


def revoke(token: ApiToken, *, actor: Any) -> None:
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="auth.token_revoked", target=token,
                     data={"name": token.name, "prefix": token.prefix, "owner": token.user_id})


class HashedTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>`` against the digests; scope, expiry and revocation checked."""

    def authenticate(self, request: Any) -> tuple[Any, ApiToken] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        if request.method not in SAFE_METHODS and token.scope != token.Scope.WRITE:
            raise exceptions.PermissionDenied("This token's scope is read: it cannot write.")
        return user, token

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        from ..models import ApiToken

        now = timezone.now()
        token = (ApiToken.objects.select_related("user")
                 .filter(digest=digest_of(key), revoked_at__isnull=True, expires_at__gt=now).first())
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return token.user, token
