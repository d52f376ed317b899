"""The violation library (违法行为库): the seeded types and their statutory
ranges, the violation-types/ endpoint and its discretion action, who may edit,
and that a type in use is never deleted."""

from __future__ import annotations

import importlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from cases import violation_services
from cases.choices import ViolationCategory
from cases.models import CaseViolation, PenaltyCase, ViolationType
from cases.violation_selectors import violation_type_in_use
from ecoenforce.errors import ConflictError

URL = "/api/v1/violation-types/"
User = get_user_model()

TYPICAL = {
    "harm": "general",
    "fault": "negligent",
    "method": "ordinary",
    "object": "general",
    "history": "first",
    "correction": "corrected",
    "sensitive_period": "normal",
}

seed_migration = importlib.import_module("cases.migrations.0003_seed_violation_library")


def charge(violation_type: ViolationType, enterprise) -> CaseViolation:
    """A case clue charging ``violation_type``, written with the ORM."""
    case = PenaltyCase.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        source="inspection",
        discovered_on=timezone.localdate(),
    )
    return CaseViolation.objects.create(
        case=case, violation_type=violation_type, facts="现场检查发现违法行为"
    )


@pytest.mark.django_db
class TestSeed:
    @pytest.mark.parametrize(
        ("code", "rule", "low", "high"),
        [
            ("AIR-99-1", "range", 100_000, 1_000_000),
            ("AIR-99-2", "range", 100_000, 1_000_000),
            ("AIR-99-3", "range", 100_000, 1_000_000),
            ("AIR-100-2", "range", 20_000, 200_000),
            ("AIR-100-3", "range", 20_000, 200_000),
            ("AIR-108-1", "range", 20_000, 200_000),
            ("AIR-117-1", "range", 10_000, 100_000),
            ("AIR-117-2", "range", 10_000, 100_000),
            ("AIR-98", "range", 20_000, 200_000),
            ("WATER-82-1", "range", 20_000, 200_000),
            ("WATER-83-2", "range", 100_000, 1_000_000),
            ("WATER-83-3", "range", 100_000, 1_000_000),
            ("EIA-31-3", "range", None, 50_000),
            ("PERMIT-33-1", "range", 200_000, 1_000_000),
            ("PERMIT-34-1", "range", 200_000, 1_000_000),
            ("PERMIT-36-5", "range", 20_000, 200_000),
            ("PERMIT-37-1", "per_occurrence", 5_000, 20_000),
            ("PERMIT-37-3", "per_occurrence", 5_000, 20_000),
            ("SW-102-8", "range", 50_000, 200_000),
            ("SW-102-10", "range", 100_000, 1_000_000),
            ("SW-112-1", "range", 100_000, 1_000_000),
            ("SW-112-6", "range", 100_000, 1_000_000),
            ("SOIL-86-1", "range", 20_000, 200_000),
            ("NOISE-75", "range", 20_000, 200_000),
        ],
    )
    def test_statutory_ranges(self, code, rule, low, high):
        violation_type = ViolationType.objects.get(code=code)
        assert violation_type.fine_rule == rule
        assert violation_type.fine_min == (None if low is None else Decimal(low))
        assert violation_type.fine_max == Decimal(high)
        assert violation_type.is_active

    def test_eia_31_is_a_percentage_of_total_investment(self):
        eia = ViolationType.objects.get(code="EIA-31-1")
        assert eia.fine_rule == "percent"
        assert (eia.percent_min, eia.percent_max) == (Decimal("1"), Decimal("5"))
        assert eia.base_amount_label == "建设项目总投资额"
        assert eia.fine_min is None and eia.fine_max is None

    def test_legal_and_penalty_basis_name_law_and_article(self):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        assert air_99.legal_basis == "《中华人民共和国大气污染防治法》第十八条"
        assert air_99.penalty_basis == "《中华人民共和国大气污染防治法》第九十九条第（二）项"
        assert "责令停业、关闭" in air_99.other_penalties
        permit_37 = ViolationType.objects.get(code="PERMIT-37-1")
        assert permit_37.penalty_basis == "《排污许可管理条例》第三十七条第（一）项"

    def test_every_category_and_at_least_twelve_types(self):
        seeded = ViolationType.objects.filter(code__in=seed_migration.SEEDED_CODES)
        assert seeded.count() == len(seed_migration.SEEDED_CODES) >= 12
        assert set(seeded.values_list("category", flat=True)) == set(ViolationCategory.values)

    def test_every_seeded_type_is_valid(self):
        seeded = ViolationType.objects.filter(code__in=seed_migration.SEEDED_CODES)
        assert seeded.count() == len(seed_migration.SEEDED_CODES) >= 12
        for violation_type in seeded:
            violation_type.full_clean()

    def test_waiver_eligibility_marks_record_keeping_not_discharge(self):
        eligible = set(
            ViolationType.objects.filter(waiver_eligible=True).values_list("code", flat=True)
        )
        assert {"AIR-100-2", "EIA-31-3", "PERMIT-37-1", "SW-112-1"} <= eligible
        assert not {"AIR-99-2", "WATER-83-3", "PERMIT-33-1", "EIA-31-1", "AIR-98"} & eligible

    def test_reverse_keeps_types_in_use_and_forward_restores(self, sanhe_enterprise):
        charge(ViolationType.objects.get(code="AIR-99-2"), sanhe_enterprise)
        seed_migration.unseed(django_apps, None)
        assert list(ViolationType.objects.values_list("code", flat=True)) == ["AIR-99-2"]
        seed_migration.seed(django_apps, None)
        assert ViolationType.objects.count() == len(seed_migration.SEEDED_CODES)


