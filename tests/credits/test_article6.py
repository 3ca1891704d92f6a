import csv
import io

from openpyxl import load_workbook

from credits import article6
from credits.choices import Authorization, TransactionKind
from credits.models import CreditBlock
from tests.credits.conftest import move_approved


def test_annual_report_counts_authorization_transfers_and_holdings(accounts, issue, registry_admin_jp):
    issuance = issue(accounts["jp_gov"], 1000)
    CreditBlock.objects.filter(issuance=issuance).update(authorization=Authorization.NDC)
    move_approved(kind=TransactionKind.EXTERNAL_TRANSFER, from_account=accounts["jp_gov"],
                  to_account=accounts["mn_gov"], quantity=100)
    move_approved(kind=TransactionKind.RETIREMENT, from_account=accounts["jp_gov"], to_account=accounts["jp_retire"],
                  quantity=50, purpose="Use towards Japan's NDC", beneficiary="Government of Japan")
    year = issuance.issued_at.year
    rows = {(r["category"], r["vintage"]): r["quantity"]
            for r in article6.annual_report(accounts["jp_gov"].registry, year)}
    assert rows[("transfer", 2023)] == 100
    assert rows[("first_transfer", 2023)] == 100
    assert rows[("use_towards_ndc", 2023)] == 50
    assert rows[("holdings:government_holding", 2023)] == 850
    assert rows[("holdings:retirement", 2023)] == 50
    mn_rows = {r["category"]: r["quantity"] for r in article6.annual_report(accounts["mn_gov"].registry, year)}
    assert mn_rows["acquisition"] == 100
    # exports
    report = article6.annual_report(accounts["jp_gov"].registry, year)
    parsed = list(csv.DictReader(io.StringIO(article6.to_csv(report).decode())))
    assert {"category": "transfer", "quantity": "100"}.items() <= next(
        r for r in parsed if r["category"] == "transfer").items()
    sheet = load_workbook(io.BytesIO(article6.to_xlsx(report, title="JP 2023"))).active
    assert sheet["A2"].value == "registry" and sheet.max_row == len(report) + 2
