"""The metric registry: the one definition of every half-year number.

Each metric says which records it reads, which date places a record in a
period, what it counts or sums, and which region a record belongs to. The
snapshot job (``stats.services``), the API, the dashboard and the exports all
read numbers through this module; nothing else counts.

``compile_group`` turns the metrics that read the same rows (``metric_groups``)
into one SQL statement for a period and the same period a year earlier: the
ORM writes the inner selection (filters, joins, scope, a flag per metric
filter), and an outer query aggregates it with ``FILTER`` per period and
metric, ``GROUP BY ROLLUP(region)`` for the regions and their total, and
``array_agg`` for the ids of the records behind every number. No Python loop
over rows. ``compile_metric`` is the statement of one metric alone.

Change ``DEFINITION_VERSION`` whenever a definition changes: snapshots record
the version they were built with, so numbers built under different
definitions are never compared silently.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

from django.apps import apps
from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q

from cases.choices import (
    CaseStatus,
    InspectionStatus,
    InspectionTrigger,
    MeasureKind,
    OffsiteStatus,
)
from cases.feedback_choices import FeedbackKind
from companies.choices import DemandStatus

DEFINITION_VERSION = 1

UNITS = frozenset({"件", "元", "家", "个", "次", "分", "份"})
KINDS = frozenset({"count", "count_distinct", "sum", "avg"})


@dataclass(frozen=True)
class Metric:
    """One half-year metric.

    ``kind`` is ``count`` (records), ``count_distinct`` (distinct values of
    ``field``), ``sum`` or ``avg`` (of ``field``). ``record_field`` is the id
    stored in a cell for "the records behind the number" and ``record_model``
    the model those ids point to (a special measure's case, a policy card's
    visit). ``additive``: the regions' values add up to the whole city's.
    """

    key: str
    label: str
    unit: str
    model: str
    date_field: str
    kind: str
    description: str
    field: str | None = None
    filter: Q = dataclasses.field(default_factory=Q)
    region_field: str = "region"
    record_field: str = "pk"
    record_model: str | None = None
    additive: bool = True

    def __post_init__(self):
        if self.unit not in UNITS:
            raise ValueError(f"{self.key}: unknown unit {self.unit}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.key}: unknown kind {self.kind}")
        if self.kind != "count" and not self.field:
            raise ValueError(f"{self.key}: {self.kind} needs a field")

    def get_model(self):
        return apps.get_model(self.model)

    def get_record_model(self):
        return apps.get_model(self.record_model or self.model)


_DECIDED_PENALTY = (
    Q(decided_on__isnull=False)
    & ~Q(status__in=[CaseStatus.NO_PENALTY, CaseStatus.NOT_FILED, CaseStatus.TRANSFERRED])
    & (Q(fine_amount__gt=0) | ~Q(other_penalties=""))
)
_COMPLETED = Q(status=InspectionStatus.COMPLETED)


def _measure(key: str, kind: MeasureKind, label: str) -> Metric:
    return Metric(
        key=key,
        label=label,
        unit="件",
        model="cases.SpecialMeasure",
        date_field="on",
        kind="count_distinct",
        field="case_id",
        filter=Q(kind=kind),
        region_field="case__region",
        record_field="case_id",
        record_model="cases.PenaltyCase",
        description=f"有{kind.label}措施、其决定或移送日期在期内的案件（同一案件多次计一件）",
    )


METRICS: tuple[Metric, ...] = (
    Metric(
        key="penalty_cases",
        label="环境违法处罚案件",
        unit="件",
        model="cases.PenaltyCase",
        date_field="decided_on",
        kind="count",
        filter=_DECIDED_PENALTY,
        description=(
            "处罚决定日期在期内、作出罚款（金额大于零）或其他处罚的案件；"
            "不予处罚、不予立案、已移送的不计"
        ),
    ),
    Metric(
        key="penalty_amount",
        label="处罚金额",
        unit="元",
        model="cases.PenaltyCase",
        date_field="decided_on",
        kind="sum",
        field="fine_amount",
        filter=_DECIDED_PENALTY,
        description="上述处罚案件决定的罚款金额之和（不含加处罚款）",
    ),
    Metric(
        key="cases_filed",
        label="立案",
        unit="件",
        model="cases.PenaltyCase",
        date_field="filed_on",
        kind="count",
        filter=Q(filed_on__isnull=False),
        description="立案日期在期内的案件",
    ),
    Metric(
        key="waived_cases",
        label="轻微违法免罚",
        unit="件",
        model="cases.PenaltyCase",
        date_field="decided_on",
        kind="count",
        filter=Q(status=CaseStatus.NO_PENALTY, decided_on__isnull=False),
        description="状态为不予处罚（轻微免罚、首违不罚等）、不予处罚决定日期在期内的案件",
    ),
    _measure("daily_penalty_cases", MeasureKind.DAILY_PENALTY, "按日连续处罚案件"),
    _measure("seal_seize_cases", MeasureKind.SEAL_SEIZE, "查封扣押案件"),
    _measure("production_restriction_cases", MeasureKind.PRODUCTION_RESTRICTION, "限产停产案件"),
    _measure("detention_transfers", MeasureKind.DETENTION_TRANSFER, "移送行政拘留案件"),
    _measure("crime_transfers", MeasureKind.CRIME_TRANSFER, "移送涉嫌环境犯罪案件"),
    Metric(
        key="inspections",
        label="现场检查",
        unit="次",
        model="cases.Inspection",
        date_field="inspected_on",
        kind="count",
        filter=_COMPLETED,
        description="检查日期在期内、已完成的现场检查",
    ),
    Metric(
        key="enterprises_inspected",
        label="检查企业",
        unit="家",
        model="cases.Inspection",
        date_field="inspected_on",
        kind="count_distinct",
        field="enterprise_id",
        filter=_COMPLETED,
        additive=False,
        description=(
            "期内已完成现场检查的不同企业数；单元记录为这些检查。"
            "企业迁区后可能在两个县各计一次，故各县之和可能大于全市"
        ),
    ),
    Metric(
        key="random_inspections",
        label="双随机抽查",
        unit="次",
        model="cases.Inspection",
        date_field="inspected_on",
        kind="count",
        filter=_COMPLETED & Q(trigger=InspectionTrigger.RANDOM),
        description="检查事由为双随机抽查、检查日期在期内、已完成的现场检查",
    ),
    Metric(
        key="offsite_records",
        label="非现场执法记录",
        unit="件",
        model="cases.OffsiteRecord",
        date_field="detected_on",
        kind="count",
        description="发现日期在期内的非现场执法记录（任何状态）",
    ),
    Metric(
        key="offsite_closed_offsite",
        label="非现场办结",
        unit="件",
        model="cases.OffsiteRecord",
        date_field="detected_on",
        kind="count",
        filter=Q(status__in=[OffsiteStatus.DISMISSED, OffsiteStatus.RECTIFIED_ONLINE]),
        description="发现日期在期内、经核查排除或线上整改（未到现场）的记录",
    ),
    Metric(
        key="offsite_to_onsite",
        label="转现场检查或立案",
        unit="件",
        model="cases.OffsiteRecord",
        date_field="detected_on",
        kind="count",
        filter=Q(status__in=[OffsiteStatus.INSPECTION_REQUESTED, OffsiteStatus.CASE_OPENED]),
        description="发现日期在期内、转现场检查或转立案查处的记录",
    ),
    Metric(
        key="enterprises_visited",
        label="走访企业",
        unit="家",
        model="companies.Visit",
        date_field="visited_on",
        kind="count_distinct",
        field="enterprise_id",
        additive=False,
        description="走访日期在期内的不同企业数；单元记录为这些走访",
    ),
    Metric(
        key="visits",
        label="走访",
        unit="次",
        model="companies.Visit",
        date_field="visited_on",
        kind="count",
        description="走访日期在期内的走访",
    ),
    Metric(
        key="policy_cards",
        label="发放政策明白卡",
        unit="份",
        model="companies.VisitPolicyCard",
        date_field="visit__visited_on",
        kind="sum",
        field="quantity",
        region_field="visit__region",
        record_field="visit_id",
        record_model="companies.Visit",
        description="走访日期在期内的走访发放的政策明白卡份数之和；单元记录为这些走访",
    ),
    Metric(
        key="symposiums",
        label="政企座谈会",
        unit="次",
        model="companies.Symposium",
        date_field="held_on",
        kind="count",
        additive=False,
        description="召开日期在期内的座谈会；全市性座谈会（未填县区）只计入全市，不计入任何县区",
    ),
    Metric(
        key="demands_raised",
        label="收集诉求",
        unit="个",
        model="companies.Demand",
        date_field="raised_on",
        kind="count",
        description="提出日期在期内的诉求",
    ),
    Metric(
        key="demands_resolved",
        label="解决诉求",
        unit="个",
        model="companies.Demand",
        date_field="resolved_on",
        kind="count",
        filter=Q(status=DemandStatus.RESOLVED, resolved_on__isnull=False),
        description="状态为已解决、解决日期在期内的诉求",
    ),
    Metric(
        key="service_rating_avg",
        label="服务评价平均分",
        unit="分",
        model="cases.Feedback",
        date_field="submitted_on",
        kind="avg",
        field="rating",
        filter=Q(kind=FeedbackKind.RATING, rating__isnull=False),
        additive=False,
        description="提交日期在期内的服务评价评分（1–5）的平均值，保留两位小数；无评价时为空",
    ),
    Metric(
        key="complaints",
        label="监督投诉",
        unit="件",
        model="cases.Feedback",
        date_field="submitted_on",
        kind="count",
        filter=Q(kind=FeedbackKind.COMPLAINT),
        description="提交日期在期内的监督投诉",
    ),
)

REGISTRY: dict[str, Metric] = {metric.key: metric for metric in METRICS}
if len(REGISTRY) != len(METRICS):  # pragma: no cover - a duplicate key is a coding error
    raise RuntimeError("duplicate metric key")


def get_metric(key: str) -> Metric | None:
    return REGISTRY.get(key)


# --- Periods -------------------------------------------------------------------

_PERIOD_RE = re.compile(r"^(\d{4})-H([12])$")


@dataclass(frozen=True)
class Period:
    """A half-year: H1 is 1 January – 30 June, H2 1 July – 31 December."""

    year: int
    half: int

    def __post_init__(self):
        if self.half not in (1, 2):
            raise ValueError("half must be 1 or 2")

    @classmethod
    def parse(cls, text: str) -> Period | None:
        match = _PERIOD_RE.match(text or "")
        return cls(int(match.group(1)), int(match.group(2))) if match else None

    @classmethod
    def containing(cls, day: dt.date) -> Period:
        return cls(day.year, 1 if day.month <= 6 else 2)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> dt.date:
        """The first day after the period (exclusive bound)."""
        return dt.date(self.year, 7, 1) if self.half == 1 else dt.date(self.year + 1, 1, 1)

    @property
    def previous_year(self) -> Period:
        return Period(self.year - 1, self.half)

    @property
    def preceding(self) -> Period:
        return Period(self.year, 1) if self.half == 2 else Period(self.year - 1, 2)

    def __str__(self) -> str:
        return f"{self.year}-H{self.half}"


# --- Change -------------------------------------------------------------------


def change_of(
    value: Decimal | None, previous: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """``(change, change_pct)``: change = value − previous; change_pct is
    change / previous × 100 rounded half up to one decimal (the bulletin's
    "同比增长 40.3%"), ``None`` when previous is 0 or either value is missing."""
    if value is None or previous is None:
        return None, None
    change = value - previous
    if previous == 0:
        return change, None
    pct = (change * 100 / previous).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return change, pct


# --- SQL -------------------------------------------------------------------------


@dataclass(frozen=True)
class CellResult:
    """One row of a metric's query: region '' is the total of the scope."""

    region: str
    value: Decimal | None
    previous: Decimal | None
    record_ids: list[int]
    previous_record_ids: list[int]


