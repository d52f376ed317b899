"""offsite-records/ through the REST API: platforms send, officers read and triage."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from cases.models import Inspection, OffsiteRecord, PenaltyCase
from tests.cases.offsite_support import make_record, record_item
from tests.conftest import BAZHOU, SANHE
from tests.factories import VIOLATION_MAJOR, EnterpriseFactory, OfficerFactory

URL = "/api/v1/offsite-records/"
BULK = f"{URL}bulk/"
pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def triage_url(record) -> str:
    return f"{URL}{record.pk}/triage/"


# --- sending records ---------------------------------------------------------------------


class TestBulk:
    def test_stores_a_batch_and_answers_ids_and_counts(
        self, api_as, monitoring_platform, sanhe_enterprise
    ):
        items = [record_item(sanhe_enterprise, n) for n in range(3)]
        response = api_as(monitoring_platform).post(BULK, {"items": items}, format="json")

        assert response.status_code == 200, response.content
        data = response.json()
        assert data["created"] == 3 and data["existing"] == 0 and data["errors"] == []
        assert (
            list(OffsiteRecord.objects.order_by("id").values_list("id", flat=True)) == data["ids"]
        )

    def test_resend_creates_nothing_and_answers_the_same_ids(
        self, api_as, monitoring_platform, sanhe_enterprise
    ):
        client = api_as(monitoring_platform)
        items = [record_item(sanhe_enterprise, n) for n in range(4)]
        first = client.post(BULK, {"items": items}, format="json").json()
        again = client.post(BULK, {"items": items}, format="json").json()

        assert again == {"ids": first["ids"], "created": 0, "existing": 4, "errors": []}
        assert OffsiteRecord.objects.count() == 4

    def test_refused_items_are_answered_by_index_and_the_others_kept(
        self, api_as, monitoring_platform, sanhe_enterprise
    ):
        items = [
            record_item(sanhe_enterprise, 1),
            record_item(sanhe_enterprise, 2, ended_at="2024-05-01T00:00:00+08:00"),
            record_item(sanhe_enterprise, 3),
        ]
        response = api_as(monitoring_platform).post(BULK, {"items": items}, format="json")

        assert response.status_code == 200
        data = response.json()
        assert data["ids"][1] is None and None not in (data["ids"][0], data["ids"][2])
        assert data["errors"] == [
            {
                "index": 1,
                "field": "ended_at",
                "code": "before_start",
                "message": "结束时间不能早于开始时间",
            }
        ]
        assert OffsiteRecord.objects.count() == 2

    def test_duplicates_inside_the_batch_answer_the_first_id(
        self, api_as, monitoring_platform, sanhe_enterprise
    ):
        items = [record_item(sanhe_enterprise, 1), record_item(sanhe_enterprise, 1)]
        data = api_as(monitoring_platform).post(BULK, {"items": items}, format="json").json()
        assert data["ids"][0] == data["ids"][1]
        assert (data["created"], data["existing"]) == (1, 1)

    def test_enterprise_by_uscc(self, api_as, monitoring_platform, sanhe_enterprise):
        items = [record_item(None, 1, enterprise_uscc=sanhe_enterprise.uscc)]
        data = api_as(monitoring_platform).post(BULK, {"items": items}, format="json").json()
        assert data["errors"] == []
        assert OffsiteRecord.objects.get(pk=data["ids"][0]).enterprise == sanhe_enterprise

    def test_out_of_scope_enterprise_refused_per_item(
        self, api_as, sanhe_enterprise, bazhou_enterprise
    ):
        platform = OfficerFactory(
            roles=[Role.MONITORING_PLATFORM], regions=[SANHE], badge_number=None
        ).user
        items = [record_item(sanhe_enterprise, 1), record_item(bazhou_enterprise, 2)]
        data = api_as(platform).post(BULK, {"items": items}, format="json").json()
        assert data["ids"][0] is not None and data["ids"][1] is None
        assert [(e["index"], e["code"]) for e in data["errors"]] == [(1, "enterprise_not_found")]

    def test_more_than_5000_is_refused_whole(self, api_as, monitoring_platform, sanhe_enterprise):
        items = [record_item(sanhe_enterprise, n) for n in range(5001)]
        response = api_as(monitoring_platform).post(BULK, {"items": items}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "batch_too_large"
        assert not OffsiteRecord.objects.exists()

    @pytest.mark.parametrize(
        "body", [[{"source": "dcs"}], {"records": []}, {"items": {"0": {}}}, {"items": "x"}]
    )
    def test_a_malformed_request_is_400(self, api_as, monitoring_platform, body):
        response = api_as(monitoring_platform).post(BULK, body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "items", "code": "invalid", "message": '请求体应为 {"items": [记录, …]}'}
        ]

    def test_broken_json_is_400(self, api_as, monitoring_platform):
        response = api_as(monitoring_platform).post(
            BULK, data='{"items": [', content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "parse_error"

    def test_an_empty_batch_answers_empty(self, api_as, monitoring_platform):
        response = api_as(monitoring_platform).post(BULK, {"items": []}, format="json")
        assert response.json() == {"ids": [], "created": 0, "existing": 0, "errors": []}

    @pytest.mark.parametrize("persona", ["inspector", "manager", "reporting_client", "outsider"])
    def test_only_platforms_send(self, request, api_as, sanhe_enterprise, persona):
        user = request.getfixturevalue(persona)
        response = api_as(user).post(
            BULK, {"items": [record_item(sanhe_enterprise)]}, format="json"
        )
        assert response.status_code == 403
        assert not OffsiteRecord.objects.exists()

    def test_anonymous_is_401(self, api, sanhe_enterprise):
        response = api.post(BULK, {"items": [record_item(sanhe_enterprise)]}, format="json")
        assert response.status_code == 401


class TestSingleCreate:
    def test_created_then_answered_unchanged(self, api_as, monitoring_platform, sanhe_enterprise):
        client = api_as(monitoring_platform)
        response = client.post(URL, record_item(sanhe_enterprise), format="json")
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["status"] == "new"
        assert data["enterprise"] == sanhe_enterprise.pk
        assert data["region"] == SANHE
        assert data["detected_on"] == "2024-05-06"
        assert data["value"] == "35.2000"
        assert data["started_at"] == "2024-05-06T08:30:00+08:00"
        assert data["hours_to_triage"] is None

        again = client.post(URL, record_item(sanhe_enterprise, 1, value="1"), format="json")
        assert again.status_code == 200
        assert again.json()["id"] == data["id"] and again.json()["value"] == "35.2000"

    def test_invalid_record_is_400_with_the_fields(
        self, api_as, monitoring_platform, sanhe_enterprise
    ):
        response = api_as(monitoring_platform).post(
            URL, record_item(sanhe_enterprise, 1, source="radar", indicator=...), format="json"
        )
        assert response.status_code == 400
        assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [
            ("source", "invalid_choice"),
            ("indicator", "required"),
        ]
        assert not OffsiteRecord.objects.exists()


# --- what a platform may not do -------------------------------------------------------------


class TestPlatformReadsNothing:
    def test_cannot_list_or_read_records(self, api_as, monitoring_platform, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = api_as(monitoring_platform)
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}{record.pk}/").status_code == 403

    def test_cannot_list_or_read_enterprises(self, api_as, monitoring_platform, sanhe_enterprise):
        client = api_as(monitoring_platform)
        assert client.get("/api/v1/enterprises/").status_code == 403
        assert client.get(f"/api/v1/enterprises/{sanhe_enterprise.pk}/").status_code == 403
        assert client.get("/api/v1/cases/").status_code == 403

    def test_still_reads_the_reference_data(self, api_as, monitoring_platform):
        assert api_as(monitoring_platform).get("/api/v1/regions/").status_code == 200

    def test_cannot_triage(self, api_as, monitoring_platform, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = api_as(monitoring_platform).post(
            triage_url(record), {"to": "dismissed", "reason": "误报"}, format="json"
        )
        assert response.status_code == 403
        assert OffsiteRecord.objects.get().status == "new"


# --- reading ----------------------------------------------------------------------------------


class TestRead:
    def test_inspector_lists_own_regions_records(
        self, api_as, inspector, sanhe_enterprise, bazhou_enterprise
    ):
        mine = make_record(sanhe_enterprise, 1)
        make_record(bazhou_enterprise, 2)
        data = api_as(inspector).get(URL).json()
        assert data["count"] == 1
        row = data["results"][0]
        assert row["id"] == mine.pk
        assert row["enterprise_name"] == sanhe_enterprise.name
        assert row["enterprise_uscc"] == sanhe_enterprise.uscc
        assert row["source_display"] == "在线监控"
        assert row["status_display"] == "待核查"

    def test_other_region_detail_and_triage_are_404(
        self, api_as, other_inspector, sanhe_enterprise
    ):
        record = make_record(sanhe_enterprise)
        client = api_as(other_inspector)
        assert client.get(f"{URL}{record.pk}/").status_code == 404
        response = client.post(
            triage_url(record), {"to": "verifying", "reason": "核查"}, format="json"
        )
        assert response.status_code == 404
        assert OffsiteRecord.objects.get().status == "new"

    @pytest.mark.parametrize("persona", ["manager", "reporting_client"])
    def test_managers_and_reporting_clients_read(self, request, api_as, sanhe_enterprise, persona):
        make_record(sanhe_enterprise)
        client = api_as(request.getfixturevalue(persona))
        assert client.get(URL).json()["count"] == 1

    def test_manager_cannot_triage(self, api_as, manager, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = api_as(manager).post(
            triage_url(record), {"to": "verifying", "reason": "核查"}, format="json"
        )
        assert response.status_code == 403

    def test_detail_offers_the_steps_and_the_history(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = api_as(inspector)
        data = client.get(f"{URL}{record.pk}/").json()
        assert [s["to"] for s in data["allowed_triage"]] == [
            "verifying",
            "dismissed",
            "rectified_online",
            "inspection_requested",
            "case_opened",
        ]
        assert data["history"] == []

    def test_records_are_never_edited_or_deleted(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = api_as(inspector)
        assert client.patch(f"{URL}{record.pk}/", {"value": "1"}, format="json").status_code == 405
        assert client.delete(f"{URL}{record.pk}/").status_code == 405

    @pytest.mark.parametrize("size", [3, 30])
    def test_list_query_count(
        self, api_as, inspector, sanhe_enterprise, size, django_assert_num_queries
    ):
        for n in range(size):
            make_record(sanhe_enterprise, n)
        client = api_as(fresh(inspector))
        # officer, scope roots, scope codes, two permission checks, COUNT, the
        # page (enterprise joined), inspections, cases.
        with django_assert_num_queries(9):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size


class TestFilters:
    @pytest.fixture
    def records(self, sanhe_enterprise):
        other = EnterpriseFactory(region_id=SANHE)
        return {
            "a": make_record(sanhe_enterprise, 1),
            "b": make_record(
                other,
                2,
                source="power_metering",
                indicator="治污设施电流",
                status="dismissed",
                started_at=timezone.make_aware(timezone.datetime(2024, 6, 1, 9)),
            ),
            "c": make_record(
                sanhe_enterprise,
                3,
                source="video",
                status="verifying",
                started_at=timezone.make_aware(timezone.datetime(2024, 7, 1, 9)),
            ),
        }

    def ids(self, client, **params) -> set[int]:
        response = client.get(URL, params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    def test_source(self, api_as, manager, records):
        assert self.ids(api_as(manager), source="power_metering") == {records["b"].pk}

    def test_status(self, api_as, manager, records):
        client = api_as(manager)
        assert self.ids(client, status="verifying") == {records["c"].pk}
        response = client.get(f"{URL}?status=new&status=dismissed")
        assert {r["id"] for r in response.json()["results"]} == {records["a"].pk, records["b"].pk}

    def test_region_subtree(self, api_as, manager, records, bazhou_enterprise):
        outside = make_record(bazhou_enterprise, 9)
        client = api_as(manager)
        assert self.ids(client, region=SANHE) == {r.pk for r in records.values()}
        assert self.ids(client, region=BAZHOU) == {outside.pk}
        assert self.ids(client, region="131000") == {outside.pk} | {r.pk for r in records.values()}

    def test_enterprise(self, api_as, manager, records, sanhe_enterprise):
        assert self.ids(api_as(manager), enterprise=sanhe_enterprise.pk) == {
            records["a"].pk,
            records["c"].pk,
        }

    def test_detected_between(self, api_as, manager, records):
        client = api_as(manager)
        assert self.ids(client, detected_after="2024-05-07", detected_before="2024-06-30") == {
            records["b"].pk
        }

    def test_indicator(self, api_as, manager, records):
        assert self.ids(api_as(manager), indicator="治污设施电流") == {records["b"].pk}

    def test_external_id(self, api_as, manager, records):
        assert self.ids(api_as(manager), external_id="OM-2024-000003") == {records["c"].pk}

    def test_updated_since(self, api_as, manager, records):
        OffsiteRecord.objects.filter(pk=records["a"].pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )
        since = (timezone.now() - timedelta(days=1)).isoformat()
        assert self.ids(api_as(manager), updated_since=since) == {records["b"].pk, records["c"].pk}


# --- triage -------------------------------------------------------------------------------------


class TestTriage:
    def post(self, client, record, **body):
        return client.post(triage_url(record), body, format="json")

    def test_verifying_then_dismissed(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        client = api_as(inspector)
        response = self.post(client, record, to="verifying", reason="调取历史数据核查")
        assert response.status_code == 200, response.content
        data = response.json()
        assert data["status"] == "verifying"
        assert data["triaged_by"] == inspector.pk
        assert data["hours_to_triage"] > 0

        data = self.post(
            client, record, to="dismissed", reason="校准期间数据", dismissal_reason="device_fault"
        ).json()
        assert (data["status"], data["dismissal_reason"]) == ("dismissed", "device_fault")
        assert data["allowed_triage"] == []
        assert [(h["from_status"], h["to_status"], h["reason"]) for h in data["history"]] == [
            ("new", "verifying", "调取历史数据核查"),
            ("verifying", "dismissed", "校准期间数据"),
        ]

    def test_rectified_online(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        data = self.post(
            api_as(inspector),
            record,
            to="rectified_online",
            reason="数据恢复达标",
            enterprise_response="已更换滤袋",
        ).json()
        assert (data["status"], data["enterprise_response"]) == ("rectified_online", "已更换滤袋")

    def test_inspection_requested(self, api_as, inspector, colleague, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = self.post(
            api_as(inspector),
            record,
            to="inspection_requested",
            reason="连续超标，需现场核实",
            officers=[inspector.officer.pk, colleague.officer.pk],
        )
        assert response.status_code == 200, response.content
        inspection = Inspection.objects.get(offsite_record=record)
        assert inspection.trigger == "offsite"
        assert response.json()["inspections"] == [inspection.pk]

    def test_case_opened(self, api_as, inspector, colleague, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = self.post(
            api_as(inspector),
            record,
            to="case_opened",
            reason="超标排放事实清楚",
            violations=[{"type": VIOLATION_MAJOR, "facts": "颗粒物超标排放"}],
            officers=[inspector.officer.pk, colleague.officer.pk],
        )
        assert response.status_code == 200, response.content
        case = PenaltyCase.objects.get(source_offsite_record=record)
        assert case.source == "offsite"
        assert response.json()["cases"] == [case.pk]

    def test_illegal_move_is_409_naming_both_states(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise, status="dismissed", dismissal_reason="false_alarm")
        response = self.post(api_as(inspector), record, to="verifying", reason="重新核查")
        assert response.status_code == 409
        error = response.json()["errors"][0]
        assert error["code"] == "illegal_transition"
        assert "已排除" in error["message"] and "核查中" in error["message"]

    def test_reason_is_required(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = self.post(api_as(inspector), record, to="verifying")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "reason", "code": "required", "message": "请填写处置理由"}
        ]
        assert not record.triage_steps.exists()

    def test_refusal_of_the_case_writes_nothing(self, api_as, inspector, sanhe_enterprise):
        record = make_record(sanhe_enterprise)
        response = self.post(
            api_as(inspector),
            record,
            to="case_opened",
            reason="超标",
            violations=[{"type": VIOLATION_MAJOR, "facts": "超标"}],
            officers=[inspector.officer.pk],
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "officers_insufficient"
        assert OffsiteRecord.objects.get().status == "new"
        assert not PenaltyCase.objects.exists()


def test_bulk_answer_is_plain_json(api_as, monitoring_platform, sanhe_enterprise):
    """The platform reads the answer with any JSON library: no HTML, no BOM."""
    response = api_as(monitoring_platform).post(
        BULK, {"items": [record_item(sanhe_enterprise)]}, format="json"
    )
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)) == {"ids", "created", "existing", "errors"}
