"""The credit allocation's split of an issued amount into whole credits per share (largest remainder)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projects.models import split_amount


@dataclass
class Share:
    percent: Decimal


def shares_of(*percents: str) -> list[Share]:
    return [Share(Decimal(p)) for p in percents]


def credits(shares, amount):
    return [c for _share, c in split_amount(shares, amount)]


def test_split_examples_by_hand():
    # 10 / 40 / 25 / 25 % of 1001: floors 100, 400, 250, 250 (= 1000); remainders .1, .4, .25, .25 -> +1 to 40 %
    assert credits(shares_of("10", "40", "25", "25"), 1001) == [100, 401, 250, 250]
    # thirds of 100: 33.3333 % each would lose credits; with 33.3334 the last share is the largest
    assert credits(shares_of("33.3333", "33.3333", "33.3334"), 100) == [33, 33, 34]
    # equal remainders: the share listed first gets the credit left over
    assert credits(shares_of("50", "50"), 1) == [1, 0]
    assert credits(shares_of("50", "50"), 3) == [2, 1]
    assert credits(shares_of("100"), 12811) == [12811]
    assert credits(shares_of("0.01", "99.99"), 0) == [0, 0]


def test_split_refuses_a_negative_amount():
    with pytest.raises(ValueError):
        split_amount(shares_of("100"), -1)


@st.composite
def allocations(draw):
    """Between 1 and 12 shares of at least 0.0001 % each, with four decimals, summing to exactly 100 %."""
    count = draw(st.integers(min_value=1, max_value=12))
    units = 1_000_000  # 100 % in units of 0.0001 %
    cuts = sorted(draw(st.lists(st.integers(min_value=1, max_value=units - 1), min_size=count - 1,
                                max_size=count - 1, unique=True)))
    bounds = [0, *cuts, units]
    return [Share(Decimal(bounds[i + 1] - bounds[i]) / Decimal(10_000)) for i in range(count)]


@given(shares=allocations(), amount=st.integers(min_value=0, max_value=10**12))
def test_split_sums_exactly_and_each_share_is_within_one_credit_of_its_exact_part(shares, amount):
    assert sum(s.percent for s in shares) == 100
    result = credits(shares, amount)
    assert sum(result) == amount
    for share, got in zip(shares, result, strict=True):
        exact = Decimal(amount) * share.percent / 100
        assert got >= 0
        assert exact - 1 < got < exact + 1


@given(shares=allocations(), amount=st.integers(min_value=0, max_value=10**9))
def test_split_is_deterministic(shares, amount):
    assert credits(shares, amount) == credits(list(shares), amount)
