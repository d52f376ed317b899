"""The managers' dashboard (统计看板): the half-year snapshot at a glance.

KPI cards with last year's value and the change, charts (monthly trend, by
region, by violation category, the non-site funnel) and consistency tables.
Every number links to the records behind it: the cell's ids as an admin
changelist filtered by ``?id__in=``, or, for a cell with more ids than a URL
carries comfortably, the dashboard's own paginated list of the cell.

Colours follow the convention of Chinese statistical reporting (红涨绿跌):
an increase is ▲ in red, a decrease ▼ in green, whatever the metric; the
colour says which way a number moved, not whether that is good.

Access: managers, approvers and administrators (and superusers); a county
manager sees only the regions of their scope (accounts.selectors).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BigIntegerField, Case, F, Value, When
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Region
from accounts.roles import STATS_BUILDER_ROLES
from accounts.selectors import region_visible, user_roles, visible_region_codes
from ecoenforce.errors import DomainError, Forbidden
from stats import dashboard_selectors as selectors
from stats import selectors as cell_selectors
from stats.bulletin import PERIOD_WORDS, bulletin_text, format_change, format_value
from stats.metrics import Period, change_of, get_metric
from stats.models import HalfYearSnapshot, SnapshotStatus

HEADLINE_METRICS = [
    "penalty_cases",
    "penalty_amount",
    "cases_filed",
    "inspections",
    "offsite_records",
    "enterprises_visited",
    "symposiums",
    "demands_resolved",
]
REGION_CHART_METRICS = ["penalty_cases", "inspections", "offsite_records"]

# Beyond this many ids a link goes to the paginated API list instead of a
# changelist URL of thousands of characters.
MAX_IDS_IN_URL = 200


def may_read_dashboard(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    # Managers, approvers and administrators (accounts/roles.py); read from the
    # user's cached permissions, so the sidebar's link costs no query.
    return user.has_perm("stats.read_dashboard")


def may_build(user) -> bool:
    if not may_read_dashboard(user):
        return False
    builders = {role.value for role in STATS_BUILDER_ROLES}
    return user.is_superuser or bool(user_roles(user) & builders)


def _require_reader(request) -> None:
    if not may_read_dashboard(request.user):
        raise PermissionDenied


def changelist_url(model_label: str, ids, **filters) -> str | None:
    """The admin changelist of a model, filtered to ``ids`` (or other lookups)."""
    app_label, model_name = model_label.lower().split(".")
    try:
        url = reverse(f"admin:{app_label}_{model_name}_changelist")
    except NoReverseMatch:
        return None
    query = dict(filters)
    if ids is not None:
        # An empty list still filters: "no records" rather than all of them.
        query["id__in"] = ",".join(str(pk) for pk in ids) or "0"
    return f"{url}?{urlencode(query)}" if query else url


def linked_cells(snapshot):
    """The snapshot's cells for display, without their id lists: the lists of
    small cells come along (``small_ids``, ``small_previous_ids``) for
    changelist links; a large cell links to the dashboard's records list
    (``dashboard_records``) and its ids stay in the database."""
    ids_type = ArrayField(BigIntegerField())

    def small(column: str, count: str):
        return Case(
            When(**{f"{count}__lte": MAX_IDS_IN_URL}, then=F(column)),
            default=Value(None, output_field=ids_type),
            output_field=ids_type,
        )

    return snapshot.cells.defer("record_ids", "previous_record_ids").annotate(
        small_ids=small("record_ids", "record_count"),
        small_previous_ids=small("previous_record_ids", "previous_record_count"),
    )


def cell_url(snapshot, cell, *, previous: bool = False) -> str | None:
    """The records behind a cell of ``linked_cells``: an admin changelist of
    its ids, or, for a cell with more ids than a URL carries comfortably, the
    dashboard's paginated list of the cell (``dashboard_records``)."""
    metric = get_metric(cell.metric)
    if metric is None:
        return None
    ids = cell.small_previous_ids if previous else cell.small_ids
    if ids is None:
        # The region names the cell for the reader: a county snapshot's total
        # is its own region's number.
        region = cell.region or snapshot.scope_region_id
        query = {"region": region} if region else {}
        if previous:
            query["previous"] = "1"
        base = reverse(
            "stats-dashboard-records", kwargs={"period": snapshot.period, "metric": cell.metric}
        )
        return f"{base}?{urlencode(query)}" if query else base
    return changelist_url(metric.record_model or metric.model, ids)


