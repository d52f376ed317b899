"""On-site inspections (现场检查): one transition table and the services that
write an inspection, its check-ins, findings, signature, evidence and outcome.

The life of an inspection::

    requested ──approve──▶ approved ──start / first check-in──▶ in_progress ──complete──▶ completed
        │  └─(emergency: start first, approve afterwards)──────────▲
        └──────────cancel◀── approved

An emergency inspection (紧急检查) may start before it is approved; the
approver approves it afterwards (事后补批) with a written reason, which leaves a
history row whose two states are the same. Every state change locks the row
(``select_for_update``), refuses an illegal move with a ConflictError naming
both states, and writes an ``InspectionTransition``.

Legal and policy sources:
- 行政处罚法 (2021) art. 42, 55 and 生态环境行政处罚办法 (2023) art. 31: at least
  two enforcement officers holding valid certificates;
- 入企审批 and 扫码入企: the bureau's rules for entering an enterprise;
- 正面清单: listed enterprises are checked mainly off-site and spared routine
  random visits; an on-site visit needs a stated reason (无据不查).

Errors: 400 for bad input, 403 for a role that may not act, 404 for an
inspection outside the actor's regions, 409 for a state that does not allow
the action. Every service runs in one transaction: a refusal writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Officer
from accounts.roles import Role
from accounts.selectors import officer_of, region_visible, user_roles
from cases.choices import (
    CaseSource,
    FindingSeverity,
    FindingStatus,
    InspectionOutcome,
    InspectionStatus,
    InspectionTrigger,
    SignatureStatus,
)
from cases.ladder import LadderProposal, ladder_proposal
from cases.models import (
    CheckIn,
    Evidence,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionTransition,
    OffsiteRecord,
    PenaltyCase,
    PlanDrawItem,
    ViolationType,
)
from companies.models import Enterprise, PositiveListEntry
from companies.validators import validate_latitude, validate_longitude
from ecoenforce.errors import ConflictError, DomainError, ErrorItem, Forbidden, ValidationFailed

S = InspectionStatus
INSPECTOR, APPROVER = Role.INSPECTOR, Role.APPROVER
WORKERS = frozenset({INSPECTOR, APPROVER})

# Nothing moves any more from these.
TERMINAL = frozenset({S.COMPLETED, S.CANCELLED})
# Findings may be recorded (paper records are entered before or after the visit).
OPEN = frozenset({S.REQUESTED, S.APPROVED, S.IN_PROGRESS})
# Officers may scan in: approved, under way, or an emergency not yet approved.
CHECK_IN_STATES = frozenset({S.APPROVED, S.IN_PROGRESS})
# Triggers that are in themselves a stated reason to visit a positive-list enterprise.
REASONED_TRIGGERS = frozenset({InspectionTrigger.OFFSITE, InspectionTrigger.COMPLAINT})

# Scans more than this far in the future (clock skew of a phone) are refused.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class Step:
    source: InspectionStatus
    target: InspectionStatus
    label: str
    roles: frozenset[Role]


def _steps(*rows) -> dict[tuple[InspectionStatus, InspectionStatus], Step]:
    return {(src, dst): Step(src, dst, label, frozenset(roles)) for src, dst, label, roles in rows}


# The one table of legal moves. Approval needs an approver (负责人).
TRANSITIONS = _steps(
    (S.REQUESTED, S.APPROVED, "批准入企检查", (APPROVER,)),
    # Only for an emergency inspection, approved afterwards (_check_start).
    (S.REQUESTED, S.IN_PROGRESS, "紧急检查先行开始", (INSPECTOR, APPROVER)),
    (S.APPROVED, S.IN_PROGRESS, "开始检查", (INSPECTOR, APPROVER)),
    (S.IN_PROGRESS, S.COMPLETED, "完成检查", (INSPECTOR, APPROVER)),
    (S.REQUESTED, S.CANCELLED, "取消检查", (INSPECTOR, APPROVER)),
    (S.APPROVED, S.CANCELLED, "取消检查", (INSPECTOR, APPROVER)),
)
REQUEST_LABEL = "申请入企检查"
LATE_APPROVAL_LABEL = "紧急检查事后补批"


class InspectionNotFound(DomainError):
    """Absent or outside the actor's regions: one answer for both (API.md: 404)."""

    status = 404
    default_code = "not_found"


@dataclass(frozen=True)
class InspectionCompletion:
    """What completing an inspection produced: the inspection, the case opened
    from it (outcome ``case``) and the ladder's proposal for the enterprise."""

    inspection: Inspection
    case: PenaltyCase | None
    ladder: LadderProposal


# --- helpers -----------------------------------------------------------------------------


def ensure_in_scope(inspection: Inspection, actor) -> None:
    if not region_visible(actor, inspection.region_id):
        raise InspectionNotFound("现场检查不存在或不在您的管辖范围内")


