"""Celery tasks of the cases app: thin doors into the services."""

from __future__ import annotations

from celery import shared_task

from cases.deadline_services import case_deadline_flags_refresh
from ecoenforce.celery import TRANSIENT_ERRORS


@shared_task(
    name="cases.refresh_case_deadlines",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def refresh_case_deadlines() -> dict:
    """Recompute the due-soon and overdue flags of every open case (daily, by beat).

    Answers the counts: ``open``, ``updated``, ``cleared``, ``due_soon``, ``overdue``.
    """
    return case_deadline_flags_refresh()
