"""Joint Committee composition as the Rules of Procedures say (JCM_MN_RoP_JC_ver02.0): at most ten members
per side, one co-chair and one secretary per side at any date. Refused by the service (with the field),
the form, the API and, for the co-chair and secretary, the database."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from committee import services
from committee.choices import MemberRole, Side
from committee.models import CommitteeMember
from core.errors import ApplicationError
from tests import factories as f
from tests.conftest import client_for

D = datetime.date


def appoint(secretariat, jc, org, *, role=MemberRole.MEMBER, side=Side.JAPAN, start=None, end=None,
            name="A member"):
    start = start or D(2013, 4, 11)
    return services.member_appoint(actor=secretariat, joint_committee=jc, side=side, name=name, organization=org,
                                   role=role, start_date=start, end_date=end)


def test_a_second_co_chair_of_the_same_side_at_the_same_date_is_refused(secretariat, jc, moe):
    appoint(secretariat, jc, moe, role=MemberRole.CO_CHAIR, end=D(2015, 12, 31))
    with pytest.raises(ApplicationError) as info:
        appoint(secretariat, jc, moe, role=MemberRole.CO_CHAIR, start=D(2015, 6, 1))
    assert "role" in info.value.errors
    assert "co-chair" in info.value.errors["role"][0]
    assert CommitteeMember.objects.count() == 1
    # after the first co-chair's term, a new co-chair may be appointed
    appoint(secretariat, jc, moe, role=MemberRole.CO_CHAIR, start=D(2016, 1, 1))


def test_each_side_has_its_own_co_chair_and_secretary(secretariat, jc, moe, mn_ministry):
    for role in (MemberRole.CO_CHAIR, MemberRole.SECRETARY):
        appoint(secretariat, jc, moe, role=role, side=Side.JAPAN)
        appoint(secretariat, jc, mn_ministry, role=role, side=Side.PARTNER)
    with pytest.raises(ApplicationError) as info:
        appoint(secretariat, jc, mn_ministry, role=MemberRole.SECRETARY, side=Side.PARTNER, start=D(2020, 1, 1))
    assert "secretary" in info.value.errors["role"][0]


def test_an_eleventh_member_of_a_side_is_refused(secretariat, jc, moe, mn_ministry):
    for n in range(10):
        appoint(secretariat, jc, moe, name=f"Member {n}", start=D(2013, 4, 11) + datetime.timedelta(days=n))
    with pytest.raises(ApplicationError) as info:
        appoint(secretariat, jc, moe, name="Eleventh", start=D(2020, 1, 1))
    assert "ten" in info.value.errors["side"][0]
    # the other side is not full; and once a member leaves, a new one may join
    appoint(secretariat, jc, mn_ministry, side=Side.PARTNER)
    services.member_end(actor=secretariat, member=CommitteeMember.objects.get(name="Member 0"), end_date=D(2019, 12, 31))
    appoint(secretariat, jc, moe, name="Eleventh", start=D(2020, 1, 1))
    with pytest.raises(ApplicationError):  # ... but not before the member left
        appoint(secretariat, jc, moe, name="Twelfth", start=D(2019, 6, 1), end=D(2019, 12, 31))


@pytest.mark.parametrize("role", [MemberRole.CO_CHAIR, MemberRole.SECRETARY])
def test_the_database_refuses_two_overlapping_co_chairs_or_secretaries_of_a_side(jc, moe, role):
    CommitteeMember.objects.create(joint_committee=jc, side=Side.JAPAN, name="First", organization=moe, role=role,
                                   start_date=D(2013, 4, 11), end_date=D(2016, 1, 1))
    CommitteeMember.objects.create(joint_committee=jc, side=Side.PARTNER, name="Other side",
                                   organization=moe, role=role, start_date=D(2013, 4, 11))
    CommitteeMember.objects.create(joint_committee=jc, side=Side.JAPAN, name="Next", organization=moe, role=role,
                                   start_date=D(2016, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        CommitteeMember.objects.create(joint_committee=jc, side=Side.JAPAN, name="Second", organization=moe,
                                       role=role, start_date=D(2015, 1, 1), end_date=D(2015, 2, 1))


def test_the_api_refuses_a_second_co_chair_with_a_field_error(secretariat, jc, moe):
    appoint(secretariat, jc, moe, role=MemberRole.CO_CHAIR)
    response = client_for(secretariat).post("/api/v1/committee-members/", {
        "joint_committee": "MN", "side": "japan", "name": "Second", "organization": moe.pk, "role": "co_chair",
        "start_date": "2014-01-01"}, format="json")
    assert response.status_code in (400, 409), response.content
    assert "role" in response.json().get("errors", response.json()) or "role" in str(response.json())
    assert CommitteeMember.objects.count() == 1


def test_the_form_shows_the_refusal_on_the_role_field(client, secretariat, jc, moe):
    appoint(secretariat, jc, moe, role=MemberRole.CO_CHAIR)
    client.force_login(secretariat)
    response = client.post(reverse("committee:member-appoint", args=["MN"]), {
        "side": "japan", "name": "Second", "organization": moe.pk, "role": "co_chair", "start_date": "2014-01-01"})
    assert response.status_code in (200, 400)
    assert "co-chair" in response.context["form"].errors["role"][0]
    assert CommitteeMember.objects.count() == 1


def test_factories_still_work(db):
    assert f.japan().is_japan
