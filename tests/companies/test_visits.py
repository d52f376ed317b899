"""Visits (走访) and the policy-card list: recording through the API and the admin,
dates, cards, scope, filters, query counts, and what the half-year metrics read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from companies import service_visits
from companies.models import PolicyCard, Visit, VisitPolicyCard
from tests.conftest import BAZHOU, SANHE
from tests.factories import (
    DemandFactory,
    EnterpriseFactory,
    OfficerFactory,
    PolicyCardFactory,
    VisitFactory,
)

URL = "/api/v1/visits/"
CARDS_URL = "/api/v1/policy-cards/"
ADMIN = "/admin/companies/visit/"
SEEDED_CARDS = {
    "discharge-permit",
    "eia-positive-list",
    "heavy-pollution-response",
    "hazardous-waste",
    "credit-rating",
    "minor-violation-waiver",
}


def today() -> date:
    return timezone.localdate()


def errors_of(response) -> list[dict]:
    return response.json()["errors"]


def card(code: str) -> PolicyCard:
    return PolicyCard.objects.get(code=code)


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def colleague(db):
    return OfficerFactory(name="三河同事", roles=[Role.INSPECTOR], regions=[SANHE])


# --- recording through the API -----------------------------------------------------------


@pytest.mark.django_db
class TestRecord:
    def test_visit_with_cards_and_defaults(self, api_as, inspector, sanhe_enterprise):
        permit, credit = card("discharge-permit"), card("credit-rating")
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "assistance",
                "policy_cards": [{"card": permit.id, "quantity": 3}, {"card": credit.id}],
                "measures": "指导企业完善排污许可执行报告",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["visited_on"] == today().isoformat()
        assert body["officers"] == [inspector.officer.id]
        assert body["officers_detail"][0]["name"] == "三河检查员"
        assert body["region"] == SANHE
        assert sorted((row["code"], row["quantity"]) for row in body["policy_cards"]) == [
            ("credit-rating", 1),
            ("discharge-permit", 3),
        ]
        visit = Visit.objects.get()
        assert visit.region_id == SANHE
        assert visit.created_by == inspector

    def test_visit_of_a_paper_record_keeps_its_date(
        self, api_as, inspector, colleague, sanhe_enterprise
    ):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "routine",
                "visited_on": "2024-03-15",
                "officers": [inspector.officer.id, colleague.id],
            },
            format="json",
        )
        assert response.status_code == 201
        assert response.json()["visited_on"] == "2024-03-15"
        assert set(Visit.objects.get().officers.values_list("name", flat=True)) == {
            "三河检查员",
            "三河同事",
        }

    def test_future_date_is_refused_and_nothing_written(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "routine",
                "visited_on": (today() + timedelta(days=1)).isoformat(),
                "policy_cards": [{"card": card("hazardous-waste").id, "quantity": 2}],
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {"field": "visited_on", "code": "future_date", "message": "走访日期不能晚于今天"}
        ]
        assert not Visit.objects.exists()
        assert not VisitPolicyCard.objects.exists()

    def test_enterprise_of_another_region_is_refused(self, api_as, inspector, bazhou_enterprise):
        response = api_as(inspector).post(
            URL, {"enterprise": bazhou_enterprise.id, "kind": "routine"}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "region_out_of_scope"
        assert not Visit.objects.exists()

    def test_officer_of_another_region_is_refused(
        self, api_as, inspector, other_inspector, sanhe_enterprise
    ):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "routine",
                "officers": [inspector.officer.id, other_inspector.officer.id],
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {
                "field": "officers",
                "code": "officer_out_of_scope",
                "message": "以下人员不负责该企业所在区划：霸州检查员",
            }
        ]
        assert not Visit.objects.exists()

    def test_deactivated_officer_is_refused(self, api_as, inspector, colleague, sanhe_enterprise):
        colleague.user.is_active = False
        colleague.user.save()
        response = api_as(inspector).post(
            URL,
            {"enterprise": sanhe_enterprise.id, "kind": "routine", "officers": [colleague.id]},
            format="json",
        )
        assert errors_of(response)[0]["code"] == "officer_inactive"

    def test_withdrawn_card_is_refused(self, api_as, inspector, sanhe_enterprise):
        withdrawn = PolicyCardFactory(active=False, title="旧版明白卡")
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "policy",
                "policy_cards": [{"card": withdrawn.id}],
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {
                "field": "policy_cards.0.card",
                "code": "card_inactive",
                "message": "“旧版明白卡”已停用，不能再发放",
            }
        ]
        assert not Visit.objects.exists()

    def test_same_card_twice_is_refused(self, api_as, inspector, sanhe_enterprise):
        permit = card("discharge-permit")
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "policy",
                "policy_cards": [{"card": permit.id}, {"card": permit.id, "quantity": 2}],
            },
            format="json",
        )
        assert errors_of(response)[0]["field"] == "policy_cards.1.card"
        assert errors_of(response)[0]["code"] == "duplicate_card"

    def test_zero_copies_is_refused(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "kind": "policy",
                "policy_cards": [{"card": card("discharge-permit").id, "quantity": 0}],
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["field"] == "policy_cards.0.quantity"

    def test_unknown_kind_lists_the_field(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL, {"enterprise": sanhe_enterprise.id, "kind": "party"}, format="json"
        )
        assert errors_of(response)[0]["field"] == "kind"
        assert errors_of(response)[0]["code"] == "invalid_choice"

    def test_manager_may_not_record(self, api_as, manager, sanhe_enterprise):
        response = api_as(manager).post(
            URL, {"enterprise": sanhe_enterprise.id, "kind": "routine"}, format="json"
        )
        assert response.status_code == 403

    def test_approver_may_record(self, api_as, sanhe_enterprise):
        approver = OfficerFactory(roles=[Role.APPROVER], regions=[SANHE]).user
        response = api_as(approver).post(
            URL, {"enterprise": sanhe_enterprise.id, "kind": "follow_up"}, format="json"
        )
        assert response.status_code == 201

    def test_options_list_the_kinds(self, api_as, inspector):
        choices = api_as(inspector).options(URL).json()["actions"]["POST"]["kind"]["choices"]
        assert {"value": "assistance", "display_name": "帮扶"} in choices


@pytest.mark.django_db
class TestChange:
    def test_patch_replaces_the_cards(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(
            enterprise=sanhe_enterprise, policy_cards=[(card("discharge-permit"), 2)]
        )
        response = api_as(inspector).patch(
            f"{URL}{visit.id}/",
            {"policy_cards": [{"card": card("hazardous-waste").id, "quantity": 5}]},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert [(r["code"], r["quantity"]) for r in response.json()["policy_cards"]] == [
            ("hazardous-waste", 5)
        ]

    def test_patch_keeps_cards_withdrawn_since(self, api_as, inspector, sanhe_enterprise):
        old = PolicyCardFactory()
        visit = VisitFactory(enterprise=sanhe_enterprise, policy_cards=[(old, 4)])
        PolicyCard.objects.filter(pk=old.pk).update(active=False)
        response = api_as(inspector).patch(
            f"{URL}{visit.id}/", {"notes": "补充走访情况"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["policy_cards"][0]["quantity"] == 4

    def test_enterprise_cannot_be_changed(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        other = EnterpriseFactory(region_id=SANHE)
        response = api_as(inspector).patch(
            f"{URL}{visit.id}/", {"enterprise": other.id}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "read_only"

    def test_date_not_after_a_demand_raised_at_it(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise, visited_on=date(2024, 5, 6))
        DemandFactory(enterprise=sanhe_enterprise, visit=visit, raised_on=date(2024, 5, 6))
        response = api_as(inspector).patch(
            f"{URL}{visit.id}/", {"visited_on": "2024-05-08"}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "after_demand"
        visit.refresh_from_db()
        assert visit.visited_on == date(2024, 5, 6)

    def test_visits_are_never_deleted(self, api_as, administrator, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        assert api_as(administrator).delete(f"{URL}{visit.id}/").status_code == 405


# --- scope ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestScope:
    def test_other_region_inspector_gets_404(self, api_as, other_inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise, notes="原记录")
        client = api_as(other_inspector)
        assert client.get(f"{URL}{visit.id}/").status_code == 404
        response = client.patch(f"{URL}{visit.id}/", {"notes": "改写"}, format="json")
        assert response.status_code == 404
        visit.refresh_from_db()
        assert visit.notes == "原记录"

    def test_service_refuses_out_of_scope_with_404(self, other_inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        with pytest.raises(service_visits.RecordNotFound):
            service_visits.visit_update(user=other_inspector, visit=visit, notes="x")

    def test_lists_are_scoped(self, api_as, inspector, manager, sanhe_enterprise):
        mine = VisitFactory(enterprise=sanhe_enterprise)
        VisitFactory(enterprise=EnterpriseFactory(region_id=BAZHOU))
        assert [r["id"] for r in api_as(inspector).get(URL).json()["results"]] == [mine.id]
        assert api_as(manager).get(URL).json()["count"] == 2

    def test_the_region_is_the_enterprise_region_when_recorded(self, inspector, sanhe_enterprise):
        visit = service_visits.visit_record(
            user=inspector, enterprise=sanhe_enterprise, kind="routine"
        )
        assert visit.region_id == sanhe_enterprise.region_id == SANHE


# --- filters ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def spread(self, db):
        sanhe = EnterpriseFactory(region_id=SANHE)
        bazhou = EnterpriseFactory(region_id=BAZHOU)
        officer = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE])
        permit = card("discharge-permit")
        rows = {
            "routine": VisitFactory(
                enterprise=sanhe, visited_on=date(2024, 2, 1), officers=[officer]
            ),
            "assistance": VisitFactory(
                enterprise=sanhe,
                kind="assistance",
                visited_on=date(2024, 5, 6),
                policy_cards=[(permit, 2)],
            ),
            "policy": VisitFactory(
                enterprise=bazhou,
                kind="policy",
                visited_on=date(2024, 8, 1),
                policy_cards=[(permit, 1), (card("credit-rating"), 1)],
            ),
        }
        return rows, {"sanhe": sanhe, "officer": officer, "permit": permit}

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"region": SANHE}, {"routine", "assistance"}),
            ({"region": "131000"}, {"routine", "assistance", "policy"}),
            ({"enterprise": "@sanhe"}, {"routine", "assistance"}),
            ({"kind": "policy"}, {"policy"}),
            ({"kind": ["routine", "assistance"]}, {"routine", "assistance"}),
            ({"officer": "@officer"}, {"routine"}),
            ({"policy_card": "@permit"}, {"assistance", "policy"}),
            ({"visited_after": "2024-05-06"}, {"assistance", "policy"}),
            ({"visited_before": "2024-05-06"}, {"routine", "assistance"}),
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
        # One row per visit, however many cards or officers matched.
        assert sorted(row["id"] for row in response.json()["results"]) == sorted(
            rows[key].id for key in expected
        )

    def test_updated_since(self, api_as, manager, spread):
        rows, _ = spread
        Visit.objects.exclude(pk=rows["policy"].pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )
        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = api_as(manager).get(URL, {"updated_since": since})
        assert [row["id"] for row in response.json()["results"]] == [rows["policy"].id]

    def test_what_the_half_year_metrics_read(self, spread):
        """enterprises_visited, visits and policy_cards of 2024-H1, by visit date."""
        h1 = {"visited_on__gte": date(2024, 1, 1), "visited_on__lte": date(2024, 6, 30)}
        visits = Visit.objects.filter(**h1)
        assert visits.aggregate(
            visits=Count("id"), enterprises=Count("enterprise", distinct=True)
        ) == {"visits": 2, "enterprises": 1}
        cards = VisitPolicyCard.objects.filter(**{f"visit__{k}": v for k, v in h1.items()})
        assert cards.aggregate(copies=Sum("quantity"))["copies"] == 2
        assert visits.filter(region_id=BAZHOU).count() == 0


# --- query counts -----------------------------------------------------------------------


@pytest.mark.django_db
class TestQueryCounts:
    @staticmethod
    def fresh(user):
        return type(user).objects.get(pk=user.pk)

    @pytest.mark.parametrize("size", [3, 30])
    def test_list_query_count_does_not_grow(
        self, api_as, inspector, colleague, sanhe_enterprise, size, django_assert_num_queries
    ):
        permit, credit = card("discharge-permit"), card("credit-rating")
        for _ in range(size):
            VisitFactory(
                enterprise=sanhe_enterprise,
                officers=[inspector.officer, colleague],
                policy_cards=[(permit, 2), (credit, 1)],
            )
        client = api_as(self.fresh(inspector))
        # 1 officer profile, 2 scope roots, 3 scope codes, 4-5 permissions,
        # 6 COUNT(*), 7 the page with enterprise and region joined, 8 the
        # officers of the page's visits, 9 their cards with the card joined.
        with django_assert_num_queries(9):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size

    @pytest.mark.parametrize("size", [3, 30])
    def test_policy_card_list_query_count(
        self, api_as, reporting_client, size, django_assert_num_queries
    ):
        PolicyCardFactory.create_batch(size)
        client = api_as(self.fresh(reporting_client))
        # 1-2 permissions, 3 COUNT(*), 4 the page: the list is not region-scoped.
        with django_assert_num_queries(4):
            response = client.get(CARDS_URL, {"page_size": 100})
        assert response.json()["count"] == size + len(SEEDED_CARDS)


# --- the policy-card list ---------------------------------------------------------------


@pytest.mark.django_db
class TestPolicyCards:
    def test_seeded_cards_are_listed(self, api_as, inspector):
        response = api_as(inspector).get(CARDS_URL)
        assert response.status_code == 200
        codes = {row["code"] for row in response.json()["results"]}
        assert codes == SEEDED_CARDS
        titles = {row["title"] for row in response.json()["results"]}
        assert "排污许可政策明白卡" in titles

    def test_active_filter(self, api_as, inspector):
        withdrawn = PolicyCardFactory(active=False)
        response = api_as(inspector).get(CARDS_URL, {"active": "false"})
        assert [row["id"] for row in response.json()["results"]] == [withdrawn.id]

    def test_updated_since(self, api_as, reporting_client):
        PolicyCard.objects.update(updated_at=timezone.now() - timedelta(days=3))
        fresh = PolicyCardFactory()
        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = api_as(reporting_client).get(CARDS_URL, {"updated_since": since})
        assert [row["id"] for row in response.json()["results"]] == [fresh.id]

    def test_read_only_for_clients(self, api_as, inspector, administrator):
        data = {"code": "new-card", "title": "新明白卡"}
        assert api_as(inspector).post(CARDS_URL, data, format="json").status_code == 403
        assert api_as(administrator).post(CARDS_URL, data, format="json").status_code == 405

    def test_administrator_adds_a_card_in_the_admin(self, client_as, administrator):
        response = client_as(administrator).post(
            "/admin/companies/policycard/add/",
            {
                "code": "soil-pollution",
                "title": "土壤污染防治政策明白卡",
                "summary": "土壤污染重点监管单位的义务",
                "issued_on": "",
                "active": "on",
            },
        )
        assert response.status_code == 302
        assert PolicyCard.objects.get(code="soil-pollution").title == "土壤污染防治政策明白卡"

    def test_inspector_cannot_add_a_card_in_the_admin(self, client_as, inspector):
        response = client_as(inspector).get("/admin/companies/policycard/add/")
        assert response.status_code == 403
        assert client_as(inspector).get("/admin/companies/policycard/").status_code == 200

    def test_duplicate_code_is_refused_by_the_service(self, administrator):
        with pytest.raises(service_visits.ValidationFailed) as exc:
            service_visits.policy_card_create(
                user=administrator, code="credit-rating", title="重复"
            )
        assert exc.value.field == "code"


# --- the admin ----------------------------------------------------------------------------


def admin_form(enterprise, **overrides) -> dict:
    data = {
        "enterprise": enterprise.pk,
        "visited_on": "2024-05-06",
        "kind": "assistance",
        "officers": [],
        "measures": "现场指导危废贮存场所规范化建设",
        "notes": "",
        "demands-TOTAL_FORMS": "0",
        "demands-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
class TestAdmin:
    def test_record_with_card_copies(self, client_as, inspector, sanhe_enterprise):
        waste, permit = card("hazardous-waste"), card("discharge-permit")
        data = admin_form(sanhe_enterprise, **{f"cards_{waste.pk}": "10", f"cards_{permit.pk}": ""})
        response = client_as(inspector).post(f"{ADMIN}add/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        visit = Visit.objects.get()
        assert list(visit.officers.all()) == [inspector.officer]
        assert [(row.card.code, row.quantity) for row in visit.card_rows.all()] == [
            ("hazardous-waste", 10)
        ]

    def test_add_form_lists_active_cards(self, client_as, inspector):
        PolicyCardFactory(active=False, title="旧版明白卡")
        page = client_as(inspector).get(f"{ADMIN}add/").content.decode()
        assert "排污许可政策明白卡" in page
        assert "旧版明白卡" not in page

    def test_bad_copies_are_refused_on_the_field(self, client_as, inspector, sanhe_enterprise):
        waste = card("hazardous-waste")
        response = client_as(inspector).post(
            f"{ADMIN}add/", admin_form(sanhe_enterprise, **{f"cards_{waste.pk}": "两份"})
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["cards"] == [
            "“危险废物规范化管理政策明白卡”的发放份数应为整数"
        ]
        assert not Visit.objects.exists()

    def test_future_date_is_refused_on_the_field(self, client_as, inspector, sanhe_enterprise):
        future = (today() + timedelta(days=1)).isoformat()
        response = client_as(inspector).post(
            f"{ADMIN}add/", admin_form(sanhe_enterprise, visited_on=future)
        )
        assert response.context["adminform"].form.errors["visited_on"] == ["走访日期不能晚于今天"]
        assert not Visit.objects.exists()

    def test_officer_choices_are_scoped(self, client_as, inspector, other_inspector):
        response = client_as(inspector).get(
            "/admin/autocomplete/",
            {"app_label": "companies", "model_name": "visit", "field_name": "officers"},
        )
        names = {row["text"] for row in response.json()["results"]}
        assert "霸州检查员" not in " ".join(names)
        assert any("三河检查员" in name for name in names)

    def test_change_saves_through_the_service(self, client_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise, officers=[inspector.officer])
        credit = card("credit-rating")
        data = admin_form(
            sanhe_enterprise,
            officers=[inspector.officer.pk],
            notes="补充：企业已完成整改",
            **{f"cards_{credit.pk}": "2"},
        )
        data.pop("enterprise")
        response = client_as(inspector).post(f"{ADMIN}{visit.pk}/change/", data)
        assert response.status_code == 302, response.context["adminform"].form.errors
        visit.refresh_from_db()
        assert visit.notes == "补充：企业已完成整改"
        assert visit.kind == "assistance"
        assert [(r.card_id, r.quantity) for r in visit.card_rows.all()] == [(credit.pk, 2)]

    def test_changelist_is_scoped(self, client_as, inspector, other_inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        response = client_as(inspector).get(ADMIN)
        assert list(response.context["cl"].result_list) == [visit]
        assert list(client_as(other_inspector).get(ADMIN).context["cl"].result_list) == []
        assert client_as(other_inspector).get(f"{ADMIN}{visit.pk}/change/").status_code == 404

    @pytest.mark.parametrize("size", [3, 30])
    def test_changelist_query_count(
        self, client_as, inspector, sanhe_enterprise, size, django_assert_num_queries
    ):
        for _ in range(size):
            VisitFactory(enterprise=sanhe_enterprise, policy_cards=[(card("credit-rating"), 1)])
        client = client_as(inspector)
        client.get(ADMIN)
        # session, user, 2 permissions, officer, scope roots, scope codes, the
        # region filter's choices, the planner estimate, the capped COUNT, the
        # page with enterprise and region joined, the page's officers, its cards.
        with django_assert_num_queries(13):
            response = client.get(ADMIN)
        assert len(response.context["cl"].result_list) == size
