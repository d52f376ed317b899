"""Filters of the inspection-plan list (API and admin)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists

from accounts.models import Region
from cases.choices import PlanStatus
from cases.models import InspectionPlan
from cases.plan_selectors import plans_overlapping
from ecoenforce.api import BaseFilterSet


def filter_plan_region(queryset, name, value):
    """Plans concerning a region: one of its regions is that region, lies under
    it, or contains it (a city-wide plan concerns each county)."""
    region = Region.objects.filter(code=value).only("path").first()
    if region is None:
        return queryset.none()
    subtree = Region.objects.filter(path__startswith=region.path).values("code")
    return queryset.filter(Exists(plans_overlapping(subtree)))


class InspectionPlanFilter(BaseFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=PlanStatus.choices, label="状态")
    region = django_filters.CharFilter(method=filter_plan_region, label="行政区划代码（含上下级）")
    period_from = django_filters.DateFilter(
        field_name="period_end", lookup_expr="gte", label="计划期限不早于（截止日期 ≥）"
    )
    period_to = django_filters.DateFilter(
        field_name="period_start", lookup_expr="lte", label="计划期限不晚于（起始日期 ≤）"
    )
    # The bounds of a calendar year: a year outside them cannot become a date range.
    year = django_filters.NumberFilter(
        field_name="period_start__year", min_value=1, max_value=9999, label="起始年度"
    )
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label="计划名称")

    class Meta:
        model = InspectionPlan
        fields: list[str] = []
