"""Permission matrix of the committee API: every endpoint × every kind of caller.

Reads are public (200 for everyone) but drafts exist only for the committee's insiders; writes
succeed for the secretariat of THAT committee (and system administrators), are refused with 403
for everyone else and with 401 for anonymous callers, and a refused write leaves no audit event.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

import pytest
from django.db.models import Max

from committee import services
from committee.choices import OrganizationKind, Role, Side
from core.models import AuditEvent
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"
ACTORS = ["anonymous", "participant", "secretariat", "other_secretariat", "ministry", "other_ministry"]
D = datetime.date


class World:
    """The objects an endpoint needs, made on first use through the real services."""

    def __init__(self, request):
        self._request = request
        self.jc = request.getfixturevalue("jc")
        self.other_jc = request.getfixturevalue("other_jc")
        self.admin = request.getfixturevalue("sysadmin")

    def fixture(self, name: str):
        return self._request.getfixturevalue(name)

    @cached_property
    def mongolia(self):
        return self.jc.partner

    @cached_property
    def scope(self):
        return f.scope(3)

    @cached_property
    def moe(self):
        return self.fixture("moe")

    @cached_property
    def mn_ministry(self):
        return self.fixture("mn_ministry")

    @cached_property
    def tpe_org(self):
        return f.OrganizationFactory(name="Japan Quality Assurance Organization", kind=OrganizationKind.TPE)

    @cached_property
    def member(self):
        return services.member_appoint(
            actor=self.admin,
            joint_committee=self.jc,
            side=Side.JAPAN,
            name="Takenori Shimizu",
            organization=self.moe,
            role="co_chair",
            start_date=D(2013, 4, 11),
        )

    @cached_property
    def meeting(self):
        return services.meeting_record(
            actor=self.admin,
            joint_committee=self.jc,
            date=D(2013, 4, 11),
            city="Ulaanbaatar",
            attendees=[self.moe, self.mn_ministry],
        )

    @cached_property
    def draft_meeting(self):
        self.meeting  # noqa: B018 - number 1 first
        return services.meeting_record(
            actor=self.admin, joint_committee=self.jc, date=D(2014, 3, 3), is_online=True, publish=False
        )

    @cached_property
    def other_draft_meeting(self):
        return services.meeting_record(
            actor=self.admin,
            joint_committee=self.other_jc,
            date=D(2014, 5, 5),
            city="Phnom Penh",
            publish=False,
        )

    @cached_property
    def decision(self):
        return services.decision_record(
            actor=self.admin,
            joint_committee=self.jc,
            decided_on=self.meeting.date,
            mode="meeting",
            meeting=self.meeting,
            kind="adopt_rules",
            title="Adoption of the Rules of Implementation",
        )

    @cached_property
    def draft_decision(self):
        return services.decision_record(
            actor=self.admin,
            joint_committee=self.jc,
            decided_on=D(2015, 2, 2),
            mode="electronic",
            kind="other",
            title="Draft electronic decision",
            publish=False,
        )

    @cached_property
    def other_draft_decision(self):
        return services.decision_record(
            actor=self.admin,
            joint_committee=self.other_jc,
            decided_on=D(2015, 2, 2),
            mode="electronic",
            kind="other",
            title="Cambodian draft",
            publish=False,
        )

    @cached_property
    def rule(self):
        return services.rule_document_publish(
            actor=self.admin,
            joint_committee=self.jc,
            kind="roi",
            version="01.0",
            title="Rules of Implementation",
            effective_date=D(2013, 4, 11),
        )

    @cached_property
    def tpe(self):
        return services.tpe_designate(
            actor=self.admin,
            joint_committee=self.jc,
            organization=self.tpe_org,
            designated_on=D(2014, 1, 10),
            scopes_validation=[f.scope(1)],
            scopes_verification=[f.scope(1)],
        )


@pytest.fixture
def world(request):
    return World(request)


def user_for(request, actor: str):
    return None if actor == "anonymous" else request.getfixturevalue(actor)


# --- reads: every list and detail endpoint is public --------------------------------------

# endpoint: (the object it shows, made first; the field naming it in the JSON; its URL)
READS: dict[str, tuple[str, str, Callable[[World], str]]] = {
    "countries-list": ("mongolia", "code", lambda w: f"{API}/countries/"),
    "countries-detail": ("mongolia", "code", lambda w: f"{API}/countries/MN/"),
    "joint-committees-list": ("jc", "code", lambda w: f"{API}/joint-committees/"),
    "joint-committees-detail": ("jc", "code", lambda w: f"{API}/joint-committees/MN/"),
    "committee-members-list": ("member", "id", lambda w: f"{API}/committee-members/"),
    "committee-members-detail": ("member", "id", lambda w: f"{API}/committee-members/{w.member.pk}/"),
    "meetings-list": ("meeting", "id", lambda w: f"{API}/meetings/"),
    "meetings-detail": ("meeting", "id", lambda w: f"{API}/meetings/{w.meeting.pk}/"),
    "decisions-list": ("decision", "id", lambda w: f"{API}/decisions/"),
    "decisions-detail": ("decision", "id", lambda w: f"{API}/decisions/{w.decision.pk}/"),
    "rule-documents-list": ("rule", "code", lambda w: f"{API}/rule-documents/"),
    "rule-documents-detail": ("rule", "code", lambda w: f"{API}/rule-documents/{w.rule.code}/"),
    "tpes-list": ("tpe", "tpe_id", lambda w: f"{API}/tpes/"),
    "tpes-detail": ("tpe", "tpe_id", lambda w: f"{API}/tpes/{w.tpe.tpe_id}/"),
    "sectoral-scopes-list": ("scope", "number", lambda w: f"{API}/sectoral-scopes/"),
    "sectoral-scopes-detail": ("scope", "number", lambda w: f"{API}/sectoral-scopes/3/"),
    "organizations-list": ("moe", "id", lambda w: f"{API}/organizations/"),
    "organizations-detail": ("moe", "id", lambda w: f"{API}/organizations/{w.moe.pk}/"),
}


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("endpoint", READS)
def test_published_data_is_readable_by_everyone(request, world, endpoint, actor):
    needs, key, url = READS[endpoint]
    shown = getattr(world, needs)

    response = client_for(user_for(request, actor)).get(url(world))

    assert response.status_code == 200, response.content
    body = response.json()
    rows = body["results"] if endpoint.endswith("-list") else [body]
    assert getattr(shown, key) in [row[key] for row in rows]


def test_the_api_root_lists_every_committee_resource(api_client):
    response = api_client.get(f"{API}/")

    assert response.status_code == 200
    assert {
        "countries",
        "joint-committees",
        "committee-members",
        "meetings",
        "decisions",
        "rule-documents",
        "tpes",
        "sectoral-scopes",
        "organizations",
    } <= set(response.json())


# --- reads: drafts exist only for the insiders of their committee -------------------------

# draft: (the World attribute holding it, its resource), and who sees it. Mongolia's insiders: its secretariat and
# members, Mongolia's ministry; Cambodia's: its secretariat and ministry; Japan's ministry and
# system administrators see every committee's drafts.
DRAFTS = {
    "mn-meeting": ("draft_meeting", "meetings"),
    "mn-decision": ("draft_decision", "decisions"),
    "kh-meeting": ("other_draft_meeting", "meetings"),
    "kh-decision": ("other_draft_decision", "decisions"),
}
INSIDERS = {
    "mn": {"secretariat", "member", "ministry", "japan_ministry", "sysadmin"},
    "kh": {"other_secretariat", "other_ministry", "japan_ministry", "sysadmin"},
}
DRAFT_ACTORS = [*ACTORS, "member", "japan_ministry", "sysadmin"]


@pytest.fixture
def japan_ministry(japan):
    return f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)


@pytest.mark.parametrize("actor", DRAFT_ACTORS)
@pytest.mark.parametrize("draft", DRAFTS)
def test_drafts_are_visible_exactly_to_the_insiders_of_their_committee(request, world, draft, actor):
    attribute, resource = DRAFTS[draft]
    obj = getattr(world, attribute)
    published = world.meeting if resource == "meetings" else world.decision
    visible = actor in INSIDERS[draft[:2]]
    client = client_for(user_for(request, actor))

    listed = {row["id"] for row in client.get(f"{API}/{resource}/", {"page_size": 100}).json()["results"]}
    detail = client.get(f"{API}/{resource}/{obj.pk}/")
    filtered = client.get(f"{API}/{resource}/", {"status": "draft"}).json()

    assert published.pk in listed
    assert (obj.pk in listed) is visible
    assert detail.status_code == (200 if visible else 404)
    assert (obj.pk in {row["id"] for row in filtered["results"]}) is visible


# --- writes: the secretariat of that committee (and system administrators) only -----------

SECRETARIAT = {"secretariat", "sysadmin"}


@dataclass
class Write:
    method: str
    url: Callable[[World], str]
    payload: Callable[[World], dict]
    allowed: set[str] = field(default_factory=lambda: set(SECRETARIAT))
    created: bool = False  # 201 rather than 200
    action: str = ""  # the audit event a successful write leaves


WRITES: dict[str, Write] = {
    "country-create": Write(
        "post",
        lambda w: f"{API}/countries/",
        lambda w: {"code": "VN", "name": "Viet Nam"},
        allowed={"sysadmin"},
        created=True,
        action="committee.country.create",
    ),
    "country-update": Write(
        "patch",
        lambda w: f"{API}/countries/MN/",
        lambda w: {"name_local": "Монгол Улс"},
        action="committee.country.update",
    ),
    "country-bilateral-document": Write(
        "post",
        lambda w: f"{API}/countries/MN/bilateral-documents/",
        lambda w: {
            "title": "Low Carbon Development Partnership",
            "signed_on": "2013-01-08",
            "place": "Ulaanbaatar",
            "japan_signatory": "Takenori Shimizu",
            "partner_signatory": "Sanjaasuren Oyun",
        },
        created=True,
        action="committee.bilateral_document.record",
    ),
    "joint-committee-create": Write(
        "post",
        lambda w: f"{API}/joint-committees/",
        lambda w: {"partner": f.CountryFactory(code="ID", name="Indonesia").code},
        allowed={"sysadmin"},
        created=True,
        action="committee.joint_committee.create",
    ),
    "organization-create": Write(
        "post",
        lambda w: f"{API}/organizations/",
        lambda w: {"name": "Ministry of Energy", "kind": "ministry", "country": "MN"},
        allowed={"secretariat", "other_secretariat", "sysadmin"},
        created=True,
        action="committee.organization.create",
    ),
    "member-appoint": Write(
        "post",
        lambda w: f"{API}/committee-members/",
        lambda w: {
            "joint_committee": "MN",
            "side": "partner",
            "name": "Sanjaasuren Oyun",
            "organization": w.mn_ministry.pk,
            "role": "co_chair",
            "start_date": "2013-04-11",
        },
        created=True,
        action="committee.member.appoint",
    ),
    "member-end": Write(
        "post",
        lambda w: f"{API}/committee-members/{w.member.pk}/end/",
        lambda w: {"end_date": "2016-03-31"},
        action="committee.member.end",
    ),
    "meeting-record": Write(
        "post",
        lambda w: f"{API}/meetings/",
        lambda w: {"joint_committee": "MN", "date": "2014-06-01", "city": "Tokyo"},
        created=True,
        action="committee.meeting.record",
    ),
    "meeting-update": Write(
        "patch",
        lambda w: f"{API}/meetings/{w.draft_meeting.pk}/",
        lambda w: {"summary": "Agenda adopted."},
        action="committee.meeting.update",
    ),
    "meeting-publish": Write(
        "post",
        lambda w: f"{API}/meetings/{w.draft_meeting.pk}/publish/",
        lambda w: {},
        action="committee.meeting.publish",
    ),
    "decision-record": Write(
        "post",
        lambda w: f"{API}/decisions/",
        lambda w: {
            "joint_committee": "MN",
            "decided_on": "2013-04-11",
            "mode": "meeting",
            "meeting": w.meeting.pk,
            "kind": "adopt_rules",
            "title": "Adoption of the Project Cycle",
        },
        created=True,
        action="committee.decision.record",
    ),
    "decision-update": Write(
        "patch",
        lambda w: f"{API}/decisions/{w.draft_decision.pk}/",
        lambda w: {"text": "Full text."},
        action="committee.decision.update",
    ),
    "decision-publish": Write(
        "post",
        lambda w: f"{API}/decisions/{w.draft_decision.pk}/publish/",
        lambda w: {},
        action="committee.decision.publish",
    ),
    "rule-document-publish": Write(
        "post",
        lambda w: f"{API}/rule-documents/",
        lambda w: {
            "joint_committee": "MN",
            "kind": "pcp",
            "version": "01.0",
            "title": "Project Cycle Procedure",
            "effective_date": "2013-04-11",
        },
        created=True,
        action="committee.rule_document.publish",
    ),
    "rule-document-withdraw": Write(
        "post",
        lambda w: f"{API}/rule-documents/{w.rule.code}/withdraw/",
        lambda w: {"reason": "Replaced."},
        action="committee.rule_document.withdraw",
    ),
    "tpe-designate": Write(
        "post",
        lambda w: f"{API}/tpes/",
        lambda w: {
            "joint_committee": "MN",
            "organization": w.tpe_org.pk,
            "designated_on": "2014-01-10",
            "scopes_validation": [1, 3],
            "scopes_verification": [1],
        },
        created=True,
        action="committee.tpe.designate",
    ),
    "tpe-status": Write(
        "post",
        lambda w: f"{API}/tpes/{w.tpe.tpe_id}/status/",
        lambda w: {"status": "suspended", "effective_on": "2015-01-01", "reason": "Accreditation lapsed."},
        action="committee.tpe.suspended",
    ),
    "tpe-scopes": Write(
        "post",
        lambda w: f"{API}/tpes/{w.tpe.tpe_id}/scopes/",
        lambda w: {"scopes_validation": [1, 2], "scopes_verification": [1, 2]},
        action="committee.tpe.update_scopes",
    ),
}


def expected_status(write: Write, actor: str) -> int:
    if actor == "anonymous":
        return 401
    if actor in write.allowed:
        return 201 if write.created else 200
    return 403


@pytest.mark.parametrize("actor", [*ACTORS, "sysadmin"])
@pytest.mark.parametrize("name", WRITES)
def test_writes_are_allowed_exactly_to_the_secretariat_of_the_committee(request, world, name, actor):
    write = WRITES[name]
    url, payload = write.url(world), write.payload(world)
    user = user_for(request, actor)
    client = client_for(user)
    last_seq = AuditEvent.objects.aggregate(last=Max("seq"))["last"] or 0

    response = getattr(client, write.method)(url, payload, format="json")

    expected = expected_status(write, actor)
    assert response.status_code == expected, response.content
    new_events = [(e.action, e.actor_id) for e in AuditEvent.objects.filter(seq__gt=last_seq)]
    if expected < 300:
        assert new_events == [(write.action, user.pk)]
    else:
        assert new_events == []
        assert response.json()["detail"]
