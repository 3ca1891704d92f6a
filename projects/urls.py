"""Browser URLs of the projects app (mounted at /projects/).

Projects are named by project ID (/projects/MN001/), monitoring periods by their number within the
project (/projects/MN001/periods/1/). Files are downloaded through /projects/files/<kind>/<id>/, which
checks who may read them.
"""

from django.urls import path, register_converter

from .views import actions, changes, moc, monitoring, pages, project, project_forms, reports, work

app_name = "projects"


class ProjectIdConverter:
    regex = "[A-Za-z]{2}[0-9]{3,}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value


register_converter(ProjectIdConverter, "project")

urlpatterns = [
    path("", pages.project_list, name="list"),
    path("new/", project.project_create, name="create"),
    path("mine/", work.my_projects, name="mine"),
    path("tpe/", work.tpe_work, name="tpe"),
    path("work/", work.secretariat_queues, name="queues"),
    path("files/<slug:kind>/<int:pk>/", pages.download, name="download"),
    path("<project:project_id>/", pages.project_detail, name="detail"),
    path("<project:project_id>/comment/", pages.comment_submit, name="comment"),
    path("<project:project_id>/edit/", project.project_edit, name="edit"),
    path("<project:project_id>/sites/", project.sites_edit, name="sites"),
    path("<project:project_id>/participants/", project.participants_edit, name="participants"),
    path("<project:project_id>/pdd/", project.pdd_edit, name="pdd"),
    path("<project:project_id>/moc/", moc.moc_submit, name="moc"),
    path("<project:project_id>/moc/annex/", moc.moc_annex_change, name="moc-annex"),
    path("<project:project_id>/allocation/", moc.allocation_submit, name="allocation"),
    path("<project:project_id>/validation/", reports.validation_report, name="validation"),
    path("<project:project_id>/do/<slug:action>/", actions.project_action, name="action"),
    path("<project:project_id>/issuance/<int:pk>/<slug:action>/", actions.issuance_action, name="issuance-action"),
    path("<project:project_id>/changes/new/", changes.change_request_create, name="change-create"),
    path("<project:project_id>/changes/<int:pk>/<slug:action>/", actions.change_action, name="change-action"),
    path("forms/", project_forms.project_form_queue, name="form-queue"),
    path("<project:project_id>/forms/new/<slug:kind>/", project_forms.project_form_create, name="form-create"),
    path("<project:project_id>/forms/<int:pk>/", project_forms.project_form_detail, name="form-detail"),
    path("<project:project_id>/forms/<int:pk>/resubmit/", project_forms.project_form_resubmit, name="form-resubmit"),
    path("<project:project_id>/forms/<int:pk>/<slug:action>/", project_forms.project_form_action, name="form-action"),
    path("<project:project_id>/periods/new/", monitoring.period_create, name="period-create"),
    path("<project:project_id>/periods/<int:number>/", pages.period_detail, name="period-detail"),
    path("<project:project_id>/periods/<int:number>/report/", monitoring.report_edit, name="report"),
    path("<project:project_id>/periods/<int:number>/report/upload/", monitoring.report_upload, name="report-upload"),
    path("<project:project_id>/periods/<int:number>/report/evidence/", monitoring.evidence_add, name="evidence-add"),
    path("<project:project_id>/periods/<int:number>/report/evidence/<int:pk>/remove/", monitoring.evidence_remove,
         name="evidence-remove"),
    path("<project:project_id>/periods/<int:number>/report/submit/", monitoring.report_submit, name="report-submit"),
    path("<project:project_id>/periods/<int:number>/workbook.xlsx", monitoring.workbook_download, name="workbook"),
    path("<project:project_id>/periods/<int:number>/verification/", reports.verification_report, name="verification"),
    path("<project:project_id>/periods/<int:number>/do/<slug:action>/", actions.period_action, name="period-action"),
]
