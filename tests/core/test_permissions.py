"""Which Joint Committees' internal items (drafts) each role may read: ``insider_committee_ids``."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from committee.choices import Role, Side
from committee.roles import (
    ALL,
    active_roles,
    forget_roles,
    insider_committee_ids,
    is_insider,
    require_secretariat,
)
from core.errors import NotAllowed
from tests import factories as f


@pytest.fixture
def japan_ministry(japan, jc, other_jc):
    return f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)


@pytest.fixture
def committees(jc, other_jc):
    return {"mn": jc.pk, "kh": other_jc.pk}


@pytest.mark.parametrize(("user", "expected"), [
    ("japan_ministry", ALL),
    ("sysadmin", ALL),
    ("ministry", {"mn"}),
    ("other_ministry", {"kh"}),
    ("secretariat", {"mn"}),
    ("other_secretariat", {"kh"}),
    ("member", {"mn"}),
    ("participant", set()),
    ("anonymous", set()),
])
def test_insider_committee_ids_by_role(request, committees, user, expected):
    actor = AnonymousUser() if user == "anonymous" else request.getfixturevalue(user)
    ids = insider_committee_ids(actor)
    assert ids == (ALL if expected == ALL else {committees[code] for code in expected})


def test_a_ministry_of_a_country_without_a_committee_sees_no_internals(db):
    country = f.CountryFactory(code="PH", name="Philippines")
    assert insider_committee_ids(f.make_user("ministry_ph", Role.MINISTRY_API, country=country)) == set()


def test_roles_of_several_committees_add_up(jc, other_jc):
    user = f.make_user("two_hats", Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)
    f.RoleAssignmentFactory(user=user, role=Role.COMMITTEE_MEMBER, joint_committee=other_jc)
    assert insider_committee_ids(user) == {jc.pk, other_jc.pk}


@pytest.mark.parametrize(("role", "where"), [
    (Role.MINISTRY_API, "japan"),
    (Role.MINISTRY_API, "mongolia"),
    (Role.SECRETARIAT, "jc"),
    (Role.COMMITTEE_MEMBER, "jc"),
])
@pytest.mark.parametrize("validity", ["expired", "not_yet_valid"])
def test_roles_outside_their_dates_give_nothing(request, jc, other_jc, role, where, validity):
    today = timezone.localdate()
    dates = ({"valid_from": today - datetime.timedelta(days=400), "valid_until": today - datetime.timedelta(days=1)}
             if validity == "expired" else {"valid_from": today + datetime.timedelta(days=1)})
    place = request.getfixturevalue(where)
    extra = {"country": place} if role == Role.MINISTRY_API else {"joint_committee": place, "side": Side.PARTNER}
    user = f.make_user("dated", role, **extra, **dates)
    assert active_roles(user) == []
    assert insider_committee_ids(user) == set()
    assert not is_insider(user, jc)
    with pytest.raises(NotAllowed):
        require_secretariat(user, jc)


def test_a_role_valid_today_counts_on_its_first_and_last_day(jc):
    today = timezone.localdate()
    user = f.make_user("today", Role.COMMITTEE_MEMBER, joint_committee=jc, valid_from=today, valid_until=today)
    assert insider_committee_ids(user) == {jc.pk}


def test_roles_are_cached_per_user_object_until_forgotten(jc, secretariat):
    assert is_insider(secretariat, jc)
    secretariat.role_assignments.all().delete()
    assert is_insider(secretariat, jc)  # same request: cached
    forget_roles(secretariat)
    assert not is_insider(secretariat, jc)