@pytest.mark.django_db
class TestListAndDetail:
    def codes(self, response) -> list[str]:
        assert response.status_code == 200, response.json()
        return [row["code"] for row in response.json()["results"]]

    def test_inspector_reads_the_library(self, api_as, inspector):
        response = api_as(inspector).get(URL, {"page_size": 100})
        assert response.json()["count"] == ViolationType.objects.count()

    def test_detail_by_code(self, api_as, inspector):
        response = api_as(inspector).get(f"{URL}AIR-99-2/")
        assert response.status_code == 200
        data = response.json()
        assert (
            data["name"]
            == "超过大气污染物排放标准或者超过重点大气污染物排放总量控制指标排放大气污染物"
        )
        assert (data["fine_min"], data["fine_max"]) == ("100000.00", "1000000.00")
        assert data["category"] == "air"
        assert data["category_label"] == "大气"
        assert data["fine_rule_label"] == "固定金额区间"
        assert [f["key"] for f in data["discretion_factors"]][:2] == ["harm", "fault"]
        assert data["discretion_factors"][0]["options"][1] == {
            "key": "general",
            "label": "造成一般危害后果",
            "percent": 10,
        }
        assert "updated_at" in data

    def test_unknown_code_is_404(self, api_as, inspector):
        response = api_as(inspector).get(f"{URL}AIR-999/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_filter_category(self, api_as, inspector):
        codes = self.codes(api_as(inspector).get(URL, {"category": "water"}))
        assert codes == ["WATER-82-1", "WATER-83-2", "WATER-83-3"]

    def test_filter_fine_rule(self, api_as, inspector):
        assert self.codes(api_as(inspector).get(URL, {"fine_rule": "percent"})) == ["EIA-31-1"]
        assert self.codes(api_as(inspector).get(URL, {"fine_rule": "per_occurrence"})) == [
            "PERMIT-37-1",
            "PERMIT-37-3",
        ]

    def test_filter_waiver_eligible(self, api_as, inspector):
        codes = self.codes(
            api_as(inspector).get(URL, {"waiver_eligible": "true", "page_size": 100})
        )
        assert "PERMIT-37-1" in codes and "AIR-99-2" not in codes
        assert set(codes) == set(
            ViolationType.objects.filter(waiver_eligible=True).values_list("code", flat=True)
        )

    def test_filter_q_searches_code_name_and_articles(self, api_as, inspector):
        client = api_as(inspector)
        assert self.codes(client.get(URL, {"q": "AIR-99"})) == ["AIR-99-1", "AIR-99-2", "AIR-99-3"]
        assert self.codes(client.get(URL, {"q": "暗管"})) == ["WATER-83-3"]
        assert self.codes(client.get(URL, {"q": "第三十七条"})) == ["PERMIT-37-1", "PERMIT-37-3"]

    def test_filter_updated_since(self, api_as, inspector):
        client = api_as(inspector)
        later = timezone.now() + timedelta(minutes=1)
        assert self.codes(client.get(URL, {"updated_since": later.isoformat()})) == []
        noise = ViolationType.objects.get(code="NOISE-75")
        ViolationType.objects.filter(pk=noise.pk).update(updated_at=later + timedelta(minutes=1))
        assert self.codes(client.get(URL, {"updated_since": later.isoformat()})) == ["NOISE-75"]

    def test_filter_is_active(self, api_as, inspector):
        violation_services.violation_type_deactivate(
            violation_type=ViolationType.objects.get(code="AIR-98")
        )
        assert self.codes(api_as(inspector).get(URL, {"is_active": "false"})) == ["AIR-98"]

    def test_bad_filter_value_is_400(self, api_as, inspector):
        response = api_as(inspector).get(URL, {"category": "sky"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "category"

    def test_list_query_count(self, api_as, inspector, django_assert_num_queries):
        client = api_as(User.objects.get(pk=inspector.pk))
        # 1-2 the user's and its groups' permissions, 3 COUNT(*), 4 the page.
        # The factor table of each row is computed in Python, not queried.
        with django_assert_num_queries(4):
            response = client.get(URL, {"page_size": 500})
        assert len(response.json()["results"]) == ViolationType.objects.count()


@pytest.mark.django_db
class TestPermissions:
    def test_inspector_cannot_create_change_or_delete(self, api_as, inspector):
        client = api_as(inspector)
        assert client.post(URL, {"code": "X-1"}, format="json").status_code == 403
        assert client.patch(f"{URL}AIR-99-2/", {"name": "改"}, format="json").status_code == 403
        assert client.delete(f"{URL}AIR-99-2/").status_code == 403
        assert ViolationType.objects.get(code="AIR-99-2").name.startswith("超过大气")

    def test_the_api_is_read_only_even_for_administrators(self, api_as, administrator):
        response = api_as(administrator).delete(f"{URL}NOISE-75/")
        assert response.status_code == 405
        assert ViolationType.objects.filter(code="NOISE-75").exists()

    def test_reporting_client_and_monitoring_platform_read_reference_data(
        self, api_as, reporting_client, monitoring_platform
    ):
        assert api_as(reporting_client).get(URL).status_code == 200
        assert api_as(monitoring_platform).get(f"{URL}AIR-99-2/").status_code == 200

    def test_outsider_and_anonymous_are_refused(self, api, api_as, outsider):
        assert api.get(URL).status_code == 401
        assert api_as(outsider).get(URL).status_code == 403

    def test_only_administrators_may_edit_the_library(self, inspector, manager, administrator):
        for user in (inspector, manager):
            user = User.objects.get(pk=user.pk)
            assert user.has_perm("cases.view_violationtype")
            assert not user.has_perm("cases.change_violationtype")
            assert not user.has_perm("cases.add_violationtype")
            assert not user.has_perm("cases.delete_violationtype")
        admin_user = User.objects.get(pk=administrator.pk)
        assert admin_user.has_perm("cases.change_violationtype")
        assert admin_user.has_perm("cases.delete_violationtype")


@pytest.mark.django_db
class TestDiscretionEndpoint:
    def post(self, client, code, data):
        return client.post(f"{URL}{code}/discretion/", data, format="json")

    def test_recommendation(self, api_as, inspector):
        response = self.post(api_as(inspector), "AIR-99-2", {"factors": TYPICAL})
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["amount"] == "250000.00"
        assert (data["minimum"], data["maximum"]) == ("100000.00", "1000000.00")
        assert data["percent"] == "25.00"
        assert len(data["lines"]) == 7
        assert data["lines"][0] == "危害后果：造成一般危害后果，+10%"
        assert data["factors"] == TYPICAL

    def test_percent_rule_with_base_amount(self, api_as, inspector):
        response = self.post(
            api_as(inspector),
            "EIA-31-1",
            {"factors": TYPICAL, "base_amount": "20000000.00"},
        )
        assert response.status_code == 200
        assert response.json()["amount"] == "250000.00"
        assert response.json()["minimum"] == "200000.00"

    def test_per_occurrence(self, api_as, inspector):
        response = self.post(
            api_as(inspector), "PERMIT-37-3", {"factors": TYPICAL, "occurrences": 2}
        )
        assert response.status_code == 200
        assert response.json()["maximum"] == "40000.00"
        assert response.json()["amount"] == "10000.00"

    def test_missing_factor_is_400_in_the_error_format(self, api_as, inspector):
        factors = {key: value for key, value in TYPICAL.items() if key != "object"}
        response = self.post(api_as(inspector), "AIR-99-2", {"factors": factors})
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {
                    "field": "factors.object",
                    "code": "factor_required",
                    "message": "请选择裁量因素“影响对象”",
                }
            ]
        }

    def test_unknown_option_is_400(self, api_as, inspector):
        response = self.post(
            api_as(inspector), "AIR-99-2", {"factors": {**TYPICAL, "harm": "catastrophic"}}
        )
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("factors.harm", "unknown_option")

    def test_missing_base_amount_is_400(self, api_as, inspector):
        response = self.post(api_as(inspector), "EIA-31-1", {"factors": TYPICAL})
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "base_amount",
                "code": "base_amount_required",
                "message": "该违法行为按建设项目总投资额的比例计罚，须填写建设项目总投资额",
            }
        ]

    def test_malformed_body_is_400(self, api_as, inspector):
        client = api_as(inspector)
        response = self.post(client, "AIR-99-2", {})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "factors"
        response = self.post(client, "PERMIT-37-1", {"factors": TYPICAL, "occurrences": 0})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "occurrences"

    def test_writes_nothing(self, api_as, inspector):
        before = list(ViolationType.objects.order_by("pk").values())
        self.post(api_as(inspector), "AIR-99-2", {"factors": TYPICAL})
        assert list(ViolationType.objects.order_by("pk").values()) == before

    def test_unknown_code_is_404(self, api_as, inspector):
        assert self.post(api_as(inspector), "NOPE-1", {"factors": TYPICAL}).status_code == 404

    def test_outsider_is_refused(self, api_as, outsider):
        assert self.post(api_as(outsider), "AIR-99-2", {"factors": TYPICAL}).status_code == 403

    def test_schema_documents_request_and_response(self, api):
        schema = api.get("/api/schema/", {"format": "json"}).json()
        operation = schema["paths"]["/api/v1/violation-types/{code}/discretion/"]["post"]
        request_ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        response_ref = operation["responses"]["200"]["content"]["application/json"]["schema"][
            "$ref"
        ]
        components = schema["components"]["schemas"]
        assert set(components[request_ref.rsplit("/", 1)[1]]["properties"]) == {
            "factors",
            "base_amount",
            "days",
            "occurrences",
        }
        assert {"amount", "minimum", "maximum", "percent", "lines"} <= set(
            components[response_ref.rsplit("/", 1)[1]]["properties"]
        )
        assert "/api/v1/violation-types/{code}/" in schema["paths"]


