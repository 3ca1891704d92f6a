"""Bad input never makes the REST API answer 5xx: it gets a clear 4xx, and nothing is half-written.

Driven by the OpenAPI schema that drf-spectacular generates: every write operation (POST/PUT/PATCH/DELETE)
on every path gets a battery of bad bodies, sent by a system administrator (who passes every actor check,
so the input reaches the service) and by an ordinary project participant:

- empty body, non-object JSON (list, string, number, null), malformed JSON, JSON nested too deep, bytes that
  are not UTF-8, an unsupported content type;
- a plausible body (required fields filled with real objects of the world) with one declared field at a
  time replaced by a wrong value for its type: a string where a number is expected, an object where a string
  is, huge and negative numbers, NaN/Infinity, overlong strings, a NUL character, impossible dates
  ("2024-02-30") and dates at the edge of the calendar, nonexistent keys, unknown choice values, and the same
  one level down in lists of objects (sites, participants, shares, ...);
- multipart bodies with junk files where the operation takes a file;
- path parameters naming an object that does not exist, or that cannot be an id.

List endpoints get junk query parameters: filters of the wrong type, bad pages and page sizes, ordering by
unknown fields, searches with NUL characters.

Each request runs in a savepoint that is rolled back, so the battery of one operation starts from the same
world. Checked for every answer: status < 500; a 400 is JSON with the project's error shape
(``{"detail": message, "code": ..., "errors": {field: [messages]}}``, see core/api/exceptions.py);
and a refused request (4xx) wrote no audit event, i.e. nothing of the action was kept.

The world (committee, methodologies, projects at each step of the cycle, registries, accounts, credits,
notifications, webhooks) is built once per module through the real services, in a transaction that is
rolled back at the end.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import traceback
import uuid
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from committee import services as committee_services
from committee.choices import DecisionKind, DecisionMode, OrganizationKind, Role, RuleKind, Side
from committee.models import SectoralScope
from core.models import AuditEvent
from credits import services as credit_services
from credits.choices import AccountType, TransactionKind
from methodologies import services as methodology_services
from notifications import services as notifications
from notifications import webhooks
from projects import services as project_services
from projects.choices import ChangeRequestKind
from tests import factories as f
from tests.methodologies.conftest import submit as methodology_submit
from tests.projects import cycle

API = "/api/v1"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
ROOT = Path(__file__).resolve().parent.parent


# --- the schema --------------------------------------------------------------------------------------------

def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


SCHEMA = _schema()
COMPONENTS = SCHEMA["components"]["schemas"]
WRITE_METHODS = ("post", "put", "patch", "delete")


def resolve(schema: dict) -> dict:
    """The schema with $ref, single allOf and nullable oneOf resolved to the thing itself."""
    while True:
        if "$ref" in schema:
            schema = COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = {**{k: v for k, v in schema.items() if k != "allOf"}, **resolve(schema["allOf"][0])}
        elif "oneOf" in schema:
            options = [resolve(o) for o in schema["oneOf"]]
            usable = [o for o in options if o.get("enum") not in ([""], [None]) and o.get("maxLength") != 0]
            schema = usable[0] if usable else options[0]
        else:
            return schema


def write_operations() -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, ops in SCHEMA["paths"].items() for method, op in ops.items()
            if method in WRITE_METHODS]


def list_operations() -> list[tuple[str, dict]]:
    """GET operations on a collection (the path does not end with a path parameter) that answer a list or
    take query parameters (filters, search, ordering, pages)."""
    found = []
    for path, ops in SCHEMA["paths"].items():
        op = ops.get("get")
        if op is None or path.rstrip("/").endswith("}"):
            continue
        content = op.get("responses", {}).get("200", {}).get("content", {}).get(JSON, {})
        schema = resolve(content.get("schema", {})) if content else {}
        if schema.get("type") == "array" or "results" in schema.get("properties", {}) or any(
                p["in"] == "query" for p in op.get("parameters", [])):
            found.append((path, op))
    return found


def body_schema(op: dict, content_type: str = JSON) -> dict | None:
    content = op.get("requestBody", {}).get("content", {})
    media = content.get(content_type) or (content.get("multipart/form-data") if content_type == JSON else None)
    if media is None:
        return None
    return resolve(media["schema"])


def writable(schema: dict) -> dict[str, dict]:
    return {name: prop for name, prop in schema.get("properties", {}).items()
            if not prop.get("readOnly") and not resolve(prop).get("readOnly")}


def is_binary(prop: dict) -> bool:
    return resolve(prop).get("format") == "binary"


# --- the world -----------------------------------------------------------------------------------------------

def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    return cycle.pdf(name)


def build_world() -> SimpleNamespace:
    """Everything the API can address, each workflow object at the step where its actions are allowed."""
    from committee.models import Country as CountryModel
    from committee.reference import ensure_reference_data

    ensure_reference_data(CountryModel, SectoralScope)
    w = SimpleNamespace()
    japan = f.japan()
    mongolia = f.CountryFactory(code="MN", name="Mongolia", name_ja="モンゴル")
    f.CountryFactory(code="KH", name="Cambodia")
    f.CountryFactory(code="PH", name="Philippines")
    jc = f.JointCommitteeFactory(partner=mongolia)
    scope1, scope3 = f.scope(1), f.scope(3)
    w.jc, w.mongolia, w.japan = jc, mongolia, japan

    # people
    w.sysadmin = f.UserFactory(username="sysadmin", is_superuser=True, is_staff=True)
    secretariat = f.make_user("sec_mn", Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)
    japanese = f.OrganizationFactory(name="Nippon Solar K.K.", kind=OrganizationKind.COMPANY, country=japan)
    partner = f.OrganizationFactory(name="Darkhan Energy LLC", kind=OrganizationKind.COMPANY, country=mongolia)
    w.japanese, w.partner = japanese, partner
    w.pp = f.make_user("pp_focal", Role.PROJECT_PARTICIPANT, organization=japanese)
    pp = w.pp
    ministry = f.make_user("ministry_mn", Role.MINISTRY_API, country=mongolia)
    w.ministry = ministry
    w.moe = f.OrganizationFactory(name="Ministry of the Environment", short_name="MOE",
                                  kind=OrganizationKind.MINISTRY, country=japan)
    tpe_org = f.OrganizationFactory(name="Good Verification Ltd.", kind=OrganizationKind.TPE, country=None)
    w.tpe = committee_services.tpe_designate(
        actor=w.sysadmin, joint_committee=jc, organization=tpe_org, designated_on=datetime.date(2014, 1, 15),
        scopes_validation=[scope1, scope3], scopes_verification=[scope1, scope3], number=1)
    auditor = f.make_user("auditor", Role.TPE_AUDITOR, organization=tpe_org)

    # committee
    w.member = committee_services.member_appoint(
        actor=secretariat, joint_committee=jc, side=Side.JAPAN, name="Taro Yamada", organization=w.moe,
        role="member", start_date=datetime.date(2014, 1, 1))
    w.meeting = committee_services.meeting_record(actor=secretariat, joint_committee=jc,
                                                  date=datetime.date(2024, 4, 11), city="Ulaanbaatar",
                                                  publish=False)
    w.decision = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 4, 11), mode=DecisionMode.MEETING,
        meeting=w.meeting, kind=DecisionKind.ADOPT_RULES, title="Adoption of the rules", publish=False)
    w.rule = committee_services.rule_document_publish(
        actor=secretariat, joint_committee=jc, kind=RuleKind.PCP, version="ver01.0",
        title="Project Cycle Procedure", effective_date=datetime.date(2014, 1, 1), file=pdf("pcp.pdf"))

    # methodologies, one at each step
    w.solar = cycle.approved_version(w.sysadmin, jc, title="Installation of Solar PV System", scope=scope1,
                                     content=cycle.solar_content(), approved="MN_AM003")
    w.approved = w.solar.methodology
    w.submitted = methodology_submit(pp, jc, title="Submitted proposal")
    w.public_input = methodology_services.methodology_accept_complete(
        actor=secretariat, methodology=methodology_submit(pp, jc, title="Proposal in public input"))
    w.comment = methodology_services.comment_submit(actor=None, methodology=w.public_input, name="Commenter",
                                                    email="c@example.org", text="A public comment.")
    considered = methodology_services.methodology_accept_complete(
        actor=secretariat, methodology=methodology_submit(pp, jc, title="Proposal in consideration"))
    w.consideration = methodology_services.methodology_close_public_input(
        actor=secretariat, methodology=considered, now=considered.public_input_closes_at)
    returned = methodology_services.methodology_accept_complete(
        actor=secretariat, methodology=methodology_submit(pp, jc, title="Proposal returned for revision"))
    returned = methodology_services.methodology_close_public_input(
        actor=secretariat, methodology=returned, now=returned.public_input_closes_at)
    w.returned = methodology_services.methodology_request_revision(actor=secretariat, methodology=returned,
                                                                   reason="Revise the formulas.")
    boiler = cycle.approved_version(w.sysadmin, jc, title="High-efficiency heat-only boilers", scope=scope3,
                                    content=cycle.boiler_content(), approved="MN_AM002")
    w.revision = methodology_services.revision_request(actor=w.sysadmin, methodology=boiler.methodology,
                                                       kind="minor", reason="Update the default factor.",
                                                       content=cycle.boiler_content())

    # projects, one at each step of the cycle
    def project(title):
        return cycle.create_project(pp, jc, version=w.solar, scope=scope1, japanese=japanese, partner=partner,
                                    title=title)

    people = {"pp": pp, "secretariat": secretariat}
    w.draft = project("Draft project")
    cycle.fill_pdd(pp, w.draft)
    w.pdd_submitted = cycle.submit_pdd(project("Submitted PDD"), pp=pp, tpe=w.tpe)
    w.publication_requested = project_services.pdd_publication_request(
        actor=auditor, project=cycle.submit_pdd(project("Publication requested"), pp=pp, tpe=w.tpe))
    w.open_input = project_services.pdd_publish(
        actor=secretariat, project=project_services.pdd_publication_request(
            actor=auditor, project=cycle.submit_pdd(project("Open"), pp=pp, tpe=w.tpe)))
    w.closed_input = cycle.to_public_input(project("Public input closed"), tpe=w.tpe, **people)
    w.validating = cycle.to_public_input(project("Validating"), tpe=w.tpe, **people)
    w.validating = project_services.validation_start(actor=pp, project=w.validating)
    w.validated = cycle.to_validated(project("Validated"), auditor=auditor, tpe=w.tpe, **people)
    cycle.moc_and_allocation(w.validated, pp=pp, japanese=japanese, partner=partner, tpe=w.tpe)
    requested = cycle.to_validated(project("Registration requested"), auditor=auditor, tpe=w.tpe, **people)
    cycle.moc_and_allocation(requested, pp=pp, japanese=japanese, partner=partner, tpe=w.tpe)
    w.requested = project_services.registration_request(actor=pp, project=requested)

    w.registered = cycle.to_registered(project("Registered"), auditor=auditor, tpe=w.tpe, japanese=japanese,
                                       partner=partner, **people)
    values = {"EG_i": {"Darkhan": "1000"}}
    decided_period = cycle.verified_period(w.registered, pp=pp, tpe=w.tpe, auditor=auditor, values=values,
                                           end=datetime.date(2024, 3, 31))
    decided = project_services.issuance_request_submit(actor=pp, period=decided_period)
    w.decided_request = project_services.issuance_decide(actor=secretariat, request=decided,
                                                         amount=decided.requested_amount, decision=cycle.decision())
    w.verified_period = cycle.verified_period(w.registered, pp=pp, tpe=w.tpe, auditor=auditor, values=values,
                                              start=datetime.date(2024, 4, 1), end=datetime.date(2024, 6, 30))
    pending_period = cycle.verified_period(w.registered, pp=pp, tpe=w.tpe, auditor=auditor, values=values,
                                           start=datetime.date(2024, 7, 1), end=datetime.date(2024, 9, 30))
    w.pending_request = project_services.issuance_request_submit(actor=pp, period=pending_period)
    w.submitted_period = cycle.submitted_period(w.registered, pp=pp, tpe=w.tpe, values=values,
                                                start=datetime.date(2024, 10, 1), end=datetime.date(2024, 12, 31))
    w.draft_period = project_services.monitoring_period_create(actor=pp, project=w.registered,
                                                               start_date=datetime.date(2025, 1, 1),
                                                               end_date=datetime.date(2025, 3, 31))
    project_services.monitoring_report_save(actor=pp, period=w.draft_period, values=values)
    w.evidence = project_services.evidence_add(actor=pp, period=w.draft_period, file=pdf("meter.pdf"),
                                               parameter="EG_i")
    w.change_request = project_services.change_request_submit(
        actor=pp, project=w.registered, kind=ChangeRequestKind.POST_REGISTRATION_CHANGE,
        description="A second inverter.", changes={"description": "Two inverters."})

    # registries, accounts, credits
    jp = credit_services.registry_open(actor=w.sysadmin, country=japan, name="Japan JCM Registry")
    mn = credit_services.registry_open(actor=w.sysadmin, country=mongolia, name="Mongolia JCM Registry",
                                       operated_by=japan)
    regadmin = f.make_user("regadmin_jp", Role.REGISTRY_ADMIN, country=japan)
    open_ = credit_services.account_open
    w.account = open_(actor=regadmin, registry=jp, type=AccountType.PARTICIPANT_HOLDING, name="Nippon Solar K.K.",
                      holder=japanese, representatives=[pp], requires_approval=True)
    w.other_account = open_(actor=regadmin, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                            name="Another company", holder=partner)
    gov_reps = [f.make_user("gov_jp_a"), f.make_user("gov_jp_b")]  # only representatives move its credits
    w.gov_account = open_(actor=regadmin, registry=jp, type=AccountType.GOVERNMENT_HOLDING,
                          name="Government of Japan", representatives=gov_reps)
    w.retirement_account = open_(actor=regadmin, registry=jp, type=AccountType.RETIREMENT,
                                 name="Japan retirement account")
    w.mn_account = open_(actor=f.make_user("regadmin_mn", Role.REGISTRY_ADMIN, country=mongolia), registry=mn, type=AccountType.GOVERNMENT_HOLDING,
                         name="Government of Mongolia")
    issuance_decision = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 3, 1), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.ISSUE_CREDITS, title="Issuance MN001/01", subject_label="MN001 period 1")
    for account in (w.account, w.gov_account):
        credit_services.issue(actor=regadmin, registry=jp, decision=issuance_decision, project_code="MN001",
                              monitoring_period_number=1 if account == w.account else 2,
                              monitoring_period_key=f"MN001/{account.pk:02d}", vintage=2023,
                              shares=[credit_services.Share(account, 1000)], decided_quantity=1000)
    w.proposed_txn = credit_services.transaction_initiate(
        actor=pp, kind=TransactionKind.TRANSFER, from_account=w.account, to_account=w.other_account, quantity=10)
    w.completed_txn = credit_services.transaction_approve(actor=gov_reps[1], txn=credit_services.transaction_initiate(
        actor=gov_reps[0], kind=TransactionKind.TRANSFER, from_account=w.gov_account, to_account=w.other_account,
        quantity=10))  # a government account's transactions all need a second representative's approval

    # notifications and webhooks
    for user in (w.sysadmin, pp):
        notifications.notify(recipients=[user], kind="projects.registered", key=f"robust:{user.pk}",
                             subject="Registered", url="/projects/")
    w.notification_of = {u.pk: u.notifications.first() for u in (w.sysadmin, pp)}
    w.preference_of = {u.pk: notifications.preference_set(actor=u, scope="credits", email=False)
                       for u in (w.sysadmin, pp)}
    w.endpoint = webhooks.webhook_endpoint_create(actor=ministry, country=mongolia,
                                                  url="https://megd.example.mn/jcm")
    webhooks.event_deliveries_create(event="projects.registered", payload={"project": w.registered.pk})
    from notifications.models import WebhookDelivery

    w.delivery = WebhookDelivery.objects.filter(endpoint=w.endpoint).first()

    # the monitoring spreadsheets, as the registry hands them out to be filled in
    from methodologies import selectors as methodology_selectors
    from projects import selectors as project_selectors

    w.workbooks = {"monitoring-periods/upload": project_selectors.monitoring_workbook(w.draft_period)[1],
                   "methodology-versions/read-spreadsheet": methodology_selectors.monitoring_workbook(w.solar)}
    return w


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


WORKBOOK_JUNK = [("NaN", "NaN"), ("Infinity", "Infinity"), ("1e400", "1e400"), ("huge", "1" + "0" * 30),
                 ("negative", "-1"), ("formula", "=1/0"), ("date", datetime.datetime(2024, 2, 29)), ("bool", True),
                 ("text", "about a thousand"), ("float", 1e308)]


def junk_workbooks(data: bytes) -> list[tuple[str, SimpleUploadedFile]]:
    """The registry's workbook with every Value cell filled with junk, as a careless participant would."""
    from openpyxl import load_workbook

    from methodologies.spreadsheet import HEADER_ROW, PLAN_SHEET, VALUE_COLUMN

    found = []
    for label, value in WORKBOOK_JUNK:
        workbook = load_workbook(io.BytesIO(data))
        sheet = workbook[PLAN_SHEET]
        for row in range(HEADER_ROW + 1, sheet.max_row + 1):
            sheet.cell(row=row, column=VALUE_COLUMN, value=value)
        buffer = io.BytesIO()
        workbook.save(buffer)
        found.append((f"workbook with {label}", SimpleUploadedFile("monitoring.xlsx", buffer.getvalue(),
                                                                   content_type=XLSX)))
    return found


