"""Reads for the managers' dashboard that are not snapshot cells.

The headline numbers come from the snapshot; these are the views around them:
the monthly trend of this year against last, cases by violation category and
the consistency views (fine spread, non-site conversion, recurrence after
assistance). Each is one set-based query (GROUP BY), restricted to the region
codes the caller passes (``None`` = the whole city), and carries the ids of
the records it counted so every number can link to them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db import connection
from django.db.models import Aggregate, Count, DecimalField, Exists, Max, Min, OuterRef
from django.db.models.functions import TruncMonth
from django.http import Http404

from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.selectors import region_visible, takes_in_every_county, visible_region_codes
from cases.choices import (
    FindingSeverity,
    InspectionStatus,
    LadderStep,
    OffsiteStatus,
    ViolationCategory,
)
from cases.models import (
    CaseViolation,
    Finding,
    Inspection,
    LadderDecision,
    OffsiteRecord,
    PenaltyCase,
)
from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus

# "Within 12 months" of an assistance decision: the ladder's own window.
RECURRENCE_WINDOW = dt.timedelta(days=365)


def half_bounds(year: int, half: int) -> tuple[dt.date, dt.date]:
    """First and last day of a half (1, 2) or of the whole year (0)."""
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    if half == 2:
        return dt.date(year, 7, 1), dt.date(year, 12, 31)
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _in_regions(queryset, codes: Iterable[str] | None, field_name: str = "region"):
    if codes is None:
        return queryset
    return queryset.filter(**{f"{field_name}__in": list(codes)})


@dataclass
class Counted:
    """A number and the ids of the records behind it."""

    value: int | Decimal = 0
    ids: list[int] = field(default_factory=list)


# The series of the monthly trend: (queryset, the date that places a record).
TREND_SERIES = {
    "penalty_cases": (lambda: PenaltyCase.objects.filter(decided_on__isnull=False), "decided_on"),
    "inspections": (
        lambda: Inspection.objects.filter(status=InspectionStatus.COMPLETED),
        "inspected_on",
    ),
}


def monthly_trend(
    *, year: int, half: int, codes: Iterable[str] | None
) -> dict[str, dict[str, list[int]]]:
    """Penalty decisions and inspections per month, this year and last.

    ``{"penalty_cases": {"months": [1, …], "current": [n, …], "previous": […]}, …}``;
    one ``GROUP BY date_trunc('month', …)`` query per series and year. A month
    links to the records by its date range (``trend_month_range``).
    """
    start, end = half_bounds(year, half)
    months = list(range(start.month, end.month + 1))
    result: dict[str, dict[str, list[int]]] = {}
    for key, (base, date_field) in TREND_SERIES.items():
        result[key] = {"months": months}
        for label, shift in (("current", 0), ("previous", 1)):
            first, last = half_bounds(year - shift, half)
            rows = (
                _in_regions(base(), codes)
                .filter(**{f"{date_field}__range": (first, last)})
                .annotate(month=TruncMonth(date_field))
                .values("month")
                .annotate(n=Count("id"))
                .order_by("month")
            )
            counts = {row["month"].month: row["n"] for row in rows}
            result[key][label] = [counts.get(m, 0) for m in months]
    return result


def trend_month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def cases_by_category(*, year: int, half: int, codes: Iterable[str] | None) -> list[dict]:
    """Penalty decisions of the period per violation category (a case with two
    categories counts in both), largest first."""
    start, end = half_bounds(year, half)
    rows = (
        _in_regions(
            CaseViolation.objects.filter(case__decided_on__range=(start, end)),
            codes,
            "case__region",
        )
        .values_list("violation_type__category", "case_id")
        .distinct()
        .order_by("violation_type__category", "case_id")
    )
    ids: dict[str, list[int]] = defaultdict(list)
    for category, case_id in rows:
        ids[category].append(case_id)
    labels = dict(ViolationCategory.choices)
    result = [
        {"category": category, "label": labels.get(category, category), "ids": case_ids}
        for category, case_ids in ids.items()
    ]
    result.sort(key=lambda row: (-len(row["ids"]), row["category"]))
    for row in result:
        row["value"] = len(row["ids"])
    return result


class _Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``."""

    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DecimalField(max_digits=14, decimal_places=2)


def fine_spread(*, year: int, half: int, codes: Iterable[str] | None) -> list[dict]:
    """Min / median / max fine per violation type and region, for the period's
    decisions with a fine: the same violation fined very differently in two
    counties is what a reviewer wants to see (自由裁量的一致性)."""
    start, end = half_bounds(year, half)
    base = _in_regions(
        CaseViolation.objects.filter(
            case__decided_on__range=(start, end), case__fine_amount__isnull=False
        ),
        codes,
        "case__region",
    )
    keys = (
        "violation_type__code",
        "violation_type__name",
        "case__region_id",
        "case__region__name",
    )
    rows = (
        base.values(*keys)
        .annotate(
            n=Count("case_id", distinct=True),
            low=Min("case__fine_amount"),
            high=Max("case__fine_amount"),
            median=_Median("case__fine_amount"),
            case_ids=ArrayAgg("case_id", distinct=True, order_by="case_id"),
        )
        .order_by(*keys)
    )
    result = []
    for row in rows:
        result.append(
            {
                "code": row["violation_type__code"],
                "name": row["violation_type__name"],
                "region": row["case__region_id"],
                "region_name": row["case__region__name"],
                "count": row["n"],
                "min": row["low"],
                "median": Decimal(row["median"]).quantize(Decimal("0.01")),
                "max": row["high"],
                "ids": row["case_ids"],
            }
        )
    return result


