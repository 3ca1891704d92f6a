"""Browser pages of the projects app: the public project register, the participants' submissions, the
TPEs' reports and the secretariat's work queues and decision forms.

Every read goes through ``projects.selectors`` (a project the user may not see does not exist for them:
404). Every page that changes something first checks the rule of its action in ``projects.access`` (403
unless the user is the party it is reserved for; buttons are offered by the same rules, through
``access.Permissions``), then validates its form and calls ONE service through
``core.forms.run_service``: a refusal is shown on the form (status 400) and nothing is written, because
the service runs in one transaction. Files are served only through :func:`~projects.views.pages.download`,
which checks who may read them.

One module per face: ``pages`` (public pages and downloads), ``work`` (work lists), ``actions`` (workflow
steps confirmed on a short form), ``project`` (the draft and its PDD), ``moc`` (MoC statement and credit
allocation), ``changes`` (post-registration changes), ``reports`` (the TPEs' reports) and ``monitoring``.
"""

from .actions import change_action, issuance_action, period_action, project_action
from .changes import change_request_create
from .moc import allocation_submit, moc_annex_change, moc_submit
from .monitoring import (
    evidence_add,
    evidence_remove,
    period_create,
    report_edit,
    report_submit,
    report_upload,
    workbook_download,
)
from .pages import comment_submit, download, period_detail, project_detail, project_list
from .project import participants_edit, pdd_edit, project_create, project_edit, sites_edit
from .reports import validation_report, verification_report
from .work import my_projects, secretariat_queues, tpe_work

__all__ = [
    "allocation_submit", "change_action", "change_request_create", "comment_submit", "download", "evidence_add",
    "evidence_remove", "issuance_action", "moc_annex_change", "moc_submit", "my_projects", "participants_edit",
    "pdd_edit", "period_action", "period_create", "period_detail", "project_action", "project_create",
    "project_detail", "project_edit", "project_list", "report_edit", "report_submit", "report_upload",
    "secretariat_queues", "sites_edit", "tpe_work", "validation_report", "verification_report", "workbook_download",
]
