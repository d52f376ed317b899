"""Writes of the stats app: building half-year snapshots.

``build_half_year`` computes every metric of the registry for a period and the
same period a year earlier and stores them as one snapshot. How it stays safe:

- **One build per period and scope at a time.** A PostgreSQL session advisory
  lock keyed by the period and the scope is taken without waiting
  (``pg_try_advisory_lock``). A second call while a build runs does not build:
  it answers the snapshot being built. The lock belongs to the database
  session, so a worker killed mid-build loses it with its connection and the
  redelivered task can take it at once.
- **One consistent reading, kept in the database.** All metrics are computed
  in one ``REPEATABLE READ`` transaction, so the numbers agree with each other
  (the cases counted are the cases whose fines are summed) as of one moment
  (``as_of``). The metrics that read the same rows share one statement
  (``metric_groups``: one pass over the non-site records for its three
  metrics), run as an ``INSERT … SELECT`` into the cells: the id lists
  behind the numbers (millions of ids at province size) never travel to the
  worker, which keeps its memory flat.
- **The old snapshot stays readable.** Readers read only the current
  snapshot; the new one's cells are invisible until they are all committed,
  and the switch of ``is_current`` is one short transaction at the end. A
  failed build leaves its row ``failed`` (its cells rolled back) and the
  previous snapshot current; a worker killed between the two transactions
  leaves a ``building`` row whose cells the redelivered task throws away.
- **Progress is visible.** Progress (per statement) goes through a second
  database connection in autocommit, so another session sees it while the
  build's transaction is still open.
- **Rebuilds explain themselves.** The replaced snapshot is kept (not
  current), and ``snapshot_diff`` names the record ids that entered or left
  each cell. Older replaced snapshots of the same period are pruned.
"""

from __future__ import annotations

import logging
import time
import zlib

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.utils import timezone

from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.selectors import visible_region_codes
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from stats.metrics import DEFINITION_VERSION, METRICS, Period, insert_cells, metric_groups
from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus

logger = logging.getLogger(__name__)

# First key of the two-int advisory locks of this app ("ST").
_LOCK_CLASS = 0x5354
# How long a second caller looks for the row of the build that holds the lock
# (the holder inserts it right after taking the lock).
_IN_PROGRESS_WAIT_SECONDS = 5.0


def _period(year: int, half: int) -> Period:
    try:
        period = Period(int(year), int(half))
    except (TypeError, ValueError):
        raise DomainError(
            "半年应为 1（上半年）或 2（下半年）", code="invalid", field="half"
        ) from None
    if not 2000 <= period.year <= 2100:
        raise DomainError("年度不正确", code="invalid", field="year")
    return period


def _scope_region(region_code: str | None) -> Region | None:
    if not region_code:
        return None
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise DomainError(f"行政区划 {region_code} 不存在", code="not_found", field="region")
    return region


def scope_region_codes(region: Region | None) -> list[str] | None:
    """The codes a scope covers (the region and everything under it); ``None``
    for the whole city (every record, those without a region included)."""
    if region is None:
        return None
    return list(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))


def _lock_key(period: Period, region_code: str | None) -> int:
    text = f"stats:{period}:{region_code or 'city'}".encode()
    value = zlib.crc32(text)
    return value - 2**32 if value >= 2**31 else value


def _try_lock(key: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, key])
        return bool(cursor.fetchone()[0])


def _unlock(key: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, key])
    except Exception:  # the connection is gone, and the lock with it
        logger.warning("could not release the stats build lock", exc_info=True)


def _period_snapshots(period: Period, region: Region | None):
    return HalfYearSnapshot.objects.filter(year=period.year, half=period.half, scope_region=region)


