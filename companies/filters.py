from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.models import Region
from companies.choices import EnterpriseStatus, PerformanceGrade, PermitCategory
from companies.models import Enterprise, Industry
from ecoenforce.api import BaseFilterSet


def filter_region_subtree(queryset, name, value):
    """A region code selects that region and everything under it."""
    region = Region.objects.filter(code=value).only("path").first()
    if region is None:
        return queryset.none()
    return queryset.filter(**{f"{name}__path__startswith": region.path})


class EnterpriseFilter(BaseFilterSet):
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    industry = django_filters.CharFilter(method="filter_industry", label="行业代码（门类或大类）")
    permit_category = django_filters.ChoiceFilter(choices=PermitCategory.choices)
    performance_grade = django_filters.ChoiceFilter(choices=PerformanceGrade.choices)
    status = django_filters.ChoiceFilter(choices=EnterpriseStatus.choices)
    on_positive_list = django_filters.BooleanFilter()
    key_discharge_unit = django_filters.BooleanFilter()
    vocs_related = django_filters.BooleanFilter()
    hazardous_waste_producer = django_filters.BooleanFilter()
    key_soil_pollution_unit = django_filters.BooleanFilter()
    uscc = django_filters.CharFilter(method="filter_uscc", label="统一社会信用代码")
    q = django_filters.CharFilter(method="filter_q", label="名称或统一社会信用代码")

    class Meta:
        model = Enterprise
        fields: list[str] = []

    def filter_industry(self, queryset, name, value):
        if Industry.objects.filter(code=value, parent__isnull=True).exists():
            return queryset.filter(industry__parent_id=value)
        return queryset.filter(industry_id=value)

    def filter_uscc(self, queryset, name, value):
        return queryset.filter(uscc=value.strip().upper())

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(uscc__startswith=value.upper()))
