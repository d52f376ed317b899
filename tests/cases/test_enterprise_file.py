"""The enterprise file (一企一档): the timeline of every kind (completeness, order,
paging, filters, a constant query count), the 12-quarter compliance strip on
a crafted history, the API, and the staff page with its QR code."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases import feedback_services
from cases.enterprise_file import (
    TIMELINE_KINDS,
    compliance_strip,
    enterprise_timeline,
    last_quarters,
)
from cases.models import Feedback
from tests.cases import feedback_support as make
from tests.conftest import SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def submitted(link_visit, actor, *, kind, on: date, **fields) -> Feedback:
    _, token, _ = feedback_services.feedback_link_create(actor=actor, visit=link_visit)
    if kind == "rating":
        feedback = feedback_services.feedback_submit(
            raw_token=token, kind="rating", rating=fields.get("rating", 5), comment="服务到位"
        )
    else:
        feedback = feedback_services.feedback_submit(
            raw_token=token, kind="complaint", complaint_text="检查时态度生硬"
        )
    Feedback.objects.filter(pk=feedback.pk).update(submitted_on=on)
    return feedback


# Each kind on a date of its own (newest first), so the order is known.
DATES = {
    "feedback": date(2025, 6, 20),
    "demand_resolved": date(2025, 6, 1),
    "positive_list_removed": date(2025, 5, 20),
    "case_closed": date(2025, 5, 10),
    "special_measure": date(2025, 4, 15),
    "case_decided": date(2025, 4, 1),
    "ladder": date(2025, 3, 5),
    "case_filed": date(2025, 2, 20),
    "offsite": date(2025, 2, 10),
    "finding": date(2025, 1, 15),
    "inspection": date(2025, 1, 15),
    "demand_unresolvable": date(2024, 12, 20),
    "demand_raised": date(2024, 11, 10),
    "symposium": date(2024, 10, 18),
    "visit": date(2024, 9, 9),
    "positive_list_added": date(2024, 3, 1),
}


@pytest.fixture
def history(sanhe_enterprise, inspector, colleague, approver):
    """An enterprise with one record of every kind of the timeline."""
    e, officers = sanhe_enterprise, [inspector.officer, colleague.officer]
    make.positive_entry(e, DATES["positive_list_added"], removed=DATES["positive_list_removed"])
    visited = make.visit(e, DATES["visit"], officers=officers, notes="宣讲排污许可政策")
    make.symposium(e, DATES["symposium"])
    make.demand(e, DATES["demand_raised"], resolved=DATES["demand_resolved"])
    unresolvable = make.demand(e, date(2024, 12, 1), category="finance")
    unresolvable.status = "unresolvable"
    unresolvable.unresolvable_on = DATES["demand_unresolvable"]
    unresolvable.unresolvable_reason = "不符合补助条件"
    unresolvable.save()
    checked = make.inspection(
        e, DATES["inspection"], officers, outcome="rectification", summary="危废库检查"
    )
    make.finding(checked, "危废标签不规范")
    make.offsite(e, DATES["offsite"], 1, status="rectified_online")
    case = make.penalty_case(
        e,
        discovered=date(2025, 2, 18),
        filed=DATES["case_filed"],
        decided=DATES["case_decided"],
        fine=Decimal("50000"),
        closed=DATES["case_closed"],
        number="廊环罚〔2025〕7号",
    )
    make.measure(case, DATES["special_measure"], kind="seal_seize")
    make.ladder_decision(e, DATES["ladder"], checked)
    submitted(visited, inspector, kind="rating", on=DATES["feedback"], rating=4)
    return {"enterprise": e, "case": case, "inspection": checked, "visit": visited}


class TestTimeline:
    def test_every_kind_appears_with_its_date_title_and_link(self, history, approver):
        page = enterprise_timeline(enterprise=history["enterprise"], user=approver)
        by_kind = {entry.kind: entry for entry in page.entries}
        assert set(by_kind) == set(TIMELINE_KINDS)
        assert page.count == len(TIMELINE_KINDS) + 1  # the second demand was raised too
        for kind, day in DATES.items():
            assert by_kind[kind].date == day, kind
        titles = {kind: entry.title for kind, entry in by_kind.items()}
        assert titles["inspection"] == "现场检查（专项行动）"
        assert titles["finding"] == "发现问题（轻微）"
        assert titles["offsite"] == "非现场执法记录：在线监控"
        assert titles["case_filed"] == "立案：案件 廊环罚〔2025〕7号"
        assert titles["case_decided"] == "行政处罚决定：案件 廊环罚〔2025〕7号"
        assert titles["case_closed"] == "结案：案件 廊环罚〔2025〕7号"
        assert titles["special_measure"] == "配套办法：查封、扣押"
        assert titles["ladder"] == "阶梯式措施：帮扶"
        assert titles["visit"] == "走访（日常走访）"
        assert titles["symposium"] == "参加政企座谈会：优化营商环境座谈会"
        assert titles["demand_raised"] == "提出诉求（排污许可）"
        assert titles["demand_resolved"] == "诉求已解决（排污许可）"
        assert titles["demand_unresolvable"] == "诉求认定无法解决（资金及绿色金融）"
        assert titles["feedback"] == "服务评价：4 星"
        assert titles["positive_list_added"] == "纳入正面清单"
        assert titles["positive_list_removed"] == "移出正面清单"
        assert "罚款 50,000.00 元" in by_kind["case_decided"].detail
        assert "颗粒物 35.2mg/m³（限值 20mg/m³）" in by_kind["offsite"].detail
        case_url = reverse("admin:cases_penaltycase_change", args=[history["case"].pk])
        for kind in ("case_filed", "case_decided", "case_closed", "special_measure"):
            assert by_kind[kind].link == case_url
        assert by_kind["inspection"].link == reverse(
            "admin:cases_inspection_change", args=[history["inspection"].pk]
        )
        assert by_kind["visit"].link == reverse(
            "admin:companies_visit_change", args=[history["visit"].pk]
        )

    def test_newest_first_then_kind(self, history, approver):
        entries = enterprise_timeline(enterprise=history["enterprise"], user=approver).entries
        keys = [(entry.date, entry.kind) for entry in entries]
        assert [d for d, _ in keys] == sorted((d for d, _ in keys), reverse=True)
        same_day = [kind for day, kind in keys if day == date(2025, 1, 15)]
        assert same_day == ["finding", "inspection"]

    def test_paging(self, history, approver):
        first = enterprise_timeline(
            enterprise=history["enterprise"], user=approver, page=1, page_size=5
        )
        fourth = enterprise_timeline(
            enterprise=history["enterprise"], user=approver, page=4, page_size=5
        )
        everything = enterprise_timeline(enterprise=history["enterprise"], user=approver)
        assert first.count == fourth.count == everything.count == 17
        assert (first.num_pages, first.has_next, fourth.has_next) == (4, True, False)
        assert first.entries == everything.entries[:5]
        assert fourth.entries == everything.entries[15:]

    def test_kind_filter(self, history, approver):
        page = enterprise_timeline(
            enterprise=history["enterprise"], user=approver, kinds=["visit", "feedback"]
        )
        assert [entry.kind for entry in page.entries] == ["feedback", "visit"]
        assert page.count == 2

    def test_unknown_kind(self, history, approver):
        with pytest.raises(ValueError):
            enterprise_timeline(enterprise=history["enterprise"], user=approver, kinds=["nope"])

    def test_period_filter(self, history, approver):
        page = enterprise_timeline(
            enterprise=history["enterprise"],
            user=approver,
            start=date(2025, 4, 1),
            end=date(2025, 5, 10),
        )
        assert {entry.kind for entry in page.entries} == {
            "case_decided",
            "special_measure",
            "case_closed",
        }

    def test_outside_the_region_is_not_found(self, history, other_inspector):
        with pytest.raises(Http404):
            enterprise_timeline(enterprise=history["enterprise"], user=other_inspector)

    def test_an_inspector_sees_ratings_of_own_visits_but_no_complaints(
        self, history, inspector, approver
    ):
        submitted(history["visit"], inspector, kind="complaint", on=date(2025, 6, 21))
        for_inspector = enterprise_timeline(
            enterprise=history["enterprise"], user=fresh(inspector), kinds=["feedback"]
        )
        assert [entry.title for entry in for_inspector.entries] == ["服务评价：4 星"]
        for_approver = enterprise_timeline(
            enterprise=history["enterprise"], user=fresh(approver), kinds=["feedback"]
        )
        assert [entry.title for entry in for_approver.entries] == [
            "监督投诉（待受理）",
            "服务评价：4 星",
        ]

    def test_other_enterprises_records_stay_out(self, history, approver, inspector):
        other = EnterpriseFactory(region_id=SANHE)
        make.visit(other, date(2025, 1, 1), officers=[inspector.officer])
        make.inspection(other, date(2025, 1, 2), [inspector.officer])
        page = enterprise_timeline(enterprise=history["enterprise"], user=approver)
        assert page.count == 17


def long_history(enterprise, officers, size: int) -> None:
    """``size`` records of each of the common kinds."""
    for n in range(size):
        day = date(2023, 1, 1) + timedelta(days=3 * n)
        checked = make.inspection(enterprise, day, officers)
        make.finding(checked)
        make.offsite(enterprise, day, n + 100)
        make.visit(enterprise, day, officers=officers)
        make.demand(enterprise, day, resolved=day + timedelta(days=2))
        case = make.penalty_case(
            enterprise, discovered=day, filed=day, decided=day + timedelta(days=30), fine=1000
        )
        make.measure(case, day + timedelta(days=5))


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


class TestTimelineQueries:
    def test_same_queries_for_a_short_and_a_long_history(self, inspector, colleague, approver):
        short = EnterpriseFactory(region_id=SANHE)
        long = EnterpriseFactory(region_id=SANHE)
        officers = [inspector.officer, colleague.officer]
        long_history(short, officers, 1)
        long_history(long, officers, 40)
        user = fresh(approver)
        enterprise_timeline(enterprise=short, user=user)  # warms the user's scope and roles

        short_count = count_queries(lambda: enterprise_timeline(enterprise=short, user=user))
        long_page = None

        def read_long():
            nonlocal long_page
            long_page = enterprise_timeline(enterprise=long, user=user, page=3, page_size=50)

        long_count = count_queries(read_long)
        assert long_page.count == 40 * 9 and len(long_page.entries) == 50
        # The user's roles (who may read complaints), the page of the union, its COUNT.
        assert short_count == long_count == 3

    def test_api_query_count_is_pinned(self, api_as, inspector, colleague, approver):
        officers = [inspector.officer, colleague.officer]
        short = EnterpriseFactory(region_id=SANHE)
        long = EnterpriseFactory(region_id=SANHE)
        long_history(short, officers, 1)
        long_history(long, officers, 30)
        counts = []
        for enterprise in (short, long):
            client = api_as(fresh(approver))
            url = f"/api/v1/enterprises/{enterprise.pk}/timeline/"
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, {"page_size": 100})
            assert response.status_code == 200
            counts.append(len(captured))
        # user and group permissions, officer, scope roots, scope codes, the
        # enterprise, roles (feedback visibility), the page, its COUNT.
        assert counts == [9, 9]


# --- the compliance strip ---------------------------------------------------------------------

AS_OF = date(2025, 9, 30)


@pytest.fixture
def crafted(sanhe_enterprise, inspector, colleague):
    """One history with each status in chosen quarters (2022Q4 … 2025Q3)."""
    e, officers = sanhe_enterprise, [inspector.officer, colleague.officer]
    rows = {}
    # 2023Q1 no problem: a completed inspection without findings.
    rows["clean"] = make.inspection(e, date(2023, 2, 10), officers)
    # 2023Q2 problem: an inspection with a new finding.
    rows["dirty"] = make.inspection(e, date(2023, 5, 10), officers, outcome="rectification")
    make.finding(rows["dirty"])
    # 2023Q3 no problem: only a dismissed non-site alert (a device fault).
    rows["dismissed"] = make.offsite(e, date(2023, 8, 1), 1, status="dismissed")
    # 2023Q4 problem: an alert rectified online (not dismissed).
    rows["alert"] = make.offsite(e, date(2023, 11, 3), 2, status="rectified_online")
    # 2024Q1–Q2 enforcement: a case filed in February, closed in May; an
    # inspection with findings in Q2 does not change that.
    rows["case"] = make.penalty_case(
        e,
        discovered=date(2024, 2, 1),
        filed=date(2024, 2, 10),
        decided=date(2024, 4, 1),
        fine=Decimal("30000"),
        closed=date(2024, 5, 20),
    )
    make.finding(make.inspection(e, date(2024, 4, 20), officers, outcome="rectification"))
    # 2024Q3 not checked: a case closed on the quarter's first day was no longer open in it.
    rows["boundary"] = make.penalty_case(
        e, discovered=date(2024, 6, 1), filed=date(2024, 6, 1), closed=date(2024, 7, 1)
    )
    # 2024Q4 enforcement: a special measure dated in it (its case filed later: the measure alone).
    rows["measured"] = make.penalty_case(e, discovered=date(2024, 10, 1))
    rows["measure"] = make.measure(rows["measured"], date(2024, 11, 11), kind="daily_penalty")
    # 2025Q1 problem: an alert nobody has cleared yet (待核查).
    rows["untriaged"] = make.offsite(e, date(2025, 3, 3), 3, status="new")
    # 2025Q2 not checked: a cancelled inspection (with a finding) and one not finished.
    cancelled = make.inspection(e, date(2025, 4, 8), officers, status="cancelled")
    make.finding(cancelled)
    make.inspection(e, date(2025, 5, 8), officers, status="in_progress")
    # 2025Q3 no problem: a follow-up that verified the carried problem corrected.
    earlier = make.inspection(e, date(2025, 6, 30), officers, status="cancelled")
    original = make.finding(earlier, status="corrected", corrected_on=date(2025, 7, 15))
    rows["follow_up"] = make.inspection(
        e, date(2025, 7, 15), officers, trigger="follow_up", follow_up_of=earlier
    )
    make.finding(
        rows["follow_up"],
        carried_from=original,
        found_on=original.found_on,
        status="corrected",
        corrected_on=date(2025, 7, 15),
        verified_by=rows["follow_up"],
    )
    return rows


EXPECTED = {
    "2022Q4": "not_checked",
    "2023Q1": "no_problem",
    "2023Q2": "problem",
    "2023Q3": "no_problem",
    "2023Q4": "problem",
    "2024Q1": "enforcement",
    "2024Q2": "enforcement",
    "2024Q3": "not_checked",
    "2024Q4": "enforcement",
    "2025Q1": "problem",
    "2025Q2": "not_checked",
    "2025Q3": "no_problem",
}


class TestComplianceStrip:
    def test_twelve_quarters_ending_with_the_current_one(self):
        quarters = last_quarters(date(2025, 8, 15), 12)
        assert [q for q, _, _ in quarters][:2] == ["2022Q4", "2023Q1"]
        assert quarters[-1] == ("2025Q3", date(2025, 7, 1), date(2025, 9, 30))
        assert quarters[0][1:] == (date(2022, 10, 1), date(2022, 12, 31))

    def test_statuses_of_a_crafted_history(self, sanhe_enterprise, crafted):
        cells = compliance_strip(enterprise=sanhe_enterprise, as_of=AS_OF)
        assert {cell.quarter: cell.status for cell in cells} == EXPECTED

    def test_records_behind_each_status(self, sanhe_enterprise, crafted):
        cells = {c.quarter: c for c in compliance_strip(enterprise=sanhe_enterprise, as_of=AS_OF)}
        assert [(r["kind"], r["id"]) for r in cells["2023Q2"].records] == [
            ("inspection", crafted["dirty"].pk)
        ]
        assert cells["2023Q2"].records[0]["link"] == reverse(
            "admin:cases_inspection_change", args=[crafted["dirty"].pk]
        )
        assert [(r["kind"], r["id"]) for r in cells["2024Q2"].records] == [
            ("case", crafted["case"].pk),
            ("case", crafted["boundary"].pk),
        ]
        assert [(r["kind"], r["id"]) for r in cells["2024Q4"].records] == [
            ("special_measure", crafted["measure"].pk)
        ]
        assert [(r["kind"], r["id"]) for r in cells["2023Q3"].records] == [
            ("offsite", crafted["dismissed"].pk)
        ]
        assert cells["2022Q4"].records == []

    def test_an_open_case_covers_every_quarter_until_today(self, sanhe_enterprise):
        make.penalty_case(sanhe_enterprise, discovered=date(2024, 12, 1), filed=date(2024, 12, 5))
        cells = compliance_strip(enterprise=sanhe_enterprise, as_of=AS_OF)
        assert [c.status for c in cells][-4:] == ["enforcement"] * 4
        assert cells[-5].status == "not_checked"

    def test_four_queries_whatever_the_history(self, sanhe_enterprise, crafted, inspector):
        short = EnterpriseFactory(region_id=SANHE)
        assert count_queries(lambda: compliance_strip(enterprise=short, as_of=AS_OF)) == 4
        long_history(sanhe_enterprise, [inspector.officer], 20)
        assert (
            count_queries(lambda: compliance_strip(enterprise=sanhe_enterprise, as_of=AS_OF)) == 4
        )


# --- API ----------------------------------------------------------------------------------------


class TestApi:
    def test_timeline(self, api_as, approver, history):
        url = f"/api/v1/enterprises/{history['enterprise'].pk}/timeline/"
        body = api_as(fresh(approver)).get(url, {"page_size": 5}).json()
        assert body["count"] == 17 and len(body["results"]) == 5
        assert "page=2" in body["next"] and body["previous"] is None
        first = body["results"][0]
        assert first == {
            "kind": "feedback",
            "kind_display": "服务评价与投诉",
            "date": "2025-06-20",
            "title": "服务评价：4 星",
            "detail": "服务到位",
            "record_id": first["record_id"],
            "related_id": None,
            "link": reverse("admin:cases_feedback_change", args=[first["record_id"]]),
        }

    def test_timeline_filters(self, api_as, approver, history):
        url = f"/api/v1/enterprises/{history['enterprise'].pk}/timeline/"
        client = api_as(fresh(approver))
        kinds = client.get(url, {"kind": ["visit", "symposium"]}).json()
        assert {row["kind"] for row in kinds["results"]} == {"visit", "symposium"}
        comma = client.get(url, {"kind": "visit,symposium"}).json()
        assert comma["count"] == kinds["count"] == 2
        period = client.get(url, {"start": "2025-05-01", "end": "2025-05-31"}).json()
        assert [row["kind"] for row in period["results"]] == [
            "positive_list_removed",
            "case_closed",
        ]

    def test_timeline_bad_input(self, api_as, approver, history):
        url = f"/api/v1/enterprises/{history['enterprise'].pk}/timeline/"
        client = api_as(fresh(approver))
        bad_kind = client.get(url, {"kind": "nope"})
        assert bad_kind.status_code == 400
        assert bad_kind.json()["errors"][0]["field"].startswith("kind")
        backwards = client.get(url, {"start": "2025-05-01", "end": "2025-04-01"})
        assert backwards.status_code == 400
        assert backwards.json()["errors"] == [
            {"field": "end", "code": "invalid", "message": "结束日期不能早于开始日期"}
        ]
        assert client.get(url, {"page_size": 501}).status_code == 400

    def test_outside_the_region_and_without_the_right(
        self, api, api_as, other_inspector, monitoring_platform, history
    ):
        url = f"/api/v1/enterprises/{history['enterprise'].pk}/timeline/"
        assert api_as(fresh(other_inspector)).get(url).status_code == 404
        compliance = f"/api/v1/enterprises/{history['enterprise'].pk}/compliance/"
        assert api_as(fresh(other_inspector)).get(compliance).status_code == 404
        assert api_as(monitoring_platform).get(url).status_code == 403
        api.force_authenticate(None)
        assert api.get(url).status_code == 401

    def test_compliance(self, api_as, inspector, sanhe_enterprise, crafted):
        url = f"/api/v1/enterprises/{sanhe_enterprise.pk}/compliance/"
        body = api_as(fresh(inspector)).get(url, {"as_of": "2025-09-30"}).json()
        assert body["as_of"] == "2025-09-30"
        quarters = body["quarters"]
        assert {q["quarter"]: q["status"] for q in quarters} == EXPECTED
        q2 = next(q for q in quarters if q["quarter"] == "2023Q2")
        assert q2["status_display"] == "发现问题"
        assert q2["timeline"].endswith(
            f"/api/v1/enterprises/{sanhe_enterprise.pk}/timeline/?start=2023-04-01&end=2023-06-30"
        )


# --- the staff page -----------------------------------------------------------------------------


def external_urls(html: str) -> list[str]:
    return re.findall(r"""(?:src|href|action)=["'](?:https?:)?//[^"']*""", html)


class TestPage:
    def test_renders_file_strip_timeline_and_qr_code(self, client, inspector, history):
        enterprise = history["enterprise"]
        client.force_login(inspector)
        response = client.get(reverse("enterprise-file", args=[enterprise.pk]))
        html = response.content.decode()
        assert response.status_code == 200
        assert enterprise.name in html and enterprise.uscc in html
        assert 'id="qr-code"><svg' in html
        assert "打印二维码" in html and "window.print()" in html
        assert html.count('data-quarter="') == 12
        assert "阶梯式措施建议：" in html
        assert html.count("<tr data-kind=") == 17
        assert "评价二维码" in html  # inspectors may issue links for visits and inspections
        assert external_urls(html) == []
        assert "<script src" not in html and "<link " not in html

    def test_quarter_cells_link_to_the_timeline_of_the_quarter(self, client, approver, history):
        enterprise = history["enterprise"]
        client.force_login(approver)
        url = reverse("enterprise-file", args=[enterprise.pk])
        html = client.get(url).content.decode()
        today = timezone.localdate()
        start, end = last_quarters(today, 1)[0][1:]
        assert f'href="{url}?start={start}&amp;end={end}#timeline"' in html
        filtered = client.get(url, {"start": "2025-05-01", "end": "2025-05-31"})
        assert filtered.content.decode().count("<tr data-kind=") == 2

    def test_kind_filter_and_paging(self, client, approver, inspector, sanhe_enterprise):
        long_history(sanhe_enterprise, [inspector.officer], 7)  # 63 records
        client.force_login(approver)
        url = reverse("enterprise-file", args=[sanhe_enterprise.pk])
        first = client.get(url).content.decode()
        assert first.count("<tr data-kind=") == 50 and "下一页" in first
        second = client.get(url, {"page": 2}).content.decode()
        assert second.count("<tr data-kind=") == 13 and "上一页" in second
        visits = client.get(url, {"kind": "visit"}).content.decode()
        assert visits.count('<tr data-kind="visit"') == visits.count("<tr data-kind=") == 7

    def test_outside_the_region_and_for_non_staff(self, client, other_inspector, history):
        url = reverse("enterprise-file", args=[history["enterprise"].pk])
        client.force_login(other_inspector)
        assert client.get(url).status_code == 404
        platform = OfficerFactory(roles=[Role.MONITORING_PLATFORM]).user
        client.force_login(platform)
        assert client.get(url).status_code == 302  # to the admin login: not staff

    def test_the_enterprise_admin_page_links_here(self, client, inspector, sanhe_enterprise):
        client.force_login(inspector)
        page = client.get(reverse("admin:companies_enterprise_change", args=[sanhe_enterprise.pk]))
        assert page.status_code == 200
        assert reverse("enterprise-file", args=[sanhe_enterprise.pk]) in page.content.decode()
        assert "一企一档" in page.content.decode()