def _require_role(actor, roles=WORKERS, what: str = "办理现场检查") -> None:
    if not user_roles(actor).intersection(roles):
        needed = "、".join(Role(role).label for role in sorted(roles))
        raise Forbidden(f"{what}须由{needed}办理", code="role_required")


def _lock(inspection: Inspection, actor) -> Inspection:
    """The inspection row, locked until the transaction ends, if the actor may see it."""
    locked = Inspection.objects.select_for_update().filter(pk=inspection.pk).first()
    if locked is None:
        raise InspectionNotFound("现场检查不存在或不在您的管辖范围内")
    ensure_in_scope(locked, actor)
    return locked


def _illegal(inspection: Inspection, target: InspectionStatus) -> ConflictError:
    return ConflictError(
        f"不能从“{inspection.get_status_display()}”变更为“{target.label}”",
        code="illegal_transition",
    )


def _move(
    inspection: Inspection, target: InspectionStatus, actor, *, note: str = "", label: str = ""
) -> Step:
    """Check the table and the role, set the state and write the history row.

    The caller holds the lock and has checked the step's own rules; the row is
    saved by the caller after this (it may set more fields).
    """
    step = TRANSITIONS.get((S(inspection.status), target))
    if step is None:
        raise _illegal(inspection, target)
    _require_role(actor, step.roles, f"“{step.label}”")
    InspectionTransition.objects.create(
        inspection=inspection,
        from_status=inspection.status,
        to_status=target,
        label=label or step.label,
        actor=actor,
        note=note,
    )
    inspection.status = target
    return step


def allowed_steps(inspection: Inspection, user) -> list[Step]:
    """The moves ``user`` may make on ``inspection`` now (for buttons and the API)."""
    roles = user_roles(user)
    steps = []
    for (source, target), step in TRANSITIONS.items():
        if source != inspection.status or not roles.intersection(step.roles):
            continue
        if (source, target) == (S.REQUESTED, S.IN_PROGRESS) and not inspection.emergency:
            continue
        steps.append(step)
    return steps


def late_approval_pending(inspection: Inspection) -> bool:
    """An emergency inspection that started without approval and still waits for it."""
    return (
        inspection.emergency
        and inspection.approved_by_id is None
        and inspection.status in (S.IN_PROGRESS, S.COMPLETED)
    )


def on_positive_list(enterprise: Enterprise, on: date) -> bool:
    """Whether ``enterprise`` was on the positive list (正面清单) on ``on``."""
    return PositiveListEntry.objects.filter(
        Q(removed_on__isnull=True) | Q(removed_on__gt=on),
        enterprise_id=enterprise.pk,
        added_on__lte=on,
    ).exists()


def check_officers(officers: list[Officer], *, on: date, region_code: str) -> list[Officer]:
    """At least two officers, each with a certificate valid on ``on`` (处罚法
    art. 42; 办法 art. 31), each able to act in the enterprise's region."""
    officers = list(dict.fromkeys(officers))
    if len(officers) < 2:
        raise DomainError("检查人员不得少于两人", code="officers_insufficient", field="officers")
    invalid = [o.name for o in officers if not o.certificate_valid_on(on)]
    if invalid:
        raise DomainError(
            f"以下人员在 {on} 无有效执法证，不能参加现场检查：{'、'.join(invalid)}",
            code="certificate_invalid",
            field="officers",
        )
    outside = [o.name for o in officers if not region_visible(o.user, region_code)]
    if outside:
        raise DomainError(
            f"以下人员无权检查该地区的企业：{'、'.join(outside)}",
            code="officer_out_of_scope",
            field="officers",
        )
    return officers


def _date_not_future(value: date, field: str, label: str) -> None:
    if value > timezone.localdate():
        raise DomainError(f"{label}不能晚于今天", code="future_date", field=field)


def _moment(value: datetime | None, field: str, label: str) -> datetime:
    now = timezone.now()
    value = value or now
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise DomainError(f"{label}不能晚于当前时间", code="future_date", field=field)
    return value