def _arrow(value, previous) -> tuple[str, str]:
    change, _ = change_of(value, previous)
    if change is None or change == 0:
        return "—", "flat"
    return ("▲", "up") if change > 0 else ("▼", "down")


def _card(snapshot, cell) -> dict:
    metric = get_metric(cell.metric)
    unit = metric.unit if metric else ""
    arrow, direction = _arrow(cell.value, cell.previous)
    return {
        "key": cell.metric,
        "label": metric.label if metric else cell.metric,
        "value": format_value(cell.value, unit) if cell.value is not None else "—",
        "previous": format_value(cell.previous, unit) if cell.previous is not None else "—",
        "change": format_change(cell.value, cell.previous, unit)
        if cell.value is not None and cell.previous is not None
        else "",
        "arrow": arrow,
        "direction": direction,
        "url": cell_url(snapshot, cell),
        "previous_url": cell_url(snapshot, cell, previous=True),
    }


def _period_choices(today: dt.date) -> list[Period]:
    current = Period.containing(today)
    periods = [current]
    for _ in range(7):
        periods.append(periods[-1].preceding)
    return periods


def _selected(request, user) -> tuple[Period, str | None, list[Region]]:
    """The period and region asked for, within the user's scope."""
    codes = visible_region_codes(user)
    regions = Region.objects.filter(level="county").order_by("code")
    if codes is not None:
        regions = regions.filter(code__in=codes)
    regions = list(regions)
    today = timezone.localdate()
    default = Period.containing(today).preceding
    try:
        period = Period(
            int(request.GET.get("year", default.year)), int(request.GET.get("half", default.half))
        )
    except ValueError as exc:
        raise Http404 from exc
    region = request.GET.get("region") or None
    if region and not region_visible(user, region):
        raise Http404
    if region is None and codes is not None:
        if not regions:
            raise PermissionDenied
        region = regions[0].code
    return period, region, regions


def _scope_code(user, region: str | None) -> str | None:
    """The scope a build covers: the city for city staff (its cells carry every
    region), the county for a county user."""
    return None if visible_region_codes(user) is None else region


@staff_member_required
@require_GET
def dashboard(request):
    _require_reader(request)
    user = request.user
    period, region, regions = _selected(request, user)
    codes = [region] if region else visible_region_codes(user)
    region_filter = "" if codes is None else region

    context = {
        **admin.site.each_context(request),
        "title": "统计看板",
        "period": period,
        "periods": _period_choices(timezone.localdate()),
        "region": region,
        "regions": regions,
        "city_wide": visible_region_codes(user) is None,
        "may_build": may_build(user),
        "running": selectors.running_build(
            year=period.year, half=period.half, region_code=_scope_code(user, region)
        ),
        "snapshot": None,
    }
    try:
        snapshot, _ = selectors.readable_snapshot(
            user, year=period.year, half=period.half, region_code=region
        )
    except Http404:
        snapshot = None
    if snapshot is None:
        return TemplateResponse(request, "stats/dashboard.html", context)

    # A county snapshot's own total is ''; the city's row for a county is its code.
    cell_region = "" if snapshot.scope_region_id else (region or "")
    cells = {
        (cell.metric, cell.region): cell
        for cell in linked_cells(snapshot)
        if codes is None or cell.region in codes or cell.region == cell_region
    }
    cards = [
        _card(snapshot, cells[(key, cell_region)])
        for key in HEADLINE_METRICS
        if (key, cell_region) in cells
    ]
    context.update(
        snapshot=snapshot,
        cards=cards,
        bulletin=bulletin_text(snapshot, region_code=cell_region or None),
        export_url=_export_url(period, region),
        charts=_charts(snapshot, cells, period, codes, region_filter, cell_region),
        fine_spread=_fine_spread(snapshot, cell_region, period),
        conversion=_linked_counts(
            selectors.offsite_conversion(snapshot, cell_region, limit=MAX_IDS_IN_URL),
            "cases.OffsiteRecord",
            _conversion_filters(period, region_filter),
        ),
        recurrence=_linked_counts(
            selectors.recurrence_after_assistance(year=period.year, half=period.half, codes=codes),
            "companies.Enterprise",
        ),
    )
    return TemplateResponse(request, "stats/dashboard.html", context)


