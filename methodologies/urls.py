"""Browser URLs of the methodologies app (mounted at /methodologies/).

Methodologies are named by number: /methodologies/MN_AM003/ (a proposed number such as MN_PM004
leads to the same methodology); versions by their label: /methodologies/MN_AM003/ver01.0/.
"""

from django.urls import path, register_converter

from . import views

app_name = "methodologies"


class NumberConverter:
    regex = "[A-Za-z]{2}_[APap][Mm][0-9]{3,4}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


class VersionConverter:
    regex = r"ver[0-9]{2}\.[0-9]"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(NumberConverter, "methodology")
register_converter(VersionConverter, "version")

urlpatterns = [
    # public
    path("", views.methodology_list, name="list"),
    path("propose/", views.methodology_propose, name="propose"),
    path("workflow/", views.workflow_queue, name="queue"),
    path("mine/", views.my_proposals, name="mine"),
    path("comments/<int:pk>/unpublish/", views.comment_unpublish, name="comment-unpublish"),
    path("<methodology:number>/", views.methodology_detail, name="detail"),
    path("<methodology:number>/comment/", views.comment_submit, name="comment"),
    path("<methodology:number>/resubmit/", views.methodology_resubmit, name="resubmit"),
    path("<methodology:number>/revise/", views.revision_request, name="revise"),
    path("<methodology:number>/do/<slug:action>/", views.workflow_action, name="action"),
    path("<methodology:number>/<version:version>/", views.methodology_detail, name="version-detail"),
    path("<methodology:number>/<version:version>/calculate/", views.calculate, name="calculate"),
    path("<methodology:number>/<version:version>/spreadsheet.xlsx", views.spreadsheet_download,
         name="spreadsheet"),
    path("<methodology:number>/<version:version>/edit/", views.version_edit, name="version-edit"),
    path("<methodology:number>/<version:version>/do/<slug:action>/", views.version_action,
         name="version-action"),
]
