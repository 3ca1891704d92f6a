"""Admin of the committee app. Every write is audited (AuditedModelAdmin); workflow fields are
read-only, and publication/withdrawal go through the services (admin actions)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin, service_action

from . import services
from .models import (
    BilateralDocument,
    CommitteeMember,
    Country,
    CountryScopeLabel,
    Decision,
    JointCommittee,
    Meeting,
    Organization,
    OrganizationName,
    RoleAssignment,
    RuleDocument,
    SectoralScope,
    ThirdPartyEntity,
    TPEScopeValidity,
    TPEStatusChange,
    User,
)


class BilateralDocumentInline(admin.TabularInline):
    model = BilateralDocument
    fields = ("title", "signed_on", "place", "japan_signatory", "partner_signatory")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "name_ja", "name_local", "is_japan")
    list_filter = ("is_japan",)
    search_fields = ("code", "name", "name_ja", "name_local")
    inlines = [BilateralDocumentInline]


@admin.register(BilateralDocument)
class BilateralDocumentAdmin(AuditedModelAdmin):
    list_display = ("title", "country", "signed_on", "place", "japan_signatory", "partner_signatory")
    list_filter = ("country",)
    search_fields = ("title", "place", "japan_signatory", "partner_signatory", "country__name")
    date_hierarchy = "signed_on"
    list_select_related = ("country",)


@admin.register(SectoralScope)
class SectoralScopeAdmin(AuditedModelAdmin):
    list_display = ("number", "name", "name_ja")
    search_fields = ("name", "name_ja")
    ordering = ("number",)


@admin.register(CountryScopeLabel)
class CountryScopeLabelAdmin(AuditedModelAdmin):
    list_display = ("country", "scope", "label")
    list_filter = ("country",)
    search_fields = ("label", "scope__name", "country__name")
    list_select_related = ("country", "scope")


@admin.register(Organization)
class OrganizationAdmin(AuditedModelAdmin):
    list_display = ("name", "short_name", "kind", "country", "email")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_ja", "short_name", "email")
    list_select_related = ("country",)


class RoleAssignmentInline(admin.TabularInline):
    """Shown on the user page; roles are granted and revoked on their own admin page (audited)."""

    model = RoleAssignment
    fk_name = "user"
    fields = ("role", "joint_committee", "side", "country", "organization", "valid_from", "valid_until")
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(AuditedModelAdmin, BaseUserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "organization", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "organization__kind")
    search_fields = ("username", "first_name", "last_name", "email", "organization__name")
    list_select_related = ("organization",)
    raw_id_fields = ("organization",)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # (Django's UserAdmin has them; the stubs allow None)
        (_("Registry"), {"fields": ("organization", "language")}),
    )
    inlines = [RoleAssignmentInline]
    audit_exclude = ("password", "last_login")

    def user_change_password(self, request, id, form_url=""):
        """Audit the password change (never the password itself)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                if user is not None:  # (it is: its password was just changed)
                    self.audit_record(request, "change", user, {"changes": {"password": "(changed)"}})
        return response


@admin.register(JointCommittee)
class JointCommitteeAdmin(AuditedModelAdmin):
    list_display = ("name", "partner", "established_on")
    search_fields = ("name", "partner__name", "partner__code")
    list_select_related = ("partner",)


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AuditedModelAdmin):
    list_display = ("user", "role", "joint_committee", "side", "country", "organization", "valid_from",
                    "valid_until")
    list_filter = ("role", "side", "joint_committee", "country")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organization__name")
    list_select_related = ("user", "joint_committee", "country", "organization")
    raw_id_fields = ("user",)


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(AuditedModelAdmin):
    list_display = ("name", "joint_committee", "side", "role", "organization", "start_date", "end_date")
    list_filter = ("joint_committee", "side", "role")
    search_fields = ("name", "title", "organization__name")
    list_select_related = ("joint_committee", "organization")
    raw_id_fields = ("user",)