def plausible_file(world, path: str) -> SimpleUploadedFile:
    """The file an operation expects: the registry's own workbook where it reads one, else a small PDF."""
    workbook = world.workbooks.get(_resource(path))
    if workbook is not None:
        return SimpleUploadedFile("monitoring.xlsx", workbook, content_type=XLSX)
    return pdf()


def _filled(project, pp):
    cycle.fill_pdd(pp, project)
    return project


# --- plausible values and path parameters ----------------------------------------------------------------

def hints(w: SimpleNamespace, path: str) -> dict:
    """A plausible value for fields that name objects of the world, so that one bad field is the only problem."""
    content = cycle.solar_content()
    org = w.japanese.pk
    return {
        "joint_committee": "MN", "country": "MN", "partner": "PH", "registry": "JP", "code": "ZZ",
        "organization": w.moe.pk if "committee-members" in path or "tpes" in path else org,
        "focal_point": org, "holder": org, "proponent_organization": org,
        "user": "pp_focal", "representatives": ["pp_focal"],
        "tpe": w.tpe.tpe_id, "verification_tpe": w.tpe.tpe_id, "tpes": [w.tpe.tpe_id],
        "sectoral_scope": 1, "scopes_validation": [1], "scopes_verification": [1],
        "methodology_versions": [str(w.solar.pk)], "methodology_version": str(w.solar.pk),
        "decision": w.decision.pk, "adopted_by": w.decision.pk, "attendees": [w.moe.pk],
        "issuance_request": w.decided_request.pk,
        "from_account": w.account.number, "to_account": w.other_account.number,
        "participants": [{"organization": org, "side": "japanese"},
                         {"organization": w.partner.pk, "side": "partner"}],
        "sites": [{"name": "Darkhan", "latitude": "49.486", "longitude": "105.922"}],
        "shares": [{"party": "japan_government", "percent": "50"}, {"party": "partner_government", "percent": "50"}],
        "values": {"EG_i": {"Darkhan": "1000"}},
        "findings": [], "answers": [], "ex_ante_values": {}, "contacts": [],
        "primary_signatory": {"name": "Taro Yamada", "title": "Director"},
        "alternate_signatory": {"name": "Hanako Sato"},
        "criteria": list(content.criteria), "parameters": json.loads(json.dumps(content.parameters, default=str)),
        "formulas": list(content.formulas),
        "scope": "credits", "url": "https://megd.example.mn/hook", "event_kinds": ["projects.*"],
        "request_url": "https://example.org/request", "website": "https://example.org",
        "email": "someone@example.org", "version": "ver09.0", "quantity": 1, "amount": 1, "number": 7,
        "subject_type": "", "subject_id": "", "approved_number": "",
        "mode": "electronic", "city": "Ulaanbaatar", "proponent_name": "Test proponent", "reason": "A reason.",
        "reason_lower": "Meter out of tolerance in May.", "changes": {"description": "Two inverters."},
        **PATH_HINTS.get(_resource(path), {}),
    }


