"""The Django admin: every model registered and browsable, every admin write audited, workflow
fields read-only (transitions go through the services), the audit trail itself read-only."""

from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import transaction
from django.urls import reverse

from committee import services
from committee.choices import DecisionKind, DecisionMode, OrganizationKind, PublicationStatus, RuleKind
from committee.models import CountryScopeLabel, Decision, Organization
from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from core.audit import verify_chain
from core.models import AuditEvent
from notifications.services import notify
from tests import factories as f

D = datetime.date
REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def new_events(since: int = 0) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))


def last_seq() -> int:
    last = AuditEvent.objects.order_by("-seq").first()
    return last.seq if last else 0


def form_data(response) -> dict:
    """The POST data that the admin page in ``response`` would submit unchanged."""
    form = response.context["adminform"].form
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else [str(v) for v in value] if isinstance(value, list | tuple) else value
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


@pytest.fixture
def staff(client, sysadmin):
    client.force_login(sysadmin)
    return client


@pytest.fixture
def world(jc, mongolia, secretariat, sysadmin, member, moe, mn_ministry):
    """At least one row of every registered model, made through the services where there is one."""
    meeting = services.meeting_record(actor=secretariat, joint_committee=jc, date=D(2013, 4, 11), city="Ulaanbaatar",
                                      attendees=[moe, mn_ministry])
    decision = services.decision_record(actor=secretariat, joint_committee=jc, decided_on=D(2013, 4, 11),
                                        mode=DecisionMode.MEETING, meeting=meeting, kind=DecisionKind.ADOPT_RULES,
                                        title="Adoption of the Rules of Implementation")
    draft = services.decision_record(actor=secretariat, joint_committee=jc, decided_on=D(2024, 5, 1),
                                     mode=DecisionMode.ELECTRONIC, kind=DecisionKind.OTHER, title="Revised glossary",
                                     publish=False)
    services.rule_document_publish(actor=secretariat, joint_committee=jc, kind=RuleKind.ROI, version="01.0",
                                   title="Rules of Implementation", effective_date=D(2013, 4, 11), adopted_by=decision)
    tpe_org = f.OrganizationFactory(name="Japan Quality Assurance Organization", kind=OrganizationKind.TPE)
    services.tpe_designate(actor=secretariat, joint_committee=jc, organization=tpe_org, designated_on=D(2014, 1, 10),
                           scopes_validation=[f.scope(1)])
    services.member_appoint(actor=secretariat, joint_committee=jc, side="japan", name="Takenori Shimizu",
                            organization=moe, role="co_chair", start_date=D(2013, 4, 11))
    services.bilateral_document_record(actor=sysadmin, country=mongolia, title="Low Carbon Development Partnership",
                                       signed_on=D(2013, 1, 8), place="Ulaanbaatar")
    CountryScopeLabel.objects.create(country=mongolia, scope=f.scope(14), label="REDD-plus")
    with transaction.atomic():
        notify(recipients=[secretariat], kind="decision.recorded", key=f"decision:{decision.pk}",
               subject="A decision was recorded")
    return {"meeting": meeting, "decision": decision, "draft": draft}


OUR_MODELS = [model for label in ("core", "committee", "documents", "notifications")
              for model in apps.get_app_config(label).get_models()]


def test_every_model_of_core_committee_documents_and_notifications_is_registered():
    assert [m._meta.label for m in OUR_MODELS if m not in admin.site._registry] == []


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m._meta.label)
def test_each_admin_is_audited_or_read_only_and_searchable(model):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, AuditedModelAdmin | ReadOnlyModelAdmin)
    assert model_admin.list_display != admin.ModelAdmin.list_display
    assert model_admin.search_fields


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_registered_model_has_working_pages(staff, world, rf, sysadmin, model):
    assert staff.get(url(model, "changelist")).status_code == 200
    assert staff.get(url(model, "changelist"), {"q": "Mongolia"}).status_code == 200
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        assert staff.get(url(model, "change", obj.pk)).status_code == 200
    request = rf.get("/")
    request.user = sysadmin
    if admin.site._registry[model].has_add_permission(request):
        assert staff.get(url(model, "add")).status_code == 200