def _coordinate(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise DomainError("坐标格式错误", code="invalid_coordinate", field=field) from None
    (validate_latitude if field == "latitude" else validate_longitude)(number)
    return number


# --- request ----------------------------------------------------------------------------


def _check_trigger(
    *,
    enterprise: Enterprise,
    trigger: str,
    trigger_reason: str,
    inspected_on: date,
    plan: InspectionPlan | None,
    draw_item: PlanDrawItem | None,
    offsite_record: OffsiteRecord | None,
    follow_up_of: Inspection | None,
) -> InspectionPlan | None:
    """The rules tying the trigger to its record; answers the plan (from the draw)."""
    if trigger not in InspectionTrigger.values:
        raise DomainError("检查事由不正确", code="invalid_choice", field="trigger")
    T = InspectionTrigger
    if draw_item is not None:
        if trigger != T.RANDOM:
            raise DomainError(
                "按抽查结果安排的检查，检查事由应为双随机抽查",
                code="trigger_mismatch",
                field="trigger",
            )
        if draw_item.enterprise_id != enterprise.pk:
            raise DomainError("抽查结果与企业不一致", code="source_mismatch", field="draw_item")
        if plan is not None and draw_item.plan_id != plan.pk:
            raise DomainError("抽查结果不属于该执法计划", code="source_mismatch", field="draw_item")
        plan = plan or draw_item.plan
        if Inspection.objects.filter(draw_item=draw_item).exists():
            raise ConflictError("该抽查结果已安排现场检查", code="draw_item_taken")
    if offsite_record is not None and offsite_record.enterprise_id != enterprise.pk:
        raise DomainError("非现场线索与企业不一致", code="source_mismatch", field="offsite_record")
    if trigger == T.OFFSITE and offsite_record is None and not trigger_reason:
        # 无据不查: a non-site alert is the evidence that justifies the visit.
        raise DomainError(
            "因非现场线索检查，须关联非现场执法记录或写明线索来源",
            code="offsite_record_required",
            field="offsite_record",
        )
    if follow_up_of is not None:
        if trigger != T.FOLLOW_UP:
            raise DomainError(
                "关联复查对象时，检查事由应为跟踪复查", code="trigger_mismatch", field="trigger"
            )
        if follow_up_of.enterprise_id != enterprise.pk:
            raise DomainError("复查对象与企业不一致", code="source_mismatch", field="follow_up_of")
        if follow_up_of.status != S.COMPLETED:
            raise ConflictError(
                f"复查对象处于“{follow_up_of.get_status_display()}”状态，完成后方可安排复查",
                code="follow_up_of_not_completed",
            )
        if follow_up_of.inspected_on > inspected_on:
            raise DomainError(
                "复查日期不能早于原检查日期", code="before_previous_step", field="inspected_on"
            )
    elif trigger == T.FOLLOW_UP:
        raise DomainError("跟踪复查须选择复查的原检查", code="required", field="follow_up_of")
    if on_positive_list(enterprise, inspected_on):
        # 正面清单: checked mainly off-site, spared routine random visits; a
        # visit needs a stated reason — a non-site alert, a complaint, the
        # open findings of an earlier inspection, or a written reason.
        if trigger == T.RANDOM:
            raise DomainError(
                "正面清单企业不纳入日常双随机现场抽查；确需现场检查的，请选择具体事由并写明理由",
                code="positive_list_random_excluded",
                field="trigger",
            )
        if (
            trigger not in REASONED_TRIGGERS
            and not (trigger == T.FOLLOW_UP and follow_up_of is not None)
            and not trigger_reason
        ):
            raise DomainError(
                "该企业在正面清单内，现场检查须写明事由（如非现场监测线索、投诉举报）",
                code="positive_list_reason_required",
                field="trigger_reason",
            )
    return plan


def _carry_forward(inspection: Inspection, previous: Inspection) -> list[Finding]:
    """Copy the open findings of ``previous`` onto its follow-up, to be verified there.

    A finding already carried to another follow-up that was not cancelled is
    not carried again: that follow-up holds it.
    """
    carried = (
        Finding.objects.filter(carried_from__inspection=previous)
        .exclude(inspection__status=S.CANCELLED)
        .values("carried_from_id")
    )
    open_findings = (
        previous.findings.filter(status=FindingStatus.OPEN).exclude(pk__in=carried).order_by("id")
    )
    rows = [
        Finding(
            inspection=inspection,
            enterprise_id=inspection.enterprise_id,
            violation_type_id=finding.violation_type_id,
            description=finding.description,
            severity=finding.severity,
            carried_from=finding,
            found_on=finding.found_on,
        )
        for finding in open_findings
    ]
    return Finding.objects.bulk_create(rows)


@transaction.atomic
def inspection_request(
    *,
    actor,
    enterprise: Enterprise,
    trigger: str,
    inspected_on: date | None = None,
    officers: list[Officer],
    plan: InspectionPlan | None = None,
    draw_item: PlanDrawItem | None = None,
    offsite_record: OffsiteRecord | None = None,
    follow_up_of: Inspection | None = None,
    trigger_reason: str = "",
    emergency: bool = False,
    emergency_reason: str = "",
) -> Inspection:
    """Request an on-site inspection of ``enterprise`` (入企审批) on ``inspected_on``
    (default today, never in the future) by ``officers``.

    It waits for an approver, unless ``emergency``: an emergency inspection may
    start at once and is approved afterwards. A follow-up (``follow_up_of``)
    carries forward the open findings of the inspection it follows up.
    """
    inspected_on = inspected_on or timezone.localdate()
    trigger_reason = (trigger_reason or "").strip()
    emergency_reason = (emergency_reason or "").strip()
    if not region_visible(actor, enterprise.region_id):
        raise DomainError("企业不在您的管辖范围内", code="region_out_of_scope", field="enterprise")
    _require_role(actor, WORKERS, "申请现场检查")
    _date_not_future(inspected_on, "inspected_on", "检查日期")
    if emergency and not emergency_reason:
        raise DomainError(
            "紧急检查须写明紧急事由，并于事后报负责人补批",
            code="required",
            field="emergency_reason",
        )
    officers = check_officers(officers, on=inspected_on, region_code=enterprise.region_id)
    if follow_up_of is not None:
        # Locked: two follow-ups requested at once do not both carry its findings.
        follow_up_of = Inspection.objects.select_for_update().get(pk=follow_up_of.pk)
    plan = _check_trigger(
        enterprise=enterprise,
        trigger=trigger,
        trigger_reason=trigger_reason,
        inspected_on=inspected_on,
        plan=plan,
        draw_item=draw_item,
        offsite_record=offsite_record,
        follow_up_of=follow_up_of,
    )
    inspection = Inspection.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        plan=plan,
        draw_item=draw_item,
        trigger=trigger,
        trigger_reason=trigger_reason,
        offsite_record=offsite_record,
        follow_up_of=follow_up_of,
        requested_by=actor,
        emergency=bool(emergency),
        emergency_reason=emergency_reason if emergency else "",
        inspected_on=inspected_on,
    )
    inspection.officers.set(officers)
    InspectionTransition.objects.create(
        inspection=inspection,
        from_status="",
        to_status=S.REQUESTED,
        label=REQUEST_LABEL,
        actor=actor,
        note=emergency_reason if emergency else trigger_reason,
    )
    if follow_up_of is not None:
        _carry_forward(inspection, follow_up_of)
    return inspection


