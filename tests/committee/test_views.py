"""Browser pages of the committee app, through Django's test client.

What a visitor reads on the public pages, what only insiders see, and what the secretariat's
forms do (and refuse) — all data made through the real services.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from committee import services
from committee.choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    PublicationStatus,
    RuleKind,
    RuleStatus,
    Side,
    TPEStatus,
)
from committee.models import CommitteeMember, Decision, Meeting, RuleDocument, ThirdPartyEntity
from core.models import AuditEvent
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% test document\n", content_type="application/pdf")


@pytest.fixture
def tpe_org(japan):
    return f.OrganizationFactory(name="Japan Quality Assurance Organization", short_name="JQA",
                                 kind=OrganizationKind.TPE, country=japan)


@pytest.fixture
def first_meeting(secretariat, jc, moe, mn_ministry):
    return services.meeting_record(actor=secretariat, joint_committee=jc, date=datetime.date(2013, 4, 11),
                                   city="Ulaanbaatar", is_online=True, attendees=[moe, mn_ministry])


@pytest.fixture
def committee_data(sysadmin, secretariat, jc, mongolia, moe, mn_ministry, first_meeting, tpe_org):
    """The Japan–Mongolia Joint Committee as the seed article describes it, plus a later TPE and rule version."""
    services.bilateral_document_record(
        actor=sysadmin, country=mongolia, title="Low Carbon Development Partnership", signed_on=datetime.date(2013, 1, 8),
        place="Ulaanbaatar", japan_signatory="Takenori Shimizu",
        japan_signatory_title="Ambassador Extraordinary and Plenipotentiary of Japan to Mongolia",
        partner_signatory="Sanjaasuren Oyun", partner_signatory_title="Minister for Environment and Green Development",
    )
    services.member_appoint(actor=secretariat, joint_committee=jc, side=Side.JAPAN, name="Hanako Sato",
                            organization=moe, role=MemberRole.CO_CHAIR, start_date=datetime.date(2013, 4, 1))
    services.member_appoint(actor=secretariat, joint_committee=jc, side=Side.PARTNER, name="Bat Dorj",
                            organization=mn_ministry, role=MemberRole.MEMBER, start_date=datetime.date(2013, 4, 1),
                            end_date=datetime.date(2015, 3, 31))
    adoption = services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=first_meeting.date, mode=DecisionMode.MEETING,
        meeting=first_meeting, kind=DecisionKind.ADOPT_RULES, title="Adoption of the basic rules and guidelines",
        subject_label="Rules of Implementation",
    )
    first = services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.ROI, version="01.0",
                                           title="Rules of Implementation", effective_date=datetime.date(2013, 4, 11),
                                           adopted_by=adoption, file=pdf("roi1.pdf"))
    second = services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.ROI, version="02.0",
                                            title="Rules of Implementation", effective_date=datetime.date(2015, 1, 1))
    tpe = services.tpe_designate(actor=secretariat, joint_committee=jc, organization=tpe_org,
                                 designated_on=datetime.date(2014, 6, 1), scopes_validation=[f.scope(1), f.scope(3)],
                                 scopes_verification=[f.scope(1)])
    return {"meeting": first_meeting, "adoption": adoption, "rule_v1": first, "rule_v2": second, "tpe": tpe}


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    return response.content.decode()


# --- public pages ----------------------------------------------------------------------


def test_home_lists_each_joint_committee_with_partner_and_bilateral_date(client, committee_data, jc):
    html = page(client, "/")
    assert "Mongolia" in html
    assert "2013-01-08" in html
    assert jc.get_absolute_url() in html


def test_country_pages_show_the_bilateral_document_and_signatories(client, committee_data, jc):
    listing = page(client, reverse("committee:country-list"))
    assert "Mongolia" in listing and "Japan</a>" not in listing  # Japan is the other side, not a partner

    html = page(client, reverse("committee:country-detail", args=["mn"]))
    assert "Low Carbon Development Partnership" in html
    assert "Takenori Shimizu" in html and "Sanjaasuren Oyun" in html
    assert jc.get_absolute_url() in html


def test_joint_committee_page_shows_members_meetings_decisions_rules_and_tpes(client, committee_data):
    html = page(client, reverse("committee:jc-detail", args=["MN"]))
    # members by side, current and former
    assert "Hanako Sato" in html and "Co-chair" in html
    assert "Bat Dorj" in html and "Former" in html and "2015-03-31" in html
    # meetings: number, date, place, attendees
    assert "1st Joint Committee" in html
    assert "2013-04-11" in html
    assert "in Ulaanbaatar and online" in html
    assert "MOE" in html and "MEGD" in html
    # decisions
    assert "MN-JC01-01" in html and "Adoption of the basic rules and guidelines" in html
    assert "Adopt rules and guidelines" in html
    # rules: the new version in force supersedes the first
    assert "JCM_MN_RoI_ver02.0" in html and "JCM_MN_RoI_ver01.0" in html
    assert "Superseded" in html and "In force" in html
    # TPEs
    assert "TPE-MN-001" in html and "Japan Quality Assurance Organization" in html
    # no secretariat actions for the public
    assert reverse("committee:decision-record", args=["MN"]) not in html


def test_meeting_decision_rule_and_tpe_detail_pages(client, committee_data):
    meeting_html = page(client, committee_data["meeting"].get_absolute_url())
    assert "Ministry of Environment and Green Development" in meeting_html
    assert "MN-JC01-01" in meeting_html

    decision_html = page(client, committee_data["adoption"].get_absolute_url())
    assert "Adoption of the basic rules and guidelines" in decision_html
    assert "At a meeting" in decision_html and "1st Joint Committee" in decision_html
    assert "Rules of Implementation" in decision_html
    assert "JCM_MN_RoI_ver01.0" in decision_html  # the document it adopted

    rule_html = page(client, committee_data["rule_v1"].get_absolute_url())
    assert "Version history" in rule_html
    assert "JCM_MN_RoI_ver02.0" in rule_html and "Superseded" in rule_html
    assert committee_data["rule_v1"].file.url in rule_html

    tpe_html = page(client, committee_data["tpe"].get_absolute_url())
    assert "Energy industries" in tpe_html and "Energy demand" in tpe_html
    assert "Status history" in tpe_html and "Designated" in tpe_html


def test_tpe_list_filters_by_committee_scope_and_status(client, committee_data, secretariat, other_secretariat,
                                                        other_jc, cambodia):
    kh_org = f.OrganizationFactory(name="Cambodia Verification Ltd", kind=OrganizationKind.TPE, country=cambodia)
    services.tpe_designate(actor=other_secretariat, joint_committee=other_jc, organization=kh_org,
                           designated_on=datetime.date(2016, 1, 1), scopes_validation=[f.scope(13)])
    url = reverse("committee:tpe-list")
    everything = page(client, url)
    assert "TPE-MN-001" in everything and "TPE-KH-001" in everything

    by_committee = page(client, url + "?joint_committee=KH")
    assert "TPE-KH-001" in by_committee and "TPE-MN-001" not in by_committee

    by_scope = page(client, url + "?scope=3")
    assert "TPE-MN-001" in by_scope and "TPE-KH-001" not in by_scope

    services.tpe_change_status(actor=secretariat, tpe=committee_data["tpe"], status=TPEStatus.SUSPENDED,
                               effective_on=datetime.date(2020, 1, 1), reason="Accreditation lapsed")
    by_status = page(client, url + "?status=suspended")
    assert "TPE-MN-001" in by_status and "TPE-KH-001" not in by_status


def test_unknown_committee_is_404(client, jc):
    page(client, reverse("committee:jc-detail", args=["ZZ"]), status=404)


# --- drafts ------------------------------------------------------------------------------


@pytest.fixture
def draft_decision(secretariat, jc):
    return services.decision_record(actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 2, 1),
                                    mode=DecisionMode.ELECTRONIC, kind=DecisionKind.OTHER,
                                    title="Revision of the glossary (draft)", publish=False)


def test_draft_decision_is_hidden_from_the_public(client, draft_decision, participant):
    assert "Revision of the glossary" not in page(client, reverse("committee:jc-detail", args=["MN"]))
    page(client, draft_decision.get_absolute_url(), status=404)
    client.force_login(participant)
    assert "Revision of the glossary" not in page(client, reverse("committee:jc-detail", args=["MN"]))


def test_draft_decision_is_shown_to_the_secretariat_marked_draft(client, draft_decision, secretariat):
    client.force_login(secretariat)
    html = page(client, reverse("committee:jc-detail", args=["MN"]))
    assert "Revision of the glossary (draft)" in html
    assert 'class="badge badge--draft">Draft<' in html
    detail = page(client, draft_decision.get_absolute_url())
    assert "Publish this decision" in detail


def test_secretariat_publishes_a_draft_decision(client, draft_decision, secretariat):
    client.force_login(secretariat)
    response = client.post(reverse("committee:decision-publish", args=["MN", draft_decision.pk]))
    assert response.status_code == 302
    draft_decision.refresh_from_db()
    assert draft_decision.status == PublicationStatus.PUBLISHED
    assert AuditEvent.objects.filter(action="committee.decision.publish").count() == 1
    client.logout()
    assert "Revision of the glossary (draft)" in page(client, draft_decision.get_absolute_url())


# --- secretariat forms -------------------------------------------------------------------


def test_secretariat_sees_the_action_buttons_others_do_not(client, jc, secretariat, other_secretariat):
    record_url = reverse("committee:decision-record", args=["MN"])
    client.force_login(secretariat)
    assert record_url in page(client, jc.get_absolute_url())
    client.force_login(other_secretariat)
    assert record_url not in page(client, jc.get_absolute_url())


def test_secretariat_records_a_decision_at_a_meeting(client, secretariat, first_meeting):
    client.force_login(secretariat)
    response = client.post(reverse("committee:decision-record", args=["MN"]), {
        "mode": DecisionMode.MEETING, "meeting": first_meeting.pk, "kind": DecisionKind.ADOPT_RULES,
        "title": "Adoption of the Project Cycle Procedure", "subject_label": "JCM_MN_PCP_ver01.0",
    })
    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()
    assert decision.decided_on == first_meeting.date  # taken from the meeting
    assert decision.status == PublicationStatus.PUBLISHED and decision.reference == "MN-JC01-01"
    follow = client.get(response["Location"])
    assert "Decision MN-JC01-01 was recorded and published." in follow.content.decode()


def test_secretariat_saves_a_decision_as_draft(client, secretariat, jc):
    client.force_login(secretariat)
    client.post(reverse("committee:decision-record", args=["MN"]), {
        "mode": DecisionMode.ELECTRONIC, "decided_on": "2024-03-01", "kind": DecisionKind.OTHER,
        "title": "Electronic decision on the glossary", "save_draft": "1",
    })
    assert Decision.objects.get().status == PublicationStatus.DRAFT


def test_decision_form_with_bad_input_shows_the_field_error_and_writes_nothing(client, secretariat, jc):
    client.force_login(secretariat)
    events = AuditEvent.objects.count()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(reverse("committee:decision-record", args=["MN"]), {
        "mode": DecisionMode.ELECTRONIC, "decided_on": tomorrow.isoformat(), "kind": DecisionKind.OTHER,
        "title": "A decision from the future",
    })
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["decided_on"] == ["A decision cannot be dated in the future."]
    assert "A decision cannot be dated in the future." in response.content.decode()
    assert Decision.objects.count() == 0 and AuditEvent.objects.count() == events


def test_decision_form_requires_the_meeting_for_a_meeting_decision(client, secretariat, jc):
    client.force_login(secretariat)
    response = client.post(reverse("committee:decision-record", args=["MN"]), {
        "mode": DecisionMode.MEETING, "decided_on": "2024-03-01", "kind": DecisionKind.OTHER, "title": "No meeting",
    })
    assert response.status_code == 400
    assert response.context["form"].errors["meeting"] == ["A decision taken at a meeting names the meeting."]
    assert not Decision.objects.exists()


@pytest.mark.parametrize("name,args", [
    ("decision-record", ["MN"]), ("meeting-record", ["MN"]), ("rule-publish", ["MN"]),
    ("tpe-designate", ["MN"]), ("member-appoint", ["MN"]),
])
def test_secretariat_pages_are_forbidden_to_others(client, jc, other_secretariat, name, args):
    url = reverse(f"committee:{name}", args=args)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client.force_login(other_secretariat)
    assert client.get(url).status_code == 403


def test_other_secretariat_cannot_post_a_decision(client, jc, other_secretariat):
    client.force_login(other_secretariat)
    response = client.post(reverse("committee:decision-record", args=["MN"]), {
        "mode": DecisionMode.ELECTRONIC, "decided_on": "2024-03-01", "kind": DecisionKind.OTHER, "title": "Intrusion",
    })
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_secretariat_records_a_meeting_with_attendees(client, secretariat, jc, moe, mn_ministry):
    client.force_login(secretariat)
    response = client.post(reverse("committee:meeting-record", args=["MN"]), {
        "date": "2014-05-20", "city": "Tokyo", "is_online": "on", "attendees": [moe.pk, mn_ministry.pk],
        "report": pdf("report.pdf"),
    })
    meeting = Meeting.objects.get()
    assert response["Location"] == meeting.get_absolute_url()
    assert meeting.number == 1 and meeting.place == "in Tokyo and online"
    assert set(meeting.attendees.all()) == {moe, mn_ministry}
    html = page(client, meeting.get_absolute_url())
    assert meeting.report.url in html


def test_meeting_form_needs_a_place(client, secretariat, jc):
    client.force_login(secretariat)
    response = client.post(reverse("committee:meeting-record", args=["MN"]), {"date": "2014-05-20"})
    assert response.status_code == 400
    assert "Give the city where the meeting was held" in response.context["form"].errors["city"][0]
    assert not Meeting.objects.exists()


def test_secretariat_publishes_a_new_rule_version_and_the_old_one_is_superseded(client, secretariat, jc):
    old = services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.PCP, version="01.0",
                                         title="Project Cycle Procedure", effective_date=datetime.date(2013, 4, 11))
    client.force_login(secretariat)
    form_page = page(client, reverse("committee:rule-publish", args=["MN"]) + f"?from={old.code}")
    assert 'value="Project Cycle Procedure"' in form_page
    response = client.post(reverse("committee:rule-publish", args=["MN"]), {
        "kind": RuleKind.PCP, "version": "02.0", "title": "Project Cycle Procedure",
        "effective_date": "2016-01-01", "file": pdf("pcp2.pdf"),
    })
    new = RuleDocument.objects.get(code="JCM_MN_PCP_ver02.0")
    assert response["Location"] == new.get_absolute_url()
    old.refresh_from_db()
    assert old.status == RuleStatus.SUPERSEDED and new.supersedes == old
    assert new.file.name.endswith(".pdf")


def test_rule_form_refuses_a_lower_version_on_the_version_field(client, secretariat, jc):
    services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.PCP, version="03.0",
                                   title="Project Cycle Procedure", effective_date=datetime.date(2013, 4, 11))
    client.force_login(secretariat)
    response = client.post(reverse("committee:rule-publish", args=["MN"]), {
        "kind": RuleKind.PCP, "version": "02.0", "title": "Project Cycle Procedure",
        "effective_date": "2016-01-01", "file": pdf(),
    })
    assert response.status_code == 400
    assert "a new version must be higher" in response.context["form"].errors["version"][0]
    assert RuleDocument.objects.count() == 1


def test_secretariat_designates_a_tpe_and_changes_its_status(client, secretariat, jc, tpe_org):
    client.force_login(secretariat)
    response = client.post(reverse("committee:tpe-designate", args=["MN"]), {
        "organization": tpe_org.pk, "designated_on": "2014-06-01",
        "scopes_validation": [f.scope(1).pk], "scopes_verification": [f.scope(1).pk, f.scope(3).pk],
    })
    tpe = ThirdPartyEntity.objects.get()
    assert response["Location"] == tpe.get_absolute_url() and tpe.tpe_id == "TPE-MN-001"

    refused = client.post(reverse("committee:tpe-status", args=[tpe.tpe_id]),
                          {"status": TPEStatus.SUSPENDED, "effective_on": "2015-01-01"})
    assert refused.status_code == 400
    assert refused.context["form"].errors["reason"] == ["Give the reason for the suspension or withdrawal."]

    client.post(reverse("committee:tpe-status", args=[tpe.tpe_id]),
                {"status": TPEStatus.SUSPENDED, "effective_on": "2015-01-01", "reason": "Accreditation suspended"})
    tpe.refresh_from_db()
    assert tpe.status == TPEStatus.SUSPENDED
    assert "Accreditation suspended" in page(client, tpe.get_absolute_url())


def test_secretariat_appoints_and_ends_a_member(client, secretariat, jc, mn_ministry):
    client.force_login(secretariat)
    client.post(reverse("committee:member-appoint", args=["MN"]), {
        "side": Side.PARTNER, "name": "Oyunbileg Batbayar", "organization": mn_ministry.pk,
        "role": MemberRole.CO_CHAIR, "start_date": "2020-01-01",
    })
    member = CommitteeMember.objects.get()
    assert member.role == MemberRole.CO_CHAIR
    client.post(reverse("committee:member-end", args=["MN", member.pk]), {"end_date": "2022-12-31"})
    member.refresh_from_db()
    assert member.end_date == datetime.date(2022, 12, 31)
    assert "Former" in page(client, jc.get_absolute_url())


# --- login and language --------------------------------------------------------------------


def test_login_page_logs_the_user_in(client, secretariat):
    assert "Username" in page(client, reverse("login"))
    response = client.post(reverse("login"), {"username": "sec_mn", "password": "pass-word-123"})
    assert response.status_code == 302
    # the secretariat must pass a second factor: every page leads to its enrolment until it has one
    assert client.get("/").url.startswith(reverse("second-factor"))


def test_language_switch_renders_the_japanese_shell(client, jc):
    english = page(client, "/")
    assert "Partner countries" in english and 'lang="en"' in english
    client.post(reverse("set_language"), {"language": "ja", "next": "/"})
    japanese = page(client, "/")
    assert '<html lang="ja">' in japanese
    assert "パートナー国" in japanese  # navigation
    assert "ログイン" in japanese  # log in
    assert "日本・モンゴル合同委員会" in japanese  # the Joint Committee's name


def test_an_unknown_address_renders_the_404_page(client, jc):
    html = page(client, "/no-such-page/", status=404)
    assert "Page not found" in html and "Partner countries" in html
