import django_filters

from accounts.choices import RegionLevel
from accounts.models import Officer, Region
from accounts.roles import Role
from ecoenforce.api import BaseFilterSet


class RegionFilter(BaseFilterSet):
    parent = django_filters.CharFilter(field_name="parent_id")
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices)

    class Meta:
        model = Region
        fields: list[str] = []


class OfficerFilter(BaseFilterSet):
    role = django_filters.ChoiceFilter(choices=Role.choices, field_name="user__groups__name")
    unit = django_filters.NumberFilter(field_name="unit_id")
    q = django_filters.CharFilter(method="filter_q", label="姓名、执法证号或用户名")

    class Meta:
        model = Officer
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(
            Q(name__icontains=value)
            | Q(badge_number__icontains=value)
            | Q(user__username__icontains=value)
        )
