"""Reads of inspections and findings, always through the user's region scope."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import Officer
from accounts.selectors import restrict_to_regions
from cases.choices import FindingStatus, InspectionStatus
from cases.models import Finding, Inspection


def inspection_list(*, user, filters: dict | None = None) -> QuerySet[Inspection]:
    """Inspections the user may see, with what a list shows joined or prefetched."""
    queryset = restrict_to_regions(
        Inspection.objects.select_related("enterprise", "region").prefetch_related(
            Prefetch("officers", queryset=Officer.objects.order_by("name", "id")),
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("violation_type").order_by("id"),
            ),
            "penalty_cases",
        ),
        user,
    )
    if filters is not None:
        from cases.inspection_filters import InspectionFilter

        queryset = InspectionFilter(filters, queryset=queryset).qs
    return queryset


def inspection_get(*, user, pk: int) -> Inspection:
    """One inspection in the user's scope; Inspection.DoesNotExist otherwise."""
    return inspection_list(user=user).get(pk=pk)


def inspection_history(inspection: Inspection):
    return inspection.transitions.select_related("actor__officer").order_by("at", "id")


def open_findings(*, enterprise) -> QuerySet[Finding]:
    """The enterprise's problems still to be corrected: open findings of
    inspections not cancelled, each once (its latest copy when carried forward)."""
    return (
        Finding.objects.filter(enterprise=enterprise, status=FindingStatus.OPEN)
        .exclude(inspection__status=InspectionStatus.CANCELLED)
        .exclude(
            carried_to__inspection__status__in=[
                InspectionStatus.REQUESTED,
                InspectionStatus.APPROVED,
                InspectionStatus.IN_PROGRESS,
                InspectionStatus.COMPLETED,
            ]
        )
        .select_related("violation_type", "inspection")
        .order_by("found_on", "id")
    )
