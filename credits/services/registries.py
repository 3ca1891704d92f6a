"""Registries and accounts: opening them, their status, their representatives."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from committee.models import Country, Organization, User
from core import audit
from core.errors import ApplicationError, Conflict
from core.workflow import check_transition, lock, relock

from .. import access
from ..choices import ACCOUNT_TRANSITIONS, ACCOUNT_TYPE_CODES, HOLDING_TYPES, AccountStatus, AccountType
from ..models import Account, AccountRepresentative, Registry


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
                 requires_approval: bool = False, representatives: Iterable[User] = ()) -> Account:
    access.require_open_account(actor, registry)
    representatives = list(representatives)
    if type not in AccountType.values:
        raise ApplicationError("Choose an account type.", field="type")
    if type == AccountType.PARTICIPANT_HOLDING and holder is None:
        raise ApplicationError("A participant holding account needs its holder organization.", field="holder")
    if not (name or "").strip():
        raise ApplicationError("Give the account a name.", field="name")
    registry = lock(Registry, registry.pk)  # serialises account numbering per registry
    prefix = f"{registry.code}-{ACCOUNT_TYPE_CODES[type]}-"
    last = Account.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    sequence = int(last[len(prefix):]) + 1 if last else 1
    account = Account.objects.create(registry=registry, number=f"{prefix}{sequence:06d}", type=type, name=name.strip(),
                                     holder=holder, requires_approval=requires_approval)
    for user in representatives:
        AccountRepresentative.objects.create(account=account, user=user)
    audit.record(actor=actor, action="credits.account.open", target=account,
                 data={"number": account.number, "type": type, "holder": holder.pk if holder else None,
                       "requires_approval": requires_approval,
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
