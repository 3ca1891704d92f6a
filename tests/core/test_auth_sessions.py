"""Finding 9 of issue 12: sessions end when idle and after an absolute limit; passwords reset and change."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from core.auth import testing as auth_testing
from tests import factories as f


def test_sessions_do_not_last_two_weeks():
    assert settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    assert settings.JCM_SESSION_IDLE_SECONDS <= 60 * 60


@pytest.mark.django_db
def test_an_idle_session_is_logged_out(participant):
    client = Client()
    client.force_login(participant)
    assert client.get("/registry/mine/").status_code == 200
    session = client.session
    session["jcm_last_seen"] = time.time() - settings.JCM_SESSION_IDLE_SECONDS - 1
    session.save()
    response = client.get("/registry/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_a_session_ends_after_its_absolute_limit(participant):
    client = Client()
    client.force_login(participant)
    client.get("/")
    session = client.session
    session["jcm_auth_at"] = time.time() - settings.JCM_SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get("/registry/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_password_reset_by_email(participant):
    participant.email = "p@example.org"
    participant.save()
    client = Client()
    assert client.get("/accounts/password/reset/").status_code == 200
    response = client.post("/accounts/password/reset/", {"email": "p@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    import re

    link = re.search(r"http://[^/]+(/accounts/password/reset/[^\s]+)", mail.outbox[0].body).group(1)
    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "a-long-new-passphrase-42",
                                      "new_password2": "a-long-new-passphrase-42"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("a-long-new-passphrase-42")


@pytest.mark.django_db
def test_password_change_and_policy(participant):
    client = Client()
    auth_testing.login_verified(client, participant)
    response = client.post("/accounts/password/change/", {"old_password": "pass-word-123",
                                                          "new_password1": "short-1X", "new_password2": "short-1X"})
    assert response.status_code == 200 and "at least 12" in response.content.decode()
    response = client.post("/accounts/password/change/", {"old_password": "pass-word-123",
                                                          "new_password1": "password1234",
                                                          "new_password2": "password1234"})
    assert response.status_code == 200 and "too common" in response.content.decode()
    response = client.post("/accounts/password/change/", {"old_password": "pass-word-123",
                                                          "new_password1": "river-stone-lantern-77",
                                                          "new_password2": "river-stone-lantern-77"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.check_password("river-stone-lantern-77")


@pytest.mark.django_db
def test_headers_forbid_inline_script_and_browser_features():
    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    script = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'self'" in script and "unsafe-inline" not in script and "unsafe-eval" not in script
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    policy = response["Permissions-Policy"]
    assert "camera=()" in policy and "geolocation=()" in policy
    assert 'publickey-credentials-get=(self)' in policy


def test_no_template_has_inline_script_or_event_handlers():
    import re
    from pathlib import Path

    problems = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", text):
            problems.append(f"{path}: {match.group(0)}")
        if re.search(r"\son[a-z]+=\"", text):
            problems.append(f"{path}: event handler attribute")
    assert problems == []


def test_user_factory_exists():
    assert f.UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/api/docs/", "/api/redoc/", "/api/v1/", "/admin/login/", "/accounts/login/"])
def test_pages_of_packages_have_no_inline_script_either(url):
    import re

    response = Client().get(url, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    body = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", body)
    assert inline == [], inline
    assert "script-src 'self'" in response["Content-Security-Policy"]
