"""Enforcement models; one module per part, re-exported here."""

from cases.models.calendar import CalendarDay, CalendarYear
from cases.models.feedback import ComplaintStep, Feedback, FeedbackLink
from cases.models.inspection_log import CheckInCode, InspectionTransition
from cases.models.inspections import (
    CheckIn,
    Finding,
    Inspection,
    InspectionPlan,
    LadderDecision,
    OffsiteRecord,
    PlanDrawItem,
    PlanPool,
)
from cases.models.offsite import OffsiteTriageStep
from cases.models.penalty import (
    CaseEvent,
    CaseNumberCounter,
    CaseTransition,
    CaseViolation,
    Evidence,
    Payment,
    PenaltyCase,
    SpecialMeasure,
)
from cases.models.violations import ViolationType

__all__ = [
    "CalendarDay",
    "CalendarYear",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseTransition",
    "CaseViolation",
    "CheckIn",
    "CheckInCode",
    "ComplaintStep",
    "Evidence",
    "Feedback",
    "FeedbackLink",
    "Finding",
    "Inspection",
    "InspectionPlan",
    "InspectionTransition",
    "LadderDecision",
    "OffsiteRecord",
    "OffsiteTriageStep",
    "Payment",
    "PenaltyCase",
    "PlanDrawItem",
    "PlanPool",
    "SpecialMeasure",
    "ViolationType",
]
