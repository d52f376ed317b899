"""``manage.py sync_calendar``: the package's years are added or brought up to
date; a year an administrator entered is kept unless ``--force``."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from cases.choices import CalendarSource
from cases.models import CalendarDay, CalendarYear
from cases.workdays import is_workday

pytestmark = pytest.mark.django_db


def sync(*args) -> str:
    out = StringIO()
    call_command("sync_calendar", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    return list(CalendarDay.objects.order_by("day").values_list("day", "is_workday", "name"))


def test_nothing_to_do_on_the_seeded_calendar():
    before = snapshot()
    output = sync()
    assert "chinese-calendar" in output and "2004—2026" in output
    assert "23 个年度无变化" in output
    assert "2027 年节假日安排发布后" in output
    assert snapshot() == before


def test_a_missing_make_up_workday_is_restored_and_seen_at_once():
    CalendarDay.objects.filter(day=date(2024, 10, 12)).delete()
    assert not is_workday(date(2024, 10, 12))
    output = sync()
    assert "2024 年：已更新，新增 10-12" in output
    day = CalendarDay.objects.get(day=date(2024, 10, 12))
    assert (day.is_workday, day.name) == (True, "国庆节调休上班")
    assert is_workday(date(2024, 10, 12))


def test_a_changed_day_and_an_extra_day_are_put_right():
    CalendarDay.objects.filter(day=date(2025, 10, 1)).update(is_workday=True)
    CalendarDay.objects.create(day=date(2025, 3, 3), year_id=2025, is_workday=False, name="误录")
    output = sync()
    assert "2025 年：已更新，修改 10-01；删除 03-03" in output
    assert not CalendarDay.objects.get(day=date(2025, 10, 1)).is_workday
    assert not CalendarDay.objects.filter(day=date(2025, 3, 3)).exists()


def test_a_deleted_year_is_added_again():
    CalendarYear.objects.filter(year=2026).delete()
    output = sync()
    assert "2026 年：新增年度" in output
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.PACKAGE
    assert CalendarDay.objects.filter(year_id=2026, is_workday=False).count() == 33
    assert CalendarDay.objects.filter(year_id=2026, is_workday=True).count() == 6


def test_a_year_entered_by_an_administrator_is_kept():
    CalendarYear.objects.filter(year=2026).update(source=CalendarSource.MANUAL)
    CalendarDay.objects.filter(day=date(2026, 2, 14)).delete()
    output = sync()
    assert "2026 年：管理员录入，未覆盖（与软件包不同：新增 02-14；如需覆盖请加 --force）" in output
    assert not CalendarDay.objects.filter(day=date(2026, 2, 14)).exists()
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.MANUAL


def test_force_replaces_a_manual_year():
    CalendarYear.objects.filter(year=2026).update(source=CalendarSource.MANUAL)
    CalendarDay.objects.filter(day=date(2026, 2, 14)).delete()
    output = sync("--force")
    assert "2026 年：已更新，新增 02-14" in output
    assert CalendarDay.objects.filter(day=date(2026, 2, 14), is_workday=True).exists()
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.PACKAGE


def test_years_the_package_does_not_know_are_left_alone():
    year = CalendarYear.objects.create(year=2027, source=CalendarSource.MANUAL)
    CalendarDay.objects.create(day=date(2027, 1, 1), year=year, is_workday=False, name="元旦")
    output = sync("--force")
    assert "2027 年" not in output.split("已录入年度")[0]
    assert CalendarDay.objects.filter(year_id=2027).count() == 1
    assert "2028 年节假日安排发布后" in output


def test_dry_run_writes_nothing():
    CalendarDay.objects.filter(day=date(2024, 10, 12)).delete()
    before = snapshot()
    output = sync("--dry-run")
    assert "2024 年：已更新，新增 10-12" in output
    assert "试运行" in output
    assert snapshot() == before
