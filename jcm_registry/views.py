from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from committee import selectors as committee_selectors


def home(request: HttpRequest) -> HttpResponse:
    """What the registry is, and the Joint Committees with their partner and bilateral document."""
    committees = committee_selectors.joint_committee_list(request.user).prefetch_related(
        "partner__bilateral_documents"
    )
    rows: list[dict[str, Any]] = [
        {"jc": jc, "partner": jc.partner,
         "bilateral": min(jc.partner.bilateral_documents.all(), key=lambda d: d.signed_on, default=None)}
        for jc in committees
    ]
    rows.sort(key=lambda row: (row["bilateral"] is None, row["bilateral"].signed_on if row["bilateral"] else None,
                               row["partner"].name))
    return render(request, "home.html", {"committees": rows})


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
