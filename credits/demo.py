"""Demo registry data, loaded by ``manage.py seed_demo`` after the demo projects (``seed_credits(actor)``
with the demo system administrator).

- the registries of Japan and of Mongolia (Mongolia's runs on Japan's system but stays its own registry),
  each with a government holding, a cancellation and a retirement account;
- a participant holding account for each MN9001 participant (fictitious companies): Demo Solar LLC in Mongolia's registry (the
  demo users ``participant`` and ``participant-2`` as representatives) and Nippon Demo Energy K.K. in Japan's
  (``participant-jp``);
- the Government of Japan's holding account represented by ``gov-jp`` and ``gov-jp-2`` (every transaction
  out of a government account needs a second representative's approval), and a second administrator of
  Japan's registry, ``registry-admin-2`` (administrative corrections and reversals need two administrators);
- the issuance of MN9001's decided credits, split by its credit allocation, proposed by each registry's
  administrator (``registry-admin`` for Japan, ``registry-admin-mn`` for Mongolia) and approved by its second
  one (``registry-admin-2``, ``registry-admin-mn-2``), authorized for NDC use;
- a partial transfer from Demo Solar LLC to Nippon Demo Energy (Mongolia → Japan: it splits the block and
  records the first transfer; proposed by ``participant`` and approved by ``participant-2``, the receiving
  account not being on Demo Solar's trusted list), a cancellation by the Government of Japan (proposed by
  ``gov-jp``, approved by ``gov-jp-2``), and a retirement by Nippon Demo Energy with its beneficiary.

Every write goes through credits.services. Each step first looks for what it would create (the moves by
their idempotency keys, and approves only what is still proposed), so a second run changes nothing and
writes no audit event.
"""

from __future__ import annotations

from committee import services as committee_services
from committee.choices import Role
from committee.models import Country, Organization, RoleAssignment, User

from . import services
from .choices import AccountType, Authorization, TransactionKind, TransactionStatus
from .models import Account, CreditTransaction, Issuance, Registry

MN_ADMIN_USERNAME = "registry-admin-mn"
JP_ADMIN2_USERNAME = "registry-admin-2"
MN_ADMIN2_USERNAME = "registry-admin-mn-2"
# the second administrator of each registry (approves issuances, corrections and reversals)
SECOND_ADMINS = {"JP": JP_ADMIN2_USERNAME, "MN": MN_ADMIN2_USERNAME}
# (username, first name, last name): the logins this module creates, beside the committee's demo users
EXTRA_USERS = [
    (MN_ADMIN_USERNAME, "Demo", "Registry Administrator (Mongolia)"),
    (JP_ADMIN2_USERNAME, "Demo", "Second Registry Administrator (Japan)"),
    (MN_ADMIN2_USERNAME, "Demo", "Second Registry Administrator (Mongolia)"),
    ("gov-jp", "Demo", "Representative of the Government of Japan"),
    ("gov-jp-2", "Demo", "Second Representative of the Government of Japan"),
    ("participant-2", "Demo", "Second Participant (Demo Solar LLC)"),
]
DEMO_LOGINS = [
    (MN_ADMIN_USERNAME, "Registry administrator of Mongolia's registry (run on Japan's system)"),
    (JP_ADMIN2_USERNAME, "Second administrator of Japan's registry: approves issuances, corrections, reversals"),
    (MN_ADMIN2_USERNAME, "Second administrator of Mongolia's registry: approves issuances, corrections, reversals"),
    ("gov-jp", "Representative of the Government of Japan's holding account (proposes)"),
    ("gov-jp-2", "Second representative of the Government of Japan's holding account (approves)"),
    ("participant-2", "Second representative of Demo Solar LLC's holding account (approves its transfers)"),
]
# who represents the government holding account of a registry
GOVERNMENT_REPRESENTATIVES = {"JP": ["gov-jp", "gov-jp-2"]}

