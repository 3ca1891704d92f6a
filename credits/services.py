"""Every write of the registry. One function per business action.

Each runs in one transaction, locks the rows it changes in a fixed order (accounts by
primary key, then blocks by serial number), checks the actor and the transition, saves,
writes one audit event and defers notifications to commit. PostgreSQL guards the same
invariants again (see credits.models and the triggers in credits/migrations).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from psycopg.pq import ExecStatus

from committee.roles import require, require_authenticated, require_system_admin
from core import audit, events
from core.errors import ApplicationError, Conflict, NotAllowed
from core.notices import notify
from core.workflow import check_transition, lock, relock

from . import permissions as perms
from .choices import (
    ACCOUNT_TRANSITIONS,
    ACCOUNT_TYPE_CODES,
    HOLDING_TYPES,
    TERMINAL_TYPES,
    TRANSACTION_TRANSITIONS,
    AccountStatus,
    AccountType,
    Authorization,
    BlockStatus,
    TransactionKind,
    TransactionStatus,
)
from .models import (
    Account,
    AccountRepresentative,
    CreditBlock,
    CreditTransaction,
    Issuance,
    LedgerEntry,
    Registry,
)

MAX_QUANTITY = 10**15  # far above any real issuance; keeps arithmetic well inside 64 bits


# --- Registries and accounts -----------------------------------------------------------

@transaction.atomic
def registry_open(*, actor, country, name: str = "", operated_by=None) -> Registry:
    require_system_admin(actor)
    if Registry.objects.filter(country=country).exists():
        raise Conflict(f"{country} already has a registry.", field="country")
    registry = Registry.objects.create(country=country, name=name or f"JCM Registry of {country.name}",
                                       operated_by=operated_by)
    audit.record(actor=actor, action="credits.registry.open", target=registry,
                 data={"country": country.code, "operated_by": operated_by.code if operated_by else None})
    return registry


@transaction.atomic
def account_open(*, actor, registry: Registry, type: str, name: str, holder=None, requires_approval: bool = False,
                 representatives=()) -> Account:
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, registry), f"Only an administrator of the {registry} may open accounts.")
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
def account_change_status(*, actor, account: Account, status: str, reason: str = "") -> Account:
    account = relock(account)
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, account.registry), "Only a registry administrator may block, "
                                                              "unblock or close accounts.")
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
def account_set_representative(*, actor, account: Account, user, can_initiate: bool = True,
                               can_approve: bool = True) -> AccountRepresentative:
    account = relock(account)
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, account.registry), "Only a registry administrator may name "
                                                              "account representatives.")
    link, _created = AccountRepresentative.objects.update_or_create(
        account=account, user=user, defaults={"can_initiate": can_initiate, "can_approve": can_approve})
    audit.record(actor=actor, action="credits.account.set_representative", target=account,
                 data={"user": user.pk, "can_initiate": can_initiate, "can_approve": can_approve})
    return link


@transaction.atomic
def account_remove_representative(*, actor, account: Account, user) -> None:
    account = relock(account)
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, account.registry), "Only a registry administrator may remove "
                                                              "account representatives.")
    deleted, _ = AccountRepresentative.objects.filter(account=account, user=user).delete()
    if not deleted:
        raise ApplicationError(f"{user} is not a representative of {account.number}.", field="user")
    audit.record(actor=actor, action="credits.account.remove_representative", target=account, data={"user": user.pk})


# --- Issuance -------------------------------------------------------------------------

@dataclass(frozen=True)
class Share:
    """Credits of one issuance going into one account of the issuing registry."""

    account: Account
    quantity: int


def reserve_serials(quantity: int) -> int:
    """Reserve ``quantity`` consecutive serials from the system-wide counter; return the first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE credits_serialcounter SET next_serial = next_serial + %s WHERE id = 1 RETURNING next_serial - %s",
            [quantity, quantity],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute("INSERT INTO credits_serialcounter (id, next_serial) VALUES (1, %s) "
                           "ON CONFLICT (id) DO UPDATE SET next_serial = credits_serialcounter.next_serial + %s "
                           "RETURNING next_serial - %s", [1 + quantity, quantity, quantity])
            row = cursor.fetchone()
    return row[0]


