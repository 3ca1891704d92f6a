"""Demo registry data, loaded by ``manage.py seed_demo`` after the demo projects (``seed_credits(actor)``
with the demo system administrator).

- the registries of Japan and of Mongolia (Mongolia's runs on Japan's system but stays its own registry),
  each with a government holding, a cancellation and a retirement account;
- a participant holding account for each MN9001 participant (fictitious companies): Demo Solar LLC in Mongolia's registry (the
  demo user ``participant`` as representative) and Nippon Demo Energy K.K. in Japan's (``participant-jp``);
- the issuance of MN9001's decided credits, split by its credit allocation, executed by each registry's
  administrator (``registry-admin`` for Japan, ``registry-admin-mn`` for Mongolia), authorized for NDC use;
- a partial transfer from Demo Solar LLC to Nippon Demo Energy (Mongolia → Japan: it splits the block and
  records the first transfer), a cancellation by the Government of Japan, and a retirement by Nippon Demo
  Energy with its beneficiary.

Every write goes through credits.services. Each step first looks for what it would create (the moves by
their idempotency keys), so a second run changes nothing and writes no audit event.
"""

from __future__ import annotations

from committee import services as committee_services
from committee.choices import Role
from committee.models import Country, Organization, RoleAssignment, User

from . import services
from .choices import AccountType, Authorization, TransactionKind
from .models import Account, CreditTransaction, Issuance, Registry

MN_ADMIN_USERNAME = "registry-admin-mn"
DEMO_LOGINS = [(MN_ADMIN_USERNAME, "Registry administrator of Mongolia's registry (run on Japan's system)")]

REGISTRIES = [("JP", "JCM Registry of Japan", None), ("MN", "JCM Registry of Mongolia", "JP")]
GOVERNMENT_ACCOUNTS = [
    (AccountType.GOVERNMENT_HOLDING, "Government of {country}"),
    (AccountType.CANCELLATION, "{country} cancellation account"),
    (AccountType.RETIREMENT, "{country} retirement account"),
]
# (registry, organization name starts with, representative username)
PARTICIPANT_ACCOUNTS = [
    ("MN", "Demo Solar LLC", "participant"),
    ("JP", "Nippon Demo Energy K.K.", "participant-jp"),
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

    def ensure_mongolian_admin(self) -> None:
        from committee.demo import DEMO_PASSWORD

        mongolia = Country.objects.get(code="MN")
        user = self.user(MN_ADMIN_USERNAME)
        if user is None:  # logins are created like the other demo logins (no account service)
            user = User.objects.create_user(MN_ADMIN_USERNAME, f"{MN_ADMIN_USERNAME}@example.org", DEMO_PASSWORD,
                                            first_name="Demo", last_name="Registry Administrator (Mongolia)")
            self.log(f"user {MN_ADMIN_USERNAME}")
        if not RoleAssignment.objects.filter(user=user, role=Role.REGISTRY_ADMIN, country=mongolia).exists():
            committee_services.role_assign(actor=self.actor, user=user, role=Role.REGISTRY_ADMIN, country=mongolia)
            self.log(f"role registry_admin (MN) for {MN_ADMIN_USERNAME}")

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
        account = Account.objects.filter(registry=registry, type=type, holder=holder).order_by("number").first()
        if account is None:
            account = services.account_open(actor=self.admin_of(code), registry=registry, type=type, name=name,
                                            holder=holder, representatives=[u for u in representatives if u])
            self.log(f"account {account.number} {account.name}")
        return account

    def ensure_accounts(self) -> dict[str, Account]:
        accounts = {}
        for code in self.registries:
            country = self.registries[code].country.name
            for type, name in GOVERNMENT_ACCOUNTS:
                accounts[f"{code}:{type}"] = self.ensure_account(code, type, name.format(country=country))
        for code, org_name, username in PARTICIPANT_ACCOUNTS:
            holder = Organization.objects.filter(name__startswith=org_name, country__code=code).first()
            if holder is not None:
                accounts[f"{code}:{org_name}"] = self.ensure_account(
                    code, AccountType.PARTICIPANT_HOLDING, holder.name, holder=holder,
                    representatives=[self.user(username)])
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
            issuance = services.issuance_execute(actor=self.admin_of(code), request=request, registry=registry,
                                                 authorization=Authorization.NDC)
            self.log(f"issuance {code} {issuance.monitoring_period_key}: {issuance.quantity:,} credits")
        return True

    def move(self, key: str, actor: User | None, **kwargs) -> None:
        if actor is None or CreditTransaction.objects.filter(initiator=actor, idempotency_key=key).exists():
            return
        txn = services.transaction_initiate(actor=actor, idempotency_key=key, **kwargs)
        self.log(f"{txn.get_kind_display().lower()} {txn.reference}: {txn.quantity:,} credits "
                 f"{txn.from_account.number} → {txn.to_account.number}")

    def ensure_moves(self, accounts: dict[str, Account]) -> None:
        mn_company, jp_company = accounts.get("MN:Demo Solar LLC"), accounts.get("JP:Nippon Demo Energy K.K.")
        if mn_company is None or jp_company is None:
            return
        self.move(TRANSFER_KEY, self.user("participant"), kind=TransactionKind.EXTERNAL_TRANSFER,
                  from_account=mn_company, to_account=jp_company, quantity=1000,
                  note="Sale of part of Demo Solar LLC's share to its Japanese partner.")
        self.move(CANCELLATION_KEY, self.admin_of("JP"), kind=TransactionKind.CANCELLATION,
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
    seed.ensure_mongolian_admin()
    seed.ensure_registries()
    accounts = seed.ensure_accounts()
    if seed.ensure_issuance():
        seed.ensure_moves(accounts)
    return seed.created