def _export_url(period: Period, region: str | None) -> str:
    url = reverse("v1:half-year-export", kwargs={"year": period.year, "half": period.half})
    return f"{url}?{urlencode({'region': region})}" if region else url


def records_url(model_label: str, ids, **filters) -> str | None:
    """The admin list of ``ids`` when they fit in a URL; else the admin list
    filtered to the same definition (``filters``: the same lookups the
    selector used), so a province-size number still opens its records."""
    if ids is not None and len(ids) <= MAX_IDS_IN_URL:
        return changelist_url(model_label, ids)
    if not filters:
        return None  # no list would hold exactly these records
    return changelist_url(model_label, None, **filters)


def _in_scope(filters: dict, region_filter: str) -> dict:
    return {**filters, "region__in": region_filter} if region_filter else filters


def _fine_spread(snapshot, cell_region: str, period: Period) -> list[dict]:
    start, end = selectors.half_bounds(period.year, period.half)
    rows = selectors.fine_spread(snapshot, cell_region, limit=MAX_IDS_IN_URL)
    for row in rows:
        filters = {
            "violation_type": row["code"],
            "region__in": row["region"],
            "decided_on__gte": start,
            "decided_on__lte": end,
        }
        row["url"] = records_url("cases.PenaltyCase", row["ids"], **filters)
    return rows


def _linked_counts(result: dict, model_label: str, filters: dict | None = None) -> dict:
    """Counts with the URL of their records; ``filters[key]`` says how to
    list them when there are too many ids for a URL."""
    for key, item in result.items():
        if isinstance(item, selectors.Counted):
            url = records_url(model_label, item.ids, **(filters or {}).get(key, {}))
            result[key] = {"value": item.value, "url": url}
    return result


def _conversion_filters(period: Period, region_filter: str) -> dict:
    """``offsite_conversion``'s definition as changelist lookups."""
    start, end = selectors.half_bounds(period.year, period.half)
    turned = _in_scope(
        {
            "status": "inspection_requested",
            "detected_on__gte": start,
            "detected_on__lte": end,
        },
        region_filter,
    )
    return {"turned": turned, "found": {**turned, "inspection_found": "yes"}}


