"""Fixtures of the projects tests: two companies, a TPE with the right scope and one without, their people,
and an approved solar PV methodology of the Japan–Mongolia Joint Committee."""

from __future__ import annotations

import datetime

import pytest

from committee import services as committee_services
from committee.choices import OrganizationKind, Role
from tests import factories as f

from . import cycle


@pytest.fixture
def scope1(db):
    return f.scope(1)


@pytest.fixture
def scope3(db):
    return f.scope(3)


@pytest.fixture
def japanese_company(japan):
    return f.OrganizationFactory(name="Nippon Solar K.K.", kind=OrganizationKind.COMPANY, country=japan)


@pytest.fixture
def partner_company(mongolia):
    return f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=mongolia)


@pytest.fixture
def other_company(japan):
    return f.OrganizationFactory(name="Other Projects K.K.", kind=OrganizationKind.COMPANY, country=japan)


@pytest.fixture
def pp(japanese_company):
    """A participant user of the focal point (the Japanese company)."""
    return f.make_user("pp_focal", Role.PROJECT_PARTICIPANT, organization=japanese_company)


@pytest.fixture
def pp_partner(partner_company):
    """A participant user of the partner-country company (not the focal point)."""
    return f.make_user("pp_partner", Role.PROJECT_PARTICIPANT, organization=partner_company)


@pytest.fixture
def pp_other(other_company):
    """A participant of another project."""
    return f.make_user("pp_other", Role.PROJECT_PARTICIPANT, organization=other_company)


def _tpe(sysadmin, jc, name, number, scopes):
    org = f.OrganizationFactory(name=name, kind=OrganizationKind.TPE, country=None)
    return committee_services.tpe_designate(actor=sysadmin, joint_committee=jc, organization=org,
                                            designated_on=datetime.date(2014, 1, 15), scopes_validation=scopes,
                                            scopes_verification=scopes, number=number)


@pytest.fixture
def tpe(sysadmin, jc, scope1, scope3):
    """TPE-MN-001, designated for scopes 1 and 3."""
    return _tpe(sysadmin, jc, "Good Verification Ltd.", 1, [scope1, scope3])


@pytest.fixture
def tpe_wrong_scope(sysadmin, jc, db):
    """TPE-MN-002, designated for scope 13 (waste) only."""
    return _tpe(sysadmin, jc, "Waste Auditors Ltd.", 2, [f.scope(13)])


@pytest.fixture
def auditor(tpe):
    return f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe.organization)


@pytest.fixture
def other_auditor(tpe_wrong_scope):
    return f.make_user("auditor_other", Role.TPE_AUDITOR, organization=tpe_wrong_scope.organization)


@pytest.fixture
def registry_admin(japan):
    return f.make_user("registry_jp", Role.REGISTRY_ADMIN, country=japan)


@pytest.fixture
def solar(sysadmin, jc, scope1):
    return cycle.approved_version(sysadmin, jc, title="Installation of Solar PV System", scope=scope1,
                                  content=cycle.solar_content(), approved="MN_AM003")


@pytest.fixture
def boiler(sysadmin, jc, scope3):
    return cycle.approved_version(sysadmin, jc, title="High-efficiency heat-only boilers", scope=scope3,
                                  content=cycle.boiler_content(), approved="MN_AM002")


@pytest.fixture
def people(pp, pp_partner, pp_other, secretariat, other_secretariat, auditor, other_auditor, ministry,
           other_ministry, member):
    return {"pp": pp, "pp_partner": pp_partner, "pp_other": pp_other, "secretariat": secretariat,
            "other_secretariat": other_secretariat, "auditor": auditor, "other_auditor": other_auditor,
            "ministry": ministry, "other_ministry": other_ministry, "member": member}


@pytest.fixture
def draft(pp, jc, solar, scope1, japanese_company, partner_company, pp_partner):
    """MN001, a draft solar PV project with one site in Darkhan."""
    return cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                partner=partner_company)


@pytest.fixture
def registered(draft, pp, secretariat, auditor, tpe, japanese_company, partner_company):
    return cycle.to_registered(draft, pp=pp, secretariat=secretariat, auditor=auditor, tpe=tpe,
                               japanese=japanese_company, partner=partner_company)
