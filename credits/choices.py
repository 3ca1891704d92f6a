"""Account types, transaction kinds and statuses, and the allowed transitions of the registry."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountType(models.TextChoices):
    GOVERNMENT_HOLDING = "government_holding", _("Government holding account")
    PARTICIPANT_HOLDING = "participant_holding", _("Participant holding account")
    CANCELLATION = "cancellation", _("Cancellation account")
    RETIREMENT = "retirement", _("Retirement account")
    OMGE_CANCELLATION = "omge_cancellation", _("Cancellation towards overall mitigation (OMGE)")
    VOLUNTARY_CANCELLATION = "voluntary_cancellation", _("Voluntary cancellation account")


HOLDING_TYPES = {AccountType.GOVERNMENT_HOLDING, AccountType.PARTICIPANT_HOLDING}
# Credits that reach one of these never move again.
TERMINAL_TYPES = {
    AccountType.CANCELLATION,
    AccountType.RETIREMENT,
    AccountType.OMGE_CANCELLATION,
    AccountType.VOLUNTARY_CANCELLATION,
}
# Account-number type codes (the number format is documented in docs/credits.md).
ACCOUNT_TYPE_CODES: dict[str, str] = {
    AccountType.GOVERNMENT_HOLDING: "100",
    AccountType.PARTICIPANT_HOLDING: "200",
    AccountType.CANCELLATION: "300",
    AccountType.RETIREMENT: "400",
    AccountType.OMGE_CANCELLATION: "310",
    AccountType.VOLUNTARY_CANCELLATION: "320",
}


class AccountStatus(models.TextChoices):
    OPEN = "open", _("Open")
    BLOCKED = "blocked", _("Blocked")
    CLOSED = "closed", _("Closed")


ACCOUNT_TRANSITIONS = {
    AccountStatus.OPEN: {AccountStatus.BLOCKED, AccountStatus.CLOSED},
    AccountStatus.BLOCKED: {AccountStatus.OPEN, AccountStatus.CLOSED},
    AccountStatus.CLOSED: set(),
}


class TransactionKind(models.TextChoices):
    ISSUANCE = "issuance", _("Issuance")
    TRANSFER = "transfer", _("Transfer")
    EXTERNAL_TRANSFER = "external_transfer", _("External transfer")
    CANCELLATION = "cancellation", _("Cancellation")
    RETIREMENT = "retirement", _("Retirement")
    REVERSAL = "reversal", _("Correction by reversal")


class TransactionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


TRANSACTION_TRANSITIONS = {
    TransactionStatus.PROPOSED: {TransactionStatus.APPROVED, TransactionStatus.COMPLETED, TransactionStatus.REJECTED,
                                 TransactionStatus.CANCELLED},
    TransactionStatus.APPROVED: {TransactionStatus.COMPLETED},
    TransactionStatus.COMPLETED: set(),
    TransactionStatus.REJECTED: set(),
    TransactionStatus.CANCELLED: set(),
}


class Authorization(models.TextChoices):
    """Article 6.2 authorization of the mitigation outcomes."""

    NDC = "ndc", _("Authorized for use towards NDCs")
    OIMP = "oimp", _("Authorized for other international mitigation purposes")
    NONE = "none", _("Not authorized")


class CorrespondingAdjustment(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    PENDING = "pending", _("Pending")
    APPLIED = "applied", _("Applied")


class BlockStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CANCELLED = "cancelled", _("Cancelled")
    RETIRED = "retired", _("Retired")
