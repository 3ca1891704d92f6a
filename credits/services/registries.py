"""Registries and accounts: opening them, their status, their representatives."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from committee.models import Country, Organization, User
from core import audit
from core.errors import ApplicationError, Conflict
from core.notices import notify
from core.workflow import check_transition, lock, relock

from .. import access
from ..choices import ACCOUNT_TRANSITIONS, ACCOUNT_TYPE_CODES, HOLDING_TYPES, AccountStatus, AccountType
from ..models import Account, AccountRepresentative, Registry, TrustedAccount
from .common import has_url, holders_of, trusted_account_delay


@transaction.atomic
def registry_open(*, actor: User, country: Country, name: str = "", operated_by: Country | None = None) -> Registry:
    access.require_open_registry(actor)
    if Registry.objects.filter(country=country).exists():
        raise Conflict(f"{country} already has a registry.", field="country")
    registry = Registry.objects.create(country=country, name=name or f"JCM Registry of {country.name}",
                                       operated_by=operated_by)
    audit.record(actor=actor, action="credits.registry.open", target=registry,
                 data={"country": country.code, "operated_by": operated_by.code if operated_by else None})
    return registry


@transaction.atomic
def account_open(*, actor: User, registry: Registry, type: str, name: str, holder: Organization | None = None,
                 requires_approval: bool = False, representatives: Iterable[User] = (),
                 approval_threshold: int | None = None) -> Account:
    """Open an account. A government holding account's outgoing transactions all need a second approval
    unless ``approval_threshold`` says from which quantity (0, every one, is its default)."""
    access.require_open_account(actor, registry)
    representatives = list(representatives)
    if type not in AccountType.values:
        raise ApplicationError("Choose an account type.", field="type")
    if type == AccountType.PARTICIPANT_HOLDING and holder is None:
        raise ApplicationError("A participant holding account needs its holder organization.", field="holder")
    if not (name or "").strip():
        raise ApplicationError("Give the account a name.", field="name")
    if approval_threshold is None and type == AccountType.GOVERNMENT_HOLDING:
        approval_threshold = 0
    _check_threshold(approval_threshold)
    registry = lock(Registry, registry.pk)  # serialises account numbering per registry
    prefix = f"{registry.code}-{ACCOUNT_TYPE_CODES[type]}-"
    last = Account.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(prefix):]) + 1 if last else 1
    account = Account.objects.create(registry=registry, number=f"{prefix}{sequence:06d}", type=type, name=name.strip(),
                                     holder=holder, requires_approval=requires_approval,
                                     approval_threshold=approval_threshold)
    for user in representatives:
        AccountRepresentative.objects.create(account=account, user=user)
    audit.record(actor=actor, action="credits.account.open", target=account,
                 data={"number": account.number, "type": type, "holder": holder.pk if holder else None,
                       "requires_approval": requires_approval, "approval_threshold": approval_threshold,
                       "representatives": sorted(u.pk for u in representatives)})
    return account


@transaction.atomic
def account_change_status(*, actor: User, account: Account, status: str, reason: str = "") -> Account:
    account = relock(account)
    access.require_change_account_status(actor, account)
    check_transition(ACCOUNT_TRANSITIONS, account.status, status, what=f"Account {account.number}",
                     labels=dict(AccountStatus.choices))
    if status == AccountStatus.CLOSED and account.balance and account.type in HOLDING_TYPES:
        raise Conflict(f"Account {account.number} still holds {account.balance:,} credits; transfer them first.",
                       field="status")
    if status in (AccountStatus.BLOCKED, AccountStatus.CLOSED) and not reason.strip():
        raise ApplicationError("Give the reason.", field="reason")
    before = account.status
    account.status = status
    account.closed_at = timezone.now() if status == AccountStatus.CLOSED else None
    account.save(update_fields=["status", "closed_at"])
    audit.record(actor=actor, action=f"credits.account.{status}", target=account,
                 data={"from": before, "to": status}, message=reason)
    return account


@transaction.atomic
def account_set_representative(*, actor: User, account: Account, user: User, can_initiate: bool = True,
                               can_approve: bool = True) -> AccountRepresentative:
    account = relock(account)
    access.require_name_representative(actor, account)
    link, _created = AccountRepresentative.objects.update_or_create(
        account=account, user=user, defaults={"can_initiate": can_initiate, "can_approve": can_approve})
    audit.record(actor=actor, action="credits.account.set_representative", target=account,
                 data={"user": user.pk, "can_initiate": can_initiate, "can_approve": can_approve})
    return link


@transaction.atomic
def account_remove_representative(*, actor: User, account: Account, user: User) -> None:
    account = relock(account)
    access.require_remove_representative(actor, account)
    deleted, _ = AccountRepresentative.objects.filter(account=account, user=user).delete()
    if not deleted:
        raise ApplicationError(f"{user} is not a representative of {account.number}.", field="user")
    audit.record(actor=actor, action="credits.account.remove_representative", target=account, data={"user": user.pk})


def _check_threshold(threshold: int | None) -> None:
    if threshold is not None and (not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 0):
        raise ApplicationError("The approval threshold is a whole number of credits, 0 or more.",
                               field="approval_threshold")


@transaction.atomic
def account_set_approval_threshold(*, actor: User, account: Account, threshold: int | None) -> Account:
    """Set from which quantity the account's outgoing transactions need a second approval (``None``: none by
    quantity; transfers to accounts off its trusted list still need one)."""
    account = relock(account)
    access.require_set_approval_threshold(actor, account)
    _check_threshold(threshold)
    before = account.approval_threshold
    account.approval_threshold = threshold
    account.save(update_fields=["approval_threshold"])
    audit.record(actor=actor, action="credits.account.set_approval_threshold", target=account,
                 data={"from": before, "to": threshold})
    return account


@transaction.atomic
def trusted_account_add(*, actor: User, account: Account, trusted: Account) -> TrustedAccount:
    """Add ``trusted`` to ``account``'s trusted-account list. It takes effect after
    ``CREDITS_TRUSTED_ACCOUNT_DELAY_DAYS`` (``active_from``); until then transfers to it need a second
    approval. The account's other representatives are told."""
    account = relock(account)
    access.require_manage_trusted_accounts(actor, account)
    if trusted.pk == account.pk:
        raise ApplicationError("An account cannot trust itself.", field="trusted")
    if trusted.type not in HOLDING_TYPES or trusted.status == AccountStatus.CLOSED:
        raise ApplicationError(f"Account {trusted.number} is not an open holding account.", field="trusted")
    if TrustedAccount.objects.filter(account=account, trusted=trusted).exists():
        raise Conflict(f"Account {trusted.number} is already on the trusted list.", field="trusted")
    now = timezone.now()
    link = TrustedAccount.objects.create(account=account, trusted=trusted, added_by=actor, added_at=now,
                                         active_from=now + trusted_account_delay())
    audit.record(actor=actor, action="credits.account.trusted_add", target=account,
                 data={"trusted": trusted.number, "active_from": link.active_from.isoformat()})
    notify(recipients=[u for u in holders_of(account) if u.pk != actor.pk], kind="credits.trusted_account_added",
           key=f"trusted:{link.pk}", url=account.get_absolute_url() if has_url("credits:registry-detail") else "",
           subject=f"Account {trusted.number} added to the trusted accounts of {account.number}",
           body=f"Active from {link.active_from:%Y-%m-%d %H:%M} UTC.")
    return link


@transaction.atomic
def trusted_account_remove(*, actor: User, account: Account, trusted: Account) -> None:
    """Remove ``trusted`` from ``account``'s trusted-account list, at once."""
    account = relock(account)
    access.require_manage_trusted_accounts(actor, account)
    deleted, _ = TrustedAccount.objects.filter(account=account, trusted=trusted).delete()
    if not deleted:
        raise ApplicationError(f"Account {trusted.number} is not on the trusted list.", field="trusted")
    audit.record(actor=actor, action="credits.account.trusted_remove", target=account,
                 data={"trusted": trusted.number})