def _charts(snapshot, cells, period: Period, codes, region_filter: str, cell_region: str) -> dict:
    """The data of the four charts, each point with the URL of its records."""
    names = dict(Region.objects.values_list("code", "name"))
    by_region = {"regions": [], "series": []}
    region_codes = sorted({r for (_, r) in cells if r and r != cell_region})
    by_region["regions"] = [names.get(code, code) for code in region_codes]
    for key in REGION_CHART_METRICS:
        metric = get_metric(key)
        points = []
        for code in region_codes:
            cell = cells.get((key, code))
            points.append(
                {
                    "value": int(cell.value or 0) if cell else 0,
                    "url": cell_url(snapshot, cell) if cell else None,
                }
            )
        by_region["series"].append({"name": metric.label if metric else key, "data": points})

    trend = selectors.monthly_trend(
        year=period.year, half=period.half, codes=codes, limit=MAX_IDS_IN_URL
    )
    trend_chart = {"months": [f"{m}月" for m in trend["penalty_cases"]["months"]], "series": []}
    labels = {"penalty_cases": "处罚案件", "inspections": "现场检查"}
    for key in selectors.TREND_METRICS:
        metric = get_metric(key)
        model_label, date_field = metric.get_record_model()._meta.label, metric.date_field
        for which, year in (("current", period.year), ("previous", period.year - 1)):
            data = []
            for month, counted in zip(trend[key]["months"], trend[key][which], strict=True):
                first, last = selectors.trend_month_range(year, month)
                filters = _in_scope(
                    {f"{date_field}__gte": first, f"{date_field}__lte": last}, region_filter
                )
                url = records_url(model_label, counted.ids, **filters)
                data.append({"value": counted.value, "url": url})
            trend_chart["series"].append({"name": f"{labels[key]}（{year}年）", "data": data})

    categories = selectors.cases_by_category(snapshot, cell_region, limit=MAX_IDS_IN_URL)
    start, end = selectors.half_bounds(period.year, period.half)
    category_chart = [
        {
            "name": row["label"],
            "value": row["value"],
            "url": records_url(
                "cases.PenaltyCase",
                row["ids"],
                **_in_scope(
                    {
                        "violation_category": row["category"],
                        "decided_on__gte": start,
                        "decided_on__lte": end,
                    },
                    region_filter,
                ),
            ),
        }
        for row in categories
    ]

    funnel = []
    for key in ("offsite_records", "offsite_closed_offsite", "offsite_to_onsite"):
        cell = cells.get((key, cell_region))
        if cell is None:
            continue
        metric = get_metric(key)
        funnel.append(
            {
                "name": metric.label if metric else key,
                "value": int(cell.value or 0),
                "url": cell_url(snapshot, cell),
            }
        )
    funnel.extend(
        _onsite_split(
            snapshot, cells.get(("offsite_to_onsite", cell_region)), period, region_filter
        )
    )
    return {
        "trend": trend_chart,
        "by_region": by_region,
        "categories": category_chart,
        "funnel": funnel,
    }


def _onsite_split(snapshot, cell, period: Period, region_filter: str) -> list[dict]:
    """The "turned on-site" stage split into inspections and cases, from the
    cell's own records (so the two add up to the cell), counted in the
    database. A part with few records links to them by id; a larger one to
    the changelist filtered as the metric is (status, detection date, regions)."""
    if cell is None:
        return []
    from cases.choices import OffsiteStatus

    counts = selectors.cell_records_by_status(
        snapshot, cell.metric, cell.region, limit=MAX_IDS_IN_URL
    )
    parts = []
    for status in (OffsiteStatus.INSPECTION_REQUESTED, OffsiteStatus.CASE_OPENED):
        counted = counts.get(status, selectors.Counted())
        filters = {
            "status": status,
            "detected_on__gte": period.start,
            "detected_on__lt": period.end,
        }
        url = records_url("cases.OffsiteRecord", counted.ids, **_in_scope(filters, region_filter))
        parts.append({"name": status.label, "value": counted.value, "url": url})
    return parts


