"""The dashboard's own reads: monthly trend, categories and consistency views,
drawn from the records of the snapshot's cells."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from stats import dashboard_selectors as selectors
from stats.services import build_half_year
from tests.cases.feedback_support import (
    finding,
    inspection,
    ladder_decision,
    offsite,
    penalty_case,
)
from tests.conftest import BAZHOU, SANHE
from tests.factories import VIOLATION_MINOR, EnterpriseFactory

pytestmark = pytest.mark.django_db

H1_2024 = {"year": 2024, "half": 1}
LIMIT = 200


def _snapshot():
    return build_half_year(**H1_2024)


def _decided(region: str, on: date, fine: str):
    return penalty_case(
        EnterpriseFactory(region_id=region),
        discovered=date(on.year, 1, 2),
        filed=date(on.year, 1, 5),
        decided=on,
        fine=Decimal(fine),
    )


def test_fine_spread_per_violation_type_and_region_with_the_median():
    sanhe = [
        _decided(SANHE, date(2024, 3, 1), "10000"),
        _decided(SANHE, date(2024, 4, 1), "20000"),
        _decided(SANHE, date(2024, 5, 1), "60000"),
    ]
    bazhou = _decided(BAZHOU, date(2024, 5, 1), "30000")
    _decided(SANHE, date(2023, 5, 1), "90000")  # last year: not in the period

    snapshot = _snapshot()
    rows = selectors.fine_spread(snapshot, "", limit=LIMIT)

    assert [(row["code"], row["region"]) for row in rows] == [
        (VIOLATION_MINOR, BAZHOU),
        (VIOLATION_MINOR, SANHE),
    ]
    assert (rows[0]["count"], rows[0]["min"], rows[0]["median"], rows[0]["max"]) == (
        1,
        Decimal("30000"),
        Decimal("30000"),
        Decimal("30000"),
    )
    assert (rows[1]["count"], rows[1]["min"], rows[1]["median"], rows[1]["max"]) == (
        3,
        Decimal("10000"),
        Decimal("20000"),
        Decimal("60000"),
    )
    assert rows[1]["ids"] == sorted(case.pk for case in sanhe)
    assert rows[0]["ids"] == [bazhou.pk]
    assert [row["region"] for row in selectors.fine_spread(snapshot, SANHE, limit=LIMIT)] == [SANHE]
    # Beyond the limit the ids stay behind (the dashboard links by a filter).
    assert selectors.fine_spread(snapshot, SANHE, limit=2)[0]["ids"] is None


def test_monthly_trend_this_year_against_last():
    _decided(SANHE, date(2024, 3, 1), "10000")
    _decided(SANHE, date(2024, 3, 31), "10000")
    _decided(BAZHOU, date(2024, 6, 30), "10000")
    _decided(SANHE, date(2023, 1, 15), "10000")
    _decided(SANHE, date(2024, 7, 1), "10000")  # second half

    snapshot = _snapshot()
    trend = selectors.monthly_trend(**H1_2024, codes=None, limit=LIMIT)["penalty_cases"]
    sanhe = selectors.monthly_trend(**H1_2024, codes=[SANHE], limit=LIMIT)["penalty_cases"]

    assert trend["months"] == [1, 2, 3, 4, 5, 6]
    assert [c.value for c in trend["current"]] == [0, 0, 2, 0, 0, 1]
    assert [c.value for c in trend["previous"]] == [1, 0, 0, 0, 0, 0]
    assert [c.value for c in sanhe["current"]] == [0, 0, 2, 0, 0, 0]
    assert len(trend["current"][2].ids) == 2
    # The months add up to the card: the same records as the cell.
    assert (
        selectors.monthly_trend(**H1_2024, codes=None, limit=1)["penalty_cases"]["current"][2].ids
        is None
    )
    cell = snapshot.cells.get(metric="penalty_cases", region="")
    assert sum(c.value for c in trend["current"]) == cell.value
    assert sorted(i for c in trend["current"] for i in c.ids) == cell.record_ids


def test_the_trend_counts_only_what_the_card_counts():
    _decided(SANHE, date(2024, 3, 1), "10000")
    waived = _decided(SANHE, date(2024, 4, 1), "10000")
    waived.status, waived.fine_amount = "no_penalty", None
    waived.save(update_fields=["status", "fine_amount"])

    trend = selectors.monthly_trend(**H1_2024, codes=None, limit=LIMIT)["penalty_cases"]

    # A waiver is decided but is no penalty case: not in the card, not in the months.
    assert [c.value for c in trend["current"]] == [0, 0, 1, 0, 0, 0]
    card = _snapshot().cells.get(metric="penalty_cases", region="")
    assert sum(c.value for c in trend["current"]) == card.value == 1


def test_cases_by_category_carry_their_ids():
    case = _decided(SANHE, date(2024, 3, 1), "10000")

    snapshot = _snapshot()
    rows = selectors.cases_by_category(snapshot, "", limit=LIMIT)

    assert rows == [{"category": "air", "label": "大气", "ids": [case.pk], "value": 1}]
    assert selectors.cases_by_category(snapshot, BAZHOU, limit=LIMIT) == []
    assert selectors.cases_by_category(snapshot, "", limit=0)[0]["ids"] is None


def test_offsite_conversion_counts_records_whose_inspection_found_a_problem():
    enterprise = EnterpriseFactory(region_id=SANHE)
    found = offsite(enterprise, date(2024, 2, 1), 1, status="inspection_requested")
    clean = offsite(enterprise, date(2024, 2, 2), 2, status="inspection_requested")
    offsite(enterprise, date(2024, 2, 3), 3, status="dismissed")
    finding(inspection(enterprise, date(2024, 2, 5), trigger="offsite", offsite_record=found))
    inspection(enterprise, date(2024, 2, 6), trigger="offsite", offsite_record=clean)

    snapshot = _snapshot()
    result = selectors.offsite_conversion(snapshot, "", limit=LIMIT)

    assert result["turned"].ids == [found.pk, clean.pk]
    assert result["found"].ids == [found.pk]
    assert result["share"] == Decimal("50.0")
    assert selectors.offsite_conversion(snapshot, BAZHOU, limit=LIMIT)["share"] is None
    assert selectors.offsite_conversion(snapshot, "", limit=1)["turned"].ids is None


def test_recurrence_within_twelve_months_of_assistance():
    again, later, serious = (EnterpriseFactory(region_id=SANHE) for _ in range(3))
    ladder_decision(again, date(2024, 3, 1))
    finding(inspection(again, date(2024, 9, 1)))  # minor, within 12 months
    ladder_decision(later, date(2024, 4, 1))
    finding(inspection(later, date(2025, 6, 1)))  # minor, but 14 months later
    ladder_decision(serious, date(2024, 5, 1))
    finding(inspection(serious, date(2024, 8, 1)), severity="serious")

    result = selectors.recurrence_after_assistance(**H1_2024, codes=None)

    assert result["assisted"].value == 3
    assert result["recurred"].ids == [again.pk]
    assert result["share"] == Decimal("33.3")
