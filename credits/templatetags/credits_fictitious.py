"""The "Fictitious" badge on the registry's pages: credits of the demo's fictitious projects and accounts of its
fictitious organizations say so wherever they are shown (as the project and committee pages do).

``{% fictitious_project block.project_code %}`` prints the badge when the project is fictitious (credit blocks and
issuances name their project by its code); ``{% fictitious_transaction txn %}`` when any unit it moved (or issued)
is of a fictitious project; ``{% fictitious_account account %}`` when the account's holder is fictitious. The codes
of the fictitious projects are read once per request.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from projects.models import Project

register = template.Library()

BADGE = "committee/_fictitious_badge.html"


def fictitious_codes(context: template.Context) -> set[str]:
    request = context.get("request")
    codes = getattr(request, "_fictitious_project_codes", None) if request is not None else None
    if codes is None:
        codes = set(Project.objects.filter(is_fictitious=True).values_list("project_id", flat=True))
        if request is not None:
            request._fictitious_project_codes = codes
    return codes


def _badge(context: template.Context) -> SafeString:
    return mark_safe(" " + render_to_string(BADGE, request=context.get("request")))  # noqa: S308 (our template)


@register.simple_tag(takes_context=True)
def fictitious_project(context: template.Context, project_code: str | None) -> str:
    return _badge(context) if project_code and project_code in fictitious_codes(context) else ""


@register.simple_tag(takes_context=True)
def fictitious_transaction(context: template.Context, txn: Any) -> str:
    codes = fictitious_codes(context)
    if not codes:
        return ""
    issuance = getattr(txn, "issuance_record", None) if txn.kind == "issuance" else None
    if issuance is not None and issuance.project_code in codes:
        return _badge(context)
    if any(entry.block.project_code in codes for entry in txn.entries.all()):
        return _badge(context)
    return ""


@register.simple_tag(takes_context=True)
def fictitious_account(context: template.Context, account: Any) -> str:
    holder = getattr(account, "holder", None)
    return _badge(context) if holder is not None and holder.is_fictitious else ""
