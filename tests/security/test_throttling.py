"""Found 4 (issue 12): the API throttles per scope (anonymous reads, anonymous writes stricter, signed-in
users, logins), with Retry-After on a 429 and X-RateLimit-* on every throttled answer.

The test settings switch every rate off (other tests are never throttled); these tests set low rates and
a cache of their own."""

import pytest
from rest_framework.test import APIClient

from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                   "LOCATION": "throttle-tests"}}
    from django.core.cache import cache

    cache.clear()
    settings.JCM_API_THROTTLE_RATES = {"anon": "5/min", "anon_write": "2/min", "user": "8/min", "login": "3/min"}
    yield settings.JCM_API_THROTTLE_RATES
    cache.clear()


def test_the_base_settings_throttle_and_the_test_settings_do_not():
    from jcm_registry.settings import base, test

    assert base.JCM_API_THROTTLE_RATES["anon_write"] and base.JCM_API_THROTTLE_RATES["anon"]
    assert set(test.JCM_API_THROTTLE_RATES.values()) == {None}
    assert "core.api.throttles.AnonWriteThrottle" in base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]


def test_anonymous_reads_are_throttled_with_the_standard_headers(rates):
    client = APIClient()
    answers = [client.get("/api/v1/methodologies/") for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert answers[0]["X-RateLimit-Limit"] == "5"
    assert answers[0]["X-RateLimit-Remaining"] == "4"
    assert int(answers[0]["X-RateLimit-Reset"]) <= 60
    assert 0 < int(answers[-1]["Retry-After"]) <= 60
    assert answers[-1].json()["code"] == "throttled"


def test_anonymous_writes_are_stricter(rates):
    client = APIClient()
    answers = [client.post("/api/v1/methodology-versions/999999/calculate/", {"values": {}}, format="json")
               for _ in range(3)]
    assert [a.status_code for a in answers][-1] == 429
    assert answers[0].status_code == 404  # the write went through to the view: no such version


def test_signed_in_users_have_their_own_budget(rates):
    client = APIClient()
    client.force_authenticate(f.UserFactory())
    answers = [client.get("/api/v1/methodologies/") for _ in range(9)]
    assert [a.status_code for a in answers] == [200] * 8 + [429]


LOGIN_URLS = ["/accounts/login/", "/admin/login/", "/api/v1/auth/login/"]


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_many_failed_logins_for_different_usernames_from_one_address_are_throttled(rates, url):
    """django-axes locks a username from an address; the login scope (3/min here) bounds one address
    whatever usernames it tries, on every login path, before a password is checked."""
    from django.test import Client

    user = f.UserFactory(username="real-user", is_staff=True)  # the admin logs in only staff
    client = Client(REMOTE_ADDR="203.0.113.7")
    answers = [client.post(url, {"username": f"guess-{n}", "password": "wrong-password-000", "next": "/"})
               for n in range(4)]
    assert [a.status_code for a in answers[:3]] == [200] * 3  # the form again, with its error
    assert answers[3].status_code == 429
    assert 0 < int(answers[3]["Retry-After"]) <= 60
    assert b"Too many login attempts" in answers[3].content
    # even the right password is refused from that address until the window passes
    refused = client.post(url, {"username": user.username, "password": "pass-word-123", "next": "/"})
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    # the page itself still shows, and another address has its own budget
    assert client.get(url).status_code == 200
    other = Client(REMOTE_ADDR="203.0.113.8")
    assert other.post(url, {"username": user.username, "password": "pass-word-123", "next": "/"}).status_code == 302


def test_the_login_throttle_is_off_without_a_rate(rates, settings):
    from django.test import Client

    settings.JCM_API_THROTTLE_RATES = {**rates, "login": None}
    client = Client()
    answers = [client.post("/accounts/login/", {"username": f"guess-{n}", "password": "x" * 12}) for n in range(6)]
    assert {a.status_code for a in answers} == {200}