# --- approval, start, cancel --------------------------------------------------------------


@transaction.atomic
def inspection_approve(*, inspection: Inspection, actor, note: str = "") -> Inspection:
    """Approve entering the enterprise (入企审批), by an approver.

    A requested inspection becomes ``approved``. An emergency inspection that
    already started (or ended) is approved afterwards (事后补批): its state
    stays, the approval and the approver's reason are recorded. Approving an
    approved inspection again changes nothing.
    """
    note = (note or "").strip()
    inspection = _lock(inspection, actor)
    _require_role(actor, {APPROVER}, "审批现场检查")
    if inspection.status == S.APPROVED:
        return inspection
    if inspection.status == S.REQUESTED:
        _move(inspection, S.APPROVED, actor, note=note)
    elif inspection.status in (S.IN_PROGRESS, S.COMPLETED) and inspection.emergency:
        if inspection.approved_by_id is not None:
            return inspection
        if not note:
            raise DomainError("紧急检查事后补批须写明审批意见和理由", code="required", field="note")
        InspectionTransition.objects.create(
            inspection=inspection,
            from_status=inspection.status,
            to_status=inspection.status,
            label=LATE_APPROVAL_LABEL,
            actor=actor,
            note=note,
        )
    else:
        raise _illegal(inspection, S.APPROVED)
    inspection.approved_by = actor
    inspection.approved_at = timezone.now()
    inspection.save()
    return inspection


def _start(inspection: Inspection, actor, started_at: datetime | None, *, label: str = "") -> None:
    """Move a locked inspection to ``in_progress``."""
    if inspection.status == S.REQUESTED and not inspection.emergency:
        raise ConflictError(
            f"现场检查处于“{inspection.get_status_display()}”状态，须经负责人批准后方可开始"
            "（紧急检查除外）",
            code="approval_required",
        )
    if inspection.status not in (S.REQUESTED, S.APPROVED):
        raise _illegal(inspection, S.IN_PROGRESS)
    if started_at is None and inspection.inspected_on == timezone.localdate():
        started_at = timezone.now()
    if started_at is not None:
        started_at = _moment(started_at, "started_at", "开始时间")
        if timezone.localtime(started_at).date() != inspection.inspected_on:
            raise DomainError(
                f"开始时间应在检查日期 {inspection.inspected_on} 当天",
                code="wrong_day",
                field="started_at",
            )
    _move(inspection, S.IN_PROGRESS, actor, label=label)
    inspection.started_at = started_at


@transaction.atomic
def inspection_start(
    *, inspection: Inspection, actor, started_at: datetime | None = None
) -> Inspection:
    """Start an approved inspection (an emergency one before approval).

    Scanning the enterprise's code starts it too (``inspection_check_in``).
    ``started_at`` defaults to now when the inspection is today's.
    """
    inspection = _lock(inspection, actor)
    if inspection.status == S.IN_PROGRESS:
        return inspection
    _start(inspection, actor, started_at)
    inspection.save()
    return inspection


