"""Statuses, kinds and the allowed transitions of the methodologies app.

The approval cycle of a proposed methodology (Project Cycle Procedure):

    submitted -> (completeness check by the secretariat, at most 7 days)
        -> public_input (15 days, anyone may comment)  or  -> returned (incomplete, back to the proponent)
    public_input -> consideration (closed by the beat task or the secretariat when the period is over)
    consideration (about 60 days, extendable once up to 90)
        -> approved (a Joint Committee decision assigns MN_AM00n ver01.0)
        -> rejected
        -> revision_requested (back to the proponent, who resubmits)
    returned / revision_requested -> submitted (resubmission: the cycle starts again)
    approved -> inactive

Each version of a methodology has its own status: a proposal or revision is a draft until a
decision makes it valid; the version it replaces becomes superseded (optionally still usable
until a transition date); an inactive version can no longer be used.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MethodologyStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted (completeness check)")
    RETURNED = "returned", _("Returned to the proponent (incomplete)")
    PUBLIC_INPUT = "public_input", _("Public input")
    CONSIDERATION = "consideration", _("Under consideration by the Joint Committee")
    REVISION_REQUESTED = "revision_requested", _("Returned for revision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    INACTIVE = "inactive", _("Inactive")


TRANSITIONS = {
    MethodologyStatus.SUBMITTED: {MethodologyStatus.PUBLIC_INPUT, MethodologyStatus.RETURNED},
    MethodologyStatus.RETURNED: {MethodologyStatus.SUBMITTED},
    MethodologyStatus.PUBLIC_INPUT: {MethodologyStatus.CONSIDERATION},
    MethodologyStatus.CONSIDERATION: {
        MethodologyStatus.APPROVED, MethodologyStatus.REJECTED, MethodologyStatus.REVISION_REQUESTED,
    },
    MethodologyStatus.REVISION_REQUESTED: {MethodologyStatus.SUBMITTED},
    MethodologyStatus.APPROVED: {MethodologyStatus.INACTIVE},
    MethodologyStatus.REJECTED: set(),
    MethodologyStatus.INACTIVE: set(),
}

#: Statuses in which the proponent may still change the content of the proposal.
EDITABLE_STATUSES = {MethodologyStatus.RETURNED, MethodologyStatus.REVISION_REQUESTED}

#: Statuses in which the methodology waits for someone (the secretariat or the Joint Committee).
OPEN_STEPS = {MethodologyStatus.SUBMITTED, MethodologyStatus.PUBLIC_INPUT, MethodologyStatus.CONSIDERATION}


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    VALID = "valid", _("Valid")
    SUPERSEDED = "superseded", _("Superseded")
    INACTIVE = "inactive", _("Inactive")
    REJECTED = "rejected", _("Not approved")


VERSION_TRANSITIONS = {
    VersionStatus.DRAFT: {VersionStatus.VALID, VersionStatus.REJECTED},
    VersionStatus.VALID: {VersionStatus.SUPERSEDED, VersionStatus.INACTIVE},
    VersionStatus.SUPERSEDED: {VersionStatus.INACTIVE},
    VersionStatus.INACTIVE: set(),
    VersionStatus.REJECTED: set(),
}


class ParameterKind(models.TextChoices):
    DEFAULT = "default", _("Fixed default value")
    EX_ANTE = "ex_ante", _("Ex-ante value set in the PDD")
    MONITORED = "monitored", _("Monitored value")


class MonitoringOption(models.TextChoices):
    A = "A", _("Option A: public data")
    B = "B", _("Option B: invoices or purchase records")
    C = "C", _("Option C: measurement")


class RevisionKind(models.TextChoices):
    MAJOR = "major", _("New version (e.g. ver02.0)")
    MINOR = "minor", _("Minor revision (e.g. ver01.1)")
