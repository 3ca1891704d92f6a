"""The permission matrix over every registry endpoint, centred on Mongolia's registry.

Actors: anonymous; a project participant who represents no account; the representative of the Mongolian
company's holding account; a registry administrator of Mongolia's registry and one of Japan's; the ministry
of Mongolia and the ministry of Japan (another country, with a registry of its own).

- reads: the actors allowed get 200; for the others a transaction does not exist (404), a protected read
  answers 401 without credentials and 403 with them, and a public list leaves out what is not theirs;
- writes: the actors allowed pass the permission check (any answer but 401/403/404: it may still be refused
  for the state the object is in); the others get 403, or 401 without credentials.

Every request runs in a savepoint that is rolled back, so all of them see the same world.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import transaction

from committee.choices import Role
from credits import services
from credits.choices import TransactionKind, TransactionStatus
from credits.models import CreditBlock
from tests import factories as f
from tests.conftest import client_for
from tests.credits.conftest import move_approved

from .test_api import decided_request, mn_accounts, mn_company, mn_rep  # noqa: F401 (fixtures)

API = "/api/v1"
ACTORS = ("anonymous", "participant", "rep", "admin", "other_admin", "ministry", "other_ministry")
EVERYONE = set(ACTORS)
CONCERNED = {"rep", "admin", "ministry"}  # who sees the Mongolian company's account in full
REGISTRY = {"admin", "ministry"}  # the registry's administrators and its government's ministry


@dataclass
class World:
    accounts: dict
    proposed: object  # a transfer from the company's account awaiting approval (initiated by rep)
    transfer: object  # a completed transfer from the government account (by its two representatives)
    retirement: object  # a completed retirement by the ministry (approved by a representative)
    issuance: object
    block: CreditBlock
    request: object  # an issuance request decided by the Joint Committee, not yet issued in Mongolia
    ids: dict = field(default_factory=dict)


@pytest.fixture
def world(mn_accounts, decided_request, registry_admin_mn, ministry, mn_rep, issuance_decision,  # noqa: F811
          gov_reps):
    a = mn_accounts
    a["mn_pp"].requires_approval = True
    a["mn_pp"].save(update_fields=["requires_approval"])
    issuance = services.issue(
        actor=registry_admin_mn, registry=a["mn_gov"].registry, decision=issuance_decision, project_code="MN001",
        monitoring_period_number=51, monitoring_period_key="MN001/51", vintage=2023, decided_quantity=2000,
        shares=[services.Share(a["mn_pp"], 1000), services.Share(a["mn_gov"], 1000)])
    proposed = services.transaction_initiate(actor=mn_rep, kind=TransactionKind.TRANSFER, from_account=a["mn_pp"],
                                             to_account=a["mn_gov"], quantity=10)
    assert proposed.status == TransactionStatus.PROPOSED
    transfer = move_approved(kind=TransactionKind.TRANSFER, from_account=a["mn_gov"], to_account=a["mn_pp"],
                             quantity=20)
    retirement = services.transaction_initiate(actor=ministry, kind=TransactionKind.RETIREMENT,
                                               from_account=a["mn_gov"], to_account=a["mn_retire"], quantity=5,
                                               purpose="Use towards Mongolia's NDC", beneficiary="Mongolia")
    retirement = services.transaction_approve(actor=gov_reps["MN"][0], txn=retirement)
    block = CreditBlock.objects.filter(account=a["mn_pp"]).order_by("first_serial").first()
    return World(a, proposed, transfer, retirement, issuance, block, decided_request)


@pytest.fixture
def clients(participant, mn_rep, registry_admin_mn, registry_admin_jp, ministry, japan):  # noqa: F811
    users = {"anonymous": None, "participant": participant, "rep": mn_rep, "admin": registry_admin_mn,
             "other_admin": registry_admin_jp, "ministry": ministry,
             "other_ministry": f.make_user("ministry_jp", Role.MINISTRY_API, country=japan)}
    return {name: client_for(users[name]) for name in ACTORS}


@dataclass
class Read:
    url: str
    allowed: set[str]
    denied: str = "404"  # "404": the object does not exist for them; "auth": 401 anonymous, else 403
    # for lists and objects: who sees the item in full; check(body) is True when it is shown in full
    full: set[str] | None = None
    check: Callable[[dict], bool] | None = None


@dataclass
class Write:
    method: str
    url: str
    allowed: set[str]
    body: dict = field(default_factory=dict)
    key: bool = False  # send an Idempotency-Key header


def _rows(body) -> list:
    return body["results"] if isinstance(body, dict) and "results" in body else body


def reads(w: World) -> list[Read]:
    pp, gov = w.accounts["mn_pp"].number, w.accounts["mn_gov"].number

    def balance_of(number):
        return lambda body: next(r for r in _rows(body) if r["number"] == number)["balance"] is not None

    def block_account(body):
        return next(b for b in _rows(body) if b["id"] == w.block.pk)["account"] is not None

    return [
        Read("/registries/", EVERYONE),
        Read("/registries/MN/", EVERYONE),
        Read("/registries/MN/totals/", EVERYONE),
        Read("/registries/MN/annual-summary/", EVERYONE),
        Read("/registries/MN/article6/", REGISTRY, denied="auth"),
        Read("/registries/MN/article6/?format=csv", REGISTRY, denied="auth"),
        Read("/registries/MN/article6/?format=xlsx", REGISTRY, denied="auth"),
        Read("/accounts/?page_size=100", EVERYONE, full=CONCERNED, check=balance_of(pp)),
        Read("/accounts/?page_size=100", EVERYONE, full=REGISTRY, check=balance_of(gov)),
        Read(f"/accounts/{pp}/", EVERYONE, full=CONCERNED, check=lambda body: body["representatives"] is not None),
        Read(f"/accounts/{pp}/blocks/", CONCERNED, denied="auth"),
        Read(f"/accounts/{gov}/blocks/", REGISTRY, denied="auth"),
        Read("/blocks/?registry=MN", EVERYONE, full=CONCERNED, check=block_account),
        Read(f"/blocks/{w.block.pk}/", EVERYONE, full=CONCERNED, check=lambda body: body["account"] is not None),
        Read(f"/serials/{w.block.first_serial}/", EVERYONE, full=CONCERNED,
             check=lambda body: body["blocks"][0]["account"] is not None),
        Read("/transactions/", EVERYONE, full=CONCERNED, check=lambda body: bool(body["results"])),
        Read(f"/transactions/{w.proposed.pk}/", CONCERNED),
        Read(f"/transactions/{w.transfer.pk}/", CONCERNED),
        Read(f"/transactions/{w.retirement.pk}/", EVERYONE),  # completed retirements are public
        Read("/issuances/", EVERYONE),
        Read(f"/issuances/{w.issuance.pk}/", EVERYONE, full=CONCERNED,
             check=lambda body: any(s["to_account"] == pp for s in body["shares"])),
        Read("/retirements/", EVERYONE, check=lambda body: bool(body["results"]), full=EVERYONE),
        Read(f"/retirements/{w.retirement.pk}/", EVERYONE),
    ]


def writes(w: World, mn_company) -> list[Write]:  # noqa: F811
    a = w.accounts
    pp, gov = a["mn_pp"].number, a["mn_gov"].number
    return [
        Write("post", "/accounts/", {"admin"}, {"registry": "MN", "type": "participant_holding", "name": "New LLC",
                                                "holder": mn_company.pk}),
        Write("post", f"/accounts/{pp}/status/", {"admin"}, {"status": "blocked", "reason": "Court order"}),
        Write("post", f"/accounts/{pp}/representatives/", {"admin"}, {"user": "participant"}),
        Write("delete", f"/accounts/{pp}/representatives/mn_rep/", {"admin"}),
        # only an account's representatives move its credits (for a government account, its ministry)
        Write("post", "/transactions/", {"rep"}, key=True,
              body={"kind": "transfer", "from_account": pp, "to_account": gov, "quantity": 3}),
        Write("post", "/transactions/", {"ministry"}, key=True,
              body={"kind": "transfer", "from_account": gov, "to_account": pp, "quantity": 3}),
        Write("post", "/transactions/", {"ministry"}, key=True,
              body={"kind": "external_transfer", "from_account": gov, "to_account": a["jp_gov"].number,
                    "quantity": 3}),
        Write("post", "/transactions/", {"ministry"}, key=True,
              body={"kind": "cancellation", "from_account": gov, "to_account": a["mn_cancel"].number,
                    "quantity": 3}),
        Write("post", "/transactions/", {"rep"}, key=True,
              body={"kind": "retirement", "from_account": pp, "to_account": a["mn_retire"].number, "quantity": 3,
                    "purpose": "Offsetting", "beneficiary": "Darkhan"}),
        # the registry acts on a holder's account only by a correction with its legal basis
        Write("post", "/transactions/corrections/", {"admin"},
              body={"kind": "transfer", "from_account": pp, "to_account": gov, "quantity": 3,
                    "legal_basis": "Court order 12"}),
        # the company's only representative initiated it: nobody else here may approve or reject it
        Write("post", f"/transactions/{w.proposed.pk}/approve/", set()),
        Write("post", f"/transactions/{w.proposed.pk}/reject/", set(), {"reason": "Wrong buyer"}),
        Write("post", f"/transactions/{w.proposed.pk}/cancel/", {"rep", "admin"}),
        Write("post", f"/transactions/{w.transfer.pk}/reverse/", {"admin"}, {"reason": "Wrong account"}),
        Write("post", "/issuances/", {"admin"}, {"issuance_request": w.request.pk, "registry": "MN",
                                                 "authorization": "ndc"}),
        Write("post", f"/accounts/{pp}/trusted/", {"rep"}, {"account": gov}),
        Write("post", f"/accounts/{pp}/approval-threshold/", {"admin"}, {"threshold": 100}),
    ]


def _isolated(call):
    """Make the request inside a savepoint that is rolled back afterwards."""
    with transaction.atomic():
        response = call()
        transaction.set_rollback(True)
    return response


def _json(response):
    return response.json() if response["Content-Type"].startswith("application/json") else None


def test_reads(world, clients):
    problems = []
    for read in reads(world):
        for actor in ACTORS:
            response = _isolated(lambda read=read, actor=actor: clients[actor].get(f"{API}{read.url}"))
            where = f"GET {read.url} as {actor}: {response.status_code}"
            if actor not in read.allowed:
                expected = 404 if read.denied == "404" else (401 if actor == "anonymous" else 403)
                if response.status_code != expected:
                    problems.append(f"{where}, expected {expected}")
                continue
            if response.status_code != 200:
                problems.append(f"{where}, expected 200")
                continue
            if read.check is not None and read.check(_json(response)) != (actor in read.full):
                problems.append(f"{where}, shown {'partly' if actor in read.full else 'in full'}, expected "
                                f"{'in full' if actor in read.full else 'partly'}")
    assert not problems, "\n".join(problems)


def test_writes(world, clients, mn_company):  # noqa: F811
    problems = []
    for n, write in enumerate(writes(world, mn_company)):
        for actor in ACTORS:
            def call(write=write, actor=actor, n=n):
                headers = {"HTTP_IDEMPOTENCY_KEY": f"matrix-{n}"} if write.key else {}
                return getattr(clients[actor], write.method)(f"{API}{write.url}", write.body, format="json",
                                                             **headers)

            response = _isolated(call)
            where = f"{write.method.upper()} {write.url} {write.body or ''} as {actor}: {response.status_code}"
            if actor in write.allowed:
                if response.status_code in (401, 403, 404) or response.status_code >= 500:
                    problems.append(f"{where}, expected to pass ({_json(response)})")
            elif response.status_code != (401 if actor == "anonymous" else 403):
                problems.append(f"{where}, expected {401 if actor == 'anonymous' else 403}")
    assert not problems, "\n".join(problems)


def test_the_allowed_writes_succeed(world, clients, mn_company):  # noqa: F811
    """Not only past the permission check: every write of the matrix works for its allowed actors."""
    problems = []
    for n, write in enumerate(writes(world, mn_company)):
        for actor in sorted(write.allowed):
            def call(write=write, actor=actor, n=n):
                headers = {"HTTP_IDEMPOTENCY_KEY": f"ok-{n}"} if write.key else {}
                return getattr(clients[actor], write.method)(f"{API}{write.url}", write.body, format="json",
                                                             **headers)

            response = _isolated(call)
            if response.status_code not in (200, 201, 202, 204):  # 202: proposed (an issuance awaits approval)
                problems.append(f"{write.method.upper()} {write.url} as {actor}: {response.status_code} "
                                f"{_json(response)}")
    assert not problems, "\n".join(problems)
