"""TPE sectoral scopes with validity dates: a designation per scope has an "until" date (jcm.go.jp TPE lists);
a TPE outside its scope, before its designation or past its date cannot be chosen."""

from __future__ import annotations

import datetime

import pytest

from committee import access, services
from committee.choices import OrganizationKind
from committee.models import TPEScopeValidity
from core.errors import ApplicationError
from core.models import AuditEvent
from tests import factories as f
from tests.conftest import client_for

D = datetime.date


@pytest.fixture
def tpe(secretariat, jc):
    org = f.OrganizationFactory(name="Scoped Verification Ltd.", kind=OrganizationKind.TPE, country=None)
    return services.tpe_designate(actor=secretariat, joint_committee=jc, organization=org, designated_on=D(2014, 1, 15),
                                  scopes_validation=[f.scope(1), f.scope(3)], scopes_verification=[f.scope(1)])


def test_a_scope_designation_ends_on_its_until_date(secretariat, tpe):
    services.tpe_set_scope_until(actor=secretariat, tpe=tpe, scope=f.scope(1), purpose="validation",
                                 valid_until=D(2018, 3, 31))
    assert AuditEvent.objects.filter(action="committee.tpe.scope_until").count() == 1
    assert access.tpe_may_serve(tpe, f.scope(1), D(2018, 3, 31), "validation")
    assert not access.tpe_may_serve(tpe, f.scope(1), D(2018, 4, 1), "validation")
    assert "31 March 2018" in access.tpe_serve_refusal(tpe, f.scope(1), D(2018, 4, 1), "validation") or \
        "2018-03-31" in access.tpe_serve_refusal(tpe, f.scope(1), D(2018, 4, 1), "validation")
    # the other purpose and the other scope keep no end
    assert access.tpe_may_serve(tpe, f.scope(1), D(2025, 1, 1), "verification")
    assert access.tpe_may_serve(tpe, f.scope(3), D(2025, 1, 1), "validation")


def test_outside_its_scope_before_its_designation_or_withdrawn_a_tpe_may_not_serve(secretariat, tpe):
    assert not access.tpe_may_serve(tpe, f.scope(3), D(2020, 1, 1), "verification")
    assert not access.tpe_may_serve(tpe, f.scope(1), D(2014, 1, 14), "validation")
    services.tpe_change_status(actor=secretariat, tpe=tpe, status="withdrawn", effective_on=D(2019, 1, 1),
                               reason="Voluntary withdrawal")
    tpe.refresh_from_db()
    assert not access.tpe_may_serve(tpe, f.scope(1), D(2020, 1, 1), "validation")


def test_the_until_date_is_refused_for_a_scope_not_held_or_before_the_designation(secretariat, tpe):
    with pytest.raises(ApplicationError) as info:
        services.tpe_set_scope_until(actor=secretariat, tpe=tpe, scope=f.scope(3), purpose="verification",
                                     valid_until=D(2018, 3, 31))
    assert "scope" in info.value.errors
    with pytest.raises(ApplicationError) as info:
        services.tpe_set_scope_until(actor=secretariat, tpe=tpe, scope=f.scope(1), purpose="validation",
                                     valid_until=D(2013, 1, 1))
    assert "valid_until" in info.value.errors
    assert not TPEScopeValidity.objects.exists()


def test_the_selector_of_tpes_that_may_serve_leaves_out_expired_scopes(secretariat, jc, tpe):
    from committee.selectors import tpes_that_may_serve
    assert list(tpes_that_may_serve(jc, f.scope(1), D(2020, 1, 1), "validation")) == [tpe]
    services.tpe_set_scope_until(actor=secretariat, tpe=tpe, scope=f.scope(1), purpose="validation",
                                 valid_until=D(2018, 3, 31))
    assert list(tpes_that_may_serve(jc, f.scope(1), D(2020, 1, 1), "validation")) == []
    assert list(tpes_that_may_serve(jc, f.scope(1), D(2017, 1, 1), "validation")) == [tpe]


def test_the_api_sets_an_until_date_and_shows_it(secretariat, tpe):
    client = client_for(secretariat)
    response = client.post(f"/api/v1/tpes/{tpe.tpe_id}/scope-until/",
                           {"scope": 1, "purpose": "validation", "valid_until": "2018-03-31"}, format="json")
    assert response.status_code == 200, response.content
    assert {"scope": 1, "purpose": "validation", "valid_until": "2018-03-31"} in [
        {k: v[k] for k in ("scope", "purpose", "valid_until")} for v in response.json()["scope_validity"]]
    bad = client.post(f"/api/v1/tpes/{tpe.tpe_id}/scope-until/",
                      {"scope": 3, "purpose": "verification", "valid_until": "2018-03-31"}, format="json")
    assert bad.status_code == 400 and "scope" in str(bad.json())


def test_the_tpe_page_shows_the_until_date(client, secretariat, tpe):
    services.tpe_set_scope_until(actor=secretariat, tpe=tpe, scope=f.scope(1), purpose="validation",
                                 valid_until=D(2018, 3, 31))
    page = client.get(tpe.get_absolute_url()).content.decode()
    assert "2018" in page and ("31 March 2018" in page or "2018-03-31" in page or "Mar. 31, 2018" in page)
