"""`manage.py seed_demo`: the facts of the seed article, one user per role, and idempotence."""

import base64
import datetime
import io

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpRequest
from django.test import Client

from committee.choices import DecisionMode, MemberRole, PublicationStatus, Role, RuleStatus, Side
from committee.demo import DEMO_PASSWORD
from committee.models import (
    BilateralDocument,
    Country,
    Decision,
    JointCommittee,
    Meeting,
    RoleAssignment,
    RuleDocument,
    ThirdPartyEntity,
    User,
)
from core.audit import verify_chain
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    return {model._meta.label: model.objects.count() for model in apps.get_models()
            if model._meta.db_table in tables}


def test_mongolia_bilateral_document_and_first_joint_committee():
    seed()
    mongolia = Country.objects.get(code="MN")
    assert mongolia.name_local == "Монгол Улс"
    doc = BilateralDocument.objects.get(country=mongolia)
    assert doc.signed_on == datetime.date(2013, 1, 8)
    assert doc.place == "Ulaanbaatar"
    assert doc.japan_signatory == "Takenori Shimizu"
    assert doc.japan_signatory_title == "Ambassador Extraordinary and Plenipotentiary of Japan to Mongolia"
    assert doc.partner_signatory == "Sanjaasuren Oyun"
    assert doc.partner_signatory_title == "Minister for Environment and Green Development of Mongolia"

    meeting = Meeting.objects.get(joint_committee__partner=mongolia, number=1)
    assert (meeting.date, meeting.city, meeting.status) == (datetime.date(2013, 4, 11), "Ulaanbaatar",
                                                             PublicationStatus.PUBLISHED)
    # named as they were on the day of the meeting (the environment ministry has been renamed since)
    assert sorted(o.name_on(meeting.date) for o in meeting.attendees.all()) == [
        "Ministry of Economic Development",
        "Ministry of Economy, Trade and Industry",
        "Ministry of Energy",
        "Ministry of Environment and Green Development",
        "Ministry of Foreign Affairs",
        "Ministry of Foreign Affairs of Japan",
        "Ministry of the Environment",
    ]
    # the seed's own words: the named ministries "and others"
    assert "and others" in meeting.attendance_note and meeting.source
    decision = Decision.objects.get(meeting=meeting)
    assert decision.mode == DecisionMode.MEETING and decision.kind == "adopt_rules"
    # which documents the first meeting adopted is not in the sources: none is invented
    assert not decision.rule_documents.exists()


def test_rule_versions_are_the_real_ones_with_their_sources():
    seed()
    electronic = Decision.objects.get(reference="MN-ED2016-01")
    assert (electronic.decided_on, electronic.mode) == (datetime.date(2016, 8, 23), DecisionMode.ELECTRONIC)
    assert set(electronic.rule_documents.values_list("code", flat=True)) == {
        "JCM_MN_RoI_ver03.0", "JCM_MN_F_Iss_Req_ver03.0", "JCM_MN_F_PDD_ver03.0", "JCM_MN_F_Vrf_Rep_ver02.0",
        "JCM_MN_GL_PDD_MR_ver03.0"}
    issuance_form = RuleDocument.objects.get(code="JCM_MN_F_Iss_Req_ver04.0")
    assert issuance_form.status == RuleStatus.IN_FORCE and issuance_form.supersedes.code == "JCM_MN_F_Iss_Req_ver03.0"
    assert RuleDocument.objects.get(code="JCM_MN_F_Iss_Req_ver03.0").status == RuleStatus.SUPERSEDED
    assert RuleDocument.objects.get(code="JCM_MN_F_Vrf_Rep_ver02.1").supersedes.code == "JCM_MN_F_Vrf_Rep_ver02.0"
    for code in ("JCM_MN_PCP_ver07.0", "JCM_MN_RoP_JC_ver02.0", "JCM_MN_F_MoC_ver02.0", "JCM_MN_GL_TPE_ver04.0"):
        assert RuleDocument.objects.get(code=code).status == RuleStatus.IN_FORCE
    # no source gives an effective date: none is invented; every document names its source
    assert not RuleDocument.objects.filter(joint_committee__partner__code="MN", effective_date__isnull=False).exists()
    assert not RuleDocument.objects.filter(joint_committee__partner__code="MN", source="").exists()