def _resource(path: str) -> str:
    """``projects/moc-annex`` for /api/v1/projects/{project_id}/moc-annex/, ``tpes`` for /api/v1/tpes/."""
    parts = [p for p in path[len(API):].strip("/").split("/") if not p.startswith("{")]
    return "/".join(parts)


# Field values that depend on the operation (the same name means another thing elsewhere).
PATH_HINTS = {
    "projects/moc-annex": {"kind": "rename_participant", "new_name": "Nippon Solar Holdings K.K."},
    "projects/monitoring-periods": {"start_date": "2025-04-01", "end_date": "2025-06-30"},
    "tpes/status": {"status": "suspended", "effective_on": "2025-01-01"},
    "accounts/status": {"status": "blocked"},
    "accounts": {"name": "Plausible account"},
    "projects/change-requests": {"kind": "renewal", "new_crediting_end": "2043-12-31"},
    "methodology-versions/calculate": {"sites": ["Darkhan"]},
    "notification-preferences": {"email": True, "webhook": False},
}


def path_params(w: SimpleNamespace, method: str, path: str, user) -> dict[str, str]:
    """Real objects for the path parameters, each at the step where this operation is allowed."""
    def project_for(action: str):
        return {"": w.draft, "pdd": w.draft, "submit-pdd": w.draft, "withdraw": w.draft,
                "return-pdd": w.pdd_submitted, "request-publication": w.pdd_submitted,
                "publish": w.publication_requested, "comments": w.open_input,
                "choose-tpe": w.draft, "start-validation": w.closed_input,
                "validation-reports": w.validating, "moc": w.validated, "allocations": w.validated,
                "request-registration": w.validated, "register": w.requested, "reject": w.requested,
                "withdraw-registration-request": w.requested, "moc-annex": w.registered,
                "change-requests": w.registered, "monitoring-periods": w.registered}.get(action, w.draft)

    def methodology_for(action: str):
        return {"accept-complete": w.submitted, "return-incomplete": w.submitted,
                "close-public-input": w.public_input, "comments": w.public_input,
                "approve": w.consideration, "reject": w.consideration, "extend-consideration": w.consideration,
                "return-for-revision": w.consideration, "resubmit": w.returned,
                "inactivate": w.approved, "revisions": w.approved}.get(action, w.approved)

    def period_for(action: str):
        return {"verification": w.submitted_period, "request-issuance": w.verified_period}.get(
            action, w.draft_period)

    parts = path[len(API):].strip("/").split("/")
    resource, action = parts[0], (parts[2] if len(parts) > 2 else "")
    params = {}
    for name in re.findall(r"{(\w+)}", path):
        value = {
            ("projects", "project_id"): lambda: project_for(action).project_id,
            ("methodologies", "number"): lambda: methodology_for(action).number,
            ("methodology-versions", "id"): lambda: (w.revision if action in ("approve", "reject", "content")
                                                     else w.solar).pk,
            ("methodology-comments", "id"): lambda: w.comment.pk,
            ("monitoring-periods", "id"): lambda: period_for(action).pk,
            ("monitoring-evidence", "id"): lambda: w.evidence.pk,
            ("issuance-requests", "id"): lambda: w.pending_request.pk,
            ("project-change-requests", "id"): lambda: w.change_request.pk,
            ("countries", "code"): lambda: "MN",
            ("committee-members", "id"): lambda: w.member.pk,
            ("meetings", "id"): lambda: w.meeting.pk,
            ("decisions", "id"): lambda: w.decision.pk,
            ("rule-documents", "code"): lambda: w.rule.code,
            ("tpes", "tpe_id"): lambda: w.tpe.tpe_id,
            ("accounts", "number"): lambda: w.account.number,
            ("accounts", "username"): lambda: "pp_focal",
            ("transactions", "id"): lambda: (w.completed_txn if action == "reverse" else w.proposed_txn).pk,
            ("notifications", "id"): lambda: w.notification_of[user.pk].pk,
            ("notification-preferences", "id"): lambda: w.preference_of[user.pk].pk,
            ("webhook-endpoints", "id"): lambda: w.endpoint.pk,
            ("webhook-deliveries", "id"): lambda: w.delivery.pk if w.delivery else 999999999,
        }.get((resource, name))
        params[name] = str(value()) if value else "999999999"
    return params