@pytest.mark.django_db
class TestNeverDeleteATypeInUse:
    def test_service_refuses_a_type_in_use(self, sanhe_enterprise):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        charge(air_99, sanhe_enterprise)
        assert violation_type_in_use(air_99)
        with pytest.raises(ConflictError) as excinfo:
            violation_services.violation_type_delete(violation_type=air_99)
        assert excinfo.value.code == "violation_type_in_use"
        assert excinfo.value.message == (
            "违法行为类型 AIR-99-2 已被案件使用，不能删除；如不再适用，请停用"
        )
        assert ViolationType.objects.filter(code="AIR-99-2").exists()

    def test_the_foreign_key_protects_it_too(self, sanhe_enterprise):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        charge(air_99, sanhe_enterprise)
        with pytest.raises(ProtectedError):
            air_99.delete()

    def test_service_deletes_an_unused_type(self):
        noise = ViolationType.objects.get(code="NOISE-75")
        violation_services.violation_type_delete(violation_type=noise)
        assert not ViolationType.objects.filter(code="NOISE-75").exists()

    def test_deactivate_retires_a_type_in_use(self, sanhe_enterprise):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        charge(air_99, sanhe_enterprise)
        violation_services.violation_type_deactivate(violation_type=air_99)
        air_99.refresh_from_db()
        assert not air_99.is_active


