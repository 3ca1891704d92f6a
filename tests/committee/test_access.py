"""A committee page never offers what the service would refuse.

For every action button of the committee's pages and a representative set of users: the button shows
exactly when ``committee.access.can_<action>`` is true, and the service refuses the same user exactly
when it is false. The objects are at the step where the button belongs (a draft meeting to publish, a
current member, ...), so that only the rule of access decides.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from committee import access, services
from committee.choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    Role,
    RuleKind,
    Side,
    TPEStatus,
)
from tests import factories as f
from tests.committee.buttons import page_offers, service_refuses

pytestmark = pytest.mark.django_db

USERS = ["anonymous", "sysadmin", "secretariat", "partner_secretariat", "other_secretariat", "member", "ministry",
         "participant"]


@dataclass
class World:
    jc: Any
    meeting: Any  # a draft
    decision: Any  # a draft
    rule: Any
    tpe: Any
    member: Any  # current
    moe: Any
    tpe_org: Any  # not yet a TPE


@pytest.fixture
def w(secretariat, jc, moe, mn_ministry):
    today = timezone.localdate()
    meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=datetime.date(2013, 4, 11),
                                      city="Ulaanbaatar", publish=False)
    decision = services.decision_record(actor=secretariat, joint_committee=jc, decided_on=today,
                                        mode=DecisionMode.ELECTRONIC, kind=DecisionKind.OTHER, title="A draft",
                                        publish=False)
    rule = services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.ROI, version="01.0",
                                          title="Rules of Implementation", effective_date=datetime.date(2013, 4, 11))
    tpe = services.tpe_designate(
        actor=secretariat, joint_committee=jc, designated_on=datetime.date(2014, 6, 1), scopes_validation=[f.scope(1)],
        organization=f.OrganizationFactory(name="Japan Quality Assurance Organization", kind=OrganizationKind.TPE))
    member = services.member_appoint(actor=secretariat, joint_committee=jc, side=Side.PARTNER, name="Bat Dorj",
                                     organization=mn_ministry, role=MemberRole.MEMBER,
                                     start_date=datetime.date(2013, 4, 1))
    return World(jc=jc, meeting=meeting, decision=decision, rule=rule, tpe=tpe, member=member, moe=moe,
                 tpe_org=f.OrganizationFactory(name="Another TPE", kind=OrganizationKind.TPE))


@pytest.fixture
def users(request, jc) -> dict[str, Any]:
    found = {name: request.getfixturevalue(name) for name in USERS if name not in ("anonymous", "partner_secretariat")}
    found["anonymous"] = AnonymousUser()
    found["partner_secretariat"] = f.make_user("sec_mn_partner", Role.SECRETARIAT, joint_committee=jc,
                                               side=Side.PARTNER)
    return found


@dataclass(frozen=True)
class Button:
    name: str
    page: Callable[[World], str]  # the page that shows it
    target: Callable[[World], str]  # where it leads (link or form action)
    can: Callable[[Any, World], bool]
    call: Callable[[Any, World], Any]  # the service it ends in, for this user

    def __str__(self) -> str:
        return self.name


TODAY = timezone.localdate


def jc_page(w: World) -> str:
    return w.jc.get_absolute_url()


def jc_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"committee:{name}", args=[w.jc.partner.code])


BUTTONS = [
    Button("record a decision", jc_page, jc_url("decision-record"),
           lambda u, w: access.can_record_decision(u, w.jc),
           lambda u, w: services.decision_record(actor=u, joint_committee=w.jc, decided_on=TODAY(),
                                                 mode=DecisionMode.ELECTRONIC, kind=DecisionKind.OTHER, title="New")),
    Button("record a meeting", jc_page, jc_url("meeting-record"),
           lambda u, w: access.can_record_meeting(u, w.jc),
           lambda u, w: services.meeting_record(actor=u, joint_committee=w.jc, date=TODAY(), city="Tokyo")),
    Button("publish a rule document", jc_page, jc_url("rule-publish"),
           lambda u, w: access.can_publish_rule_document(u, w.jc),
           lambda u, w: services.rule_document_publish(actor=u, joint_committee=w.jc, kind=RuleKind.PCP,
                                                       version="01.0", title="Guidelines", effective_date=TODAY())),
    Button("designate a TPE", jc_page, jc_url("tpe-designate"),
           lambda u, w: access.can_designate_tpe(u, w.jc),
           lambda u, w: services.tpe_designate(actor=u, joint_committee=w.jc, organization=w.tpe_org,
                                               designated_on=TODAY(), scopes_verification=[f.scope(1)])),
    Button("appoint a member", jc_page, jc_url("member-appoint"),
           lambda u, w: access.can_appoint_member(u, w.jc),
           lambda u, w: services.member_appoint(actor=u, joint_committee=w.jc, side=Side.JAPAN, name="Hanako Sato",
                                                organization=w.moe, role=MemberRole.CO_CHAIR, start_date=TODAY())),
    Button("end a membership", jc_page,
           lambda w: reverse("committee:member-end", args=[w.jc.partner.code, w.member.pk]),
           lambda u, w: access.can_end_membership(u, w.member),
           lambda u, w: services.member_end(actor=u, member=w.member, end_date=TODAY())),
    Button("publish a meeting", lambda w: w.meeting.get_absolute_url(),
           lambda w: reverse("committee:meeting-publish", args=[w.jc.partner.code, w.meeting.number]),
           lambda u, w: access.can_publish_meeting(u, w.meeting),
           lambda u, w: services.meeting_publish(actor=u, meeting=w.meeting)),
    Button("record a decision at a meeting", lambda w: w.meeting.get_absolute_url(), jc_url("decision-record"),
           lambda u, w: access.can_record_decision(u, w.jc),
           lambda u, w: services.decision_record(actor=u, joint_committee=w.jc, decided_on=w.meeting.date,
                                                 mode=DecisionMode.MEETING, meeting=w.meeting,
                                                 kind=DecisionKind.OTHER, title="At the meeting")),
    Button("publish a decision", lambda w: w.decision.get_absolute_url(),
           lambda w: reverse("committee:decision-publish", args=[w.jc.partner.code, w.decision.pk]),
           lambda u, w: access.can_publish_decision(u, w.decision),
           lambda u, w: services.decision_publish(actor=u, decision=w.decision)),
    Button("publish a new version of a rule", lambda w: w.rule.get_absolute_url(), jc_url("rule-publish"),
           lambda u, w: access.can_publish_rule_document(u, w.jc),
           lambda u, w: services.rule_document_publish(actor=u, joint_committee=w.jc, kind=RuleKind.ROI,
                                                       version="02.0", title="Rules of Implementation",
                                                       effective_date=TODAY())),
    Button("change a TPE's status", lambda w: w.tpe.get_absolute_url(),
           lambda w: reverse("committee:tpe-status", args=[w.tpe.tpe_id]),
           lambda u, w: access.can_change_tpe_status(u, w.tpe),
           lambda u, w: services.tpe_change_status(actor=u, tpe=w.tpe, status=TPEStatus.SUSPENDED,
                                                   effective_on=TODAY(), reason="Accreditation lapsed")),
]


@pytest.mark.parametrize("button", BUTTONS, ids=str)
def test_the_button_shows_exactly_when_the_service_would_accept(button, w, users):
    seen = {}
    for name, user in users.items():
        can = button.can(user, w)
        seen[name] = can
        assert page_offers(user, button.page(w), button.target(w)) is can, (name, "page")
        assert service_refuses(partial(button.call, user, w)) is not can, (name, "service")
    # the users are representative: some may, some may not
    assert seen["secretariat"] and seen["sysadmin"] and seen["partner_secretariat"]
    assert not (seen["anonymous"] or seen["other_secretariat"] or seen["member"] or seen["ministry"]
                or seen["participant"])


@pytest.mark.parametrize("button", BUTTONS, ids=str)
def test_the_page_behind_the_button_asks_the_same_rule(button, w, users):
    """The page the button leads to is for the same users (403, or the login page, for the others)."""
    for name, user in users.items():
        client = Client()
        if name != "anonymous":
            client.force_login(user)
        url = button.target(w)
        response = client.post(url) if url.endswith("/publish/") else client.get(url)
        if button.can(user, w):
            assert response.status_code in (200, 302), (name, response.status_code)
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], name
        elif name == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 403, (name, response.status_code)


def test_the_secretariat_rules_follow_the_roles_valid_today(w, jc):
    former = f.make_user("former_sec", Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)
    former.role_assignments.update(valid_until=TODAY() - datetime.timedelta(days=1))
    assert not access.can_manage(former, jc)
    assert service_refuses(lambda: services.meeting_publish(actor=former, meeting=w.meeting))