def nonexistent(name: str, real: str) -> list[str]:
    """Path parameter values that name nothing: a well-formed key of no object, and junk."""
    if real.isdigit():
        return ["999999999", "abc", str(10 ** 30)]
    if re.fullmatch(r"[A-Z]{2}", real):
        return ["ZZ"]
    if re.fullmatch(r"[A-Z]{2}[0-9]{3,}", real):
        return ["ZZ999", "MN" + "9" * 30]
    if re.fullmatch(r"[A-Za-z]{2}-[0-9]{3}-[0-9]{6}", real):
        return ["ZZ-999-999999"]
    return ["nonexistent", "x" * 300]


def plausible(prop: dict, name: str, hint: dict):
    if name in hint:
        return hint[name]
    schema = resolve(prop)
    if "enum" in schema:
        return next(v for v in schema["enum"] if v not in ("", None))
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return "1"
    if kind == "boolean":
        return False
    if kind == "array":
        return [plausible(schema.get("items", {}), "", hint)] if schema.get("items") else []
    if kind == "object":
        return {n: plausible(p, n, hint) for n, p in writable(schema).items() if n in schema.get("required", [])}
    if fmt == "date":
        return "2024-06-01"
    if fmt == "date-time":
        return "2024-06-01T10:00:00Z"
    if fmt == "email":
        return "someone@example.org"
    if fmt == "uri":
        return "https://example.org/x"
    return "Plausible text"


