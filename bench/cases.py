"""The benchmark cases. Each returns the lines it prints."""

from __future__ import annotations

import datetime
import random
import statistics
import time
from collections.abc import Callable

from django.db import connection, transaction

SIZES = {
    "S": {"lookup_blocks": 100_000, "reconcile_txns": 10_000, "reconcile_blocks": 100_000, "audit_events": 100_000,
          "repeats": 60},
    "L": {"lookup_blocks": 1_000_000, "reconcile_txns": 1_000_000, "reconcile_blocks": 10_000_000,
          "audit_events": 1_000_000, "repeats": 300},
}


def line(name: str, value: float, unit: str, ratio: float | None = None, extra: str = "") -> str:
    text = f"{name}: {value:.3f} {unit}"
    if ratio is not None:
        text += f" ({ratio:.2f} x baseline)"
    return text + (f" {extra}" if extra else "")


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


# --- shared world ------------------------------------------------------------------------------

_world: dict = {}


def world() -> dict:
    """Japan's and Mongolia's registries, a Joint Committee decision and a few accounts."""
    if _world:
        return _world
    from committee import services as committee_services
    from committee.choices import DecisionKind, DecisionMode, Role, Side
    from committee.models import Country, JointCommittee, RoleAssignment, SectoralScope, User
    from committee.reference import ensure_reference_data
    from credits import services
    from credits.choices import AccountType

    ensure_reference_data(Country, SectoralScope)
    admin = User.objects.create_superuser("bench-admin", "bench@example.org", "bench-pass-123")
    japan = Country.objects.get(code="JP")
    mongolia = Country.objects.create(code="MN", name="Mongolia")
    jc = JointCommittee.objects.create(partner=mongolia, name="Japan–Mongolia Joint Committee")
    secretariat = User.objects.create_user("bench-sec", password="bench-pass-123")
    RoleAssignment.objects.create(user=secretariat, role=Role.SECRETARIAT, joint_committee=jc, side=Side.JAPAN)
    decision = committee_services.decision_record(
        actor=secretariat, joint_committee=jc, decided_on=datetime.date(2024, 1, 10), mode=DecisionMode.ELECTRONIC,
        kind=DecisionKind.ISSUE_CREDITS, title="Benchmark issuance decision")
    jp = services.registry_open(actor=admin, country=japan)
    # the superuser is no registry administrator: Japan's registry has its own, and the accounts that send
    # credits their representative (only representatives move an account's credits); the receiving accounts
    # (gamma, epsilon) have none, so that a move notifies nobody, as before
    registry_admin = User.objects.create_user("bench-registry-admin", password="bench-pass-123")
    RoleAssignment.objects.create(user=registry_admin, role=Role.REGISTRY_ADMIN, country=japan)
    rep = User.objects.create_user("bench-rep", password="bench-pass-123")
    accounts = {
        name: services.account_open(actor=registry_admin, registry=jp, type=AccountType.PARTICIPANT_HOLDING,
                                    name=name, holder=None if name.startswith("gov") else _org(name),
                                    representatives=[] if name in ("gamma", "epsilon") else [rep])
        for name in ("alpha", "beta", "gamma", "delta", "epsilon", "zeta")
    }
    _world.update(admin=registry_admin, superuser=admin, rep=rep, registry=jp, decision=decision,
                  accounts=accounts, periods=0)
    return _world


def trust(account, trusted) -> None:
    """``trusted`` on ``account``'s trusted-account list, already active: transfers to it execute at once."""
    from django.utils import timezone

    from credits.models import TrustedAccount

    past = timezone.now() - datetime.timedelta(days=365)
    TrustedAccount.objects.get_or_create(account=account, trusted=trusted,
                                         defaults={"added_by": world()["rep"], "added_at": past, "active_from": past})


def _org(name):
    from committee.models import Organization

    return Organization.objects.create(name=f"Bench {name}", kind="company")


def issue_into(account, quantity: int):
    from credits import services

    w = world()
    w["periods"] += 1
    return services.issue(actor=w["admin"], registry=w["registry"], decision=w["decision"], project_code="MN001",
                          monitoring_period_number=w["periods"] % 100, monitoring_period_key=f"BENCH/{w['periods']}",
                          vintage=2024, shares=[services.Share(account, quantity)], decided_quantity=quantity)