@admin.register(Meeting)
class MeetingAdmin(AuditedModelAdmin):
    list_display = ("__str__", "joint_committee", "number", "date", "city", "is_online", "status")
    list_filter = ("joint_committee", "status", "is_online")
    search_fields = ("city", "summary", "joint_committee__name")
    date_hierarchy = "date"
    list_select_related = ("joint_committee",)
    filter_horizontal = ("attendees",)
    workflow_fields = ("status", "published_at")
    actions = [service_action(services.meeting_publish, description=_("Publish the selected meetings"),
                              arg="meeting")]


@admin.register(Decision)
class DecisionAdmin(AuditedModelAdmin):
    list_display = ("reference", "title", "joint_committee", "decided_on", "mode", "kind", "status")
    list_filter = ("joint_committee", "status", "mode", "kind")
    search_fields = ("reference", "title", "text", "subject_label")
    date_hierarchy = "decided_on"
    list_select_related = ("joint_committee",)
    raw_id_fields = ("meeting",)
    readonly_fields = ("recorded_by",)
    workflow_fields = ("status", "published_at")
    actions = [service_action(services.decision_publish, description=_("Publish the selected decisions"),
                              arg="decision")]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(RuleDocument)
class RuleDocumentAdmin(AuditedModelAdmin):
    list_display = ("code", "title", "joint_committee", "kind", "version", "effective_date", "status")
    list_filter = ("joint_committee", "kind", "status")
    search_fields = ("code", "series", "title")
    date_hierarchy = "effective_date"
    list_select_related = ("joint_committee",)
    raw_id_fields = ("adopted_by",)
    workflow_fields = ("status", "published_at", "supersedes")
    actions = [service_action(services.rule_document_withdraw, description=_("Withdraw the selected documents"),
                              arg="document", reason="Withdrawn by a system administrator.")]

    def has_add_permission(self, request):
        return False  # a new version is published by services.rule_document_publish (supersedes the old)


class TPEStatusChangeInline(admin.TabularInline):
    model = TPEStatusChange
    fields = ("from_status", "to_status", "effective_on", "reason", "decision")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ThirdPartyEntity)
class ThirdPartyEntityAdmin(AuditedModelAdmin):
    list_display = ("tpe_id", "organization", "joint_committee", "status", "designated_on", "status_changed_on")
    list_filter = ("joint_committee", "status")
    search_fields = ("tpe_id", "organization__name", "accreditation")
    list_select_related = ("organization", "joint_committee")
    raw_id_fields = ("decision",)
    filter_horizontal = ("scopes_validation", "scopes_verification")
    workflow_fields = ("tpe_id", "status", "status_changed_on")
    inlines = [TPEStatusChangeInline]

    def has_add_permission(self, request):
        return False  # designation by services.tpe_designate: numbers the TPE and starts its history


@admin.register(TPEStatusChange)
class TPEStatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("tpe", "from_status", "to_status", "effective_on", "created_at")
    list_filter = ("to_status", "tpe__joint_committee")
    search_fields = ("tpe__tpe_id", "tpe__organization__name", "reason")
    list_select_related = ("tpe__organization",)



@admin.register(OrganizationName)
class OrganizationNameAdmin(ReadOnlyModelAdmin):
    """Recorded by committee.services.organization_name_record (with its source); read-only here."""

    list_display = ("name", "organization", "valid_from", "valid_until", "attested_on", "source")
    search_fields = ("name", "organization__name", "source")
    list_select_related = ("organization",)


@admin.register(TPEScopeValidity)
class TPEScopeValidityAdmin(ReadOnlyModelAdmin):
    """Set by committee.services.tpe_set_scope_until; read-only here."""

    list_display = ("tpe", "scope", "purpose", "valid_until")
    search_fields = ("tpe__tpe_id", "tpe__organization__name")
    list_filter = ("purpose",)
    list_select_related = ("tpe__organization", "scope")
