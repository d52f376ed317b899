"""The non-site record admin: the scoped list, the record page and its triage forms."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from cases.models import Inspection, OffsiteRecord, PenaltyCase
from tests.cases.offsite_support import make_record
from tests.conftest import SANHE
from tests.factories import VIOLATION_MAJOR

CHANGELIST = "/admin/cases/offsiterecord/"
pytestmark = pytest.mark.django_db


def page_url(record) -> str:
    return f"{CHANGELIST}{record.pk}/change/"


def triage_url(record, to: str) -> str:
    return f"{CHANGELIST}{record.pk}/triage/{to}/"


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


class TestList:
    def test_lists_own_regions_records(
        self, client_as, inspector, sanhe_enterprise, bazhou_enterprise
    ):
        make_record(sanhe_enterprise, 1)
        make_record(bazhou_enterprise, 2)
        response = client_as(inspector).get(CHANGELIST)
        assert response.status_code == 200
        body = response.content.decode()
        assert "OM-2024-000001" in body
        assert "OM-2024-000002" not in body

    @pytest.mark.parametrize(
        "query",
        [
            {"source": "online_monitoring"},
            {"status": "new"},
            {"region": SANHE},
            {"detected_on_from": "2024-05-01", "detected_on_to": "2024-05-31"},
            {"q": "OM-2024-000001"},
        ],
    )
    def test_filters_and_search(self, client_as, manager, sanhe_enterprise, query):
        make_record(sanhe_enterprise, 1)
        response = client_as(manager).get(CHANGELIST, query)
        assert response.status_code == 200
        assert "OM-2024-000001" in response.content.decode()

    def test_nothing_is_added_edited_or_deleted_here(
        self, client_as, administrator, sanhe_enterprise
    ):
        record = make_record(sanhe_enterprise)
        client = client_as(administrator)
        assert client.get(f"{CHANGELIST}add/").status_code == 403
        assert client.post(page_url(record), {"indicator": "x"}).status_code == 405
        assert client.get(f"{CHANGELIST}{record.pk}/delete/").status_code == 403

    @pytest.mark.parametrize("count", [2, 20])
    def test_query_count_does_not_grow_with_the_list(
        self, client_as, inspector, sanhe_enterprise, count, django_assert_num_queries
    ):
        for n in range(count):
            make_record(sanhe_enterprise, n)
        client = client_as(inspector)
        # session, user, two permission lookups, officer, scope roots, scope
        # codes, the region filter's choices, the planner estimate and the capped
        # COUNT of the paginator, the page (enterprise and region joined).
        with django_assert_num_queries(11):
            response = client.get(CHANGELIST)
        assert response.status_code == 200
        assert len(response.context["cl"].result_list) == count


class TestRecordPage:
    def test_offers_the_steps_to_an_inspector(self, client_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        body = client_as(inspector).get(page_url(record)).content.decode()
        for label in ("开始核查", "排除（设备故障或误报）", "线上整改", "转现场检查", "转立案查处"):
            assert label in body
        assert triage_url(record, "verifying") in body

    def test_manager_reads_without_steps(self, client_as, manager, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = client_as(manager).get(page_url(record))
        assert response.status_code == 200
        assert triage_url(record, "verifying") not in response.content.decode()
        assert client_as(manager).get(triage_url(record, "verifying")).status_code == 403

    def test_other_region_is_404(self, client_as, other_inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = client_as(other_inspector)
        assert client.get(page_url(record)).status_code == 404
        assert client.get(triage_url(record, "verifying")).status_code == 404


class TestTriageForms:
    def test_dismissal(self, client_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = client_as(inspector).post(
            triage_url(record, "dismissed"),
            {
                "on": timezone.localdate().isoformat(),
                "reason": "运维校准",
                "dismissal_reason": "device_fault",
            },
        )
        assert response.status_code == 302
        record.refresh_from_db()
        assert (record.status, record.dismissal_reason) == ("dismissed", "device_fault")
        page = client_as(inspector).get(page_url(record)).content.decode()
        assert "运维校准" in page and "本记录已处置完毕" in page

    def test_a_refusal_is_shown_on_the_form(self, client_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = client_as(inspector).post(
            triage_url(record, "rectified_online"),
            {"on": "2024-05-01", "reason": "已整改", "enterprise_response": "更换滤袋"},
        )
        assert response.status_code == 400
        assert "早于记录的开始时间" in response.content.decode()
        assert OffsiteRecord.objects.get().status == "new"

    def test_illegal_step_is_409(self, client_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise, status="dismissed", dismissal_reason="false_alarm")
        response = client_as(inspector).post(
            triage_url(record, "verifying"),
            {"on": timezone.localdate().isoformat(), "reason": "重新核查"},
        )
        assert response.status_code == 409
        assert "已排除" in response.content.decode()

    def test_inspection_requested(self, client_as, inspector, colleague, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = client_as(inspector).post(
            triage_url(record, "inspection_requested"),
            {
                "on": timezone.localdate().isoformat(),
                "reason": "连续超标",
                "officers": [inspector.officer.pk, colleague.officer.pk],
            },
        )
        assert response.status_code == 302, response.content.decode()
        assert Inspection.objects.get(offsite_record=record).trigger == "offsite"

    def test_case_opened(self, client_as, inspector, colleague, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = client_as(inspector)
        assert client.get(triage_url(record, "case_opened")).status_code == 200
        response = client.post(
            triage_url(record, "case_opened"),
            {
                "on": timezone.localdate().isoformat(),
                "reason": "超标排放事实清楚",
                "officers": [inspector.officer.pk, colleague.officer.pk],
                "violation_type": VIOLATION_MAJOR,
                "facts": "颗粒物超标排放",
            },
        )
        assert response.status_code == 302, response.content.decode()
        case = PenaltyCase.objects.get(source_offsite_record=record)
        assert case.source == "offsite"
        assert "案件线索" in client.get(page_url(record)).content.decode()
