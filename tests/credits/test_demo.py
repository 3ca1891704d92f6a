"""The demo registry loads through the services as the issue describes it, reconciles, and loads only once."""

import pytest

from committee import demo as committee_demo
from committee.models import User
from core.models import AuditEvent
from credits.choices import AccountType, BlockStatus, TransactionKind, TransactionStatus
from credits.demo import BENEFICIARY, seed_credits
from credits.models import Account, CreditBlock, CreditTransaction, Issuance, Registry
from credits.reconcile import reconcile
from jcm_registry import demo as core_demo
from tests.conftest import client_for


@pytest.mark.django_db
def test_demo_registry_is_a_living_registry_loaded_once():
    report = core_demo.seed()
    assert "registry JP JCM Registry of Japan" in report.created
    assert any(line.startswith("retirement ") for line in report.created)
    assert any(login[0] == "registry-admin-mn" for login in report.logins)

    japan, mongolia = Registry.objects.get(country__code="JP"), Registry.objects.get(country__code="MN")
    assert mongolia.operated_by == japan.country
    for registry in (japan, mongolia):
        assert set(registry.accounts.values_list("type", flat=True)) == {
            AccountType.GOVERNMENT_HOLDING, AccountType.PARTICIPANT_HOLDING, AccountType.CANCELLATION,
            AccountType.RETIREMENT}
    mn_company = Account.objects.get(registry=mongolia, type=AccountType.PARTICIPANT_HOLDING)
    assert mn_company.holder.name.startswith("Demo Solar LLC")
    assert list(mn_company.representatives.values_list("username", flat=True)) == ["participant"]

    # MN9001's 12,811 decided credits, split 50/10/20/20 % (Japan's government at least half, as for model
    # projects; largest remainder: Japan's government gets the extra one)
    issued = {i.registry.code: i.quantity for i in Issuance.objects.select_related("registry__country")}
    assert issued == {"JP": 6406 + 2562, "MN": 1281 + 2562}
    assert sum(CreditBlock.objects.values_list("quantity", flat=True)) == 12811

    moves = {t.kind: t for t in CreditTransaction.objects.exclude(kind=TransactionKind.ISSUANCE)}
    assert set(moves) == {TransactionKind.EXTERNAL_TRANSFER, TransactionKind.CANCELLATION, TransactionKind.RETIREMENT}
    assert all(t.status == TransactionStatus.COMPLETED for t in moves.values())
    transferred = CreditBlock.objects.get(created_by=moves[TransactionKind.EXTERNAL_TRANSFER])
    assert transferred.origin is not None and transferred.first_transferred_at is not None  # a partial transfer
    assert moves[TransactionKind.RETIREMENT].beneficiary == BENEFICIARY
    assert CreditBlock.objects.filter(status=BlockStatus.RETIRED).count() == 1
    balances = dict(Account.objects.filter(type=AccountType.PARTICIPANT_HOLDING)
                    .values_list("registry__country__code", "balance"))
    assert balances == {"MN": 2562 - 1000, "JP": 2562 + 1000 - 500}
    assert reconcile() == []

    # the public sees it through the API
    client = client_for(None)
    assert client.get("/api/v1/retirements/").json()["results"][0]["beneficiary"] == BENEFICIARY
    totals = {t["type"]: t["credits"] for t in client.get("/api/v1/registries/JP/").json()["totals"]}
    assert totals["retirement"] == 500 and totals["cancellation"] == 100

    events = AuditEvent.objects.count()
    assert seed_credits(User.objects.get(username=committee_demo.ADMIN_USERNAME)) == []
    assert AuditEvent.objects.count() == events
    assert reconcile() == []
