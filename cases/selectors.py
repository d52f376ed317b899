"""Reads of penalty cases, always through the user's region scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Officer
from accounts.selectors import restrict_to_regions
from cases.models import CaseViolation, PenaltyCase


def case_list(*, user, filters: dict | None = None) -> QuerySet[PenaltyCase]:
    """Cases the user may see, with what a list shows joined or prefetched."""
    queryset = restrict_to_regions(
        PenaltyCase.objects.select_related("enterprise", "region").prefetch_related(
            Prefetch("officers", queryset=Officer.objects.select_related("user")),
            Prefetch("violations", queryset=CaseViolation.objects.select_related("violation_type")),
        ),
        user,
    )
    if filters is not None:
        from cases.case_filters import PenaltyCaseFilter

        queryset = PenaltyCaseFilter(filters, queryset=queryset).qs
    return queryset


def case_get(*, user, pk: int) -> PenaltyCase:
    """One case in the user's scope; PenaltyCase.DoesNotExist otherwise."""
    return case_list(user=user).get(pk=pk)


def case_history(case: PenaltyCase):
    return case.transitions.select_related("actor").order_by("at", "id")
