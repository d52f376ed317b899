"""The metric registry: every API.md key, the definitions on a fixture city with
known counts, the change arithmetic, and regions adding up to the city."""

from __future__ import annotations

from decimal import Decimal

import pytest

from stats.metrics import METRICS, REGISTRY, Period, change_of, compile_metric, run_metric
from tests.conftest import SANHE
from tests.stats.city import EXPECTED, _fast_password_hasher, build_city  # noqa: F401

API_KEYS = {
    "penalty_cases", "penalty_amount", "cases_filed", "waived_cases", "daily_penalty_cases",
    "seal_seize_cases", "production_restriction_cases", "detention_transfers",
    "crime_transfers", "inspections", "enterprises_inspected", "random_inspections",
    "offsite_records", "offsite_closed_offsite", "offsite_to_onsite", "enterprises_visited",
    "visits", "policy_cards", "symposiums", "demands_raised", "demands_resolved",
    "service_rating_avg", "complaints",
}  # fmt: skip
H1_2024 = Period(2024, 1)


def test_the_registry_has_every_key_of_the_api_contract():
    assert set(REGISTRY) == API_KEYS
    assert set(EXPECTED) == API_KEYS
    for metric in METRICS:
        assert metric.label and metric.description and metric.unit


def test_periods():
    assert (H1_2024.start.isoformat(), H1_2024.end.isoformat()) == ("2024-01-01", "2024-07-01")
    second = Period.parse("2024-H2")
    assert (second.start.isoformat(), second.end.isoformat()) == ("2024-07-01", "2025-01-01")
    assert Period.parse("2024-H3") is None
    assert str(H1_2024.previous_year) == "2023-H1"
    assert str(H1_2024.preceding) == "2023-H2"


@pytest.mark.parametrize(
    ("value", "previous", "change", "pct"),
    [
        ("52", "87", "-35", "-40.2"),
        # Half up, not to even: 40.25 → 40.3.
        ("140.25", "100", "40.25", "40.3"),
        ("100.05", "100", "0.05", "0.1"),
        ("7", "0", "7", None),
        ("0", "0", "0", None),
        ("100", "100", "0", "0.0"),
    ],
)
def test_change_and_change_percentage(value, previous, change, pct):
    got_change, got_pct = change_of(Decimal(value), Decimal(previous))
    assert got_change == Decimal(change)
    assert got_pct == (None if pct is None else Decimal(pct))
    if got_pct is not None:
        assert str(got_pct) == pct


def test_a_missing_average_has_no_change():
    assert change_of(None, Decimal("3.00")) == (None, None)


def test_one_statement_per_metric_with_rollup_and_filters():
    sql, params = compile_metric(REGISTRY["policy_cards"], H1_2024, [SANHE])
    assert sql.count("SELECT") == 2  # the aggregate over one inner selection
    assert "GROUP BY ROLLUP" in sql and "FILTER (WHERE" in sql and "array_agg" in sql
    assert SANHE in params


@pytest.mark.django_db
def test_every_metric_on_the_fixture_city(django_assert_num_queries):
    build_city()
    for metric in METRICS:
        with django_assert_num_queries(1):
            cells = {cell.region: cell for cell in run_metric(metric, H1_2024)}
        value, previous, regions = EXPECTED[metric.key]
        assert (cells[""].value, cells[""].previous) == (value, previous), metric.key
        got = {code: (cell.value, cell.previous) for code, cell in cells.items() if code}
        assert got == regions, metric.key


@pytest.mark.django_db
def test_regions_add_up_to_the_city_for_additive_metrics():
    build_city()
    additive = [metric for metric in METRICS if metric.additive]
    assert {metric.key for metric in additive} >= {"penalty_cases", "penalty_amount", "visits"}
    for metric in additive:
        cells = run_metric(metric, H1_2024)
        total = next(cell for cell in cells if cell.region == "")
        regions = [cell for cell in cells if cell.region]
        assert sum(cell.value for cell in regions) == total.value, metric.key
        assert sum(cell.previous for cell in regions) == total.previous, metric.key
        assert sorted(i for cell in regions for i in cell.record_ids) == total.record_ids


@pytest.mark.django_db
def test_the_records_behind_a_number():
    city = build_city()
    cells = {cell.region: cell for cell in run_metric(REGISTRY["penalty_cases"], H1_2024)}
    assert cells[""].record_ids == sorted([city["c1"].pk, city["c2"].pk, city["c3"].pk])
    assert cells[""].previous_record_ids == [city["c6"].pk]
    # Special measures name the case, once however many measures it had.
    seal = run_metric(REGISTRY["seal_seize_cases"], H1_2024)
    assert next(c for c in seal if c.region == "").record_ids == [city["c1"].pk]


@pytest.mark.django_db
def test_a_region_scope_reads_only_its_records():
    build_city()
    cells = run_metric(REGISTRY["symposiums"], H1_2024, [SANHE])
    assert {cell.region: cell.value for cell in cells} == {"": 1, SANHE: 1}