REGISTRIES = [("JP", "JCM Registry of Japan", None), ("MN", "JCM Registry of Mongolia", "JP")]
GOVERNMENT_ACCOUNTS = [
    (AccountType.GOVERNMENT_HOLDING, "Government of {country}"),
    (AccountType.CANCELLATION, "{country} cancellation account"),
    (AccountType.RETIREMENT, "{country} retirement account"),
]
# (registry, organization name starts with, representative username)
PARTICIPANT_ACCOUNTS = [
    ("MN", "Demo Solar LLC", ["participant", "participant-2"]),
    ("JP", "Nippon Demo Energy K.K.", ["participant-jp"]),
]
PROJECT = "MN9001"
TRANSFER_KEY = "demo-transfer-mn001-1"
CANCELLATION_KEY = "demo-cancellation-jp-1"
RETIREMENT_KEY = "demo-retirement-jp-1"
BENEFICIARY = "Nippon Demo Energy K.K. (fictitious company)"
PURPOSE = "Voluntary offsetting of the company's own emissions (demo data)"


class _Seed:
    def __init__(self, actor):
        self.actor = actor
        self.created: list[str] = []
        self.registries: dict[str, Registry] = {}

    def log(self, what: str) -> None:
        self.created.append(what)

    def user(self, username: str) -> User | None:
        return User.objects.filter(username=username).first()

    def admin_of(self, code: str) -> User:
        """The registry administrator of a country (the system administrator stands in)."""
        assignment = (RoleAssignment.objects.filter(role=Role.REGISTRY_ADMIN, country__code=code)
                      .select_related("user").order_by("pk").first())
        return assignment.user if assignment else self.actor

    def ensure_users(self) -> None:
        from committee.demo import DEMO_PASSWORD

        for username, first, last in EXTRA_USERS:
            if self.user(username) is None:  # logins are created like the other demo logins (no account service)
                User.objects.create_user(username, f"{username}@example.org", DEMO_PASSWORD, first_name=first,
                                         last_name=last)
                self.log(f"user {username}")
        for username, code in ((MN_ADMIN_USERNAME, "MN"), (JP_ADMIN2_USERNAME, "JP"), (MN_ADMIN2_USERNAME, "MN")):
            user, country = self.user(username), Country.objects.get(code=code)
            if not RoleAssignment.objects.filter(user=user, role=Role.REGISTRY_ADMIN, country=country).exists():
                committee_services.role_assign(actor=self.actor, user=user, role=Role.REGISTRY_ADMIN, country=country)
                self.log(f"role registry_admin ({code}) for {username}")

    def ensure_registries(self) -> None:
        for code, name, operator in REGISTRIES:
            registry = Registry.objects.filter(country__code=code).first()
            if registry is None:
                registry = services.registry_open(actor=self.actor, country=Country.objects.get(code=code),
                                                  name=name,
                                                  operated_by=Country.objects.get(code=operator) if operator else None)
                self.log(f"registry {code} {name}")
            self.registries[code] = registry

    def ensure_account(self, code: str, type: str, name: str, holder=None, representatives=()) -> Account:
        registry = self.registries[code]
        representatives = [u for u in representatives if u]
        account = Account.objects.filter(registry=registry, type=type, holder=holder).order_by("number").first()
        if account is None:
            account = services.account_open(actor=self.admin_of(code), registry=registry, type=type, name=name,
                                            holder=holder, representatives=representatives)
            self.log(f"account {account.number} {account.name}")
        named = set(account.representative_links.values_list("user_id", flat=True))
        for user in representatives:  # a demo loaded before the second representatives gets them now
            if user.pk not in named:
                services.account_set_representative(actor=self.admin_of(code), account=account, user=user)
                self.log(f"representative {user.username} of {account.number}")
        return account

    def ensure_accounts(self) -> dict[str, Account]:
        accounts = {}
        for code in self.registries:
            country = self.registries[code].country.name
            for type, name in GOVERNMENT_ACCOUNTS:
                representatives = (GOVERNMENT_REPRESENTATIVES.get(code, [])
                                   if type == AccountType.GOVERNMENT_HOLDING else [])
                accounts[f"{code}:{type}"] = self.ensure_account(code, type, name.format(country=country),
                                                                 representatives=[self.user(u) for u in
                                                                                  representatives])
        for code, org_name, usernames in PARTICIPANT_ACCOUNTS:
            holder = Organization.objects.filter(name__startswith=org_name, country__code=code).first()
            if holder is not None:
                accounts[f"{code}:{org_name}"] = self.ensure_account(
                    code, AccountType.PARTICIPANT_HOLDING, holder.name, holder=holder,
                    representatives=[self.user(username) for username in usernames])
        return accounts

    def ensure_issuance(self) -> bool:
        """Issue MN001's decided credits into both registries; False when there is no decision yet."""
        from projects.choices import IssuanceStatus
        from projects.models import IssuanceRequest

        request = (IssuanceRequest.objects.filter(project__project_id=PROJECT, status=IssuanceStatus.DECIDED)
                   .order_by("pk").first())
        if request is None:
            return False
        for code, registry in self.registries.items():
            if Issuance.objects.filter(registry=registry, decision=request.decision).exists():
                continue
            proposal = CreditTransaction.objects.filter(
                registry=registry, kind=TransactionKind.ISSUANCE, status=TransactionStatus.PROPOSED,
                selection__request=request.pk).first()
            if proposal is None:
                result = services.issuance_execute(actor=self.admin_of(code), request=request, registry=registry,
                                                   authorization=Authorization.NDC)
                if isinstance(result, Issuance):  # without a second approval (CREDITS_ISSUANCE_SECOND_APPROVAL)
                    self.log(f"issuance {code} {result.monitoring_period_key}: {result.quantity:,} credits")
                    continue
                proposal = result
            approver = self.user(SECOND_ADMINS[code])
            txn = services.transaction_approve(actor=approver, txn=proposal)
            issuance = txn.issuance_record
            self.log(f"issuance {code} {issuance.monitoring_period_key}: {issuance.quantity:,} credits "
                     f"(approved by {approver.username})")
        return True

    def move(self, key: str, actor: User | None, approver: User | None = None, **kwargs) -> None:
        """Initiate the move (once, by its idempotency key); if it awaits a second approval, ``approver``
        gives it."""
        if actor is None:
            return
        # by its key alone: a demo loaded before (when an administrator made the government's moves) has it too
        txn = CreditTransaction.objects.filter(idempotency_key=key).order_by("pk").first()
        if txn is None:
            txn = services.transaction_initiate(actor=actor, idempotency_key=key, **kwargs)
            self.log(f"{txn.get_kind_display().lower()} {txn.reference}: {txn.quantity:,} credits "
                     f"{txn.from_account.number} → {txn.to_account.number}"
                     f"{' (proposed)' if txn.status == TransactionStatus.PROPOSED else ''}")
        if txn.status == TransactionStatus.PROPOSED and approver is not None:
            txn = services.transaction_approve(actor=approver, txn=txn)
            self.log(f"{txn.reference} approved by {approver.username}")

    def ensure_moves(self, accounts: dict[str, Account]) -> None:
        mn_company, jp_company = accounts.get("MN:Demo Solar LLC"), accounts.get("JP:Nippon Demo Energy K.K.")
        if mn_company is None or jp_company is None:
            return
        self.move(TRANSFER_KEY, self.user("participant"), self.user("participant-2"),
                  kind=TransactionKind.EXTERNAL_TRANSFER,
                  from_account=mn_company, to_account=jp_company, quantity=1000,
                  note="Sale of part of Demo Solar LLC's share to its Japanese partner.")
        self.move(CANCELLATION_KEY, self.user("gov-jp"), self.user("gov-jp-2"), kind=TransactionKind.CANCELLATION,
                  from_account=accounts[f"JP:{AccountType.GOVERNMENT_HOLDING}"],
                  to_account=accounts[f"JP:{AccountType.CANCELLATION}"], quantity=100,
                  note="Cancellation by the Government of Japan (demo data).")
        self.move(RETIREMENT_KEY, self.user("participant-jp"), kind=TransactionKind.RETIREMENT,
                  from_account=jp_company, to_account=accounts[f"JP:{AccountType.RETIREMENT}"], quantity=500,
                  purpose=PURPOSE, beneficiary=BENEFICIARY)


def seed_credits(actor) -> list[str]:
    """Load the demo registry data (idempotent). ``actor`` is the demo system administrator. Returns what was
    created."""
    seed = _Seed(actor)
    seed.ensure_users()
    seed.ensure_registries()
    accounts = seed.ensure_accounts()
    if seed.ensure_issuance():
        seed.ensure_moves(accounts)
    return seed.created
