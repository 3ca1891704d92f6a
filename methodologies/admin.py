"""Admin of the methodologies app.

Every write is audited (AuditedModelAdmin). Workflow fields and the content of a version
(criteria, parameters, formulas: validated as a whole by the engine) are read-only here; the
steps of the cycle go through the services, reached through admin actions.
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import AuditedModelAdmin, ReadOnlyModelAdmin, service_action

from . import services
from .models import EligibilityCriterion, Formula, Methodology, MethodologyVersion, Parameter, PublicComment


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class VersionInline(_ReadOnlyInline):
    model = MethodologyVersion
    fields = ("version", "status", "approved_on", "approval_decision", "valid_until", "revises")
    show_change_link = True


class CriterionInline(_ReadOnlyInline):
    model = EligibilityCriterion
    fields = ("number", "statement")


class ParameterInline(_ReadOnlyInline):
    model = Parameter
    fields = ("symbol", "description", "unit", "kind", "per_site", "min_value", "max_value", "default_value",
              "monitoring_option", "frequency")


class FormulaInline(_ReadOnlyInline):
    model = Formula
    fields = ("symbol", "expression", "description", "unit", "per_site")


@admin.register(Methodology)
class MethodologyAdmin(AuditedModelAdmin):
    list_display = ("number", "title", "joint_committee", "sectoral_scope", "status", "submitted_at", "decided_on")
    list_filter = ("joint_committee", "status", "sectoral_scope")
    search_fields = ("proposed_number", "approved_number", "title", "summary", "proponent_name")
    list_select_related = ("joint_committee", "sectoral_scope")
    raw_id_fields = ("proponent_organization", "submitted_by")
    workflow_fields = (
        "joint_committee", "proposed_number", "approved_number", "status", "status_reason", "submitted_at",
        "completeness_due_on", "completeness_checked_at", "published_at", "public_input_opens_at",
        "public_input_closes_at", "consideration_started_at", "consideration_due_on", "consideration_extended_at",
        "decided_on", "overdue_flagged_at", "submitted_by",
    )
    inlines = [VersionInline]
    actions = [
        service_action(services.methodology_accept_complete, description=_("Complete: open public input"),
                       arg="methodology"),
        service_action(services.methodology_close_public_input, description=_("Close public input (period over)"),
                       arg="methodology"),
    ]

    def has_add_permission(self, request):
        return False  # proposals are submitted through services.methodology_submit (numbered, validated)


@admin.register(MethodologyVersion)
class MethodologyVersionAdmin(AuditedModelAdmin):
    list_display = ("__str__", "status", "approved_on", "approval_decision", "valid_until", "inactive_since")
    list_filter = ("status", "methodology__joint_committee")
    search_fields = ("methodology__approved_number", "methodology__proposed_number", "version")
    list_select_related = ("methodology", "approval_decision")
    workflow_fields = ("methodology", "version", "status", "revises", "approval_decision", "approved_on",
                       "valid_until", "inactive_since", "requested_by", "requested_at", "consideration_due_on")
    inlines = [CriterionInline, ParameterInline, FormulaInline]

    def has_add_permission(self, request):
        return False  # a version is created by a submission or a revision request


@admin.register(PublicComment)
class PublicCommentAdmin(ReadOnlyModelAdmin):
    list_display = ("methodology", "name", "organization", "email", "submitted_at", "published")
    list_filter = ("published", "methodology__joint_committee")
    search_fields = ("name", "organization", "email", "text", "methodology__proposed_number")
    list_select_related = ("methodology",)
    actions = [service_action(services.comment_unpublish, description=_("Unpublish the selected comments"),
                              arg="comment", reason="Unpublished by a system administrator.")]
