"""Filters of the inspection list, shared by the API and exports."""

from __future__ import annotations

import django_filters

from cases.choices import InspectionOutcome, InspectionStatus, InspectionTrigger
from cases.models import Inspection
from companies.filters import filter_region_subtree
from ecoenforce.api import BaseFilterSet


class InspectionFilter(BaseFilterSet):
    status = django_filters.MultipleChoiceFilter(choices=InspectionStatus.choices)
    trigger = django_filters.MultipleChoiceFilter(choices=InspectionTrigger.choices)
    outcome = django_filters.ChoiceFilter(choices=InspectionOutcome.choices)
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 id")
    plan = django_filters.NumberFilter(field_name="plan_id", label="执法计划 id")
    officer = django_filters.NumberFilter(method="filter_officer", label="检查人员 id")
    emergency = django_filters.BooleanFilter(label="紧急检查")
    inspected_after = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="gte", label="检查日期不早于"
    )
    inspected_before = django_filters.DateFilter(
        field_name="inspected_on", lookup_expr="lte", label="检查日期不晚于"
    )

    class Meta:
        model = Inspection
        fields: list[str] = []

    def filter_officer(self, queryset, name, value):
        # A subquery rather than a join: no duplicate rows, no DISTINCT.
        through = Inspection.officers.through.objects.filter(officer_id=value)
        return queryset.filter(pk__in=through.values("inspection_id"))
