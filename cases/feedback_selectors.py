"""Reads of feedback (服务评价、监督投诉), always through the user's region scope and
``cases.feedback_services.feedback_visibility`` (an officer never reads a
complaint about them)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Prefetch, QuerySet, Value, When

from accounts.models import Officer
from accounts.selectors import restrict_to_regions
from cases.feedback_choices import ComplaintStatus
from cases.feedback_services import feedback_visibility
from cases.models import ComplaintStep, Feedback, FeedbackLink

OFFICERS = Officer.objects.order_by("name", "id")


def queue_order() -> Case:
    """Complaints waiting (待受理), then being handled, then the rest."""
    return Case(
        When(status=ComplaintStatus.NEW, then=Value(0)),
        When(status=ComplaintStatus.HANDLING, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def feedback_list(*, user, filters: dict | None = None) -> QuerySet[Feedback]:
    """Feedback the user may read, with what a list shows joined or prefetched."""
    queryset = restrict_to_regions(
        Feedback.objects.select_related(
            "enterprise", "region", "visit", "inspection", "handler__officer", "link"
        ).prefetch_related(
            Prefetch("link__officers", queryset=OFFICERS),
            Prefetch("subject_officers", queryset=OFFICERS),
        ),
        user,
    )
    visible = feedback_visibility(user)
    if visible is not None:
        queryset = queryset.filter(visible)
    if filters is not None:
        from cases.feedback_filters import FeedbackFilter

        queryset = FeedbackFilter(filters, queryset=queryset).qs
    return queryset


def feedback_get(*, user, pk: int) -> Feedback:
    """One feedback the user may read; Feedback.DoesNotExist otherwise."""
    return feedback_list(user=user).get(pk=pk)


def complaint_history(feedback: Feedback) -> QuerySet[ComplaintStep]:
    return feedback.steps.select_related("actor__officer").order_by("at", "id")


def feedback_link_list(*, user) -> QuerySet[FeedbackLink]:
    """Links issued in the user's regions (their tokens are never shown again)."""
    return restrict_to_regions(
        FeedbackLink.objects.select_related(
            "enterprise", "region", "visit", "inspection", "created_by__officer"
        ),
        user,
    )
