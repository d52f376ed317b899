"""``manage.py generate_load`` at a tiny scale: deterministic, within every constraint, scaled."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from companies.validators import uscc_error

END = date(2026, 6, 30)
TABLES = [
    "companies_enterprise",
    "accounts_officer",
    "cases_offsiterecord",
    "cases_inspection",
    "cases_finding",
    "cases_penaltycase",
    "cases_specialmeasure",
    "companies_visit",
    "companies_visitpolicycard",
    "companies_symposium",
    "companies_demand",
    "cases_feedback",
]
# Aggregates that would change if any generated value changed.
AGGREGATES = {
    "cases_offsiterecord": "count(*), sum(enterprise_id), min(detected_on), max(detected_on),"
    " sum(hashtext(status || region_id || source || detected_on::text))",
    "cases_inspection": "count(*), sum(enterprise_id),"
    " sum(hashtext(status || outcome || trigger || region_id || inspected_on::text))",
    "cases_penaltycase": "count(*), sum(fine_amount), count(decided_on), count(filed_on),"
    " sum(hashtext(status || waiver_kind || coalesce(number, '') || discovered_on::text))",
    "companies_visit": "count(*), sum(enterprise_id), sum(hashtext(kind || visited_on::text))",
    "companies_demand": "count(*), sum(hashtext(status || category || raised_on::text)),"
    " count(resolved_on)",
    "cases_feedback": "count(*), sum(rating), sum(hashtext(kind || status))",
    "companies_enterprise": "count(*), sum(hashtext(uscc || region_id || permit_category))",
}


def generate(scale: float = 0.0005, seed: int = 7, **options) -> str:
    out = StringIO()
    call_command("generate_load", seed=seed, scale=scale, end_date=END, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        result = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")
            result[table] = cursor.fetchone()[0]
        return result


def aggregates() -> dict[str, tuple]:
    with connection.cursor() as cursor:
        result = {}
        for table, expression in AGGREGATES.items():
            cursor.execute(f"SELECT {expression} FROM {table}")
            result[table] = cursor.fetchone()
        return result


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE companies_enterprise, accounts_officer, companies_policycard, "
            "cases_casenumbercounter CASCADE"
        )
        cursor.execute("DELETE FROM auth_user WHERE username LIKE 'load\\_%%'")


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data():
    output = generate()
    first = aggregates()
    wipe()
    generate()
    assert aggregates() == first
    assert "non-site records" in output and " s" in output  # progress and timings per table
    wipe()
    generate(seed=8)
    assert aggregates() != first


@pytest.mark.django_db
def test_counts_scale_with_the_scale():
    generate(scale=0.0005)
    small = counts()
    wipe()
    generate(scale=0.001)
    large = counts()
    for table in ("cases_offsiterecord", "cases_inspection", "companies_visit"):
        assert small[table] > 0
        assert 1.8 < large[table] / small[table] < 2.2, table
    assert all(small[table] > 0 for table in TABLES if table != "cases_specialmeasure")


@pytest.mark.django_db
def test_rows_keep_every_rule():
    generate(scale=0.001)
    with connection.cursor() as cursor:
        cursor.execute("SELECT uscc, permit_number FROM companies_enterprise")
        for uscc, permit in cursor.fetchall():
            assert uscc_error(uscc) is None, uscc
            assert permit == "" or permit.startswith(uscc)
        # Foreign keys hold although the load skips their per-row triggers.
        for child, column, parent in [
            ("cases_offsiterecord", "enterprise_id", "companies_enterprise"),
            ("cases_inspection", "enterprise_id", "companies_enterprise"),
            ("cases_inspection", "offsite_record_id", "cases_offsiterecord"),
            ("cases_penaltycase", "source_inspection_id", "cases_inspection"),
            ("cases_specialmeasure", "case_id", "cases_penaltycase"),
            ("companies_visitpolicycard", "visit_id", "companies_visit"),
            ("companies_demand", "visit_id", "companies_visit"),
            ("companies_demand", "owner_id", "accounts_officer"),
            ("cases_feedback", "link_id", "cases_feedbacklink"),
        ]:
            cursor.execute(
                f"SELECT count(*) FROM {child} c WHERE c.{column} IS NOT NULL AND NOT EXISTS "
                f"(SELECT 1 FROM {parent} p WHERE p.id = c.{column})"
            )
            assert cursor.fetchone()[0] == 0, (child, column)
        for table in ("cases_offsiterecord", "cases_inspection", "companies_visit"):
            cursor.execute(
                f"SELECT count(*) FROM {table} r JOIN companies_enterprise e "
                f"ON e.id = r.enterprise_id WHERE e.region_id <> r.region_id"
            )
            assert cursor.fetchone()[0] == 0, table
        # Case numbers are unique within a year and follow the filing date's year.
        cursor.execute(
            "SELECT count(*) FROM cases_penaltycase WHERE (filed_on IS NULL) <> (number IS NULL)"
            " OR number_year <> extract(year FROM filed_on)"
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(DISTINCT status) FROM cases_penaltycase")
        assert cursor.fetchone()[0] >= 6
        cursor.execute(
            "SELECT count(*) FROM cases_penaltycase WHERE decided_on > %s OR filed_on > %s",
            [END, END],
        )
        assert cursor.fetchone()[0] == 0
        cursor.execute("SELECT count(*) FROM cases_penaltycase WHERE waiver_kind <> ''")
        assert cursor.fetchone()[0] > 0
        # The generated indexes are back.
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'offsite_region_status'")
        assert cursor.fetchone()[0] == 1


@pytest.mark.django_db
def test_refuses_a_database_with_enterprises():
    generate()
    before = counts()
    with pytest.raises(CommandError, match="scratch"):
        generate()
    assert counts() == before
    generate(force=True)
    assert counts()["companies_enterprise"] == 2 * before["companies_enterprise"]