def test_changing_an_object_in_the_admin_writes_one_audit_event(staff, world, sysadmin, mn_ministry):
    page = staff.get(url(Organization, "change", mn_ministry.pk))
    data = {**form_data(page), "short_name": "MNET", "email": "info@mne.gov.mn"}
    since = last_seq()
    response = staff.post(url(Organization, "change", mn_ministry.pk), data)
    assert response.status_code == 302
    mn_ministry.refresh_from_db()
    assert (mn_ministry.short_name, mn_ministry.email) == ("MNET", "info@mne.gov.mn")
    [event] = new_events(since)
    assert (event.action, event.actor, event.target_id) == ("admin.committee.organization.change", sysadmin,
                                                            str(mn_ministry.pk))
    assert event.data == {"changes": {"short_name": "MNET", "email": "info@mne.gov.mn"},
                          "before": {"short_name": "MEGD", "email": ""}}
    assert verify_chain()[1] == []


def test_saving_without_changes_writes_nothing(staff, world, mn_ministry):
    page = staff.get(url(Organization, "change", mn_ministry.pk))
    since = last_seq()
    assert staff.post(url(Organization, "change", mn_ministry.pk), form_data(page)).status_code == 302
    assert new_events(since) == []


def test_creating_an_object_in_the_admin_is_audited(staff, world, sysadmin):
    from committee.models import Country

    page = staff.get(url(Country, "add"))
    since = last_seq()
    response = staff.post(url(Country, "add"), {**form_data(page), "code": "VN", "name": "Viet Nam",
                                                "name_ja": "ベトナム"})
    assert response.status_code == 302
    country = Country.objects.get(code="VN")
    [event] = new_events(since)
    assert (event.action, event.actor, event.target_id) == ("admin.committee.country.create", sysadmin,
                                                            str(country.pk))
    assert event.data["fields"] == {"code": "VN", "name": "Viet Nam", "name_ja": "ベトナム", "name_local": "",
                                    "is_japan": False}


def test_deleting_in_the_admin_is_audited(staff, world, sysadmin, mongolia):
    label = CountryScopeLabel.objects.get(country=mongolia, scope__number=14)
    since = last_seq()
    assert staff.post(url(CountryScopeLabel, "delete", label.pk), {"post": "yes"}).status_code == 302
    assert not CountryScopeLabel.objects.filter(pk=label.pk).exists()
    [event] = new_events(since)
    assert (event.action, event.actor, event.target_id) == ("admin.committee.countryscopelabel.delete", sysadmin,
                                                            str(label.pk))
    assert event.data["fields"] == {"id": label.pk, "country": mongolia.pk, "scope": f.scope(14).pk,
                                    "label": "REDD-plus"}


def test_bulk_deleting_in_the_admin_audits_each_object(staff, world, mongolia):
    labels = [CountryScopeLabel.objects.create(country=mongolia, scope=f.scope(n), label=f"Scope {n}")
              for n in (2, 3, 4)]
    since = last_seq()
    response = staff.post(url(CountryScopeLabel, "changelist"), {
        "action": "delete_selected", "_selected_action": [x.pk for x in labels], "post": "yes"})
    assert response.status_code == 302
    assert not CountryScopeLabel.objects.filter(pk__in=[x.pk for x in labels]).exists()
    events = new_events(since)
    assert [(e.action, e.target_id) for e in events] == [
        ("admin.committee.countryscopelabel.delete", str(x.pk)) for x in labels]


def test_workflow_fields_are_read_only_in_the_admin(staff, world):
    draft = world["draft"]
    page = staff.get(url(Decision, "change", draft.pk))
    assert "status" not in page.context["adminform"].form.fields
    assert "published_at" not in page.context["adminform"].form.fields
    since = last_seq()
    data = {**form_data(page), "title": "Glossary of Terms", "status": PublicationStatus.PUBLISHED}
    assert staff.post(url(Decision, "change", draft.pk), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.published_at) == ("Glossary of Terms", PublicationStatus.DRAFT, None)
    [event] = new_events(since)
    assert event.data["changes"] == {"title": "Glossary of Terms"}