@transaction.atomic
def inspection_cancel(*, inspection: Inspection, actor, reason: str) -> Inspection:
    """Cancel an inspection that has not started, with the reason."""
    reason = (reason or "").strip()
    inspection = _lock(inspection, actor)
    if inspection.status == S.CANCELLED:
        return inspection
    if (S(inspection.status), S.CANCELLED) not in TRANSITIONS:
        raise _illegal(inspection, S.CANCELLED)
    if not reason:
        raise DomainError("请填写取消理由", code="required", field="reason")
    _move(inspection, S.CANCELLED, actor, note=reason)
    inspection.save()
    return inspection


# --- check-in (扫码入企) ---------------------------------------------------------------------


def checkin_candidates(*, enterprise: Enterprise, officer: Officer, on: date):
    """The inspections of ``enterprise`` on ``on`` that ``officer`` may scan in to."""
    return (
        Inspection.objects.filter(enterprise=enterprise, officers=officer, inspected_on=on)
        .filter(Q(status__in=CHECK_IN_STATES) | Q(status=S.REQUESTED, emergency=True))
        .order_by("id")
    )


@transaction.atomic
def inspection_check_in(
    *,
    token: str,
    officer_user,
    latitude=None,
    longitude=None,
    at: datetime | None = None,
    inspection: Inspection | None = None,
) -> CheckIn:
    """Record an officer's scan of an enterprise's code: time, officer, optional GPS.

    ``token`` is the scanned code (cases.checkin); a forged, expired or revoked
    one is refused (400). The inspection is ``inspection`` when given (it must
    be of the enterprise the code names), otherwise the officer's only
    inspection of that enterprise on the scan's day. The first scan of an
    approved inspection (or of an emergency one) starts it.
    """
    from cases.checkin import checkin_code_verify

    enterprise = checkin_code_verify(token)
    at = _moment(at, "at", "扫码时间")
    day = timezone.localtime(at).date()
    latitude = _coordinate(latitude, "latitude")
    longitude = _coordinate(longitude, "longitude")
    if (latitude is None) != (longitude is None):
        raise DomainError("经纬度须同时提供", code="incomplete_coordinates", field="latitude")
    officer = officer_of(officer_user)
    if inspection is not None:
        inspection = _lock(inspection, officer_user)
    elif officer is not None:
        candidates = list(checkin_candidates(enterprise=enterprise, officer=officer, on=day))
        if not candidates:
            raise DomainError(
                f"您在 {day} 没有{enterprise.name}已批准的现场检查任务",
                code="no_inspection",
                field="inspection",
            )
        if len(candidates) > 1:
            raise DomainError(
                "您当天有多项该企业的检查任务，请选择本次检查",
                code="choose_inspection",
                field="inspection",
            )
        inspection = _lock(candidates[0], officer_user)
    if officer is None or not officer.badge_number:
        raise Forbidden("只有持执法证的执法人员可以扫码入企", code="officer_required")
    _require_role(officer_user, WORKERS, "扫码入企")
    if inspection.enterprise_id != enterprise.pk:
        raise DomainError(
            f"该二维码属于“{enterprise.name}”，不是本次检查的企业“{inspection.enterprise.name}”",
            code="checkin_wrong_enterprise",
            field="token",
        )
    if not inspection.officers.filter(pk=officer.pk).exists():
        raise Forbidden("您不是本次检查的检查人员", code="not_an_inspection_officer")
    if inspection.status not in CHECK_IN_STATES and not (
        inspection.status == S.REQUESTED and inspection.emergency
    ):
        if inspection.status == S.REQUESTED:
            message = "现场检查尚未批准，不能扫码入企（紧急检查除外）"
        else:
            message = f"现场检查处于“{inspection.get_status_display()}”状态，不能扫码入企"
        raise ConflictError(message, code="checkin_not_allowed")
    if day != inspection.inspected_on:
        raise DomainError(
            f"扫码日期 {day} 与检查日期 {inspection.inspected_on} 不符",
            code="wrong_day",
            field="at",
        )
    if not officer.certificate_valid_on(day):
        raise Forbidden("您的执法证已过有效期，不能扫码入企", code="certificate_invalid")
    check_in = CheckIn.objects.create(
        inspection=inspection, officer=officer, at=at, latitude=latitude, longitude=longitude
    )
    if inspection.status != S.IN_PROGRESS:
        _start(inspection, officer_user, at, label="扫码入企，开始检查")
        inspection.save()
    return check_in


# --- findings ------------------------------------------------------------------------------


def _violation_type(value) -> ViolationType | None:
    if value in (None, ""):
        return None
    if isinstance(value, ViolationType):
        violation_type = value if value.is_active else None
    else:
        violation_type = ViolationType.objects.filter(code=str(value), is_active=True).first()
    if violation_type is None:
        raise DomainError(
            f"违法行为类型 {value} 不存在或已停用",
            code="unknown_violation_type",
            field="violation_type",
        )
    return violation_type