def baseline(schema: dict, hint: dict) -> dict:
    """The required fields, and the optional ones that name objects of the world (``hints``)."""
    required = set(schema.get("required", []))
    return {name: plausible(prop, name, hint) for name, prop in writable(schema).items()
            if (name in required or name in hint) and not is_binary(prop)}


def file_fields(schema: dict) -> list[str]:
    return [name for name, prop in writable(schema).items() if is_binary(prop)]


# --- bad values -------------------------------------------------------------------------------------------

HUGE = 10 ** 30
DEEP = "[" * 50000 + "]" * 50000

STRING_BAD = [("object", {"a": 1}), ("NUL", "a\x00b"), ("overlong", "x" * 20000), ("nonexistent key", "ZZ-nonexistent"),
              ("list", ["x"]), ("bool", True), ("null", None), ("empty", ""), ("whitespace", "   ")]
INTEGER_BAD = [("string", "abc"), ("huge", HUGE), ("negative", -1), ("NaN", "NaN"), ("huge negative", -HUGE),
               ("zero", 0), ("float", 1.5), ("Infinity", "Infinity"), ("bool", True), ("object", {"a": 1}),
               ("list", [1]), ("null", None), ("int64 overflow", 2 ** 63), ("nonexistent id", 999999999)]
NUMBER_BAD = [("string", "abc"), ("huge", "1e400"), ("huge int", HUGE), ("negative", "-1"), ("NaN", "NaN"),
              ("Infinity", "Infinity"), ("-Infinity", "-Infinity"), ("object", {"a": 1}), ("null", None),
              ("many digits", "0." + "1" * 100)]
DATE_BAD = [("impossible", "2024-02-30"), ("last day", "9999-12-31"), ("first day", "0001-01-01"),
            ("number", 20240101), ("year 0", "0000-01-01"), ("garbage", "2024-13-45"), ("five-digit year", "99999-01-01"),
            ("object", {"a": 1}), ("empty", ""), ("null", None), ("words", "tomorrow")]
BOOL_BAD = [("word", "maybe"), ("number", 2), ("object", {"a": 1}), ("list", [True])]
ENUM_BAD = [("unknown choice", "bogus"), ("number", 1), ("null", None), ("empty", ""), ("list", ["x"])]
ARRAY_BAD = [("string", "not a list"), ("object", {"a": 1}), ("null", None), ("list of nulls", [None]),
             ("list of objects", [{}]), ("nested lists", [["x"]]), ("huge numbers", [HUGE]),
             ("NaN strings", ["NaN"]), ("long list", list(range(300)))]
OBJECT_BAD = [("string", "not an object"), ("list", [1]), ("number", 1), ("null", None), ("empty", {}),
              ("nested", {"a": {"b": {"c": [HUGE]}}}), ("NaN values", {"EG_i": "NaN", "x": "Infinity"})]
