"""The escalation ladder "一次帮扶、两次督导、三次严惩".

The first time minor problems are found at an enterprise earns assistance
(帮扶), the second supervision (督导), the third and every later time a
penalty case (严惩). Times are counted over a sliding window of
``ECOENFORCE_LADDER_WINDOW_MONTHS`` months (12 by default) ending on the day
asked about.

A *time* is one completed inspection that found at least one minor finding:
three minor problems noted on one visit are one time, not three. Findings
carried forward to a follow-up are copies of the original and are not counted
again; findings of cancelled or unfinished inspections do not count.

``ladder_proposal`` computes the proposal; ``ladder_decide`` records what the
officer decided (``LadderDecision``), which may differ from the proposal with
a stated reason. ``cases.inspection_services.inspection_complete`` stores the
proposal on the inspection it completes.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import region_visible, user_roles
from cases.choices import FindingSeverity, InspectionStatus, LadderStep
from cases.models import Finding, Inspection, LadderDecision
from companies.models import Enterprise
from ecoenforce.errors import ConflictError, DomainError, Forbidden


class LadderProposal(NamedTuple):
    """What the ladder proposes for an enterprise; unpacks as
    ``step, minor_count, window_start``."""

    step: LadderStep
    minor_count: int
    window_start: date

    def as_dict(self) -> dict:
        return {
            "step": self.step.value,
            "step_display": self.step.label,
            "minor_count": self.minor_count,
            "window_start": self.window_start,
        }


def window_months() -> int:
    months = int(settings.ECOENFORCE_LADDER_WINDOW_MONTHS)
    if months < 1:
        raise DomainError("ECOENFORCE_LADDER_WINDOW_MONTHS 须为正整数", code="bad_setting")
    return months


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier, the month's last day if it has no such day."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def window_start_for(as_of: date) -> date:
    """First day of the window that ends on ``as_of``: 12 months are
    2024-07-01 – 2025-06-30 for 2025-06-30."""
    return months_before(as_of, window_months()) + timedelta(days=1)


def step_for(times: int) -> LadderStep:
    if times <= 0:
        return LadderStep.NONE
    if times == 1:
        return LadderStep.ASSISTANCE
    if times == 2:
        return LadderStep.SUPERVISION
    return LadderStep.PENALTY


def ladder_proposal(enterprise: Enterprise, *, as_of: date | None = None) -> LadderProposal:
    """The ladder's step for ``enterprise`` from its minor findings in the window
    ending on ``as_of`` (default today): ``(step, minor_count, window_start)``,
    ``minor_count`` being the number of times (inspections) minor problems were found."""
    as_of = as_of or timezone.localdate()
    start = window_start_for(as_of)
    times = (
        Finding.objects.filter(
            enterprise_id=enterprise.pk,
            severity=FindingSeverity.MINOR,
            carried_from__isnull=True,
            found_on__gte=start,
            found_on__lte=as_of,
            inspection__status=InspectionStatus.COMPLETED,
        )
        .values("inspection_id")
        .distinct()
        .count()
    )
    return LadderProposal(step_for(times), times, start)


@transaction.atomic
def ladder_decide(
    *,
    enterprise: Enterprise,
    inspection: Inspection | None = None,
    decided: str,
    actor,
    note: str = "",
    decided_on: date | None = None,
) -> LadderDecision:
    """Record what was decided for ``enterprise`` on the ladder, with the proposal
    it answers. Deciding otherwise than proposed needs a written reason; an
    inspection gets at most one decision."""
    today = timezone.localdate()
    decided_on = decided_on or today
    note = (note or "").strip()
    if not region_visible(actor, enterprise.region_id):
        raise DomainError("企业不在您的管辖范围内", code="region_out_of_scope", field="enterprise")
    if not user_roles(actor).intersection({Role.INSPECTOR, Role.APPROVER}):
        raise Forbidden("阶梯式措施须由执法人员或负责人决定", code="role_required")
    if decided not in LadderStep.values:
        raise DomainError("决定措施不正确", code="invalid_choice", field="decided")
    if decided_on > today:
        raise DomainError("决定日期不能晚于今天", code="future_date", field="decided_on")
    as_of = decided_on
    if inspection is not None:
        # Lock the inspection: two officers deciding at once get one decision.
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if inspection.enterprise_id != enterprise.pk:
            raise DomainError("检查记录与企业不一致", code="source_mismatch", field="inspection")
        if inspection.status != InspectionStatus.COMPLETED:
            raise ConflictError(
                f"现场检查处于“{inspection.get_status_display()}”状态，完成后方可决定阶梯式措施",
                code="inspection_not_completed",
            )
        if decided_on < inspection.inspected_on:
            raise DomainError(
                "决定日期不能早于检查日期", code="before_previous_step", field="decided_on"
            )
        if inspection.ladder_decisions.exists():
            raise ConflictError("该次检查已记录阶梯式措施决定", code="already_decided")
        as_of = inspection.inspected_on
    proposal = ladder_proposal(enterprise, as_of=as_of)
    if decided != proposal.step and not note:
        raise DomainError(
            f"决定措施与系统建议（{proposal.step.label}）不一致，须写明理由",
            code="reason_required",
            field="note",
        )
    return LadderDecision.objects.create(
        enterprise=enterprise,
        inspection=inspection,
        minor_findings=proposal.minor_count,
        window_start=proposal.window_start,
        proposed=proposal.step,
        decided=decided,
        decided_on=decided_on,
        decided_by=actor,
        note=note,
    )
