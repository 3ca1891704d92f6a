"""Browser URLs of the projects app (mounted at /projects/).

Projects are named by project ID (/projects/MN001/), monitoring periods by their number within the
project (/projects/MN001/periods/1/). Files are downloaded through /projects/files/<kind>/<id>/, which
checks who may read them.
"""

from django.urls import path, register_converter

from . import views

app_name = "projects"


class ProjectIdConverter:
    regex = "[A-Za-z]{2}[0-9]{3,}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ProjectIdConverter, "project")

urlpatterns = [
    path("", views.project_list, name="list"),
    path("new/", views.project_create, name="create"),
    path("mine/", views.my_projects, name="mine"),
    path("tpe/", views.tpe_work, name="tpe"),
    path("work/", views.secretariat_queues, name="queues"),
    path("files/<slug:kind>/<int:pk>/", views.download, name="download"),
    path("<project:project_id>/", views.project_detail, name="detail"),
    path("<project:project_id>/comment/", views.comment_submit, name="comment"),
    path("<project:project_id>/edit/", views.project_edit, name="edit"),
    path("<project:project_id>/sites/", views.sites_edit, name="sites"),
    path("<project:project_id>/participants/", views.participants_edit, name="participants"),
    path("<project:project_id>/pdd/", views.pdd_edit, name="pdd"),
    path("<project:project_id>/moc/", views.moc_submit, name="moc"),
    path("<project:project_id>/moc/annex/", views.moc_annex_change, name="moc-annex"),
    path("<project:project_id>/allocation/", views.allocation_submit, name="allocation"),
    path("<project:project_id>/validation/", views.validation_report, name="validation"),
    path("<project:project_id>/do/<slug:action>/", views.project_action, name="action"),
    path("<project:project_id>/issuance/<int:pk>/<slug:action>/", views.issuance_action, name="issuance-action"),
    path("<project:project_id>/changes/new/", views.change_request_create, name="change-create"),
    path("<project:project_id>/changes/<int:pk>/<slug:action>/", views.change_action, name="change-action"),
    path("<project:project_id>/periods/new/", views.period_create, name="period-create"),
    path("<project:project_id>/periods/<int:number>/", views.period_detail, name="period-detail"),
    path("<project:project_id>/periods/<int:number>/report/", views.report_edit, name="report"),
    path("<project:project_id>/periods/<int:number>/report/upload/", views.report_upload, name="report-upload"),
    path("<project:project_id>/periods/<int:number>/report/evidence/", views.evidence_add, name="evidence-add"),
    path("<project:project_id>/periods/<int:number>/report/evidence/<int:pk>/remove/", views.evidence_remove,
         name="evidence-remove"),
    path("<project:project_id>/periods/<int:number>/report/submit/", views.report_submit, name="report-submit"),
    path("<project:project_id>/periods/<int:number>/workbook.xlsx", views.workbook_download, name="workbook"),
    path("<project:project_id>/periods/<int:number>/verification/", views.verification_report, name="verification"),
    path("<project:project_id>/periods/<int:number>/do/<slug:action>/", views.period_action, name="period-action"),
]