def test_committee_seats_tpe_and_other_partner_countries():
    seed()
    jc = JointCommittee.objects.get(partner__code="MN")
    co_chairs = jc.members.filter(role=MemberRole.CO_CHAIR)
    assert sorted(m.side for m in co_chairs) == [Side.JAPAN, Side.PARTNER]
    assert jc.members.filter(role=MemberRole.SECRETARY).count() == 2

    tpe = ThirdPartyEntity.objects.get(tpe_id="TPE-MN-9001")  # the demo's: four digits, fictitious
    assert tpe.joint_committee == jc and tpe.organization.is_fictitious
    assert sorted(s.number for s in tpe.scopes_validation.all()) == [1, 2, 3]
    # the real TPEs designated for Mongolia, with their source; TPE-MN-001 to 004 are not found: not loaded
    real = {t.tpe_id: t for t in ThirdPartyEntity.objects.filter(source__contains="jcm-mongolia.com")}
    assert sorted(real) == [f"TPE-MN-{n:03d}" for n in range(5, 15)]
    assert real["TPE-MN-014"].designated_on == datetime.date(2015, 9, 26)
    assert real["TPE-MN-009"].status == "withdrawn" and real["TPE-MN-005"].status == "withdrawn"
    assert sorted(s.number for s in real["TPE-MN-013"].scopes_validation.all()) == [1, 2, 3]
    assert not real["TPE-MN-014"].scopes_validation.exists()  # not in the source
    assert not ThirdPartyEntity.objects.filter(tpe_id__in=[f"TPE-MN-00{n}" for n in range(1, 5)]).exists()

    signed = dict(BilateralDocument.objects.values_list("country__code", "signed_on"))
    assert signed == {
        "MN": datetime.date(2013, 1, 8), "KE": datetime.date(2013, 6, 12), "KH": datetime.date(2014, 4, 11),
        "MX": datetime.date(2014, 7, 26), "PH": datetime.date(2017, 1, 12), "AZ": datetime.date(2022, 9, 5),
        "PG": datetime.date(2022, 11, 18), "UA": datetime.date(2024, 2, 19),
    }
    assert JointCommittee.objects.count() == 8


def test_at_least_one_demo_user_per_role_and_every_one_can_log_in():
    output = seed()
    for role in Role.values:
        holders = list(RoleAssignment.objects.filter(role=role).values_list("user__username", flat=True))
        assert holders, role
        for username in holders:
            assert username in output
            # django-axes needs the request (as the login page passes it)
            assert Client().login(request=HttpRequest(), username=username, password=DEMO_PASSWORD), username
    assert User.objects.get(username="demo-admin").is_superuser
    assert DEMO_PASSWORD in output


def test_ministry_token_is_printed_once_and_works():
    import re

    from rest_framework.test import APIClient

    output = seed()
    key = re.search(r"Authorization: Token ([\w-]+)'", output).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/").status_code == 200
    assert key not in seed()


def test_privileged_demo_users_get_a_second_factor_and_can_pass_it():
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    output = seed()
    for username in ("demo-admin", "secretariat", "registry-admin", "ministry-mn"):
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        secret = base64.b32encode(device.bin_key).decode()
        assert f"{username}: key {secret}" in output
        client = Client()
        client.post("/accounts/login/", {"username": username, "password": DEMO_PASSWORD})
        response = client.post("/accounts/second-factor/verify/", {"otp_token": f"{totp(device.bin_key):06d}",
                                                                    "next": "/"})
        assert response.status_code == 302, username
    assert not TOTPDevice.objects.filter(user__username="participant").exists()
    assert "█" in output or "▀" in output  # the QR codes, in the terminal


def test_every_record_is_written_by_a_service_with_an_audit_event():
    seed()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"committee.country.create", "committee.joint_committee.create", "committee.meeting.record",
            "committee.decision.record", "committee.rule_document.publish", "committee.tpe.designate",
            "committee.role.assign"} <= actions
    # the committee data is recorded by the demo administrator; the project cycle by the demo users who
    # play each role in it (participants, TPE, secretariat) and public comments by anonymous visitors
    demo_users = set(User.objects.values_list("username", flat=True))
    assert set(AuditEvent.objects.values_list("actor_name", flat=True)) <= demo_users | {"anonymous"}
    assert set(AuditEvent.objects.filter(action__startswith="committee.country").values_list(
        "actor_name", flat=True)) == {"demo-admin"}
    assert Decision.objects.get(reference="MN-JC01-01").recorded_by.username == "demo-admin"


def test_running_twice_changes_nothing_and_keeps_the_chain_intact():
    seed()
    counts = row_counts()
    events = AuditEvent.objects.count()
    output = seed()
    assert "nothing to do" in output
    assert row_counts() == counts
    assert AuditEvent.objects.count() == events
    checked, problems = verify_chain()
    assert problems == [] and checked == events


def test_refuses_production_settings_unless_forced(monkeypatch):
    monkeypatch.setenv("DJANGO_SETTINGS_MODULE", "jcm_registry.settings.production")
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not User.objects.filter(username="demo-admin").exists()
