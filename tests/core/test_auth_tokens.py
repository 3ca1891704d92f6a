"""Finding 9 of issue 12: API tokens hashed at rest, expiring, scoped, listed and revoked by their owner."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from core.auth import testing as auth_testing
from core.models import ApiToken


def api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


@pytest.mark.django_db
def test_tokens_are_stored_hashed(ministry):
    token, key = ApiToken.issue(user=ministry, name="ledger sync", scope=ApiToken.Scope.WRITE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_apitoken")
        stored = str(cursor.fetchall())
    assert key not in stored
    assert token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert api(key).get("/api/v1/accounts/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.django_db
def test_every_token_expires(ministry, settings):
    token, key = ApiToken.issue(user=ministry, name="t", scope=ApiToken.Scope.READ)
    assert token.expires_at <= timezone.now() + datetime.timedelta(days=settings.JCM_API_TOKEN_MAX_DAYS)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert api(key).get("/api/v1/accounts/").status_code == 401


@pytest.mark.django_db
def test_a_read_token_cannot_write(ministry):
    _token, key = ApiToken.issue(user=ministry, name="t", scope=ApiToken.Scope.READ)
    response = api(key).post("/api/v1/transactions/", {"kind": "transfer"}, format="json")
    assert response.status_code == 403
    assert "scope" in str(response.json()).lower()


@pytest.mark.django_db
def test_an_unknown_or_revoked_token_is_refused(ministry):
    token, key = ApiToken.issue(user=ministry, name="t", scope=ApiToken.Scope.WRITE)
    assert api("x" + key[1:]).get("/api/v1/accounts/").status_code == 401
    token.revoke(actor=ministry)
    assert api(key).get("/api/v1/accounts/").status_code == 401


@pytest.mark.django_db
def test_owner_lists_creates_and_revokes_tokens_in_the_browser(ministry, other_ministry):
    from core.models import AuditEvent

    client = Client()
    auth_testing.login_verified(client, ministry)
    response = client.post("/accounts/tokens/", {"name": "nightly", "scope": "read", "days": "30"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=ministry, name="nightly")
    key = response.context["new_key"]
    assert key.encode() in response.content and token.digest == hashlib.sha256(key.encode()).hexdigest()
    api(key).get("/api/v1/accounts/")
    page = client.get("/accounts/tokens/")
    assert b"nightly" in page.content and b"Last used" in page.content and key.encode() not in page.content
    # someone else's token cannot be revoked by this user
    theirs, _ = ApiToken.issue(user=other_ministry, name="theirs", scope=ApiToken.Scope.READ)
    assert client.post(f"/accounts/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/accounts/tokens/{token.pk}/revoke/").status_code == 302
    assert api(key).get("/api/v1/accounts/").status_code == 401
    assert AuditEvent.objects.filter(action="auth.token_revoked", actor=ministry).exists()
    assert AuditEvent.objects.filter(action="auth.token_created", actor=ministry).exists()


def test_plain_tokens_are_converted_by_the_migration():
    from core.auth.tokens import digest_of

    assert digest_of("abc") == hashlib.sha256(b"abc").hexdigest()


@pytest.mark.django_db
def test_create_api_token_command_prints_the_key_once(ministry):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("create_api_token", ministry.username, "--scope", "write", "--days", "7", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user=ministry)
    assert token.scope == "write" and token.digest == hashlib.sha256(key.encode()).hexdigest()
    assert api(key).get("/api/v1/accounts/").status_code == 200
