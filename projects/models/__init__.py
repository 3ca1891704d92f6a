"""JCM projects and their MRV: participants, MoC statements, credit allocations, PDDs, public comments,
validation, registration, post-registration changes, monitoring periods and reports, verification and
issuance requests.

Data and constraints only; every write goes through projects.services, every read through
projects.selectors. The allowed transitions are in projects.choices.

One module per part of the cycle (``project``, ``moc``, ``pdd``, ``changes``, ``monitoring``; ``common``
holds what they share). Every name stays importable from ``projects.models``: the migrations refer to
``projects.models.upload_pdd``, ``projects.models.ProjectDayRange`` and the like.
"""

# isort: off
# The models register in this order (that of the former single module): a new database creates the
# content types of the app in it.
from .common import (
    PROJECT_ID_RE,
    RESULT_DECIMAL,
    SHA256_RE,
    ProjectDayRange,
    StoredFileMixin,
    upload_evidence,
    upload_moc,
    upload_monitoring,
    upload_pdd,
    upload_validation,
    upload_verification,
)
from .project import Project, ProjectParticipant, Site
from .moc import AllocationShare, CreditAllocation, MoCAnnexChange, MoCStatement, split_amount
from .pdd import PDD, EligibilityAnswer, ProjectComment, ValidationReport
from .changes import ChangeRequest
from .monitoring import EvidenceFile, Finding, IssuanceRequest, MonitoringPeriod, MonitoringReport, VerificationReport
from .project_forms import ProjectForm
# isort: on

__all__ = [
    "PDD", "PROJECT_ID_RE", "RESULT_DECIMAL", "SHA256_RE", "AllocationShare", "ChangeRequest", "CreditAllocation",
    "EligibilityAnswer", "EvidenceFile", "Finding", "IssuanceRequest", "MoCAnnexChange", "MoCStatement",
    "MonitoringPeriod", "MonitoringReport", "Project", "ProjectComment", "ProjectDayRange", "ProjectForm", "ProjectParticipant",
    "Site", "StoredFileMixin", "ValidationReport", "VerificationReport", "split_amount", "upload_evidence",
    "upload_moc", "upload_monitoring", "upload_pdd", "upload_validation", "upload_verification",
]
