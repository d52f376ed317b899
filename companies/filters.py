from __future__ import annotations

import django_filters
from django.db.models import Q

from accounts.models import Region
from companies.choices import (
    DemandCategory,
    DemandStatus,
    EnterpriseStatus,
    PerformanceGrade,
    PermitCategory,
    VisitKind,
)
from companies.models import (
    Demand,
    Enterprise,
    Industry,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)
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
        from companies.selectors import search_name_or_uscc

        return search_name_or_uscc(queryset, value)


# --- service to enterprises (走访解促) ------------------------------------------------
#
# Filters on a many-to-many relation (officers, cards, attending enterprises)
# are written as ``pk IN (subquery)`` so that a row never appears twice.


class VisitFilter(BaseFilterSet):
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 id")
    kind = django_filters.MultipleChoiceFilter(choices=VisitKind.choices, label="走访类型")
    officer = django_filters.NumberFilter(method="filter_officer", label="走访人员 id")
    policy_card = django_filters.NumberFilter(
        method="filter_policy_card", label="发放了该政策明白卡（id）"
    )
    visited_after = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="gte", label="走访日期不早于"
    )
    visited_before = django_filters.DateFilter(
        field_name="visited_on", lookup_expr="lte", label="走访日期不晚于"
    )

    class Meta:
        model = Visit
        fields: list[str] = []

    def filter_officer(self, queryset, name, value):
        through = Visit.officers.through.objects.filter(officer_id=value)
        return queryset.filter(pk__in=through.values("visit_id"))

    def filter_policy_card(self, queryset, name, value):
        rows = VisitPolicyCard.objects.filter(card_id=value)
        return queryset.filter(pk__in=rows.values("visit_id"))


class DemandFilter(BaseFilterSet):
    region = django_filters.CharFilter(method=filter_region_subtree, label="行政区划代码（含下级）")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 id")
    visit = django_filters.NumberFilter(field_name="visit_id", label="走访 id")
    symposium = django_filters.NumberFilter(field_name="symposium_id", label="座谈会 id")
    raised_at = django_filters.ChoiceFilter(
        choices=[("visit", "走访"), ("symposium", "座谈会"), ("direct", "直接提出")],
        method="filter_raised_at",
        label="提出场合",
    )
    category = django_filters.MultipleChoiceFilter(choices=DemandCategory.choices, label="诉求类别")
    status = django_filters.MultipleChoiceFilter(choices=DemandStatus.choices, label="办理状态")
    owner = django_filters.NumberFilter(field_name="owner_id", label="责任人 id")
    overdue = django_filters.BooleanFilter(label="已逾期")
    raised_after = django_filters.DateFilter(
        field_name="raised_on", lookup_expr="gte", label="提出日期不早于"
    )
    raised_before = django_filters.DateFilter(
        field_name="raised_on", lookup_expr="lte", label="提出日期不晚于"
    )
    resolved_after = django_filters.DateFilter(
        field_name="resolved_on", lookup_expr="gte", label="解决日期不早于"
    )
    resolved_before = django_filters.DateFilter(
        field_name="resolved_on", lookup_expr="lte", label="解决日期不晚于"
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", label="办理期限不晚于"
    )

    class Meta:
        model = Demand
        fields: list[str] = []

    def filter_raised_at(self, queryset, name, value):
        if value == "visit":
            return queryset.filter(visit__isnull=False)
        if value == "symposium":
            return queryset.filter(symposium__isnull=False)
        return queryset.filter(visit__isnull=True, symposium__isnull=True)


class SymposiumFilter(BaseFilterSet):
    region = django_filters.CharFilter(
        method="filter_region", label="行政区划代码（含下级）：座谈会所属区划或参会企业所在区划"
    )
    host_unit = django_filters.NumberFilter(field_name="host_unit_id", label="主办单位 id")
    enterprise = django_filters.NumberFilter(method="filter_enterprise", label="参会企业 id")
    held_after = django_filters.DateFilter(
        field_name="held_on", lookup_expr="gte", label="召开日期不早于"
    )
    held_before = django_filters.DateFilter(
        field_name="held_on", lookup_expr="lte", label="召开日期不晚于"
    )

    class Meta:
        model = Symposium
        fields: list[str] = []

    def filter_region(self, queryset, name, value):
        region = Region.objects.filter(code=value).only("path").first()
        if region is None:
            return queryset.none()
        attendees = Symposium.enterprises.through.objects.filter(
            enterprise__region__path__startswith=region.path
        )
        return queryset.filter(
            Q(region__path__startswith=region.path) | Q(pk__in=attendees.values("symposium_id"))
        )

    def filter_enterprise(self, queryset, name, value):
        attendees = Symposium.enterprises.through.objects.filter(enterprise_id=value)
        return queryset.filter(pk__in=attendees.values("symposium_id"))


class PolicyCardFilter(BaseFilterSet):
    active = django_filters.BooleanFilter(label="在用")

    class Meta:
        model = PolicyCard
        fields: list[str] = []
