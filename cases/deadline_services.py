"""The daily refresh of the stored deadline flags of penalty cases.

``next_deadline_on``, ``next_deadline_label``, ``due_soon`` and ``overdue`` are
stored on ``PenaltyCase`` so that the admin and the API can filter on them;
they depend on today's date, so a Celery beat job (``cases.tasks``) recomputes
them every night from ``cases.deadlines``.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from cases.choices import MeasureKind
from cases.deadlines import NO_DEADLINE_STATUSES, deadline_flags
from cases.models import PenaltyCase, SpecialMeasure
from cases.workdays import clear_calendar_cache

FLAG_FIELDS = ("next_deadline_on", "next_deadline_label", "due_soon", "overdue")
# The fields case_deadlines reads; nothing else is loaded.
DEADLINE_INPUT_FIELDS = (
    "id",
    "status",
    "discovered_on",
    "filed_on",
    "notified_on",
    "served_on",
    "filing_extended",
    "decision_extensions",
    "suspended_since",
    "suspended_days",
    "hearing_offered",
    "hearing_requested_on",
    "fine_amount",
    "payment_due_on",
)
BATCH_SIZE = 2000
UPDATE_BATCH_SIZE = 500


def case_deadline_flags_refresh(*, today: date | None = None, batch_size: int = BATCH_SIZE) -> dict:
    """Recompute the deadline flags of every open case and clear those of the others.

    Open cases are read in batches by primary key (two queries a batch: the
    cases, and their seal/seize measures); each batch is locked, recomputed
    and written back with one ``bulk_update`` of the rows that changed, in a
    transaction of its own, so a case moved by the workflow in the meantime
    is never written from a stale read. Safe to run twice.
    """
    today = today or timezone.localdate()
    # This process may be a long-running worker: read the calendar afresh,
    # with whatever an administrator added since.
    clear_calendar_cache()
    now = timezone.now()
    counts = {"today": today.isoformat(), "open": 0, "updated": 0, "due_soon": 0, "overdue": 0}

    open_cases = (
        PenaltyCase.objects.exclude(status__in=NO_DEADLINE_STATUSES)
        .only(*DEADLINE_INPUT_FIELDS, *FLAG_FIELDS, "updated_at")
        .order_by("pk")
    )
    seal_seize = Prefetch(
        "measures", queryset=SpecialMeasure.objects.filter(kind=MeasureKind.SEAL_SEIZE)
    )
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                open_cases.filter(pk__gt=last_pk)
                .select_for_update(of=("self",))
                .prefetch_related(seal_seize)[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            changed = []
            for case in batch:
                flags = deadline_flags(case, today=today, measures=case.measures.all())
                counts["due_soon"] += flags["due_soon"]
                counts["overdue"] += flags["overdue"]
                if any(getattr(case, field) != value for field, value in flags.items()):
                    for field, value in flags.items():
                        setattr(case, field, value)
                    # A reporting client pulls what changed by updated_at (API.md).
                    case.updated_at = now
                    changed.append(case)
            if changed:
                PenaltyCase.objects.bulk_update(
                    changed, [*FLAG_FIELDS, "updated_at"], batch_size=UPDATE_BATCH_SIZE
                )
            counts["open"] += len(batch)
            counts["updated"] += len(changed)

    counts["cleared"] = (
        PenaltyCase.objects.filter(status__in=NO_DEADLINE_STATUSES)
        .filter(
            Q(next_deadline_on__isnull=False)
            | ~Q(next_deadline_label="")
            | Q(due_soon=True)
            | Q(overdue=True)
        )
        .update(
            next_deadline_on=None,
            next_deadline_label="",
            due_soon=False,
            overdue=False,
            updated_at=now,
        )
    )
    return counts