@pytest.mark.parametrize(("app_model", "fields"), [
    ("committee.Meeting", {"status", "published_at"}),
    ("committee.Decision", {"status", "published_at"}),
    ("committee.RuleDocument", {"status", "published_at", "supersedes"}),
    ("committee.ThirdPartyEntity", {"status", "status_changed_on", "tpe_id"}),
])
def test_status_fields_are_never_editable(staff, world, app_model, fields):
    model = apps.get_model(app_model)
    obj = model._default_manager.first()
    form = staff.get(url(model, "change", obj.pk)).context["adminform"].form
    assert fields.isdisjoint(form.fields)


def test_publishing_from_the_admin_goes_through_the_service(staff, world, sysadmin):
    draft, published = world["draft"], world["decision"]
    since = last_seq()
    response = staff.post(url(Decision, "changelist"), {
        "action": "decision_publish_action", "_selected_action": [draft.pk, published.pk]}, follow=True)
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == PublicationStatus.PUBLISHED and draft.published_at is not None
    [event] = new_events(since)
    assert (event.action, event.actor, event.target_id) == ("committee.decision.publish", sysadmin, str(draft.pk))
    messages = [str(m) for m in response.context["messages"]]
    assert any("cannot go from" in m and published.reference in m for m in messages)


def test_the_audit_trail_is_read_only_in_the_admin(staff, world):
    event = AuditEvent.objects.order_by("seq").first()
    assert staff.get(url(AuditEvent, "change", event.pk)).status_code == 200  # viewable
    assert staff.get(url(AuditEvent, "add")).status_code == 403
    assert staff.post(url(AuditEvent, "change", event.pk), {"message": "edited"}).status_code == 403
    assert staff.post(url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    request = staff.get(url(AuditEvent, "changelist")).wsgi_request
    assert "delete_selected" not in admin.site._registry[AuditEvent].get_actions(request)
    assert verify_chain()[1] == []


def test_tpe_history_and_new_rule_versions_are_not_added_in_the_admin(staff, world):
    for label in ("committee.TPEStatusChange", "committee.RuleDocument", "committee.ThirdPartyEntity"):
        assert staff.get(url(apps.get_model(label), "add")).status_code == 403


def test_api_tokens_are_revoked_in_the_admin_and_audited_without_their_key(staff, world, sysadmin, ministry):
    from core.models import ApiToken

    token, key = ApiToken.issue(user=ministry, name="ledger sync", scope=ApiToken.Scope.WRITE)
    assert staff.get(url(ApiToken, "add")).status_code == 403
    page = staff.get(url(ApiToken, "changelist"))
    assert page.status_code == 200 and b"ledger sync" in page.content and token.digest.encode() not in page.content
    since = last_seq()
    response = staff.post(url(ApiToken, "changelist"), {"action": "revoke", "_selected_action": [token.pk]})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    [event] = new_events(since)
    assert (event.action, event.actor) == ("auth.token_revoked", sysadmin)
    assert key not in str(event.data) and token.digest not in str(event.data)


def test_users_added_in_the_admin_are_audited_without_their_password(staff, world, sysadmin):
    from committee.models import User

    page = staff.get(url(User, "add"))
    since = last_seq()
    response = staff.post(url(User, "add"), {**form_data(page), "username": "new_secretary",
                                             "password1": "Str0ng-pass-phrase!", "password2": "Str0ng-pass-phrase!"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(username="new_secretary")
    [event] = new_events(since)
    assert (event.action, event.target_id) == ("admin.committee.user.create", str(user.pk))
    assert event.data["fields"]["username"] == "new_secretary"
    assert "Str0ng" not in str(event.data) and user.password not in str(event.data)

    since = last_seq()
    response = staff.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                          {"password1": "An0ther-pass-phrase!", "password2": "An0ther-pass-phrase!"})
    assert response.status_code == 302
    [event] = new_events(since)
    assert (event.action, event.actor, event.data) == ("admin.committee.user.change", sysadmin,
                                                       {"changes": {"password": "(changed)"}})
