"""The permission matrix over every project endpoint.

Actors: anonymous; a participant of the project (of its focal point) and of another project; an auditor of the
TPE assigned to the project and of another TPE; the secretariat of this Joint Committee and of another; the
ministry of this partner country and of another.

- reads: the actors allowed get 200; for the others the object does not exist (404), or a list leaves it out;
- writes: the actor allowed passes the permission check (any answer but 401/403/404: it may still be refused
  for the state the object is in); the others get 403, or 401 without credentials.

Every request runs in a savepoint that is rolled back, so all of them see the same world.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from projects import services
from projects.models import ChangeRequest, IssuanceRequest
from tests.conftest import client_for

from . import cycle

API = "/api/v1"
ACTORS = ("anonymous", "pp", "pp_other", "auditor", "other_auditor", "secretariat", "other_secretariat", "ministry",
          "other_ministry")
EVERYONE = set(ACTORS)
INSIDERS = {"pp", "auditor", "secretariat", "ministry"}  # the project's confidential circle
TODAY = datetime.date.today().isoformat()
DECISION = {"decided_on": (datetime.date.today() - datetime.timedelta(days=1)).isoformat(), "mode": "electronic"}


@dataclass
class World:
    mn001: object
    mn002: object
    p1: object  # verified, issuance requested
    p2: object  # submitted for verification (values from XLSX, with evidence)
    p3: object  # open, draft report
    issuance: IssuanceRequest
    change: ChangeRequest
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(registered, pp, tpe, auditor, secretariat, jc, solar, scope1, japanese_company, partner_company):
    p1 = cycle.verified_period(registered, pp=pp, tpe=tpe, auditor=auditor, values={"EG_i": {"Darkhan": "100"}})
    issuance = services.issuance_request_submit(actor=pp, period=p1)
    p2 = services.monitoring_period_create(actor=pp, project=registered, start_date=datetime.date(2025, 1, 1),
                                           end_date=datetime.date(2025, 6, 30))
    from .test_monitoring import _filled_workbook

    services.monitoring_report_upload(actor=pp, period=p2, file=_filled_workbook(p2, {("EG_i", "Darkhan"): "50"}))
    evidence = services.evidence_add(actor=pp, period=p2, file=cycle.pdf("meter.pdf"))
    services.monitoring_report_submit(actor=pp, period=p2, verification_tpe=tpe)
    p3 = services.monitoring_period_create(actor=pp, project=registered, start_date=datetime.date(2025, 7, 1),
                                           end_date=datetime.date(2025, 12, 31))
    services.monitoring_report_save(actor=pp, period=p3, values={"EG_i": {"Darkhan": "1"}})
    change = services.change_request_submit(actor=pp, project=registered, kind="renewal", description="Renew",
                                            new_crediting_end=datetime.date(2043, 12, 31))
    mn002 = cycle.create_project(pp, jc, version=solar, scope=scope1, japanese=japanese_company,
                                 partner=partner_company, title="Submitted, not yet public")
    mn002 = cycle.submit_pdd(mn002, pp=pp, tpe=tpe)
    w = World(registered, mn002, p1, p2, p3, issuance, change)
    w.ids = {"pdd": registered.pdds.get(status="submitted").pk, "validation": registered.validation_reports.get().pk,
             "verification": p1.verification_reports.get().pk, "report2": p2.reports.get().pk,
             "evidence": evidence.pk}
    return w


@pytest.fixture
def clients(people):
    users = {"anonymous": None, **people}
    return {name: client_for(users[name]) for name in ACTORS}


@dataclass
class Read:
    url: str
    allowed: set[str]
    # for lists: which actors see a non-empty list (others get 200 and an empty one); None: 200/404 by object
    listed: set[str] | None = None


@dataclass
class Write:
    method: str
    url: str
    allowed: str
    body: Callable[[], dict] = dict
    multipart: bool = False


def reads(w: World) -> list[Read]:
    p, q = "/projects/MN001", "/projects/MN002"
    return [
        Read("/projects/", EVERYONE),
        Read(f"{p}/", EVERYONE),
        Read(f"{q}/", INSIDERS),  # submitted: the participants, the chosen TPE, the secretariat, the ministry
        Read(f"{p}/pdd/", EVERYONE),
        Read(f"{p}/comments/", EVERYONE),
        Read(f"{p}/validation-reports/", EVERYONE),
        Read(f"{p}/moc/", EVERYONE, listed=INSIDERS),
        Read(f"{p}/allocations/", EVERYONE, listed=INSIDERS),
        Read(f"{p}/change-requests/", EVERYONE, listed=INSIDERS),  # a pending request is confidential
        Read(f"{p}/monitoring-periods/", EVERYONE),
        Read("/monitoring-periods/", EVERYONE),
        Read(f"/monitoring-periods/{w.p1.pk}/", EVERYONE),
        Read(f"/monitoring-periods/{w.p1.pk}/reports/", EVERYONE),
        Read(f"/monitoring-periods/{w.p3.pk}/reports/", EVERYONE, listed=INSIDERS),  # a draft report
        Read(f"/monitoring-periods/{w.p1.pk}/workbook/", EVERYONE),
        Read("/monitoring-reports/", EVERYONE),
        Read(f"/monitoring-reports/{w.ids['report2']}/", EVERYONE),
        Read(f"/monitoring-reports/{w.ids['report2']}/source-file/", INSIDERS),
        Read("/monitoring-evidence/", EVERYONE, listed=INSIDERS),
        Read(f"/monitoring-evidence/{w.ids['evidence']}/", INSIDERS),
        Read(f"/monitoring-evidence/{w.ids['evidence']}/file/", INSIDERS),
        Read("/issuance-requests/", EVERYONE),
        Read(f"/issuance-requests/{w.issuance.pk}/", EVERYONE),
        Read("/project-change-requests/", EVERYONE, listed=INSIDERS),
        Read(f"/project-change-requests/{w.change.pk}/", INSIDERS),
        Read("/project-pdds/", EVERYONE),
        Read(f"/project-pdds/{w.ids['pdd']}/", EVERYONE),
        Read(f"/project-pdds/{w.ids['pdd']}/public-file/", EVERYONE),
        Read(f"/project-pdds/{w.ids['pdd']}/confidential-file/", INSIDERS),
        Read("/project-validation-reports/", EVERYONE),
        Read(f"/project-validation-reports/{w.ids['validation']}/", EVERYONE),
        Read(f"/project-validation-reports/{w.ids['validation']}/file/", EVERYONE),
        Read("/project-verification-reports/", EVERYONE),
        Read(f"/project-verification-reports/{w.ids['verification']}/", EVERYONE),
        Read(f"/project-verification-reports/{w.ids['verification']}/file/", EVERYONE),
    ]


def writes(w: World, japanese, partner, solar) -> list[Write]:
    p, q = "/projects/MN001", "/projects/MN002"
    p1, p2, p3 = (f"/monitoring-periods/{x.pk}" for x in (w.p1, w.p2, w.p3))
    from .test_api import project_body

    return [
        Write("post", "/projects/", "pp", lambda: project_body(japanese, partner)),
        Write("patch", f"{q}/", "pp", lambda: {"title": "Renamed"}),
        Write("post", f"{q}/pdd/", "pp", lambda: {"public_file": cycle.pdf()}, multipart=True),
        Write("post", f"{q}/submit-pdd/", "pp"),
        Write("post", f"{q}/return-pdd/", "auditor", lambda: {"reason": "Annex missing"}),
        Write("post", f"{q}/request-publication/", "auditor"),
        Write("post", f"{q}/publish/", "secretariat"),
        Write("post", f"{q}/choose-tpe/", "pp", lambda: {"tpe": "TPE-MN-001"}),
        Write("post", f"{q}/start-validation/", "pp"),
        Write("post", f"{q}/validation-reports/", "auditor",
              lambda: {"conclusion": "positive", "report_date": TODAY}),
        Write("post", f"{p}/request-registration/", "pp"),
        Write("post", f"{p}/withdraw-registration-request/", "pp"),
        Write("post", f"{p}/register/", "secretariat", lambda: dict(DECISION)),
        Write("post", f"{p}/reject/", "secretariat", lambda: {**DECISION, "reason": "No"}),
        Write("post", f"{p}/withdraw/", "pp", lambda: {"reason": "Stop"}),
        Write("post", f"{p}/moc/", "pp", lambda: {"focal_point": japanese.pk, "primary_signatory": {"name": "A"},
                                                  "alternate_signatory": {"name": "B"}}),
        Write("post", f"{p}/moc-annex/", "pp", lambda: {"kind": "contact_change", "contacts": [{"name": "C"}]}),
        Write("post", f"{p}/allocations/", "pp", lambda: {"shares": [{"party": "japan_government",
                                                                      "percent": "100"}]}),
        Write("post", f"{p}/change-requests/", "pp", lambda: {"kind": "post_registration_change",
                                                              "description": "Capacity",
                                                              "changes": {"expected_annual_reductions": 9500}}),
        Write("post", f"{p}/monitoring-periods/", "pp", lambda: {"start_date": "2026-01-01",
                                                                 "end_date": "2026-06-30"}),
        Write("post", f"{p3}/values/", "pp", lambda: {"values": {"EG_i": {"Darkhan": "2"}}}),
        Write("post", f"{p3}/upload/", "pp", lambda: {"file": SimpleUploadedFile("x.xlsx", b"PK\x03\x04")},
              multipart=True),
        Write("post", f"{p3}/evidence/", "pp", lambda: {"file": cycle.pdf()}, multipart=True),
        Write("post", f"{p3}/submit/", "pp", lambda: {"verification_tpe": "TPE-MN-001"}),
        Write("post", f"{p2}/verification/", "auditor",
              lambda: {"conclusion": "positive", "verified_reductions": 45, "report_date": TODAY}),
        Write("post", f"{p1}/request-issuance/", "pp"),
        Write("post", f"/issuance-requests/{w.issuance.pk}/withdraw/", "pp"),
        Write("post", f"/issuance-requests/{w.issuance.pk}/decide/", "secretariat", lambda: {**DECISION, "amount": 90}),
        Write("post", f"/issuance-requests/{w.issuance.pk}/reject/", "secretariat",
              lambda: {**DECISION, "reason": "No"}),
        Write("post", f"/project-change-requests/{w.change.pk}/withdraw/", "pp"),
        Write("post", f"/project-change-requests/{w.change.pk}/approve/", "secretariat", lambda: dict(DECISION)),
        Write("post", f"/project-change-requests/{w.change.pk}/reject/", "secretariat",
              lambda: {**DECISION, "reason": "No"}),
        Write("delete", f"/monitoring-evidence/{w.ids['evidence']}/", "pp"),
    ]


def _isolated(call):
    """Make the request inside a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def test_reads(world, clients):
    problems = []
    for read in reads(world):
        for actor in ACTORS:
            response = _isolated(lambda read=read, actor=actor: clients[actor].get(f"{API}{read.url}"))
            if actor not in read.allowed:
                if response.status_code != 404:
                    problems.append(f"GET {read.url} as {actor}: {response.status_code}, expected 404")
                continue
            if response.status_code != 200:
                problems.append(f"GET {read.url} as {actor}: {response.status_code}, expected 200")
                continue
            if read.listed is not None:
                count = response.json()["count"]
                if (count > 0) != (actor in read.listed):
                    problems.append(f"GET {read.url} as {actor}: {count} rows, expected "
                                    f"{'some' if actor in read.listed else 'none'}")
    assert not problems, "\n".join(problems)


