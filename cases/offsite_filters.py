"""Filters of the non-site record list, shared by the API and the admin."""

from __future__ import annotations

import django_filters

from cases.choices import OffsiteSource, OffsiteStatus
from cases.models import OffsiteRecord
from companies.filters import filter_region_subtree
from ecoenforce.api import BaseFilterSet


class OffsiteRecordFilter(BaseFilterSet):
    source = django_filters.MultipleChoiceFilter(choices=OffsiteSource.choices, label="来源")
    status = django_filters.MultipleChoiceFilter(choices=OffsiteStatus.choices, label="处置状态")
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 id")
    detected_after = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="gte", label="发现日期不早于"
    )
    detected_before = django_filters.DateFilter(
        field_name="detected_on", lookup_expr="lte", label="发现日期不晚于"
    )
    indicator = django_filters.CharFilter(label="监测指标")
    external_id = django_filters.CharFilter(label="平台记录号")

    class Meta:
        model = OffsiteRecord
        fields: list[str] = []
