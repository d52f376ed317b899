"""Reads of the enterprise registry, always through the user's region scope."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.selectors import restrict_to_regions
from companies.models import Enterprise


def enterprise_list(*, user, filters: dict | None = None) -> QuerySet[Enterprise]:
    """Enterprises the user may see, filtered by ``EnterpriseFilter`` when given."""
    from companies.filters import EnterpriseFilter

    queryset = restrict_to_regions(Enterprise.objects.select_related("region", "industry"), user)
    if filters is not None:
        queryset = EnterpriseFilter(filters, queryset=queryset).qs
    return queryset


def enterprise_get(*, user, pk: int) -> Enterprise:
    """One enterprise in the user's scope; Enterprise.DoesNotExist otherwise."""
    return enterprise_list(user=user).get(pk=pk)
