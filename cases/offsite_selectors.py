"""Reads of non-site enforcement records, always through the user's region scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from accounts.selectors import restrict_to_regions
from cases.models import Finding, Inspection, OffsiteRecord, OffsiteTriageStep, PenaltyCase


def offsite_record_list(*, user, filters: dict | None = None) -> QuerySet[OffsiteRecord]:
    """Records the user may see, with the enterprise joined and the inspections
    and cases opened from them prefetched (ids only)."""
    queryset = restrict_to_regions(
        OffsiteRecord.objects.select_related("enterprise").prefetch_related(
            Prefetch("inspections", queryset=Inspection.objects.only("id", "offsite_record_id")),
            Prefetch(
                "penalty_cases",
                queryset=PenaltyCase.objects.only("id", "source_offsite_record_id"),
            ),
        ),
        user,
    )
    if filters is not None:
        from cases.offsite_filters import OffsiteRecordFilter

        queryset = OffsiteRecordFilter(filters, queryset=queryset).qs
    return queryset


def offsite_record_get(*, user, pk: int) -> OffsiteRecord:
    """One record in the user's scope; OffsiteRecord.DoesNotExist otherwise."""
    return offsite_record_list(user=user).get(pk=pk)


def offsite_triage_history(record: OffsiteRecord) -> QuerySet[OffsiteTriageStep]:
    return record.triage_steps.select_related("actor__officer").order_by("at", "id")


def inspection_found() -> Exists:
    """Whether an on-site inspection made from a non-site record found a
    problem (无据不查: did the evidence hold?), as an expression on the record."""
    return Exists(Finding.objects.filter(inspection__offsite_record=OuterRef("pk")))
