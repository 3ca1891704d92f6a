"""The committee REST API: what reads return, what each write does (with its audit event),
and how refused input and refused transitions are reported."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from committee import services
from committee.choices import OrganizationKind, Side
from committee.models import CountryScopeLabel, Meeting, RuleDocument
from core.models import AuditEvent
from tests import factories as f
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

API = "/api/v1"
D = datetime.date


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def sec(secretariat):
    return client_for(secretariat)


@pytest.fixture
def tpe_org(db):
    return f.OrganizationFactory(
        name="Japan Quality Assurance Organization", short_name="JQA", kind=OrganizationKind.TPE
    )


def audit_event(action: str, target) -> AuditEvent:
    """The one audit event of ``action`` on ``target``."""
    return AuditEvent.objects.get(action=action, target_id=str(target.pk))


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4 test document", content_type="application/pdf")


def first_meeting(jc, actor, **kwargs) -> Meeting:
    return services.meeting_record(
        actor=actor, joint_committee=jc, date=D(2013, 4, 11), city="Ulaanbaatar", **kwargs
    )


# --- reads ---------------------------------------------------------------------------


def test_a_country_shows_its_bilateral_document_and_signatories(api_client, jc, secretariat, mongolia):
    services.bilateral_document_record(
        actor=secretariat,
        country=mongolia,
        title="Low Carbon Development Partnership",
        signed_on=D(2013, 1, 8),
        place="Ulaanbaatar",
        japan_signatory="Takenori Shimizu",
        japan_signatory_title="Ambassador of Japan",
        partner_signatory="Sanjaasuren Oyun",
        partner_signatory_title="Minister of Environment and Green Development",
    )

    body = api_client.get(f"{API}/countries/MN/").json()

    assert body["name"] == "Mongolia" and body["joint_committee"] == "MN" and body["is_japan"] is False
    [document] = body["bilateral_documents"]
    assert document["signed_on"] == "2013-01-08" and document["place"] == "Ulaanbaatar"
    assert (document["japan_signatory"], document["partner_signatory"]) == (
        "Takenori Shimizu",
        "Sanjaasuren Oyun",
    )


def test_countries_filter_by_having_a_joint_committee(api_client, jc, other_jc):
    codes = [
        c["code"]
        for c in api_client.get(f"{API}/countries/", {"has_joint_committee": "true"}).json()["results"]
    ]
    japan = api_client.get(f"{API}/countries/", {"is_japan": "true"}).json()["results"]

    assert sorted(codes) == ["KH", "MN"]
    assert [c["code"] for c in japan] == ["JP"] and japan[0]["joint_committee"] is None


def test_a_joint_committee_is_named_by_its_partner_code_and_links_its_lists(api_client, jc):
    body = api_client.get(f"{API}/joint-committees/MN/").json()

    assert body["code"] == "MN" and body["partner"]["name"] == "Mongolia"
    assert body["links"]["meetings"].endswith("/api/v1/meetings/?joint_committee=MN")
    assert api_client.get(f"{API}/joint-committees/XX/").status_code == 404


def test_meetings_filter_by_committee_date_range_and_mode(api_client, jc, other_jc, sysadmin, moe):
    first = first_meeting(jc, sysadmin, attendees=[moe])
    online = services.meeting_record(actor=sysadmin, joint_committee=jc, date=D(2020, 6, 1), is_online=True)
    services.meeting_record(actor=sysadmin, joint_committee=other_jc, date=D(2014, 4, 1), city="Phnom Penh")

    def ids(**params):
        return [m["id"] for m in api_client.get(f"{API}/meetings/", params).json()["results"]]

    assert sorted(ids(joint_committee="MN")) == sorted([first.pk, online.pk])
    assert ids(joint_committee="mn", date_after="2015-01-01") == [online.pk]
    assert ids(joint_committee="MN", date_before="2015-01-01") == [first.pk]
    assert ids(is_online="true") == [online.pk]
    assert ids(search="Ulaanbaatar") == [first.pk]
    assert ids(joint_committee="MN", ordering="date") == [first.pk, online.pk]
    body = api_client.get(f"{API}/meetings/{first.pk}/").json()
    assert body["title"] == "1st Joint Committee in Ulaanbaatar"
    assert [a["short_name"] for a in body["attendees"]] == ["MOE"]


def test_decisions_filter_by_kind_mode_and_date(api_client, jc, sysadmin):
    meeting = first_meeting(jc, sysadmin)
    adopted = services.decision_record(
        actor=sysadmin,
        joint_committee=jc,
        decided_on=meeting.date,
        mode="meeting",
        meeting=meeting,
        kind="adopt_rules",
        title="Adoption of the rules",
    )
    electronic = services.decision_record(
        actor=sysadmin,
        joint_committee=jc,
        decided_on=D(2016, 5, 2),
        mode="electronic",
        kind="designate_tpe",
        title="Designation of a TPE",
    )

    def refs(**params):
        return [d["reference"] for d in api_client.get(f"{API}/decisions/", params).json()["results"]]

    assert refs(kind="adopt_rules") == [adopted.reference] == ["MN-JC01-01"]
    assert refs(mode="electronic") == [electronic.reference] == ["MN-ED2016-01"]
    assert refs(decided_on_after="2014-01-01") == [electronic.reference]
    body = api_client.get(f"{API}/decisions/{adopted.pk}/").json()
    assert (body["meeting"], body["meeting_number"], body["mode"]) == (meeting.pk, 1, "meeting")


def test_an_invalid_filter_value_is_a_400(api_client, jc):
    response = api_client.get(f"{API}/decisions/", {"kind": "not-a-kind"})

    assert response.status_code == 400
    body = response.json()  # the same error body as every refusal: a message, a code, the fields named
    assert body["code"] == "invalid" and "kind" in body["detail"] and "kind" in body["errors"]


def test_members_filter_by_side_and_whether_serving(api_client, jc, sysadmin, moe, mn_ministry):
    serving = services.member_appoint(
        actor=sysadmin,
        joint_committee=jc,
        side=Side.PARTNER,
        name="S. Oyun",
        organization=mn_ministry,
        role="co_chair",
        start_date=D(2013, 4, 11),
    )
    former = services.member_appoint(
        actor=sysadmin,
        joint_committee=jc,
        side=Side.JAPAN,
        name="T. Shimizu",
        organization=moe,
        role="co_chair",
        start_date=D(2013, 4, 11),
        end_date=D(2015, 1, 1),
    )

    def names(**params):
        return [m["name"] for m in api_client.get(f"{API}/committee-members/", params).json()["results"]]

    assert names(active="true") == [serving.name]
    assert names(active="false") == [former.name]
    assert names(side="japan") == [former.name]
    assert (
        api_client.get(f"{API}/committee-members/{serving.pk}/").json()["organization"]["short_name"]
        == "MEGD"
    )


def test_tpes_show_scopes_and_history_and_filter_by_scope(api_client, jc, sysadmin, tpe_org):
    tpe = services.tpe_designate(
        actor=sysadmin,
        joint_committee=jc,
        organization=tpe_org,
        designated_on=D(2014, 1, 10),
        scopes_validation=[f.scope(1), f.scope(3)],
        scopes_verification=[f.scope(1)],
    )
    services.tpe_change_status(
        actor=sysadmin,
        tpe=tpe,
        status="suspended",
        effective_on=D(2015, 1, 1),
        reason="Accreditation lapsed.",
    )

    body = api_client.get(f"{API}/tpes/TPE-MN-001/").json()

    assert body["organization"]["name"] == "Japan Quality Assurance Organization"
    assert (body["scopes_validation"], body["scopes_verification"]) == ([1, 3], [1])
    assert [(h["from_status"], h["to_status"], h["effective_on"]) for h in body["status_history"]] == [
        ("", "designated", "2014-01-10"),
        ("designated", "suspended", "2015-01-01"),
    ]
    assert api_client.get(f"{API}/tpes/", {"scope": 3}).json()["count"] == 1
    assert api_client.get(f"{API}/tpes/", {"scope_verification": 3}).json()["count"] == 0
    assert api_client.get(f"{API}/tpes/", {"status": "designated"}).json()["count"] == 0


def test_sectoral_scopes_are_listed_with_country_labels(api_client, mongolia):
    CountryScopeLabel.objects.create(country=mongolia, scope=f.scope(14), label="REDD-plus")

    body = api_client.get(f"{API}/sectoral-scopes/", {"page_size": 100}).json()
    scope14 = api_client.get(f"{API}/sectoral-scopes/14/").json()

    assert body["count"] == 15 and [s["number"] for s in body["results"]] == list(range(1, 16))
    assert scope14["country_labels"] == [{"country": "MN", "label": "REDD-plus"}]


def test_organizations_filter_by_kind_and_country(api_client, moe, mn_ministry, tpe_org):
    def names(**params):
        return [o["short_name"] for o in api_client.get(f"{API}/organizations/", params).json()["results"]]

    assert names(kind="ministry", country="MN") == ["MEGD"]
    assert sorted(names(country="jp")) == ["JQA", "MOE"]


def test_lists_are_paginated(api_client, jc, sysadmin):
    for number in range(1, 4):
        services.meeting_record(actor=sysadmin, joint_committee=jc, date=D(2013 + number, 1, 1), city="Tokyo")

    body = api_client.get(f"{API}/meetings/", {"page_size": 2}).json()

    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]


# --- writes: each creates its audit event ----------------------------------------------


def test_a_system_administrator_adds_a_country_and_establishes_its_joint_committee(sysadmin, japan):
    client = client_for(sysadmin)

    country = client.post(f"{API}/countries/", {"code": "vn", "name": "Viet Nam"}, format="json")
    jc = client.post(
        f"{API}/joint-committees/", {"partner": "VN", "established_on": "2013-08-02"}, format="json"
    )

    assert country.status_code == 201, country.content
    assert country.json()["code"] == "VN" and country.json()["url"].endswith("/api/v1/countries/VN/")
    assert jc.status_code == 201, jc.content
    assert jc.json()["name"] == "Japan–Viet Nam Joint Committee" and jc.json()["code"] == "VN"
    assert AuditEvent.objects.filter(action="committee.country.create", actor=sysadmin).count() == 1
    assert AuditEvent.objects.filter(action="committee.joint_committee.create", actor=sysadmin).count() == 1


def test_the_secretariat_renames_a_country_and_records_its_bilateral_document(sec, secretariat, mongolia):
    renamed = sec.patch(f"{API}/countries/MN/", {"name_local": "Монгол Улс"}, format="json")
    document = sec.post(
        f"{API}/countries/MN/bilateral-documents/",
        {
            "title": "Low Carbon Development Partnership",
            "signed_on": "2013-01-08",
            "place": "Ulaanbaatar",
            "japan_signatory": "Takenori Shimizu",
            "partner_signatory": "Sanjaasuren Oyun",
            "file": pdf("mn-bilateral.pdf"),
        },
        format="multipart",
    )

    assert renamed.status_code == 200 and renamed.json()["name_local"] == "Монгол Улс"
    assert document.status_code == 201, document.content
    assert (
        document.json()["file"].startswith("http://testserver/") and "mn-bilateral" in document.json()["file"]
    )
    assert audit_event("committee.country.update", mongolia).actor == secretariat
    assert (
        AuditEvent.objects.filter(action="committee.bilateral_document.record", actor=secretariat).count()
        == 1
    )


def test_the_secretariat_registers_an_organization(sec, secretariat, mongolia):
    response = sec.post(
        f"{API}/organizations/",
        {"name": "Ministry of Energy", "kind": "ministry", "country": "MN"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["country"] == "MN"
    assert AuditEvent.objects.get(action="committee.organization.create").target_id == str(
        response.json()["id"]
    )


def test_the_secretariat_appoints_a_member_and_ends_the_membership(sec, secretariat, jc, mn_ministry):
    appointed = sec.post(
        f"{API}/committee-members/",
        {
            "joint_committee": "MN",
            "side": "partner",
            "name": "Sanjaasuren Oyun",
            "title": "Minister",
            "organization": mn_ministry.pk,
            "role": "co_chair",
            "start_date": "2013-04-11",
        },
        format="json",
    )
    member_id = appointed.json()["id"]
    ended = sec.post(f"{API}/committee-members/{member_id}/end/", {"end_date": "2016-07-01"}, format="json")

    assert appointed.status_code == 201, appointed.content
    assert appointed.json()["is_serving"] is True and appointed.json()["role"] == "co_chair"
    assert ended.status_code == 200 and ended.json()["end_date"] == "2016-07-01"
    assert ended.json()["is_serving"] is False
    events = AuditEvent.objects.filter(target_id=str(member_id), action__startswith="committee.member.")
    assert [(e.action, e.actor_id) for e in events] == [
        ("committee.member.appoint", secretariat.pk),
        ("committee.member.end", secretariat.pk),
    ]


def test_the_secretariat_records_a_draft_meeting_with_its_report_corrects_and_publishes_it(
    sec, secretariat, jc, moe, mn_ministry, api_client
):
    recorded = sec.post(
        f"{API}/meetings/",
        {
            "joint_committee": "MN",
            "date": "2013-04-11",
            "city": "Ulaanbaatar",
            "attendees": [moe.pk, mn_ministry.pk],
            "publish": "false",
            "report": pdf("jc01-report.pdf"),
        },
        format="multipart",
    )
    meeting_id = recorded.json()["id"]
    hidden = api_client.get(f"{API}/meetings/{meeting_id}/")
    corrected = sec.patch(
        f"{API}/meetings/{meeting_id}/",
        {"summary": "Adopted the rules.", "attendees": [moe.pk]},
        format="json",
    )
    published = sec.post(f"{API}/meetings/{meeting_id}/publish/")

    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["number"] == 1 and recorded.json()["status"] == "draft"
    assert "jc01-report" in recorded.json()["report"]
    assert sorted(a["id"] for a in recorded.json()["attendees"]) == sorted([moe.pk, mn_ministry.pk])
    assert hidden.status_code == 404
    assert corrected.status_code == 200 and corrected.json()["summary"] == "Adopted the rules."
    assert [a["id"] for a in corrected.json()["attendees"]] == [moe.pk]
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert api_client.get(f"{API}/meetings/{meeting_id}/").status_code == 200
    meeting = Meeting.objects.get(pk=meeting_id)
    for action in ("record", "update", "publish"):
        assert audit_event(f"committee.meeting.{action}", meeting).actor == secretariat


def test_a_meeting_recorded_without_publish_flag_is_published(sec, jc):
    response = sec.post(
        f"{API}/meetings/",
        {"joint_committee": "MN", "date": "2013-04-11", "is_online": "true"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "published" and response.json()["place"] == "online"


def test_the_secretariat_records_a_draft_decision_corrects_and_publishes_it(sec, secretariat, jc, sysadmin):
    meeting = first_meeting(jc, sysadmin)
    recorded = sec.post(
        f"{API}/decisions/",
        {
            "joint_committee": "MN",
            "decided_on": "2013-04-11",
            "mode": "meeting",
            "meeting": meeting.pk,
            "kind": "adopt_rules",
            "title": "Rules adopted",
            "publish": False,
        },
        format="json",
    )
    decision_id = recorded.json()["id"]
    corrected = sec.patch(
        f"{API}/decisions/{decision_id}/", {"title": "Adoption of the Rules of Implementation"}, format="json"
    )
    published = sec.post(f"{API}/decisions/{decision_id}/publish/")

    assert recorded.status_code == 201, recorded.content
    assert (recorded.json()["reference"], recorded.json()["status"]) == ("MN-JC01-01", "draft")
    assert (
        corrected.status_code == 200
        and corrected.json()["title"] == "Adoption of the Rules of Implementation"
    )
    assert published.status_code == 200 and published.json()["status"] == "published"
    actions = AuditEvent.objects.filter(target_id=str(decision_id), action__startswith="committee.decision.")
    assert [(e.action, e.actor_id) for e in actions] == [
        ("committee.decision.record", secretariat.pk),
        ("committee.decision.update", secretariat.pk),
        ("committee.decision.publish", secretariat.pk),
    ]


def test_a_decision_can_name_the_object_decided(sec, jc, sysadmin, tpe_org):
    tpe = services.tpe_designate(
        actor=sysadmin,
        joint_committee=jc,
        organization=tpe_org,
        designated_on=D(2014, 1, 10),
        scopes_validation=[f.scope(1)],
    )

    response = sec.post(
        f"{API}/decisions/",
        {
            "joint_committee": "MN",
            "decided_on": "2014-01-10",
            "mode": "electronic",
            "kind": "designate_tpe",
            "title": "TPE designated",
            "subject_type": "committee.thirdpartyentity",
            "subject_id": str(tpe.pk),
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["subject_type"] == "committee.thirdpartyentity"
    assert response.json()["subject_label"] == str(tpe)


def test_the_secretariat_publishes_a_new_version_of_a_rule_with_its_file_and_withdraws_it(
    sec, secretariat, jc, api_client
):
    first = sec.post(
        f"{API}/rule-documents/",
        {
            "joint_committee": "MN",
            "kind": "roi",
            "version": "01.0",
            "title": "Rules of Implementation",
            "effective_date": "2013-04-11",
            "file": pdf("roi-1.pdf"),
        },
        format="multipart",
    )
    second = sec.post(
        f"{API}/rule-documents/",
        {
            "joint_committee": "MN",
            "kind": "roi",
            "version": "ver02.0",
            "title": "Rules of Implementation",
            "effective_date": "2015-03-01",
            "file": pdf("roi-2.pdf"),
        },
        format="multipart",
    )
    old = api_client.get(f"{API}/rule-documents/JCM_MN_RoI_ver01.0/").json()
    withdrawn = sec.post(
        f"{API}/rule-documents/JCM_MN_RoI_ver02.0/withdraw/", {"reason": "Annulled."}, format="json"
    )

    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    new = second.json()
    assert (new["code"], new["version"], new["supersedes"], new["status"]) == (
        "JCM_MN_RoI_ver02.0",
        "02.0",
        "JCM_MN_RoI_ver01.0",
        "in_force",
    )
    assert new["file"].startswith("http://testserver/") and "roi-2" in new["file"]
    assert (old["status"], old["superseded_by"], old["supersedes"]) == (
        "superseded",
        "JCM_MN_RoI_ver02.0",
        None,
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    document = RuleDocument.objects.get(code="JCM_MN_RoI_ver02.0")
    assert audit_event("committee.rule_document.publish", document).actor == secretariat
    assert audit_event("committee.rule_document.withdraw", document).message == "Annulled."
    in_force = api_client.get(
        f"{API}/rule-documents/", {"joint_committee": "MN", "status": "in_force"}
    ).json()
    assert in_force["count"] == 0


def test_the_secretariat_designates_a_tpe_changes_its_scopes_and_suspends_it(sec, secretariat, jc, tpe_org):
    designated = sec.post(
        f"{API}/tpes/",
        {
            "joint_committee": "MN",
            "organization": tpe_org.pk,
            "designated_on": "2014-01-10",
            "scopes_validation": [1, 3],
            "scopes_verification": [1],
        },
        format="json",
    )
    scoped = sec.post(
        f"{API}/tpes/TPE-MN-001/scopes/",
        {"scopes_validation": [1, 3, 7], "scopes_verification": []},
        format="json",
    )
    suspended = sec.post(
        f"{API}/tpes/TPE-MN-001/status/",
        {"status": "suspended", "effective_on": "2015-01-01", "reason": "Accreditation lapsed."},
        format="json",
    )

    assert designated.status_code == 201, designated.content
    assert designated.json()["tpe_id"] == "TPE-MN-001"
    assert scoped.status_code == 200
    assert (scoped.json()["scopes_validation"], scoped.json()["scopes_verification"]) == ([1, 3, 7], [])
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert suspended.json()["status_history"][-1]["reason"] == "Accreditation lapsed."
    tpe_events = AuditEvent.objects.filter(action__startswith="committee.tpe.", actor=secretariat)
    assert [e.action for e in tpe_events] == [
        "committee.tpe.designate",
        "committee.tpe.update_scopes",
        "committee.tpe.suspended",
    ]


# --- 400: refused input, with field messages, and nothing written ----------------------


def assert_field_error(response, field: str, contains: str = "") -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid" and body["detail"]
    assert field in body["errors"], body
    assert contains in " ".join(body["errors"][field])


def test_a_meeting_needs_a_city_or_to_be_online(sec, jc):
    response = sec.post(f"{API}/meetings/", {"joint_committee": "MN", "date": "2013-04-11"}, format="json")

    assert_field_error(response, "city", "online")
    assert not AuditEvent.objects.filter(action="committee.meeting.record").exists()


def test_a_rule_version_must_be_two_numbers(sec, jc):
    response = sec.post(
        f"{API}/rule-documents/",
        {
            "joint_committee": "MN",
            "kind": "roi",
            "version": "abc",
            "title": "Rules of Implementation",
            "effective_date": "2013-04-11",
        },
        format="json",
    )

    assert_field_error(response, "version", "02.0")
    assert not RuleDocument.objects.exists()


def test_a_decision_cannot_be_taken_at_a_meeting_of_another_committee(sec, jc, other_jc, sysadmin):
    cambodian = services.meeting_record(
        actor=sysadmin, joint_committee=other_jc, date=D(2014, 4, 1), city="Phnom Penh"
    )

    response = sec.post(
        f"{API}/decisions/",
        {
            "joint_committee": "MN",
            "decided_on": "2014-04-01",
            "mode": "meeting",
            "meeting": cambodian.pk,
            "kind": "other",
            "title": "Misplaced",
        },
        format="json",
    )

    assert_field_error(response, "meeting", "another Joint Committee")


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("meetings/", {"joint_committee": "MN", "date": "11/04/2013", "city": "Tokyo"}, "date"),
        ("meetings/", {"joint_committee": "XX", "date": "2013-04-11", "city": "Tokyo"}, "joint_committee"),
        (
            "meetings/",
            {"joint_committee": "MN", "date": "2013-04-11", "city": "Tokyo", "attendees": [999999]},
            "attendees",
        ),
        (
            "decisions/",
            {
                "joint_committee": "MN",
                "decided_on": "2013-04-11",
                "mode": "by-post",
                "kind": "other",
                "title": "x",
            },
            "mode",
        ),
        (
            "decisions/",
            {
                "joint_committee": "MN",
                "decided_on": "2013-04-11",
                "mode": "electronic",
                "kind": "other",
                "title": "x",
                "subject_type": "committee.user",
                "subject_id": "1",
            },
            "subject_type",
        ),
        (
            "tpes/",
            {
                "joint_committee": "MN",
                "organization": 1,
                "designated_on": "2014-01-10",
                "scopes_validation": [42],
            },
            "scopes_validation",
        ),
        ("countries/MN/bilateral-documents/", {"signed_on": "2013-01-08"}, "title"),
    ],
)
def test_malformed_input_is_refused_with_field_messages(sec, jc, url, payload, field):
    before = AuditEvent.objects.count()  # the client's token was made (and audited) by the fixture
    response = sec.post(f"{API}/{url}", payload, format="json")

    assert_field_error(response, field)
    assert AuditEvent.objects.count() == before


def test_an_electronic_decision_cannot_be_dated_in_the_future(sec, jc):
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    response = sec.post(
        f"{API}/decisions/",
        {
            "joint_committee": "MN",
            "decided_on": tomorrow.isoformat(),
            "mode": "electronic",
            "kind": "other",
            "title": "Too early",
        },
        format="json",
    )

    assert_field_error(response, "decided_on", "future")


def test_suspending_a_tpe_needs_a_reason(sec, jc, sysadmin, tpe_org):
    services.tpe_designate(
        actor=sysadmin,
        joint_committee=jc,
        organization=tpe_org,
        designated_on=D(2014, 1, 10),
        scopes_validation=[f.scope(1)],
    )

    response = sec.post(
        f"{API}/tpes/TPE-MN-001/status/", {"status": "suspended", "effective_on": "2015-01-01"}, format="json"
    )

    assert_field_error(response, "reason")


# --- 409: the object is not in a state that allows the action --------------------------


def assert_conflict(response, field: str = "status") -> None:
    assert response.status_code == 409, response.content
    body = response.json()
    assert body["code"] == "conflict" and field in body["errors"]


def test_a_published_meeting_cannot_be_published_again(sec, jc, sysadmin):
    meeting = first_meeting(jc, sysadmin)

    response = sec.post(f"{API}/meetings/{meeting.pk}/publish/")

    assert_conflict(response)
    assert not AuditEvent.objects.filter(action="committee.meeting.publish").exists()


def test_a_meeting_number_is_used_once(sec, jc, sysadmin):
    first_meeting(jc, sysadmin)

    response = sec.post(
        f"{API}/meetings/",
        {"joint_committee": "MN", "number": 1, "date": "2014-01-01", "city": "Tokyo"},
        format="json",
    )

    assert_conflict(response, "number")


def test_a_published_decision_can_be_neither_published_again_nor_corrected(sec, jc, sysadmin):
    decision = services.decision_record(
        actor=sysadmin,
        joint_committee=jc,
        decided_on=D(2016, 5, 2),
        mode="electronic",
        kind="other",
        title="Published",
    )

    assert_conflict(sec.post(f"{API}/decisions/{decision.pk}/publish/"))
    assert_conflict(sec.patch(f"{API}/decisions/{decision.pk}/", {"title": "Changed"}, format="json"))
    assert not AuditEvent.objects.filter(
        action__in=["committee.decision.publish", "committee.decision.update"]
    )


def test_a_withdrawn_rule_cannot_be_withdrawn_again_and_versions_only_go_up(sec, jc, sysadmin):
    document = services.rule_document_publish(
        actor=sysadmin,
        joint_committee=jc,
        kind="roi",
        version="02.0",
        title="Rules of Implementation",
        effective_date=D(2015, 3, 1),
    )
    services.rule_document_withdraw(actor=sysadmin, document=document)

    assert_conflict(sec.post(f"{API}/rule-documents/{document.code}/withdraw/", {}, format="json"))
    lower = sec.post(
        f"{API}/rule-documents/",
        {
            "joint_committee": "MN",
            "kind": "roi",
            "version": "01.0",
            "title": "Rules of Implementation",
            "effective_date": "2016-01-01",
        },
        format="json",
    )
    assert_conflict(lower, "version")


def test_a_withdrawn_tpe_cannot_be_reinstated_nor_rescoped(sec, jc, sysadmin, tpe_org):
    tpe = services.tpe_designate(
        actor=sysadmin,
        joint_committee=jc,
        organization=tpe_org,
        designated_on=D(2014, 1, 10),
        scopes_validation=[f.scope(1)],
    )
    services.tpe_change_status(
        actor=sysadmin,
        tpe=tpe,
        status="withdrawn",
        effective_on=D(2015, 1, 1),
        reason="Requested by the TPE.",
    )

    assert_conflict(
        sec.post(
            f"{API}/tpes/{tpe.tpe_id}/status/",
            {"status": "designated", "effective_on": "2016-01-01"},
            format="json",
        )
    )
    assert_conflict(
        sec.post(
            f"{API}/tpes/{tpe.tpe_id}/scopes/",
            {"scopes_validation": [2], "scopes_verification": []},
            format="json",
        )
    )


def test_an_ended_membership_cannot_end_again(sec, jc, sysadmin, moe):
    member = services.member_appoint(
        actor=sysadmin,
        joint_committee=jc,
        side=Side.JAPAN,
        name="T. Shimizu",
        organization=moe,
        role="member",
        start_date=D(2013, 4, 11),
        end_date=D(2015, 1, 1),
    )

    assert_conflict(
        sec.post(f"{API}/committee-members/{member.pk}/end/", {"end_date": "2016-01-01"}, format="json"),
        "end_date",
    )


# --- list endpoints: the query count does not grow with the number of rows ------------

ROW_NUMBERS = itertools.count(1)


def make_rows(kind: str, n: int, *, jc, actor) -> None:
    """``n`` more rows of ``kind``, each with the relations its list shows."""
    for _ in range(n):
        i = next(ROW_NUMBERS)
        org = f.OrganizationFactory(
            name=f"Organization {kind} {i}", kind=OrganizationKind.TPE, country=jc.partner
        )
        if kind in ("countries", "joint-committees"):
            country = f.CountryFactory(code=f"Q{chr(65 + i % 26)}")
            services.joint_committee_create(actor=actor, partner=country)
            services.bilateral_document_record(
                actor=actor, country=country, title=f"Document {i}", signed_on=D(2013, 1, 8)
            )
        elif kind == "committee-members":
            services.member_appoint(
                actor=actor,
                joint_committee=jc,
                side="partner",
                name=f"Member {i}",
                organization=org,
                role="member",
                start_date=D(2013, 4, 11),
            )
        elif kind == "meetings":
            services.meeting_record(
                actor=actor,
                joint_committee=jc,
                date=D(2013, 4, 11),
                city="Tokyo",
                attendees=[org],
                publish=bool(i % 2),
            )
        elif kind == "decisions":
            meeting = services.meeting_record(
                actor=actor, joint_committee=jc, date=D(2013, 4, 11), city="Tokyo"
            )
            services.decision_record(
                actor=actor,
                joint_committee=jc,
                decided_on=meeting.date,
                mode="meeting",
                meeting=meeting,
                kind="other",
                title=f"Decision {i}",
                subject=org,
            )
        elif kind == "rule-documents":
            services.rule_document_publish(
                actor=actor,
                joint_committee=jc,
                kind="form",
                form_code=f"F_{i}",
                version="01.0",
                title=f"Form {i}",
                effective_date=D(2013, 4, 11),
            )
            services.rule_document_publish(
                actor=actor,
                joint_committee=jc,
                kind="form",
                form_code=f"F_{i}",
                version="02.0",
                title=f"Form {i}",
                effective_date=D(2014, 4, 11),
            )
        elif kind == "tpes":
            tpe = services.tpe_designate(
                actor=actor,
                joint_committee=jc,
                organization=org,
                designated_on=D(2014, 1, 10),
                scopes_validation=[f.scope(1), f.scope(2)],
                scopes_verification=[f.scope(3)],
            )
            services.tpe_change_status(
                actor=actor, tpe=tpe, status="suspended", effective_on=D(2015, 1, 1), reason="Audit."
            )
        elif kind == "sectoral-scopes":
            CountryScopeLabel.objects.create(
                country=jc.partner, scope=f.scope(i % 15 + 1), label=f"Label {i}"
            )


LISTS = [
    "countries",
    "joint-committees",
    "committee-members",
    "meetings",
    "decisions",
    "rule-documents",
    "tpes",
    "sectoral-scopes",
    "organizations",
]


@pytest.mark.parametrize("resource", LISTS)
def test_list_query_count_does_not_grow_with_rows(resource, jc, sysadmin, ministry):
    client = client_for(ministry)  # an insider: the scoped path with drafts
    url = f"{API}/{resource}/"

    def count_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": 100})
        assert response.status_code == 200
        return len(queries), len(response.content)

    make_rows(resource, 1, jc=jc, actor=sysadmin)
    count_queries()  # the token's first use of the day records its last use: once, not per row
    few, size_before = count_queries()
    make_rows(resource, 4, jc=jc, actor=sysadmin)
    many, size_after = count_queries()

    assert size_after > size_before  # more rows (or, for the scopes, more labels) were listed
    assert many == few, f"{resource}: {few} queries before adding rows, {many} after"


# --- schema and docs -------------------------------------------------------------------


def test_the_openapi_schema_and_docs_are_served(api_client):
    schema = api_client.get("/api/schema/")
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/rule-documents/{code}/withdraw/" in schema.content
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()


def test_the_schema_names_every_enum_after_its_choices(capsys):
    """API clients generate types from the schema: no enum gets a hash-suffixed name (a collision
    drf-spectacular warns about), and the schema generates without warnings or errors."""
    import re

    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    hashed = [name for name in schema["components"]["schemas"] if re.search(r"[0-9A-F][0-9a-f]{2}Enum$", name)]
    assert hashed == []
    assert {"ProjectStatusEnum", "MonitoringStatusEnum", "BlockStatusEnum", "TransactionKindEnum"} <= set(
        schema["components"]["schemas"])
    assert not GENERATOR_STATS, capsys.readouterr().err
