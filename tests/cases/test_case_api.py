"""cases/ through the REST API: the same services, the same scope, API.md's errors."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.models import CaseTransition, PenaltyCase
from tests.conftest import BAZHOU
from tests.factories import (
    MILD_FACTORS,
    VIOLATION_MAJOR,
    VIOLATION_MINOR,
    EnterpriseFactory,
    case_walk,
)

URL = "/api/v1/cases/"
pytestmark = pytest.mark.django_db


def fresh(user):
    return type(user).objects.get(pk=user.pk)


class TestRegister:
    def test_inspector_registers_a_clue(self, api_as, inspector, colleague, sanhe_enterprise):
        body = {
            "enterprise": sanhe_enterprise.id,
            "source": "inspection",
            "discovered_on": "2024-05-06",
            "violations": [{"type": VIOLATION_MINOR, "facts": "未按规定监测废气"}],
            "officers": [inspector.officer.id, colleague.officer.id],
        }
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 201, response.json()
        data = response.json()
        assert data["status"] == "clue"
        assert data["number"] is None
        assert data["region"] == sanhe_enterprise.region_id
        assert data["violations"][0]["type"] == VIOLATION_MINOR
        # An inspector may not file; the approver's step is not offered.
        assert data["allowed_transitions"] == []
        assert [d["key"] for d in data["deadlines"]] == ["filing"]

    def test_one_officer_is_refused(self, api_as, inspector, sanhe_enterprise):
        body = {
            "enterprise": sanhe_enterprise.id,
            "source": "inspection",
            "violations": [{"type": VIOLATION_MINOR, "facts": "x"}],
            "officers": [inspector.officer.id],
        }
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "officers",
                "code": "officers_insufficient",
                "message": "承办人员不得少于两人",
            }
        ]
        assert not PenaltyCase.objects.exists()

    def test_unknown_violation_type_names_the_item(
        self, api_as, inspector, colleague, sanhe_enterprise
    ):
        body = {
            "enterprise": sanhe_enterprise.id,
            "source": "complaint",
            "violations": [{"type": "NOPE", "facts": "x"}],
            "officers": [inspector.officer.id, colleague.officer.id],
        }
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("violations.0.type", "unknown_violation_type")

    def test_enterprise_of_another_region_is_refused(
        self, api_as, inspector, colleague, bazhou_enterprise
    ):
        body = {
            "enterprise": bazhou_enterprise.id,
            "source": "inspection",
            "violations": [{"type": VIOLATION_MINOR, "facts": "x"}],
            "officers": [inspector.officer.id, colleague.officer.id],
        }
        response = api_as(inspector).post(URL, body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "region_out_of_scope"

    def test_manager_cannot_register(self, api_as, manager, sanhe_enterprise):
        response = api_as(manager).post(URL, {"enterprise": sanhe_enterprise.id}, format="json")
        assert response.status_code == 403


class TestTransitions:
    def test_approver_files_and_gets_a_number(self, api_as, approver, case, settings):
        settings.ECOENFORCE_CASE_NUMBER_PREFIX = "廊环罚"
        response = api_as(approver).post(
            f"{URL}{case.id}/transitions/", {"to": "filed", "on": "2024-05-08"}, format="json"
        )
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["status"] == "filed"
        assert data["number"] == "廊环罚〔2024〕1号"
        assert data["filed_on"] == "2024-05-08"
        history = api_as(approver).get(f"{URL}{case.id}/transitions/").json()
        assert [(h["from_status"], h["to_status"], h["on"]) for h in history] == [
            ("clue", "filed", "2024-05-08")
        ]

    def test_illegal_move_is_409_naming_both_states(self, api_as, approver, case):
        response = api_as(approver).post(
            f"{URL}{case.id}/transitions/", {"to": "decided", "on": "2024-05-08"}, format="json"
        )
        assert response.status_code == 409
        assert response.json()["errors"] == [
            {
                "field": None,
                "code": "illegal_transition",
                "message": "不能从“案件线索”变更为“已作出处罚决定”",
            }
        ]
        assert not CaseTransition.objects.exists()

    def test_wrong_role_is_403_naming_the_role(self, api_as, inspector, case):
        response = api_as(inspector).post(
            f"{URL}{case.id}/transitions/", {"to": "filed", "on": "2024-05-08"}, format="json"
        )
        assert response.status_code == 403
        assert response.json()["errors"][0]["message"] == "“批准立案”须由负责人办理"

    def test_stale_expected_status_is_409(self, api_as, approver, case):
        response = api_as(approver).post(
            f"{URL}{case.id}/transitions/",
            {"to": "filed", "on": "2024-05-08", "expected_status": "filed"},
            format="json",
        )
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "concurrent_change"

    def test_future_date_is_400(self, api_as, approver, case):
        response = api_as(approver).post(
            f"{URL}{case.id}/transitions/", {"to": "filed", "on": "2999-01-01"}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0] == {
            "field": "on",
            "code": "future_date",
            "message": "日期 2999-01-01 晚于今天",
        }

    def test_other_region_inspector_gets_404(self, api_as, other_inspector, case):
        client = api_as(other_inspector)
        assert client.get(f"{URL}{case.id}/").status_code == 404
        response = client.post(f"{URL}{case.id}/transitions/", {"to": "filed"}, format="json")
        assert response.status_code == 404

    def test_closed_case_is_read_only(self, api_as, approver, case):
        case = case_walk(case, "closed", approver=approver)
        response = api_as(approver).patch(f"{URL}{case.id}/", {"title": "改"}, format="json")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "case_read_only"


class TestDiscretionAndMoney:
    def test_discretion_is_kept_on_the_case(self, api_as, approver, case):
        case = case_walk(case, "review", approver=approver)
        response = api_as(approver).post(
            f"{URL}{case.id}/discretion/", {"factors": MILD_FACTORS}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["amount"] == "50000.00"
        assert len(response.json()["violations"][0]["lines"]) == len(MILD_FACTORS)
        case.refresh_from_db()
        assert case.recommended_fine == 50000

    def test_unknown_factor_option_is_400(self, api_as, approver, case):
        case = case_walk(case, "review", approver=approver)
        factors = {**MILD_FACTORS, "harm": "apocalyptic"}
        response = api_as(approver).post(
            f"{URL}{case.id}/discretion/", {"factors": factors}, format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "factors.harm"

    def test_payment_and_balance(self, api_as, approver, case):
        case = case_walk(case, "served", approver=approver)
        client = api_as(approver)
        detail = client.get(f"{URL}{case.id}/").json()
        assert detail["balance"]["fine_outstanding"] == "50000.00"
        response = client.post(
            f"{URL}{case.id}/payments/",
            {"amount": "60000", "paid_on": str(case.served_on)},
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "overpayment"
        response = client.post(
            f"{URL}{case.id}/payments/",
            {"amount": "50000", "paid_on": str(case.served_on)},
            format="json",
        )
        assert response.status_code == 201
        response = client.post(
            f"{URL}{case.id}/transitions/",
            {"to": "closed", "on": str(case.served_on), "closing_reason": "paid"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "closed"


class TestEvidence:
    def test_upload_then_download_checks_the_hash(
        self, api_as, inspector, case, settings, tmp_path
    ):
        settings.MEDIA_ROOT = tmp_path
        client = api_as(inspector)
        photo = SimpleUploadedFile("现场.jpg", b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")
        response = client.post(f"{URL}{case.id}/evidence/", {"file": photo}, format="multipart")
        assert response.status_code == 201, response.json()
        evidence = response.json()
        assert len(evidence["sha256"]) == 64
        download = client.get(evidence["download"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"\xff\xd8\xff fake jpeg"

        stored = case.evidence.get()
        with open(stored.file.path, "wb") as handle:
            handle.write(b"tampered")
        response = client.get(evidence["download"])
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "evidence_tampered"

    def test_type_not_allowed(self, api_as, inspector, case, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        script = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
        response = api_as(inspector).post(
            f"{URL}{case.id}/evidence/", {"file": script}, format="multipart"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "unsupported_file_type"
        assert not case.evidence.exists()


class TestListing:
    def test_filters(self, api_as, manager, approver, make_case):
        open_case = make_case()
        decided = case_walk(make_case(violations=[VIOLATION_MAJOR]), "decided", approver=approver)
        bazhou = make_case(enterprise=EnterpriseFactory(region_id=BAZHOU), officers=[])
        client = api_as(manager)

        def ids(**params):
            return {row["id"] for row in client.get(URL, params).json()["results"]}

        assert ids() == {open_case.id, decided.id, bazhou.id}
        assert ids(status="decided") == {decided.id}
        assert ids(region=BAZHOU) == {bazhou.id}
        assert ids(decided_after=str(decided.decided_on)) == {decided.id}
        assert ids(violation_category="air") == {open_case.id, decided.id, bazhou.id}
        assert ids(source="complaint") == set()
        PenaltyCase.objects.filter(pk=open_case.pk).update(overdue=True)
        assert ids(overdue="true") == {open_case.id}

    @pytest.mark.parametrize("size", [3, 12])
    def test_list_query_count(self, api_as, inspector, make_case, size, django_assert_num_queries):
        for _ in range(size):
            make_case()
        client = api_as(fresh(inspector))
        # officer, scope roots, scope codes, two permission checks, COUNT, the
        # page (enterprise and region joined), officers with users, violations
        # with their types.
        with django_assert_num_queries(9):
            response = client.get(URL)
        assert response.json()["count"] == size


def test_legal_reviewer_cannot_change_the_charges(api_as, legal_reviewer, case):
    response = api_as(legal_reviewer).patch(f"{URL}{case.id}/", {"title": "改"}, format="json")
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "role_required"
    case.refresh_from_db()
    assert case.title != "改"
