"""Organizations whose names change over time: the name shown is the one in force on the date of the record,
and the history (with its sources) is visible on the organization page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from committee import services
from committee.choices import OrganizationKind
from committee.models import OrganizationName
from core.errors import ApplicationError
from core.models import AuditEvent
from tests import factories as f

D = datetime.date
SRC = "https://example.org/source"


@pytest.fixture
def ministry(mongolia, sysadmin):
    org = f.OrganizationFactory(name="Ministry of Environment and Climate Change", kind=OrganizationKind.MINISTRY,
                                country=mongolia)
    services.organization_name_record(actor=sysadmin, organization=org, name="Ministry of Environment and Green "
                                      "Development", valid_until=D(2014, 12, 31), attested_on=D(2013, 1, 8),
                                      source=SRC)
    services.organization_name_record(actor=sysadmin, organization=org, name="Ministry of Environment and Tourism",
                                      attested_on=D(2018, 12, 1), source=SRC)
    services.organization_name_record(actor=sysadmin, organization=org, name="Ministry of Environment and Climate "
                                      "Change", valid_from=D(2024, 11, 1), attested_on=D(2024, 11, 1), source=SRC)
    return org


def test_the_name_in_force_on_a_date(ministry):
    assert ministry.name_on(D(2013, 4, 11)) == "Ministry of Environment and Green Development"
    assert ministry.name_on(D(2019, 6, 1)) == "Ministry of Environment and Tourism"
    assert ministry.name_on(D(2025, 1, 1)) == "Ministry of Environment and Climate Change"
    assert ministry.name_on(None) == ministry.name
    assert AuditEvent.objects.filter(action="committee.organization.name_record").count() == 3


def test_a_name_needs_a_source_and_ordered_dates(ministry, sysadmin):
    with pytest.raises(ApplicationError) as info:
        services.organization_name_record(actor=sysadmin, organization=ministry, name="X", source="")
    assert "source" in info.value.errors
    with pytest.raises(ApplicationError) as info:
        services.organization_name_record(actor=sysadmin, organization=ministry, name="X", source=SRC,
                                          valid_from=D(2020, 1, 1), valid_until=D(2019, 1, 1))
    assert "valid_until" in info.value.errors
    assert OrganizationName.objects.filter(organization=ministry).count() == 3


def test_the_meeting_page_names_attendees_as_on_the_meeting_date_and_the_org_page_shows_the_history(
        client, ministry, jc, secretariat):
    meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=D(2013, 4, 11), city="Ulaanbaatar",
                                      attendees=[ministry])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Ministry of Environment and Green Development" in page
    assert "Climate Change" not in page.split("Attendees", 1)[1].split("</section>", 1)[0]
    org_page = client.get(reverse("committee:organization-detail", args=[ministry.pk])).content.decode()
    for name in ("Ministry of Environment and Green Development", "Ministry of Environment and Tourism",
                 "Ministry of Environment and Climate Change"):
        assert name in org_page
    assert SRC in org_page
