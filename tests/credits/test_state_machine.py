"""Random sequences of registry actions (a Hypothesis state machine) never lose or double a credit.

Rules: issuance into an account; partial transfers of a random quantity (sometimes more than held: refused
cleanly); transfers of an explicit serial range (sometimes reaching past the block: refused); transfers to
the other registry; cancellations; retirements; attempts to move cancelled or retired credits (refused);
proposals from an account that needs a second representative, with approval, rejection and cancellation;
reversals of completed transfers (refused once the receiver no longer holds the units) and of retirements
(always refused).

After every step: the units of all blocks equal the units issued; no two blocks overlap; ``reconcile()``
finds nothing; every account's balance equals the units of its blocks and the balance a plain model of the
sequence expects; nothing ever left a cancellation or retirement account; and PostgreSQL's own checks of
the ledger, which run at commit, pass (run at once with ``SET CONSTRAINTS ALL IMMEDIATE``).

Each example runs in a savepoint rolled back at its end, over one set of registries, accounts and people.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from committee.choices import Role
from core.errors import Conflict, NotAllowed
from credits import services
from credits.choices import TERMINAL_TYPES, AccountType, BlockStatus, TransactionKind, TransactionStatus
from credits.models import Account, CreditBlock, CreditTransaction, LedgerEntry
from credits.reconcile import OVERLAP_SQL, reconcile
from tests import factories as f
from tests.credits.conftest import trust_now

HOLDING = ["jp_gov", "jp_pp", "jp_other", "jp_approval", "mn_gov"]
SENDERS = ["jp_gov", "jp_pp", "jp_other", "mn_gov"]  # jp_approval sends through proposals only
FINAL = {"jp_cancel": "JP", "jp_retire": "JP", "mn_cancel": "MN", "mn_retire": "MN"}
REGISTRY = {"jp_gov": "JP", "jp_pp": "JP", "jp_other": "JP", "jp_approval": "JP", "mn_gov": "MN", **FINAL}


@pytest.fixture
def world(accounts, registry_admin_jp, registry_admin_jp2, registry_admin_mn, holder_rep, holder_rep2, sysadmin,
          issuance_decision, gov_reps, mongolia):
    """Each sender has a representative who initiates (the registries' administrators do not); the senders'
    transfers to the other holding accounts need no second approval (the government accounts' threshold is
    lifted and every holding account is on every sender's trusted list), except from ``jp_approval``."""
    jp, mn = accounts["jp_gov"].registry, accounts["mn_gov"].registry
    other_rep = f.make_user("other_rep")
    services.account_set_representative(actor=registry_admin_jp, account=accounts["jp_other"], user=other_rep)
    for name, admin in (("jp_gov", registry_admin_jp), ("mn_gov", registry_admin_mn)):
        services.account_set_approval_threshold(actor=admin, account=accounts[name], threshold=None)
    registry_admin_mn2 = f.make_user("regadmin_mn2", Role.REGISTRY_ADMIN, country=mongolia)
    extra = {
        "jp_approval": services.account_open(actor=registry_admin_jp, registry=jp, holder=accounts["jp_pp"].holder,
                                             type=AccountType.PARTICIPANT_HOLDING, name="Needs two people",
                                             requires_approval=True, representatives=[holder_rep, holder_rep2]),
        "mn_cancel": services.account_open(actor=registry_admin_mn, registry=mn, type=AccountType.CANCELLATION,
                                           name="Mongolia cancellation account"),
        "mn_retire": services.account_open(actor=registry_admin_mn, registry=mn, type=AccountType.RETIREMENT,
                                           name="Mongolia retirement account"),
    }
    every = {**accounts, **extra}
    for sender in SENDERS:
        for receiver in HOLDING:
            if receiver != sender:
                trust_now(every[sender], every[receiver])
    return {"accounts": {name: a.pk for name, a in every.items()},
            "admins": {"JP": registry_admin_jp, "MN": registry_admin_mn},
            "admins2": {"JP": registry_admin_jp2, "MN": registry_admin_mn2}, "rep": holder_rep, "rep2": holder_rep2,
            "initiators": {"jp_gov": gov_reps["JP"][0], "mn_gov": gov_reps["MN"][0], "jp_pp": holder_rep,
                           "jp_other": other_rep},
            "sysadmin": sysadmin, "decision": issuance_decision}


def build_machine(world: dict) -> type[RuleBasedStateMachine]:  # noqa: C901 (its rules' branches, counted together)
    ids: dict[str, int] = world["accounts"]

    def account(name: str) -> Account:
        return Account.objects.select_related("registry__country").get(pk=ids[name])

    class RegistryMachine(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self._savepoint = transaction.atomic()
            self._savepoint.__enter__()
            self.expected = dict.fromkeys(ids, 0)
            self.issued = 0
            self.periods = 0
            self.proposals: list[tuple[int, str, str, int]] = []  # (pk, sender, receiver, quantity)
            self.transfers: list[tuple[int, str, str, int]] = []  # completed, not reversed
            self.final_moves: list[int] = []  # completed cancellations and retirements

        def teardown(self):
            transaction.set_rollback(True)
            self._savepoint.__exit__(None, None, None)

        # --- helpers ------------------------------------------------------------------------------

        def moved(self, sender: str, receiver: str, quantity: int) -> None:
            self.expected[sender] -= quantity
            self.expected[receiver] += quantity

        def initiate(self, kind, sender: str, receiver: str, quantity: int, actor=None, **extra):
            """Initiate; return the transaction, or None if it was refused (then it must have been hopeless)."""
            actor = actor or world["initiators"][sender]
            held = self.expected[sender]
            try:
                txn = services.transaction_initiate(actor=actor, kind=kind, from_account=account(sender),
                                                    to_account=account(receiver), quantity=quantity, **extra)
            except Conflict as refused:
                assert quantity > held or "first_serial" in extra, (refused, quantity, held)
                return None
            assert quantity <= held, f"{sender} sent {quantity} holding {held}"
            if txn.status == TransactionStatus.COMPLETED:
                self.moved(sender, receiver, quantity)
            return txn

        def quantity(self, data, sender: str) -> int:
            """Mostly what the sender holds, sometimes a little more (which must be refused)."""
            held = self.expected[sender]
            within = [st.integers(1, held)] if held else []
            return data.draw(st.one_of(*within, st.integers(held + 1, held + 3)), label="quantity")

        def sender(self, data, names) -> str:
            """Mostly an account that holds credits."""
            holding = [n for n in names if self.expected[n]]
            return data.draw(st.sampled_from(holding or names), label="sender")

        # --- rules --------------------------------------------------------------------------------

        @initialize(quantities=st.lists(st.integers(1, 1000), min_size=len(HOLDING), max_size=len(HOLDING)))
        def opening_issuances(self, quantities):
            for name, quantity in zip(HOLDING, quantities, strict=True):
                self.issue(name, quantity)

        @rule(name=st.sampled_from(HOLDING), quantity=st.integers(1, 10**6))
        def issue(self, name, quantity):
            self.periods += 1
            a = account(name)
            services.issue(actor=world["admins"][REGISTRY[name]], registry=a.registry, decision=world["decision"],
                           project_code="MN001", monitoring_period_number=self.periods,
                           monitoring_period_key=f"MN001/{self.periods:02d}", vintage=2023,
                           shares=[services.Share(a, quantity)], decided_quantity=quantity)
            self.issued += quantity
            self.expected[name] += quantity

        @rule(data=st.data())
        def transfer(self, data):
            sender = self.sender(data, SENDERS)
            receiver = data.draw(st.sampled_from([n for n in HOLDING if n != sender]), label="receiver")
            kind = (TransactionKind.TRANSFER if REGISTRY[sender] == REGISTRY[receiver]
                    else TransactionKind.EXTERNAL_TRANSFER)
            txn = self.initiate(kind, sender, receiver, self.quantity(data, sender))
            if txn is not None:
                self.transfers.append((txn.pk, sender, receiver, txn.quantity))

        @precondition(lambda self: any(self.expected[n] for n in SENDERS if REGISTRY[n] == "JP"))
        @rule(data=st.data())
        def transfer_serial_range(self, data):
            sender = data.draw(st.sampled_from([n for n in SENDERS if REGISTRY[n] == "JP" and self.expected[n]]))
            receiver = data.draw(st.sampled_from([n for n in HOLDING if REGISTRY[n] == "JP" and n != sender]))
            blocks = list(CreditBlock.objects.filter(account_id=ids[sender], status=BlockStatus.ACTIVE)
                          .values_list("first_serial", "last_serial"))
            low, high = data.draw(st.sampled_from(blocks), label="block")
            first = data.draw(st.integers(low, high), label="first")
            last = data.draw(st.integers(first, high), label="last") + data.draw(st.integers(0, 2), label="past")
            inside = CreditBlock.objects.filter(account_id=ids[sender], status=BlockStatus.ACTIVE,
                                                first_serial__lte=first, last_serial__gte=last).exists()
            txn = self.initiate(TransactionKind.TRANSFER, sender, receiver, last - first + 1, first_serial=first,
                                last_serial=last)
            assert (txn is not None) == inside, (first, last, inside)
            if txn is not None:
                self.transfers.append((txn.pk, sender, receiver, txn.quantity))
                assert CreditBlock.objects.filter(account_id=ids[receiver], first_serial=first,
                                                  last_serial=last).exists()

        @rule(data=st.data(), retire=st.booleans())
        def cancel_or_retire(self, data, retire):
            sender = self.sender(data, SENDERS)
            code = REGISTRY[sender].lower()
            extra = {"purpose": "Offsetting", "beneficiary": "A beneficiary"} if retire else {}
            txn = self.initiate(TransactionKind.RETIREMENT if retire else TransactionKind.CANCELLATION, sender,
                                f"{code}_retire" if retire else f"{code}_cancel", self.quantity(data, sender), **extra)
            if txn is not None:
                self.final_moves.append(txn.pk)

        @precondition(lambda self: any(self.expected[n] for n in FINAL))
        @rule(data=st.data(), by_range=st.booleans())
        def move_cancelled_or_retired_credits(self, data, by_range):
            final = data.draw(st.sampled_from([n for n in FINAL if self.expected[n]]), label="final account")
            receiver = "jp_gov" if FINAL[final] == "JP" else "mn_gov"
            extra = {}
            if by_range:
                block = CreditBlock.objects.filter(account_id=ids[final]).first()
                extra = {"first_serial": block.first_serial, "last_serial": block.first_serial}
            with pytest.raises(Conflict, match="never move again"):
                services.transaction_initiate(actor=world["sysadmin"], kind=TransactionKind.TRANSFER, quantity=1,
                                              from_account=account(final), to_account=account(receiver), **extra)

        @precondition(lambda self: self.expected["jp_approval"])
        @rule(data=st.data())
        def propose(self, data):
            receiver = data.draw(st.sampled_from(["jp_gov", "jp_pp", "jp_other", "mn_gov"]), label="receiver")
            kind = TransactionKind.EXTERNAL_TRANSFER if receiver == "mn_gov" else TransactionKind.TRANSFER
            txn = self.initiate(kind, "jp_approval", receiver, self.quantity(data, "jp_approval"),
                                actor=world["rep"])
            if txn is not None:
                assert txn.status == TransactionStatus.PROPOSED
                self.proposals.append((txn.pk, "jp_approval", receiver, txn.quantity))

        @precondition(lambda self: self.proposals)
        @rule(data=st.data(), outcome=st.sampled_from(["approve", "reject", "cancel", "approve_self"]))
        def decide_proposal(self, data, outcome):
            pk, sender, receiver, quantity = data.draw(st.sampled_from(self.proposals), label="proposal")
            txn = CreditTransaction.objects.get(pk=pk)
            if outcome == "approve_self":  # the initiator may not approve their own proposal
                with pytest.raises(NotAllowed):
                    services.transaction_approve(actor=world["rep"], txn=txn)
                return
            self.proposals.remove((pk, sender, receiver, quantity))
            if outcome == "reject":
                services.transaction_reject(actor=world["rep2"], txn=txn, reason="Not agreed")
            elif outcome == "cancel":
                services.transaction_cancel(actor=world["rep"], txn=txn)
            else:
                with pytest.raises(NotAllowed):  # an administrator never stands in for a representative
                    services.transaction_approve(actor=world["admins"]["JP"], txn=txn)
                approver = world["rep2"]
                held = self.expected[sender]
                try:
                    services.transaction_approve(actor=approver, txn=txn)
                except Conflict:
                    assert quantity > held
                    return
                assert quantity <= held
                self.moved(sender, receiver, quantity)
                self.transfers.append((pk, sender, receiver, quantity))
            assert CreditTransaction.objects.get(pk=pk).status != TransactionStatus.PROPOSED

        @precondition(lambda self: self.transfers)
        @rule(data=st.data())
        def reverse_transfer(self, data):
            pk, sender, receiver, quantity = data.draw(st.sampled_from(self.transfers), label="transfer")
            txn = CreditTransaction.objects.get(pk=pk)
            ranges = list(txn.entries.values_list("first_serial", "last_serial"))
            still_held = all(CreditBlock.objects.filter(account_id=ids[receiver], status=BlockStatus.ACTIVE,
                                                        first_serial__gte=first, last_serial__lte=last)
                             .aggregate(units=Sum("quantity"))["units"] == last - first + 1 for first, last in ranges)
            try:
                reversal = services.transaction_reverse(actor=world["admins"][REGISTRY[sender]], txn=txn,
                                                        reason="Correction")
            except Conflict:
                assert not still_held
                return
            assert still_held
            # approved by an administrator of the registry the units come back from, not the proposer
            approver = (world["admins2"] if REGISTRY[receiver] == REGISTRY[sender] else world["admins"])[
                REGISTRY[receiver]]
            services.transaction_approve(actor=approver, txn=reversal)
            self.transfers.remove((pk, sender, receiver, quantity))
            self.moved(receiver, sender, quantity)
            for first, last in ranges:  # exactly the same serial numbers are back
                assert CreditBlock.objects.filter(account_id=ids[sender], first_serial__gte=first,
                                                  last_serial__lte=last).aggregate(units=Sum("quantity"))[
                    "units"] == last - first + 1

        @precondition(lambda self: self.final_moves)
        @rule(data=st.data())
        def reverse_a_final_move(self, data):
            txn = CreditTransaction.objects.get(pk=data.draw(st.sampled_from(self.final_moves)))
            with pytest.raises(Conflict, match="final"):
                services.transaction_reverse(actor=world["admins"][txn.registry.code], txn=txn, reason="Regret")

        # --- invariants ---------------------------------------------------------------------------

        @invariant()
        def units_are_conserved(self):
            with connection.cursor() as cursor:
                cursor.execute("SELECT (SELECT COALESCE(SUM(quantity), 0) FROM credits_creditblock), "
                               "(SELECT COALESCE(SUM(quantity), 0) FROM credits_issuance)")
                blocks, issued = cursor.fetchone()
            assert blocks == issued == self.issued

        @invariant()
        def no_blocks_overlap(self):
            with connection.cursor() as cursor:
                cursor.execute(OVERLAP_SQL)
                assert cursor.fetchall() == []

        @invariant()
        def replay_equals_holdings(self):
            assert reconcile() == []

        @invariant()
        def balances_are_the_blocks_and_the_model(self):
            held = dict(CreditBlock.objects.values("account_id").annotate(units=Sum("quantity"))
                        .values_list("account_id", "units"))
            balances = dict(Account.objects.filter(pk__in=ids.values()).values_list("pk", "balance"))
            for name, pk in ids.items():
                assert balances[pk] == held.get(pk, 0) == self.expected[name], name

        @invariant()
        def the_database_checks_pass(self):
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred checks queued so far run now
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        @invariant()
        def nothing_left_a_final_account(self):
            assert not LedgerEntry.objects.filter(from_account__type__in=list(TERMINAL_TYPES)).exists()
            assert not CreditBlock.objects.filter(account__type__in=list(TERMINAL_TYPES),
                                                  status=BlockStatus.ACTIVE).exists()

    return RegistryMachine


def test_random_sequences_never_lose_or_double_a_credit(world):
    run_state_machine_as_test(build_machine(world), settings=settings(
        max_examples=30, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
