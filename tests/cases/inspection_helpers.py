"""Helpers of the inspection, check-in and ladder tests: walking an inspection
through its services, and a snapshot of everything a refusal must leave as it was."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from cases import inspection_services as services
from cases.choices import InspectionTrigger
from cases.models import (
    CheckIn,
    Evidence,
    Finding,
    Inspection,
    InspectionTransition,
    LadderDecision,
    PenaltyCase,
)

VIOLATION_MINOR = "AIR-100-2"  # seeded library type (大气法 art. 100 (2))
VIOLATION_MAJOR = "AIR-99-2"


def today() -> date:
    return timezone.localdate()


def request(actor, enterprise, officers, **fields) -> Inspection:
    fields.setdefault("trigger", InspectionTrigger.CAMPAIGN)
    return services.inspection_request(
        actor=actor, enterprise=enterprise, officers=officers, **fields
    )


def started(actor, approver, enterprise, officers, **fields) -> Inspection:
    """A requested, approved and started inspection (today unless ``inspected_on``)."""
    inspection = request(actor, enterprise, officers, **fields)
    services.inspection_approve(inspection=inspection, actor=approver)
    return services.inspection_start(inspection=inspection, actor=actor)


def finish(
    inspection,
    actor,
    *,
    findings=(),
    outcome: str | None = None,
    due_on: date | None = None,
    **complete_fields,
):
    """Add ``findings`` (dicts for finding_add), record the signature and complete;
    the outcome defaults to rectification when something stays open."""
    for finding in findings:
        services.finding_add(inspection=inspection, actor=actor, **finding)
    services.inspection_sign(inspection=inspection, actor=actor, signed_by="企业负责人")
    has_open = inspection.findings.filter(status="open").exists()
    if outcome is None:
        outcome = "rectification" if has_open else "no_problem"
    if outcome == "rectification" and due_on is None:
        due_on = inspection.inspected_on.replace(year=inspection.inspected_on.year + 1)
    return services.inspection_complete(
        inspection=inspection,
        actor=actor,
        outcome=outcome,
        rectification_due_on=due_on,
        **complete_fields,
    )


def minor(description: str = "危废标签不规范", **fields) -> dict:
    return {"description": description, "severity": "minor", **fields}


def snapshot() -> dict:
    """Counts and rows a refused call must not change."""
    return {
        "inspections": list(
            Inspection.objects.order_by("id").values(
                "id",
                "status",
                "approved_by",
                "started_at",
                "ended_at",
                "signature",
                "outcome",
                "ladder_proposal",
            )
        ),
        "officers": list(
            Inspection.officers.through.objects.order_by("id").values_list(
                "inspection_id", "officer_id"
            )
        ),
        "transitions": InspectionTransition.objects.count(),
        "findings": list(Finding.objects.order_by("id").values("id", "status", "corrected_on")),
        "check_ins": CheckIn.objects.count(),
        "evidence": Evidence.objects.count(),
        "cases": PenaltyCase.objects.count(),
        "decisions": LadderDecision.objects.count(),
    }