class _Progress:
    """Progress writes that other sessions can see while the build's read
    transaction is open: through a connection of their own in autocommit.
    Inside an enclosing transaction (a test case) nobody else could see the
    row anyway, so the build's own connection writes it."""

    def __init__(self, snapshot_id: int, *, separate: bool):
        self.snapshot_id = snapshot_id
        self.table = HalfYearSnapshot._meta.db_table
        self.connection = connections.create_connection(DEFAULT_DB_ALIAS) if separate else None

    def set(self, percent: int) -> None:
        sql = f'UPDATE "{self.table}" SET progress = %s, updated_at = now() WHERE id = %s'
        target = self.connection or connection
        with target.cursor() as cursor:
            cursor.execute(sql, [percent, self.snapshot_id])

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _compute(snapshot: HalfYearSnapshot, period: Period, codes: list[str] | None, progress):
    """Write every metric's cells in one consistent reading; answers ``as_of``."""
    table = SnapshotCell._meta.db_table
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                # Must be the first statement of the transaction.
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT now()")
            as_of = cursor.fetchone()[0]
        done = 0
        for group in metric_groups():
            insert_cells(group, period, codes, table=table, snapshot_id=snapshot.pk)
            done += len(group)
            progress.set(int(95 * done / len(METRICS)))
        _complete_counties(snapshot, codes, table)
    return as_of


def _complete_counties(snapshot: HalfYearSnapshot, codes: list[str] | None, table: str) -> None:
    """Every county of the scope gets a cell for every metric: zero (an
    average: none) where it had nothing in either period, so a county's
    bulletin, table and chart read like the city's rather than leaving out
    what happened not to occur there."""
    keys = [metric.key for metric in METRICS]
    averages = [metric.kind == "avg" for metric in METRICS]
    region_table = Region._meta.db_table
    in_scope = "" if codes is None else "AND r.code = ANY(%(codes)s)"
    sql = f"""
        INSERT INTO "{table}" (snapshot_id, metric, region, value, previous,
            record_ids, previous_record_ids, record_count, previous_record_count)
        SELECT %(snapshot)s, m.key, r.code,
               CASE WHEN m.average THEN NULL ELSE 0 END,
               CASE WHEN m.average THEN NULL ELSE 0 END, '{{}}', '{{}}', 0, 0
          FROM unnest(%(keys)s::text[], %(averages)s::boolean[]) AS m(key, average)
         CROSS JOIN "{region_table}" r
         WHERE r.level = %(county)s {in_scope}
           AND NOT EXISTS (SELECT 1 FROM "{table}" c WHERE c.snapshot_id = %(snapshot)s
                             AND c.metric = m.key AND c.region = r.code)
    """
    params = {
        "snapshot": snapshot.pk,
        "keys": keys,
        "averages": averages,
        "county": RegionLevel.COUNTY,
        "codes": list(codes or []),
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def build_half_year(
    *, year: int, half: int, region_code: str | None = None, actor=None
) -> HalfYearSnapshot:
    """Build (or rebuild) the snapshot of a half-year for the whole city or one
    region and make it current. Answers the new snapshot, or, when another
    build of the same period and scope is running, that build's snapshot."""
    period = _period(year, half)
    region = _scope_region(region_code)
    key = _lock_key(period, region.code if region else None)
    if not _try_lock(key):
        return _in_progress(period, region)
    try:
        return _build_locked(period, region, actor)
    finally:
        _unlock(key)


def _in_progress(period: Period, region: Region | None) -> HalfYearSnapshot:
    deadline = time.monotonic() + _IN_PROGRESS_WAIT_SECONDS
    while True:
        running = (
            _period_snapshots(period, region)
            .filter(status__in=[SnapshotStatus.PENDING, SnapshotStatus.BUILDING])
            .order_by("-created_at")
            .first()
        )
        if running is not None:
            return running
        if time.monotonic() > deadline:
            raise ConflictError(f"{period} 的统计正在生成，请稍后再试", code="build_running")
        time.sleep(0.05)


def _build_locked(period: Period, region: Region | None, actor) -> HalfYearSnapshot:
    # Nobody else holds the lock: any row still pending or building belongs to
    # a request not yet served or to a build whose worker died. The newest is
    # taken over (its URL may have been handed out), the others removed.
    unfinished = _period_snapshots(period, region).filter(
        status__in=[SnapshotStatus.PENDING, SnapshotStatus.BUILDING]
    )
    snapshot = unfinished.order_by("-created_at").first()
    if snapshot is None:
        snapshot = HalfYearSnapshot(year=period.year, half=period.half, scope_region=region)
    else:
        unfinished.exclude(pk=snapshot.pk).delete()
    snapshot.status = SnapshotStatus.BUILDING
    snapshot.progress = 0
    snapshot.error = ""
    snapshot.definition_version = DEFINITION_VERSION
    if actor is not None and getattr(actor, "is_authenticated", False):
        snapshot.built_by = actor
    snapshot.save()

    # Cells of a taken-over row, written before its worker died.
    SnapshotCell.objects.filter(snapshot=snapshot).delete()

    codes = scope_region_codes(region)
    progress = _Progress(snapshot.pk, separate=not connection.in_atomic_block)
    try:
        as_of = _compute(snapshot, period, codes, progress)
        with transaction.atomic():
            _period_snapshots(period, region).filter(is_current=True).update(
                is_current=False, updated_at=timezone.now()
            )
            snapshot.status = SnapshotStatus.READY
            snapshot.progress = 100
            snapshot.as_of = as_of
            snapshot.is_current = True
            snapshot.save(update_fields=["status", "progress", "as_of", "is_current", "updated_at"])
            _prune(period, region, keep=snapshot)
    except Exception as exc:
        _period_snapshots(period, region).filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED, error=str(exc)[:2000], updated_at=timezone.now()
        )
        snapshot.status = SnapshotStatus.FAILED
        raise
    finally:
        progress.close()
    return snapshot


