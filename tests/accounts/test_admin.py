"""The accounts admin: officers created and changed through the services, scope, the theme."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client

from accounts.models import Officer, Region, Unit
from accounts.roles import Role
from tests.conftest import BAZHOU, SANHE
from tests.factories import OfficerFactory

User = get_user_model()

OFFICERS = "/admin/accounts/officer/"
ADD_OFFICER = "/admin/accounts/officer/add/"
PASSWORD = "Qiang-mima-2024!"


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def sanhe_brigade(db):
    unit = Unit.objects.create(name="三河市生态环境综合执法大队", kind="brigade")
    unit.regions.set([SANHE])
    return unit


def officer_form(**overrides) -> dict:
    data = {
        "username": "zhangwei",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "name": "张伟",
        "badge_number": "13108200123",
        "certificate_valid_until": "2027-12-31",
        "phone": "",
        "roles": [Role.INSPECTOR.value],
        "unit": "",
        "regions": [SANHE],
    }
    data.update(overrides)
    return data


def form_errors(response) -> dict:
    return response.context["adminform"].form.errors


@pytest.mark.django_db
class TestOfficerCreation:
    def test_administrator_creates_a_staff_account_in_one_form(
        self, client_as, administrator, sanhe_brigade
    ):
        response = client_as(administrator).post(ADD_OFFICER, officer_form(unit=sanhe_brigade.pk))
        assert response.status_code == 302
        officer = Officer.objects.get(badge_number="13108200123")
        assert officer.name == "张伟"
        assert officer.unit == sanhe_brigade
        assert str(officer.certificate_valid_until) == "2027-12-31"
        assert [region.code for region in officer.regions.all()] == [SANHE]
        assert {group.name for group in officer.user.groups.all()} == {"inspector"}
        assert officer.user.is_staff is True
        assert authenticate(username="zhangwei", password=PASSWORD) == officer.user
        assert response["Location"] == OFFICERS

    def test_inspector_role_needs_a_badge_number(self, client_as, administrator):
        response = client_as(administrator).post(ADD_OFFICER, officer_form(badge_number=""))
        assert response.status_code == 200
        assert form_errors(response)["badge_number"] == ["执法人员、法制审核和负责人须填写执法证号"]
        assert not User.objects.filter(username="zhangwei").exists()

    def test_taken_username_is_refused_on_the_field(self, client_as, administrator, inspector):
        response = client_as(administrator).post(
            ADD_OFFICER, officer_form(username=inspector.username)
        )
        assert response.status_code == 200
        assert form_errors(response)["username"] == [f"用户名 {inspector.username} 已被使用"]
        assert Officer.objects.filter(name="张伟").count() == 0

    def test_weak_password_is_refused(self, client_as, administrator):
        response = client_as(administrator).post(
            ADD_OFFICER, officer_form(password1="12345678", password2="12345678")
        )
        assert response.status_code == 200
        assert "这个密码太常见了。" in form_errors(response)["password1"]
        assert not User.objects.filter(username="zhangwei").exists()

    def test_password_confirmation_must_match(self, client_as, administrator):
        response = client_as(administrator).post(
            ADD_OFFICER, officer_form(password2=PASSWORD + "x")
        )
        assert form_errors(response)["password2"] == ["两次输入的密码不一致"]
        assert not User.objects.filter(username="zhangwei").exists()

    def test_manager_without_badge_is_fine(self, client_as, administrator):
        response = client_as(administrator).post(
            ADD_OFFICER,
            officer_form(badge_number="", roles=[Role.MANAGER.value], regions=[]),
        )
        assert response.status_code == 302
        officer = Officer.objects.get(name="张伟")
        assert officer.badge_number is None
        assert list(officer.regions.all()) == []

    def test_inspector_cannot_create_officers(self, client_as, inspector):
        assert client_as(inspector).get(ADD_OFFICER).status_code == 403


@pytest.mark.django_db
class TestOfficerChange:
    def test_roles_scope_and_deactivation_go_through_the_service(
        self, client_as, administrator, inspector
    ):
        officer = inspector.officer
        response = client_as(administrator).post(
            f"{OFFICERS}{officer.pk}/change/",
            {
                "name": officer.name,
                "badge_number": officer.badge_number,
                "certificate_valid_until": "",
                "phone": "13800000000",
                "roles": [Role.INSPECTOR.value, Role.APPROVER.value],
                "unit": "",
                "regions": [SANHE, BAZHOU],
                "is_active": "",
            },
        )
        assert response.status_code == 302
        officer.refresh_from_db()
        assert officer.phone == "13800000000"
        assert {region.code for region in officer.regions.all()} == {SANHE, BAZHOU}
        assert {group.name for group in officer.user.groups.all()} == {"inspector", "approver"}
        assert officer.user.is_active is False

    def test_taken_badge_number_is_refused(self, client_as, administrator, inspector):
        other = OfficerFactory(badge_number="13108299999")
        officer = inspector.officer
        response = client_as(administrator).post(
            f"{OFFICERS}{officer.pk}/change/",
            {
                "name": officer.name,
                "badge_number": other.badge_number,
                "roles": [Role.INSPECTOR.value],
                "regions": [SANHE],
                "is_active": "on",
            },
        )
        assert response.status_code == 200
        assert form_errors(response)["badge_number"]
        officer.refresh_from_db()
        assert officer.badge_number != other.badge_number

    def test_change_form_shows_current_roles(self, client_as, administrator, inspector):
        response = client_as(administrator).get(f"{OFFICERS}{inspector.officer.pk}/change/")
        form = response.context["adminform"].form
        assert form["roles"].value() == ["inspector"]
        assert form["is_active"].value() is True

    def test_officers_are_never_deleted(self, client_as, administrator, inspector):
        url = f"{OFFICERS}{inspector.officer.pk}/delete/"
        assert client_as(administrator).get(url).status_code == 403


@pytest.mark.django_db
class TestOfficerScope:
    def test_inspector_sees_own_regions_officers_only(self, client_as, inspector, other_inspector):
        response = client_as(inspector).get(OFFICERS)
        assert response.status_code == 200
        names = [officer.name for officer in response.context["cl"].result_list]
        assert names == ["三河检查员"]

    def test_officer_of_another_region_is_404(self, client_as, inspector, other_inspector):
        url = f"{OFFICERS}{other_inspector.officer.pk}/change/"
        assert client_as(inspector).get(url).status_code == 404

    def test_region_autocomplete_for_officers_is_scoped(self, client_as, inspector):
        response = client_as(inspector).get(
            "/admin/autocomplete/",
            {"app_label": "accounts", "model_name": "officer", "field_name": "regions"},
        )
        assert [row["id"] for row in response.json()["results"]] == [SANHE]

    def test_county_administrator_cannot_change_an_officer_beyond_scope(self, client_as):
        county_admin = OfficerFactory(
            name="三河管理员", roles=[Role.ADMINISTRATOR], regions=[SANHE]
        ).user
        wide = OfficerFactory(name="跨区检查员", roles=[Role.INSPECTOR], regions=[SANHE, BAZHOU])
        response = client_as(county_admin).post(
            f"{OFFICERS}{wide.pk}/change/",
            {"name": "改名", "roles": ["inspector"], "regions": [SANHE], "is_active": "on"},
        )
        assert response.status_code == 403
        assert wide.regions.count() == 2

    @pytest.mark.parametrize("count", [2, 30])
    def test_officer_list_query_count_does_not_grow(
        self, client_as, administrator, count, django_assert_num_queries
    ):
        unit = Unit.objects.create(name="霸州市执法大队", kind="brigade")
        unit.regions.set([BAZHOU])
        for index in range(count):
            # user__password=None: an unusable password, no slow hashing.
            OfficerFactory(
                roles=[Role.INSPECTOR],
                regions=[SANHE] if index % 2 else [],
                user__password=None,
            )
            OfficerFactory(roles=[Role.APPROVER], unit=unit, user__password=None)
        client = client_as(administrator)
        # 1 session, 2 user, 3–4 the user's own and group permissions,
        # 5 officer profile, 6 its regions (none: whole city), 7 unit filter
        # choices, 8 the planner's row estimate (EXPLAIN), 9 bounded count,
        # 10 the page with user and unit joined, prefetches: 11 officers'
        # regions, 12 users' groups, 13 units' regions.
        with django_assert_num_queries(13):
            response = client.get(OFFICERS)
        assert len(response.context["cl"].result_list) == 2 * count + 1


@pytest.mark.django_db
class TestReferenceData:
    def test_region_list_and_rename_through_the_service(self, client_as, administrator):
        client = client_as(administrator)
        response = client.get("/admin/accounts/region/", {"q": "三河"})
        assert [region.code for region in response.context["cl"].result_list] == [SANHE]
        response = client.post(f"/admin/accounts/region/{SANHE}/change/", {"name": "三河市（新）"})
        assert response.status_code == 302
        region = Region.objects.get(code=SANHE)
        assert region.name == "三河市（新）"
        assert region.path == "130000/131000/131082/"

    def test_regions_are_not_added_or_deleted_here(self, client_as, administrator):
        client = client_as(administrator)
        assert client.get("/admin/accounts/region/add/").status_code == 403
        assert client.get(f"/admin/accounts/region/{SANHE}/delete/").status_code == 403

    def test_unit_regions_offered_within_scope(self, client_as, inspector):
        response = client_as(inspector).get(
            "/admin/autocomplete/",
            {
                "app_label": "accounts",
                "model_name": "unit",
                "field_name": "regions",
                "term": "霸州",
            },
        )
        assert response.json()["results"] == []

    def test_industry_list_is_read_only(self, client_as, administrator):
        client = client_as(administrator)
        assert client.get("/admin/companies/industry/").status_code == 200
        assert client.get("/admin/companies/industry/add/").status_code == 403


@pytest.mark.django_db
class TestTheme:
    @pytest.mark.parametrize(
        "url",
        [
            "/admin/auth/user/",
            "/admin/auth/group/",
            "/admin/accounts/officer/",
            "/admin/accounts/unit/",
            "/admin/accounts/region/",
        ],
    )
    def test_pages_render_in_the_theme_without_remote_assets(self, client_as, administrator, url):
        response = client_as(administrator).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "unfold/css/styles.css" in html
        assets = re.findall(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', html)
        assert not [a for a in assets if a.startswith(("http://", "https://", "//"))]

    def test_user_change_page_uses_unfold_forms(self, client_as, administrator, inspector):
        response = client_as(administrator).get(f"/admin/auth/user/{inspector.pk}/change/")
        assert response.status_code == 200
        from unfold.forms import UserChangeForm

        assert isinstance(response.context["adminform"].form, UserChangeForm)

    def test_add_officer_page_is_in_chinese(self, client_as, administrator):
        html = client_as(administrator).get(ADD_OFFICER).content.decode()
        for label in ("用户名", "确认密码", "执法证号", "执法证有效期至", "角色", "管辖区划"):
            assert label in html
