"""Every service of committee/services.py: what it does, the audit event it writes, and each refusal.

A refused action must leave the database exactly as it was: no row and no audit event.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Max

from committee import services
from committee.choices import (
    DecisionKind,
    DecisionMode,
    MemberRole,
    OrganizationKind,
    PublicationStatus,
    Role,
    RuleKind,
    RuleStatus,
    Side,
    TPEStatus,
)
from committee.models import (
    BilateralDocument,
    CommitteeMember,
    RoleAssignment,
    RuleDocument,
    TPEStatusChange,
)
from core.audit import verify_chain
from core.errors import ApplicationError, Conflict, NotAllowed
from core.models import AuditEvent
from tests import factories as f

D = datetime.date


# --- helpers -------------------------------------------------------------------------


def last_seq() -> int:
    return AuditEvent.objects.aggregate(m=Max("seq"))["m"] or 0


def audited_call(service, *, action: str, actor, target=None, **kwargs):
    """Call the service; assert it wrote exactly one audit event ``action`` by ``actor`` about ``target``
    (default: what the service returned). Returns (result, event)."""
    since = last_seq()
    result = service(actor=actor, **kwargs)
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))
    assert [e.action for e in events] == [action]
    event = events[0]
    target = result if target is None else target
    assert event.actor_id == actor.pk
    assert event.target_type == ContentType.objects.get_for_model(target)
    assert event.target_id == str(target.pk)
    return result, event


def db_contents() -> dict:
    """Every row of the committee app (with its many-to-many tables) and of the audit trail."""
    models = [*apps.get_app_config("committee").get_models(include_auto_created=True), AuditEvent]
    return {m._meta.label: list(m.objects.order_by("pk").values()) for m in models}


def assert_refused(service, error: type[ApplicationError], *, field: str | None = None, **kwargs) -> ApplicationError:
    """The service raises exactly ``error`` (naming ``field`` in .errors) and writes nothing."""
    before = db_contents()
    with pytest.raises(ApplicationError) as info:
        service(**kwargs)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    if field is not None:
        assert field in info.value.errors, info.value.errors
        assert info.value.errors[field]
    assert db_contents() == before
    return info.value


@pytest.fixture
def w(jc, other_jc, japan, secretariat, other_secretariat, sysadmin, member, moe, mn_ministry):
    """The Japan–Mongolia Joint Committee with one of everything, made through the services."""
    meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=D(2013, 4, 11), city="Ulaanbaatar")
    draft_meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=D(2013, 10, 1),
                                            is_online=True, publish=False)
    decision = services.decision_record(actor=secretariat, joint_committee=jc, decided_on=D(2013, 4, 11),
                                        mode=DecisionMode.MEETING, meeting=meeting, kind=DecisionKind.ADOPT_RULES,
                                        title="Adoption of the Rules of Implementation")
    draft_decision = services.decision_record(actor=secretariat, joint_committee=jc, decided_on=D(2024, 5, 1),
                                              mode=DecisionMode.ELECTRONIC, kind=DecisionKind.OTHER,
                                              title="Revised glossary", publish=False)
    rule = services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.ROI, version="01.0",
                                          title="Rules of Implementation", effective_date=D(2013, 4, 11),
                                          adopted_by=decision)
    tpe_org = f.OrganizationFactory(name="Japan Quality Assurance Organization", kind=OrganizationKind.TPE)
    other_tpe_org = f.OrganizationFactory(name="Lloyd's Register Quality Assurance", kind=OrganizationKind.TPE)
    tpe = services.tpe_designate(actor=secretariat, joint_committee=jc, organization=tpe_org,
                                 designated_on=D(2014, 1, 10), scopes_validation=[f.scope(1), f.scope(3)],
                                 scopes_verification=[f.scope(1)])
    seat = services.member_appoint(actor=secretariat, joint_committee=jc, side=Side.JAPAN, name="Takenori Shimizu",
                                   organization=moe, role=MemberRole.CO_CHAIR, start_date=D(2013, 4, 11))
    return SimpleNamespace(
        jc=jc, other_jc=other_jc, japan=japan, secretariat=secretariat, sysadmin=sysadmin, moe=moe,
        mn_ministry=mn_ministry, meeting=meeting, draft_meeting=draft_meeting, decision=decision,
        draft_decision=draft_decision, rule=rule, tpe_org=tpe_org, other_tpe_org=other_tpe_org, tpe=tpe, seat=seat,
        philippines=f.CountryFactory(code="PH", name="Philippines"), newcomer=f.make_user("newcomer"),
        assignment=RoleAssignment.objects.get(user=member),
    )


def test_the_world_is_built_as_expected(w):
    assert (w.meeting.number, w.meeting.status) == (1, PublicationStatus.PUBLISHED)
    assert (w.draft_meeting.number, w.draft_meeting.status) == (2, PublicationStatus.DRAFT)
    assert w.decision.reference == "MN-JC01-01"
    assert w.draft_decision.reference == "MN-ED2024-01"
    assert (w.rule.code, w.rule.status) == ("JCM_MN_RoI_ver01.0", RuleStatus.IN_FORCE)
    assert w.tpe.tpe_id == "TPE-MN-001"
    assert verify_chain()[1] == []


# --- who may call each service --------------------------------------------------------

SECRETARIAT = ("secretariat", "sysadmin")
NOT_SECRETARIAT = ("anonymous", "participant", "member", "other_secretariat", "ministry", "other_ministry")
ANY_SECRETARIAT = ("secretariat", "other_secretariat", "sysadmin")
NO_SECRETARIAT = ("anonymous", "participant", "member", "ministry")
SYSADMIN = ("sysadmin",)
NOT_SYSADMIN = ("anonymous", "participant", "member", "secretariat", "ministry")


@dataclass(frozen=True)
class Write:
    name: str
    action: str
    kwargs: object  # w -> dict of arguments
    allowed: tuple[str, ...]
    refused: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


WRITES = [
    Write("country_create", "committee.country.create", lambda w: {"code": "VN", "name": "Viet Nam"},
          SYSADMIN, NOT_SYSADMIN),
    Write("country_update", "committee.country.update", lambda w: {"country": w.jc.partner, "name_local": "Mongol"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("bilateral_document_record", "committee.bilateral_document.record",
          lambda w: {"country": w.jc.partner, "title": "Low Carbon Development Partnership", "signed_on": D(2013, 1, 8),
                     "place": "Ulaanbaatar"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("organization_create", "committee.organization.create",
          lambda w: {"name": "Ministry of Energy", "kind": OrganizationKind.MINISTRY, "country": w.jc.partner},
          ANY_SECRETARIAT, NO_SECRETARIAT),
    Write("joint_committee_create", "committee.joint_committee.create", lambda w: {"partner": w.philippines},
          SYSADMIN, NOT_SYSADMIN),
    Write("member_appoint", "committee.member.appoint",
          lambda w: {"joint_committee": w.jc, "side": Side.PARTNER, "name": "Sanjaasuren Oyun",
                     "organization": w.mn_ministry, "role": MemberRole.CO_CHAIR, "start_date": D(2013, 4, 11)},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("member_end", "committee.member.end", lambda w: {"member": w.seat, "end_date": D(2016, 3, 31)},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("meeting_record", "committee.meeting.record",
          lambda w: {"joint_committee": w.jc, "date": D(2014, 3, 1), "city": "Tokyo"}, SECRETARIAT, NOT_SECRETARIAT),
    Write("meeting_update", "committee.meeting.update", lambda w: {"meeting": w.meeting, "summary": "Rules adopted."},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("meeting_publish", "committee.meeting.publish", lambda w: {"meeting": w.draft_meeting},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("decision_record", "committee.decision.record",
          lambda w: {"joint_committee": w.jc, "decided_on": D(2024, 6, 1), "mode": DecisionMode.ELECTRONIC,
                     "kind": DecisionKind.OTHER, "title": "Revised forms"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("decision_update", "committee.decision.update", lambda w: {"decision": w.draft_decision, "title": "Glossary"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("decision_publish", "committee.decision.publish", lambda w: {"decision": w.draft_decision},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("rule_document_publish", "committee.rule_document.publish",
          lambda w: {"joint_committee": w.jc, "kind": RuleKind.ROI, "version": "02.0",
                     "title": "Rules of Implementation", "effective_date": D(2015, 6, 1)},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("rule_document_withdraw", "committee.rule_document.withdraw", lambda w: {"document": w.rule},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("tpe_designate", "committee.tpe.designate",
          lambda w: {"joint_committee": w.jc, "organization": w.other_tpe_org, "designated_on": D(2015, 2, 1),
                     "scopes_verification": [f.scope(3)]},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("tpe_change_status", "committee.tpe.suspended",
          lambda w: {"tpe": w.tpe, "status": TPEStatus.SUSPENDED, "effective_on": D(2016, 1, 1),
                     "reason": "Accreditation lapsed"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("tpe_set_scope_until", "committee.tpe.scope_until",
          lambda w: {"tpe": w.tpe, "scope": f.scope(1), "purpose": "validation", "valid_until": D(2018, 3, 31)},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("tpe_record_reference", "committee.tpe.record_reference",
          lambda w: {"joint_committee": w.jc, "tpe_id": "TPE-MN-014", "organization": w.other_tpe_org,
                     "designated_on": D(2015, 9, 26), "source": "https://example.org/tpes"},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("organization_name_record", "committee.organization.name_record",
          lambda w: {"organization": w.mn_ministry, "name": "Ministry of Environment and Tourism",
                     "source": "https://example.org/names"},
          ANY_SECRETARIAT, NO_SECRETARIAT),
    Write("organization_rename", "committee.organization.rename",
          lambda w: {"organization": w.mn_ministry, "name": "Ministry of Environment and Climate Change"},
          ANY_SECRETARIAT, NO_SECRETARIAT),
    Write("tpe_update_scopes", "committee.tpe.update_scopes",
          lambda w: {"tpe": w.tpe, "scopes_validation": [f.scope(7)], "scopes_verification": [f.scope(7)]},
          SECRETARIAT, NOT_SECRETARIAT),
    Write("role_assign", "committee.role.assign",
          lambda w: {"user": w.newcomer, "role": Role.COMMITTEE_MEMBER, "joint_committee": w.jc},
          SYSADMIN, NOT_SYSADMIN),
    Write("role_revoke", "committee.role.revoke", lambda w: {"assignment": w.assignment}, SYSADMIN, NOT_SYSADMIN),
]


def test_every_service_is_in_the_permission_table():
    public = {name for name, obj in vars(services).items()
              if callable(obj) and getattr(obj, "__module__", "") == services.__name__
              and not name.startswith("_") and name not in {"parse_version", "rule_series"}}
    assert public == {write.name for write in WRITES}


def _actor(request, name: str):
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(("write", "actor"), [(x, a) for x in WRITES for a in x.allowed], ids=str)
def test_allowed_actor_writes_one_audit_event(w, request, write, actor):
    user = _actor(request, actor)
    target = w.assignment if write.name == "role_revoke" else None
    audited_call(getattr(services, write.name), action=write.action, actor=user, target=target, **write.kwargs(w))
    assert verify_chain()[1] == []


@pytest.mark.parametrize(("write", "actor"), [(x, a) for x in WRITES for a in x.refused], ids=str)
def test_other_actors_are_refused_and_nothing_is_written(w, request, write, actor):
    assert_refused(getattr(services, write.name), NotAllowed, actor=_actor(request, actor), **write.kwargs(w))


# --- countries, bilateral documents, organizations, Joint Committees --------------------


def test_country_create_normalises_the_code(w):
    country, event = audited_call(services.country_create, action="committee.country.create", actor=w.sysadmin,
                                  code=" vn ", name="Viet Nam", name_ja="ベトナム")
    assert (country.code, country.name, country.is_japan) == ("VN", "Viet Nam", False)
    assert event.data == {"code": "VN", "name": "Viet Nam", "is_japan": False}


@pytest.mark.parametrize(("kwargs", "error", "field"), [
    ({"code": "V1", "name": "Viet Nam"}, ApplicationError, "code"),
    ({"code": "VNM", "name": "Viet Nam"}, ApplicationError, "code"),
    ({"code": "MN", "name": "Mongolia again"}, ApplicationError, "code"),
    ({"code": "VN", "name": "  "}, ApplicationError, "name"),
    ({"code": "VN", "name": "Japan again", "is_japan": True}, Conflict, "is_japan"),
], ids=["not-letters", "three-letters", "taken", "no-name", "second-japan"])
def test_country_create_refuses_bad_input(w, kwargs, error, field):
    assert_refused(services.country_create, error, field=field, actor=w.sysadmin, **kwargs)


def test_country_update_records_before_and_after(w):
    country, event = audited_call(services.country_update, action="committee.country.update", actor=w.secretariat,
                                  country=w.jc.partner, name_local="Монгол")
    country.refresh_from_db()
    assert country.name_local == "Монгол"
    assert event.data == {"changes": {"name_local": "Монгол"}, "before": {"name_local": "Монгол Улс"}}


def test_country_update_refuses_fields_outside_the_form(w):
    assert_refused(services.country_update, ApplicationError, actor=w.sysadmin, country=w.jc.partner, code="XX")


def test_bilateral_document_is_recorded_for_the_partner(w):
    doc, event = audited_call(services.bilateral_document_record, action="committee.bilateral_document.record",
                              actor=w.secretariat, country=w.jc.partner, title="Low Carbon Development Partnership",
                              signed_on=D(2013, 1, 8), place="Ulaanbaatar", japan_signatory="Takenori Shimizu",
                              partner_signatory="Sanjaasuren Oyun")
    assert list(BilateralDocument.objects.filter(country=w.jc.partner)) == [doc]
    assert event.data["signed_on"] == "2013-01-08" and event.data["partner_signatory"] == "Sanjaasuren Oyun"


def test_bilateral_document_is_not_recorded_for_japan(w):
    assert_refused(services.bilateral_document_record, ApplicationError, field="country", actor=w.sysadmin,
                   country=w.japan, title="x", signed_on=D(2013, 1, 8))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"name": "", "kind": OrganizationKind.COMPANY}, "name"),
    ({"name": "Acme", "kind": "charity"}, "kind"),
    ({"name": "Acme", "kind": OrganizationKind.COMPANY, "email": "not-an-address"}, "email"),
])
def test_organization_create_refuses_bad_input(w, kwargs, field):
    assert_refused(services.organization_create, ApplicationError, field=field, actor=w.secretariat, **kwargs)


def test_joint_committee_create_names_the_committee(w):
    jc, _ = audited_call(services.joint_committee_create, action="committee.joint_committee.create",
                         actor=w.sysadmin, partner=w.philippines, established_on=D(2017, 1, 12))
    assert (jc.name, jc.code) == ("Japan–Philippines Joint Committee", "PH")


@pytest.mark.parametrize(("partner", "error"), [("japan", ApplicationError), ("mongolia", Conflict)])
def test_joint_committee_create_refuses_japan_and_a_second_committee(w, request, partner, error):
    assert_refused(services.joint_committee_create, error, field="partner", actor=w.sysadmin,
                   partner=request.getfixturevalue(partner))


# --- members --------------------------------------------------------------------------


def test_member_appoint_and_end(w):
    member, event = audited_call(services.member_appoint, action="committee.member.appoint", actor=w.secretariat,
                                 joint_committee=w.jc, side=Side.PARTNER, name=" Sanjaasuren Oyun ",
                                 organization=w.mn_ministry, role=MemberRole.CO_CHAIR, start_date=D(2013, 4, 11))
    assert (member.name, member.end_date) == ("Sanjaasuren Oyun", None)
    assert event.data["organization"] == w.mn_ministry.pk

    ended, event = audited_call(services.member_end, action="committee.member.end", actor=w.secretariat,
                                member=member, end_date=D(2016, 3, 31))
    member.refresh_from_db()
    assert member.end_date == D(2016, 3, 31) == ended.end_date
    assert event.data == {"end_date": "2016-03-31"}


@pytest.mark.parametrize(("changes", "field"), [
    ({"end_date": D(2013, 1, 1)}, "end_date"),
    ({"organization": "moe"}, "organization"),  # a Japanese ministry on the partner side
    ({"role": "chairman"}, "role"),
    ({"name": ""}, "name"),
])
def test_member_appoint_refuses_bad_input(w, changes, field):
    kwargs = {"joint_committee": w.jc, "side": Side.PARTNER, "name": "Sanjaasuren Oyun", "organization": w.mn_ministry,
              "role": MemberRole.MEMBER, "start_date": D(2013, 4, 11), **changes}
    if kwargs["organization"] == "moe":
        kwargs["organization"] = w.moe
    assert_refused(services.member_appoint, ApplicationError, field=field, actor=w.secretariat, **kwargs)


def test_member_end_refuses_a_date_before_the_start_and_a_second_end(w):
    assert_refused(services.member_end, ApplicationError, field="end_date", actor=w.secretariat, member=w.seat,
                   end_date=D(2013, 4, 10))
    services.member_end(actor=w.secretariat, member=w.seat, end_date=D(2016, 3, 31))
    assert_refused(services.member_end, Conflict, field="end_date", actor=w.secretariat, member=w.seat,
                   end_date=D(2017, 3, 31))
    assert CommitteeMember.objects.get(pk=w.seat.pk).end_date == D(2016, 3, 31)


# --- meetings -------------------------------------------------------------------------


def test_meetings_are_numbered_in_order_per_committee(w, other_secretariat):
    third = services.meeting_record(actor=w.secretariat, joint_committee=w.jc, date=D(2014, 3, 1), city="Tokyo")
    first_kh = services.meeting_record(actor=other_secretariat, joint_committee=w.other_jc, date=D(2014, 4, 1),
                                       city="Phnom Penh")
    assert (third.number, first_kh.number) == (3, 1)
    assert str(third) == "3rd Joint Committee in Tokyo"


def test_meeting_number_taken_is_a_conflict(w):
    assert_refused(services.meeting_record, Conflict, field="number", actor=w.secretariat, joint_committee=w.jc,
                   number=1, date=D(2014, 3, 1), city="Tokyo")


@pytest.mark.parametrize(("city", "is_online", "place"), [
    ("Tokyo", False, "in Tokyo"),
    ("", True, "online"),
    ("Tokyo", True, "in Tokyo and online"),
])
def test_a_meeting_is_held_in_a_city_or_online(w, city, is_online, place):
    meeting, event = audited_call(services.meeting_record, action="committee.meeting.record", actor=w.secretariat,
                                  joint_committee=w.jc, date=D(2014, 3, 1), city=city, is_online=is_online,
                                  attendees=[w.moe, w.mn_ministry])
    assert meeting.place == place
    assert set(meeting.attendees.all()) == {w.moe, w.mn_ministry}
    assert event.data["attendees"] == sorted([w.moe.pk, w.mn_ministry.pk])
    assert (meeting.status, meeting.published_at is not None) == (PublicationStatus.PUBLISHED, True)


def test_a_meeting_neither_in_a_city_nor_online_is_refused(w):
    assert_refused(services.meeting_record, ApplicationError, field="city", actor=w.secretariat,
                   joint_committee=w.jc, date=D(2014, 3, 1), city="", is_online=False)


def test_meeting_update_records_the_changes(w):
    meeting, event = audited_call(services.meeting_update, action="committee.meeting.update", actor=w.secretariat,
                                  meeting=w.meeting, city="Ulaanbaatar", is_online=True, summary="Rules adopted.")
    meeting.refresh_from_db()
    assert (meeting.is_online, meeting.summary) == (True, "Rules adopted.")
    assert event.data["changes"] == {"city": "Ulaanbaatar", "is_online": True, "summary": "Rules adopted."}
    assert event.data["before"]["is_online"] is False and event.data["before"]["summary"] == ""


@pytest.mark.parametrize(("changes", "field"), [
    ({"city": ""}, "city"),
    ({"status": PublicationStatus.DRAFT}, None),
    ({"number": 9}, None),
    ({"colour": "blue"}, None),
])
def test_meeting_update_refuses_bad_changes(w, changes, field):
    assert_refused(services.meeting_update, ApplicationError, field=field, actor=w.secretariat, meeting=w.meeting,
                   **changes)


def test_meeting_publish_once(w):
    meeting, _ = audited_call(services.meeting_publish, action="committee.meeting.publish", actor=w.secretariat,
                              meeting=w.draft_meeting)
    meeting.refresh_from_db()
    assert meeting.status == PublicationStatus.PUBLISHED and meeting.published_at is not None
    assert_refused(services.meeting_publish, Conflict, field="status", actor=w.secretariat, meeting=meeting)


# --- decisions ------------------------------------------------------------------------


def test_decision_references_are_numbered_per_meeting_and_per_year(w):
    def record(**kwargs):
        return services.decision_record(actor=w.secretariat, joint_committee=w.jc, kind=DecisionKind.OTHER,
                                        title="x", **kwargs).reference

    assert record(mode=DecisionMode.MEETING, meeting=w.meeting, decided_on=D(2013, 4, 11)) == "MN-JC01-02"
    assert record(mode=DecisionMode.ELECTRONIC, decided_on=D(2024, 7, 1)) == "MN-ED2024-02"
    assert record(mode=DecisionMode.ELECTRONIC, decided_on=D(2023, 7, 1)) == "MN-ED2023-01"
    assert record(mode=DecisionMode.ELECTRONIC, decided_on=D(2024, 7, 2), reference="MN-ED2024-10") == "MN-ED2024-10"
    assert record(mode=DecisionMode.ELECTRONIC, decided_on=D(2024, 7, 3)) == "MN-ED2024-11"


def test_decision_record_stores_the_subject_and_the_recorder(w):
    decision, event = audited_call(
        services.decision_record, action="committee.decision.record", actor=w.secretariat, joint_committee=w.jc,
        decided_on=D(2014, 1, 10), mode=DecisionMode.ELECTRONIC, kind=DecisionKind.DESIGNATE_TPE,
        title="Designation of JQA", subject=w.tpe,
    )
    assert (decision.subject, decision.subject_label, decision.recorded_by) == (w.tpe, str(w.tpe), w.secretariat)
    assert event.data["reference"] == "MN-ED2014-01" and event.data["subject_id"] == str(w.tpe.pk)


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"mode": DecisionMode.MEETING}, ApplicationError, "meeting"),
    ({"mode": DecisionMode.MEETING, "meeting": "other", "decided_on": D(2014, 4, 1)}, ApplicationError, "meeting"),
    ({"mode": DecisionMode.MEETING, "meeting": "first", "decided_on": D(2013, 4, 12)}, ApplicationError, "decided_on"),
    ({"meeting": "first"}, ApplicationError, "meeting"),
    ({"decided_on": datetime.date.today() + datetime.timedelta(days=2)}, ApplicationError, "decided_on"),
    ({"mode": "by-post"}, ApplicationError, "mode"),
    ({"kind": "approve_everything"}, ApplicationError, "kind"),
    ({"title": "  "}, ApplicationError, "title"),
    ({"reference": "MN-JC01-01"}, Conflict, "reference"),
], ids=["meeting-missing", "meeting-of-other-committee", "not-the-meeting-date", "electronic-at-meeting", "future",
        "bad-mode", "bad-kind", "no-title", "reference-taken"])
def test_decision_record_refuses_bad_input(w, other_secretariat, changes, error, field):
    kwargs = {"joint_committee": w.jc, "decided_on": D(2014, 4, 1), "mode": DecisionMode.ELECTRONIC,
              "kind": DecisionKind.OTHER, "title": "Revised forms", **changes}
    if kwargs.get("meeting") == "first":
        kwargs["meeting"] = w.meeting
    elif kwargs.get("meeting") == "other":
        kwargs["meeting"] = services.meeting_record(actor=other_secretariat, joint_committee=w.other_jc,
                                                    date=D(2014, 4, 1), city="Phnom Penh")
    assert_refused(services.decision_record, error, field=field, actor=w.secretariat, **kwargs)


def test_decision_update_changes_a_draft_only(w):
    decision, event = audited_call(services.decision_update, action="committee.decision.update", actor=w.secretariat,
                                   decision=w.draft_decision, title="Glossary of Terms ver02.0")
    assert event.data == {"changes": {"title": "Glossary of Terms ver02.0"}, "before": {"title": "Revised glossary"}}
    assert_refused(services.decision_update, Conflict, field="status", actor=w.secretariat, decision=w.decision,
                   title="Changed after publication")
    assert_refused(services.decision_update, ApplicationError, actor=w.secretariat, decision=w.draft_decision,
                   reference="MN-ED2024-99")


def test_decision_publish_once(w):
    decision, _ = audited_call(services.decision_publish, action="committee.decision.publish", actor=w.secretariat,
                               decision=w.draft_decision)
    decision.refresh_from_db()
    assert decision.status == PublicationStatus.PUBLISHED and decision.published_at is not None
    assert_refused(services.decision_publish, Conflict, field="status", actor=w.secretariat, decision=w.decision)


# --- rules and guidelines -------------------------------------------------------------


def test_publishing_a_new_version_supersedes_the_one_in_force(w):
    new, event = audited_call(services.rule_document_publish, action="committee.rule_document.publish",
                              actor=w.secretariat, joint_committee=w.jc, kind=RuleKind.ROI, version="ver02.0",
                              title="Rules of Implementation", effective_date=D(2015, 6, 1))
    old = RuleDocument.objects.get(pk=w.rule.pk)
    assert (new.code, new.version, new.status) == ("JCM_MN_RoI_ver02.0", "02.0", RuleStatus.IN_FORCE)
    assert new.supersedes == old and old.superseded_by == new
    assert old.status == RuleStatus.SUPERSEDED
    assert event.data["supersedes"] == "JCM_MN_RoI_ver01.0"
    assert list(RuleDocument.objects.filter(series="JCM_MN_RoI", status=RuleStatus.IN_FORCE)) == [new]


def test_the_database_allows_one_version_in_force_per_series(w):
    with pytest.raises(IntegrityError, match="rule_one_version_in_force"), transaction.atomic():
        RuleDocument.objects.create(joint_committee=w.jc, kind=RuleKind.ROI, series="JCM_MN_RoI",
                                    code="JCM_MN_RoI_ver05.0", title="x", version_major=5, effective_date=D(2020, 1, 1),
                                    status=RuleStatus.IN_FORCE)


def test_forms_use_their_own_code(w):
    form = services.rule_document_publish(actor=w.secretariat, joint_committee=w.jc, kind=RuleKind.FORM,
                                          form_code="F_Iss_Req", version="04.0", title="Issuance request form",
                                          effective_date=D(2020, 1, 1))
    assert (form.series, form.code, form.supersedes) == ("JCM_MN_F_Iss_Req", "JCM_MN_F_Iss_Req_ver04.0", None)


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"version": "01.0"}, Conflict, "version"),
    ({"version": "00.9"}, Conflict, "version"),
    ({"version": "two"}, ApplicationError, "version"),
    ({"effective_date": D(2013, 4, 10)}, ApplicationError, "effective_date"),
    ({"kind": "memo"}, ApplicationError, "kind"),
    ({"kind": RuleKind.FORM}, ApplicationError, "form_code"),
    ({"title": ""}, ApplicationError, "title"),
    ({"adopted_by": "other"}, ApplicationError, "adopted_by"),
], ids=["same-version", "lower-version", "bad-version", "effective-before-current", "bad-kind", "form-without-code",
        "no-title", "adopted-by-other-committee"])
def test_rule_document_publish_refuses_bad_input(w, other_secretariat, changes, error, field):
    kwargs = {"joint_committee": w.jc, "kind": RuleKind.ROI, "version": "02.0", "title": "Rules of Implementation",
              "effective_date": D(2015, 6, 1), **changes}
    if kwargs.get("adopted_by") == "other":
        kwargs["adopted_by"] = services.decision_record(
            actor=other_secretariat, joint_committee=w.other_jc, decided_on=D(2015, 1, 1),
            mode=DecisionMode.ELECTRONIC, kind=DecisionKind.ADOPT_RULES, title="x")
    assert_refused(services.rule_document_publish, error, field=field, actor=w.secretariat, **kwargs)
    assert RuleDocument.objects.get(pk=w.rule.pk).status == RuleStatus.IN_FORCE


def test_rule_document_withdraw_and_no_way_back(w):
    newer = services.rule_document_publish(actor=w.secretariat, joint_committee=w.jc, kind=RuleKind.ROI,
                                           version="02.0", title="Rules of Implementation",
                                           effective_date=D(2015, 6, 1))
    assert_refused(services.rule_document_withdraw, Conflict, field="status", actor=w.secretariat, document=w.rule)
    withdrawn, event = audited_call(services.rule_document_withdraw, action="committee.rule_document.withdraw",
                                    actor=w.secretariat, document=newer, reason="Replaced by the PCP")
    newer.refresh_from_db()
    assert newer.status == RuleStatus.WITHDRAWN == withdrawn.status
    assert (event.data, event.message) == ({"before": RuleStatus.IN_FORCE}, "Replaced by the PCP")
    assert_refused(services.rule_document_withdraw, Conflict, field="status", actor=w.secretariat, document=newer)


# --- third-party entities -------------------------------------------------------------


def test_tpe_designation_numbers_per_committee_and_starts_the_history(w, other_secretariat):
    tpe, event = audited_call(services.tpe_designate, action="committee.tpe.designate", actor=w.secretariat,
                              joint_committee=w.jc, organization=w.other_tpe_org, designated_on=D(2015, 2, 1),
                              scopes_validation=[f.scope(1)], scopes_verification=[f.scope(1), f.scope(3)],
                              accreditation="ISO 14065 (UKAS)", decision=w.decision)
    assert (tpe.tpe_id, tpe.status, tpe.status_changed_on) == ("TPE-MN-002", TPEStatus.DESIGNATED, D(2015, 2, 1))
    assert {s.number for s in tpe.scopes_verification.all()} == {1, 3}
    assert (event.data["scopes_validation"], event.data["scopes_verification"]) == ([1], [1, 3])
    assert [(c.from_status, c.to_status, c.effective_on, c.decision) for c in tpe.status_changes.all()] == [
        ("", TPEStatus.DESIGNATED, D(2015, 2, 1), w.decision)]

    in_cambodia = services.tpe_designate(actor=other_secretariat, joint_committee=w.other_jc, organization=w.tpe_org,
                                         designated_on=D(2015, 3, 1), scopes_validation=[f.scope(1)])
    assert in_cambodia.tpe_id == "TPE-KH-001"


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"scopes_validation": [], "scopes_verification": []}, ApplicationError, "scopes_validation"),
    ({"organization": "already"}, Conflict, "organization"),
    ({"decision": "other"}, ApplicationError, "decision"),
    ({"number": 1}, ApplicationError, "tpe_id"),
], ids=["no-scope", "already-designated", "decision-of-other-committee", "number-taken"])
def test_tpe_designate_refuses_bad_input(w, other_secretariat, changes, error, field):
    kwargs = {"joint_committee": w.jc, "organization": w.other_tpe_org, "designated_on": D(2015, 2, 1),
              "scopes_validation": [f.scope(1)], **changes}
    if kwargs["organization"] == "already":
        kwargs["organization"] = w.tpe_org
    if kwargs.get("decision") == "other":
        kwargs["decision"] = services.decision_record(
            actor=other_secretariat, joint_committee=w.other_jc, decided_on=D(2015, 1, 1),
            mode=DecisionMode.ELECTRONIC, kind=DecisionKind.DESIGNATE_TPE, title="x")
    assert_refused(services.tpe_designate, error, field=field, actor=w.secretariat, **kwargs)


def test_tpe_suspension_reinstatement_and_withdrawal_are_kept_in_the_history(w):
    def change(status, on, reason=""):
        tpe, event = audited_call(services.tpe_change_status, action=f"committee.tpe.{status}", actor=w.secretariat,
                                  tpe=w.tpe, status=status, effective_on=on, reason=reason)
        assert (tpe.status, tpe.status_changed_on) == (status, on)
        return event

    event = change(TPEStatus.SUSPENDED, D(2016, 1, 1), "Accreditation lapsed")
    assert event.data == {"from": "designated", "to": "suspended", "effective_on": "2016-01-01"}
    assert event.message == "Accreditation lapsed"
    change(TPEStatus.DESIGNATED, D(2016, 6, 1))
    change(TPEStatus.WITHDRAWN, D(2018, 1, 1), "Requested by the TPE")
    history = [(c.from_status, c.to_status, c.effective_on, c.reason)
               for c in TPEStatusChange.objects.filter(tpe=w.tpe).order_by("effective_on", "id")]
    assert history == [
        ("", "designated", D(2014, 1, 10), ""),
        ("designated", "suspended", D(2016, 1, 1), "Accreditation lapsed"),
        ("suspended", "designated", D(2016, 6, 1), ""),
        ("designated", "withdrawn", D(2018, 1, 1), "Requested by the TPE"),
    ]
    # A withdrawn TPE is never reinstated, suspended, or given new scopes.
    for status in (TPEStatus.DESIGNATED, TPEStatus.SUSPENDED):
        assert_refused(services.tpe_change_status, Conflict, field="status", actor=w.secretariat, tpe=w.tpe,
                       status=status, effective_on=D(2019, 1, 1), reason="Try again")
    assert_refused(services.tpe_update_scopes, Conflict, field="status", actor=w.secretariat, tpe=w.tpe,
                   scopes_validation=[f.scope(1)], scopes_verification=[])


@pytest.mark.parametrize(("changes", "error", "field"), [
    ({"status": TPEStatus.DESIGNATED}, Conflict, "status"),
    ({"status": "retired"}, Conflict, "status"),
    ({"reason": "  "}, ApplicationError, "reason"),
    ({"effective_on": D(2014, 1, 9)}, ApplicationError, "effective_on"),
], ids=["already-designated", "unknown-status", "no-reason", "before-last-change"])
def test_tpe_change_status_refuses(w, changes, error, field):
    kwargs = {"tpe": w.tpe, "status": TPEStatus.SUSPENDED, "effective_on": D(2016, 1, 1), "reason": "Lapsed",
              **changes}
    assert_refused(services.tpe_change_status, error, field=field, actor=w.secretariat, **kwargs)


def test_tpe_update_scopes(w):
    tpe, event = audited_call(services.tpe_update_scopes, action="committee.tpe.update_scopes", actor=w.secretariat,
                              tpe=w.tpe, scopes_validation=[f.scope(7)], scopes_verification=[f.scope(1), f.scope(7)],
                              decision=w.decision)
    assert {s.number for s in tpe.scopes_validation.all()} == {7}
    assert {s.number for s in tpe.scopes_verification.all()} == {1, 7}
    assert event.data == {"before": {"validation": [1, 3], "verification": [1]}, "validation": [7],
                          "verification": [1, 7], "decision": w.decision.pk}
    assert_refused(services.tpe_update_scopes, ApplicationError, field="scopes_validation", actor=w.secretariat,
                   tpe=w.tpe, scopes_validation=[], scopes_verification=[])


# --- roles ----------------------------------------------------------------------------


def test_role_assign_and_revoke(w):
    assignment, event = audited_call(services.role_assign, action="committee.role.assign", actor=w.sysadmin,
                                     user=w.newcomer, role=Role.SECRETARIAT, joint_committee=w.jc,
                                     side=Side.PARTNER, valid_from=D(2020, 1, 1))
    assert event.data["user"] == w.newcomer.pk and event.data["side"] == Side.PARTNER
    assert list(w.newcomer.role_assignments.all()) == [assignment]

    audited_call(services.role_revoke, action="committee.role.revoke", actor=w.sysadmin, target=assignment,
                 assignment=assignment)
    assert not RoleAssignment.objects.filter(pk=assignment.pk).exists()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"role": "king"}, "role"),
    ({"role": Role.SECRETARIAT, "joint_committee": "jc"}, "non_field_errors"),  # which side?
    ({"role": Role.MINISTRY_API}, "non_field_errors"),  # which government?
    ({"role": Role.COMMITTEE_MEMBER, "joint_committee": "jc", "valid_from": D(2020, 1, 1),
      "valid_until": D(2019, 1, 1)}, "non_field_errors"),
], ids=["unknown-role", "secretariat-without-side", "ministry-without-country", "dates-reversed"])
def test_role_assign_refuses_incomplete_roles(w, kwargs, field):
    if kwargs.get("joint_committee") == "jc":
        kwargs = {**kwargs, "joint_committee": w.jc}
    assert_refused(services.role_assign, ApplicationError, field=field, actor=w.sysadmin, user=w.newcomer, **kwargs)