ANY_BAD = [("malformed JSON text", "{not json"), ("list", [1, "x", None]), ("number", HUGE), ("null", None),
           ("string", "plain text"), ("object of junk", {"EG_i": {"Darkhan": "NaN"}, "?": [HUGE]}),
           ("list of junk objects", [{"criterion": HUGE, "meets": "x"}, {"kind": "bogus"}]),
           ("deep JSON text", "[" * 5000 + "]" * 5000), ("huge values", {"EG_i": {"Darkhan": "1e400"}}),
           ("negative values", {"EG_i": {"Darkhan": "-1"}, "EF_grid": "-5"}),
           ("NaN in JSON text", '{"EG_i": {"Darkhan": NaN}, "x": Infinity}')]


def bad_values(prop: dict, name: str = "") -> list[tuple[str, object]]:
    schema = resolve(prop)
    kind, fmt = schema.get("type"), schema.get("format")
    if "enum" in schema:
        return ENUM_BAD
    if kind == "integer":
        values = list(INTEGER_BAD)
        if "maximum" in schema:
            values.append(("above maximum", schema["maximum"] + 1))
        return values
    if kind == "number":
        return NUMBER_BAD
    if kind == "boolean":
        return BOOL_BAD
    if kind == "array":
        items = resolve(schema.get("items", {}))
        values = list(ARRAY_BAD)
        if items:
            values += [(f"item {label}", [value]) for label, value in bad_values(items)[:6]]
        return values
    if kind == "object":
        return OBJECT_BAD
    if fmt in ("date", "date-time"):
        return DATE_BAD
    if fmt == "binary":
        return [("text instead of a file", "junk"), ("number", 1)]
    if kind == "string":
        values = list(STRING_BAD)
        if "maxLength" in schema:
            values.append(("one too long", "y" * (schema["maxLength"] + 1)))
        if fmt == "email":
            values += [("not an e-mail", "not-an-email"), ("long e-mail", "x" * 300 + "@example.org")]
        if fmt == "uri" or "url" in name:
            values += [("not a URL", "javascript:alert(1)"), ("broken IPv6", "http://[::1"),
                       ("port not a number", "https://example.org:port/")]
        return values
    return ANY_BAD


def junk_files() -> list[tuple[str, object]]:
    return [
        ("empty file", SimpleUploadedFile("empty.pdf", b"", content_type="application/pdf")),
        ("random bytes", SimpleUploadedFile("data.pdf", bytes(range(256)) * 8, content_type="application/pdf")),
        ("executable", SimpleUploadedFile("run.sh", b"#!/bin/sh\nrm -rf /\n", content_type="text/x-sh")),
        ("path in the name", SimpleUploadedFile("../../etc/passwd.pdf", b"%PDF-1.4\n%%EOF\n",
                                                content_type="application/pdf")),
        ("overlong name", SimpleUploadedFile("n" * 400 + ".pdf", b"%PDF-1.4\n%%EOF\n",
                                             content_type="application/pdf")),
        ("fake spreadsheet", SimpleUploadedFile("values.xlsx", b"PK\x03\x04 not a zip",
                                                content_type="application/vnd.openxmlformats-officedocument"
                                                             ".spreadsheetml.sheet")),
        ("NUL in the name", SimpleUploadedFile("a\x00b.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")),
    ]


def as_form(value):
    """A value as a multipart field: lists stay lists (repeated keys), objects become JSON text."""
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list):
        return [json.dumps(v) if isinstance(v, dict | list) else ("" if v is None else v) for v in value]
    if value is None:
        return ""
    return value


# --- sending and checking ----------------------------------------------------------------------------------

_CLIENTS: dict[int, APIClient] = {}


def client_for(user) -> APIClient:
    """The user's API client with its token, one per user for the module: a new test client loads the whole
    middleware stack again on its first request, which would cost more than the requests of a test."""
    from core.models import ApiToken

    if user.pk not in _CLIENTS:
        client = APIClient()
        _token, key = ApiToken.issue(user=user, name="test", scope=ApiToken.Scope.WRITE)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        _CLIENTS[user.pk] = client
    return _CLIENTS[user.pk]


def _where(exc: BaseException) -> str:
    """The innermost frame of the project's own code in the traceback."""
    frames = [fr for fr in traceback.extract_tb(exc.__traceback__)
              if fr.filename.startswith(str(ROOT)) and "/.venv/" not in fr.filename and "/tests/" not in fr.filename]
    frame = frames[-1] if frames else traceback.extract_tb(exc.__traceback__)[-1]
    return f"{Path(frame.filename).relative_to(ROOT) if frame.filename.startswith(str(ROOT)) else frame.filename}" \
           f":{frame.lineno} ({frame.name})"


def problem_of(response) -> str | None:
    """What is wrong with a 4xx answer, or None."""
    status = response.status_code
    content_type = response.get("Content-Type", "")
    if status != 400 and not content_type.startswith(JSON):
        return None  # e.g. Django's own 404 page for a path that matches no route
    try:
        body = json.loads(response.content)
    except ValueError:
        return f"{status} answer is not JSON: {response.content[:120]!r}"
    if not isinstance(body, dict) or not isinstance(body.get("detail"), str) or not body["detail"].strip():
        return f"{status} answer has no message ('detail'): {str(body)[:200]}"
    if status == 400:
        if not isinstance(body.get("code"), str):
            return f"400 answer has no 'code': {str(body)[:200]}"
        errors = body.get("errors", {})
        if not isinstance(errors, dict) or not all(
                isinstance(k, str) and isinstance(v, list) and v and all(isinstance(m, str) for m in v)
                for k, v in errors.items()):
            return f"400 answer's 'errors' is not {{field: [messages]}}: {str(errors)[:200]}"
    return None


