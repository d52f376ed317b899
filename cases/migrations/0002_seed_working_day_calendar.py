"""Seed the official holiday arrangement from the chinese-calendar package.

The package carries the State Council's arrangement for the years it knows
(2004 to 2026 in the pinned version); later years are added by an
administrator in the admin, or by ``manage.py sync_calendar`` after upgrading
the package.
"""

from django.db import migrations

HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def seed(apps, schema_editor):
    import chinese_calendar

    CalendarYear = apps.get_model("cases", "CalendarYear")
    CalendarDay = apps.get_model("cases", "CalendarDay")
    days = {}
    for day, name in chinese_calendar.holidays.items():
        days[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        days[day] = (True, f"{HOLIDAY_NAMES.get(name, name)}调休上班")
    years = sorted({day.year for day in days})
    for year in years:
        CalendarYear.objects.update_or_create(year=year, defaults={"source": "package"})
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(day=day, year_id=day.year, is_workday=is_workday, name=name)
            for day, (is_workday, name) in sorted(days.items())
        ],
        ignore_conflicts=True,
    )


def unseed(apps, schema_editor):
    apps.get_model("cases", "CalendarYear").objects.filter(source="package").delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