def test_project_list_shows_the_submitted_project_to_insiders_only(world, clients):
    for actor in ACTORS:
        ids = {p["project_id"] for p in clients[actor].get(f"{API}/projects/").json()["results"]}
        assert ids == ({"MN001", "MN002"} if actor in INSIDERS else {"MN001"}), actor


def test_writes(world, clients, japanese_company, partner_company, solar):
    problems = []
    for write in writes(world, japanese_company, partner_company, solar):
        for actor in ACTORS:
            def call(write=write, actor=actor):
                method = getattr(clients[actor], write.method)
                return method(f"{API}{write.url}", write.body(), format="multipart" if write.multipart else "json")

            status = _isolated(call).status_code
            if actor == write.allowed:
                if status in (401, 403, 404):
                    problems.append(f"{write.method.upper()} {write.url} as {actor}: {status}, expected to pass")
            elif status != (401 if actor == "anonymous" else 403):
                problems.append(f"{write.method.upper()} {write.url} as {actor}: {status}, expected "
                                f"{401 if actor == 'anonymous' else 403}")
    assert not problems, "\n".join(problems)


def test_anyone_may_comment_while_public_input_is_open(public_project, clients):
    for actor in ACTORS:
        response = _isolated(lambda actor=actor: clients[actor].post(
            f"{API}/projects/MN001/comments/", {"name": actor, "email": "c@example.org", "text": "A comment"},
            format="json"))
        assert response.status_code == 201, (actor, response.json())


@pytest.fixture
def public_project(draft, pp, secretariat, tpe, auditor):
    project = cycle.submit_pdd(draft, pp=pp, tpe=tpe)
    project = services.pdd_publication_request(actor=auditor, project=project)
    return services.pdd_publish(actor=secretariat, project=project)