def send(client, method: str, url: str, *, label: str, failures: list, **kwargs):
    """One request in a savepoint that is rolled back; a crash, a 5xx, a badly shaped 4xx, or an audit
    event written by a refused request is recorded in ``failures``."""
    with transaction.atomic():
        before = AuditEvent.objects.count()
        try:
            if method == "GET":
                response = client.get(url, kwargs.get("query", {}))
            else:  # a fresh Idempotency-Key, as the transactions API asks of its callers
                response = client.generic(method, url, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the point is to report every crash
            failures.append(f"{method} {url} [{label}]: 500 {type(exc).__name__}: {str(exc)[:160]} at {_where(exc)}")
            transaction.set_rollback(True)
            return None
        if 400 <= response.status_code < 500 and AuditEvent.objects.count() != before:
            failures.append(f"{method} {url} [{label}]: refused with {response.status_code} but wrote an audit event")
        transaction.set_rollback(True)
    if response.status_code >= 500:
        failures.append(f"{method} {url} [{label}]: {response.status_code} {response.content[:160]!r}")
    elif 400 <= response.status_code < 500:
        problem = problem_of(response)
        if problem:
            failures.append(f"{method} {url} [{label}]: {problem}")
    return response


def send_json(client, method, url, body, *, label, failures):
    data = body if isinstance(body, bytes | str) else json.dumps(body)
    return send(client, method, url, data=data, content_type=JSON, label=label, failures=failures)


def send_multipart(client, method, url, body: dict, *, label, failures):
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    data = encode_multipart(BOUNDARY, {k: as_form(v) for k, v in body.items()})
    return send(client, method, url, data=data, content_type=MULTIPART_CONTENT, label=label, failures=failures)


GENERIC_BODIES = [
    ("empty JSON body", b"", JSON), ("empty form body", b"", FORM), ("JSON list", b"[]", JSON),
    ("JSON list of objects", b'[{"a": 1}]', JSON), ("JSON string", b'"text"', JSON), ("JSON number", b"42", JSON),
    ("JSON null", b"null", JSON), ("JSON true", b"true", JSON), ("malformed JSON", b'{"title": ', JSON),
    ("JSON NaN", b'{"a": NaN}', JSON), ("JSON nested too deep", DEEP.encode(), JSON),
    ("not UTF-8", b'{"a": "\xff\xfe"}', JSON), ("XML", b"<a/>", "application/xml"),
    ("form junk", b"a=1&a=2&%ZZ=%&=", FORM), ("multipart without boundary", b"--x\r\n", "multipart/form-data"),
]


def refused_fields(response, prefix: str = "") -> set[str]:
    """The fields that a 4xx answer names: ``sites`` for ``sites.0.latitude``, or ``latitude`` with the prefix
    ``sites.0.``."""
    if response is None or not 400 <= response.status_code < 500 or \
            not response.get("Content-Type", "").startswith(JSON):
        return set()
    errors = json.loads(response.content).get("errors") or {}
    return {key[len(prefix):].split(".")[0] for key in errors if key.startswith(prefix)}


def narrow(send, values: dict[str, tuple[str, object]], label: str, prefix: str = "") -> None:
    """Send every field with its bad value at once, then again without the fields the answer names as
    refused, until the rest is accepted together or refused without a field named (then each is sent alone).
    A field the input serializer refuses is named at once; one it accepts goes on to the service, which may
    stop at the first field it refuses, so the rest is sent again. A crash is sent again field by field, so
    that the failure names the field."""
    pending = dict(values)
    while pending:
        response = send({name: value for name, (_, value) in pending.items()},
                        f"{label}: {', '.join(sorted(pending))[:80]}")
        if response is not None and response.status_code < 400:
            return
        named = refused_fields(response, prefix) & set(pending)
        if response is None or response.status_code >= 500 or not named:
            if len(pending) > 1:
                for name, (value_label, value) in pending.items():
                    send({name: value}, f"{prefix}{name}: {value_label}")
            return
        for name in named:
            del pending[name]


def field_battery(send_body, base: dict, fields: dict[str, dict], *, full: bool, prefix: str = "",
                  limit: int | None = None) -> None:
    """Each field's bad values, cheaply: round ``i`` gives every field its i-th bad value (``narrow``)."""
    per_field = {name: (bad_values(prop, name)[:limit] if full else bad_values(prop, name)[:1])
                 for name, prop in fields.items() if not is_binary(prop)}
    for i in range(max((len(v) for v in per_field.values()), default=0)):
        chosen = {name: values[i] for name, values in per_field.items() if i < len(values)}
        narrow(lambda changes, label: send_body({**base, **changes}, label), chosen, f"{prefix}round {i}", prefix)


# An operation without a body ignores it, and each request carries the action out: a few bodies are enough.
GENERIC_WITHOUT_BODY = {"empty JSON body", "malformed JSON", "JSON nested too deep", "XML"}
GENERIC_FOR_PARTICIPANT = {"empty JSON body", "JSON list", "malformed JSON"}


def run_battery(client, method: str, path: str, op: dict, world, user, *, full: bool) -> list[str]:
    failures: list[str] = []
    params = path_params(world, method, path, user)
    url = path.format(**params)
    schema = body_schema(op)
    for label, data, content_type in GENERIC_BODIES:
        wanted = ((schema is not None or label in GENERIC_WITHOUT_BODY) if full
                  else label in GENERIC_FOR_PARTICIPANT and (schema is not None or label == "malformed JSON"))
        if wanted:
            send(client, method, url, data=data, content_type=content_type, label=label, failures=failures)

    # the same body on objects that do not exist
    for name, real in params.items():
        for missing in nonexistent(name, real)[:3 if full else 1]:
            send_json(client, method, path.format(**{**params, name: missing}), {},
                      label=f"{name}={missing[:20]}", failures=failures)

    if schema is None:
        return failures
    hint = hints(world, path)
    base = baseline(schema, hint)

    files = file_fields(schema)
    content = op.get("requestBody", {}).get("content", {})
    as_multipart = JSON not in content or any(name in schema.get("required", []) for name in files)

    def send_body(body, label):
        if as_multipart:  # the body needs a file: the fields go along with a plausible one, as a form would
            return send_multipart(client, method, url, {**{name: plausible_file(world, path) for name in files},
                                                        **body}, label=label, failures=failures)
        return send_json(client, method, url, body, label=label, failures=failures)

    send_body(base, "plausible body")
    fields = writable(schema)
    field_battery(send_body, base, fields, full=full)
    if full:  # one level down: the first item of each list of objects
        for name, prop in fields.items():
            item = resolve(resolve(prop).get("items", {}))
            if resolve(prop).get("type") != "array" or item.get("type") != "object":
                continue
            first = (base.get(name) or hint.get(name) or [plausible(item, "", hint)])[0]
            first = first if isinstance(first, dict) else {}

            def send_item(item_body, label, name=name):
                return send_body({**base, name: [item_body]}, label)

            field_battery(send_item, first, writable(item), full=True, prefix=f"{name}.0.", limit=4)

    if files and body_schema(op, "multipart/form-data") is not None:
        for name in files:
            workbook = world.workbooks.get(_resource(path))
            extra = junk_workbooks(workbook) if workbook is not None and full else []
            for label, junk in (junk_files() + extra if full else junk_files()[:1]):
                send_multipart(client, method, url, {**base, name: junk}, label=f"{name}: {label}",
                               failures=failures)
            send_multipart(client, method, url, {**base, name: "not a file"}, label=f"{name}: text",
                           failures=failures)
    return failures


# --- the tests ------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once for the module in a transaction that is rolled back afterwards."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = build_world()
            for user in (world.sysadmin, world.pp):
                client_for(user)  # the tokens are created with the world, and rolled back with it
            yield world
        finally:
            _CLIENTS.clear()
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _write_params():
    return [pytest.param(method, path, op, id=f"{method} {path}") for method, path, op in write_operations()]


pytestmark = pytest.mark.django_db


def test_the_schema_lists_the_write_operations():
    operations = {f"{m} {p}" for m, p, _ in write_operations()}
    assert len(operations) > 80
    assert {"POST /api/v1/projects/", "POST /api/v1/transactions/", "PATCH /api/v1/countries/{code}/",
            "DELETE /api/v1/monitoring-evidence/{id}/"} <= operations


@pytest.mark.parametrize(("method", "path", "op"), _write_params())
def test_write_operation_refuses_bad_input_with_a_4xx(world, method, path, op):
    failures = []
    for user, full in ((world.sysadmin, True), (world.pp, False)):
        failures += [f"as {user.username}: {line}"
                     for line in run_battery(client_for(user), method, path, op, world, user, full=full)]
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:40])


