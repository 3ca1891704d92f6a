"""A block's "split from" shows the range it was cut from, not its origin's current range (issue 11)."""

from __future__ import annotations

from django.test import Client

from credits import services
from credits.choices import TransactionKind
from credits.models import CreditBlock


def _transfer(actor, accounts, quantity):
    return services.transaction_initiate(actor=actor, kind=TransactionKind.TRANSFER, from_account=accounts["jp_pp"],
                                         to_account=accounts["jp_other"], quantity=quantity)


def test_split_from_is_the_range_the_block_came_from(accounts, issue, holder_rep, sysadmin):
    issue(accounts["jp_pp"], 1000)
    _transfer(holder_rep, accounts, 10)  # 1-10 cut from 1-1000; the origin keeps 11-1000
    _transfer(holder_rep, accounts, 20)  # 11-30 cut from 11-1000; the origin keeps 31-1000
    first, second = CreditBlock.objects.filter(account=accounts["jp_other"]).order_by("first_serial")
    assert (first.split_from_first, first.split_from_last) == (1, 1000)
    assert (second.split_from_first, second.split_from_last) == (11, 1000)
    assert first.split_from_label.endswith("-000000000001-000000001000")
    client = Client()
    client.force_login(sysadmin)
    page = client.get(first.get_absolute_url()).content.decode()
    assert "000000000001-000000001000" in page  # the range it came from
    assert "now " in page and "000000000031-000000001000" in page  # and, said as such, the origin today