@transaction.atomic
def issue(*, actor, registry: Registry, decision, project_code: str, monitoring_period_number: int,
          monitoring_period_key: str, vintage: int, shares: list[Share], decided_quantity: int,
          authorization: str = Authorization.NONE, already_issued: int = 0) -> Issuance:
    """Issue one registry's share of a Joint Committee issuance decision.

    Each share becomes one block of consecutive serials in its account. The work is the same
    for one credit or a billion: one counter update, one block and one ledger row per share.
    ``already_issued`` is what other registries issued for the same decision, so that the
    total never exceeds ``decided_quantity``.
    """
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, registry), f"Only an administrator of the {registry} may issue credits.")
    shares = [s for s in shares if s.quantity]
    if not shares:
        raise ApplicationError("Nothing to issue into this registry.", field="quantity")
    total = sum(s.quantity for s in shares)
    if any(s.quantity < 0 for s in shares) or total > MAX_QUANTITY:
        raise ApplicationError("Share quantities must be positive whole credits.", field="quantity")
    if already_issued + total > decided_quantity:
        raise Conflict(f"Issuing {total:,} would exceed the {decided_quantity:,} credits decided "
                       f"({already_issued:,} already issued).", field="quantity")
    if authorization not in Authorization.values:
        raise ApplicationError("Choose the Article 6.2 authorization.", field="authorization")
    accounts = lock(Account.objects.filter(pk__in=[s.account.pk for s in shares]))
    by_pk = {a.pk: a for a in accounts}
    for share in shares:
        account = by_pk[share.account.pk]
        if account.registry_id != registry.pk:
            raise ApplicationError(f"Account {account.number} is not in the {registry}.", field="account")
        if account.type not in HOLDING_TYPES or account.status != AccountStatus.OPEN:
            raise ApplicationError(f"Account {account.number} cannot receive issued credits.", field="account")
    if Issuance.objects.filter(monitoring_period_key=monitoring_period_key, registry=registry).exists():
        raise Conflict(f"The {registry} has already issued credits for {monitoring_period_key}.",
                       field="monitoring_period")
    now = timezone.now()
    txn = CreditTransaction.objects.create(registry=registry, kind=TransactionKind.ISSUANCE,
                                           status=TransactionStatus.COMPLETED, quantity=total, initiator=actor,
                                           decided_at=now, completed_at=now,
                                           selection={"decision": decision.pk, "period": monitoring_period_key})
    try:
        with transaction.atomic():
            issuance = Issuance.objects.create(
                registry=registry, decision=decision, project_code=project_code,
                monitoring_period_number=monitoring_period_number, monitoring_period_key=monitoring_period_key,
                vintage=vintage, quantity=total, authorization=authorization, transaction=txn, issued_by=actor)
    except IntegrityError as exc:
        raise Conflict(f"The {registry} has already issued credits for {monitoring_period_key}.",
                       field="monitoring_period") from exc
    first = reserve_serials(total)
    blocks, entries = [], []
    for share in shares:
        account = by_pk[share.account.pk]
        block = CreditBlock(first_serial=first, last_serial=first + share.quantity - 1, account=account,
                            issuance=issuance, issuing_registry=registry, project_code=project_code,
                            monitoring_period_number=monitoring_period_number, vintage=vintage,
                            authorization=authorization, created_by=txn)
        blocks.append(block)
        first += share.quantity
    CreditBlock.objects.bulk_create(blocks)
    for block in blocks:
        entries.append(LedgerEntry(transaction=txn, block=block, first_serial=block.first_serial,
                                   last_serial=block.last_serial, from_account=None, to_account=block.account))
        Account.objects.filter(pk=block.account_id).update(balance=F("balance") + (block.last_serial -
                                                                                  block.first_serial + 1))
    LedgerEntry.objects.bulk_create(entries)
    audit.record(actor=actor, action="credits.issuance.execute", target=issuance,
                 data={"registry": registry.code, "decision": decision.pk, "period": monitoring_period_key,
                       "quantity": total, "vintage": vintage, "authorization": authorization,
                       "blocks": [[b.account.number, b.first_serial, b.last_serial] for b in blocks]})
    events.emit("credits.issuance.completed", issuance_id=issuance.pk, transaction_id=txn.pk)
    _notify_accounts({b.account for b in blocks}, kind="credits.issued", key=f"issuance:{issuance.pk}",
                     subject=f"{total:,} JCM credits issued for {monitoring_period_key}",
                     url=issuance.registry.get_absolute_url() if _has_url("credits:registry-detail") else "")
    return issuance


# --- Transactions ----------------------------------------------------------------------

KIND_TARGETS = {
    TransactionKind.TRANSFER: HOLDING_TYPES,
    TransactionKind.EXTERNAL_TRANSFER: HOLDING_TYPES,
    TransactionKind.CANCELLATION: {AccountType.CANCELLATION, AccountType.OMGE_CANCELLATION,
                                   AccountType.VOLUNTARY_CANCELLATION},
    TransactionKind.RETIREMENT: {AccountType.RETIREMENT},
}