def _aggregate(metric: Metric, condition: str, value: str) -> str:
    if metric.kind == "count":
        return f"count(*) FILTER (WHERE {condition})"
    if metric.kind == "count_distinct":
        return f"count(DISTINCT {value}) FILTER (WHERE {condition})"
    if metric.kind == "sum":
        return f"COALESCE(sum({value}) FILTER (WHERE {condition}), 0)"
    # avg: numeric round() rounds half away from zero, i.e. half up for ratings.
    return f"round(avg({value}) FILTER (WHERE {condition})::numeric, 2)"


def records_of(metric: Metric, start: dt.date, end: dt.date, region_codes: list[str] | None = None):
    """The rows a metric counts whose date lies in [start, end), within a
    scope (``None``: everything): the registry's definition as a queryset,
    for a view that cuts the period finer (the dashboard's months)."""
    date = metric.date_field
    queryset = (
        metric.get_model()
        ._default_manager.filter(metric.filter)
        .filter(**{f"{date}__gte": start, f"{date}__lt": end})
    )
    if region_codes is not None:
        queryset = queryset.filter(**{f"{metric.region_field}__in": list(region_codes)})
    return queryset


def _reads(metric: Metric) -> tuple:
    """What decides the rows a metric reads, besides its own filter."""
    return (metric.model, metric.date_field, metric.region_field, metric.record_field)