def _new_finding(
    inspection: Inspection,
    *,
    description: str,
    severity: str,
    violation_type=None,
    corrected_on_spot: bool = False,
) -> Finding:
    description = (description or "").strip()
    if not description:
        raise DomainError("请填写问题描述", code="required", field="description")
    if severity not in FindingSeverity.values:
        raise DomainError("严重程度不正确", code="invalid_choice", field="severity")
    finding = Finding(
        inspection=inspection,
        enterprise_id=inspection.enterprise_id,
        violation_type=_violation_type(violation_type),
        description=description,
        severity=severity,
        corrected_on_spot=bool(corrected_on_spot),
        found_on=inspection.inspected_on,
    )
    if corrected_on_spot:
        # 当场整改: corrected before the officers left; this inspection saw it.
        finding.status = FindingStatus.CORRECTED
        finding.corrected_on = inspection.inspected_on
        finding.verified_by = inspection
    return finding


def _ensure_open(inspection: Inspection, what: str) -> None:
    if inspection.status not in OPEN:
        raise ConflictError(
            f"现场检查处于“{inspection.get_status_display()}”状态，不能{what}",
            code="inspection_closed",
        )


@transaction.atomic
def finding_add(
    *,
    inspection: Inspection,
    actor,
    description: str,
    severity: str,
    violation_type=None,
    corrected_on_spot: bool = False,
) -> Finding:
    """Record a problem found (发现问题): ``violation_type`` (a library type or its
    code), description, severity, whether it was corrected on the spot."""
    inspection = _lock(inspection, actor)
    _require_role(actor, WORKERS, "登记发现问题")
    _ensure_open(inspection, "登记发现问题")
    finding = _new_finding(
        inspection,
        description=description,
        severity=severity,
        violation_type=violation_type,
        corrected_on_spot=corrected_on_spot,
    )
    finding.save()
    inspection.save(update_fields=["updated_at"])
    return finding


@transaction.atomic
def findings_add(*, inspection: Inspection, actor, findings: list[dict]) -> list[Finding]:
    """Several findings at once (the API's nested create); every item is checked
    before any is written, errors named ``findings.<i>.<field>``."""
    inspection = _lock(inspection, actor)
    _require_role(actor, WORKERS, "登记发现问题")
    _ensure_open(inspection, "登记发现问题")
    rows, errors = [], []
    for index, item in enumerate(findings):
        try:
            rows.append(
                _new_finding(
                    inspection,
                    description=item.get("description", ""),
                    severity=item.get("severity", ""),
                    violation_type=item.get("violation_type"),
                    corrected_on_spot=item.get("corrected_on_spot", False),
                )
            )
        except DomainError as exc:
            errors.extend(
                ErrorItem(f"findings.{index}.{e.field}" if e.field else None, e.code, e.message)
                for e in exc.items
            )
    if errors:
        raise ValidationFailed(errors)
    return Finding.objects.bulk_create(rows)


@transaction.atomic
def finding_verify_corrected(
    *,
    finding: Finding,
    actor,
    corrected_on: date | None = None,
    verified_by: Inspection | None = None,
) -> Finding:
    """Close a finding verified as corrected (整改核实), with the findings it was
    carried from and carried to.

    ``verified_by`` is the inspection that saw the correction; it defaults to
    the finding's own inspection when the finding was carried to a follow-up
    (the follow-up verifies it). Without one, the correction was verified
    off-site (documents, photos from the enterprise).
    """
    corrected_on = corrected_on or timezone.localdate()
    finding = Finding.objects.select_for_update().select_related("inspection").get(pk=finding.pk)
    ensure_in_scope(finding.inspection, actor)
    _require_role(actor, WORKERS, "核实整改")
    if finding.status != FindingStatus.OPEN:
        raise ConflictError(
            f"不能从“{finding.get_status_display()}”变更为“{FindingStatus.CORRECTED.label}”"
            f"（已于 {finding.corrected_on} 核实整改）",
            code="illegal_transition",
        )
    if finding.inspection.status == S.CANCELLED:
        raise ConflictError("该问题所属的现场检查已取消", code="inspection_closed")
    if verified_by is None and finding.carried_from_id is not None:
        verified_by = finding.inspection
    if verified_by is not None:
        if verified_by.enterprise_id != finding.enterprise_id:
            raise DomainError("核实检查与企业不一致", code="source_mismatch", field="verified_by")
        if verified_by.status not in (S.IN_PROGRESS, S.COMPLETED):
            raise ConflictError(
                f"核实检查处于“{verified_by.get_status_display()}”状态，不能核实整改",
                code="inspection_closed",
            )
        if corrected_on < verified_by.inspected_on and verified_by.pk != finding.inspection_id:
            raise DomainError(
                "核实日期不能早于核实检查的日期", code="before_previous_step", field="corrected_on"
            )
    _date_not_future(corrected_on, "corrected_on", "核实日期")
    if corrected_on < finding.found_on:
        raise DomainError(
            "核实日期不能早于发现日期", code="before_previous_step", field="corrected_on"
        )
    for row in finding_chain(finding):
        if row.status == FindingStatus.OPEN:
            row.status = FindingStatus.CORRECTED
            row.corrected_on = corrected_on
            row.verified_by = verified_by
            row.save(update_fields=["status", "corrected_on", "verified_by"])
    finding.refresh_from_db()
    return finding