def transaction_initiate(*, actor, kind: str, from_account: Account, to_account: Account, quantity: int,
                         first_serial: int | None = None, last_serial: int | None = None,
                         project_code: str = "", vintage: int | None = None, purpose: str = "",
                         beneficiary: str = "", note: str = "", idempotency_key: str | None = None
                         ) -> CreditTransaction:
    """Propose a transfer, external transfer, cancellation or retirement.

    Executes at once unless the sending account needs a second representative's approval.
    With ``idempotency_key``, the same request sent again (even concurrently) returns the
    first transaction, marked ``replayed = True``, and never executes twice; the same key with a
    different request is refused.
    """
    request = {"kind": kind, "from": from_account.pk, "to": to_account.pk, "quantity": quantity,
               "first_serial": first_serial, "last_serial": last_serial, "project_code": project_code,
               "vintage": vintage, "purpose": purpose, "beneficiary": beneficiary}
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    # A key is looked up only when the attempt fails: the unique (initiator, key) constraint refuses the
    # second transaction row, which rolls the whole attempt back; a refused attempt may be the replay of
    # a request that did execute (the credits have gone since).
    try:
        return _initiate(actor=actor, kind=kind, from_account=from_account, to_account=to_account, quantity=quantity,
                         first_serial=first_serial, last_serial=last_serial, project_code=project_code,
                         vintage=vintage, purpose=purpose, beneficiary=beneficiary, note=note,
                         idempotency_key=idempotency_key or None, fingerprint=fingerprint)
    except IntegrityError as exc:
        if idempotency_key and "txn_idempotency_key_unique" in str(exc):
            existing = _replay(actor, idempotency_key, fingerprint)
            if existing is not None:
                return existing
        raise
    except ApplicationError:
        existing = _replay(actor, idempotency_key, fingerprint) if idempotency_key else None
        if existing is not None:
            return existing
        raise


def _replay(actor, key: str, fingerprint: str) -> CreditTransaction | None:
    if not getattr(actor, "is_authenticated", False):
        return None
    existing = CreditTransaction.objects.filter(initiator=actor, idempotency_key=key).first()
    if existing is not None and existing.request_fingerprint != fingerprint:
        raise Conflict("This idempotency key was already used for a different request.", field="idempotency_key")
    if existing is not None:
        existing.replayed = True
    return existing


@transaction.atomic
def _initiate(*, actor, kind, from_account, to_account, quantity, first_serial, last_serial, project_code, vintage,
              purpose, beneficiary, note, idempotency_key, fingerprint) -> CreditTransaction:
    require_authenticated(actor)
    if kind not in KIND_TARGETS:
        raise ApplicationError("Choose transfer, external transfer, cancellation or retirement.", field="kind")
    _check_quantity(quantity, first_serial, last_serial)
    if first_serial is not None:
        quantity = (last_serial if last_serial is not None else first_serial + quantity - 1) - first_serial + 1
    _check_accounts(kind, from_account, to_account)
    if kind == TransactionKind.RETIREMENT and not (purpose.strip() and beneficiary.strip()):
        raise ApplicationError("A retirement states its purpose and its beneficiary.",
                               errors={**({"purpose": ["State the purpose of the retirement."]} if not purpose.strip()
                                          else {}),
                                       **({"beneficiary": ["Name the beneficiary."]} if not beneficiary.strip()
                                          else {})})
    if not perms.may_initiate(actor, from_account):
        raise NotAllowed(f"You may not initiate transactions from account {from_account.number}.")
    selection = {k: v for k, v in {"first_serial": first_serial, "last_serial": last_serial,
                                   "project_code": project_code or None, "vintage": vintage}.items() if v is not None}
    txn = CreditTransaction(
        registry=from_account.registry, kind=kind, status=TransactionStatus.PROPOSED, from_account=from_account,
        to_account=to_account, quantity=quantity, selection=selection, purpose=purpose.strip(),
        beneficiary=beneficiary.strip(), note=note, initiator=actor, idempotency_key=idempotency_key,
        request_fingerprint=fingerprint)
    if from_account.requires_approval:
        txn.save(force_insert=True)
        # Check now that the units exist, so that a hopeless proposal is refused at once.
        _lock_pair(from_account, to_account)
        _check_holdings(relock(from_account), quantity)
        audit.record(actor=actor, action=f"credits.{kind}.propose", target=txn, data=_txn_data(txn))
        approvers = [link.user for link in from_account.representative_links.select_related("user")
                     if link.can_approve and link.user_id != actor.pk]
        notify(recipients=approvers, kind="credits.approval_needed", key=f"txn:{txn.pk}:approval",
               subject=f"Transaction {txn.reference} awaits your approval", url=_url(txn))
        return txn
    _execute(txn, actor=actor, action=f"credits.{kind}.complete")
    return txn


@transaction.atomic
def transaction_approve(*, actor, txn: CreditTransaction) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.COMPLETED, what=f"Transaction {txn.reference}",
                     labels=dict(TransactionStatus.choices))
    if actor.pk == txn.initiator_id:
        raise NotAllowed("A transaction is approved by a different person from the one who initiated it.")
    if not perms.may_approve(actor, txn.from_account):
        raise NotAllowed(f"You may not approve transactions from account {txn.from_account.number}.")
    txn.approver = actor
    txn.decided_at = timezone.now()
    _execute(txn, actor=actor, action=f"credits.{txn.kind}.approve")
    return txn


