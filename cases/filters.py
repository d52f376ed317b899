"""FilterSets of the cases app's list endpoints."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from cases.choices import FineRule, ViolationCategory
from cases.models import ViolationType
from ecoenforce.api import BaseFilterSet

# --- Violation library (违法行为库) ------------------------------------------------


class ViolationTypeFilter(BaseFilterSet):
    category = django_filters.ChoiceFilter(choices=ViolationCategory.choices, label="类别")
    fine_rule = django_filters.ChoiceFilter(choices=FineRule.choices, label="罚款方式")
    waiver_eligible = django_filters.BooleanFilter(label="可适用轻微免罚/首违不罚")
    is_active = django_filters.BooleanFilter(label="启用")
    q = django_filters.CharFilter(method="filter_q", label="编码、名称或法律条款")

    class Meta:
        model = ViolationType
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__istartswith=value)
            | Q(name__icontains=value)
            | Q(legal_basis__icontains=value)
            | Q(penalty_basis__icontains=value)
        )