def finding_chain(finding: Finding) -> list[Finding]:
    """``finding`` with every finding it was carried from or carried to, locked."""
    seen: set[int] = set()
    frontier = {finding.pk}
    rows: dict[int, Finding] = {}
    while frontier:
        seen |= frontier
        found = Finding.objects.select_for_update().filter(
            Q(pk__in=frontier) | Q(carried_from_id__in=frontier)
        )
        nxt: set[int] = set()
        for row in found:
            rows[row.pk] = row
            nxt.add(row.pk)
            if row.carried_from_id:
                nxt.add(row.carried_from_id)
        frontier = nxt - seen
    return [rows[pk] for pk in sorted(rows)]


# --- signature ------------------------------------------------------------------------------


def _ensure_signable(inspection: Inspection, target: SignatureStatus) -> None:
    if inspection.status != S.IN_PROGRESS:
        raise ConflictError(
            f"现场检查处于“{inspection.get_status_display()}”状态，只能在检查中登记签字",
            code="inspection_not_in_progress",
        )
    if inspection.signature != SignatureStatus.PENDING:
        raise ConflictError(
            f"当事人签字已登记为“{inspection.get_signature_display()}”，不能改为“{target.label}”",
            code="signature_recorded",
        )


@transaction.atomic
def inspection_sign(*, inspection: Inspection, actor, signed_by: str) -> Inspection:
    """The party signed the inspection record (现场检查笔录); ``signed_by`` is who signed."""
    signed_by = (signed_by or "").strip()
    inspection = _lock(inspection, actor)
    _require_role(actor)
    _ensure_signable(inspection, SignatureStatus.SIGNED)
    if not signed_by:
        raise DomainError("请填写签字人姓名", code="required", field="signed_by")
    limit = Inspection._meta.get_field("signed_by").max_length
    if len(signed_by) > limit:
        raise DomainError(f"签字人姓名不能超过 {limit} 个字", code="too_long", field="signed_by")
    inspection.signature = SignatureStatus.SIGNED
    inspection.signed_by = signed_by
    inspection.save()
    return inspection


@transaction.atomic
def inspection_refuse_signature(
    *, inspection: Inspection, actor, witness: str, note: str = ""
) -> Inspection:
    """The party refused to sign; the refusal is recorded with a witness (见证人)."""
    witness = (witness or "").strip()
    inspection = _lock(inspection, actor)
    _require_role(actor)
    _ensure_signable(inspection, SignatureStatus.REFUSED)
    if not witness:
        raise DomainError("当事人拒绝签字的，须登记见证人", code="required", field="witness")
    limit = Inspection._meta.get_field("refusal_witness").max_length
    if len(witness) > limit:
        raise DomainError(f"见证人信息不能超过 {limit} 个字", code="too_long", field="witness")
    inspection.signature = SignatureStatus.REFUSED
    inspection.refusal_witness = witness
    inspection.save()
    note = (note or "").strip()
    InspectionTransition.objects.create(
        inspection=inspection,
        from_status=inspection.status,
        to_status=inspection.status,
        label="当事人拒绝签字",
        actor=actor,
        note=f"见证人：{witness}" + (f"；{note}" if note else ""),
    )
    return inspection


# --- completion -------------------------------------------------------------------------------


def _case_items(inspection: Inspection, case_violations: list[dict] | None) -> list[dict]:
    if case_violations:
        return case_violations
    items = [
        {"type": f.violation_type.code, "facts": f.description}
        for f in inspection.findings.filter(violation_type__isnull=False)
        .select_related("violation_type")
        .order_by("id")
    ]
    if not items:
        raise DomainError(
            "立案查处须登记违法行为：请在发现问题中选择违法行为类型，或填写案件违法行为",
            code="required",
            field="case_violations",
        )
    return items


