"""Working days on the official arrangement (行政处罚法 art. 85), read from the
calendar tables that migration 0002 seeded from chinese-calendar (2004–2026)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases.choices import CalendarSource
from cases.models import CalendarDay, CalendarYear
from cases.workdays import (
    WorkdayResult,
    add_workdays,
    estimated_warning,
    is_workday,
    known_years,
    workdays_between,
)

pytestmark = pytest.mark.django_db


def test_national_day_2024_with_its_make_up_workdays():
    assert is_workday(date(2024, 9, 29))  # a Sunday, worked in exchange
    assert not any(is_workday(date(2024, 10, d)) for d in range(1, 8))
    assert is_workday(date(2024, 10, 8))
    assert is_workday(date(2024, 10, 12))  # a Saturday, worked in exchange
    assert not is_workday(date(2024, 10, 13))
    assert not is_workday(date(2024, 10, 19))  # an ordinary Saturday


def test_five_working_days_after_a_notice_served_on_30_september_2024():
    # 10-01..07 off; 10-08, 09, 10, 11 and the make-up Saturday 10-12.
    assert add_workdays(date(2024, 9, 30), 5) == WorkdayResult(date(2024, 10, 12), False)


def test_the_start_day_is_not_counted():
    assert add_workdays(date(2024, 10, 8), 1).day == date(2024, 10, 9)
    assert add_workdays(date(2024, 10, 11), 1).day == date(2024, 10, 12)
    assert add_workdays(date(2024, 10, 8), 0).day == date(2024, 10, 8)


def test_negative_periods_are_refused():
    with pytest.raises(ValueError):
        add_workdays(date(2024, 10, 8), -1)


def test_notices_on_the_working_days_before_the_2026_spring_festival():
    # 2026-02-15..23 are the holidays; Saturdays 02-14 and 02-28 are worked.
    assert is_workday(date(2026, 2, 14))
    assert not is_workday(date(2026, 2, 23))  # a Monday inside the holiday
    assert add_workdays(date(2026, 2, 13), 5).day == date(2026, 2, 27)
    assert add_workdays(date(2026, 2, 14), 5).day == date(2026, 2, 28)
    assert not add_workdays(date(2026, 2, 14), 5).estimated


def test_workdays_between_is_the_inverse_of_add_workdays():
    start = date(2024, 9, 20)
    for n in range(0, 30):
        assert workdays_between(start, add_workdays(start, n).day) == n
    assert workdays_between(date(2024, 9, 30), date(2024, 10, 12)) == 5
    assert workdays_between(date(2024, 10, 12), date(2024, 9, 30)) == -5
    assert workdays_between(date(2024, 10, 1), date(2024, 10, 7)) == 0


def test_known_years_are_those_of_the_package():
    years = known_years()
    assert {2004, 2024, 2025, 2026} <= years
    assert 2027 not in years


def test_beyond_the_known_years_weekends_only_with_a_warning():
    # 2027 is not recorded: 2027-01-01, a Friday, counts as a working day.
    result = add_workdays(date(2026, 12, 30), 5)
    assert result.day == date(2027, 1, 6)
    assert result.estimated
    assert result.unknown_years == (2027,)
    assert estimated_warning(result) == "2027 年节假日安排尚未录入，期限按周末推算，请核对"


def test_a_period_inside_a_known_year_is_not_estimated():
    result = add_workdays(date(2026, 12, 20), 5)
    assert result.day == date(2026, 12, 25)
    assert not result.estimated
    assert estimated_warning(result) is None


def test_an_administrator_entering_2027_changes_the_result():
    before = add_workdays(date(2026, 12, 30), 5)  # loads and keeps the calendar
    assert before.day == date(2027, 1, 6)

    year = CalendarYear.objects.create(year=2027, source=CalendarSource.MANUAL)
    CalendarDay.objects.create(day=date(2027, 1, 1), year=year, is_workday=False, name="元旦")

    after = add_workdays(date(2026, 12, 30), 5)
    assert after == WorkdayResult(date(2027, 1, 7), False)
    assert estimated_warning(after) is None
    assert 2027 in known_years()


def test_deleting_a_day_is_seen_at_once():
    assert is_workday(date(2024, 10, 12))
    CalendarDay.objects.filter(day=date(2024, 10, 12)).get().delete()
    assert not is_workday(date(2024, 10, 12))


def test_the_calendar_is_read_once(django_assert_num_queries):
    with django_assert_num_queries(1):
        add_workdays(date(2024, 9, 30), 5)
    with django_assert_num_queries(0):
        for offset in range(400):
            is_workday(date(2024, 1, 1) + timedelta(days=offset))
        add_workdays(date(2026, 12, 30), 30)
        workdays_between(date(2020, 1, 1), date(2026, 12, 31))