@staff_member_required
@require_POST
def dashboard_build(request):
    """重新生成: queue a build of the selected period through the same service
    the API uses (stats.services.snapshot_request → the Celery task)."""
    if not may_build(request.user):
        raise PermissionDenied
    from stats.services import snapshot_request

    user = request.user
    try:
        period = Period(int(request.POST["year"]), int(request.POST["half"]))
    except (KeyError, ValueError) as exc:
        raise Http404 from exc
    region = request.POST.get("region") or None
    if region and not region_visible(user, region):
        raise Http404
    try:
        snapshot = snapshot_request(
            year=period.year, half=period.half, region_code=_scope_code(user, region), actor=user
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from exc
    query = {"year": period.year, "half": period.half, "build": snapshot.pk}
    if region:
        query["region"] = region
    return redirect(f"{reverse('stats-dashboard')}?{urlencode(query)}")


@staff_member_required
@require_GET
def dashboard_progress(request, pk: int):
    """The build's status and progress as JSON, for the progress bar."""
    _require_reader(request)
    snapshot = get_object_or_404(HalfYearSnapshot, pk=pk)
    scope = snapshot.scope_region_id
    if visible_region_codes(request.user) is not None and (
        scope is None or not region_visible(request.user, scope)
    ):
        raise Http404
    return JsonResponse(
        {
            "id": snapshot.pk,
            "period": snapshot.period,
            "region": scope,
            "status": snapshot.status,
            "status_label": snapshot.get_status_display(),
            "progress": snapshot.progress,
            "done": snapshot.status in (SnapshotStatus.READY, SnapshotStatus.FAILED),
            "error": snapshot.error,
        }
    )


RECORDS_PER_PAGE = 50

# The columns of the records list per record model, after 编号/日期/企业/区划:
# (heading, key of stats.selectors.record_row).
RECORD_COLUMNS = {
    "cases.PenaltyCase": [("立案日期", "filed_on"), ("罚款（元）", "amount"), ("状态", "status")],
    "cases.Inspection": [("检查事由", "trigger"), ("状态", "status")],
    "cases.OffsiteRecord": [("监测指标", "indicator"), ("状态", "status")],
    "companies.Visit": [("走访方式", "kind")],
    "companies.Symposium": [("主题", "topic")],
    "companies.Demand": [("解决日期", "resolved_on"), ("状态", "status")],
    "cases.Feedback": [("类型", "kind"), ("评分", "rating")],
}


@staff_member_required
@require_GET
def dashboard_records(request, period: str, metric: str):
    """The records behind one number of a snapshot, 50 a page: the page a
    dashboard number links to when it stands for more records than a URL
    can list. The same selectors and scope as the API's ``cells/`` list."""
    _require_reader(request)
    definition, parsed = get_metric(metric), Period.parse(period)
    if definition is None or parsed is None:
        raise Http404
    try:
        view = cell_selectors.snapshot_view(
            user=request.user, period=parsed, region=request.GET.get("region") or None
        )
    except (cell_selectors.NotVisible, DomainError) as exc:
        raise Http404 from exc
    if view.current is None:
        raise Http404
    previous = request.GET.get("previous") in ("1", "true")
    ids = cell_selectors.CellIds(
        view.current, metric=metric, region=view.cell_region, previous=previous
    )
    page = Paginator(ids, RECORDS_PER_PAGE).get_page(request.GET.get("page"))
    model = definition.get_record_model()
    records = cell_selectors.cell_records(
        user=request.user, metric=definition, ids=list(page.object_list)
    )
    columns = RECORD_COLUMNS.get(model._meta.label, [])
    records = list(records)
    names = dict(
        Region.objects.filter(code__in={r.region_id for r in records}).values_list("code", "name")
    )
    rows = []
    for record in records:
        row = cell_selectors.record_row(record)
        rows.append(
            {
                "row": row,
                "region_name": names.get(row["region"], row["region"]),
                "label": row.get("number")
                or getattr(record, "external_id", None)
                or f"#{record.pk}",
                "url": _change_url(model, record.pk),
                "extra": [_display(record, row, key) for _, key in columns],
            }
        )
    region_name = (
        Region.objects.filter(code=view.region).values_list("name", flat=True).first()
        if view.region
        else "全市"
    )
    query = {key: value for key, value in request.GET.items() if key != "page"}
    year = parsed.year - 1 if previous else parsed.year
    context = {
        **admin.site.each_context(request),
        "title": f"{definition.label}：{region_name}，{year}年{PERIOD_WORDS[parsed.half]}",
        "metric": definition,
        "snapshot": view.current,
        "previous": previous,
        "page": page,
        "rows": rows,
        "columns": [heading for heading, _ in columns],
        "page_query": urlencode(query),
        "dashboard_url": f"{reverse('stats-dashboard')}?"
        + urlencode(
            {
                "year": parsed.year,
                "half": parsed.half,
                **({"region": view.region} if view.region else {}),
            }
        ),
    }
    return TemplateResponse(request, "stats/records.html", context)


def _change_url(model, pk: int) -> str | None:
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[pk])
    except NoReverseMatch:
        return None


def _display(record, row: dict, key: str):
    """A column's value as a person reads it: a choice's label, not its code."""
    getter = getattr(record, f"get_{key}_display", None)
    if callable(getter):
        return getter()
    value = row.get(key)
    return "—" if value in (None, "") else value
