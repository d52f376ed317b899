"""The bulletin's conventions (DESIGN.md, "Bulletin conventions"), word for word."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stats.bulletin import (
    change_pct,
    format_change,
    format_change_abs,
    format_change_pct,
    format_count,
    format_money,
    round_half_up,
)


@pytest.mark.parametrize(
    ("n", "unit", "text"),
    [(52, "件", "52件"), (4210, "家", "4210家"), (0, "个", "0个"), (Decimal("19"), "次", "19次")],
)
def test_counts_are_integers_with_their_unit(n, unit, text):
    assert format_count(n, unit) == text


@pytest.mark.parametrize(
    ("yuan", "text"),
    [
        (1_835_000, "183.5万元"),
        (Decimal("1835000.00"), "183.5万元"),
        (0, "0.0万元"),
        (50_000, "5.0万元"),
        # Half up: 12.35 万 → 12.4, 12.25 万 → 12.3 (banker's rounding would say 12.2).
        (123_500, "12.4万元"),
        (122_500, "12.3万元"),
        (99_999_999, "10000.0万元"),
        (100_000_000, "1.0亿元"),
        (125_000_000, "1.3亿元"),
    ],
)
def test_money_in_wan_yuan_with_one_decimal_or_yi_yuan(yuan, text):
    assert format_money(yuan) == text


def test_rounding_is_half_up_not_bankers():
    assert round_half_up(Decimal("40.25")) == Decimal("40.3")
    assert round_half_up(Decimal("40.35")) == Decimal("40.4")
    assert round_half_up(Decimal("-40.25")) == Decimal("-40.3")
    assert round_half_up(0.15) == Decimal("0.2")


@pytest.mark.parametrize(
    ("value", "previous", "text"),
    [
        (52, 87, "同比下降40.2%"),  # -40.229…
        (122, 87, "同比增长40.2%"),
        (44, 50, "同比下降12.0%"),
        # Exactly 40.25 %: half up gives 40.3 (banker's rounding gives 40.2).
        (Decimal("561.25"), 400, "同比增长40.3%"),
        (Decimal("238.75"), 400, "同比下降40.3%"),
        (87, 87, "同比持平"),
        # A change that rounds to 0.0 % is printed as unchanged.
        (100_001, 100_000, "同比持平"),
    ],
)
def test_change_in_percent(value, previous, text):
    assert format_change_pct(value, previous) == text


def test_no_percentage_when_last_year_is_zero():
    assert change_pct(5, 0) is None
    assert format_change_pct(5, 0) is None
    assert format_change(5, 0, "件") == "同比增加5件"
    assert format_change(1_835_000, 0, "元") == "同比增加183.5万元"
    assert format_change(0, 0, "件") == "同比持平"


@pytest.mark.parametrize(
    ("value", "previous", "unit", "text"),
    [
        (8, 5, "件", "同比增加3件"),
        (2, 5, "件", "同比减少3件"),
        (5, 5, "件", "同比持平"),
        (1_835_000, 1_000_000, "元", "同比增加83.5万元"),
    ],
)
def test_change_in_absolute_terms(value, previous, unit, text):
    assert format_change_abs(value, previous, unit) == text