QUERY_JUNK = [("text", "abc"), ("huge", str(HUGE)), ("negative", "-1"), ("NUL", "a\x00b"),
              ("impossible date", "2024-02-30"), ("superscript digit", "²"), ("overlong", "q" * 5000)]
# Pages, ordering and cursors: parameters that do not depend on each other go together in one request.
PAGINATION_JUNK = [
    {"page": "abc"}, {"page_size": str(HUGE), "ordering": "-nonexistent,__,", "cursor": "junk"},
    {"search": "a\x00b"}, {"page": str(HUGE)}, {"page_size": "-1", "ordering": "password", "cursor": "cD0xMjM="},
    {"format": "xml"},
]


def _list_params():
    return [pytest.param(path, op, id=f"GET {path}") for path, op in list_operations()]


@pytest.mark.parametrize(("path", "op"), _list_params())
def test_list_endpoint_survives_junk_query_parameters(world, path, op):
    failures: list[str] = []
    declared = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    for user, full in ((world.sysadmin, True), (world.pp, False)):
        client = client_for(user)
        url = path.format(**path_params(world, "GET", path, user))

        def get(query, label, client=client, url=url):
            return send(client, "GET", url, query=query, label=label, failures=failures)

        # every filter with the same junk at once, narrowed down to the ones that take it (see narrow)
        for label, value in (QUERY_JUNK if full else QUERY_JUNK[:2]):
            if declared:
                narrow(get, {name: (label, value) for name in declared}, f"filters {label}")
        for query in (PAGINATION_JUNK if full else PAGINATION_JUNK[:3]):
            get(query, "&".join(f"{name}={value[:20]}" for name, value in query.items()))
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:40])


def test_a_refused_write_keeps_nothing(world):
    """The plausible project body with one impossible site: refused with the field named, and no project."""
    from projects.models import Project

    client = client_for(world.pp)
    before = Project.objects.count()
    hint = hints(world, "/projects/")
    body = {**baseline(body_schema(dict(SCHEMA["paths"][f"{API}/projects/"]["post"])), hint),
            "sites": [{"name": "Darkhan", "latitude": "91", "longitude": "105.9"}]}
    response = client.post(f"{API}/projects/", body, format="json")
    assert response.status_code == 400, response.content
    assert "sites.0.latitude" in response.json()["errors"]
    assert Project.objects.count() == before
    good = client.post(f"{API}/projects/", {**body, "sites": hint["sites"]}, format="json")
    assert good.status_code == 201, good.content
    assert Project.objects.count() == before + 1


def test_numbers_are_never_read_through_floating_point(world):
    """A value given with more digits than a float keeps is kept exactly (or refused), never rounded."""
    client = client_for(world.pp)
    url = f"{API}/monitoring-periods/{world.draft_period.pk}/values/"
    exact = "1000.123456789012345678"
    with transaction.atomic():
        response = client.post(url, data=f'{{"values": {{"EG_i": {{"Darkhan": {exact}}}}}}}', content_type=JSON)
        transaction.set_rollback(True)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 200:
        assert Decimal(str(response.json()["values"]["EG_i"]["Darkhan"])) == Decimal(exact)

