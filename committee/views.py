from django.shortcuts import render

from . import selectors


def country_list(request):
    return render(request, "committee/country_list.html", {"countries": selectors.country_list(request.user)})
