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
