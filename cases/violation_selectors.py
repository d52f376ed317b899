"""Reads about the violation library (违法行为库)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from cases.models import CaseViolation, ViolationType


def violation_type_list() -> QuerySet[ViolationType]:
    """Every violation type, active or not: old cases still name retired ones."""
    return ViolationType.objects.all()


def violation_type_in_use(violation_type: ViolationType) -> bool:
    """Whether any case charges this type; such a type is never deleted."""
    return CaseViolation.objects.filter(violation_type=violation_type).exists()


def with_in_use(queryset: QuerySet[ViolationType]) -> QuerySet[ViolationType]:
    """Annotate ``in_use`` in the same query (for lists)."""
    return queryset.annotate(
        in_use=Exists(CaseViolation.objects.filter(violation_type=OuterRef("pk")))
    )