# --- issue_scale -------------------------------------------------------------------------------

def issue_scale(size: str) -> list[str]:
    w = world()
    target = w["accounts"]["alpha"]
    ones, billions = [], []
    for _ in range(SIZES[size]["repeats"] // 3):
        ones.append(timed(lambda: issue_into(target, 1)))
        billions.append(timed(lambda: issue_into(target, 10**9)))
    one, billion = statistics.median(ones), statistics.median(billions)
    return [line("issue_scale", billion * 1000, "ms per issuance of 10^9 credits", billion / one,
                 f"[1 credit: {one * 1000:.3f} ms]")]


# --- transfer_partial --------------------------------------------------------------------------

_PLAIN_TRANSFER = [
    "SELECT id, first_serial, last_serial FROM credits_creditblock WHERE id = %(block)s FOR UPDATE",
    "UPDATE credits_creditblock SET first_serial = first_serial + 1 WHERE id = %(block)s RETURNING first_serial - 1",
    """INSERT INTO credits_creditblock (first_serial, last_serial, status, project_code, monitoring_period_number,
           vintage, "authorization", corresponding_adjustment, created_at, account_id, origin_id, created_by_id,
           issuance_id, issuing_registry_id)
       SELECT %(serial)s, %(serial)s, status, project_code, monitoring_period_number, vintage, "authorization",
           corresponding_adjustment, now(), %(to)s, id, created_by_id, issuance_id, issuing_registry_id
         FROM credits_creditblock WHERE id = %(block)s RETURNING id""",
    # the move's transaction with its ledger row (PostgreSQL checks at commit that its entries add up)
    """WITH txn AS (
           INSERT INTO credits_credittransaction (registry_id, kind, status, from_account_id, to_account_id, quantity,
               selection, purpose, beneficiary, note, initiator_id, request_fingerprint, created_at, decided_at,
               completed_at, refusal_reason)
           VALUES (%(registry)s, 'transfer', 'completed', %(from)s, %(to)s, 1, '{}', '', '', '', %(initiator)s, '',
               now(), now(), now(), '') RETURNING id)
       INSERT INTO credits_ledgerentry (first_serial, last_serial, created_at, block_id, from_account_id,
           to_account_id, transaction_id)
       SELECT %(serial)s, %(serial)s, now(), %(new)s, %(from)s, %(to)s, id FROM txn""",
    "UPDATE credits_account SET balance = balance - 1 WHERE id = %(from)s",
    "UPDATE credits_account SET balance = balance + 1 WHERE id = %(to)s",
]


def _plain_transfer(block_id: int, from_id: int, to_id: int, registry_id: int, initiator_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        params = {"block": block_id, "from": from_id, "to": to_id, "registry": registry_id, "initiator": initiator_id}
        cursor.execute(_PLAIN_TRANSFER[0], params)
        cursor.execute(_PLAIN_TRANSFER[1], params)
        params["serial"] = cursor.fetchone()[0]
        cursor.execute(_PLAIN_TRANSFER[2], params)
        params["new"] = cursor.fetchone()[0]
        for sql in _PLAIN_TRANSFER[3:]:
            cursor.execute(sql, params)


def transfer_partial(size: str) -> list[str]:
    from credits import services
    from credits.choices import TransactionKind

    w = world()
    a, b, c, d = (w["accounts"][n] for n in ("beta", "gamma", "delta", "epsilon"))
    issue_into(a, 10**9)
    trust(a, b)
    baseline_issuance = issue_into(c, 10**9)
    block = baseline_issuance.blocks.get()
    repeats = SIZES[size]["repeats"] * 3
    plain, service = [], []
    for _ in range(repeats):
        plain.append(timed(lambda: _plain_transfer(block.pk, c.pk, d.pk, c.registry_id, w["rep"].pk)))
        service.append(timed(lambda: services.transaction_initiate(
            actor=w["rep"], kind=TransactionKind.TRANSFER, from_account=a, to_account=b, quantity=1)))
    p50, p99, floor = statistics.median(service), pct(service, 99), statistics.median(plain)
    return [line("transfer_partial", p50 * 1000, "ms p50", p50 / floor,
                 f"[p99 {p99 * 1000:.2f} ms; plain-SQL floor p50 {floor * 1000:.3f} ms; "
                 f"{1 / p50:.0f} transfers/s on 1 connection]")]


# --- transfer_api / holdings_list: the REST API --------------------------------------------------

def _api_account(name: str, *, representative: bool = True):
    """A participant holding account; with ``representative``, held by the company whose representative
    (a project participant of that company) calls the API with a token."""
    from committee.choices import Role
    from committee.models import RoleAssignment, User
    from core.models import ApiToken
    from credits import services
    from credits.choices import AccountType

    w = world()
    if "api" not in w:
        company = _org("api")
        user = User.objects.create_user("bench-api", password="bench-pass-123")
        RoleAssignment.objects.create(user=user, role=Role.PROJECT_PARTICIPANT, organization=company)
        _token, key = ApiToken.issue(user=user, name="bench", scope=ApiToken.Scope.WRITE)  # hashed, write scope
        w["api"] = {"company": company, "user": user, "token": key}
    api = w["api"]
    return services.account_open(actor=w["admin"], registry=w["registry"], type=AccountType.PARTICIPANT_HOLDING,
                                 name=name, holder=api["company"] if representative else _org(name),
                                 representatives=[api["user"]] if representative else [])


def _api_client():
    """Django's test client: the whole request handler (middleware, URLs, DRF) without an HTTP server,
    on one persistent database connection; token authentication, JSON."""
    from django.test import Client

    return Client(HTTP_AUTHORIZATION=f"Token {world()['api']['token']}", HTTP_ACCEPT="application/json")


def _queries(fn) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured.captured_queries)


def _expect_status(response, status: int):
    if response.status_code != status:
        raise AssertionError(f"{response.status_code} instead of {status}: {response.content[:500]!r}")
    return response


def transfer_api(size: str) -> list[str]:
    """POST /api/v1/transactions/ (a one-credit transfer, a new Idempotency-Key each time) by the sending
    account's representative, against a do-nothing endpoint behind the same stack (bench/urls.py)."""
    from django.test.utils import override_settings

    with override_settings(ROOT_URLCONF="bench.urls"):
        return _transfer_api(size)


def _transfer_api(size: str) -> list[str]:
    sender = _api_account("API sender")
    receiver = _api_account("API receiver", representative=False)
    issue_into(sender, 10**9)
    trust(sender, receiver)
    client = _api_client()
    body = {"kind": "transfer", "from_account": sender.number, "to_account": receiver.number, "quantity": 1}
    keys = iter(range(10**9))

    def nothing():
        _expect_status(client.post("/api/v1/bench-nothing/", body, content_type="application/json"), 201)

    def transfer():
        _expect_status(client.post("/api/v1/transactions/", body, content_type="application/json",
                                   HTTP_IDEMPOTENCY_KEY=f"bench-{next(keys)}"), 201)

    for _ in range(5):  # warm up: URL resolver, serializers, caches
        nothing()
        transfer()
    floors, moves = [], []
    for _ in range(SIZES[size]["repeats"] * 3):
        floors.append(timed(nothing))
        moves.append(timed(transfer))
    p50, p99, floor = statistics.median(moves), pct(moves, 99), statistics.median(floors)
    return [line("transfer_api", p50 * 1000, "ms p50", p50 / floor,
                 f"[p99 {p99 * 1000:.2f} ms; do-nothing endpoint p50 {floor * 1000:.3f} ms (same middleware, "
                 f"token authentication, DRF); queries per request: transfer {_queries(transfer)}, "
                 f"do-nothing {_queries(nothing)}]")]


def _cursor(position) -> str:
    """DRF's cursor for the page after the row whose ordering value is ``position`` (CursorPagination)."""
    import base64
    from urllib.parse import urlencode

    return base64.b64encode(urlencode({"p": str(position)}).encode("ascii")).decode("ascii")


def holdings_list(size: str) -> list[str]:
    """GET /api/v1/accounts/<number>/blocks/ (keyset pagination in serial order) by the account's
    representative: page 10^4 against page 1. Page 10^4 is reached with the cursor DRF would put in the
    previous page's ``next`` link (checked against page 1's)."""
    from urllib.parse import parse_qs, urlparse

    from credits.models import CreditBlock

    depth, per_page = 10**4, (10 if size == "S" else 50)
    account = _api_account("API holdings")
    # between serial_lookup's blocks (from 10^15) and reconcile_full's (from 2 x 10^15, which it takes as all its own)
    _many_blocks(depth * per_page, account, start=15 * 10**14)
    serials = CreditBlock.objects.filter(account=account).order_by("first_serial").values_list("first_serial",
                                                                                                flat=True)
    before_deep, deep_first = serials[(depth - 1) * per_page - 1], serials[(depth - 1) * per_page]
    client = _api_client()
    url = f"/api/v1/accounts/{account.number}/blocks/"

    def page(cursor=None):
        params = {"page_size": per_page, **({"cursor": cursor} if cursor else {})}
        return _expect_status(client.get(url, params), 200).json()

    first = page()
    next_cursor = parse_qs(urlparse(first["next"]).query)["cursor"][0]
    if next_cursor != _cursor(first["results"][-1]["first_serial"]):
        raise AssertionError(f"DRF's cursor format changed: {next_cursor}")
    deep_cursor = _cursor(before_deep)
    deep = page(deep_cursor)
    if deep["results"][0]["first_serial"] != deep_first or len(deep["results"]) != per_page:
        raise AssertionError(f"page {depth:,} does not start at serial {deep_first}")
    for _ in range(5):  # warm up
        page()
        page(deep_cursor)
    shallow, far = [], []
    for _ in range(SIZES[size]["repeats"] * 3):
        shallow.append(timed(page))
        far.append(timed(lambda: page(deep_cursor)))
    p50, top = statistics.median(far), statistics.median(shallow)
    q_top, q_deep = _queries(page), _queries(lambda: page(deep_cursor))
    return [line("holdings_list", p50 * 1000, f"ms p50 for page {depth:,} of {per_page} blocks", p50 / top,
                 f"[page 1 p50 {top * 1000:.3f} ms; {depth * per_page + 1:,} blocks in the account; queries per "
                 f"request: page 1 {q_top}, page {depth:,} {q_deep}"
                 f"{'' if q_top == q_deep else ' (NOT CONSTANT)'}]")]


# --- serial_lookup -----------------------------------------------------------------------------

def _many_blocks(count: int, account, *, start: int) -> None:
    """``count`` one-unit blocks with serials start, start+2, ... (gaps between them), in SQL."""
    issuance = issue_into(account, 1)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO credits_creditblock (first_serial, last_serial, status, project_code,
                   monitoring_period_number, vintage, "authorization", corresponding_adjustment, created_at,
                   account_id, created_by_id, issuance_id, issuing_registry_id)
               SELECT %(start)s + 2 * g, %(start)s + 2 * g, 'active', 'MN001', 1, 2024, 'none', 'not_applicable',
                   now(), %(account)s, %(txn)s, %(issuance)s, %(registry)s
                 FROM generate_series(0, %(count)s - 1) g""",
            {"start": start, "count": count, "account": account.pk, "txn": issuance.transaction_id,
             "issuance": issuance.pk, "registry": issuance.registry_id})
        # keep the ledger whole, so that later benchmarks (reconcile_full) start from a reconciling registry
        cursor.execute(
            """INSERT INTO credits_ledgerentry (first_serial, last_serial, created_at, block_id, from_account_id,
                   to_account_id, transaction_id)
               SELECT first_serial, last_serial, now(), id, NULL, account_id, created_by_id FROM credits_creditblock
                WHERE issuance_id = %(issuance)s AND first_serial >= %(start)s""",
            {"issuance": issuance.pk, "start": start})
        cursor.execute("UPDATE credits_issuance SET quantity = quantity + %s WHERE id = %s", [count, issuance.pk])
        cursor.execute("UPDATE credits_credittransaction SET quantity = quantity + %s WHERE id = %s",
                       [count, issuance.transaction_id])
        cursor.execute("UPDATE credits_account SET balance = balance + %s WHERE id = %s", [count, account.pk])
        cursor.execute("ANALYZE credits_creditblock")


def serial_lookup(size: str) -> list[str]:
    from credits import selectors

    w = world()
    count = SIZES[size]["lookup_blocks"]
    start = 10**15
    _many_blocks(count, w["accounts"]["zeta"], start=start)
    rng = random.Random(7)
    probes = [start + 2 * rng.randrange(count) for _ in range(SIZES[size]["repeats"] * 5)]
    plain, found = [], []

    def plain_lookup(serial):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, first_serial, last_serial FROM credits_creditblock WHERE first_serial <= %s "
                           "ORDER BY first_serial DESC LIMIT 1", [serial])
            return cursor.fetchone()

    for serial in probes:
        plain.append(timed(lambda serial=serial: plain_lookup(serial)))
        found.append(timed(lambda serial=serial: selectors.block_containing(serial)))
    assert selectors.block_containing(probes[0]).first_serial == probes[0]
    p50, floor = statistics.median(found), statistics.median(plain)
    return [line("serial_lookup", p50 * 1000, f"ms p50 among {count:,} blocks", p50 / floor,
                 f"[plain SQL p50 {floor * 1000:.3f} ms]")]


# --- reconcile_full ----------------------------------------------------------------------------

def reconcile_full(size: str) -> list[str]:
    """Many blocks issued, many whole-block transfers recorded in SQL, then a full reconciliation."""
    from credits.reconcile import reconcile

    w = world()
    blocks, txns = SIZES[size]["reconcile_blocks"], SIZES[size]["reconcile_txns"]
    sender, receiver = w["accounts"]["alpha"], w["accounts"]["epsilon"]
    issuance = issue_into(sender, 1)
    base = 2 * 10**15
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO credits_creditblock (first_serial, last_serial, status, project_code,
                   monitoring_period_number, vintage, "authorization", corresponding_adjustment, created_at,
                   account_id, created_by_id, issuance_id, issuing_registry_id)
               SELECT %(base)s + g * 10, %(base)s + g * 10 + 9, 'active', 'MN001', 1, 2024, 'none', 'not_applicable',
                   now(), %(sender)s, %(txn)s, %(issuance)s, %(registry)s FROM generate_series(0, %(n)s - 1) g""",
            {"base": base, "n": blocks, "sender": sender.pk, "txn": issuance.transaction_id,
             "issuance": issuance.pk, "registry": issuance.registry_id})
        cursor.execute(
            """INSERT INTO credits_ledgerentry (first_serial, last_serial, created_at, block_id, from_account_id,
                   to_account_id, transaction_id)
               SELECT first_serial, last_serial, now(), id, NULL, %(sender)s, %(txn)s FROM credits_creditblock
                WHERE first_serial >= %(base)s""",
            {"sender": sender.pk, "txn": issuance.transaction_id, "base": base})
        cursor.execute("UPDATE credits_issuance SET quantity = quantity + %s WHERE id = %s", [blocks * 10, issuance.pk])
        cursor.execute("UPDATE credits_credittransaction SET quantity = quantity + %s WHERE id = %s",
                       [blocks * 10, issuance.transaction_id])
        # txns transfers, each moving one whole block from sender to receiver
        cursor.execute(
            """INSERT INTO credits_credittransaction (kind, status, quantity, selection, purpose, beneficiary, note,
                   request_fingerprint, created_at, completed_at, refusal_reason, from_account_id, initiator_id,
                   to_account_id, registry_id)
               SELECT 'transfer', 'completed', 10, '{}'::jsonb, '', '', 'bench #' || g, '', now(), now(), '',
                   %(sender)s, %(admin)s, %(receiver)s, %(registry)s FROM generate_series(0, %(n)s - 1) g""",
            {"sender": sender.pk, "receiver": receiver.pk, "admin": w["rep"].pk, "registry": issuance.registry_id,
             "n": txns})
        cursor.execute(
            """WITH t AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM credits_credittransaction
                           WHERE note LIKE 'bench #%%'),
                    b AS (SELECT id, first_serial, last_serial, row_number() OVER (ORDER BY first_serial) - 1 AS k
                            FROM credits_creditblock WHERE first_serial >= %(base)s)
               INSERT INTO credits_ledgerentry (first_serial, last_serial, created_at, block_id, from_account_id,
                   to_account_id, transaction_id)
               SELECT b.first_serial, b.last_serial, now(), b.id, %(sender)s, %(receiver)s, t.id
                 FROM t JOIN b ON b.k = t.k""",
            {"base": base, "sender": sender.pk, "receiver": receiver.pk})
        cursor.execute(
            """UPDATE credits_creditblock SET account_id = %(receiver)s
                WHERE id IN (SELECT block_id FROM credits_ledgerentry e JOIN credits_credittransaction t
                             ON t.id = e.transaction_id WHERE t.note LIKE 'bench #%%')""",
            {"receiver": receiver.pk})
        moved = min(blocks, txns) * 10
        cursor.execute("UPDATE credits_account SET balance = balance + %s WHERE id = %s",
                       [blocks * 10 - moved, sender.pk])
        cursor.execute("UPDATE credits_account SET balance = balance + %s WHERE id = %s", [moved, receiver.pk])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = timed(lambda: _expect(reconcile(), clean=True))
    _untriggered("UPDATE credits_account SET balance = balance - 1 WHERE id = %s", [receiver.pk])
    differences = reconcile()
    caught = any(receiver.number in d.subject for d in differences)
    _untriggered("UPDATE credits_account SET balance = balance + 1 WHERE id = %s", [receiver.pk])
    return [line("reconcile_full", seconds, f"s for {txns:,} transactions and {blocks:,} blocks",
                 extra=f"[injected error found: {'yes' if caught else 'NO'}]")]


