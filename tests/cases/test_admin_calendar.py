"""The calendar in the admin: administrators enter next year's arrangement."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

import cases.admin_calendar  # noqa: F401  (registers CalendarYear; cases/admin.py imports it too)
from cases.choices import CalendarSource
from cases.models import CalendarDay, CalendarYear
from cases.workdays import add_workdays

pytestmark = pytest.mark.django_db


def inline(*rows, initial: int = 0) -> dict:
    data = {
        "days-TOTAL_FORMS": str(len(rows)),
        "days-INITIAL_FORMS": str(initial),
        "days-MIN_NUM_FORMS": "0",
        "days-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"days-{i}-{key}"] = value
    return data


def test_the_list_shows_the_years_and_the_entry_help(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("admin:cases_calendaryear_changelist"))
    assert response.status_code == 200
    assert "2026年" in response.text
    response = client.get(reverse("admin:cases_calendaryear_add"))
    assert "国务院办公厅" in response.text and "调休上班" in response.text


def test_an_administrator_enters_2027_and_the_deadline_follows(client, administrator):
    assert add_workdays(date(2026, 12, 30), 5).estimated
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_calendaryear_add"),
        {
            "year": "2027",
            "notice": "国办发明电〔2026〕9号",
            **inline(
                {"day": "2027-01-01", "name": "元旦"},
                {"day": "2027-02-20", "is_workday": "on", "name": "春节调休上班"},
            ),
        },
    )
    assert response.status_code == 302, response.text
    year = CalendarYear.objects.get(year=2027)
    assert year.source == CalendarSource.MANUAL
    assert list(year.days.values_list("day", "is_workday")) == [
        (date(2027, 1, 1), False),
        (date(2027, 2, 20), True),
    ]
    result = add_workdays(date(2026, 12, 30), 5)
    assert (result.day, result.estimated) == (date(2027, 1, 7), False)


def test_a_day_outside_its_year_is_refused(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:cases_calendaryear_add"),
        {"year": "2027", "notice": "", **inline({"day": "2028-01-01", "name": "元旦"})},
    )
    assert response.status_code == 200
    assert "日期不在 2027 年内" in response.text
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_editing_a_package_year_makes_it_manual(client, administrator):
    client.force_login(administrator)
    url = reverse("admin:cases_calendaryear_change", args=[2026])
    days = list(CalendarDay.objects.filter(year_id=2026).order_by("day"))
    rows = [
        {"day": d.day.isoformat(), "name": d.name, **({"is_workday": "on"} if d.is_workday else {})}
        for d in days
    ]
    rows.append({"day": "2026-12-31", "name": "测试放假"})
    response = client.post(
        url, {"notice": "国办发明电〔2025〕7号", **inline(*rows, initial=len(days))}
    )
    assert response.status_code == 302, response.text
    assert CalendarYear.objects.get(year=2026).source == CalendarSource.MANUAL
    assert CalendarDay.objects.filter(day=date(2026, 12, 31), is_workday=False).exists()


def test_an_inspector_reads_but_cannot_change(client, inspector):
    client.force_login(inspector)
    assert client.get(reverse("admin:cases_calendaryear_changelist")).status_code == 200
    response = client.post(reverse("admin:cases_calendaryear_add"), {"year": "2027"})
    assert response.status_code == 403
    assert not CalendarYear.objects.filter(year=2027).exists()