def metric_groups(metrics: tuple[Metric, ...] = METRICS) -> list[tuple[Metric, ...]]:
    """The metrics that read the same rows (one model, one date, one region,
    one record) go in one statement, so a table is scanned once for all of
    them: the three non-site metrics share one pass over the records."""
    groups: dict[tuple, list[Metric]] = {}
    for metric in metrics:
        groups.setdefault(_reads(metric), []).append(metric)
    return [tuple(group) for group in groups.values()]


def compile_group(
    metrics: tuple[Metric, ...], period: Period, region_codes: list[str] | None = None
) -> tuple[str, list]:
    """One SQL statement for metrics of one group (``metric_groups``)
    answering, per region and for the total (ROLLUP): region, is_total, and
    per metric *i* its value ``v<i>``, previous value ``p<i>``, record ids
    ``r<i>`` and previous record ids ``q<i>``.

    The ORM writes the inner selection (the rows any of the metrics reads,
    with a flag per metric filter); the outer query aggregates it with
    ``FILTER`` per period and metric. ``region_codes`` restricts the records
    to a scope (``None``: everything, including records without a region
    such as city-wide symposiums).
    """
    first = metrics[0]
    if any(_reads(metric) != _reads(first) for metric in metrics):
        raise ValueError("the metrics of one statement must read the same rows")
    model = first.get_model()
    before = period.previous_year
    date = first.date_field
    in_either = Q(**{f"{date}__gte": period.start, f"{date}__lt": period.end}) | Q(
        **{f"{date}__gte": before.start, f"{date}__lt": before.end}
    )
    queryset = model._default_manager.filter(in_either)
    if all(metric.filter for metric in metrics):
        # Only rows that some metric counts (a metric alone: its filter); in a
        # group each metric's own filter is also its flag column below.
        queryset = queryset.filter(reduce(operator.or_, (m.filter for m in metrics)))
    if region_codes is not None:
        queryset = queryset.filter(**{f"{first.region_field}__in": list(region_codes)})
    columns = {
        "stat_region": F(first.region_field),
        "stat_date": F(date),
        "stat_record": F(first.record_field),
    }
    for index, metric in enumerate(metrics):
        if metric.field:
            columns[f"stat_value_{index}"] = F(metric.field)
        if metric.filter and len(metrics) > 1:
            columns[f"stat_in_{index}"] = ExpressionWrapper(
                metric.filter, output_field=BooleanField()
            )
    inner_sql, inner_params = queryset.order_by().values(**columns).query.sql_with_params()
    # Each row of the inner query is one record of the model; only a record
    # that is not the row itself (a measure's case, a card's visit) can repeat.
    distinct = "" if first.record_field == "pk" else "DISTINCT "
    ids = f"array_agg({distinct}base.stat_record ORDER BY base.stat_record)"
    selects, params = [], []
    for index, metric in enumerate(metrics):
        # The same condition for both periods; the parameters say which.
        condition = "base.stat_date >= %s AND base.stat_date < %s"
        if f"stat_in_{index}" in columns:
            condition += f" AND base.stat_in_{index}"
        value = f"base.stat_value_{index}"
        selects += [
            f"{_aggregate(metric, condition, value)} AS v{index}",
            f"{_aggregate(metric, condition, value)} AS p{index}",
            f"{ids} FILTER (WHERE {condition}) AS r{index}",
            f"{ids} FILTER (WHERE {condition}) AS q{index}",
        ]
        params += [period.start, period.end, before.start, before.end] * 2
    sql = (
        "SELECT base.stat_region, GROUPING(base.stat_region) AS is_total, "
        f"{', '.join(selects)} "
        f"FROM ({inner_sql}) AS base GROUP BY ROLLUP(base.stat_region)"
    )
    return sql, [*params, *inner_params]


