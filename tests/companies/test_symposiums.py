"""Symposiums (政企座谈会): recording through the API and the admin, who sees them,
the demands raised there, filters and query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from companies import service_visits
from companies.models import Symposium
from tests.conftest import BAZHOU, SANHE
from tests.factories import (
    DemandFactory,
    EnterpriseFactory,
    OfficerFactory,
    SymposiumFactory,
    UnitFactory,
)

URL = "/api/v1/symposiums/"
ADMIN = "/admin/companies/symposium/"
GUAN = "131022"  # 固安县


def today() -> date:
    return timezone.localdate()


def errors_of(response) -> list[dict]:
    return response.json()["errors"]


def ids(response) -> list[int]:
    return sorted(row["id"] for row in response.json()["results"])


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def sanhe_brigade(db):
    return UnitFactory(name="三河市生态环境执法大队", regions=[SANHE])


@pytest.fixture
def bazhou_brigade(db):
    return UnitFactory(name="霸州市生态环境执法大队", regions=[BAZHOU])


@pytest.fixture
def detachment(db):
    return UnitFactory(name="廊坊市生态环境保护综合执法支队", kind="detachment")


@pytest.fixture
def brigade_inspector(sanhe_brigade):
    """An inspector whose scope comes from the 三河 brigade."""
    return OfficerFactory(name="三河大队队员", roles=[Role.INSPECTOR], unit=sanhe_brigade).user


@pytest.fixture
def city_approver(detachment):
    return OfficerFactory(name="支队负责人", roles=[Role.APPROVER], unit=detachment).user


# --- recording ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestRecord:
    def test_defaults_to_the_officer_unit_and_its_region(
        self, api_as, brigade_inspector, sanhe_brigade, sanhe_enterprise
    ):
        other = EnterpriseFactory(region_id=SANHE)
        response = api_as(brigade_inspector).post(
            URL,
            {"topic": "排污许可政策宣讲座谈会", "enterprises": [sanhe_enterprise.id, other.id]},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["held_on"] == today().isoformat()
        assert body["host_unit"] == sanhe_brigade.id
        assert body["region"] == SANHE
        assert sorted(body["enterprises"]) == sorted([sanhe_enterprise.id, other.id])
        assert body["demands"] == []
        assert Symposium.objects.get().created_by == brigade_inspector

    def test_city_wide_symposium(
        self, api_as, city_approver, detachment, sanhe_enterprise, bazhou_enterprise
    ):
        response = api_as(city_approver).post(
            URL,
            {
                "held_on": "2024-04-18",
                "topic": "优化营商环境政企座谈会",
                "enterprises": [sanhe_enterprise.id, bazhou_enterprise.id],
                "location": "市生态环境局三楼会议室",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["region"] is None
        assert response.json()["host_unit"] == detachment.id

    def test_without_a_unit_the_host_is_required(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL, {"topic": "座谈会", "enterprises": [sanhe_enterprise.id]}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {"field": "host_unit", "code": "required", "message": "请选择主办单位"}
        ]

    def test_another_unit_cannot_be_the_host(
        self, api_as, brigade_inspector, bazhou_brigade, sanhe_enterprise
    ):
        response = api_as(brigade_inspector).post(
            URL,
            {
                "topic": "座谈会",
                "host_unit": bazhou_brigade.id,
                "enterprises": [sanhe_enterprise.id],
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "unit_out_of_scope"
        assert not Symposium.objects.exists()

    def test_enterprises_of_another_region_are_refused(
        self, api_as, brigade_inspector, sanhe_enterprise, bazhou_enterprise
    ):
        response = api_as(brigade_inspector).post(
            URL,
            {"topic": "座谈会", "enterprises": [sanhe_enterprise.id, bazhou_enterprise.id]},
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {
                "field": "enterprises",
                "code": "region_out_of_scope",
                "message": "以下企业不在您的管辖范围内：霸州市某钢管有限公司",
            }
        ]
        assert not Symposium.objects.exists()

    def test_region_of_another_county_is_refused(self, api_as, brigade_inspector, sanhe_enterprise):
        response = api_as(brigade_inspector).post(
            URL,
            {"topic": "座谈会", "region": BAZHOU, "enterprises": [sanhe_enterprise.id]},
            format="json",
        )
        assert errors_of(response)[0]["field"] == "region"

    def test_future_date_is_refused(self, api_as, brigade_inspector, sanhe_enterprise):
        response = api_as(brigade_inspector).post(
            URL,
            {
                "topic": "座谈会",
                "held_on": (today() + timedelta(days=1)).isoformat(),
                "enterprises": [sanhe_enterprise.id],
            },
            format="json",
        )
        assert errors_of(response) == [
            {"field": "held_on", "code": "future_date", "message": "召开日期不能晚于今天"}
        ]
        assert not Symposium.objects.exists()

    def test_at_least_one_enterprise(self, brigade_inspector):
        with pytest.raises(service_visits.DomainError) as exc:
            service_visits.symposium_record(user=brigade_inspector, topic="座谈会", enterprises=[])
        assert exc.value.field == "enterprises"

    def test_manager_may_not_record(self, api_as, manager, sanhe_enterprise):
        response = api_as(manager).post(
            URL, {"topic": "座谈会", "enterprises": [sanhe_enterprise.id]}, format="json"
        )
        assert response.status_code == 403


# --- who sees a symposium -----------------------------------------------------------------


@pytest.mark.django_db
class TestVisibility:
    @pytest.fixture
    def meetings(self, sanhe_brigade, bazhou_brigade, detachment):
        sanhe = EnterpriseFactory(region_id=SANHE)
        bazhou = EnterpriseFactory(region_id=BAZHOU)
        return {
            # Held by the 三河 brigade for 三河.
            "sanhe": SymposiumFactory(host_unit=sanhe_brigade, enterprises=[sanhe]),
            # City-wide, attended by enterprises of 三河 and 霸州.
            "city": SymposiumFactory(
                host_unit=detachment, region=None, enterprises=[sanhe, bazhou]
            ),
            # Hosted by the 霸州 brigade, no region recorded, a 三河 enterprise attended.
            "hosted": SymposiumFactory(host_unit=bazhou_brigade, region=None, enterprises=[sanhe]),
        }

    def test_county_inspectors_see_their_own_and_those_their_enterprises_attended(
        self, api_as, inspector, other_inspector, meetings
    ):
        assert ids(api_as(inspector).get(URL)) == sorted(m.id for m in meetings.values())
        assert ids(api_as(other_inspector).get(URL)) == sorted(
            [meetings["city"].id, meetings["hosted"].id]
        )

    def test_a_county_with_no_part_sees_nothing(self, api_as, meetings):
        guan = OfficerFactory(roles=[Role.INSPECTOR], regions=[GUAN]).user
        assert ids(api_as(guan).get(URL)) == []
        assert api_as(guan).get(f"{URL}{meetings['city'].id}/").status_code == 404

    def test_other_region_inspector_gets_404(self, api_as, other_inspector, meetings):
        assert api_as(other_inspector).get(f"{URL}{meetings['sanhe'].id}/").status_code == 404

    def test_city_staff_see_all(self, api_as, manager, meetings):
        assert api_as(manager).get(URL).json()["count"] == 3

    def test_demands_listed_are_those_of_the_callers_regions(
        self, api_as, inspector, other_inspector, meetings
    ):
        city = meetings["city"]
        sanhe, bazhou = sorted(city.enterprises.all(), key=lambda e: e.region_id != SANHE)
        mine = DemandFactory(enterprise=sanhe, symposium=city)
        theirs = DemandFactory(enterprise=bazhou, symposium=city)
        assert api_as(inspector).get(f"{URL}{city.id}/").json()["demands"] == [mine.id]
        assert api_as(other_inspector).get(f"{URL}{city.id}/").json()["demands"] == [theirs.id]

    def test_seeing_is_not_changing(self, api_as, other_inspector, meetings):
        sanhe_meeting_seen_by_bazhou = meetings["city"]
        response = api_as(other_inspector).patch(
            f"{URL}{sanhe_meeting_seen_by_bazhou.id}/", {"topic": "改写"}, format="json"
        )
        assert response.status_code == 403
        assert errors_of(response)[0]["code"] == "unit_out_of_scope"


# --- changes ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestChange:
    def test_patch_topic_and_attendees(self, api_as, brigade_inspector, sanhe_brigade):
        symposium = SymposiumFactory(host_unit=sanhe_brigade)
        newcomer = EnterpriseFactory(region_id=SANHE)
        response = api_as(brigade_inspector).patch(
            f"{URL}{symposium.id}/",
            {"topic": "危废规范化管理座谈会", "enterprises": [newcomer.id]},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["enterprises"] == [newcomer.id]

    def test_an_enterprise_that_raised_a_demand_stays(
        self, api_as, brigade_inspector, sanhe_brigade, sanhe_enterprise
    ):
        symposium = SymposiumFactory(host_unit=sanhe_brigade, enterprises=[sanhe_enterprise])
        DemandFactory(enterprise=sanhe_enterprise, symposium=symposium)
        other = EnterpriseFactory(region_id=SANHE)
        response = api_as(brigade_inspector).patch(
            f"{URL}{symposium.id}/", {"enterprises": [other.id]}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "enterprise_has_demands"
        assert list(symposium.enterprises.all()) == [sanhe_enterprise]

    def test_date_not_after_a_demand_raised_there(
        self, api_as, brigade_inspector, sanhe_brigade, sanhe_enterprise
    ):
        symposium = SymposiumFactory(host_unit=sanhe_brigade, enterprises=[sanhe_enterprise])
        DemandFactory(enterprise=sanhe_enterprise, symposium=symposium)
        response = api_as(brigade_inspector).patch(
            f"{URL}{symposium.id}/", {"held_on": "2024-05-07"}, format="json"
        )
        assert errors_of(response)[0]["code"] == "after_demand"

    def test_symposiums_are_never_deleted(self, api_as, administrator):
        symposium = SymposiumFactory()
        assert api_as(administrator).delete(f"{URL}{symposium.id}/").status_code == 405


# --- filters ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def spread(self, sanhe_brigade, detachment):
        sanhe = EnterpriseFactory(region_id=SANHE)
        bazhou = EnterpriseFactory(region_id=BAZHOU)
        rows = {
            "sanhe": SymposiumFactory(
                host_unit=sanhe_brigade, enterprises=[sanhe], held_on=date(2024, 3, 1)
            ),
            "city": SymposiumFactory(
                host_unit=detachment,
                region=None,
                enterprises=[bazhou],
                held_on=date(2024, 6, 1),
            ),
        }
        return rows, {"sanhe": sanhe, "bazhou": bazhou, "brigade": sanhe_brigade}

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"region": SANHE}, {"sanhe"}),
            # A city-wide meeting is found by its attendees' region.
            ({"region": BAZHOU}, {"city"}),
            ({"region": "131000"}, {"sanhe", "city"}),
            ({"host_unit": "@brigade"}, {"sanhe"}),
            ({"enterprise": "@bazhou"}, {"city"}),
            ({"held_after": "2024-04-01"}, {"city"}),
            ({"held_before": "2024-04-01"}, {"sanhe"}),
        ],
    )
    def test_filter(self, api_as, manager, spread, params, expected):
        rows, refs = spread
        params = {
            key: refs[value[1:]].pk if str(value).startswith("@") else value
            for key, value in params.items()
        }
        response = api_as(manager).get(URL, params)
        assert response.status_code == 200
        assert ids(response) == sorted(rows[key].id for key in expected)

    def test_updated_since(self, api_as, manager, spread):
        rows, _ = spread
        Symposium.objects.filter(pk=rows["sanhe"].pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )
        since = (timezone.now() - timedelta(days=1)).isoformat()
        assert ids(api_as(manager).get(URL, {"updated_since": since})) == [rows["city"].id]


# --- query counts -----------------------------------------------------------------------


@pytest.mark.django_db
class TestQueryCounts:
    @staticmethod
    def fresh(user):
        return type(user).objects.get(pk=user.pk)

    @pytest.mark.parametrize("size", [3, 30])
    def test_list_query_count_does_not_grow(
        self, api_as, inspector, sanhe_brigade, size, django_assert_num_queries
    ):
        for _ in range(size):
            enterprises = EnterpriseFactory.create_batch(2, region_id=SANHE)
            symposium = SymposiumFactory(host_unit=sanhe_brigade, enterprises=enterprises)
            DemandFactory(enterprise=enterprises[0], symposium=symposium)
        client = api_as(self.fresh(inspector))
        # 1 officer profile, 2 scope roots, 3 scope codes, 4-5 permissions,
        # 6 COUNT(*) and 7 the page with host unit and region joined (the
        # visibility rule is two EXISTS in the same statement), 8 the page's
        # attending enterprises, 9 the ids of their demands in the scope.
        with django_assert_num_queries(9):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size


# --- the admin ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    def test_record_through_the_admin(
        self, client_as, brigade_inspector, sanhe_brigade, sanhe_enterprise
    ):
        response = client_as(brigade_inspector).post(
            f"{ADMIN}add/",
            {
                "held_on": "2024-05-06",
                "host_unit": "",
                "topic": "重污染天气应急减排政策座谈会",
                "region": "",
                "location": "三河市生态环境分局",
                "enterprises": [sanhe_enterprise.pk],
                "notes": "",
                "demands-TOTAL_FORMS": "0",
                "demands-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        symposium = Symposium.objects.get()
        assert (symposium.host_unit, symposium.region_id) == (sanhe_brigade, SANHE)

    def test_admin_form_shows_the_service_refusal(
        self, client_as, brigade_inspector, bazhou_enterprise, sanhe_enterprise
    ):
        response = client_as(brigade_inspector).post(
            f"{ADMIN}add/",
            {
                "held_on": "2024-05-06",
                "topic": "座谈会",
                "enterprises": [sanhe_enterprise.pk, bazhou_enterprise.pk],
                "demands-TOTAL_FORMS": "0",
                "demands-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["enterprises"]
        assert not Symposium.objects.exists()

    def test_changelist_and_pages_follow_the_visibility_rule(
        self, client_as, inspector, sanhe_brigade, detachment, bazhou_enterprise
    ):
        mine = SymposiumFactory(host_unit=sanhe_brigade)
        theirs = SymposiumFactory(
            host_unit=detachment, region=None, enterprises=[bazhou_enterprise]
        )
        client = client_as(inspector)
        assert list(client.get(ADMIN).context["cl"].result_list) == [mine]
        assert client.get(f"{ADMIN}{theirs.pk}/change/").status_code == 404
        assert client.get(f"{ADMIN}{mine.pk}/change/").status_code == 200

    def test_visible_through_an_attendee_is_read_only(
        self, client_as, other_inspector, sanhe_brigade, bazhou_enterprise
    ):
        symposium = SymposiumFactory(host_unit=sanhe_brigade, enterprises=[bazhou_enterprise])
        client = client_as(other_inspector)
        page = client.get(f"{ADMIN}{symposium.pk}/change/")
        assert page.status_code == 200
        assert page.context["has_change_permission"] is False

    @pytest.mark.parametrize("size", [3, 30])
    def test_changelist_query_count(
        self, client_as, inspector, sanhe_brigade, size, django_assert_num_queries
    ):
        for _ in range(size):
            SymposiumFactory(host_unit=sanhe_brigade)
        client = client_as(inspector)
        client.get(ADMIN)
        # session, user, 2 permissions, officer, scope roots, scope codes, the
        # region filter's choices, the planner estimate, the capped COUNT, the
        # page with host unit and region joined, the attendees of the page.
        with django_assert_num_queries(12):
            response = client.get(ADMIN)
        assert len(response.context["cl"].result_list) == size
