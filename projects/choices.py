"""Statuses, kinds and the allowed transitions of the projects app (the JCM project cycle and MRV).

Each workflow object has a ``TextChoices`` status and a ``*_TRANSITIONS`` map ``{source: {targets}}``;
every service checks its move against the map with ``core.workflow.check_transition``.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

# Defaults where the JCM rules are silent (documented in docs/projects.md). A Joint Committee may carry
# its own value in a field of the same name (``JointCommittee.pdd_public_input_days`` ...).
DEFAULT_PDD_PUBLIC_INPUT_DAYS = 30
DEFAULT_COMPLETENESS_CHECK_DAYS = 7  # no longer used for PDDs: the 7-day completeness check is for methodologies
DEFAULT_REGISTRATION_DECISION_DAYS = 60
DEFAULT_ISSUANCE_DECISION_DAYS = 60
DEFAULT_CHANGE_REQUEST_DECISION_DAYS = 60


class ProjectStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PDD_SUBMITTED = "pdd_submitted", _("PDD submitted to the TPE")
    PUBLICATION_REQUESTED = "publication_requested", _("Publication requested by the TPE")
    PUBLIC_INPUT = "public_input", _("PDD published for public input")
    UNDER_VALIDATION = "under_validation", _("Under validation")
    VALIDATION_NEGATIVE = "validation_negative", _("Negative validation")
    VALIDATED = "validated", _("Validated")
    REGISTRATION_REQUESTED = "registration_requested", _("Registration requested")
    REGISTERED = "registered", _("Registered")
    REJECTED = "rejected", _("Registration rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_OPEN = {ProjectStatus.WITHDRAWN}
PROJECT_TRANSITIONS: dict[str, set[str]] = {
    ProjectStatus.DRAFT: {ProjectStatus.PDD_SUBMITTED} | _OPEN,
    ProjectStatus.PDD_SUBMITTED: {ProjectStatus.PUBLICATION_REQUESTED, ProjectStatus.DRAFT} | _OPEN,
    ProjectStatus.PUBLICATION_REQUESTED: {ProjectStatus.PUBLIC_INPUT} | _OPEN,
    ProjectStatus.PUBLIC_INPUT: {ProjectStatus.UNDER_VALIDATION} | _OPEN,
    ProjectStatus.UNDER_VALIDATION: {ProjectStatus.VALIDATED, ProjectStatus.VALIDATION_NEGATIVE} | _OPEN,
    ProjectStatus.VALIDATION_NEGATIVE: {ProjectStatus.UNDER_VALIDATION} | _OPEN,
    ProjectStatus.VALIDATED: {ProjectStatus.REGISTRATION_REQUESTED} | _OPEN,
    ProjectStatus.REGISTRATION_REQUESTED: {ProjectStatus.REGISTERED, ProjectStatus.REJECTED,
                                           ProjectStatus.VALIDATED} | _OPEN,
    ProjectStatus.REGISTERED: _OPEN,
    ProjectStatus.REJECTED: set(),
    ProjectStatus.WITHDRAWN: set(),
}

# Statuses in which the participants may still edit the project description and save PDD drafts.
EDITABLE_STATUSES = {ProjectStatus.DRAFT}
# Statuses in which a revised PDD version may be saved (after submission: revisions during validation).
PDD_REVISABLE_STATUSES = {ProjectStatus.DRAFT, ProjectStatus.UNDER_VALIDATION, ProjectStatus.VALIDATION_NEGATIVE}
# Statuses in which the participants may (again) choose the TPE that validates the project: before they give
# it the PDD (Project Cycle Procedure), or after a negative validation.
TPE_CHOICE_STATUSES = {ProjectStatus.DRAFT, ProjectStatus.VALIDATION_NEGATIVE}
# Closed projects: no MoC statement, Annex 1 change or credit allocation any more.
CLOSED_STATUSES = (ProjectStatus.WITHDRAWN, ProjectStatus.REJECTED)


class ParticipantSide(models.TextChoices):
    JAPANESE = "japanese", _("Japanese side")
    PARTNER = "partner", _("Partner-country side")


class RecordStatus(models.TextChoices):
    """Versioned records (MoC statements, credit allocations): one current, the others superseded."""

    CURRENT = "current", _("Current")
    SUPERSEDED = "superseded", _("Superseded")


class AnnexChangeKind(models.TextChoices):
    """MoC Annex 1 changes: everything but a change of focal point (which needs a new MoC statement)."""

    ADD_PARTICIPANT = "add_participant", _("Addition of a project participant")
    RENAME_PARTICIPANT = "rename_participant", _("Change of a participant's name")
    WITHDRAW_PARTICIPANT = "withdraw_participant", _("Withdrawal of a project participant")
    CONTACT_CHANGE = "contact_change", _("Change of contact details")


class AllocationParty(models.TextChoices):
    JAPAN_GOVERNMENT = "japan_government", _("Government of Japan")
    PARTNER_GOVERNMENT = "partner_government", _("Government of the partner country")
    PARTICIPANT = "participant", _("Project participant")


class RegistrySide(models.TextChoices):
    JAPAN = "japan", _("Japan's registry")
    PARTNER = "partner", _("The partner country's registry")


class PDDStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    SUPERSEDED = "superseded", _("Superseded")


class Conclusion(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEGATIVE = "negative", _("Negative")


class FindingKind(models.TextChoices):
    CAR = "car", _("Corrective action request (CAR)")
    CL = "cl", _("Clarification request (CL)")
    FAR = "far", _("Forward action request (FAR)")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


# Findings that must all be closed before a positive validation or verification conclusion.
BLOCKING_FINDINGS = {FindingKind.CAR, FindingKind.CL}


class ChangeRequestKind(models.TextChoices):
    POST_REGISTRATION_CHANGE = "post_registration_change", _("Post-registration change")
    RENEWAL = "renewal", _("Renewal of the crediting period")


class ChangeRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CHANGE_REQUEST_TRANSITIONS: dict[str, set[str]] = {
    ChangeRequestStatus.REQUESTED: {ChangeRequestStatus.APPROVED, ChangeRequestStatus.REJECTED,
                                    ChangeRequestStatus.WITHDRAWN},
    ChangeRequestStatus.APPROVED: set(),
    ChangeRequestStatus.REJECTED: set(),
    ChangeRequestStatus.WITHDRAWN: set(),
}

# What a post-registration change may alter on the project (applied when the Joint Committee approves).
POST_REGISTRATION_CHANGEABLE = ("title", "expected_annual_reductions", "start_of_operation", "description")


class MonitoringStatus(models.TextChoices):
    OPEN = "open", _("Monitoring report in preparation")
    SUBMITTED = "submitted", _("Submitted for verification")
    VERIFIED = "verified", _("Verified")
    ISSUANCE_REQUESTED = "issuance_requested", _("Issuance requested")
    ISSUANCE_DECIDED = "issuance_decided", _("Issuance decided")


MONITORING_TRANSITIONS: dict[str, set[str]] = {
    MonitoringStatus.OPEN: {MonitoringStatus.SUBMITTED},
    # a negative verification returns the period to the participants for a revised report
    MonitoringStatus.SUBMITTED: {MonitoringStatus.VERIFIED, MonitoringStatus.OPEN},
    MonitoringStatus.VERIFIED: {MonitoringStatus.ISSUANCE_REQUESTED},
    # a withdrawn or rejected issuance request returns the period to "verified"
    MonitoringStatus.ISSUANCE_REQUESTED: {MonitoringStatus.ISSUANCE_DECIDED, MonitoringStatus.VERIFIED},
    MonitoringStatus.ISSUANCE_DECIDED: set(),
}


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted (frozen)")
    SUPERSEDED = "superseded", _("Superseded by a revised report")


class EntryMethod(models.TextChoices):
    FORM = "form", _("Form")
    XLSX = "xlsx", _("Monitoring spreadsheet (XLSX)")
    API = "api", _("API")


class IssuanceStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DECIDED = "decided", _("Decided by the Joint Committee")
    REJECTED = "rejected", _("Rejected by the Joint Committee")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ISSUANCE_TRANSITIONS: dict[str, set[str]] = {
    IssuanceStatus.REQUESTED: {IssuanceStatus.DECIDED, IssuanceStatus.REJECTED, IssuanceStatus.WITHDRAWN},
    IssuanceStatus.DECIDED: set(),
    IssuanceStatus.REJECTED: set(),
    IssuanceStatus.WITHDRAWN: set(),
}
# Issuance requests that count for "one per monitoring period".
ACTIVE_ISSUANCE_STATUSES = (IssuanceStatus.REQUESTED, IssuanceStatus.DECIDED)