def compile_metric(
    metric: Metric, period: Period, region_codes: list[str] | None = None
) -> tuple[str, list]:
    """One metric's statement: a group of one (see ``compile_group``)."""
    return compile_group((metric,), period, region_codes)


def compile_cells_insert(
    metrics: tuple[Metric, ...],
    period: Period,
    region_codes: list[str] | None,
    *,
    table: str,
    snapshot_id: int,
) -> tuple[str, list]:
    """A group's statement as an ``INSERT … SELECT`` into the cells table
    ``table`` for snapshot ``snapshot_id``: the id lists go from the query
    straight into their cells without leaving the database. Per metric one
    row per region and one for the total (region ''); records without a
    region count in the total only. ROLLUP answers the total row even when
    nothing matched.
    """
    select_sql, params = compile_group(metrics, period, region_codes)
    rows = ", ".join(
        f"(%s, m.v{i}::numeric, m.p{i}::numeric, m.r{i}, m.q{i})" for i in range(len(metrics))
    )
    sql = (
        f'INSERT INTO "{table}" (snapshot_id, metric, region, value, previous, '
        "record_ids, previous_record_ids, record_count, previous_record_count) "
        "SELECT %s, c.metric, CASE WHEN m.is_total = 1 THEN '' ELSE m.stat_region END, "
        "c.value, c.previous, COALESCE(c.ids, '{}'), COALESCE(c.previous_ids, '{}'), "
        "COALESCE(cardinality(c.ids), 0), COALESCE(cardinality(c.previous_ids), 0) "
        f"FROM ({select_sql}) AS m "
        f"CROSS JOIN LATERAL (VALUES {rows}) AS c(metric, value, previous, ids, previous_ids) "
        "WHERE m.is_total = 1 OR m.stat_region IS NOT NULL"
    )
    keys = [metric.key for metric in metrics]
    # Placeholders in order of appearance: the snapshot, the query's, the VALUES' keys.
    return sql, [snapshot_id, *params, *keys]


def insert_cells(
    metrics: tuple[Metric, ...],
    period: Period,
    region_codes: list[str] | None,
    *,
    table: str,
    snapshot_id: int,
) -> int:
    """Run ``compile_cells_insert``; answers the number of cells written."""
    sql, params = compile_cells_insert(
        metrics, period, region_codes, table=table, snapshot_id=snapshot_id
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def run_metric(
    metric: Metric, period: Period, region_codes: list[str] | None = None
) -> list[CellResult]:
    """Run the metric's statement; the total row is always present (zero, or
    ``None`` for an average with nothing to average)."""
    sql, params = compile_metric(metric, period, region_codes)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    cells: list[CellResult] = []
    have_total = False
    for region, is_total, value, previous, ids, previous_ids in rows:
        if is_total:
            have_total = True
            region = ""
        elif region is None:
            # Records without a region (city-wide symposiums) count in the total only.
            continue
        cells.append(
            CellResult(region, _decimal(value), _decimal(previous), ids or [], previous_ids or [])
        )
    if not have_total:
        empty = None if metric.kind == "avg" else Decimal(0)
        cells.append(CellResult("", empty, empty, [], []))
    return cells
