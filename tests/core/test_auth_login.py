"""Finding 3 of issue 12: logins are throttled (django-axes), audited, and privileged users pass a second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from committee.choices import Role, Side
from core.auth import testing as auth_testing
from core.models import AuditEvent
from tests import factories as f

PASSWORD = "pass-word-123"
LOGIN_URLS = ["/accounts/login/", "/admin/login/", "/api/v1/auth/login/"]


def post_login(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password, "next": "/"})


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.parametrize("url", LOGIN_URLS)
def test_fifty_wrong_passwords_then_the_right_one_do_not_log_in(url):
    user = f.UserFactory(username="target", is_staff=True)
    client = Client()
    for _ in range(50):
        post_login(client, url, user.username, "wrong-password-000")
    response = post_login(client, url, user.username, PASSWORD)
    assert response.status_code == 429
    assert not logged_in(client)
    assert AuditEvent.objects.filter(action="auth.lockout", target_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_successful_and_failed_logins_are_audited():
    user = f.UserFactory(username="someone")
    client = Client()
    post_login(client, "/accounts/login/", "someone", "not-the-password")
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.data["username"] == "someone" and "not-the-password" not in str(failed.data)
    post_login(client, "/accounts/login/", "someone", PASSWORD)
    assert logged_in(client)
    event = AuditEvent.objects.get(action="auth.login")
    assert event.actor == user and event.target_id == str(user.pk)
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(action="auth.logout", actor=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.REGISTRY_ADMIN, Role.MINISTRY_API, "staff", "superuser"])
def test_privileged_users_must_pass_a_second_factor(role, jc):
    if role == "staff":
        user = f.UserFactory(username="priv", is_staff=True)
    elif role == "superuser":
        user = f.UserFactory(username="priv", is_staff=True, is_superuser=True)
    elif role == Role.SECRETARIAT:
        user = f.make_user("priv", role, joint_committee=jc, side=Side.JAPAN)
    else:
        user = f.make_user("priv", role, country=jc.partner)
    client = Client()
    post_login(client, "/accounts/login/", "priv", PASSWORD)
    assert logged_in(client)
    # no device yet: every page sends them to enrol
    response = client.get("/registry/mine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/")
    assert client.get("/admin/").status_code == 302
    # the API with the session is refused too
    assert client.get("/api/v1/").status_code in (302, 403)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    response = client.get("/registry/mine/")
    assert response["Location"].startswith("/accounts/second-factor/verify/")
    response = client.post("/accounts/second-factor/verify/", {"otp_token": "000000" if totp(device.bin_key) != 0
                                                                  else "111111", "next": "/registry/mine/"})
    assert response.status_code == 200 and client.get("/registry/mine/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # each failure doubles the wait before the next try
    device.throttle_reset()
    response = client.post("/accounts/second-factor/verify/", {"otp_token": f"{totp(device.bin_key):06d}",
                                                                "next": "/registry/mine/"})
    assert response.status_code == 302 and response["Location"] == "/registry/mine/"
    assert client.get("/registry/mine/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.second_factor_verified", actor=user).exists()


@pytest.mark.django_db
def test_a_participant_is_offered_a_second_factor_but_not_forced(participant):
    client = Client()
    post_login(client, "/accounts/login/", "participant", PASSWORD)
    assert client.get("/registry/mine/").status_code == 200
    page = client.get("/accounts/second-factor/")
    assert page.status_code == 200


@pytest.mark.django_db
def test_totp_enrolment_shows_a_qr_code_and_recovery_codes(participant):
    client = Client()
    client.force_login(participant)
    page = client.get("/accounts/second-factor/totp/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = TOTPDevice.objects.get(user=participant, confirmed=False)
    response = client.post("/accounts/second-factor/totp/", {"otp_token": f"{totp(device.bin_key):06d}"})
    assert response.status_code == 200, response.content
    device.refresh_from_db()
    assert device.confirmed
    from django_otp.plugins.otp_static.models import StaticToken

    codes = list(StaticToken.objects.filter(device__user=participant).values_list("token", flat=True))
    assert len(codes) == 10 and all(code.encode() in response.content for code in codes)
    assert AuditEvent.objects.filter(action="auth.second_factor_added", actor=participant).exists()


@pytest.mark.django_db
def test_a_recovery_code_works_once(secretariat):
    client = Client()
    codes = auth_testing.give_recovery_codes(secretariat)
    TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    post_login(client, "/accounts/login/", secretariat.username, PASSWORD)
    response = client.post("/accounts/second-factor/verify/", {"otp_token": codes[0], "next": "/"})
    assert response.status_code == 302
    other = Client()
    post_login(other, "/accounts/login/", secretariat.username, PASSWORD)
    assert other.post("/accounts/second-factor/verify/", {"otp_token": codes[0], "next": "/"}).status_code == 200


@pytest.mark.django_db
def test_step_up_before_a_credits_transaction(participant, settings):
    client = Client()
    auth_testing.login_verified(client, participant)
    url = "/registry/accounts/MN-100-000001/new/transfer/"
    assert client.get(url).status_code == 404  # fresh: the view itself answers (no such account)
    auth_testing.age_second_factor(client, minutes=settings.JCM_SECOND_FACTOR_FRESH_MINUTES + 1)
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/verify/")
    response = client.post("/registry/transactions/1/approve/", HTTP_REFERER="/registry/approvals/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/second-factor/verify/")


@pytest.mark.django_db
def test_denied_actions_are_audited(participant, jc):
    client = Client()
    client.force_login(participant)
    response = client.get(f"/committee/{jc.pk}/edit/")
    assert response.status_code in (403, 404)
    response = client.get("/registry/approvals/")
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory

    from core.auth.audit import denied_handler

    request = RequestFactory().get("/somewhere/")
    request.user = participant
    response = denied_handler(request, PermissionDenied("no"))
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="auth.denied", actor=participant, data__path="/somewhere/").exists()


@pytest.mark.django_db
def test_a_role_that_needs_a_second_factor_keeps_its_last_one(secretariat, participant):
    """The secretariat cannot remove its only authenticator (the page says why, the device stays); a
    participant may remove its own, and the removal is audited."""
    phone = TOTPDevice.objects.create(user=secretariat, name="phone", confirmed=True)
    client = Client()
    auth_testing.login_verified(client, secretariat)
    others = TOTPDevice.objects.filter(user=secretariat).exclude(pk=phone.pk)
    others.delete()  # the phone is its only authenticator now
    response = client.post(f"/accounts/second-factor/totp/{phone.pk}/remove/", follow=True)
    assert "add another before removing this one" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=phone.pk).exists()
    assert not AuditEvent.objects.filter(action="auth.second_factor_removed").exists()

    own = TOTPDevice.objects.create(user=participant, name="phone", confirmed=True)
    client = Client()
    auth_testing.login_verified(client, participant)
    response = client.post(f"/accounts/second-factor/totp/{own.pk}/remove/", follow=True)
    assert "The second factor was removed." in response.content.decode()
    assert not TOTPDevice.objects.filter(pk=own.pk).exists()
    assert AuditEvent.objects.filter(action="auth.second_factor_removed", actor=participant).exists()
