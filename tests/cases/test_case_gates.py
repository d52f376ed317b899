"""The legal gates of the penalty-case procedure, one test each: the refusal's
code and Chinese message, and that nothing was written (the ``refused``
fixture compares the case, its history, events, payments and the number
counters before and after)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from cases import workflow
from cases.choices import CaseStatus as S
from cases.choices import PartyKind
from cases.models import PenaltyCase
from cases.services import case_discretion_compute, case_event_record, case_update
from ecoenforce.errors import ConflictError
from tests.factories import (
    MILD_FACTORS,
    VIOLATION_MAJOR,
    VIOLATION_MINOR,
    VIOLATION_VOCS,
    OfficerFactory,
    case_walk,
    violation_items,
)

pytestmark = pytest.mark.django_db

# Discovered on the Monday four weeks before the National Day holiday, so that
# the notice can be served on 2024-09-30, the working day before it.
SEPTEMBER = date(2024, 9, 2)


def move(case, to, actor, on, **data):
    return workflow.case_transition(case=case, to=to, actor=actor, on=on, data=data)


def notify(case, approver, on, proposed=None, **data):
    """Walk ``case`` to review (20 days after discovery), compute the discretion
    and serve the notice on ``on`` (default fine: the recommendation)."""
    case = case_walk(case, "review", approver=approver)
    case_discretion_compute(case=case, actor=approver, factors=MILD_FACTORS)
    case.refresh_from_db()
    proposed = case.recommended_fine if proposed is None else Decimal(proposed)
    return move(case, "notified", approver, on, proposed_fine=proposed, **data)


def event(case, kind, actor, on, reason="", **data):
    return case_event_record(case=case, kind=kind, actor=actor, on=on, reason=reason, data=data)


# --- officers: at least two, with certificates valid on the day they act -----------
# 处罚法 art. 42, 55; 办法 art. 31.


def test_filing_needs_two_officers_with_certificates_valid_that_day(
    case, colleague, approver, refused
):
    colleague.officer.certificate_valid_until = date(2024, 5, 8)
    colleague.officer.save()
    with refused(
        case,
        "officers_insufficient",
        message="2024-05-09 须有至少两名持有效执法证的承办人员，现有 1 名",
    ) as excinfo:
        move(case, "filed", approver, date(2024, 5, 9))
    assert excinfo.value.field == "officers"
    # On the last day of the certificate the colleague may still act.
    assert move(case, "filed", approver, date(2024, 5, 8)).status == S.FILED


def test_an_officer_without_a_badge_number_does_not_count(case, colleague, approver, refused):
    colleague.officer.badge_number = None
    colleague.officer.save()
    with refused(case, "officers_insufficient", message="现有 1 名"):
        move(case, "filed", approver, date(2024, 5, 9))


def test_investigation_needs_two_certified_officers_on_its_date(case, colleague, approver, refused):
    case = case_walk(case, "filed", approver=approver)  # on 2024-05-09
    colleague.officer.certificate_valid_until = date(2024, 5, 9)
    colleague.officer.save()
    with refused(case, "officers_insufficient", message="2024-05-10 须有至少两名"):
        move(case, "investigating", approver, date(2024, 5, 10))


def test_the_decision_needs_two_certified_officers_on_its_date(case, colleague, approver, refused):
    case = case_walk(case, "notified", approver=approver)  # notice on 2024-05-31
    colleague.officer.certificate_valid_until = date(2024, 6, 30)
    colleague.officer.save()
    with refused(case, "officers_insufficient", message="2024-07-01 须有至少两名"):
        move(case, "decided", approver, date(2024, 7, 1), fine_amount="50000")
    assert move(case, "decided", approver, date(2024, 6, 30), fine_amount="50000").decided_on


# --- filing deadline: 15 days from discovery, +15 once with approval --------------
# 办法 art. 29.


def test_filing_is_refused_after_15_days_from_discovery(case, approver, refused):
    with refused(
        case,
        "filing_deadline_passed",
        message="立案期限已于 2024-05-21 届满（发现之日起 15 日，经批准可延长 15 日）",
    ):
        move(case, "filed", approver, date(2024, 5, 22))
    assert move(case, "filed", approver, date(2024, 5, 21)).number


def test_an_approved_extension_adds_15_days_to_the_filing_deadline(case, approver, refused):
    event(case, "filing_extension", approver, date(2024, 5, 20), reason="需补充调取监测数据")
    case.refresh_from_db()
    with refused(case, "filing_deadline_passed", message="立案期限已于 2024-06-05 届满"):
        move(case, "filed", approver, date(2024, 6, 6))
    assert move(case, "filed", approver, date(2024, 6, 5)).number


def test_the_filing_deadline_is_extended_only_once(case, approver, refused):
    event(case, "filing_extension", approver, date(2024, 5, 20), reason="需补充调取监测数据")
    with refused(
        case, "already_extended", error=ConflictError, message="立案期限只能延长一次（15 日）"
    ):
        event(case, "filing_extension", approver, date(2024, 6, 1), reason="再次延长")


def test_a_lapsed_filing_deadline_is_not_extended(case, approver, refused):
    with refused(
        case, "filing_deadline_passed", message="立案期限已于 2024-05-21 届满，不能再延长"
    ):
        event(case, "filing_extension", approver, date(2024, 5, 22), reason="补充调查")
    event(case, "filing_extension", approver, date(2024, 5, 21), reason="补充调查")


@pytest.mark.parametrize("kind", ["filing_extension", "decision_extension"])
def test_an_extension_states_its_reason(case, approver, refused, kind):
    if kind == "decision_extension":
        case = case_walk(case, "investigating", approver=approver)
    with refused(case, "required", message="延长期限须写明理由"):
        event(case, kind, approver, date(2024, 5, 20), reason="  ")


# --- decision deadline: 90 days from filing, +30, +30, suspended days excluded ------
# 处罚法 art. 60; 办法 art. 58 (extensions), art. 40 (suspension).


def test_the_decision_is_refused_after_90_days_from_filing(case, approver, refused):
    case = case_walk(case, "notified", approver=approver)  # filed on 2024-05-09
    with refused(
        case,
        "decision_deadline_passed",
        message="作出决定的期限已于 2024-08-07 届满，请先办理延期审批",
    ):
        move(case, "decided", approver, date(2024, 8, 8), fine_amount="50000")
    assert move(case, "decided", approver, date(2024, 8, 7), fine_amount="50000").decided_on


def test_each_approved_extension_adds_30_days_to_the_decision_deadline(case, approver, refused):
    case = case_walk(case, "notified", approver=approver)
    event(case, "decision_extension", approver, date(2024, 8, 1), reason="案情复杂")
    case.refresh_from_db()
    with refused(case, "decision_deadline_passed", message="2024-09-06 届满"):
        move(case, "decided", approver, date(2024, 9, 7), fine_amount="50000")
    event(case, "decision_extension", approver, date(2024, 9, 1), reason="经集体讨论再次延长")
    assert move(case, "decided", approver, date(2024, 10, 6), fine_amount="50000").decided_on


def test_a_lapsed_decision_deadline_is_not_extended(case, approver, refused):
    case = case_walk(case, "notified", approver=approver)  # filed on 2024-05-09
    with refused(
        case,
        "decision_deadline_passed",
        message="作出决定的期限已于 2024-08-07 届满，不能再延长",
    ):
        event(case, "decision_extension", approver, date(2024, 8, 8), reason="案情复杂")
    event(case, "decision_extension", approver, date(2024, 8, 7), reason="案情复杂")
    case.refresh_from_db()
    assert case.decision_extensions == 1


def test_the_decision_deadline_is_extended_at_most_twice(case, approver, refused):
    case = case_walk(case, "investigating", approver=approver)
    event(case, "decision_extension", approver, date(2024, 6, 1), reason="案情复杂")
    event(case, "decision_extension", approver, date(2024, 6, 2), reason="经集体讨论再次延长")
    with refused(
        case, "already_extended", error=ConflictError, message="决定期限最多延长两次，每次 30 日"
    ):
        event(case, "decision_extension", approver, date(2024, 6, 3), reason="第三次")


def test_days_suspended_do_not_count_toward_the_decision_deadline(case, approver, refused):
    case = case_walk(case, "investigating", approver=approver)  # filed on 2024-05-09
    move(case, "suspended", approver, date(2024, 5, 15), reason="等待检测报告")
    case = move(case, "investigating", approver, date(2024, 6, 4))  # 20 days suspended
    case = case_walk(case, "notified", approver=approver)
    with refused(case, "decision_deadline_passed", message="2024-08-27 届满"):
        move(case, "decided", approver, date(2024, 8, 28), fine_amount="50000")
    assert move(case, "decided", approver, date(2024, 8, 27), fine_amount="50000").decided_on


# --- the notice and the hearing ----------------------------------------------------
# 处罚法 art. 44, 62, 63, 64, 85.


def test_no_decision_without_a_served_notice(make_case, approver, legal_reviewer, refused):
    # A paper case entered in legal review without the notice's date.
    case = make_case(
        status=S.LEGAL_REVIEW,
        filed_on=date(2024, 5, 9),
        number="廊环罚〔2024〕90号",
        number_year=2024,
        number_sequence=90,
        recommended_fine=Decimal("50000"),
        legal_review_on=date(2024, 6, 20),
    )
    with refused(case, "notice_required", message="未送达行政处罚事先告知书，不得作出处罚决定"):
        move(case, "decided", approver, date(2024, 6, 25), fine_amount="50000")


@pytest.mark.parametrize(
    ("party_kind", "proposed", "heavy", "offered"),
    [
        (PartyKind.ORGANISATION, "200000", False, False),
        (PartyKind.ORGANISATION, "200000.01", False, True),
        (PartyKind.ORGANISATION, "50000", True, True),
        (PartyKind.INDIVIDUAL, "10000", False, False),
        (PartyKind.INDIVIDUAL, "10000.01", False, True),
    ],
)
def test_a_hearing_is_offered_above_the_threshold_or_for_a_heavy_penalty(
    make_case, approver, party_kind, proposed, heavy, offered
):
    case = make_case(party_kind=party_kind, violations=[VIOLATION_MAJOR])
    case = notify(case, approver, date(2024, 5, 31), proposed, heavy_penalty=heavy)
    assert case.hearing_offered is offered


def test_no_hearing_when_the_notice_did_not_offer_one(case, inspector, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    with refused(case, "hearing_not_offered", message="本案未达到听证条件，告知书未告知听证权"):
        move(case, "hearing", inspector, date(2024, 6, 3))


def test_a_hearing_request_on_the_make_up_saturday_after_national_day_is_in_time(
    make_case, inspector, approver
):
    case = make_case(violations=[VIOLATION_MAJOR], discovered_on=SEPTEMBER)
    # Served on Monday 2024-09-30, the working day before the National Day
    # holiday (10-01 to 10-07): the five working days are 10-08 to 10-11 and
    # Saturday 10-12, a make-up workday.
    case = notify(case, approver, date(2024, 9, 30), "250000")
    case = move(case, "hearing", inspector, date(2024, 10, 12))
    assert (case.status, case.hearing_requested_on) == (S.HEARING, date(2024, 10, 12))


def test_a_hearing_request_after_the_five_working_days_is_refused(
    make_case, inspector, approver, refused
):
    case = make_case(violations=[VIOLATION_MAJOR], discovered_on=SEPTEMBER)
    case = notify(case, approver, date(2024, 9, 30), "250000")
    with refused(
        case,
        "hearing_request_late",
        message="听证申请期限已于 2024-10-12 届满（告知后 5 个工作日）",
    ):
        move(case, "hearing", inspector, date(2024, 10, 14))


def test_no_decision_while_the_statement_window_is_open(make_case, approver, refused):
    case = make_case(discovered_on=SEPTEMBER)
    case = notify(case, approver, date(2024, 9, 30), "50000")
    with refused(
        case,
        "rights_window_open",
        message="当事人陈述、申辩和听证申请期限至 2024-10-12，期满后方可作出决定",
    ):
        move(case, "decided", approver, date(2024, 10, 12), fine_amount="50000")
    assert move(case, "decided", approver, date(2024, 10, 13), fine_amount="50000").decided_on


def test_a_waiver_of_the_rights_allows_an_earlier_decision(make_case, inspector, approver, refused):
    case = make_case(discovered_on=SEPTEMBER)
    case = notify(case, approver, date(2024, 9, 30), "50000")
    event(case, "rights_waived", inspector, date(2024, 10, 9), reason="当事人书面放弃陈述申辩")
    # A waiver made after the decision's date does not count.
    with refused(case, "rights_window_open"):
        move(case, "decided", approver, date(2024, 10, 8), fine_amount="50000")
    case = move(case, "decided", approver, date(2024, 10, 9), fine_amount="50000")
    assert case.decided_on == date(2024, 10, 9)


# --- legal review and collective discussion ---------------------------------------
# 处罚法 art. 57, 58; 办法 art. 52, 55.


def test_a_fine_above_the_hearing_threshold_needs_legal_review(make_case, approver, refused):
    case = make_case(violations=[VIOLATION_MAJOR])
    case = notify(case, approver, date(2024, 5, 31), "250000")
    with refused(case, "legal_review_required", message="本案须经法制审核且审核通过后方可作出决定"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="250000")


def test_a_complex_case_needs_legal_review(case, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000", is_complex=True)
    with refused(case, "legal_review_required"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000")


def test_after_a_hearing_the_legal_review_must_pass_before_the_decision(
    make_case, approver, refused
):
    case = make_case(violations=[VIOLATION_MAJOR])
    case = case_walk(case, "legal_review", approver=approver, hearing=True)
    with refused(case, "legal_review_required", message="本案须经法制审核且审核通过后"):
        move(case, "decided", approver, date(2024, 7, 20), fine_amount="250000")


def test_a_case_submitted_for_legal_review_waits_for_the_reviewer(
    case, approver, legal_reviewer, refused
):
    case = case_walk(case, "legal_review", approver=approver)  # 50,000: review not required
    with refused(case, "legal_review_required"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000")
    event(case, "legal_review_pass", legal_reviewer, date(2024, 6, 21))
    # Nor may the decision be dated before the review passed.
    with refused(case, "legal_review_required", message="法制审核于 2024-06-21 通过"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000")
    assert move(case, "decided", approver, date(2024, 6, 21), fine_amount="50000").decided_on


def test_collective_discussion_follows_a_passed_legal_review(
    make_case, approver, legal_reviewer, refused
):
    case = make_case(violations=[VIOLATION_MAJOR])
    case = case_walk(case, "legal_review", approver=approver)
    with refused(case, "legal_review_required", message="法制审核尚未通过，不能提交集体讨论"):
        move(case, "collective_discussion", approver, date(2024, 6, 20))
    event(case, "legal_review_pass", legal_reviewer, date(2024, 6, 24))
    with refused(case, "legal_review_required", message="提交集体讨论不能早于该日"):
        move(case, "collective_discussion", approver, date(2024, 6, 21))
    assert move(case, "collective_discussion", approver, date(2024, 6, 24)).status


def test_a_large_fine_needs_collective_discussion(make_case, approver, legal_reviewer, refused):
    case = make_case(violations=[VIOLATION_MAJOR])
    case = case_walk(case, "legal_review", approver=approver)
    event(case, "legal_review_pass", legal_reviewer, date(2024, 6, 20))
    with refused(
        case,
        "collective_discussion_required",
        message="本案须经负责人集体讨论后方可作出决定",
    ):
        move(case, "decided", approver, date(2024, 6, 21), fine_amount="250000")


def test_a_heavy_penalty_needs_collective_discussion(case, approver, legal_reviewer, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000", heavy_penalty=True)
    case = move(case, "legal_review", approver, date(2024, 6, 12))
    event(case, "legal_review_pass", legal_reviewer, date(2024, 6, 13))
    with refused(case, "collective_discussion_required"):
        move(case, "decided", approver, date(2024, 6, 14), fine_amount="50000")


def test_the_discussion_lies_between_its_submission_and_the_decision(make_case, approver, refused):
    case = case_walk(
        make_case(violations=[VIOLATION_MAJOR]), "collective_discussion", approver=approver
    )
    submitted = case.transitions.get(to_status="collective_discussion").on
    with refused(case, "invalid_date", message="集体讨论日期应在提交讨论之后、决定之前"):
        move(
            case,
            "decided",
            approver,
            date(2024, 7, 1),
            fine_amount="250000",
            discussion_on=date(2024, 7, 2),
        )
    with refused(case, "invalid_date"):
        move(
            case,
            "decided",
            approver,
            date(2024, 7, 1),
            fine_amount="250000",
            discussion_on=submitted - timedelta(days=1),
        )


# --- the fine ----------------------------------------------------------------------------
# 处罚法 art. 34, 45; 河北省生态环境行政处罚自由裁量基准.


def test_the_fine_may_not_rise_above_the_notice(case, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    with refused(
        case, "fine_above_notice", message="罚款高于告知的拟罚款金额，须重新告知当事人"
    ) as excinfo:
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000.01", reason="x")
    assert excinfo.value.field == "fine_amount"


def test_a_statement_never_makes_the_fine_heavier(case, inspector, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    event(case, "statement", inspector, date(2024, 6, 3), reason="当事人提出申辩意见")
    with refused(
        case,
        "fine_above_notice",
        message="不得因当事人陈述、申辩而加重处罚：罚款不得高于告知的拟罚款金额",
    ):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="60000", reason="态度差")


def test_the_fine_lies_in_the_statutory_range(case, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    with refused(
        case, "fine_out_of_range", message="罚款金额应在法定幅度 20000.00–200000.00 元之内"
    ):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="19999", reason="减轻")


def test_the_fine_range_of_a_percentage_rule_follows_the_investment(make_case, approver, refused):
    # 环评法 art. 31: 1 %–5 % of a total investment of 3,000,000 yuan.
    case = make_case(violations=[{"type": "EIA-31-1", "base_amount": Decimal("3000000")}])
    case = notify(case, approver, date(2024, 5, 31), "150000")
    with refused(case, "fine_out_of_range", message="30000.00–150000.00"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="29999", reason="减轻")


def test_the_discretion_is_computed_before_the_fine_is_decided(case, approver, refused):
    case = case_walk(case, "review", approver=approver)
    case = move(case, "notified", approver, date(2024, 5, 31), proposed_fine="50000")
    with refused(case, "discretion_required", message="请先进行自由裁量计算，再作出罚款决定"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000")


def test_changing_the_violations_asks_for_the_discretion_again(case, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    case_update(case=case, actor=approver, violations=violation_items([VIOLATION_VOCS]))
    case.refresh_from_db()
    with refused(case, "discretion_required"):
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="50000")


def test_a_fine_off_the_recommendation_needs_a_reason(case, approver, refused):
    case = notify(case, approver, date(2024, 5, 31), "50000")
    with refused(
        case,
        "fine_reason_required",
        message="罚款金额与裁量建议 50000.00 元不同，须书面说明理由",
    ) as excinfo:
        move(case, "decided", approver, date(2024, 6, 20), fine_amount="40000")
    assert excinfo.value.field == "fine_reason"
    case = move(
        case,
        "decided",
        approver,
        date(2024, 6, 20),
        fine_amount="40000",
        fine_reason="当事人积极整改，主动减轻危害后果",
    )
    assert (case.fine_amount, case.fine_reason) == (
        Decimal("40000"),
        "当事人积极整改，主动减轻危害后果",
    )


# --- minor-violation waiver (轻微免罚 / 首违不罚) -----------------------------------------
# 处罚法 art. 33.

WAIVER = {
    "waiver_kind": "first",
    "reason": "初次违法且危害后果轻微并及时改正",
    "first_violation": True,
    "corrected": True,
    "no_harm": True,
    "commitment_letter": "承诺书（2024-05-28 签署）",
}


def test_a_first_minor_violation_is_not_penalised(case, approver):
    case = case_walk(case, "review", approver=approver)
    case = move(case, "no_penalty", approver, date(2024, 5, 28), **WAIVER)
    assert (case.status, case.waiver_kind, case.fine_amount, case.commitment_letter) == (
        S.NO_PENALTY,
        "first",
        Decimal("0"),
        "承诺书（2024-05-28 签署）",
    )


def test_the_waiver_applies_only_to_eligible_violation_types(make_case, approver, refused):
    case = make_case(violations=[VIOLATION_MINOR, VIOLATION_VOCS])
    case = case_walk(case, "review", approver=approver)
    with refused(
        case, "waiver_not_eligible", message="以下违法行为不适用轻微免罚或首违不罚："
    ) as excinfo:
        move(case, "no_penalty", approver, date(2024, 5, 28), **WAIVER)
    assert "产生含挥发性有机物废气" in excinfo.value.message


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("first_violation", "须确认为初次违法"),
        ("corrected", "须确认已及时改正"),
        ("no_harm", "须确认危害后果轻微或未造成危害后果"),
    ],
)
def test_the_waiver_needs_each_confirmation(case, approver, refused, missing, message):
    case = case_walk(case, "review", approver=approver)
    with refused(case, "waiver_condition_unmet", message=message) as excinfo:
        move(case, "no_penalty", approver, date(2024, 5, 28), **{**WAIVER, missing: False})
    assert excinfo.value.field == missing


def test_the_waiver_keeps_the_commitment_letter(case, approver, refused):
    case = case_walk(case, "review", approver=approver)
    with refused(case, "required", message="请登记当事人的承诺书"):
        move(case, "no_penalty", approver, date(2024, 5, 28), **{**WAIVER, "commitment_letter": ""})


def test_a_commitment_letter_longer_than_its_column_is_400(case, approver, api_as):
    case = case_walk(case, "review", approver=approver)
    response = api_as(approver).post(
        f"/api/v1/cases/{case.id}/transitions/",
        {"to": "no_penalty", "on": "2024-05-28", **WAIVER, "commitment_letter": "承" * 201},
        format="json",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("commitment_letter", "max_length")
    case.refresh_from_db()
    assert (case.status, case.commitment_letter) == (S.REVIEW, "")
    assert case.transitions.filter(to_status=S.NO_PENALTY).count() == 0


# --- read-only cases --------------------------------------------------------------------


@pytest.fixture
def read_only_case(case, approver):
    """``read_only_case(state)``: the case walked (or sent) to a read-only state."""

    def make(state):
        if state in ("closed", "archived"):
            return case_walk(case, state, approver=approver)
        if state == "not_filed":
            return move(case, "not_filed", approver, date(2024, 5, 8), reason="不属于本机关管辖")
        if state == "transferred":
            data = {"transfer_kind": "police", "reason": "涉嫌环境犯罪"}
            return move(case, "transferred", approver, date(2024, 5, 8), **data)
        walked = case_walk(case, "review", approver=approver)
        return move(walked, "no_penalty", approver, date(2024, 5, 28), **WAIVER)

    return make


@pytest.mark.parametrize("state", ["closed", "archived", "not_filed", "no_penalty", "transferred"])
def test_a_closed_or_exited_case_is_read_only(read_only_case, approver, refused, state):
    case = read_only_case(state)
    label = PenaltyCase(status=state).get_status_display()
    with refused(
        case,
        "case_read_only",
        error=ConflictError,
        message=f"案件处于“{label}”状态，不能再修改",
    ) as excinfo:
        case_update(case=case, actor=approver, title="修改案由")
    assert excinfo.value.status == 409
    with refused(case, "case_read_only", error=ConflictError):
        event(case, "statement", approver, date(2024, 8, 1), reason="补充申辩")
    with refused(case, "case_read_only", error=ConflictError):
        case_discretion_compute(case=case, actor=approver, factors=MILD_FACTORS)


def test_the_case_of_another_region_is_not_found_before_it_is_read_only(read_only_case, refused):
    case = read_only_case("closed")
    bazhou_approver = OfficerFactory(roles=["approver"], regions=["131081"]).user
    with refused(case, "not_found"):
        case_update(case=case, actor=bazhou_approver, title="修改案由")
