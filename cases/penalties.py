"""Money of a case: the statutory range of its fine, the balance and the late fee,
payments, and the special measures (配套办法)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from cases.choices import CaseStatus, FineRule, MeasureKind, PaymentKind, PaymentPlan
from cases.models import CaseEvent, Payment, PenaltyCase, SpecialMeasure
from ecoenforce.errors import ConflictError, DomainError

CENT = Decimal("0.01")
# 处罚法 art. 72 (1): 3 % of the fine for each day late, at most the fine itself.
LATE_FEE_RATE = Decimal("0.03")
# 生态环境行政执法查封、扣押办法 art. 15: at most 30 days, once extended by at most 30.
SEAL_SEIZE_MAX_DAYS = 30


@dataclass(frozen=True)
class FineRange:
    minimum: Decimal
    maximum: Decimal


def case_fine_range(case: PenaltyCase) -> FineRange:
    """The statutory range of the whole case: the sum over its violations
    (each violation is fined on its own basis and the fines are added)."""
    from cases.discretion import statutory_range

    low = high = Decimal("0")
    for violation in case.violations.select_related("violation_type"):
        legal = statutory_range(
            violation_type=violation.violation_type,
            base_amount=violation.base_amount,
            days=violation.days,
            occurrences=violation.occurrences,
        )
        low += legal.minimum
        high += legal.maximum
    return FineRange(low, high)


def check_decided_fine(case: PenaltyCase, fine: Decimal, *, reason: str) -> None:
    """The decided fine lies in the statutory range; another amount than the
    discretion's recommendation needs a written reason (河北省生态环境行政处罚
    自由裁量基准: deviations are explained in the decision)."""
    has_fine_rule = case.violations.exclude(violation_type__fine_rule=FineRule.NONE).exists()
    if not has_fine_rule:
        if fine:
            raise DomainError(
                "本案违法行为无罚款规定，罚款金额应为 0",
                code="fine_out_of_range",
                field="fine_amount",
            )
        return
    fine_range = case_fine_range(case)
    if not fine_range.minimum <= fine <= fine_range.maximum:
        raise DomainError(
            f"罚款金额应在法定幅度 {fine_range.minimum}–{fine_range.maximum} 元之内",
            code="fine_out_of_range",
            field="fine_amount",
        )
    if case.recommended_fine is None:
        raise DomainError(
            "请先进行自由裁量计算，再作出罚款决定", code="discretion_required", field="fine_amount"
        )
    if fine != case.recommended_fine and not reason.strip():
        raise DomainError(
            f"罚款金额与裁量建议 {case.recommended_fine} 元不同，须书面说明理由",
            code="fine_reason_required",
            field="fine_reason",
        )


@dataclass(frozen=True)
class Balance:
    fine: Decimal
    fine_paid: Decimal
    fine_outstanding: Decimal
    days_late: int
    late_fee: Decimal
    late_fee_paid: Decimal
    late_fee_outstanding: Decimal

    @property
    def total_due(self) -> Decimal:
        return self.fine_outstanding + self.late_fee_outstanding


def case_balance(case: PenaltyCase, *, as_of: date | None = None) -> Balance:
    """What is owed on ``as_of``: the fine not yet paid and the late fee.

    The late fee runs from the day after the due date until the fine is fully
    paid (or ``as_of``), at 3 % of the fine a day, capped at the fine
    (处罚法 art. 72).
    """
    as_of = as_of or timezone.localdate()
    fine = case.fine_amount or Decimal("0")
    payments = list(case.payments.filter(paid_on__lte=as_of).order_by("paid_on", "id"))
    fine_paid = sum((p.amount for p in payments if p.kind == PaymentKind.FINE), Decimal("0"))
    late_paid = sum((p.amount for p in payments if p.kind == PaymentKind.LATE_FEE), Decimal("0"))
    days_late = 0
    if fine and case.payment_due_on:
        settled_on = as_of
        running = Decimal("0")
        for payment in payments:
            if payment.kind == PaymentKind.FINE:
                running += payment.amount
                if running >= fine:
                    settled_on = payment.paid_on
                    break
        days_late = max(0, (settled_on - case.payment_due_on).days)
    late_fee = min(fine, (fine * LATE_FEE_RATE * days_late).quantize(CENT, ROUND_HALF_UP))
    return Balance(
        fine=fine,
        fine_paid=fine_paid,
        fine_outstanding=max(Decimal("0"), fine - fine_paid),
        days_late=days_late,
        late_fee=late_fee,
        late_fee_paid=late_paid,
        late_fee_outstanding=max(Decimal("0"), late_fee - late_paid),
    )


def _lock_payable(case: PenaltyCase, actor) -> PenaltyCase:
    from cases.workflow import ensure_in_scope

    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    if case.status not in (CaseStatus.SERVED, CaseStatus.EXECUTING):
        raise ConflictError(
            f"案件处于“{case.get_status_display()}”状态，决定书送达后方可登记缴款",
            code="not_payable",
        )
    return case


@transaction.atomic
def payment_record(
    *,
    case: PenaltyCase,
    amount: Decimal,
    paid_on: date | None = None,
    kind: str = PaymentKind.FINE,
    receipt_number: str = "",
    actor,
) -> Payment:
    """Record money received; never more than what is owed of that kind."""
    paid_on = paid_on or timezone.localdate()
    case = _lock_payable(case, actor)
    if paid_on > timezone.localdate() or (case.served_on and paid_on < case.decided_on):
        raise DomainError("缴款日期应在决定日期与今天之间", code="invalid_date", field="paid_on")
    if amount <= 0:
        raise DomainError("缴款金额应大于 0", code="invalid_amount", field="amount")
    if kind not in PaymentKind.values:
        raise DomainError("款项类型不正确", code="invalid_choice", field="kind")
    balance = case_balance(case, as_of=paid_on)
    owed = balance.fine_outstanding if kind == PaymentKind.FINE else balance.late_fee_outstanding
    if amount > owed:
        raise DomainError(
            f"缴款金额 {amount} 元超过应缴的 {owed} 元", code="overpayment", field="amount"
        )
    return Payment.objects.create(
        case=case,
        kind=kind,
        amount=amount,
        paid_on=paid_on,
        receipt_number=receipt_number,
        recorded_by=actor,
    )


@transaction.atomic
def payment_plan_approve(
    *,
    case: PenaltyCase,
    plan: str,
    due_on: date,
    reason: str,
    actor,
    on: date | None = None,
    instalments: list[dict] | None = None,
) -> PenaltyCase:
    """Deferred or instalment payment, approved by an approver on the party's
    request (处罚法 art. 66 para. 2); late fees then run from the new due date."""
    from accounts.roles import Role
    from accounts.selectors import user_roles

    on = on or timezone.localdate()
    case = _lock_payable(case, actor)
    if Role.APPROVER not in user_roles(actor):
        from ecoenforce.errors import Forbidden

        raise Forbidden("延期或分期缴纳须由负责人批准", code="role_required")
    if plan not in (PaymentPlan.DEFERRED, PaymentPlan.INSTALMENT):
        raise DomainError("请选择延期缴纳或分期缴纳", code="invalid_choice", field="plan")
    if not reason.strip():
        raise DomainError("请填写批准理由", code="required", field="reason")
    if due_on <= (case.payment_due_on or case.served_on):
        raise DomainError("新的缴款期限应晚于原期限", code="invalid_date", field="due_on")
    case.payment_plan = plan
    case.payment_due_on = due_on
    case.save(update_fields=["payment_plan", "payment_due_on", "updated_at"])
    CaseEvent.objects.create(
        case=case,
        kind="payment_plan",
        on=on,
        actor=actor,
        reason=reason,
        data={"plan": plan, "due_on": str(due_on), "instalments": instalments or []},
    )
    return case


# --- special measures (配套办法) ---------------------------------------------------


@transaction.atomic
def measure_record(
    *,
    case: PenaltyCase,
    kind: str,
    on: date,
    actor,
    ends_on: date | None = None,
    correction_served_on: date | None = None,
    reinspected_on: date | None = None,
    note: str = "",
) -> SpecialMeasure:
    """Record a special measure with the date that places it in the statistics."""
    from cases.workflow import ensure_in_scope, ensure_writable

    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    ensure_writable(case)
    if kind not in MeasureKind.values:
        raise DomainError("措施类型不正确", code="invalid_choice", field="kind")
    if on > timezone.localdate() or on < case.discovered_on:
        raise DomainError("日期应在发现日期与今天之间", code="invalid_date", field="on")
    measure = SpecialMeasure(case=case, kind=kind, on=on, note=note, recorded_by=actor)
    if kind == MeasureKind.DAILY_PENALTY:
        # 环境保护法 art. 59; 办法 art. 61-65: the original fine for every day from
        # the day after the correction order was served to the re-inspection
        # that found the violation continuing.
        if not case.fine_amount:
            raise DomainError(
                "按日连续处罚以原处罚决定的罚款为基数，请先作出罚款决定",
                code="fine_required",
                field="kind",
            )
        if correction_served_on is None or reinspected_on is None:
            raise DomainError(
                "请填写责令改正送达日期和复查日期", code="required", field="reinspected_on"
            )
        if reinspected_on <= correction_served_on:
            raise DomainError(
                "复查日期应晚于责令改正送达日期", code="invalid_date", field="reinspected_on"
            )
        measure.correction_served_on = correction_served_on
        measure.reinspected_on = reinspected_on
        measure.days = (reinspected_on - correction_served_on).days
        measure.amount = case.fine_amount * measure.days
    elif kind == MeasureKind.SEAL_SEIZE:
        ends_on = ends_on or on + timedelta(days=SEAL_SEIZE_MAX_DAYS)
        if ends_on > on + timedelta(days=SEAL_SEIZE_MAX_DAYS) or ends_on < on:
            raise DomainError(
                f"查封、扣押期限不得超过 {SEAL_SEIZE_MAX_DAYS} 日",
                code="seal_too_long",
                field="ends_on",
            )
        measure.ends_on = ends_on
    else:
        measure.ends_on = ends_on
    measure.save()
    return measure


@transaction.atomic
def seal_seize_extend(
    *, measure: SpecialMeasure, until: date, reason: str, actor
) -> SpecialMeasure:
    """One extension of a seal/seize, by at most 30 days, with approval."""
    from accounts.roles import Role
    from accounts.selectors import user_roles
    from cases.workflow import ensure_in_scope, ensure_writable
    from ecoenforce.errors import Forbidden

    measure = SpecialMeasure.objects.select_for_update().select_related("case").get(pk=measure.pk)
    ensure_in_scope(measure.case, actor)
    ensure_writable(measure.case)
    if measure.kind != MeasureKind.SEAL_SEIZE:
        raise DomainError("只有查封、扣押可以延长期限", code="invalid_choice", field="kind")
    if Role.APPROVER not in user_roles(actor):
        raise Forbidden("延长查封、扣押期限须由负责人批准", code="role_required")
    if measure.extended_until is not None:
        raise ConflictError("查封、扣押期限只能延长一次", code="already_extended")
    if not reason.strip():
        raise DomainError("请填写延长理由", code="required", field="reason")
    if until <= measure.ends_on or until > measure.ends_on + timedelta(days=SEAL_SEIZE_MAX_DAYS):
        raise DomainError(
            f"延长期限不得超过 {SEAL_SEIZE_MAX_DAYS} 日", code="seal_too_long", field="until"
        )
    measure.extended_until = until
    measure.note = f"{measure.note}\n延长理由：{reason}".strip()
    measure.save(update_fields=["extended_until", "note", "updated_at"])
    return measure


def case_paid_total(case: PenaltyCase) -> Decimal:
    return case.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")