@transaction.atomic
def transaction_reject(*, actor, txn: CreditTransaction, reason: str) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.REJECTED, what=f"Transaction {txn.reference}",
                     labels=dict(TransactionStatus.choices))
    if actor.pk == txn.initiator_id:
        raise NotAllowed("The initiator cancels a proposal; rejection is for the approver.")
    if not perms.may_approve(actor, txn.from_account):
        raise NotAllowed(f"You may not reject transactions from account {txn.from_account.number}.")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the rejection.", field="reason")
    txn.status = TransactionStatus.REJECTED
    txn.approver = actor
    txn.decided_at = timezone.now()
    txn.refusal_reason = reason.strip()
    txn.save(update_fields=["status", "approver", "decided_at", "refusal_reason"])
    audit.record(actor=actor, action=f"credits.{txn.kind}.reject", target=txn, message=reason)
    notify(recipients=[txn.initiator], kind="credits.rejected", key=f"txn:{txn.pk}:rejected",
           subject=f"Transaction {txn.reference} was rejected", body=reason, url=_url(txn))
    return txn


@transaction.atomic
def transaction_cancel(*, actor, txn: CreditTransaction) -> CreditTransaction:
    txn = relock(txn)
    require_authenticated(actor)
    check_transition(TRANSACTION_TRANSITIONS, txn.status, TransactionStatus.CANCELLED,
                     what=f"Transaction {txn.reference}", labels=dict(TransactionStatus.choices))
    if actor.pk != txn.initiator_id and not perms.is_registry_admin(actor, txn.registry):
        raise NotAllowed("Only the initiator or a registry administrator may cancel a proposed transaction.")
    txn.status = TransactionStatus.CANCELLED
    txn.decided_at = timezone.now()
    txn.save(update_fields=["status", "decided_at"])
    audit.record(actor=actor, action=f"credits.{txn.kind}.cancel", target=txn)
    return txn


@transaction.atomic
def transaction_reverse(*, actor, txn: CreditTransaction, reason: str) -> CreditTransaction:
    """Correct a completed transfer by moving exactly the same serial numbers back.

    Only a registry administrator may do it, only while the receiving account still holds all
    of those units; cancellations and retirements are final and cannot be reversed.
    """
    txn = relock(txn)
    require_authenticated(actor)
    require(perms.is_registry_admin(actor, txn.registry), "Only a registry administrator may reverse a transaction.")
    if txn.kind not in (TransactionKind.TRANSFER, TransactionKind.EXTERNAL_TRANSFER):
        raise Conflict("Only transfers can be reversed; cancellations and retirements are final.", field="kind")
    if txn.status != TransactionStatus.COMPLETED:
        raise Conflict(f"Transaction {txn.reference} is not completed.", field="status")
    if CreditTransaction.objects.filter(reverses=txn).exists():
        raise Conflict(f"Transaction {txn.reference} has already been reversed.", field="status")
    if not (reason or "").strip():
        raise ApplicationError("Give the reason for the correction.", field="reason")
    receiver, sender = txn.to_account, txn.from_account
    _lock_pair(receiver, sender)
    receiver, sender = relock(receiver), relock(sender)
    for account in (receiver, sender):
        if account.status == AccountStatus.CLOSED:
            raise Conflict(f"Account {account.number} is closed.", field="status")
    ranges = list(txn.entries.values_list("first_serial", "last_serial"))
    blocks = []
    for first, last in ranges:
        covering = lock(CreditBlock.objects.filter(last_serial__gte=first, first_serial__lte=last))
        if (sum(b.last_serial - b.first_serial + 1 for b in covering if b.account_id == receiver.pk
                and b.status == BlockStatus.ACTIVE and b.first_serial >= first and b.last_serial <= last)
                != last - first + 1):
            raise Conflict(f"Account {receiver.number} no longer holds all the units of {txn.reference}; "
                           "it cannot be reversed.", field="status")
        blocks.extend(covering)
    quantity = sum(last - first + 1 for first, last in ranges)
    reversal = CreditTransaction.objects.create(
        registry=txn.registry, kind=TransactionKind.REVERSAL, status=TransactionStatus.COMPLETED,
        from_account=receiver, to_account=sender, quantity=quantity, reverses=txn, initiator=actor,
        note=reason.strip(), decided_at=timezone.now(), completed_at=timezone.now(),
        selection={"reverses": txn.pk})
    block_ids = [b.pk for b in blocks]
    CreditBlock.objects.filter(pk__in=block_ids).update(account=sender)
    LedgerEntry.objects.bulk_create([
        LedgerEntry(transaction=reversal, block=b, first_serial=b.first_serial, last_serial=b.last_serial,
                    from_account=receiver, to_account=sender) for b in blocks])
    Account.objects.filter(pk=receiver.pk).update(balance=F("balance") - quantity)
    Account.objects.filter(pk=sender.pk).update(balance=F("balance") + quantity)
    events.emit("credits.reversal.completed", transaction_id=reversal.pk, reverses_id=txn.pk)
    audit.record(actor=actor, action="credits.reversal.complete", target=reversal,
                 data={**_txn_data(reversal), "reverses": txn.pk}, message=reason)
    return reversal


