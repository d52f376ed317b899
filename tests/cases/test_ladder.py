"""The escalation ladder "一次帮扶、两次督导、三次严惩": the proposal from an
enterprise's minor findings in the window, shown on completion, and the
decision recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cases import inspection_services as services
from cases.choices import InspectionTrigger, LadderStep
from cases.ladder import ladder_decide, ladder_proposal, months_before, window_start_for
from cases.models import LadderDecision
from ecoenforce.errors import ConflictError, DomainError, Forbidden
from tests.cases.inspection_helpers import finish, minor, request, started, today

pytestmark = pytest.mark.django_db

URL = "/api/v1/inspections/ladder/"


@pytest.fixture
def officers(inspector, colleague):
    return [inspector.officer, colleague.officer]


@pytest.fixture
def visit(inspector, approver, officers, sanhe_enterprise):
    """``visit(days_ago, findings)``: a completed inspection of the 三河 enterprise."""

    def run(days_ago: int, findings=(), **fields):
        inspection = started(
            inspector,
            approver,
            sanhe_enterprise,
            officers,
            inspected_on=today() - timedelta(days=days_ago),
            **fields,
        )
        return finish(inspection, inspector, findings=findings)

    return run


def test_the_three_steps(visit, sanhe_enterprise):
    assert ladder_proposal(sanhe_enterprise).step == LadderStep.NONE
    first = visit(60, [minor("危废标签不规范")])
    assert (first.ladder.step, first.ladder.minor_count) == (LadderStep.ASSISTANCE, 1)
    assert first.inspection.ladder_proposal == "assistance"
    second = visit(30, [minor("台账记录不全")])
    assert (second.ladder.step, second.ladder.minor_count) == (LadderStep.SUPERVISION, 2)
    third = visit(1, [minor("废气收集罩破损")])
    assert (third.ladder.step, third.ladder.minor_count) == (LadderStep.PENALTY, 3)
    fourth = visit(0, [minor("又一次轻微问题")])
    assert fourth.ladder.step == LadderStep.PENALTY
    step, count, start = ladder_proposal(sanhe_enterprise)
    assert (step, count, start) == (LadderStep.PENALTY, 4, window_start_for(today()))


def test_counts_times_not_problems_and_only_minor_originals(
    visit, inspector, officers, sanhe_enterprise
):
    first = visit(
        20, [minor("问题一"), minor("问题二"), {"description": "严重", "severity": "serious"}]
    )
    assert first.ladder.minor_count == 1  # one visit, one time
    # A visit with general or serious problems only is not a step of this ladder.
    visit(15, [{"description": "一般问题", "severity": "general"}])
    # A follow-up carries the open minor problems; the copies are not counted again.
    follow = services.inspection_request(
        actor=inspector,
        enterprise=sanhe_enterprise,
        trigger=InspectionTrigger.FOLLOW_UP,
        follow_up_of=first.inspection,
        officers=officers,
        inspected_on=today() - timedelta(days=5),
    )
    assert follow.findings.filter(severity="minor").count() == 2
    assert ladder_proposal(sanhe_enterprise).minor_count == 1


def test_unfinished_and_cancelled_inspections_do_not_count(
    inspector, approver, officers, sanhe_enterprise
):
    under_way = started(inspector, approver, sanhe_enterprise, officers)
    services.finding_add(
        inspection=under_way, actor=inspector, description="待完成", severity="minor"
    )
    cancelled = request(inspector, sanhe_enterprise, officers)
    services.finding_add(
        inspection=cancelled, actor=inspector, description="已取消", severity="minor"
    )
    services.inspection_cancel(inspection=cancelled, actor=inspector, reason="重复")
    assert ladder_proposal(sanhe_enterprise).minor_count == 0


def test_the_window(visit, sanhe_enterprise, settings):
    as_of = today()
    start = window_start_for(as_of)
    assert start == months_before(as_of, 12) + timedelta(days=1)
    visit((as_of - start).days + 1, [minor("窗口之外")])  # the day before the window
    assert ladder_proposal(sanhe_enterprise).minor_count == 0
    visit((as_of - start).days, [minor("窗口第一天")])
    assert ladder_proposal(sanhe_enterprise).step == LadderStep.ASSISTANCE
    settings.ECOENFORCE_LADDER_WINDOW_MONTHS = 24
    assert ladder_proposal(sanhe_enterprise).step == LadderStep.SUPERVISION
    # Asked about an earlier day, later findings do not count.
    assert ladder_proposal(sanhe_enterprise, as_of=start - timedelta(days=2)).minor_count == 0


def test_month_arithmetic():
    assert months_before(date(2025, 6, 30), 12) == date(2024, 6, 30)
    assert window_start_for(date(2025, 6, 30)) == date(2024, 7, 1)
    assert months_before(date(2024, 3, 31), 1) == date(2024, 2, 29)
    assert months_before(date(2025, 1, 15), 13) == date(2023, 12, 15)


class TestDecision:
    def test_record_the_proposed_step(self, visit, inspector, sanhe_enterprise):
        done = visit(3, [minor()])
        decision = ladder_decide(
            enterprise=sanhe_enterprise,
            inspection=done.inspection,
            decided="assistance",
            actor=inspector,
            note="上门帮扶，讲解危废管理要求",
        )
        assert (decision.proposed, decision.decided, decision.minor_findings) == (
            "assistance",
            "assistance",
            1,
        )
        assert decision.window_start == window_start_for(done.inspection.inspected_on)
        with pytest.raises(ConflictError) as excinfo:
            ladder_decide(
                enterprise=sanhe_enterprise,
                inspection=done.inspection,
                decided="assistance",
                actor=inspector,
            )
        assert excinfo.value.code == "already_decided"

    def test_deciding_otherwise_needs_a_reason(self, visit, inspector, sanhe_enterprise):
        done = visit(3, [minor()])
        with pytest.raises(DomainError) as excinfo:
            ladder_decide(
                enterprise=sanhe_enterprise,
                inspection=done.inspection,
                decided="penalty",
                actor=inspector,
            )
        assert excinfo.value.code == "reason_required"
        assert not LadderDecision.objects.exists()
        ladder_decide(
            enterprise=sanhe_enterprise,
            inspection=done.inspection,
            decided="penalty",
            actor=inspector,
            note="造成环境污染后果，直接立案",
        )

    def test_scope_role_and_state(
        self,
        inspector,
        other_inspector,
        manager,
        approver,
        officers,
        sanhe_enterprise,
        bazhou_enterprise,
    ):
        with pytest.raises(DomainError) as excinfo:
            ladder_decide(enterprise=sanhe_enterprise, decided="none", actor=other_inspector)
        assert excinfo.value.code == "region_out_of_scope"
        with pytest.raises(Forbidden):
            ladder_decide(enterprise=sanhe_enterprise, decided="none", actor=manager)
        open_one = started(inspector, approver, sanhe_enterprise, officers)
        with pytest.raises(ConflictError) as excinfo:
            ladder_decide(
                enterprise=sanhe_enterprise,
                inspection=open_one,
                decided="none",
                actor=inspector,
            )
        assert excinfo.value.code == "inspection_not_completed"
        assert not LadderDecision.objects.exists()


class TestApi:
    def test_get_proposal_and_post_decision(self, api_as, visit, inspector, sanhe_enterprise):
        visit(10, [minor()])
        done = visit(2, [minor()])
        client = api_as(inspector)
        response = client.get(URL, {"enterprise": sanhe_enterprise.pk})
        assert response.status_code == 200, response.json()
        proposal = response.json()["proposal"]
        assert (proposal["step"], proposal["minor_count"]) == ("supervision", 2)
        assert proposal["step_display"] == "督导"
        response = client.post(
            URL,
            {
                "enterprise": sanhe_enterprise.pk,
                "inspection": done.inspection.pk,
                "decided": "supervision",
                "note": "约谈企业负责人",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["proposed"] == "supervision"
        decisions = client.get(URL, {"enterprise": sanhe_enterprise.pk}).json()["decisions"]
        assert [d["decided"] for d in decisions] == ["supervision"]

    def test_other_region_and_bad_query(self, api_as, other_inspector, inspector, sanhe_enterprise):
        response = api_as(other_inspector).get(URL, {"enterprise": sanhe_enterprise.pk})
        assert response.status_code == 404
        response = api_as(inspector).get(URL)
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "enterprise"

    def test_manager_reads_but_does_not_decide(self, api_as, manager, sanhe_enterprise):
        client = api_as(manager)
        assert client.get(URL, {"enterprise": sanhe_enterprise.pk}).status_code == 200
        response = client.post(
            URL, {"enterprise": sanhe_enterprise.pk, "decided": "none"}, format="json"
        )
        assert response.status_code == 403