def _prune(period: Period, region: Region | None, *, keep: HalfYearSnapshot) -> None:
    """Keep the new snapshot and the one it replaced (for the diff); drop the
    older replaced and failed ones of the period."""
    replaced = (
        _period_snapshots(period, region)
        .filter(status=SnapshotStatus.READY, is_current=False)
        .order_by("-created_at")
        .values_list("pk", flat=True)
    )
    keep_ids = [keep.pk, *list(replaced[:1])]
    _period_snapshots(period, region).filter(
        status__in=[SnapshotStatus.READY, SnapshotStatus.FAILED]
    ).exclude(pk__in=keep_ids).delete()


def snapshot_request(
    *, year: int, half: int, region_code: str | None = None, actor=None
) -> HalfYearSnapshot:
    """Record a requested build (status pending) and queue it for a worker once
    the transaction commits. A county user (``actor`` with a region scope)
    builds their own regions only. Raises DependencyUnavailable when the
    broker is down, before anything is written."""
    from stats.tasks import enqueue_build

    period = _period(year, half)
    region = _scope_region(region_code)
    if actor is not None:
        codes = visible_region_codes(actor)
        if codes is not None and (region is None or region.code not in codes):
            raise Forbidden("县级用户只能生成本辖区的统计", code="outside_scope", field="region")
    check_broker()
    with transaction.atomic():
        snapshot = (
            _period_snapshots(period, region)
            .filter(status__in=[SnapshotStatus.PENDING, SnapshotStatus.BUILDING])
            .order_by("-created_at")
            .first()
        )
        if snapshot is None:
            snapshot = HalfYearSnapshot.objects.create(
                year=period.year,
                half=period.half,
                scope_region=region,
                status=SnapshotStatus.PENDING,
                definition_version=DEFINITION_VERSION,
                built_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
        code = region.code if region else None
        transaction.on_commit(lambda: enqueue_build(period.year, period.half, code))
    return snapshot


def check_broker() -> None:
    from ecoenforce.errors import DependencyUnavailable
    from ecoenforce.health import broker_status

    if broker_status() == "down":
        raise DependencyUnavailable(
            "任务队列（Redis）暂时不可用，统计未能开始生成，请稍后重试", code="broker_unavailable"
        )


# How many ids of each list of a change the diff names; the counts are whole.
DIFF_ID_LIMIT = 1000

_DIFF_SQL = """
WITH new AS (SELECT * FROM {cells} WHERE snapshot_id = %(new)s AND {region}),
     old AS (SELECT * FROM {cells} WHERE snapshot_id = %(old)s AND {region}),
     pairs AS (
       SELECT COALESCE(new.metric, old.metric) AS metric,
              COALESCE(new.region, old.region) AS region,
              old.value AS value_before, new.value AS value_after,
              old.previous AS previous_before, new.previous AS previous_after,
              COALESCE(new.record_ids, '{{}}') AS ids_after,
              COALESCE(old.record_ids, '{{}}') AS ids_before,
              COALESCE(new.previous_record_ids, '{{}}') AS previous_ids_after,
              COALESCE(old.previous_record_ids, '{{}}') AS previous_ids_before
         FROM new FULL JOIN old ON new.metric = old.metric AND new.region = old.region
        WHERE old.value IS DISTINCT FROM new.value
           OR old.previous IS DISTINCT FROM new.previous
           OR old.record_ids IS DISTINCT FROM new.record_ids
           OR old.previous_record_ids IS DISTINCT FROM new.previous_record_ids
     )
SELECT metric, region, value_before, value_after, previous_before, previous_after,
       entered[1:%(limit)s], cardinality(entered),
       "left"[1:%(limit)s], cardinality("left"),
       previous_entered[1:%(limit)s], cardinality(previous_entered),
       previous_left[1:%(limit)s], cardinality(previous_left)
  FROM pairs, LATERAL (SELECT
       ARRAY(SELECT unnest(ids_after) EXCEPT SELECT unnest(ids_before) ORDER BY 1) AS entered,
       ARRAY(SELECT unnest(ids_before) EXCEPT SELECT unnest(ids_after) ORDER BY 1) AS "left",
       ARRAY(SELECT unnest(previous_ids_after) EXCEPT SELECT unnest(previous_ids_before)
             ORDER BY 1) AS previous_entered,
       ARRAY(SELECT unnest(previous_ids_before) EXCEPT SELECT unnest(previous_ids_after)
             ORDER BY 1) AS previous_left) AS d
"""

_DIFF_VALUES = (
    "metric",
    "region",
    "value_before",
    "value_after",
    "previous_before",
    "previous_after",
)
_DIFF_LISTS = ("entered", "left", "previous_entered", "previous_left")


def snapshot_diff(
    old: HalfYearSnapshot, new: HalfYearSnapshot, *, region: str | None = None
) -> list[dict]:
    """What changed between two snapshots of a period, cell by cell: the
    values and the record ids that entered or left, for the period and for the
    same period a year earlier (at most ``DIFF_ID_LIMIT`` ids of each list,
    with the whole count beside it). Cells without a difference are left out;
    ``region`` ('' for the scope's total) keeps only that region's cells.

    One statement: the id lists are compared inside the database."""
    params = {"new": new.pk, "old": old.pk, "limit": DIFF_ID_LIMIT}
    where = "TRUE"
    if region is not None:
        where, params["region"] = "region = %(region)s", region
    sql = _DIFF_SQL.format(cells=f'"{SnapshotCell._meta.db_table}"', region=where)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    order = {metric.key: index for index, metric in enumerate(METRICS)}
    changes = []
    for row in sorted(rows, key=lambda r: (order.get(r[0], 999), r[1])):
        entry = dict(zip(_DIFF_VALUES, row[:6], strict=True))
        for index, name in enumerate(_DIFF_LISTS):
            entry[name] = row[6 + 2 * index] or []
            entry[f"{name}_count"] = row[7 + 2 * index] or 0
        changes.append(entry)
    return changes
