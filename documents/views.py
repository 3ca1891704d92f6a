"""Browser pages of the documents (mounted at /documents/).

Public: the verification page of a document number (what it states, its SHA-256, its versions)
and the upload check. Signed in: download statements, request a statement, run batches and
follow their progress, reissue a document. Each write is one service call.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from committee.roles import acting_user
from core.errors import ApplicationError
from core.forms import run_service
from core.views import form_status
from documents.models import BatchKind, BatchStatus, Document, DocumentBatch, DocumentKind, DocumentStatus

from . import access, forms, selectors, services
from .kinds import spec_for

REFRESH_SECONDS = 3


# --- public verification --------------------------------------------------------------------

def verify(request: HttpRequest) -> HttpResponse:
    """Upload a PDF to learn whether it is genuine and current, superseded, or unknown."""
    result = None
    upload = forms.VerifyUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and upload.is_valid():
        result = services.verify_file(upload.cleaned_data["file"])
    lookup = forms.NumberLookupForm(request.GET or None)
    if lookup.is_bound and lookup.is_valid():
        if selectors.versions(lookup.cleaned_data["number"]).exists():
            return redirect("documents:verify-number", lookup.cleaned_data["number"])
        lookup.add_error("number", _("No document of the registry has this number."))
    return render(request, "documents/verify.html", {
        "upload": upload, "lookup": lookup, "result": result,
        "show_facts": result is not None and result.document is not None,
    }, status=form_status(upload) if result is None else 200)


def verify_number(request: HttpRequest, number: str) -> HttpResponse:
    """The page the QR code opens: what the document states, its fingerprint, status and versions."""
    versions = list(selectors.versions(number.upper()))
    if not versions:
        raise Http404(_("No document of the registry has this number."))
    current = next((v for v in versions if v.status == DocumentStatus.CURRENT), versions[0])
    scanned = None
    if request.GET.get("version", "").isdigit():
        scanned = next((v for v in versions if v.version == int(request.GET["version"])), None)
    shown = scanned or current
    return render(request, "documents/verify_detail.html", {
        "number": current.number, "versions": versions, "current": current, "scanned": scanned,
        "shown": shown, "may_read": access.can_read(request.user, shown),
        "may_reissue": current.is_current and access.can_reissue(request.user, current),
        "reissue_form": forms.ReissueForm(),
    })


def download(request: HttpRequest, number: str, version: int) -> FileResponse:
    document = get_object_or_404(Document, number=number.upper(), version=version)
    if not access.can_read(request.user, document):
        raise PermissionDenied(_("This document is shown only to those who may see the account."))
    return FileResponse(document.file.open("rb"), filename=document.filename, content_type="application/pdf",
                        as_attachment=request.GET.get("download") == "1")


def for_subject(request: HttpRequest, kind: str, subject_id: str) -> HttpResponse:
    """The current document of ``kind`` about a subject (links from other pages need no query)."""
    try:
        spec = spec_for(kind)
    except ApplicationError as exc:
        raise Http404(str(exc)) from None
    subject = spec.load(subject_id) if subject_id.isdigit() else None
    document = services.current_document(kind, subject) if subject is not None else None
    if document is None and subject is not None and access.can_see_pending(request.user, kind, subject):
        # made in the background after the step that produces it: say so instead of a broken link
        return render(request, "documents/pending.html", {"subject": subject})
    if document is None:
        raise Http404(_("This document has not been made yet."))
    return redirect("documents:verify-number", document.number)


@login_required
@require_POST
def reissue(request: HttpRequest, number: str) -> HttpResponse:
    document = get_object_or_404(Document, number=number.upper(), status=DocumentStatus.CURRENT)
    form = forms.ReissueForm(request.POST)

    def request_new_version() -> bool:
        services.document_reissue_request(actor=acting_user(request.user),
                                          document=document, reason=form.cleaned_data["reason"])
        return True

    if run_service(form, request_new_version):
        messages.success(request, _("A new version is being made; it will replace this one in a moment."))
        return redirect("documents:verify-number", document.number)
    versions = list(selectors.versions(document.number))
    return render(request, "documents/verify_detail.html", {
        "number": document.number, "versions": versions, "current": document, "scanned": None, "shown": document,
        "may_read": access.can_read(request.user, document),
        "may_reissue": access.can_reissue(request.user, document), "reissue_form": form,
    }, status=400)


# --- statements and batches -------------------------------------------------------------------

@login_required
def statement(request: HttpRequest, account: str) -> HttpResponse:
    """Request an account's statement for a period; list the statements already made."""
    lookup = spec_for(DocumentKind.ACCOUNT_STATEMENT).lookup  # the account by its number
    subject = lookup(account) if lookup is not None else None
    if subject is None:
        raise Http404
    if not access.can_start_batch(request.user, BatchKind.ACCOUNT_STATEMENT, subject):
        raise PermissionDenied(_("Only the account's representatives and its registry see its statements."))
    form = forms.PeriodForm(request.POST or None)
    if request.method == "POST":
        batch = run_service(form, lambda: services.statement_request(
            actor=acting_user(request.user),
            account=subject, start=form.cleaned_data["start"], end=form.cleaned_data["end"]))
        if batch is not None:
            return redirect("documents:batch-detail", batch.pk)
    return render(request, "documents/statement.html", {
        "account": subject, "form": form, "statements": selectors.statements_of(subject),
    }, status=form_status(form))


@login_required
def batch_list(request: HttpRequest) -> HttpResponse:
    registries = selectors.batch_scopes(request.user)
    offered = registries is not None and registries.exists()
    form = forms.BatchForm(request.POST or None, registries=registries)
    if request.method == "POST":
        if not offered:
            raise PermissionDenied(_("Only registry administrators prepare documents for a whole registry."))

        def request_batch() -> DocumentBatch:
            data = form.cleaned_data
            return services.batch_request(actor=acting_user(request.user),
                                          kind=data["kind"], registry=data["registry"],
                                          year=data["year"], start=data["start"], end=data["end"])

        batch = run_service(form, request_batch)
        if batch is not None:
            return redirect("documents:batch-detail", batch.pk)
    return render(request, "documents/batch_list.html", {
        "form": form if offered else None, "batches": selectors.batches_for(request.user)[:50],
    }, status=form_status(form))


def _batch(request: HttpRequest, pk: int) -> DocumentBatch:
    batch = get_object_or_404(DocumentBatch, pk=pk)
    if not access.can_view_batch(request.user, batch):
        raise PermissionDenied(_("Only whoever asked for it and the registry's administrators see this job."))
    return batch


@login_required
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress of a long job; the page refreshes itself (no script) until the job is done."""
    batch = _batch(request, pk)
    running = batch.status in (BatchStatus.QUEUED, BatchStatus.RUNNING)
    return render(request, "documents/batch_detail.html", {
        "batch": batch, "refresh": REFRESH_SECONDS if running else None,
        "documents": batch.documents.order_by("number", "version") if batch.status == BatchStatus.DONE else [],
    })


@login_required
def batch_download(request: HttpRequest, pk: int) -> FileResponse:
    batch = _batch(request, pk)
    if batch.status != BatchStatus.DONE or not batch.file:
        raise Http404(_("The job is not finished yet."))
    return FileResponse(batch.file.open("rb"), as_attachment=True, filename=f"jcm-documents-{batch.pk}.zip",
                        content_type="application/zip")


def batch_url(batch: DocumentBatch) -> str:
    return reverse("documents:batch-detail", args=[batch.pk])
