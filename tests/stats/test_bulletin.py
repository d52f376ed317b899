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


# --- The paragraphs, from a snapshot built in the test ---------------------------

CITY_CELLS = {
    # metric: (this year, last year)
    "penalty_cases": (52, 87),
    "penalty_amount": (Decimal("1835000.00"), Decimal("2085000.00")),
    "cases_filed": (61, 61),
    "waived_cases": (7, 0),
    "daily_penalty_cases": (1, 0),
    "seal_seize_cases": (4, 6),
    "production_restriction_cases": (2, 1),
    "detention_transfers": (0, 1),
    "crime_transfers": (1, 1),
    "inspections": (1268, 1013),
    "enterprises_inspected": (947, 800),
    "random_inspections": (402, 380),
    "offsite_records": (315, 0),
    "offsite_closed_offsite": (240, 0),
    "offsite_to_onsite": (75, 0),
    "enterprises_visited": (4210, 3900),
    "visits": (5120, 4800),
    "policy_cards": (6300, 5000),
    "symposiums": (19, 15),
    "demands_raised": (1011, 900),
    "demands_resolved": (980, 850),
    "service_rating_avg": (Decimal("4.65"), Decimal("4.50")),
    "complaints": (3, 5),
}


def _snapshot(cells, *, region="", scope_region=None, half=1):
    from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus

    snapshot = HalfYearSnapshot.objects.create(
        year=2024,
        half=half,
        scope_region_id=scope_region,
        status=SnapshotStatus.READY,
        progress=100,
        definition_version=1,
        is_current=True,
    )
    SnapshotCell.objects.bulk_create(
        SnapshotCell(snapshot=snapshot, metric=metric, region=region, value=now, previous=before)
        for metric, (now, before) in cells.items()
    )
    return snapshot


@pytest.mark.django_db
def test_bulletin_for_the_city_word_for_word():
    from stats.bulletin import bulletin_text

    text = bulletin_text(_snapshot(CITY_CELLS))

    assert text["enforcement"] == (
        "上半年，全市环境违法处罚案件52件，同比下降40.2%；"
        "处罚金额183.5万元，同比下降12.0%；"
        "立案查处61件，同比持平；"
        "轻微违法依法不予处罚7件，同比增加7件；"
        "适用配套办法案件8件（按日连续处罚1件、查封扣押4件、限产停产2件、"
        "移送涉嫌环境污染犯罪1件），同比下降11.1%；"
        "开展现场检查1268次，同比增长25.2%，检查企业947家，其中“双随机”抽查402次；"
        "接收非现场执法记录315件，同比增加315件，其中非现场核查办结240件、转现场检查或立案查处75件。"
    )
    assert text["service"] == (
        "上半年，全市召开政企座谈会19次，走访企业4210家，发放政策明白卡6300份，"
        "帮助企业解决问题诉求980个；企业对执法服务的平均评价为4.7分；"
        "收到监督投诉3件，同比下降40.0%。"
    )


@pytest.mark.django_db
def test_bulletin_for_a_county_and_the_second_half_skips_missing_metrics():
    from stats.bulletin import bulletin_text

    cells = {"penalty_cases": (3, 3), "penalty_amount": (Decimal("250000"), Decimal("0"))}
    text = bulletin_text(_snapshot(cells, scope_region="131082", half=2))

    assert text["enforcement"] == (
        "下半年，三河市环境违法处罚案件3件，同比持平；处罚金额25.0万元，同比增加25.0万元。"
    )
    assert text["service"] == "下半年，三河市无服务企业统计数据。"


@pytest.mark.django_db
def test_bulletin_for_one_region_of_the_city_snapshot_reads_that_region_cells():
    from stats.bulletin import bulletin_text
    from stats.models import SnapshotCell

    snapshot = _snapshot({"penalty_cases": (52, 87)})
    SnapshotCell.objects.create(
        snapshot=snapshot, metric="penalty_cases", region="131081", value=5, previous=4
    )

    text = bulletin_text(snapshot, region_code="131081")

    assert text["enforcement"] == "上半年，霸州市环境违法处罚案件5件，同比增长25.0%。"


@pytest.mark.django_db
def test_bulletin_for_the_fixture_city_word_for_word():
    """The fixture city (tests.stats.city) of 2024-H1, whose numbers the metric
    tests pin against real records."""
    from stats.bulletin import bulletin_text
    from tests.stats.city import EXPECTED

    city = {metric: (value, previous) for metric, (value, previous, _) in EXPECTED.items()}
    text = bulletin_text(_snapshot(city))

    assert text["enforcement"] == (
        "上半年，全市环境违法处罚案件3件，同比增长200.0%；"
        "处罚金额18.0万元，同比增长350.0%；"
        "立案查处5件，同比增长400.0%；"
        "轻微违法依法不予处罚1件，同比增加1件；"
        "适用配套办法案件3件（按日连续处罚1件、查封扣押1件、移送涉嫌环境污染犯罪1件），"
        "同比增长200.0%；"
        "开展现场检查4次，同比增长300.0%，检查企业3家，其中“双随机”抽查2次；"
        "接收非现场执法记录5件，同比增长400.0%，其中非现场核查办结2件、转现场检查或立案查处2件。"
    )
    assert text["service"] == (
        "上半年，全市召开政企座谈会2次，走访企业2家，发放政策明白卡6份，"
        "帮助企业解决问题诉求2个；企业对执法服务的平均评价为4.3分；"
        "收到监督投诉1件，同比增加1件。"
    )
