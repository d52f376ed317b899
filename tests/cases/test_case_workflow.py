"""The penalty-case procedure through cases.workflow.case_transition: the happy
path from clue to archived, illegal moves, roles, step data, effective dates,
history rows, the no-op, and the region scope."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.roles import Role
from cases import workflow
from cases.choices import CaseStatus as S
from cases.models import CaseNumberCounter, CaseTransition, PenaltyCase
from cases.penalties import payment_record
from cases.selectors import case_get, case_list
from cases.services import case_discretion_compute, case_event_record, case_register
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.conftest import SANHE
from tests.factories import (
    MILD_FACTORS,
    VIOLATION_MAJOR,
    VIOLATION_MINOR,
    OfficerFactory,
    case_walk,
    violation_items,
)

pytestmark = pytest.mark.django_db


def history(case) -> list[tuple[str, str, date, str]]:
    return [
        (row.from_status, row.to_status, row.on, row.actor.officer.name)
        for row in case.transitions.select_related("actor__officer").order_by("at", "id")
    ]


def move(case, to, actor, on, **data):
    return workflow.case_transition(case=case, to=to, actor=actor, on=on, data=data)


# --- the happy paths ---------------------------------------------------------------


def test_a_case_walks_from_clue_to_archived(
    sanhe_enterprise, inspector, colleague, approver, settings
):
    settings.ECOENFORCE_CASE_NUMBER_PREFIX = "廊环罚"
    case = case_register(
        actor=inspector,
        enterprise=sanhe_enterprise,
        source="inspection",
        discovered_on=date(2024, 5, 6),
        violations=violation_items([VIOLATION_MINOR]),
        officers=[inspector.officer, colleague.officer],
    )
    assert (case.status, case.number) == (S.CLUE, None)

    case = move(case, "filed", approver, date(2024, 5, 9))
    assert (case.number, case.filed_on) == ("廊环罚〔2024〕1号", date(2024, 5, 9))
    case = move(case, "investigating", inspector, date(2024, 5, 10))
    case = move(case, "review", inspector, date(2024, 5, 27))
    recommendation = case_discretion_compute(case=case, actor=approver, factors=MILD_FACTORS)
    assert recommendation["amount"] == "50000.00"  # 25 % × 200,000
    case = move(case, "notified", approver, date(2024, 6, 3), proposed_fine="50000")
    assert (case.notified_on, case.proposed_fine, case.hearing_offered) == (
        date(2024, 6, 3),
        Decimal("50000"),
        False,
    )
    case_event_record(
        case=case, kind="statement", actor=inspector, on=date(2024, 6, 5), reason="当事人申辩"
    )
    # 2024-06-10 (端午节) is a holiday: the five working days end on 06-11.
    case = move(case, "decided", approver, date(2024, 6, 12), fine_amount="50000")
    assert (case.decided_on, case.fine_amount) == (date(2024, 6, 12), Decimal("50000"))
    case = move(case, "served", inspector, date(2024, 6, 14))
    assert case.payment_due_on == date(2024, 6, 29)
    case = move(case, "executing", inspector, date(2024, 6, 17))
    payment_record(case=case, amount=Decimal("50000"), paid_on=date(2024, 6, 20), actor=inspector)
    case = move(case, "closed", approver, date(2024, 6, 21), closing_reason="paid")
    case = move(case, "archived", approver, date(2024, 7, 1))

    case = PenaltyCase.objects.get(pk=case.pk)
    assert (case.status, case.closing_reason, case.closed_on, case.archived_on) == (
        S.ARCHIVED,
        "paid",
        date(2024, 6, 21),
        date(2024, 7, 1),
    )
    assert history(case) == [
        ("clue", "filed", date(2024, 5, 9), "三河负责人"),
        ("filed", "investigating", date(2024, 5, 10), "三河检查员"),
        ("investigating", "review", date(2024, 5, 27), "三河检查员"),
        ("review", "notified", date(2024, 6, 3), "三河负责人"),
        ("notified", "decided", date(2024, 6, 12), "三河负责人"),
        ("decided", "served", date(2024, 6, 14), "三河检查员"),
        ("served", "executing", date(2024, 6, 17), "三河检查员"),
        ("executing", "closed", date(2024, 6, 21), "三河负责人"),
        ("closed", "archived", date(2024, 7, 1), "三河负责人"),
    ]


def test_a_large_fine_goes_through_hearing_legal_review_and_collective_discussion(
    make_case, inspector, approver, legal_reviewer
):
    case = make_case(violations=[VIOLATION_MAJOR], discovered_on=date(2024, 9, 2))
    case = case_walk(case, "review", approver=approver)
    case_discretion_compute(case=case, actor=approver, factors=MILD_FACTORS)
    # 250,000 yuan on an organisation: the party may ask for a hearing.
    case = move(case, "notified", approver, date(2024, 9, 30), proposed_fine="250000")
    assert case.hearing_offered
    case = move(case, "hearing", inspector, date(2024, 10, 12))
    case = move(case, "legal_review", inspector, date(2024, 10, 25))
    assert case.hearing_held_on == date(2024, 10, 25)
    case_event_record(
        case=case, kind="legal_review_pass", actor=legal_reviewer, on=date(2024, 10, 28)
    )
    case = move(case, "collective_discussion", legal_reviewer, date(2024, 10, 29))
    case = move(
        case,
        "decided",
        approver,
        date(2024, 10, 31),
        fine_amount="250000",
        discussion_on=date(2024, 10, 30),
    )
    assert (case.legal_review_on, case.collective_discussion_on, case.fine_amount) == (
        date(2024, 10, 28),
        date(2024, 10, 30),
        Decimal("250000"),
    )
    case = move(case, "served", inspector, date(2024, 11, 4))
    case = move(
        case,
        "closed",
        approver,
        date(2025, 3, 3),
        closing_reason="court_enforcement",
        reason="已申请三河市人民法院强制执行",
    )
    assert [row[:2] for row in history(case)] == [
        ("clue", "filed"),
        ("filed", "investigating"),
        ("investigating", "review"),
        ("review", "notified"),
        ("notified", "hearing"),
        ("hearing", "legal_review"),
        ("legal_review", "collective_discussion"),
        ("collective_discussion", "decided"),
        ("decided", "served"),
        ("served", "closed"),
    ]
    assert (case.status, case.closing_reason) == (S.CLOSED, "court_enforcement")


def test_a_clue_not_filed_leaves_the_procedure(case, approver, refused):
    case = move(case, "not_filed", approver, date(2024, 5, 8), reason="不属于本机关管辖")
    assert case.status == S.NOT_FILED
    assert case.number is None
    with refused(case, "illegal_transition", error=ConflictError):
        move(case, "filed", approver, date(2024, 5, 9))


def test_a_case_may_be_transferred_to_the_police(case, approver):
    case = case_walk(case, "investigating", approver=approver)
    case = move(
        case,
        "transferred",
        approver,
        date(2024, 5, 20),
        transfer_kind="police",
        reason="涉嫌篡改监测数据，移送公安机关",
    )
    assert (case.status, case.transfer_kind) == (S.TRANSFERRED, "police")


def test_days_suspended_are_counted_when_the_investigation_resumes(case, approver):
    case = case_walk(case, "investigating", approver=approver)
    case = move(case, "suspended", approver, date(2024, 6, 1), reason="等待检测报告")
    assert case.suspended_since == date(2024, 6, 1)
    case = move(case, "investigating", approver, date(2024, 6, 21))
    assert (case.suspended_since, case.suspended_days) == (None, 20)


# --- illegal moves: one test per class ---------------------------------------------


def test_skipping_steps_is_refused_naming_both_states(case, approver, refused):
    with refused(
        case,
        "illegal_transition",
        error=ConflictError,
        message="不能从“案件线索”变更为“已作出处罚决定”",
    ) as excinfo:
        move(case, "decided", approver, date(2024, 5, 9), fine_amount="50000")
    assert excinfo.value.status == 409


def test_going_back_outside_the_table_is_refused(case, approver, refused):
    case = case_walk(case, "served", approver=approver)
    with refused(
        case, "illegal_transition", error=ConflictError, message="不能从“已送达”变更为“已事先告知”"
    ):
        move(case, "notified", approver, date(2024, 7, 1), proposed_fine="50000")


def test_a_case_that_left_the_procedure_does_not_move(case, approver, refused):
    case = case_walk(case, "review", approver=approver)
    case = move(
        case,
        "transferred",
        approver,
        date(2024, 5, 28),
        transfer_kind="procuratorate",
        reason="涉嫌污染环境罪",
    )
    with refused(
        case, "illegal_transition", error=ConflictError, message="不能从“已移送”变更为“调查取证”"
    ):
        move(case, "investigating", approver, date(2024, 5, 29))


def test_a_closed_case_only_moves_to_archived(case, approver, refused):
    case = case_walk(case, "closed", approver=approver)
    with refused(
        case, "illegal_transition", error=ConflictError, message="不能从“已结案”变更为“执行中”"
    ):
        move(case, "executing", approver, date(2024, 7, 1))
    case = move(case, "archived", approver, date(2024, 7, 1))
    assert case.status == S.ARCHIVED


def test_an_archived_case_does_not_move(case, approver, refused):
    case = case_walk(case, "archived", approver=approver)
    with refused(
        case, "illegal_transition", error=ConflictError, message="不能从“已归档”变更为“已结案”"
    ):
        move(case, "closed", approver, date(2024, 7, 1), closing_reason="paid")


def test_an_unknown_state_is_bad_input(case, approver, refused):
    with refused(case, "invalid_choice", message="未知状态：paid") as excinfo:
        move(case, "paid", approver, date(2024, 5, 9))
    assert excinfo.value.status == 400


# --- roles ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "to", "data", "label"),
    [
        ("clue", "filed", {}, "批准立案"),
        ("clue", "not_filed", {"reason": "不属于环境违法"}, "不予立案"),
        ("notified", "decided", {"fine_amount": "50000"}, "作出处罚决定"),
        ("served", "closed", {"closing_reason": "court_enforcement", "reason": "已申请"}, "结案"),
        ("closed", "archived", {}, "归档"),
    ],
)
def test_steps_of_the_approver_are_refused_to_an_inspector(
    case, inspector, approver, refused, state, to, data, label
):
    case = case_walk(case, state, approver=approver) if state != "clue" else case
    with refused(
        case, "role_required", error=Forbidden, message=f"“{label}”须由负责人办理"
    ) as excinfo:
        move(case, to, inspector, date(2024, 8, 1), **data)
    assert excinfo.value.status == 403


@pytest.mark.parametrize("kind", ["filing_extension", "decision_extension"])
def test_deadline_extensions_need_an_approver(case, inspector, approver, refused, kind):
    if kind == "decision_extension":
        case = case_walk(case, "investigating", approver=approver)
    with refused(case, "role_required", error=Forbidden, message="须由负责人办理"):
        case_event_record(
            case=case, kind=kind, actor=inspector, on=date(2024, 5, 20), reason="案情复杂"
        )
    case_event_record(case=case, kind=kind, actor=approver, on=date(2024, 5, 20), reason="案情复杂")


def test_the_legal_review_pass_needs_a_legal_reviewer(make_case, approver, legal_reviewer, refused):
    case = case_walk(make_case(violations=[VIOLATION_MAJOR]), "legal_review", approver=approver)
    with refused(case, "role_required", error=Forbidden, message="“法制审核通过”须由法制审核办理"):
        case_event_record(case=case, kind="legal_review_pass", actor=approver, on=date(2024, 6, 20))
    case_event_record(
        case=case, kind="legal_review_pass", actor=legal_reviewer, on=date(2024, 6, 20)
    )
    assert PenaltyCase.objects.get(pk=case.pk).legal_review_on == date(2024, 6, 20)


def test_a_legal_reviewer_cannot_file_and_an_approver_cannot_send_back_a_review(
    make_case, approver, legal_reviewer, refused
):
    clue = make_case()
    with refused(clue, "role_required", error=Forbidden):
        move(clue, "filed", legal_reviewer, date(2024, 5, 9))
    case = case_walk(make_case(violations=[VIOLATION_MAJOR]), "legal_review", approver=approver)
    with refused(case, "role_required", error=Forbidden, message="“法制审核退回”须由法制审核办理"):
        move(case, "review", approver, date(2024, 6, 20), reason="事实不清")
    case = move(case, "review", legal_reviewer, date(2024, 6, 20), reason="事实不清")
    assert case.status == S.REVIEW


def test_someone_without_a_role_takes_no_step(case, outsider, refused):
    OfficerFactory(user=outsider, regions=[SANHE])
    with refused(case, "role_required", error=Forbidden):
        move(case, "filed", outsider, date(2024, 5, 9))


def test_allowed_transitions_follow_the_role(case, inspector, approver):
    assert workflow.allowed_transitions(case, inspector) == []
    assert {step.target for step in workflow.allowed_transitions(case, approver)} == {
        S.FILED,
        S.NOT_FILED,
        S.TRANSFERRED,
    }


# --- step data -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "to", "actor", "data", "field", "message"),
    [
        ("clue", "not_filed", "approver", {}, "reason", "请填写不予立案的理由"),
        ("clue", "transferred", "approver", {"reason": "移送"}, "transfer_kind", "请选择移送类型"),
        (
            "clue",
            "transferred",
            "approver",
            {"transfer_kind": "police"},
            "reason",
            "请填写移送理由",
        ),
        ("investigating", "suspended", "approver", {}, "reason", "请填写中止理由"),
        ("review", "notified", "approver", {}, "proposed_fine", "请填写拟罚款金额"),
        ("review", "no_penalty", "approver", {"reason": "轻微"}, "waiver_kind", "请选择不予处罚"),
        ("notified", "decided", "approver", {}, "fine_amount", "请填写罚款金额（无罚款填 0）"),
        ("legal_review", "review", "legal_reviewer", {}, "reason", "请填写退回理由"),
        ("served", "closed", "approver", {}, "closing_reason", "请选择结案理由"),
    ],
)
def test_each_step_requires_its_data(
    case, approver, legal_reviewer, refused, state, to, actor, data, field, message
):
    if state != "clue":
        case = case_walk(case, state, approver=approver, legal_reviewer=legal_reviewer)
    actor = {"approver": approver, "legal_reviewer": legal_reviewer}[actor]
    with refused(case, "required", message=message) as excinfo:
        move(case, to, actor, date(2024, 8, 1), **data)
    assert excinfo.value.field == field


@pytest.mark.parametrize("blank", ["", None])
def test_blank_step_data_counts_as_missing(case, approver, refused, blank):
    with refused(case, "required", message="请填写不予立案的理由"):
        move(case, "not_filed", approver, date(2024, 5, 8), reason=blank)


@pytest.mark.parametrize("amount", ["abc", "-1", "100.001"])
def test_a_proposed_fine_must_be_an_amount(case, approver, refused, amount):
    case = case_walk(case, "review", approver=approver)
    with refused(case, "invalid_amount") as excinfo:
        move(case, "notified", approver, date(2024, 6, 3), proposed_fine=amount)
    assert excinfo.value.field == "proposed_fine"


def test_a_transfer_names_a_known_recipient(case, approver, refused):
    with refused(case, "invalid_choice", message="移送类型不正确"):
        move(case, "transferred", approver, date(2024, 5, 8), transfer_kind="court", reason="x")


def test_review_needs_the_violations_charged(case, approver, refused):
    case = case_walk(case, "investigating", approver=approver)
    case.violations.all().delete()
    with refused(case, "violations_required", message="请先登记违法行为及事实"):
        move(case, "review", approver, date(2024, 5, 27))


# --- effective dates ------------------------------------------------------------------


def test_a_step_may_not_be_dated_in_the_future(case, approver, refused):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with refused(case, "future_date", message=f"日期 {tomorrow} 晚于今天"):
        move(case, "not_filed", approver, tomorrow, reason="不属于环境违法")


def test_a_step_may_not_be_dated_before_the_previous_step(case, approver, refused):
    case = case_walk(case, "investigating", approver=approver)  # on 2024-05-10
    with refused(
        case, "before_previous_step", message="日期 2024-05-09 早于上一环节的日期 2024-05-10"
    ) as excinfo:
        move(case, "review", approver, date(2024, 5, 9))
    assert excinfo.value.field == "on"
    case = move(case, "review", approver, date(2024, 5, 10))  # the same day is fine
    assert case.status == S.REVIEW


def test_a_step_may_not_be_dated_before_the_discovery(case, approver, refused):
    with refused(case, "before_previous_step", message="早于发现日期 2024-05-06"):
        move(case, "not_filed", approver, date(2024, 5, 5), reason="不属于环境违法")


def test_a_step_without_a_date_happens_today(case, approver):
    case = workflow.case_transition(
        case=case, to="not_filed", actor=approver, data={"reason": "不属于环境违法"}
    )
    assert case.transitions.get().on == timezone.localdate()


# --- history ---------------------------------------------------------------------------


def test_every_move_writes_one_history_row_with_who_when_and_why(case, approver):
    case = workflow.case_transition(
        case=case, to="filed", actor=approver, on=date(2024, 5, 9), note="线索属实，予以立案"
    )
    row = case.transitions.get()
    assert (row.from_status, row.to_status, row.on, row.actor, row.note) == (
        "clue",
        "filed",
        date(2024, 5, 9),
        approver,
        "线索属实，予以立案",
    )
    case = move(case, "investigating", approver, date(2024, 5, 10))
    case = move(case, "suspended", approver, date(2024, 5, 20), reason="等待监测报告")
    rows = list(case.transitions.order_by("at", "id"))
    assert [(r.from_status, r.to_status) for r in rows] == [
        ("clue", "filed"),
        ("filed", "investigating"),
        ("investigating", "suspended"),
    ]
    assert rows[-1].data == {"reason": "等待监测报告"}


def test_the_history_row_is_written_in_the_same_transaction(case, approver, monkeypatch):
    def fail(**kwargs):
        raise RuntimeError("history unavailable")

    monkeypatch.setattr(CaseTransition.objects, "create", fail)
    with pytest.raises(RuntimeError):
        move(case, "filed", approver, date(2024, 5, 9))
    case.refresh_from_db()
    assert (case.status, case.number, case.filed_on) == (S.CLUE, None, None)
    assert not CaseNumberCounter.objects.filter(last__gt=0).exists()


def test_moving_to_the_current_state_is_a_no_op_without_a_history_row(case, approver):
    case = case_walk(case, "filed", approver=approver)
    number = case.number
    again = move(case, "filed", approver, date(2024, 5, 12))
    assert (again.status, again.number, again.filed_on) == (S.FILED, number, date(2024, 5, 9))
    assert case.transitions.count() == 1


def test_a_stale_expected_status_is_a_concurrent_change(case, approver, refused):
    case = case_walk(case, "filed", approver=approver)
    with refused(
        case, "concurrent_change", error=ConflictError, message="案件状态已被他人改为“已立案”"
    ) as excinfo:
        workflow.case_transition(
            case=case,
            to="filed",
            actor=approver,
            on=date(2024, 5, 10),
            expected_status="clue",
        )
    assert excinfo.value.status == 409
    case = workflow.case_transition(
        case=case, to="investigating", actor=approver, on=date(2024, 5, 10), expected_status="filed"
    )
    assert case.status == S.INVESTIGATING


# --- scope ------------------------------------------------------------------------------


def test_an_inspector_of_another_region_does_not_see_the_case(case, inspector, other_inspector):
    assert list(case_list(user=inspector)) == [case]
    assert list(case_list(user=other_inspector)) == []
    with pytest.raises(PenaltyCase.DoesNotExist):
        case_get(user=other_inspector, pk=case.pk)


def test_an_inspector_of_another_region_gets_404_from_the_services(
    case, approver, other_inspector, refused
):
    case = case_walk(case, "filed", approver=approver)
    bazhou_approver = OfficerFactory(roles=[Role.APPROVER], regions=["131081"]).user
    with refused(case, "not_found") as excinfo:
        move(case, "investigating", other_inspector, date(2024, 5, 10))
    assert excinfo.value.status == 404
    with refused(case, "not_found") as excinfo:
        case_event_record(
            case=case,
            kind="decision_extension",
            actor=bazhou_approver,
            on=date(2024, 5, 10),
            reason="案情复杂",
        )
    assert excinfo.value.status == 404


def test_an_inspector_of_another_region_gets_404_from_the_api(
    case, approver, inspector, other_inspector, api_as
):
    case = case_walk(case, "filed", approver=approver)
    url = f"/api/v1/cases/{case.pk}/"
    assert api_as(inspector).get(url).status_code == 200
    client = api_as(other_inspector)
    assert client.get(url).status_code == 404
    response = client.post(
        f"{url}transitions/", {"to": "investigating", "on": "2024-05-10"}, format="json"
    )
    assert response.status_code == 404
    assert PenaltyCase.objects.get(pk=case.pk).status == S.FILED


def test_a_case_registered_by_another_region_is_refused(bazhou_enterprise, inspector, colleague):
    with pytest.raises(DomainError) as excinfo:
        case_register(
            actor=inspector,
            enterprise=bazhou_enterprise,
            source="inspection",
            discovered_on=date(2024, 5, 6),
            violations=violation_items([VIOLATION_MINOR]),
            officers=[inspector.officer, colleague.officer],
        )
    assert excinfo.value.code == "region_out_of_scope"
    assert not PenaltyCase.objects.exists()
