"""Writes to the working-day calendar (``CalendarYear``, ``CalendarDay``).

The State Council publishes each year's holiday arrangement in November or
December. The chinese-calendar package carries it for the years it knows; an
administrator enters a year the package does not know yet in the admin, and
such a year (``source=manual``) is never overwritten by the package unless
asked to (``force``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from cases.choices import CalendarSource
from cases.models import CalendarDay, CalendarYear
from cases.workdays import clear_calendar_cache

# The package's English holiday names, as the UI shows them.
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


@dataclass
class YearSync:
    """What syncing one year did (or, for a dry run, would do)."""

    year: int
    action: str  # "added", "updated", "unchanged", "kept_manual"
    added: list[date] = field(default_factory=list)
    removed: list[date] = field(default_factory=list)
    changed: list[date] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinese_calendar")
    except PackageNotFoundError:  # pragma: no cover - installed with the project
        return "?"


def package_arrangement() -> dict[int, dict[date, tuple[bool, str]]]:
    """The installed chinese-calendar package's arrangement: year → day → (is_workday, name)."""
    import chinese_calendar

    years: dict[int, dict[date, tuple[bool, str]]] = {}
    for day, name in chinese_calendar.holidays.items():
        years.setdefault(day.year, {})[day] = (False, HOLIDAY_NAMES.get(name, name))
    for day, name in chinese_calendar.workdays.items():
        years.setdefault(day.year, {})[day] = (True, f"{HOLIDAY_NAMES.get(name, name)}调休上班")
    return years


def _diff(year: int, recorded: dict[date, tuple[bool, str]], wanted: dict) -> YearSync:
    sync = YearSync(year=year, action="unchanged")
    sync.added = sorted(set(wanted) - set(recorded))
    sync.removed = sorted(set(recorded) - set(wanted))
    sync.changed = sorted(d for d in set(wanted) & set(recorded) if wanted[d] != recorded[d])
    return sync


@transaction.atomic
def calendar_sync_from_package(*, force: bool = False, dry_run: bool = False) -> list[YearSync]:
    """Add or update, from the installed package, every year it knows.

    A year an administrator entered (``source=manual``) is left as it is and
    reported as ``kept_manual`` with its differences, unless ``force``, which
    replaces it by the package's and marks it ``package``. Years the package
    does not know are never touched. ``dry_run`` reports without writing.
    """
    arrangement = package_arrangement()
    existing = CalendarYear.objects.select_for_update().in_bulk(list(arrangement))
    recorded: dict[int, dict[date, tuple[bool, str]]] = {}
    for day, year, is_workday, name in CalendarDay.objects.filter(
        year__in=list(arrangement)
    ).values_list("day", "year_id", "is_workday", "name"):
        recorded.setdefault(year, {})[day] = (is_workday, name)

    results = []
    for year, wanted in sorted(arrangement.items()):
        calendar_year = existing.get(year)
        sync = _diff(year, recorded.get(year, {}), wanted)
        if calendar_year is None:
            sync.action = "added"
        elif calendar_year.source == CalendarSource.MANUAL and not force:
            sync.action = "kept_manual"
        elif sync.differs or calendar_year.source != CalendarSource.PACKAGE:
            sync.action = "updated"
        results.append(sync)
        if dry_run or sync.action in ("unchanged", "kept_manual"):
            continue
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": CalendarSource.PACKAGE}
        )
        if sync.removed:
            CalendarDay.objects.filter(day__in=sync.removed).delete()
        if sync.changed:
            days = list(CalendarDay.objects.filter(day__in=sync.changed))
            for day in days:
                day.is_workday, day.name = wanted[day.day]
            CalendarDay.objects.bulk_update(days, ["is_workday", "name"])
        CalendarDay.objects.bulk_create(
            [
                CalendarDay(day=d, year_id=year, is_workday=wanted[d][0], name=wanted[d][1])
                for d in sync.added
            ]
        )
    if not dry_run:
        # bulk_create and bulk_update send no signals.
        clear_calendar_cache()
        transaction.on_commit(clear_calendar_cache)
    return results


def calendar_year_mark_manual(calendar_year: CalendarYear) -> None:
    """Record that an administrator has set this year's arrangement by hand, so
    that ``sync_calendar`` does not overwrite it."""
    if calendar_year.source != CalendarSource.MANUAL:
        calendar_year.source = CalendarSource.MANUAL
        calendar_year.save(update_fields=["source", "updated_at"])