def offsite_conversion(*, year: int, half: int, codes: Iterable[str] | None) -> dict:
    """Of the period's non-site records turned into on-site inspections, how
    many led to an inspection with findings (无据不查: does the evidence hold?)."""
    start, end = half_bounds(year, half)
    turned = _in_regions(
        OffsiteRecord.objects.filter(
            detected_on__range=(start, end), status=OffsiteStatus.INSPECTION_REQUESTED
        ),
        codes,
    )
    with_findings = Exists(Finding.objects.filter(inspection__offsite_record=OuterRef("pk")))
    rows = list(turned.annotate(found=with_findings).values_list("id", "found").order_by("id"))
    turned_ids = [pk for pk, _ in rows]
    found_ids = [pk for pk, found in rows if found]
    return {
        "turned": Counted(len(turned_ids), turned_ids),
        "found": Counted(len(found_ids), found_ids),
        "share": _share(len(found_ids), len(turned_ids)),
    }


def recurrence_after_assistance(*, year: int, half: int, codes: Iterable[str] | None) -> dict:
    """Enterprises given assistance (帮扶) in the period that had a minor
    finding again within 12 months of the decision: does assistance work?"""
    start, end = half_bounds(year, half)
    decisions = _in_regions(
        LadderDecision.objects.filter(
            decided=LadderStep.ASSISTANCE, decided_on__range=(start, end)
        ),
        codes,
        "enterprise__region",
    )
    again = Finding.objects.filter(
        enterprise=OuterRef("enterprise"),
        severity=FindingSeverity.MINOR,
        found_on__gt=OuterRef("decided_on"),
        found_on__lte=OuterRef("decided_on") + RECURRENCE_WINDOW,
    )
    rows = decisions.annotate(again=Exists(again)).values_list("enterprise_id", "again")
    assisted: set[int] = set()
    recurred: set[int] = set()
    for enterprise_id, recurred_flag in rows:
        assisted.add(enterprise_id)
        if recurred_flag:
            recurred.add(enterprise_id)
    return {
        "assisted": Counted(len(assisted), sorted(assisted)),
        "recurred": Counted(len(recurred), sorted(recurred)),
        "share": _share(len(recurred), len(assisted)),
    }


def _share(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


__all__ = [
    "Counted",
    "cases_by_category",
    "current_snapshot",
    "fine_spread",
    "half_bounds",
    "monthly_trend",
    "offsite_conversion",
    "readable_snapshot",
    "recurrence_after_assistance",
    "running_build",
    "trend_month_range",
]


# --- Snapshots a user may read ------------------------------------------------


def current_snapshot(*, year: int, half: int, region_code: str | None):
    """The current snapshot of a period for a scope (``None`` = the whole city)."""
    return (
        HalfYearSnapshot.objects.filter(
            year=year,
            half=half,
            scope_region_id=region_code or None,
            is_current=True,
            status=SnapshotStatus.READY,
        )
        .select_related("scope_region")
        .first()
    )


def readable_snapshot(user, *, year: int, half: int, region_code: str | None):
    """The snapshot ``user`` may read for a period and region, and the region
    codes to keep (``None``: all of it). A county user reads their region's own
    snapshot, or failing that their region's rows of the city's snapshot.
    Raises Http404 when there is none or the region is outside the user's scope."""
    codes = visible_region_codes(user)
    if region_code and not region_visible(user, region_code):
        raise Http404
    if codes is not None and not region_code:
        raise Http404
    if region_code:
        own = current_snapshot(year=year, half=half, region_code=region_code)
        if own is not None:
            return own, None
        city = current_snapshot(year=year, half=half, region_code=None)
        if city is None:
            raise Http404
        level = Region.objects.filter(code=region_code).values_list("level", flat=True).first()
        if level == RegionLevel.COUNTY:
            return city, [region_code]
        # The city's snapshot holds a cell per county; a city's or province's
        # numbers are its total only when the region takes in every county.
        if level is not None and takes_in_every_county(region_code):
            return city, None
        raise Http404
    snapshot = current_snapshot(year=year, half=half, region_code=None)
    if snapshot is None:
        raise Http404
    return snapshot, None


def running_build(*, year: int, half: int, region_code: str | None):
    """The latest snapshot of a period and scope still being built, if any."""
    return (
        HalfYearSnapshot.objects.filter(
            year=year,
            half=half,
            scope_region_id=region_code or None,
            status__in=[SnapshotStatus.PENDING, SnapshotStatus.BUILDING],
        )
        .order_by("-created_at")
        .first()
    )


def cell_records_by_status(cell_id: int, *, limit: int) -> dict[str, tuple[int, list[int] | None]]:
    """The non-site records behind a snapshot cell, counted per status inside
    the database (a province's cell holds hundreds of thousands of ids):
    status → (count, the ids when there are at most ``limit``, else None)."""
    sql = (
        "SELECT o.status, count(*), (array_agg(o.id ORDER BY o.id))[1:%s] "
        f'FROM "{OffsiteRecord._meta.db_table}" o JOIN ('
        f'SELECT unnest(record_ids) AS id FROM "{SnapshotCell._meta.db_table}" WHERE id = %s'
        ") AS cell ON cell.id = o.id GROUP BY o.status"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit, cell_id])
        return {
            status: (count, ids if count <= limit else None)
            for status, count, ids in cursor.fetchall()
        }
