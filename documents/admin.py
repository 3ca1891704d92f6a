"""Admin pages of the documents: read-only (documents are made and superseded by their services;
a new version is asked for on the document's verification page)."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from core.admin import ReadOnlyModelAdmin
from documents.models import Document, DocumentBatch, DocumentNumber


@admin.register(Document)
class DocumentAdmin(ReadOnlyModelAdmin):
    list_display = ("number", "version", "kind", "title", "status", "created_at", "verification")
    list_filter = ("kind", "status")
    search_fields = ("number", "title", "sha256", "subject_id")
    date_hierarchy = "created_at"
    exclude = ("facts",)
    readonly_fields = ("verification",)

    @admin.display(description="verification page")
    def verification(self, obj: Document) -> str:
        return format_html('<a href="{}">{}</a>', reverse("documents:verify-number", args=[obj.number]), obj.number)


@admin.register(DocumentNumber)
class DocumentNumberAdmin(ReadOnlyModelAdmin):
    list_display = ("number", "kind", "subject_type", "subject_id", "key", "created_at")
    list_filter = ("kind", "year")
    search_fields = ("number", "subject_id", "key")


@admin.register(DocumentBatch)
class DocumentBatchAdmin(ReadOnlyModelAdmin):
    list_display = ("title", "kind", "status", "done", "total", "requested_by", "created_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "requested_by__username")
    list_select_related = ("requested_by",)
    exclude = ("documents",)
