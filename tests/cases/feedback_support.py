"""Helpers of the feedback and enterprise-file tests: records of every kind in an
enterprise's history, written directly with the dates a test chooses (the
services that normally write them have their own tests)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.models import (
    CaseTransition,
    Finding,
    Inspection,
    LadderDecision,
    OffsiteRecord,
    SpecialMeasure,
)
from companies.models import PositiveListEntry
from tests.factories import (
    DemandFactory,
    PenaltyCaseFactory,
    SymposiumFactory,
    VisitFactory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=SHANGHAI)


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def inspection(enterprise, on: date, officers=(), *, status="completed", **fields) -> Inspection:
    """An inspection of ``enterprise`` on ``on`` (completed by default)."""
    fields.setdefault("trigger", "campaign")
    if status in ("in_progress", "completed"):
        fields.setdefault("started_at", moment(on, 9))
    if status == "completed":
        fields.setdefault("ended_at", moment(on, 11))
        fields.setdefault("outcome", "no_problem")
        fields.setdefault("signature", "signed")
        fields.setdefault("signed_by", "企业负责人")
    row = Inspection.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        inspected_on=on,
        status=status,
        **fields,
    )
    if officers:
        row.officers.set(officers)
    return row


def finding(at: Inspection, description="危废标签不规范", severity="minor", **fields) -> Finding:
    fields.setdefault("found_on", at.inspected_on)
    return Finding.objects.create(
        inspection=at,
        enterprise_id=at.enterprise_id,
        description=description,
        severity=severity,
        **fields,
    )


def offsite(enterprise, on: date, n: int, *, status="new", **fields) -> OffsiteRecord:
    values = {
        "source": "online_monitoring",
        "external_id": f"EF-{enterprise.pk}-{n:06d}",
        "indicator": "颗粒物",
        "value": Decimal("35.2"),
        "limit": Decimal("20"),
        "unit": "mg/m³",
        "started_at": moment(on, 8),
        "detected_on": on,
        "status": status,
    }
    if status == "dismissed":
        values["dismissal_reason"] = "device_fault"
    values.update(fields)
    return OffsiteRecord.objects.create(
        enterprise=enterprise, region_id=enterprise.region_id, **values
    )


def penalty_case(
    enterprise,
    *,
    discovered: date,
    filed: date | None = None,
    decided: date | None = None,
    fine: Decimal | None = None,
    closed: date | None = None,
    number: str | None = None,
    officers=None,
):
    """A case with the history rows of its filing, decision and closing (no other steps)."""
    kwargs = {"enterprise": enterprise, "discovered_on": discovered}
    if officers is not None:
        kwargs["officers"] = officers
    case = PenaltyCaseFactory(**kwargs)
    status = "clue"
    steps = []
    if filed:
        year = filed.year
        sequence = case.pk
        case.number = number or f"廊环罚〔{year}〕{sequence}号"
        case.number_year, case.number_sequence = year, sequence
        case.filed_on = filed
        steps.append(("clue", "filed", filed))
        status = "filed"
    if decided:
        case.decided_on = decided
        case.fine_amount = fine
        steps.append((status, "decided", decided))
        status = "decided"
    if closed:
        case.closed_on = closed
        case.closing_reason = "paid"
        steps.append((status, "closed", closed))
        status = "closed"
    case.status = status
    case.save()
    for source, target, on in steps:
        CaseTransition.objects.create(case=case, from_status=source, to_status=target, on=on)
    return case


def measure(case, on: date, kind="seal_seize", **fields) -> SpecialMeasure:
    return SpecialMeasure.objects.create(case=case, kind=kind, on=on, **fields)


def visit(enterprise, on: date, officers=None, **fields):
    if officers is not None:
        fields["officers"] = officers
    return VisitFactory(enterprise=enterprise, visited_on=on, **fields)


def demand(enterprise, raised: date, *, resolved: date | None = None, **fields):
    row = DemandFactory(enterprise=enterprise, raised_on=raised, **fields)
    if resolved:
        row.status = "resolved"
        row.resolved_on = resolved
        row.resolution = "已协调办理排污许可延续"
        row.save()
    return row


def positive_entry(enterprise, added: date, *, removed: date | None = None):
    entry = PositiveListEntry.objects.create(
        enterprise=enterprise,
        added_on=added,
        reason="环保绩效A级",
        removed_on=removed,
        removal_reason="发现环境违法行为" if removed else "",
    )
    if removed is None:
        type(enterprise).objects.filter(pk=enterprise.pk).update(on_positive_list=True)
    return entry


def ladder_decision(enterprise, on: date, at: Inspection | None = None):
    return LadderDecision.objects.create(
        enterprise=enterprise,
        inspection=at,
        minor_findings=1,
        window_start=on - timedelta(days=365),
        proposed="assistance",
        decided="assistance",
        decided_on=on,
    )


def symposium(enterprise, on: date):
    return SymposiumFactory(held_on=on, enterprises=[enterprise], topic="优化营商环境座谈会")