def _untriggered(sql: str, params: list) -> None:
    """Commit a balance changed alone, which PostgreSQL refuses at commit (its deferred check of the balance):
    the benchmark's superuser turns the triggers off for the statement's transaction, as a corruption would."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def _expect(differences, *, clean: bool) -> None:
    if clean and differences:
        raise AssertionError(f"benchmark data does not reconcile: {differences[:3]}")


# --- audit_verify ------------------------------------------------------------------------------

def audit_verify(size: str) -> list[str]:
    import io

    from django.utils import timezone

    from core.audit import GENESIS, compute_hash, verify_chain
    from core.models import AuditEvent

    count = SIZES[size]["audit_events"]
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    seq, prev = (last["seq"], last["hash"]) if last else (0, GENESIS)
    now = timezone.now()
    buffer = io.StringIO()
    for _ in range(count):
        seq += 1
        data = {"n": seq}
        digest = compute_hash(seq=seq, prev_hash=prev, created_at=now, actor_id=None, actor_name="bench",
                              action="bench.event", target_type_id=None, target_id="", target_repr="", data=data,
                              message="", request_id="")
        buffer.write(f"{seq}\t{now.isoformat()}\tbench\tbench.event\t\t\t{{\"n\": {seq}}}\t\t\t{prev}\t{digest}\n")
        prev = digest
    buffer.seek(0)
    with connection.cursor() as cursor, cursor.copy(
        "COPY jcm_registry_auditevent (seq, created_at, actor_name, action, target_id, target_repr, data, message, "
        "request_id, prev_hash, hash) FROM STDIN") as copy:
        copy.write(buffer.read())
    start = time.perf_counter()
    checked, problems = verify_chain()
    seconds = time.perf_counter() - start
    if problems:
        raise AssertionError(problems[:3])
    return [line("audit_verify", seconds, f"s for {checked:,} events")]


# --- certificate_pdf / documents_per_second ------------------------------------------------------

def _queued_tasks():
    """Queue Celery tasks (in memory, never run) instead of running them eagerly, so that the
    documents the subscribers would make during the set-up are not made."""
    import contextlib

    from jcm_registry.celery import app

    @contextlib.contextmanager
    def queued():
        eager = app.conf.task_always_eager
        app.conf.task_always_eager = False
        try:
            yield
        finally:
            app.conf.task_always_eager = eager
    return queued()


def certificate_pdf(size: str) -> list[str]:
    """A one-page retirement certificate (Japanese beneficiary, QR code) against a blank one-page render of
    the same letterhead; and whole documents (data, render, SHA-256, storage, row, audit) per second.
    The files go to a temporary MEDIA_ROOT."""
    import tempfile

    from django.test import override_settings

    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        return _certificate_pdf(size)


def _certificate_pdf(size: str) -> list[str]:
    from django.template.loader import render_to_string
    from django.utils import timezone

    from core.document_kinds import Content
    from credits import services
    from credits.choices import AccountType, TransactionKind
    from credits.documents import retirement_certificate
    from documents import render
    from documents import services as documents
    from documents.models import DocumentKind

    w = world()
    repeats = max(10, SIZES[size]["repeats"] // 3)
    holder = w["accounts"]["zeta"]
    with _queued_tasks():
        retirement_account = services.account_open(actor=w["admin"], registry=w["registry"],
                                                   type=AccountType.RETIREMENT, name="Bench retirement account")
        issue_into(holder, 10**6)
        retirements = [services.transaction_initiate(
            actor=w["rep"], kind=TransactionKind.RETIREMENT, from_account=holder, to_account=retirement_account,
            quantity=1 + i, purpose="Voluntary offsetting", beneficiary="株式会社ベンチマーク太陽光")
            for i in range(repeats)]

    def context(built, number="JCM-RC-2026-000001"):
        url = render.verification_url(number, 1)
        return {"content": built, "number": number, "version": 1, "issued_at": timezone.now(),
                "kind_label": "Retirement certificate", "verification_url": url, "upload_url": render.upload_url(),
                "qr": render.qr_data_uri(url)}

    blank_html = render_to_string("documents/pdf/base.html",
                                  context(Content(title="", issuer="", statement="", facts=[])))
    empty_html = "<!DOCTYPE html><html><body></body></html>"
    built = retirement_certificate(retirements[0], "")
    render.html_to_pdf(blank_html)  # warm the font caches
    blank, empty, certificate, whole = [], [], [], []
    for _ in range(repeats):
        blank.append(timed(lambda: render.html_to_pdf(blank_html)))
        empty.append(timed(lambda: render.html_to_pdf(empty_html)))
        certificate.append(timed(lambda: render.render_pdf("documents/pdf/retirement_certificate.html",
                                                           context(built))))
    with _queued_tasks():
        for txn in retirements:
            whole.append(timed(lambda txn=txn: documents.document_generate(
                kind=DocumentKind.RETIREMENT_CERTIFICATE, subject=txn)))
    b, e, c, g = (statistics.median(x) for x in (blank, empty, certificate, whole))
    return [
        line("certificate_pdf", c * 1000, "ms per one-page certificate", c / b,
             f"[blank one-page letterhead {b * 1000:.1f} ms; empty page {e * 1000:.1f} ms "
             f"({c / e:.1f} x); whole document with data, hash, storage and row {g * 1000:.1f} ms]"),
        line("documents_per_second", 1 / g, "documents/s per worker process",
             extra=f"[{len(whole)} retirement certificates generated one after another]"),
    ]

# --- public endpoints refuse quickly (issue 12, found 4) --------------------------------------------------

def _pv_spec():
    from decimal import Decimal as D

    from methodologies.engine import FormulaSpec, MethodologySpec, ParameterSpec

    return MethodologySpec(
        parameters=(ParameterSpec("EG_i", "Electricity fed to the grid by PV system i", "MWh", "monitored",
                                  per_site=True, min_value=D("0"), max_value=D("100000")),
                    ParameterSpec("EF_grid", "Grid emission factor", "tCO2/MWh", "ex_ante",
                                  min_value=D("0"), max_value=D("2"))),
        formulas=(FormulaSpec("RE", "sum(EG_i * EF_grid)", "Reference emissions"),
                  FormulaSpec("PE", "0", "Project emissions"), FormulaSpec("ER", "RE - PE", "Emission reductions")))


def public_refusals(size: str) -> list[str]:
    """The public calculation with 20,000 sites and the spreadsheet reader with a workbook of 4 MB that
    unpacks to 45 MB, each against a small valid request (two sites) through the same code: the input
    serializer and the engine; the workbook reader. Target: a refusal costs no more than the baseline."""
    import io
    import zipfile

    from methodologies import engine, spreadsheet
    from methodologies.api.serializers import CalculateInput

    spec, repeats = _pv_spec(), 20

    def calculation(body):
        def run():
            form = CalculateInput(data=body)
            if form.is_valid():
                try:
                    engine.calculate(spec, form.validated_data["values"], sites=form.validated_data["sites"])
                except engine.EngineError:
                    pass
        return run

    small = {"values": {"EG_i": {"A": "1000", "B": "2000"}, "EF_grid": "0.5"}}
    huge = {"values": {"EG_i": {"A": "1"}, "EF_grid": "0.5"}, "sites": [f"site {i}" for i in range(20_000)]}
    huge_map = {"values": {"EG_i": {f"site {i}": "1" for i in range(20_000)}, "EF_grid": "0.5"}}
    base = statistics.median(timed(calculation(small)) for _ in range(repeats))
    lines = []
    for name, body in (("public_calculate_20000_sites", huge), ("public_calculate_20000_site_values", huge_map)):
        refused = statistics.median(timed(calculation(body)) for _ in range(repeats))
        lines.append(line(name, refused * 1000, "ms", refused / base, "(target: refused in < 100 ms)"))

    code, version = "MN_AM003", "ver01.0"
    workbook = spreadsheet.export_monitoring_workbook(spec, methodology_code=code, version=version, sites=["A", "B"])
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</worksheet>", b"<!--" + b" " * 45_000_000 + b"--></worksheet>")
            bomb.writestr(info.filename, content)

    def read(data):
        def run():
            try:
                spreadsheet.read_monitoring_workbook(data, spec, methodology_code=code, version=version)
            except engine.EngineError:
                pass
        return run

    base = statistics.median(timed(read(workbook)) for _ in range(5))
    refused = statistics.median(timed(read(out.getvalue())) for _ in range(5))
    lines.append(line("public_read_spreadsheet_zip_bomb", refused * 1000, "ms", refused / base,
                      f"({len(out.getvalue()) // 1024} KB unpacking to 45 MB; target: refused in < 100 ms)"))
    return lines


# --- logins ----------------------------------------------------------------------------------------

def login(size: str) -> list[str]:
    """The browser login (POST /accounts/login/, the whole stack: CSP, session, axes' backend and middleware,
    the per-address budget (off, as in the test settings), the audit events) with the production password
    hasher, against the hasher alone (``ModelBackend.authenticate``, what any login costs at least)."""
    from django.conf import global_settings
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import get_hashers

        get_hashers.cache_clear()
        try:
            return _login(size)
        finally:
            get_hashers.cache_clear()


def _login(size: str) -> list[str]:
    from django.contrib.auth.backends import ModelBackend
    from django.contrib.auth.hashers import identify_hasher
    from django.test import Client

    from committee.models import User

    world()
    user = User.objects.create_user("bench-login", password="bench-login-pass-123")
    hasher = identify_hasher(user.password)
    backend = ModelBackend()
    failures = iter(range(10**9))

    def hash_only():
        if backend.authenticate(None, username="bench-login", password="bench-login-pass-123") is None:
            raise AssertionError("the password did not match")

    def success():
        client = Client()
        _expect_status(client.post("/accounts/login/", {"username": "bench-login",
                                                        "password": "bench-login-pass-123"}), 302)

    def failure():  # a new username each time: axes never locks, the hasher still runs (ModelBackend)
        client = Client()
        _expect_status(client.post("/accounts/login/", {"username": f"nobody-{next(failures)}",
                                                        "password": "wrong-password-000"}), 200)

    for _ in range(2):
        hash_only()
        success()
        failure()
    floors, oks, fails = [], [], []
    for _ in range(max(8, SIZES[size]["repeats"] // 6)):
        floors.append(timed(hash_only))
        oks.append(timed(success))
        fails.append(timed(failure))
    floor, ok, fail = statistics.median(floors), statistics.median(oks), statistics.median(fails)
    return [line("login", ok * 1000, "ms p50", ok / floor,
                 f"[hasher {hasher.algorithm} ({getattr(hasher, 'iterations', '?')} iterations) alone p50 "
                 f"{floor * 1000:.1f} ms; a failed login (unknown username) p50 {fail * 1000:.1f} ms, "
                 f"{fail / floor:.2f} x; queries: success {_queries(success)}, failure {_queries(failure)}]")]


BENCHMARKS = {
    "issue_scale": issue_scale,
    "transfer_partial": transfer_partial,
    "transfer_api": transfer_api,
    "holdings_list": holdings_list,
    "serial_lookup": serial_lookup,
    "reconcile_full": reconcile_full,
    "audit_verify": audit_verify,
    "certificate_pdf": certificate_pdf,
    "public_refusals": public_refusals,
    "login": login,
}
