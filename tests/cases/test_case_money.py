"""Money of a case: the balance, the late fee and its cap, payments, payment
plans, the closing rules, the daily continuous penalty and seal/seize."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases import workflow
from cases.choices import CaseStatus as S
from cases.models import CaseEvent
from cases.penalties import (
    case_balance,
    measure_record,
    payment_plan_approve,
    payment_record,
    seal_seize_extend,
)
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.factories import OfficerFactory, case_walk

pytestmark = pytest.mark.django_db

# case_walk serves the decision (fine 50,000 yuan) on 2024-06-10.
SERVED_ON = date(2024, 6, 10)
DUE_ON = date(2024, 6, 25)
FINE = Decimal("50000")


@pytest.fixture
def served(case, approver):
    """The case with its decision of a 50,000-yuan fine served on 2024-06-10."""
    case = case_walk(case, "served", approver=approver)
    assert (case.served_on, case.fine_amount) == (SERVED_ON, FINE)
    return case


def pay(case, actor, amount, paid_on, kind="fine"):
    return payment_record(
        case=case, amount=Decimal(amount), paid_on=paid_on, kind=kind, actor=actor
    )


def close(case, actor, on, closing_reason, **data):
    return workflow.case_transition(
        case=case, to="closed", actor=actor, on=on, data={"closing_reason": closing_reason, **data}
    )


# --- due date, balance, late fee ---------------------------------------------------------
# 处罚法 art. 67 (15 days), art. 72 (1) (3 % a day, at most the fine).


def test_the_fine_is_due_15_days_after_service(served):
    assert served.payment_due_on == DUE_ON
    balance = case_balance(served, as_of=DUE_ON)
    assert (balance.fine_outstanding, balance.days_late, balance.late_fee) == (FINE, 0, 0)
    assert balance.total_due == FINE


def test_payments_reduce_what_is_owed(served, inspector):
    pay(served, inspector, "20000", date(2024, 6, 12))
    pay(served, inspector, "10000", date(2024, 6, 14))
    balance = case_balance(served, as_of=date(2024, 6, 20))
    assert (balance.fine_paid, balance.fine_outstanding) == (Decimal("30000"), Decimal("20000"))


@pytest.mark.parametrize(
    ("as_of", "days_late", "late_fee"),
    [
        (date(2024, 6, 26), 1, "1500.00"),
        (date(2024, 6, 30), 5, "7500.00"),
        (date(2024, 7, 28), 33, "49500.00"),
    ],
)
def test_the_late_fee_is_3_percent_of_the_fine_a_day_after_the_due_date(
    served, as_of, days_late, late_fee
):
    balance = case_balance(served, as_of=as_of)
    assert (balance.days_late, balance.late_fee) == (days_late, Decimal(late_fee))
    assert balance.total_due == FINE + Decimal(late_fee)


@pytest.mark.parametrize("as_of", [date(2024, 7, 29), date(2025, 6, 25)])
def test_the_late_fee_never_exceeds_the_fine(served, as_of):
    # 34 days late would be 102 % of the fine.
    balance = case_balance(served, as_of=as_of)
    assert balance.late_fee == FINE
    assert balance.total_due == 2 * FINE


def test_the_late_fee_stops_running_when_the_fine_is_paid(served, inspector):
    pay(served, inspector, "20000", date(2024, 6, 20))
    pay(served, inspector, "30000", date(2024, 6, 28))  # settled 3 days late
    balance = case_balance(served, as_of=date(2024, 12, 31))
    assert (balance.fine_outstanding, balance.days_late, balance.late_fee) == (
        0,
        3,
        Decimal("4500.00"),
    )
    assert balance.total_due == Decimal("4500.00")


# --- payments --------------------------------------------------------------------------


def test_an_overpayment_of_the_fine_is_refused(served, inspector, refused):
    pay(served, inspector, "20000", date(2024, 6, 12))
    with refused(
        served, "overpayment", message="缴款金额 30000.01 元超过应缴的 30000.00 元"
    ) as excinfo:
        pay(served, inspector, "30000.01", date(2024, 6, 13))
    assert excinfo.value.field == "amount"


def test_a_late_fee_payment_is_measured_against_the_late_fee(served, inspector, refused):
    pay(served, inspector, "50000", date(2024, 6, 28))  # 3 days late: 4,500
    with refused(served, "overpayment", message="超过应缴的 4500.00 元"):
        pay(served, inspector, "4500.01", date(2024, 7, 1), kind="late_fee")
    pay(served, inspector, "4500", date(2024, 7, 1), kind="late_fee")
    assert case_balance(served, as_of=date(2024, 7, 1)).total_due == 0


def test_nothing_is_paid_before_the_decision_is_served(case, approver, inspector, refused):
    case = case_walk(case, "decided", approver=approver)
    with refused(
        case, "not_payable", error=ConflictError, message="决定书送达后方可登记缴款"
    ) as excinfo:
        pay(case, inspector, "50000", date(2024, 6, 9))
    assert excinfo.value.status == 409


@pytest.mark.parametrize(
    "paid_on", [date(2024, 6, 7), timezone.localdate() + timedelta(days=1)], ids=["early", "future"]
)
def test_a_payment_is_dated_between_the_decision_and_today(served, inspector, refused, paid_on):
    with refused(served, "invalid_date", message="缴款日期应在决定日期与今天之间"):
        pay(served, inspector, "100", paid_on)


@pytest.mark.parametrize("amount", ["0", "-5"])
def test_a_payment_is_a_positive_amount(served, inspector, refused, amount):
    with refused(served, "invalid_amount", message="缴款金额应大于 0"):
        pay(served, inspector, amount, date(2024, 6, 12))


def test_a_payment_on_a_case_of_another_region_is_not_found(served, refused):
    bazhou_inspector = OfficerFactory(roles=["inspector"], regions=["131081"]).user
    with refused(served, "not_found") as excinfo:
        pay(served, bazhou_inspector, "100", date(2024, 6, 12))
    assert excinfo.value.status == 404


# --- deferred and instalment payment --------------------------------------------------
# 处罚法 art. 66 para. 2.


def test_a_deferred_payment_moves_the_due_date(served, approver):
    case = payment_plan_approve(
        case=served,
        plan="deferred",
        due_on=date(2024, 9, 30),
        reason="企业经营困难，申请延期缴纳",
        actor=approver,
        on=date(2024, 6, 20),
    )
    assert (case.payment_plan, case.payment_due_on) == ("deferred", date(2024, 9, 30))
    assert case_balance(case, as_of=date(2024, 9, 30)).late_fee == 0
    assert case_balance(case, as_of=date(2024, 10, 1)).late_fee == Decimal("1500.00")
    plan = CaseEvent.objects.get(case=case, kind="payment_plan")
    assert (plan.actor, plan.data["due_on"]) == (approver, "2024-09-30")


def test_an_instalment_plan_keeps_its_instalments(served, approver):
    instalments = [
        {"due_on": "2024-07-31", "amount": "25000"},
        {"due_on": "2024-08-31", "amount": "25000"},
    ]
    case = payment_plan_approve(
        case=served,
        plan="instalment",
        due_on=date(2024, 8, 31),
        reason="分期缴纳",
        actor=approver,
        on=date(2024, 6, 20),
        instalments=instalments,
    )
    assert case.payment_due_on == date(2024, 8, 31)
    assert CaseEvent.objects.get(case=case, kind="payment_plan").data["instalments"] == instalments


def test_a_payment_plan_is_approved_by_an_approver(served, inspector, refused):
    with refused(served, "role_required", error=Forbidden, message="延期或分期缴纳须由负责人批准"):
        payment_plan_approve(
            case=served, plan="deferred", due_on=date(2024, 9, 30), reason="困难", actor=inspector
        )


@pytest.mark.parametrize(
    ("plan", "due_on", "reason", "code"),
    [
        ("full", date(2024, 9, 30), "困难", "invalid_choice"),
        ("deferred", date(2024, 9, 30), " ", "required"),
        ("deferred", DUE_ON, "困难", "invalid_date"),
    ],
)
def test_a_payment_plan_names_its_kind_reason_and_a_later_date(
    served, approver, refused, plan, due_on, reason, code
):
    with refused(served, code):
        payment_plan_approve(case=served, plan=plan, due_on=due_on, reason=reason, actor=approver)


# --- closing -----------------------------------------------------------------------------
# 处罚法 art. 72, 73.


def test_closing_as_paid_needs_the_fine_paid(served, approver, inspector, refused):
    pay(served, inspector, "20000", date(2024, 6, 12))
    with refused(
        served, "balance_outstanding", message="尚欠罚款 30000.00 元、加处罚款 0 元，不能以缴清结案"
    ):
        close(served, approver, date(2024, 6, 20), "paid")


def test_closing_as_paid_needs_the_late_fee_paid_too(served, approver, inspector, refused):
    pay(served, inspector, "50000", date(2024, 6, 28))  # 3 days late
    with refused(served, "balance_outstanding", message="加处罚款 4500.00 元"):
        close(served, approver, date(2024, 7, 1), "paid")
    pay(served, inspector, "4500", date(2024, 7, 1), kind="late_fee")
    case = close(served, approver, date(2024, 7, 1), "paid")
    assert (case.status, case.closing_reason, case.closed_on) == (
        S.CLOSED,
        "paid",
        date(2024, 7, 1),
    )


def test_a_case_with_a_fine_does_not_close_as_without_one(served, approver, refused):
    with refused(served, "invalid_choice", message="本案有罚款，不能以无罚款结案"):
        close(served, approver, date(2024, 6, 20), "no_fine")


def test_a_case_without_a_fine_closes_as_such(make_case, approver):
    # A decision of other penalties only (a warning, 责令改正), entered from paper.
    case = make_case(
        status=S.SERVED,
        filed_on=date(2024, 5, 9),
        decided_on=date(2024, 6, 8),
        served_on=SERVED_ON,
        fine_amount=Decimal("0"),
        other_penalties="警告",
    )
    assert close(case, approver, date(2024, 6, 20), "no_fine").status == S.CLOSED


@pytest.mark.parametrize("reason", ["court_enforcement", "waived_by_law"])
def test_closing_without_payment_states_its_grounds(served, approver, refused, reason):
    with refused(served, "required", message="请说明依据"):
        close(served, approver, date(2024, 9, 1), reason)
    grounds = "三河市人民法院受理强制执行申请（2024）冀1082执123号"
    case = close(served, approver, date(2024, 9, 1), reason, reason=grounds)
    assert (case.status, case.closing_reason) == (S.CLOSED, reason)


def test_no_payment_on_a_closed_case(served, approver, inspector, refused):
    pay(served, inspector, "50000", date(2024, 6, 12))
    case = close(served, approver, date(2024, 6, 20), "paid")
    with refused(case, "not_payable", error=ConflictError):
        pay(case, inspector, "1", date(2024, 6, 21), kind="late_fee")


# --- daily continuous penalty (按日连续处罚) ----------------------------------------------
# 环境保护法 art. 59; 办法 art. 61-65.


def test_the_daily_penalty_is_the_fine_for_every_day_up_to_the_reinspection(served, inspector):
    measure = measure_record(
        case=served,
        kind="daily_penalty",
        on=date(2024, 7, 15),
        correction_served_on=date(2024, 7, 1),
        reinspected_on=date(2024, 7, 11),
        actor=inspector,
    )
    # From 07-02, the day after the order was served, to 07-11: 10 days.
    assert (measure.days, measure.amount) == (10, Decimal("500000"))


def test_the_reinspection_comes_after_the_correction_order(served, inspector, refused):
    with refused(served, "invalid_date", message="复查日期应晚于责令改正送达日期"):
        measure_record(
            case=served,
            kind="daily_penalty",
            on=date(2024, 7, 15),
            correction_served_on=date(2024, 7, 1),
            reinspected_on=date(2024, 7, 1),
            actor=inspector,
        )


def test_the_daily_penalty_needs_both_dates(served, inspector, refused):
    with refused(served, "required", message="请填写责令改正送达日期和复查日期"):
        measure_record(
            case=served,
            kind="daily_penalty",
            on=date(2024, 7, 15),
            correction_served_on=date(2024, 7, 1),
            actor=inspector,
        )


def test_the_daily_penalty_builds_on_a_decided_fine(case, approver, inspector, refused):
    case = case_walk(case, "investigating", approver=approver)
    with refused(case, "fine_required", message="按日连续处罚以原处罚决定的罚款为基数"):
        measure_record(
            case=case,
            kind="daily_penalty",
            on=date(2024, 5, 20),
            correction_served_on=date(2024, 5, 11),
            reinspected_on=date(2024, 5, 19),
            actor=inspector,
        )


# --- seal / seize (查封、扣押) --------------------------------------------------------------
# 行政强制法 art. 25; 生态环境行政执法查封、扣押办法.


@pytest.fixture
def sealed(case, approver, inspector):
    case = case_walk(case, "investigating", approver=approver)
    return measure_record(case=case, kind="seal_seize", on=date(2024, 5, 11), actor=inspector)


def test_a_seal_lasts_30_days_unless_shorter(sealed):
    assert sealed.ends_on == date(2024, 6, 10)


def test_a_seal_of_more_than_30_days_is_refused(case, approver, inspector, refused):
    case = case_walk(case, "investigating", approver=approver)
    with refused(case, "seal_too_long", message="查封、扣押期限不得超过 30 日"):
        measure_record(
            case=case,
            kind="seal_seize",
            on=date(2024, 5, 11),
            ends_on=date(2024, 6, 11),
            actor=inspector,
        )
    shorter = measure_record(
        case=case,
        kind="seal_seize",
        on=date(2024, 5, 11),
        ends_on=date(2024, 5, 31),
        actor=inspector,
    )
    assert shorter.ends_on == date(2024, 5, 31)


def test_a_seal_is_extended_once_by_at_most_30_days_by_an_approver(sealed, approver, inspector):
    case = sealed.case
    with pytest.raises(Forbidden) as excinfo:
        seal_seize_extend(
            measure=sealed, until=date(2024, 7, 10), reason="案情复杂", actor=inspector
        )
    assert excinfo.value.message == "延长查封、扣押期限须由负责人批准"
    with pytest.raises(DomainError) as excinfo:
        seal_seize_extend(
            measure=sealed, until=date(2024, 7, 11), reason="案情复杂", actor=approver
        )
    assert (excinfo.value.code, excinfo.value.message) == (
        "seal_too_long",
        "延长期限不得超过 30 日",
    )
    with pytest.raises(DomainError) as excinfo:
        seal_seize_extend(measure=sealed, until=date(2024, 7, 10), reason=" ", actor=approver)
    assert excinfo.value.code == "required"
    sealed.refresh_from_db()
    assert sealed.extended_until is None

    measure = seal_seize_extend(
        measure=sealed, until=date(2024, 7, 10), reason="检测报告未出", actor=approver
    )
    assert measure.extended_until == date(2024, 7, 10)
    with pytest.raises(ConflictError) as excinfo:
        seal_seize_extend(measure=measure, until=date(2024, 7, 9), reason="再延长", actor=approver)
    assert (excinfo.value.code, excinfo.value.message) == (
        "already_extended",
        "查封、扣押期限只能延长一次",
    )
    measure.refresh_from_db()
    assert measure.extended_until == date(2024, 7, 10)
    assert measure.case == case


def test_a_measure_is_dated_between_the_discovery_and_today(case, approver, inspector, refused):
    case = case_walk(case, "investigating", approver=approver)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with refused(case, "invalid_date", message="日期应在发现日期与今天之间"):
        measure_record(case=case, kind="seal_seize", on=tomorrow, actor=inspector)


def test_no_measure_on_a_closed_case(served, approver, inspector, refused):
    pay(served, inspector, "50000", date(2024, 6, 12))
    case = close(served, approver, date(2024, 6, 20), "paid")
    with refused(case, "case_read_only", error=ConflictError):
        measure_record(case=case, kind="seal_seize", on=date(2024, 6, 21), actor=inspector)


def test_a_measure_on_a_case_of_another_region_is_not_found(sealed, approver, refused):
    bazhou_approver = OfficerFactory(roles=["approver"], regions=["131081"]).user
    with refused(sealed.case, "not_found"):
        measure_record(
            case=sealed.case, kind="seal_seize", on=date(2024, 5, 12), actor=bazhou_approver
        )
    with refused(sealed.case, "not_found"):
        seal_seize_extend(
            measure=sealed, until=date(2024, 7, 10), reason="延长", actor=bazhou_approver
        )