def _check_outcome(inspection: Inspection, outcome: str, due_on: date | None) -> None:
    open_findings = inspection.findings.filter(status=FindingStatus.OPEN).count()
    if outcome not in InspectionOutcome.values:
        raise DomainError("检查结论不正确", code="invalid_choice", field="outcome")
    if outcome == InspectionOutcome.NO_PROBLEM:
        if open_findings:
            raise DomainError(
                f"尚有 {open_findings} 个问题未整改，不能以“未发现问题”结束检查",
                code="open_findings",
                field="outcome",
            )
        if due_on is not None:
            raise DomainError(
                "未发现问题的检查无整改期限", code="unexpected", field="rectification_due_on"
            )
    elif outcome == InspectionOutcome.RECTIFICATION:
        if not open_findings:
            raise DomainError(
                "没有未整改的问题，无需责令改正", code="no_open_findings", field="outcome"
            )
        if due_on is None:
            raise DomainError(
                "责令改正须规定整改期限", code="required", field="rectification_due_on"
            )
    if due_on is not None and due_on <= inspection.inspected_on:
        raise DomainError(
            "整改期限应晚于检查日期", code="before_previous_step", field="rectification_due_on"
        )


@transaction.atomic
def inspection_complete(
    *,
    inspection: Inspection,
    actor,
    outcome: str,
    rectification_due_on: date | None = None,
    case_violations: list[dict] | None = None,
    summary: str = "",
    ended_at: datetime | None = None,
) -> InspectionCompletion:
    """End the inspection with its outcome:

    - ``no_problem``: nothing open remains;
    - ``rectification``: a rectification order (责令改正) with its deadline;
    - ``case``: a penalty case opened through ``cases.services.case_register``
      (source ``inspection``, the link kept), with ``case_violations``
      (``[{"type": code, "facts": …}]``) or else the findings' violation types.

    The party's signature, or a refusal with a witness, comes first. The
    ladder's proposal for the enterprise (一次帮扶、两次督导、三次严惩) is
    computed with this inspection counted, stored on it and returned.
    """
    from cases.services import case_register

    inspection = _lock(inspection, actor)
    if inspection.status != S.IN_PROGRESS:
        raise _illegal(inspection, S.COMPLETED)
    _require_role(actor, TRANSITIONS[(S.IN_PROGRESS, S.COMPLETED)].roles, "完成检查")
    if inspection.signature == SignatureStatus.PENDING:
        raise DomainError(
            "请先登记当事人签字，或当事人拒绝签字及见证人",
            code="signature_required",
            field="signature",
        )
    check_officers(
        list(inspection.officers.select_related("user")),
        on=inspection.inspected_on,
        region_code=inspection.region_id,
    )
    _check_outcome(inspection, outcome, rectification_due_on)
    if ended_at is not None:
        ended_at = _moment(ended_at, "ended_at", "结束时间")
        if inspection.started_at is None or ended_at < inspection.started_at:
            raise DomainError(
                "结束时间应晚于开始时间", code="before_previous_step", field="ended_at"
            )
    elif inspection.started_at is not None:
        ended_at = max(timezone.now(), inspection.started_at)
    _move(inspection, S.COMPLETED, actor, note=(summary or "").strip())
    inspection.outcome = outcome
    inspection.rectification_due_on = rectification_due_on
    inspection.ended_at = ended_at
    if summary:
        inspection.summary = summary.strip()
    inspection.save()
    case = None
    if outcome == InspectionOutcome.CASE:
        try:
            case = case_register(
                actor=actor,
                enterprise=inspection.enterprise,
                source=CaseSource.INSPECTION,
                discovered_on=inspection.inspected_on,
                violations=_case_items(inspection, case_violations),
                officers=list(inspection.officers.all()),
                source_inspection=inspection,
            )
        except DomainError as exc:
            if any((item.field or "").startswith("violations") for item in exc.items):
                raise ValidationFailed(
                    [
                        ErrorItem(
                            f"case_{item.field}"
                            if (item.field or "").startswith("violations")
                            else item.field,
                            item.code,
                            item.message,
                        )
                        for item in exc.items
                    ]
                ) from exc
            raise
    proposal = ladder_proposal(inspection.enterprise, as_of=inspection.inspected_on)
    inspection.ladder_proposal = proposal.step
    inspection.save(update_fields=["ladder_proposal", "updated_at"])
    return InspectionCompletion(inspection=inspection, case=case, ladder=proposal)


# --- evidence ---------------------------------------------------------------------------------


@transaction.atomic
def inspection_evidence_attach(
    *, inspection: Inspection, uploaded_file, actor, description: str = ""
) -> Evidence:
    """Attach a photo, video or document to an inspection under way or completed;
    the SHA-256 is taken now and checked on every download (cases.services)."""
    from cases.services import evidence_store

    inspection = _lock(inspection, actor)
    _require_role(actor, WORKERS, "上传检查证据")
    if inspection.status not in (S.IN_PROGRESS, S.COMPLETED):
        raise ConflictError(
            f"现场检查处于“{inspection.get_status_display()}”状态，不能上传证据",
            code="inspection_not_started",
        )
    return evidence_store(
        uploaded_file=uploaded_file, actor=actor, description=description, inspection=inspection
    )
