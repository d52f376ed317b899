"""Reads of the stats app: which snapshot a caller reads, and the records
behind a number, within the caller's regions."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.selectors import (
    region_visible,
    restrict_to_regions,
    scope_roots,
    takes_in_every_county,
    visible_region_codes,
)
from ecoenforce.errors import DomainError
from stats.metrics import Metric, Period
from stats.models import HalfYearSnapshot, SnapshotStatus

UNFINISHED = (SnapshotStatus.PENDING, SnapshotStatus.BUILDING)


class NotVisible(Exception):
    """The region or the snapshot is absent or outside the caller's regions (404)."""


@dataclass
class SnapshotView:
    """What a caller reads for a period: the current snapshot (if any), the
    build in progress (if any), and the region of the cells to read ('' for
    the snapshot's whole scope)."""

    current: HalfYearSnapshot | None
    running: HalfYearSnapshot | None
    cell_region: str
    region: str | None

    @property
    def shown(self) -> HalfYearSnapshot:
        return self.running or self.current


def caller_region(user, region: str | None) -> str | None:
    """The region a caller reads: the one asked for (within their regions), or,
    for a county user who names none, the county they work for."""
    if region:
        if not region_visible(user, region):
            raise NotVisible
        return region
    if visible_region_codes(user) is None:
        return None  # the whole installation
    roots = scope_roots(user) or []
    if len(roots) == 1:
        return roots[0].code
    if not roots:
        raise NotVisible
    raise DomainError("请用 region 参数指定县（市、区）", code="region_required", field="region")


def snapshot_view(*, user, period: Period, region: str | None) -> SnapshotView:
    """One query: the current and unfinished snapshots of the period for the
    whole city and for the region. A region's own snapshot wins over the
    city's cells for it."""
    region = caller_region(user, region)
    scopes = Q(scope_region__isnull=True)
    if region:
        scopes |= Q(scope_region_id=region)
    rows = list(
        HalfYearSnapshot.objects.filter(year=period.year, half=period.half)
        .filter(scopes)
        .filter(Q(is_current=True) | Q(status__in=UNFINISHED))
        .select_related("scope_region")
        .order_by("-created_at")
    )

    def pick(scope, *, current):
        for row in rows:
            if row.scope_region_id == scope and (
                row.is_current if current else row.status in UNFINISHED
            ):
                return row
        return None

    own = region and (pick(region, current=True) or pick(region, current=False))
    scope = region if own else None
    current, running = pick(scope, current=True), pick(scope, current=False)
    if current is None and running is None:
        raise NotVisible
    cell_region = "" if (own or not region) else region
    if region and not own:
        level = Region.objects.filter(code=region).values_list("level", flat=True).first()
        if level is None:
            raise NotVisible
        if level != RegionLevel.COUNTY:
            # The city's snapshot holds a cell per county: a city's or a
            # province's numbers are a snapshot built for it, or the whole
            # snapshot's total when it takes in every county.
            if not takes_in_every_county(region):
                raise NotVisible
            cell_region = ""
    return SnapshotView(current=current, running=running, cell_region=cell_region, region=region)


class CellIds:
    """The record ids behind one cell of a snapshot, read a page at a time.

    A paginator asks ``count()`` (the cell's stored count) and then a slice,
    which the database cuts out of the stored list (``record_ids[a:b]``), so a
    page of a cell of millions of ids carries only that page to Python."""

    def __init__(self, snapshot: HalfYearSnapshot, *, metric: str, region: str, previous=False):
        self.cells = snapshot.cells.filter(metric=metric, region=region)
        self.column = "previous_record_ids" if previous else "record_ids"
        self.count_column = "previous_record_count" if previous else "record_count"
        self._count: int | None = None

    def count(self) -> int:
        if self._count is None:
            self._count = self.cells.values_list(self.count_column, flat=True).first() or 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("CellIds is read in slices")
        start, stop = max(index.start or 0, 0), index.stop
        if stop is None:
            stop = self.count()
        if stop <= start:
            return []
        # ArrayField's slice transform: 0-based, end excluded.
        page = self.cells.values_list(f"{self.column}__{start}_{stop}", flat=True).first()
        return list(page or [])


def cell_records(*, user, metric: Metric, ids: list[int]):
    """The records behind a cell (ids of one page), within the caller's regions."""
    model = metric.get_record_model()
    queryset = model._default_manager.filter(pk__in=ids).order_by("pk")
    if any(f.name == "enterprise" for f in model._meta.get_fields()):
        queryset = queryset.select_related("enterprise")
    return restrict_to_regions(queryset, user)


def _enterprise(record) -> dict | None:
    enterprise = getattr(record, "enterprise", None)
    if enterprise is None:
        return None
    return {"id": enterprise.pk, "name": enterprise.name}


# The compact row of a record behind a number, per record model.
def record_row(record) -> dict:
    label = record._meta.label
    row = {"id": record.pk, "region": record.region_id, "enterprise": _enterprise(record)}
    if label == "cases.PenaltyCase":
        row.update(
            number=record.number,
            date=record.decided_on or record.filed_on,
            filed_on=record.filed_on,
            decided_on=record.decided_on,
            amount=None if record.fine_amount is None else str(record.fine_amount),
            status=record.status,
        )
    elif label == "cases.Inspection":
        row.update(date=record.inspected_on, trigger=record.trigger, status=record.status)
    elif label == "cases.OffsiteRecord":
        row.update(date=record.detected_on, indicator=record.indicator, status=record.status)
    elif label == "companies.Visit":
        row.update(date=record.visited_on, kind=record.kind)
    elif label == "companies.Symposium":
        row.update(date=record.held_on, topic=record.topic)
    elif label == "companies.Demand":
        row.update(date=record.raised_on, resolved_on=record.resolved_on, status=record.status)
    elif label == "cases.Feedback":
        row.update(date=record.submitted_on, kind=record.kind, rating=record.rating)
    return row


def replaced_snapshot(current: HalfYearSnapshot) -> HalfYearSnapshot | None:
    """The snapshot the current one replaced (kept for the diff)."""
    return (
        HalfYearSnapshot.objects.filter(
            year=current.year,
            half=current.half,
            scope_region_id=current.scope_region_id,
            status=SnapshotStatus.READY,
            is_current=False,
        )
        .order_by("-created_at")
        .first()
    )
