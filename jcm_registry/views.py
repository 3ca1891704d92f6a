from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from committee import selectors as committee_selectors


def home(request):
    committees = committee_selectors.joint_committee_list(request.user)
    return render(request, "home.html", {"committees": committees})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
