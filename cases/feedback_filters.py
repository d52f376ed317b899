"""Filters of the feedback list, shared by the API and the admin."""

from __future__ import annotations

import django_filters

from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.models import Feedback
from companies.filters import filter_region_subtree
from ecoenforce.api import BaseFilterSet


class FeedbackFilter(BaseFilterSet):
    kind = django_filters.ChoiceFilter(choices=FeedbackKind.choices, label="类型")
    status = django_filters.MultipleChoiceFilter(
        choices=ComplaintStatus.choices, label="投诉办理状态"
    )
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 id")
    visit = django_filters.NumberFilter(field_name="visit_id", label="走访 id")
    inspection = django_filters.NumberFilter(field_name="inspection_id", label="现场检查 id")
    submitted_after = django_filters.DateFilter(
        field_name="submitted_on", lookup_expr="gte", label="提交日期不早于"
    )
    submitted_before = django_filters.DateFilter(
        field_name="submitted_on", lookup_expr="lte", label="提交日期不晚于"
    )

    class Meta:
        model = Feedback
        fields: list[str] = []
