"""Filters of the case list, shared by the API and exports."""

from __future__ import annotations

import django_filters

from cases.choices import CaseSource, CaseStatus, ViolationCategory
from cases.models import PenaltyCase
from companies.filters import filter_region_subtree
from ecoenforce.api import BaseFilterSet


class PenaltyCaseFilter(BaseFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=CaseStatus.choices)
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    source = django_filters.ChoiceFilter(choices=CaseSource.choices)
    violation_category = django_filters.ChoiceFilter(
        choices=ViolationCategory.choices,
        field_name="violations__violation_type__category",
        distinct=True,
        label="违法行为类别",
    )
    violation_type = django_filters.CharFilter(
        field_name="violations__violation_type__code", distinct=True, label="违法行为类型编码"
    )
    officer = django_filters.NumberFilter(field_name="officers__id", label="承办人员 id")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")
    overdue = django_filters.BooleanFilter(label="已超期")
    due_soon = django_filters.BooleanFilter(label="即将到期（3 日内）")
    decided_after = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="gte", label="决定日期不早于"
    )
    decided_before = django_filters.DateFilter(
        field_name="decided_on", lookup_expr="lte", label="决定日期不晚于"
    )
    discovered_after = django_filters.DateFilter(field_name="discovered_on", lookup_expr="gte")
    discovered_before = django_filters.DateFilter(field_name="discovered_on", lookup_expr="lte")
    number = django_filters.CharFilter(lookup_expr="icontains", label="案件编号")

    class Meta:
        model = PenaltyCase
        fields: list[str] = []
