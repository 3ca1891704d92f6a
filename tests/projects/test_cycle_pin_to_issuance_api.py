"""The cycle from the PIN to credits in the accounts on a fictitious project, through the REST API only, each
actor with its own hashed, scoped API token (issue 11): PIN submitted and accepted, PDD to the TPE,
publication, validation, registration, a monitoring period in the past, its report and verification, the
issuance request, the Joint Committee's decision, and the issuance in Japan's registry proposed by one
registry administrator and approved by a second one.

Two writes are outside the API, both as documented: the project is created by ``project_create`` with
``is_fictitious`` (only the demo sets that flag; no form or API offers it), and time passes for the public
input period with ``let_public_input_close`` (the period is moved back, no future date is used)."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

from django.utils import timezone

from committee.choices import Role
from credits import services as credit_services
from credits.choices import AccountType
from credits.models import Account, Issuance
from projects import services
from projects.choices import ParticipantSide
from tests import factories as f
from tests.conftest import client_for

from . import cycle
from .test_api import API, let_public_input_close, ok


def test_pin_to_issuance_of_a_fictitious_project_through_the_api(
        solar, pp, secretariat, auditor, tpe, japanese_company, partner_company, registry_admin, japan, mongolia,
        sysadmin, jc, scope1):
    # the registry of Japan with the accounts the split credits go to (set up by the system administrator and the
    # registry's administrator)
    registry = credit_services.registry_open(actor=sysadmin, country=japan, name="JCM Registry of Japan")
    government = credit_services.account_open(actor=registry_admin, registry=registry,
                                              type=AccountType.GOVERNMENT_HOLDING, name="Government of Japan")
    company = credit_services.account_open(actor=registry_admin, registry=registry,
                                           type=AccountType.PARTICIPANT_HOLDING, name=japanese_company.name,
                                           holder=japanese_company)
    second_admin = f.make_user("registry_jp_2", Role.REGISTRY_ADMIN, country=japan)

    project = services.project_create(
        actor=pp, joint_committee=jc, title="Demo Solar PV (fictitious project)", sectoral_scope=scope1,
        methodology_versions=[solar],
        participants=[{"organization": japanese_company, "side": ParticipantSide.JAPANESE},
                      {"organization": partner_company, "side": ParticipantSide.PARTNER}],
        focal_point=japanese_company,
        sites=[{"name": "Demo site", "latitude": Decimal("49.486"), "longitude": Decimal("105.922")}],
        expected_annual_reductions=9000, start_of_operation=datetime.date(2023, 12, 1),
        crediting_start=cycle.CREDITING_START, crediting_end=cycle.CREDITING_END, is_fictitious=True)
    code = project.project_id
    assert code == "MN9001"

    participant, sec, tpe_client = client_for(pp), client_for(secretariat), client_for(auditor)
    admin, admin2, public = client_for(registry_admin), client_for(second_admin), client_for(None)
    url = f"{API}/projects/{code}"
    assert ok(participant.get(f"{url}/"))["is_fictitious"] is True

    # the Project Idea Note, accepted by the secretariat
    pin = ok(participant.post(f"{API}/project-forms/", {"project": code, "kind": "pin", "title": "Demo PIN",
                                                         "content": "Demo content of a fictitious project."},
                              format="json"), 201)
    assert ok(sec.post(f"{API}/project-forms/{pin['id']}/accept/", {}, format="json"))["status"] == "accepted"

    # the PDD with the MoC to the chosen TPE; publication; public input (then time passes)
    answers = [{"criterion": c.pk, "meets": True, "justification": "See section B."} for c in solar.criteria.all()]
    ok(participant.post(f"{url}/pdd/", {"public_file": cycle.pdf("pdd.pdf"), "confidential_file": cycle.pdf(),
                                        "answers": json.dumps(answers)}, format="multipart"))
    ok(participant.post(f"{url}/choose-tpe/", {"tpe": tpe.tpe_id}, format="json"))
    moc = {"focal_point": japanese_company.pk, "primary_signatory": {"name": "Taro Yamada"},
           "alternate_signatory": {"name": "Hanako Sato"}, "tpes": [tpe.tpe_id],
           "contacts": [{"name": "Bat", "email": "bat@example.mn"}]}
    ok(participant.post(f"{url}/moc/", moc, format="json"), 201)
    # Mongolia's rules: the SD contribution plan goes with the PDD
    refused = participant.post(f"{url}/submit-pdd/")
    assert refused.status_code == 400 and "sd_plan" in refused.json()["errors"]
    ok(participant.post(f"{API}/project-forms/", {"project": code, "kind": "sd_plan", "title": "Demo SD plan",
                                                   "content": "Demo content of a fictitious project."},
                        format="json"), 201)
    assert ok(participant.post(f"{url}/submit-pdd/"))["status"] == "pdd_submitted"
    assert ok(tpe_client.post(f"{url}/request-publication/"))["status"] == "publication_requested"
    assert ok(sec.post(f"{url}/publish/"))["status"] == "public_input"
    let_public_input_close(code)

    # validation and registration
    assert ok(participant.post(f"{url}/start-validation/"))["status"] == "under_validation"
    today = timezone.localdate()
    ok(tpe_client.post(f"{url}/validation-reports/", {"conclusion": "positive", "report_date": today.isoformat(),
                                                      "file": cycle.pdf("validation.pdf")}, format="multipart"), 201)
    ok(participant.post(f"{url}/moc/", moc, format="json"), 201)
    ok(participant.post(f"{url}/allocations/", {"shares": [
        {"party": "japan_government", "percent": "10"}, {"party": "partner_government", "percent": "40"},
        {"party": "participant", "organization": japanese_company.pk, "registry": "japan", "percent": "25"},
        {"party": "participant", "organization": partner_company.pk, "registry": "partner", "percent": "25"},
    ]}, format="json"), 201)
    assert ok(participant.post(f"{url}/request-registration/"))["status"] == "registration_requested"
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert ok(sec.post(f"{url}/register/", {"decided_on": yesterday, "mode": "electronic"},
                       format="json"))["status"] == "registered"

    # a monitoring period that is over, its report, the verification
    period = ok(participant.post(f"{url}/monitoring-periods/", {"start_date": "2024-01-01",
                                                                 "end_date": "2024-12-31"}, format="json"), 201)
    purl = f"{API}/monitoring-periods/{period['id']}"
    ok(participant.post(f"{purl}/values/", data=b'{"values": {"EG_i": {"Demo site": 1000}}}',
                        content_type="application/json"))
    submitted = ok(participant.post(f"{purl}/submit/", {"verification_tpe": tpe.tpe_id}, format="json"))
    assert submitted["report"]["reported_reductions"] == 900
    ok(tpe_client.post(f"{purl}/verification/", {"conclusion": "positive", "verified_reductions": 900,
                                                 "report_date": today.isoformat()}, format="json"), 201)

    # the issuance request and the Joint Committee's decision
    issuance_request = ok(participant.post(f"{purl}/request-issuance/"), 201)
    decided = ok(sec.post(f"{API}/issuance-requests/{issuance_request['id']}/decide/",
                          {"amount": 900, "decided_on": yesterday, "mode": "electronic"}, format="json"))
    assert decided["status"] == "decided"

    # Japan's registry issues its share: proposed by one administrator, approved by a second
    proposed = ok(admin.post(f"{API}/issuances/", {"issuance_request": issuance_request["id"], "registry": "JP"},
                             format="json"), 202)
    assert proposed["status"] == "proposed" and not Issuance.objects.exists()
    assert admin.post(f"{API}/transactions/{proposed['id']}/approve/").status_code in (403, 409)
    ok(admin2.post(f"{API}/transactions/{proposed['id']}/approve/"))

    issuance = Issuance.objects.get()
    assert (issuance.project_code, issuance.vintage) == (code, 2024)
    assert issuance.vintage <= today.year
    balances = dict(Account.objects.filter(pk__in=[government.pk, company.pk]).values_list("type", "balance"))
    assert balances == {AccountType.GOVERNMENT_HOLDING: 90, AccountType.PARTICIPANT_HOLDING: 225}
    assert issuance.quantity == 90 + 225
    # the public sees the fictitious project's credits labelled on the issuance's page
    assert "fictitious" in public.get(f"/registry/transactions/{issuance.transaction_id}/").content.decode()