# --- execution -------------------------------------------------------------------------

def _check_quantity(quantity, first_serial, last_serial) -> None:
    if first_serial is None:
        if last_serial is not None:
            raise ApplicationError("Give the first serial number of the range.", field="first_serial")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1 or quantity > MAX_QUANTITY:
            raise ApplicationError("The quantity is a positive whole number of credits.", field="quantity")
        return
    if last_serial is None:
        if not isinstance(quantity, int) or quantity < 1:
            raise ApplicationError("Give the last serial number or the quantity.", field="last_serial")
        last_serial = first_serial + quantity - 1
    if first_serial < 1 or last_serial < first_serial:
        raise ApplicationError("The serial range is empty or reversed.", field="last_serial")
    if quantity and quantity != last_serial - first_serial + 1:
        raise ApplicationError("The quantity does not match the serial range.", field="quantity")


def _check_accounts(kind, from_account: Account, to_account: Account) -> None:
    if from_account.pk == to_account.pk:
        raise ApplicationError("Choose a different receiving account.", field="to_account")
    if from_account.type not in HOLDING_TYPES:
        raise Conflict(f"Credits in {from_account.get_type_display().lower()} {from_account.number} never move again.",
                       field="from_account")
    if to_account.type not in KIND_TARGETS[kind]:
        raise ApplicationError(f"A {TransactionKind(kind).label.lower()} goes to a "
                               f"{' or '.join(sorted(str(AccountType(t).label).lower() for t in KIND_TARGETS[kind]))}"
                               f"; {to_account.number} is a {to_account.get_type_display().lower()}.",
                               field="to_account")
    same_registry = from_account.registry_id == to_account.registry_id
    if kind == TransactionKind.EXTERNAL_TRANSFER and same_registry:
        raise ApplicationError("An external transfer goes to an account of another registry.", field="to_account")
    if kind != TransactionKind.EXTERNAL_TRANSFER and not same_registry:
        raise ApplicationError("The receiving account is in another registry: use an external transfer.",
                               field="to_account")


def _lock_pair(a: Account, b: Account) -> None:
    lock(Account.objects.filter(pk__in=[a.pk, b.pk]))


def _check_holdings(account: Account, quantity: int) -> None:
    if account.status != AccountStatus.OPEN:
        raise Conflict(f"Account {account.number} is {account.get_status_display().lower()}.", field="from_account")
    if account.balance < quantity:
        raise Conflict(f"Account {account.number} holds {account.balance:,} credits; {quantity:,} requested.",
                       field="quantity")


class _Batch:
    """Statements sent to PostgreSQL in one round trip (simple query protocol) and run there one after
    another, each with its own snapshot; the first that fails aborts the rest and raises."""

    def __init__(self) -> None:
        self.sql: list[str] = []
        self.params: list = []

    def add(self, sql: str, params=()) -> int:
        """Queue one statement; returns its index in :meth:`run`'s result."""
        self.sql.append(sql)
        self.params.extend(params)
        return len(self.sql) - 1

    def run(self) -> list:
        """Each statement's rows (a list) or, for one that returns none, the number of rows it changed."""
        results = []
        with connection.cursor() as cursor:
            cursor.execute(";\n".join(self.sql), self.params)  # raises (as Django's errors) if any failed
            results_of = cursor.cursor  # psycopg's cursor holds every statement's result by now
            for n in range(len(self.sql)):
                if n:
                    results_of.nextset()
                rows = results_of.pgresult.status == ExecStatus.TUPLES_OK
                results.append(results_of.fetchall() if rows else results_of.rowcount)
        return results


@functools.cache
def _columns(model) -> tuple[str, list]:
    """The quoted columns the ORM writes for a new ``model`` row (no primary key), and their fields."""
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.local_concrete_fields if not f.generated and not f.primary_key]
    return ", ".join(quote(f.column) for f in fields), fields


