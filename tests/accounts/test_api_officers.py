"""officers/: administrators create staff accounts; the scope selector follows them."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from accounts.models import Officer
from accounts.selectors import visible_region_codes
from tests.conftest import SANHE
from tests.factories import OfficerFactory

URL = "/api/v1/officers/"
User = get_user_model()


def new_officer(**overrides):
    data = {
        "username": "zhangsan",
        "password": "Lf-enforce-2026!",
        "name": "张三",
        "badge_number": "13102026001",
        "certificate_valid_until": "2028-12-31",
        "roles": ["inspector"],
        "regions": [SANHE],
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestCreate:
    def test_administrator_creates_an_inspector(self, api_as, administrator):
        response = api_as(administrator).post(URL, new_officer(), format="json")
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["roles"] == ["inspector"]
        assert body["regions"] == [SANHE]
        assert "password" not in body
        user = User.objects.get(username="zhangsan")
        assert user.check_password("Lf-enforce-2026!")
        assert user.is_staff
        assert visible_region_codes(user) == frozenset({SANHE})

    def test_api_client_accounts_are_not_staff(self, api_as, administrator):
        data = new_officer(
            username="report", badge_number=None, roles=["reporting_client"], regions=[]
        )
        response = api_as(administrator).post(URL, data, format="json")
        assert response.status_code == 201, response.json()
        assert not User.objects.get(username="report").is_staff

    def test_inspector_needs_a_badge_number(self, api_as, administrator):
        response = api_as(administrator).post(URL, new_officer(badge_number=""), format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "badge_number",
                "code": "required",
                "message": "执法人员、法制审核和负责人须填写执法证号",
            }
        ]
        assert not User.objects.filter(username="zhangsan").exists()

    def test_duplicate_badge_number(self, api_as, administrator):
        OfficerFactory(badge_number="13102026001")
        response = api_as(administrator).post(URL, new_officer(), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "duplicate"
        assert not User.objects.filter(username="zhangsan").exists()

    def test_unknown_region_and_role(self, api_as, administrator):
        response = api_as(administrator).post(
            URL, new_officer(regions=["999999"], roles=["inspector"]), format="json"
        )
        assert response.status_code == 400
        assert response.json()["errors"][0] == {
            "field": "regions",
            "code": "unknown_region",
            "message": "行政区划代码 999999 不存在",
        }
        response = api_as(administrator).post(URL, new_officer(roles=["boss"]), format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "roles.0"
        assert not User.objects.filter(username="zhangsan").exists()

    def test_weak_password(self, api_as, administrator):
        response = api_as(administrator).post(URL, new_officer(password="123"), format="json")
        assert response.status_code == 400
        assert {e["code"] for e in response.json()["errors"]} == {"weak_password"}

    def test_only_administrators_create(self, api_as, inspector):
        response = api_as(inspector).post(URL, new_officer(), format="json")
        assert response.status_code == 403
        assert not User.objects.filter(username="zhangsan").exists()


@pytest.mark.django_db
class TestUpdateAndRead:
    def test_change_roles_and_scope(self, api_as, administrator, inspector):
        officer = inspector.officer
        response = api_as(administrator).patch(
            f"{URL}{officer.id}/",
            {"roles": ["inspector", "approver"], "regions": []},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["roles"] == ["inspector", "approver"]
        fresh = User.objects.get(pk=inspector.pk)
        assert visible_region_codes(fresh) is None  # no regions: the whole city

    def test_deactivate(self, api_as, administrator, inspector):
        response = api_as(administrator).patch(
            f"{URL}{inspector.officer.id}/", {"is_active": False}, format="json"
        )
        assert response.status_code == 200
        assert not User.objects.get(pk=inspector.pk).is_active

    def test_inspector_sees_own_region_colleagues_only(self, api_as, inspector, other_inspector):
        response = api_as(inspector).get(URL)
        names = {row["name"] for row in response.json()["results"]}
        assert names == {"三河检查员"}

    def test_list_query_count(self, api_as, administrator, django_assert_num_queries):
        OfficerFactory.create_batch(10, roles=["inspector"], regions=[SANHE])
        client = api_as(User.objects.get(pk=administrator.pk))
        # officer, its regions (none: whole city), 2 permission queries,
        # COUNT, the page, prefetch of regions, of user groups.
        with django_assert_num_queries(8):
            response = client.get(URL)
        assert response.json()["count"] == Officer.objects.count()


@pytest.mark.django_db
def test_certificate_date_can_be_cleared_and_is_kept_when_absent(api_as, administrator, inspector):
    url = f"{URL}{inspector.officer.id}/"
    client = api_as(administrator)
    response = client.patch(url, {"certificate_valid_until": "2027-06-30"}, format="json")
    assert response.status_code == 200
    client.patch(url, {"name": "三河检查员（改）"}, format="json")
    inspector.officer.refresh_from_db()
    assert str(inspector.officer.certificate_valid_until) == "2027-06-30"
    client.patch(url, {"certificate_valid_until": None}, format="json")
    inspector.officer.refresh_from_db()
    assert inspector.officer.certificate_valid_until is None


@pytest.mark.django_db
class TestCountyAdministrator:
    """A county-scoped administrator gives officers only their own regions,
    through the API as through the admin: the check is in the service."""

    @pytest.fixture
    def county_admin(self):
        from accounts.roles import Role

        return OfficerFactory(roles=[Role.ADMINISTRATOR], regions=[SANHE], badge_number=None).user

    def test_only_regions_of_their_scope(self, api_as, county_admin):
        from tests.conftest import BAZHOU

        client = api_as(county_admin)
        for regions in ([BAZHOU], [SANHE, BAZHOU], []):
            response = client.post(URL, new_officer(regions=regions), format="json")
            assert response.status_code == 403, regions
            assert response.json()["errors"][0]["code"] == "outside_scope"
        assert not User.objects.filter(username="zhangsan").exists()
        response = client.post(URL, new_officer(regions=[SANHE]), format="json")
        assert response.status_code == 201, response.json()

    def test_no_widening_an_officer_of_their_scope(self, api_as, county_admin, inspector):
        from tests.conftest import BAZHOU

        url = f"{URL}{inspector.officer.pk}/"
        response = api_as(county_admin).patch(url, {"regions": [BAZHOU]}, format="json")
        assert response.status_code == 403
        assert list(inspector.officer.regions.values_list("code", flat=True)) == [SANHE]

    def test_a_password_is_required(self, api_as, administrator):
        data = new_officer()
        del data["password"]
        response = api_as(administrator).post(URL, data, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0] == {
            "field": "password",
            "code": "required",
            "message": "请设置密码",
        }
