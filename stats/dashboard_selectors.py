"""Reads for the managers' dashboard around the snapshot's cells.

The headline numbers are the snapshot's cells; the views around them count
the same records: the cases by violation category and the fine spread from
the ids of the ``penalty_cases`` cell, the non-site conversion from the
``offsite_to_onsite`` cell (joined inside the database: ``cell_ids``), and the
monthly trend by the registry's own definitions (``records_of``), so the
months add up to the cards. The recurrence after assistance (ladder
decisions, not a metric) is read live. Each is one set-based query (GROUP BY)
that answers, per number, the ids behind it when there are few enough for a
link (``None`` when there are more).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Count,
    DecimalField,
    Exists,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Q,
)
from django.db.models.functions import ExtractMonth
from django.http import Http404

from cases.choices import (
    FindingSeverity,
    LadderStep,
    OffsiteStatus,
    ViolationCategory,
)
from cases.models import (
    CaseViolation,
    Finding,
    LadderDecision,
    OffsiteRecord,
)
from cases.offsite_selectors import inspection_found
from stats.metrics import Period, get_metric, records_of
from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus
from stats.selectors import NotVisible, snapshot_view

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
    """A number and the ids of the records behind it (``None``: more than a
    link carries; the caller links by a filter instead)."""

    value: int | Decimal = 0
    ids: list[int] | None = field(default_factory=list)


def cell_ids(snapshot, metric: str, region: str, *, previous: bool = False):
    """The ids behind one cell of a snapshot, as a subquery: the list stays
    in the database and is joined there."""
    column = "previous_record_ids" if previous else "record_ids"
    return (
        SnapshotCell.objects.filter(snapshot=snapshot, metric=metric, region=region)
        .annotate(record=Func(F(column), function="unnest", output_field=BigIntegerField()))
        .values("record")
    )


def _first_ids(field_name: str, limit: int, **options):
    """The group's ids in order, cut to ``limit + 1`` in the database: one
    more than ``limit`` says "too many for a link" without carrying them all."""
    return Func(
        ArrayAgg(field_name, order_by=field_name, **options),
        template=f"(%(expressions)s)[1:{limit + 1}]",
        output_field=ArrayField(BigIntegerField()),
    )


def _counted(count: int, ids: list[int] | None, limit: int) -> Counted:
    return Counted(count, sorted(ids or []) if count <= limit else None)


TREND_METRICS = ("penalty_cases", "inspections")


def monthly_trend(
    *, year: int, half: int, codes: Iterable[str] | None, limit: int
) -> dict[str, dict]:
    """Per month, this year and last, what the ``penalty_cases`` and
    ``inspections`` metrics count (the registry's own definition and date,
    ``records_of``), so the months add up to the cards.

    ``{"penalty_cases": {"months": [1, …], "current": [Counted, …],
    "previous": […]}, …}``; one ``GROUP BY`` query per series and year. Read
    live rather than from the cell's ids: joining a province's 180,000
    inspection ids back to their rows costs three times as much.
    """
    period = Period(year, half)
    months = list(range(period.start.month, period.start.month + 6))
    result: dict[str, dict] = {}
    for key in TREND_METRICS:
        metric = get_metric(key)
        result[key] = {"months": months}
        for label, each in (("current", period), ("previous", period.previous_year)):
            rows = (
                records_of(metric, each.start, each.end, None if codes is None else list(codes))
                .annotate(month=ExtractMonth(metric.date_field))
                .values("month")
                .annotate(n=Count("id"), ids=_first_ids("id", limit))
                .order_by("month")
            )
            by_month = {row["month"]: _counted(row["n"], row["ids"], limit) for row in rows}
            result[key][label] = [by_month.get(month, Counted()) for month in months]
    return result


def trend_month_range(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, following - dt.timedelta(days=1)


def cases_by_category(snapshot, region: str, *, limit: int) -> list[dict]:
    """The cases of the ``penalty_cases`` cell per violation category (a case
    with two categories counts in both), largest first."""
    rows = (
        CaseViolation.objects.filter(case_id__in=cell_ids(snapshot, "penalty_cases", region))
        .values("violation_type__category")
        .annotate(
            n=Count("case_id", distinct=True),
            ids=_first_ids("case_id", limit, distinct=True),
        )
        .order_by()
    )
    labels = dict(ViolationCategory.choices)
    result = []
    for row in rows:
        category = row["violation_type__category"]
        counted = _counted(row["n"], row["ids"], limit)
        result.append(
            {
                "category": category,
                "label": labels.get(category, category),
                "value": counted.value,
                "ids": counted.ids,
            }
        )
    result.sort(key=lambda row: (-row["value"], row["category"]))
    return result


class _Median(Aggregate):
    """PostgreSQL's ``percentile_cont(0.5) WITHIN GROUP (ORDER BY x)``."""

    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DecimalField(max_digits=14, decimal_places=2)


def fine_spread(snapshot, region: str, *, limit: int) -> list[dict]:
    """Min / median / max fine per violation type and region, for the cases
    of the ``penalty_cases`` cell with a fine: the same violation fined very
    differently in two counties is what a reviewer wants to see (自由裁量的一致性)."""
    base = CaseViolation.objects.filter(
        case_id__in=cell_ids(snapshot, "penalty_cases", region), case__fine_amount__isnull=False
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
            case_ids=_first_ids("case_id", limit, distinct=True),
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
                "ids": _counted(row["n"], row["case_ids"], limit).ids,
            }
        )
    return result


def offsite_conversion(snapshot, region: str, *, limit: int) -> dict:
    """Of the non-site records of the ``offsite_to_onsite`` cell that were
    turned into on-site inspections, how many led to an inspection with
    findings (无据不查: does the evidence hold?)."""
    found = Q(inspection_found())
    row = OffsiteRecord.objects.filter(
        pk__in=cell_ids(snapshot, "offsite_to_onsite", region),
        status=OffsiteStatus.INSPECTION_REQUESTED,
    ).aggregate(
        turned=Count("id"),
        turned_ids=_first_ids("id", limit),
        found=Count("id", filter=found),
        found_ids=_first_ids("id", limit, filter=found),
    )
    return {
        "turned": _counted(row["turned"], row["turned_ids"], limit),
        "found": _counted(row["found"], row["found_ids"], limit),
        "share": _share(row["found"], row["turned"]),
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
    "cell_ids",
    "cell_records_by_status",
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


def readable_snapshot(user, *, year: int, half: int, region_code: str | None):
    """The current snapshot ``user`` may read for a period and region, and
    the region codes to keep (``None``: all of it): the API's rule
    (``stats.selectors.snapshot_view``) — a region's own snapshot, or its
    rows of the city's. Raises Http404 when there is none or the region is
    outside the user's scope."""
    try:
        view = snapshot_view(user=user, period=Period(year, half), region=region_code)
    except NotVisible:
        raise Http404 from None
    if view.current is None:
        raise Http404
    return view.current, ([view.cell_region] if view.cell_region else None)


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


def cell_records_by_status(snapshot, metric: str, region: str, *, limit: int) -> dict:
    """The records behind one cell counted per status, joined inside the
    database (a province's cell holds hundreds of thousands of ids):
    status → ``Counted`` (ids only when there are at most ``limit``)."""
    model = get_metric(metric).get_record_model()
    rows = (
        model._default_manager.filter(pk__in=cell_ids(snapshot, metric, region))
        .values("status")
        .annotate(n=Count("id"), ids=_first_ids("id", limit))
        .order_by()
    )
    return {row["status"]: _counted(row["n"], row["ids"], limit) for row in rows}
