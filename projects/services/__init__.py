"""Every write of the projects app: one function per step of the JCM project cycle and of MRV.

Each runs in one transaction, locks what it changes (the project row first), checks that the actor may
act (projects.access) and that the transition is allowed (projects.choices), saves, writes one audit
event and queues the notifications (stored now, e-mailed after commit). Registration, issuance and the
decisions on change requests are Joint Committee decisions, recorded through
``committee.services.decision_record`` in the same transaction.

One module per stage of the cycle: ``project`` (the draft), ``pdd`` (PDD, completeness check, public
input), ``validation``, ``registration``, ``moc`` (MoC statement, Annex 1 changes, credit allocation),
``changes`` (post-registration changes and renewal), ``monitoring`` (periods, reports, evidence),
``verification`` and ``issuance`` (issuance requests); ``common`` holds the inputs and the helpers they
share. Callers import the services from this package: ``from projects import services``.
"""

from methodologies.services import DecisionInput

from ..choices import CLOSED_STATUSES
from .changes import (
    change_request_approve,
    change_request_reject,
    change_request_submit,
    change_request_withdraw,
)
from .common import (
    CHANGE_LABELS,
    ISSUANCE_LABELS,
    MONITORING_LABELS,
    PROJECT_LABELS,
    AnswerInput,
    FindingInput,
    ParticipantInput,
    ShareInput,
    SiteInput,
    project_url,
)
from .issuance import (
    issuance_decision_title,
    issuance_request_decide,
    issuance_request_reject,
    issuance_request_submit,
    issuance_request_withdraw,
)
from .moc import PERCENT_QUANTUM, allocation_submit, moc_annex_change, moc_submit
from .monitoring import (
    RESULT_QUANTUM,
    evidence_add,
    evidence_remove,
    monitoring_period_create,
    monitoring_report_save,
    monitoring_report_submit,
    monitoring_report_upload,
)
from .pdd import (
    comment_submit,
    pdd_publication_request,
    pdd_publish,
    pdd_return,
    pdd_save,
    pdd_submit,
    public_input_note_closed,
)
from .project import PROJECT_EDITABLE, project_create, project_update, project_withdraw
from .registration import (
    project_register,
    project_reject,
    registration_request,
    registration_request_withdraw,
)
from .validation import validation_report_submit, validation_start, validation_tpe_choose
from .verification import verification_report_submit

# Former names, kept for the callers in other areas (the API, other apps' tests).
issuance_decide = issuance_request_decide
issuance_reject = issuance_request_reject

__all__ = [
    "CHANGE_LABELS", "CLOSED_STATUSES", "ISSUANCE_LABELS", "MONITORING_LABELS", "PERCENT_QUANTUM",
    "PROJECT_EDITABLE", "PROJECT_LABELS", "RESULT_QUANTUM", "AnswerInput", "DecisionInput", "FindingInput",
    "ParticipantInput", "ShareInput", "SiteInput", "allocation_submit", "change_request_approve",
    "change_request_reject", "change_request_submit", "change_request_withdraw", "comment_submit",
    "evidence_add", "evidence_remove", "issuance_decide", "issuance_decision_title", "issuance_reject",
    "issuance_request_decide", "issuance_request_reject", "issuance_request_submit",
    "issuance_request_withdraw", "moc_annex_change", "moc_submit", "monitoring_period_create",
    "monitoring_report_save", "monitoring_report_submit", "monitoring_report_upload", "pdd_publication_request",
    "pdd_publish",
    "pdd_return", "pdd_save", "pdd_submit", "project_create", "project_register", "project_reject",
    "project_update", "project_url", "project_withdraw", "public_input_note_closed", "registration_request",
    "registration_request_withdraw", "validation_report_submit", "validation_start", "validation_tpe_choose",
    "verification_report_submit",
]