def _values(obj, fields) -> list:
    """What the ORM would write for ``obj`` (defaults, ``auto_now_add``, JSON)."""
    return [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


_BATCH = 200  # blocks locked per statement when the selection is a quantity
# The sender's debit checks its holdings and status; the transaction row is written only if it passed
# (a refused move takes no transaction number). Each returns the transaction's id, or no row.
_DEBIT = "UPDATE credits_account SET balance = balance - %s WHERE id = %s AND status = 'open' AND balance >= %s"
_DEBIT_AND_INSERT = ("WITH debit AS (" + _DEBIT + " RETURNING id) "
                     "INSERT INTO credits_credittransaction ({columns}) SELECT {values} FROM debit RETURNING id")
_DEBIT_AND_COMPLETE = ("WITH debit AS (" + _DEBIT + " RETURNING id) "
                       "UPDATE credits_credittransaction SET status = %s, completed_at = %s, decided_at = %s, "
                       "approver_id = %s WHERE id = %s AND EXISTS (SELECT FROM debit) RETURNING id")
# the receiver's representatives come back with its new balance: they are told of the move
_CREDIT = ("UPDATE credits_account SET balance = balance + %s WHERE id = %s AND status = 'open' "
           "RETURNING balance, ARRAY(SELECT r.user_id FROM credits_accountrepresentative r "
           "WHERE r.account_id = credits_account.id ORDER BY r.id)")
_RANGE_BLOCK = ("SELECT id, first_serial, last_serial FROM credits_creditblock WHERE account_id = %s "
                "AND status = 'active' AND first_serial <= %s AND last_serial >= %s "
                "ORDER BY first_serial DESC LIMIT 1 FOR UPDATE")
# A split, in one statement: the block keeps [kept first, kept last]; the part that moves becomes a new
# block (``origin`` = the block; account, status and first external transfer given) with its ledger row.
# The moved part is inserted only after the block has shrunk (it reads the UPDATE's RETURNING), so the
# exclusion constraint sees no overlap.
_SPLIT = """WITH kept AS (
    UPDATE credits_creditblock SET first_serial = %s, last_serial = %s WHERE id = %s
    RETURNING id, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
              "authorization", corresponding_adjustment, first_transferred_at),
moved AS (
    INSERT INTO credits_creditblock (first_serial, last_serial, account_id, status, issuance_id, issuing_registry_id,
        project_code, monitoring_period_number, vintage, "authorization", corresponding_adjustment,
        first_transferred_at, origin_id, created_by_id, created_at)
    SELECT %s, %s, %s, %s, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
           "authorization", corresponding_adjustment, {stamp}, id, %s, %s FROM kept
    RETURNING id, first_serial, last_serial)
INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id, to_account_id,
    created_at)
SELECT %s, id, first_serial, last_serial, %s, %s, %s FROM moved"""
_SPLIT_LOCAL = _SPLIT.format(stamp="first_transferred_at")
_SPLIT_EXTERNAL = _SPLIT.format(stamp="coalesce(first_transferred_at, %s)")
# The upper remainder of a range cut from the middle of a block: a new block, everything else kept.
_REMAINDER = """INSERT INTO credits_creditblock (first_serial, last_serial, account_id, status, issuance_id,
    issuing_registry_id, project_code, monitoring_period_number, vintage, "authorization", corresponding_adjustment,
    first_transferred_at, origin_id, created_by_id, created_at)
SELECT %s, %s, account_id, status, issuance_id, issuing_registry_id, project_code, monitoring_period_number, vintage,
       "authorization", corresponding_adjustment, first_transferred_at, id, %s, %s
  FROM credits_creditblock WHERE id = %s"""
# Whole blocks change account (and status), each with its ledger row, in serial order.
_MOVE_WHOLE = """WITH moved AS (
    UPDATE credits_creditblock SET account_id = %s, status = %s{stamp} WHERE id = ANY(%s)
    RETURNING id, first_serial, last_serial)
INSERT INTO credits_ledgerentry (transaction_id, block_id, first_serial, last_serial, from_account_id, to_account_id,
    created_at)
SELECT %s, id, first_serial, last_serial, %s, %s, %s FROM moved ORDER BY first_serial"""
_MOVE_WHOLE_LOCAL = _MOVE_WHOLE.format(stamp="")
_MOVE_WHOLE_EXTERNAL = _MOVE_WHOLE.format(stamp=", first_transferred_at = coalesce(first_transferred_at, %s)")


def _execute(txn: CreditTransaction, *, actor, action: str) -> None:
    """Move the units and append the audit event ``action``: two round trips to the database.

    First the two balance updates, in primary-key order: the sender's ``UPDATE ... WHERE balance >=
    quantity`` both checks the holdings and locks the account, so concurrent moves from one account queue
    there. With them go the transaction row (an unsaved ``txn``, with no approval needed, is inserted
    already completed) and the lock of the sender's blocks to move, in serial order. A refusal raises
    after this round trip and everything rolls back.

    Then, together: at most one split per end of the selection (the block keeps the serials below the
    moved part if that starts inside the block, else the serials above it; the moved part, and the upper
    remainder of a range cut from the middle, become new blocks whose ``origin`` is the block), the whole
    blocks moved, one ledger row per block moved, and the audit event (advisory lock, last event, insert).
    """
    sender, receiver = txn.from_account, txn.to_account
    quantity, sel = txn.quantity, txn.selection
    now = timezone.now()
    txn.status = TransactionStatus.COMPLETED
    txn.completed_at = now
    txn.decided_at = txn.decided_at or now
    first_pass = _Batch()
    for pk in sorted({sender.pk, receiver.pk}):
        if pk == receiver.pk:
            credited = first_pass.add(_CREDIT, [quantity, pk])
        elif txn.pk is None:
            columns, fields = _columns(CreditTransaction)
            debited = first_pass.add(_DEBIT_AND_INSERT.format(columns=columns, values=", ".join(["%s"] * len(fields))),
                                     [quantity, pk, quantity, *_values(txn, fields)])
        else:
            debited = first_pass.add(_DEBIT_AND_COMPLETE, [quantity, pk, quantity, txn.status, txn.completed_at,
                                                           txn.decided_at, txn.approver_id, txn.pk])
    if "first_serial" in sel:
        first = sel["first_serial"]
        last = sel.get("last_serial", first + quantity - 1)
        found = first_pass.add(_RANGE_BLOCK, [sender.pk, first, last])
    else:
        where, params = ["account_id = %s", "status = 'active'"], [sender.pk]
        if sel.get("project_code"):
            where.append("project_code = %s")
            params.append(sel["project_code"])
        if sel.get("vintage"):
            where.append("vintage = %s")
            params.append(sel["vintage"])
        blocks_sql = (f"SELECT id, first_serial, last_serial FROM credits_creditblock WHERE {' AND '.join(where)} "
                      f"AND first_serial > %s ORDER BY first_serial LIMIT {_BATCH} FOR UPDATE")
        found = first_pass.add(blocks_sql, [*params, 0])
    rows = first_pass.run()
    if not rows[debited]:
        _check_holdings(Account.objects.get(pk=sender.pk), quantity)  # raises with the reason
        raise Conflict(f"Account {sender.number} cannot send {quantity:,} credits now.", field="quantity")
    if not rows[credited]:
        raise Conflict(f"Account {receiver.number} is not open.", field="to_account")
    recipient_ids = rows[credited][0][1]
    txn.pk = rows[debited][0][0]
    txn._state.adding, txn._state.db = False, connection.alias

    moves: list[tuple[tuple[int, int, int], int, int]] = []  # ((id, first, last) of a block, first, last to move)
    blocks = rows[found]
    if "first_serial" in sel:
        if not blocks:
            raise Conflict(f"Account {sender.number} does not hold all of serials {first}–{last} in one block.",
                           field="first_serial")
        moves.append((blocks[0], first, last))
    else:
        remaining = quantity  # oldest serials first
        while True:
            for block in blocks:
                take = min(remaining, block[2] - block[1] + 1)
                moves.append((block, block[1], block[1] + take - 1))
                remaining -= take
                if remaining == 0:
                    break
            if remaining == 0:
                break
            if len(blocks) == _BATCH:  # more blocks than one batch: lock the next ones
                next_batch = _Batch()
                next_batch.add(blocks_sql, [*params, blocks[-1][1]])
                blocks = next_batch.run()[0]
            else:
                blocks = []
            if not blocks:
                raise Conflict(f"Account {sender.number} holds fewer than {quantity:,} matching credits.",
                               field="quantity")

    new_status = (BlockStatus.RETIRED if receiver.type == AccountType.RETIREMENT
                  else BlockStatus.CANCELLED if receiver.type in TERMINAL_TYPES else BlockStatus.ACTIVE)
    external = txn.kind == TransactionKind.EXTERNAL_TRANSFER
    stamp = [now] if external else []
    entry = [txn.pk, sender.pk, receiver.pk, now]  # the ledger row's transaction, accounts and time
    second_pass, ledger = _Batch(), []
    whole_ids = [block[0] for block, first, last in moves if (first, last) == (block[1], block[2])]
    if whole_ids:  # first: the ledger rows follow the serial order of the moves
        ledger.append(second_pass.add(_MOVE_WHOLE_EXTERNAL if external else _MOVE_WHOLE_LOCAL,
                                      [receiver.pk, new_status, *stamp, whole_ids, *entry]))
    for (block_id, old_first, old_last), first, last in moves:
        if (first, last) == (old_first, old_last):
            continue
        kept = (old_first, first - 1) if first > old_first else (last + 1, old_last)
        ledger.append(second_pass.add(_SPLIT_EXTERNAL if external else _SPLIT_LOCAL,
                                      [*kept, block_id, first, last, receiver.pk, new_status, *stamp, txn.pk, now,
                                       *entry]))
        if first > old_first and last < old_last:
            second_pass.add(_REMAINDER, [last + 1, old_last, txn.pk, now, block_id])
    txn._ranges = [[first, last] for _block, first, last in moves]
    append = audit.prepare(actor=actor, action=action, target=txn, data=_txn_data(txn))
    for sql, params in append.statements:
        event = second_pass.add(sql, params)
    done = second_pass.run()
    written = sum(done[n] for n in ledger)
    if written != len(moves):  # cannot happen while the blocks are locked; never commit half a ledger
        raise RuntimeError(f"{txn.reference}: {written} ledger rows written for {len(moves)} ranges moved")
    append.done(done[event][0])

    events.emit(f"credits.{txn.kind}.completed", transaction_id=txn.pk)
    if recipient_ids:  # the inbox notices are stored with the transaction (e-mailed after commit)
        from committee.models import User

        users = {u.pk: u for u in User.objects.filter(pk__in=recipient_ids)}
        notify(recipients=[users[pk] for pk in recipient_ids if pk in users], kind=f"credits.{txn.kind}",
               key=f"txn:{txn.pk}:completed",
               subject=f"{txn.get_kind_display()} {txn.reference}: {txn.quantity:,} credits to {receiver.number}",
               url=_url(txn))


def _txn_data(txn: CreditTransaction) -> dict:
    return {"reference": txn.reference, "kind": txn.kind, "status": txn.status, "quantity": txn.quantity,
            "from": txn.from_account.number if txn.from_account_id else None,
            "to": txn.to_account.number if txn.to_account_id else None, "selection": txn.selection,
            "purpose": txn.purpose, "beneficiary": txn.beneficiary,
            "ranges": getattr(txn, "_ranges", None) or [[e.first_serial, e.last_serial] for e in txn.entries.all()]}


def _has_url(name: str) -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse(name, args=["XX"])
    except NoReverseMatch:
        return False
    return True


def _url(txn: CreditTransaction) -> str:
    from django.urls import NoReverseMatch

    try:
        return txn.get_absolute_url()
    except NoReverseMatch:
        return ""


def _notify_accounts(accounts, *, kind: str, key: str, subject: str, url: str = "") -> None:
    users = [link.user for account in accounts for link in account.representative_links.select_related("user")]
    notify(recipients=users, kind=kind, key=key, subject=subject, url=url)


# --- Issuance from a Joint Committee decision ---------------------------------------------

def issuance_plan(request, registry: Registry) -> list[Share]:
    """The shares of a decided issuance request that go into ``registry``, mapped to its accounts.

    The decided amount is split by the request's credit allocation (largest-remainder rule, see
    projects.models.split_amount); government shares go to the registry's government holding
    account, a participant's share to that participant's open holding account in the registry.
    """
    from projects.choices import AllocationParty, RegistrySide

    jc = request.project.joint_committee
    if registry.country.is_japan:
        side = RegistrySide.JAPAN
    elif registry.country_id == jc.partner_id:
        side = RegistrySide.PARTNER
    else:
        raise ApplicationError(f"The {registry} takes no part in the issuance for {request.project.project_id}.",
                               field="registry")
    accounts = Account.objects.filter(registry=registry, status=AccountStatus.OPEN)
    plan: list[Share] = []
    for share, credits in request.allocation.split(request.decided_amount):
        if share.registry != side or credits == 0:
            continue
        if share.party == AllocationParty.PARTICIPANT:
            account = accounts.filter(type=AccountType.PARTICIPANT_HOLDING, holder=share.organization).order_by(
                "number").first()
            missing = f"{share.organization} has no open holding account in the {registry}."
        else:
            account = accounts.filter(type=AccountType.GOVERNMENT_HOLDING).order_by("number").first()
            missing = f"The {registry} has no open government holding account."
        if account is None:
            raise Conflict(missing, field="account")
        plan.append(Share(account, credits))
    return plan


@transaction.atomic
def issuance_execute(*, actor, request, registry: Registry, authorization: str = Authorization.NONE) -> Issuance:
    """Execute one registry's share of the Joint Committee's decision on an issuance request."""
    from projects.choices import IssuanceStatus
    from projects.models import IssuanceRequest

    require_authenticated(actor)  # the actor first: a refused caller learns nothing about the request
    require(perms.is_registry_admin(actor, registry), f"Only an administrator of the {registry} may issue credits.")
    request = lock(IssuanceRequest.objects.select_related("project__joint_committee", "period", "allocation",
                                                          "decision"), request.pk)
    if request.status != IssuanceStatus.DECIDED or not request.decided_amount:
        raise Conflict(f"{request} has no Joint Committee decision on the amount yet.", field="status")
    period = request.period
    already = sum(Issuance.objects.filter(decision=request.decision).values_list("quantity", flat=True))
    return issue(actor=actor, registry=registry, decision=request.decision, project_code=request.project.project_id,
                 monitoring_period_number=period.number,
                 monitoring_period_key=f"{request.project.project_id}/{period.number:02d}",
                 vintage=period.end_date.year, shares=issuance_plan(request, registry),
                 decided_quantity=request.decided_amount, authorization=authorization, already_issued=already)
