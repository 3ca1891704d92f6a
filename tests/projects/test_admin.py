"""The admin shows every projects model to the system administrator; statuses stay read-only there."""

import pytest
from django.test import Client

from projects.models import Project


@pytest.mark.parametrize("model", ["project", "mocstatement", "creditallocation", "pdd", "projectcomment",
                                   "validationreport", "verificationreport", "changerequest", "monitoringperiod",
                                   "monitoringreport", "issuancerequest", "mocannexchange", "projectform"])
def test_admin_lists(registered, sysadmin, model):
    client = Client()
    client.force_login(sysadmin)
    assert client.get(f"/admin/projects/{model}/").status_code == 200


def test_admin_project_page_keeps_the_status_read_only(registered, sysadmin):
    client = Client()
    client.force_login(sysadmin)
    page = client.get(f"/admin/projects/project/{registered.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    assert 'name="title"' in page.content.decode()
    client.post(f"/admin/projects/project/{registered.pk}/change/", {"status": "draft", "title": registered.title})
    assert Project.objects.get(pk=registered.pk).status == "registered"
