"""The enterprises/ endpoint: scope, filters, the error format, query counts."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from companies.models import Enterprise, PositiveListEntry
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory, make_uscc

URL = "/api/v1/enterprises/"


def payload(**overrides):
    data = {
        "uscc": make_uscc(999, SANHE),
        "name": "三河市新建材料有限公司",
        "region": SANHE,
        "address": "三河市燕郊高新区",
        "industry": "30",
        "permit_category": "registration",
        "performance_grade": "B",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestScope:
    def test_inspector_lists_only_own_region(
        self, api_as, inspector, sanhe_enterprise, bazhou_enterprise
    ):
        response = api_as(inspector).get(URL)
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [sanhe_enterprise.id]

    def test_enterprise_outside_scope_is_404(self, api_as, inspector, bazhou_enterprise):
        response = api_as(inspector).get(f"{URL}{bazhou_enterprise.id}/")
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"

    def test_other_region_inspector_cannot_change_it(
        self, api_as, other_inspector, sanhe_enterprise
    ):
        response = api_as(other_inspector).patch(
            f"{URL}{sanhe_enterprise.id}/", {"name": "改名"}, format="json"
        )
        assert response.status_code == 404
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.name == "三河市某化工有限公司"

    def test_manager_sees_whole_city(self, api_as, manager, sanhe_enterprise, bazhou_enterprise):
        response = api_as(manager).get(URL)
        assert response.json()["count"] == 2

    def test_unit_regions_apply_when_officer_has_none(
        self, api_as, sanhe_enterprise, bazhou_enterprise
    ):
        from accounts.models import Unit

        unit = Unit.objects.create(name="霸州市大队", kind="brigade")
        unit.regions.set([BAZHOU])
        user = OfficerFactory(roles=[Role.INSPECTOR], unit=unit).user
        response = api_as(user).get(URL)
        assert [row["id"] for row in response.json()["results"]] == [bazhou_enterprise.id]

    def test_city_scope_covers_its_counties(self, api_as, sanhe_enterprise, bazhou_enterprise):
        user = OfficerFactory(roles=[Role.INSPECTOR], regions=["131000"]).user
        assert api_as(user).get(URL).json()["count"] == 2

    def test_outsider_without_role_is_forbidden(self, api_as, outsider, sanhe_enterprise):
        response = api_as(outsider).get(URL)
        assert response.status_code == 403

    def test_anonymous_is_401(self, api, sanhe_enterprise):
        response = api.get(URL)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "not_authenticated"

    def test_monitoring_platform_cannot_create(self, api_as, monitoring_platform):
        response = api_as(monitoring_platform).post(URL, payload(), format="json")
        assert response.status_code == 403
        assert not Enterprise.objects.exists()

    def test_manager_is_read_only(self, api_as, manager):
        response = api_as(manager).post(URL, payload(), format="json")
        assert response.status_code == 403


@pytest.mark.django_db
class TestCreate:
    def test_inspector_registers_enterprise_in_own_region(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["region"] == SANHE
        assert body["region_name"] == "三河市"
        assert body["industry"] == "30"
        assert body["on_positive_list"] is False
        assert Enterprise.objects.get().name == "三河市新建材料有限公司"

    def test_lower_case_uscc_is_normalised(self, api_as, inspector):
        data = payload()
        data["uscc"] = data["uscc"].lower()
        response = api_as(inspector).post(URL, data, format="json")
        assert response.status_code == 201
        assert Enterprise.objects.get().uscc == data["uscc"].upper()

    @pytest.mark.parametrize(
        ("uscc", "code", "message"),
        [
            ("91350100M000100Y44", "invalid_checksum", "统一社会信用代码校验位错误"),
            ("91350100M000100Y4", "invalid_length", "统一社会信用代码应为 18 位，实际为 17 位"),
            (
                "91350100M0001O0Y43",
                "invalid_charset",
                "统一社会信用代码含有不允许的字符：O（不使用 I、O、Z、S、V）",
            ),
        ],
    )
    def test_invalid_uscc_is_400_on_field_uscc(self, api_as, inspector, uscc, code, message):
        response = api_as(inspector).post(URL, payload(uscc=uscc), format="json")
        assert response.status_code == 400
        assert response.json() == {"errors": [{"field": "uscc", "code": code, "message": message}]}
        assert not Enterprise.objects.exists()

    def test_legacy_code_with_reason_is_accepted(self, api_as, inspector):
        data = payload(uscc="91350100M000100Y44", uscc_legacy_reason="2014 年试点代码，经核实有效")
        response = api_as(inspector).post(URL, data, format="json")
        assert response.status_code == 201

    def test_duplicate_uscc_is_refused(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(URL, payload(uscc=sanhe_enterprise.uscc), format="json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("uscc", "duplicate")
        assert Enterprise.objects.count() == 1

    def test_region_outside_scope_is_refused(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(region=BAZHOU), format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "region",
                "code": "region_out_of_scope",
                "message": "霸州市 不在您的管辖范围内",
            }
        ]
        assert not Enterprise.objects.exists()

    def test_city_is_not_a_county(self, api_as, manager, administrator):
        response = api_as(administrator).post(URL, payload(region="131000"), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "region_not_county"

    def test_unknown_region_code(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(region="999999"), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "region"

    def test_key_permit_needs_permit_number(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(permit_category="key"), format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "permit_number",
                "code": "permit_number_required",
                "message": "重点管理和简化管理的企业须填写排污许可证编号",
            }
        ]

    def test_permit_number_must_belong_to_the_holder(self, api_as, inspector):
        data = payload(permit_category="key", permit_number="91130200699229617X001P")
        response = api_as(inspector).post(URL, data, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "permit_uscc_mismatch"

    def test_valid_permit_number(self, api_as, inspector):
        data = payload(permit_category="key")
        data["permit_number"] = data["uscc"] + "001P"
        response = api_as(inspector).post(URL, data, format="json")
        assert response.status_code == 201, response.json()

    def test_bad_choice_lists_code(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(performance_grade="E"), format="json")
        assert response.status_code == 400
        error = response.json()["errors"][0]
        assert (error["field"], error["code"]) == ("performance_grade", "invalid_choice")

    def test_positive_list_flag_is_read_only(self, api_as, inspector):
        response = api_as(inspector).post(URL, payload(on_positive_list=True), format="json")
        assert response.status_code == 201
        assert Enterprise.objects.get().on_positive_list is False


@pytest.mark.django_db
class TestUpdate:
    def test_patch_name(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).patch(
            f"{URL}{sanhe_enterprise.id}/", {"name": "三河市某化工股份有限公司"}, format="json"
        )
        assert response.status_code == 200
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.name == "三河市某化工股份有限公司"

    def test_cannot_move_enterprise_out_of_scope(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).patch(
            f"{URL}{sanhe_enterprise.id}/", {"region": BAZHOU}, format="json"
        )
        assert response.status_code == 400
        sanhe_enterprise.refresh_from_db()
        assert sanhe_enterprise.region_id == SANHE

    def test_enterprises_are_never_deleted(self, api_as, administrator, sanhe_enterprise):
        response = api_as(administrator).delete(f"{URL}{sanhe_enterprise.id}/")
        assert response.status_code == 405
        assert Enterprise.objects.filter(pk=sanhe_enterprise.pk).exists()


@pytest.mark.django_db
class TestPositiveList:
    def test_add_then_remove(self, api_as, inspector, sanhe_enterprise):
        client = api_as(inspector)
        url = f"{URL}{sanhe_enterprise.id}/"
        response = client.post(
            url + "positive-list-add/", {"on": "2026-01-05", "reason": "绩效A级"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["on_positive_list"] is True
        assert client.get(URL, {"on_positive_list": "true"}).json()["count"] == 1

        response = client.post(url + "positive-list-add/", {"reason": "重复"}, format="json")
        assert response.status_code == 409
        assert response.json()["errors"][0]["code"] == "already_listed"

        response = client.post(
            url + "positive-list-remove/", {"on": "2026-01-01", "reason": "x"}, format="json"
        )
        assert response.status_code == 400, "removal before the entry date is refused"

        response = client.post(
            url + "positive-list-remove/",
            {"on": "2026-03-01", "reason": "发现超标排放"},
            format="json",
        )
        assert response.status_code == 200
        assert response.json()["on_positive_list"] is False
        entry = PositiveListEntry.objects.get()
        assert (str(entry.added_on), str(entry.removed_on)) == ("2026-01-05", "2026-03-01")

    def test_reason_required(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            f"{URL}{sanhe_enterprise.id}/positive-list-add/", {"reason": " "}, format="json"
        )
        assert response.status_code == 400
        assert not PositiveListEntry.objects.exists()


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def spread(self, db):
        return {
            "chem": EnterpriseFactory(
                name="甲化工",
                region_id=SANHE,
                industry_id="26",
                permit_category="registration",
                performance_grade="A",
            ),
            "steel": EnterpriseFactory(
                name="乙钢铁",
                region_id=BAZHOU,
                industry_id="31",
                performance_grade="C",
                vocs_related=True,
            ),
            "food": EnterpriseFactory(
                name="丙食品", region_id="131022", industry_id="14", status="closed"
            ),
        }

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"region": SANHE}, {"chem"}),
            ({"region": "131000"}, {"chem", "steel", "food"}),
            ({"industry": "31"}, {"steel"}),
            ({"industry": "C"}, {"chem", "steel", "food"}),
            ({"permit_category": "registration"}, {"chem"}),
            ({"performance_grade": "C"}, {"steel"}),
            ({"on_positive_list": "false"}, {"chem", "steel", "food"}),
            ({"status": "closed"}, {"food"}),
            ({"vocs_related": "true"}, {"steel"}),
            ({"q": "钢"}, {"steel"}),
        ],
    )
    def test_filter(self, api_as, manager, spread, params, expected):
        response = api_as(manager).get(URL, params)
        assert response.status_code == 200
        names = {row["name"] for row in response.json()["results"]}
        assert names == {spread[key].name for key in expected}

    def test_q_matches_uscc_prefix(self, api_as, manager, spread):
        response = api_as(manager).get(URL, {"q": spread["food"].uscc[:12]})
        assert {row["name"] for row in response.json()["results"]} == {"丙食品"}

    def test_updated_since(self, api_as, manager, spread):
        from datetime import timedelta

        from django.utils import timezone

        Enterprise.objects.filter(name="甲化工").update(
            updated_at=timezone.now() - timedelta(days=3)
        )
        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = api_as(manager).get(URL, {"updated_since": since})
        assert {row["name"] for row in response.json()["results"]} == {"乙钢铁", "丙食品"}

    def test_page_size_is_capped_at_500(self, api_as, manager, spread):
        response = api_as(manager).get(URL, {"page_size": 10000})
        assert response.status_code == 200
        assert response.json()["count"] == 3


@pytest.mark.django_db
class TestQueryCounts:
    @staticmethod
    def fresh(user):
        # A user as authentication loads it: nothing cached on it yet.
        return type(user).objects.get(pk=user.pk)

    @pytest.mark.parametrize("size", [5, 40])
    def test_list_query_count_does_not_grow_with_page(
        self, api_as, inspector, size, django_assert_num_queries
    ):
        EnterpriseFactory.create_batch(size, region_id=SANHE)
        client = api_as(self.fresh(inspector))
        # 1 the user's officer profile, 2 its regions (the scope roots),
        # 3 the region codes under those roots, 4-5 the user's and its groups'
        # permissions, 6 COUNT(*), 7 the page with region and industry joined.
        with django_assert_num_queries(7):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size

    def test_detail_query_count(
        self, api_as, inspector, sanhe_enterprise, django_assert_num_queries
    ):
        client = api_as(self.fresh(inspector))
        # officer, scope roots, scope codes, two permission queries, the row.
        with django_assert_num_queries(6):
            response = client.get(f"{URL}{sanhe_enterprise.id}/")
        assert response.status_code == 200
        assert response.json()["id"] == sanhe_enterprise.id


@pytest.mark.django_db
def test_options_lists_choices(api_as, inspector):
    response = api_as(inspector).options(URL)
    assert response.status_code == 200
    choices = response.json()["actions"]["POST"]["permit_category"]["choices"]
    assert {"value": "key", "display_name": "重点管理"} in choices
