"""Working days (工作日) on the official holiday arrangement.

行政处罚法 (2021) art. 85: the periods of "二日、三日、五日、七日" in that law are
working days, excluding statutory holidays; every other period is counted in
calendar days. Which days are working days is decided each year by the State
Council's holiday arrangement (国务院办公厅关于部分节假日安排的通知), with its
make-up workdays (调休上班) on weekends.

The arrangement is data: ``CalendarYear`` lists the years whose arrangement is
recorded and ``CalendarDay`` the days that break the weekday rule (a holiday
on a weekday, a make-up workday on a weekend). Seeded from the chinese-calendar
package, extended by an administrator in the admin. A day in a year that is not
recorded is counted by the weekday rule alone, and the result says so
(``WorkdayResult.estimated``) so that the deadline carries a warning instead of
a silent guess (DESIGN.md, "Working days").

Periods exclude the day they start from (行政处罚法 art. 85 is silent on this,
the general rule of 民法典 art. 201 applies: the period begins the next day).

The calendar is read once per process and kept: a save or delete of a
``CalendarDay`` or ``CalendarYear`` clears it (receiver wired in
``CasesConfig.ready``), and it is reloaded at most ``CACHE_SECONDS`` later in
every other process (web workers, Celery workers) that did not see the signal.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

# How long another process may keep a calendar that an administrator changed.
CACHE_SECONDS = 300


@dataclass(frozen=True)
class WorkdayResult:
    """The last day of a working-day period, and whether it had to be estimated.

    ``estimated`` is true when a day counted lies in a year whose holiday
    arrangement is not recorded; ``unknown_years`` names those years.
    """

    day: date
    estimated: bool
    unknown_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Calendar:
    exceptions: dict[date, bool]
    years: frozenset[int]
    loaded_at: float


_lock = threading.Lock()
_cached: _Calendar | None = None
_generation = 0


def _load() -> _Calendar:
    from cases.models import CalendarYear

    exceptions: dict[date, bool] = {}
    years: set[int] = set()
    # One query: every recorded year with its days (a year without days yet
    # comes back once with NULLs).
    rows = CalendarYear.objects.values_list("year", "days__day", "days__is_workday")
    for year, day, is_workday in rows:
        years.add(year)
        if day is not None:
            exceptions[day] = is_workday
    return _Calendar(exceptions, frozenset(years), time.monotonic())


def _calendar() -> _Calendar:
    global _cached
    calendar = _cached
    if calendar is not None and time.monotonic() - calendar.loaded_at < CACHE_SECONDS:
        return calendar
    generation = _generation
    calendar = _load()
    with _lock:
        # A change committed while we were reading must not be hidden by
        # storing what we read before it.
        if generation == _generation:
            _cached = calendar
    return calendar


def clear_calendar_cache() -> None:
    """Forget the calendar of this process; the next question reloads it."""
    global _cached, _generation
    with _lock:
        _generation += 1
        _cached = None


def calendar_changed(sender=None, **kwargs) -> None:
    """Signal receiver (post_save, post_delete of CalendarDay and CalendarYear).

    Clears now, for the rest of this transaction, and again after the commit,
    so that another thread cannot keep what it read before the change.
    """
    clear_calendar_cache()
    transaction.on_commit(clear_calendar_cache, using=kwargs.get("using"))


def known_years() -> frozenset[int]:
    """Years whose official holiday arrangement is recorded."""
    return _calendar().years


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day: the recorded arrangement, else Monday to Friday."""
    exceptions = _calendar().exceptions
    if day in exceptions:
        return exceptions[day]
    return day.weekday() < 5


def add_workdays(start: date, n: int) -> WorkdayResult:
    """The ``n``-th working day after ``start`` (``start`` itself not counted).

    ``add_workdays(notice_served_on, 5)`` is the last day of a five-working-day
    period (行政处罚法 art. 85). ``n == 0`` answers ``start``.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    calendar = _calendar()
    unknown: set[int] = set()
    day = start
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if day.year not in calendar.years:
            unknown.add(day.year)
        working = calendar.exceptions.get(day)
        if working is None:
            working = day.weekday() < 5
        if working:
            counted += 1
    return WorkdayResult(day=day, estimated=bool(unknown), unknown_years=tuple(sorted(unknown)))


def workdays_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` < ``a``.

    The inverse of ``add_workdays``: ``workdays_between(d, add_workdays(d, n).day) == n``.
    """
    if b < a:
        return -workdays_between(b, a)
    calendar = _calendar()
    count = 0
    day = a
    while day < b:
        day += timedelta(days=1)
        working = calendar.exceptions.get(day)
        if working is None:
            working = day.weekday() < 5
        count += working
    return count


def estimated_warning(result: WorkdayResult) -> str | None:
    """The warning shown beside a deadline that was counted on weekends alone."""
    if not result.estimated:
        return None
    years = result.unknown_years or (result.day.year,)
    named = "、".join(str(year) for year in years)
    return f"{named} 年节假日安排尚未录入，期限按周末推算，请核对"