@pytest.mark.django_db
class TestAdmin:
    def change_url(self, violation_type):
        return reverse("admin:cases_violationtype_change", args=[violation_type.pk])

    def test_list_shows_the_library(self, client, inspector):
        client.force_login(inspector)
        response = client.get(reverse("admin:cases_violationtype_changelist"), {"q": "AIR-99"})
        assert response.status_code == 200
        html = response.content.decode()
        assert "AIR-99-2" in html
        assert "100,000–1,000,000 元" in html

    def test_no_delete_for_a_type_in_use(self, client, administrator, sanhe_enterprise):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        charge(air_99, sanhe_enterprise)
        client.force_login(administrator)
        response = client.get(self.change_url(air_99))
        assert response.status_code == 200
        delete_url = reverse("admin:cases_violationtype_delete", args=[air_99.pk])
        assert delete_url not in response.content.decode()
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        assert ViolationType.objects.filter(pk=air_99.pk).exists()

    def test_administrator_deletes_an_unused_type(self, client, administrator):
        noise = ViolationType.objects.get(code="NOISE-75")
        client.force_login(administrator)
        delete_url = reverse("admin:cases_violationtype_delete", args=[noise.pk])
        assert delete_url in client.get(self.change_url(noise)).content.decode()
        response = client.post(delete_url, {"post": "yes"})
        assert response.status_code == 302
        assert not ViolationType.objects.filter(pk=noise.pk).exists()

    def test_no_bulk_delete_action(self, client, administrator):
        client.force_login(administrator)
        response = client.get(reverse("admin:cases_violationtype_changelist"))
        assert 'value="delete_selected"' not in response.content.decode()
        assert 'value="deactivate_selected"' in response.content.decode()

    def test_administrator_edits_and_invalid_factor_json_is_refused(self, client, administrator):
        noise = ViolationType.objects.get(code="NOISE-75")
        client.force_login(administrator)
        data = {
            "code": noise.code,
            "name": noise.name,
            "category": noise.category,
            "is_active": "on",
            "legal_basis": noise.legal_basis,
            "penalty_basis": noise.penalty_basis,
            "fine_rule": noise.fine_rule,
            "fine_min": "20000",
            "fine_max": "200000",
            "percent_min": "",
            "percent_max": "",
            "base_amount_label": "",
            "other_penalties": noise.other_penalties,
            "discretion_factors": '[{"key": "harm", "options": []}]',
        }
        response = client.post(self.change_url(noise), data)
        assert response.status_code == 200
        assert "裁量因素 harm 须至少有一个选项 options" in response.content.decode()
        noise.refresh_from_db()
        assert noise.discretion_factors == []
        data["discretion_factors"] = '[{"key": "sensitive_period", "omit": true}]'
        response = client.post(self.change_url(noise), data)
        assert response.status_code == 302
        noise.refresh_from_db()
        assert noise.discretion_factors == [{"key": "sensitive_period", "omit": True}]

    def test_inspector_sees_the_type_but_cannot_change_it(self, client, inspector):
        noise = ViolationType.objects.get(code="NOISE-75")
        client.force_login(inspector)
        assert client.get(self.change_url(noise)).status_code == 200
        response = client.post(self.change_url(noise), {"name": "改"})
        assert response.status_code == 403
        noise.refresh_from_db()
        assert noise.name == "无排污许可证或者超过噪声排放标准排放工业噪声"

    def test_discretion_calculator(self, client, inspector):
        air_99 = ViolationType.objects.get(code="AIR-99-2")
        url = reverse("admin:cases_violationtype_discretion_calculator", args=[air_99.pk])
        client.force_login(inspector)
        page = client.get(url)
        assert page.status_code == 200
        assert "计算建议罚款" in page.content.decode()
        response = client.post(url, {f"factor_{key}": value for key, value in TYPICAL.items()})
        html = response.content.decode()
        assert response.status_code == 200
        assert "250000.00 元" in html
        assert "危害后果：造成一般危害后果，+10%" in html

    def test_discretion_calculator_reports_missing_facts(self, client, inspector):
        eia = ViolationType.objects.get(code="EIA-31-1")
        url = reverse("admin:cases_violationtype_discretion_calculator", args=[eia.pk])
        client.force_login(inspector)
        response = client.post(url, {f"factor_{key}": value for key, value in TYPICAL.items()})
        assert response.status_code == 200
        html = response.content.decode()
        assert "建设项目总投资额（元）" in html
        assert "recommended-amount" not in html
        response = client.post(
            url,
            {**{f"factor_{k}": v for k, v in TYPICAL.items()}, "base_amount": "20000000"},
        )
        assert "250000.00 元" in response.content.decode()
