"""Django admin of the projects app: the system administrator's view of every row.

Statuses, versions, digests, computed results and the dates the cycle sets are read-only: the project
cycle moves only through projects.services (the browser, the API, or the admin actions below), each
with its audit event. Edits that the admin allows are audited by ``AuditedModelAdmin``.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin, service_action

from . import services
from .models import (
    PDD,
    AllocationShare,
    ChangeRequest,
    CreditAllocation,
    EligibilityAnswer,
    EvidenceFile,
    Finding,
    IssuanceRequest,
    MoCAnnexChange,
    MoCStatement,
    MonitoringPeriod,
    MonitoringReport,
    Project,
    ProjectComment,
    ProjectForm,
    ProjectParticipant,
    Site,
    ValidationReport,
    VerificationReport,
)


class SiteInline(admin.TabularInline):
    model = Site
    extra = 0
    fields = ("order", "name", "latitude", "longitude", "description")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ParticipantInline(admin.TabularInline):
    model = ProjectParticipant
    extra = 0
    fields = ("organization", "side", "name", "is_focal_point", "active", "joined_on", "left_on")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Project)
class ProjectAdmin(AuditedModelAdmin):
    list_display = ("project_id", "title", "joint_committee", "sectoral_scope", "status", "registered_on")
    list_filter = ("status", "joint_committee", "sectoral_scope")
    search_fields = ("project_id", "title", "participants__name")
    list_select_related = ("joint_committee", "sectoral_scope")
    inlines = [ParticipantInline, SiteInline]
    readonly_fields = ("project_id", "number", "joint_committee", "created_by", "created_at")
    workflow_fields = ("status", "status_reason", "validation_tpe", "pdd_submitted_at", "completeness_due_on",
                       "public_input_opens_at", "public_input_closes_at", "public_input_closed_noted_at",
                       "validation_started_at", "registration_requested_at", "registration_due_on",
                       "registration_decision", "registered_on", "withdrawn_at", "crediting_start", "crediting_end",
                       "methodology_versions", "sectoral_scope")
    actions = [service_action(services.pdd_publish, description="Publish the PDD for public input", arg="project")]

    def has_add_permission(self, request):
        return False  # projects start with projects.services.project_create (browser or API)

    def has_delete_permission(self, request, obj=None):
        return False


class VersionedAdmin(AuditedModelAdmin):
    """Versioned records: viewable and annotatable, never added or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MoCStatement)
class MoCStatementAdmin(VersionedAdmin):
    list_display = ("project", "version", "status", "focal_point", "submitted_at")
    list_filter = ("status",)
    search_fields = ("project__project_id", "primary_signatory_name", "alternate_signatory_name")
    readonly_fields = ("project", "version", "focal_point", "supersedes", "submitted_by", "submitted_at", "file",
                       "sha256", "participants", "tpes")
    workflow_fields = ("status",)


@admin.register(MoCAnnexChange)
class MoCAnnexChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("statement", "number", "kind", "organization", "effective_on")
    list_filter = ("kind",)


class ShareInline(admin.TabularInline):
    model = AllocationShare
    extra = 0
    fields = ("position", "party", "organization", "registry", "percent")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditAllocation)
class CreditAllocationAdmin(VersionedAdmin):
    list_display = ("project", "version", "status", "submitted_at")
    list_filter = ("status",)
    search_fields = ("project__project_id",)
    inlines = [ShareInline]
    readonly_fields = ("project", "version", "submitted_by", "submitted_at")
    workflow_fields = ("status",)


class AnswerInline(admin.TabularInline):
    model = EligibilityAnswer
    extra = 0
    fields = ("criterion", "meets", "justification")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PDD)
class PDDAdmin(VersionedAdmin):
    list_display = ("project", "version", "status", "saved_at", "submitted_at")
    list_filter = ("status",)
    search_fields = ("project__project_id",)
    inlines = [AnswerInline]
    readonly_fields = ("project", "version", "public_file", "public_sha256", "public_size", "confidential_file",
                       "confidential_sha256", "confidential_size", "ex_ante_values", "saved_by", "saved_at",
                       "submitted_at")
    workflow_fields = ("status",)


@admin.register(ProjectComment)
class ProjectCommentAdmin(ReadOnlyModelAdmin):
    list_display = ("project", "name", "organization", "submitted_at")
    search_fields = ("project__project_id", "name", "organization", "text")


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    fields = ("number", "kind", "status", "text", "response")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ValidationReport)
class ValidationReportAdmin(ReadOnlyModelAdmin):
    list_display = ("project", "tpe", "conclusion", "report_date", "submitted_at")
    list_filter = ("conclusion",)
    inlines = [FindingInline]


@admin.register(VerificationReport)
class VerificationReportAdmin(ReadOnlyModelAdmin):
    list_display = ("period", "tpe", "conclusion", "verified_reductions", "report_date")
    list_filter = ("conclusion",)
    inlines = [FindingInline]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("project", "kind", "status", "requested_at", "due_on", "decision")
    list_filter = ("kind", "status")


@admin.register(MonitoringPeriod)
class MonitoringPeriodAdmin(ReadOnlyModelAdmin):
    list_display = ("project", "number", "start_date", "end_date", "status", "verification_tpe")
    list_filter = ("status",)
    search_fields = ("project__project_id",)


class EvidenceInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    fields = ("original_name", "content_type", "size", "sha256", "description", "parameter", "uploaded_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MonitoringReport)
class MonitoringReportAdmin(ReadOnlyModelAdmin):
    list_display = ("period", "version", "status", "entry_method", "reported_reductions", "submitted_at")
    list_filter = ("status", "entry_method")
    inlines = [EvidenceInline]


@admin.register(IssuanceRequest)
class IssuanceRequestAdmin(ReadOnlyModelAdmin):
    list_display = ("project", "period", "status", "requested_amount", "decided_amount", "decision", "due_on")
    list_filter = ("status",)
    search_fields = ("project__project_id",)


@admin.register(ProjectForm)
class ProjectFormAdmin(ReadOnlyModelAdmin):
    """The project forms (PIN, ARE, PIR, SD contribution plan and report): read-only, changed by their services."""

    list_display = ("project", "kind", "status", "revision", "submitted_at", "due_on", "reviewed_at")
    list_filter = ("kind", "status")
    search_fields = ("project__project_id", "title")
