"""Small helpers every app's browser views use: pages of a list, the query string without the page, a safe
``next`` address, and the HTTP status of a form page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

PAGE_SIZE = 50


def paginate(request: HttpRequest, items: Any, per_page: int = PAGE_SIZE) -> Page:
    """The page of ``items`` that ``?page=`` asks for (the last one if it is past the end)."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The query string of this request without ``page``, for the links of the pagination."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def safe_next(request: HttpRequest) -> str:
    """The posted ``next`` address if it is on this site, else ''."""
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def form_status(form: forms.BaseForm, *formsets: forms.BaseFormSet) -> int:
    """400 for a refused (bound, with errors) form page, else 200."""
    if form.is_bound and (form.errors or any(fs.total_error_count() for fs in formsets)):
        return 400
    return 200
