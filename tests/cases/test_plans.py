"""Inspection plans (双随机、一公开): the draw (reproducible, respects the
exclusions and the yearly cap, pairs certified inspectors of the region, never
the last pair), the refusals, the replay check, the public disclosure (no
officers), and the API and admin doors with their region scope."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from cases import plan_services
from cases.choices import InspectionStatus, PlanStatus, PoolKind
from cases.models import Inspection, InspectionPlan, PlanDrawItem
from ecoenforce.errors import ConflictError, DomainError, Forbidden, ValidationFailed
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

CITY = "131000"
START = date(2026, 7, 1)
END = date(2026, 12, 31)
URL = "/api/v1/inspection-plans/"
PUBLIC = "/public/inspection-plans/"
PUBLIC_API = "/api/v1/public/inspection-plans/"
ADMIN = "/admin/cases/inspectionplan/"


# --- helpers ----------------------------------------------------------------------------------


def make_plan(actor, *, pools=None, regions=(SANHE,), **fields) -> InspectionPlan:
    fields.setdefault("name", "2026年下半年双随机抽查")
    fields.setdefault("period_start", START)
    fields.setdefault("period_end", END)
    return plan_services.plan_create(
        actor=actor,
        region_codes=list(regions),
        pools=pools or [{"kind": "general", "ratio": "100"}],
        **fields,
    )


def inspect(enterprise, officers, on, *, status=InspectionStatus.COMPLETED, **fields):
    inspection = Inspection.objects.create(
        enterprise=enterprise,
        region_id=enterprise.region_id,
        trigger="random",
        status=status,
        inspected_on=on,
        **fields,
    )
    inspection.officers.set(officers)
    return inspection


def drawn(plan) -> list[tuple[int, str, frozenset[int]]]:
    """(enterprise, pool, officers) of a plan's items in draw order."""
    return [
        (item.enterprise_id, item.pool, frozenset(o.pk for o in item.officers.all()))
        for item in PlanDrawItem.objects.filter(plan=plan)
        .prefetch_related("officers")
        .order_by("position")
    ]


def drawn_enterprises(plan) -> set[int]:
    return set(PlanDrawItem.objects.filter(plan=plan).values_list("enterprise_id", flat=True))


def inspectors(n: int, region: str = SANHE, **fields):
    return [OfficerFactory(roles=[Role.INSPECTOR], regions=[region], **fields) for _ in range(n)]


@pytest.fixture
def squad(db):
    """Four certified inspectors of 三河."""
    return inspectors(4)


@pytest.fixture
def general(db):
    """Twenty ordinary operating enterprises of 三河."""
    return EnterpriseFactory.create_batch(20, region_id=SANHE)


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def fresh(user):
    # A user as authentication loads it: nothing cached on it yet.
    return type(user).objects.get(pk=user.pk)


# --- creating a plan ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestCreate:
    def test_creates_the_plan_with_its_regions_and_pools(self, approver):
        plan = make_plan(
            approver,
            pools=[{"kind": "key", "ratio": "100"}, {"kind": "general", "ratio": "12.5"}],
            exclude_inspected_within_days=30,
        )
        assert plan.status == PlanStatus.DRAFT
        assert list(plan.regions.values_list("code", flat=True)) == [SANHE]
        assert {(p.kind, str(p.ratio)) for p in plan.pools.all()} == {
            ("key", "100.00"),
            ("general", "12.50"),
        }
        assert plan.exclude_inspected_within_days == 30
        assert plan.seed is None

    def test_yearly_cap_defaults_to_the_setting(self, approver, settings):
        settings.ECOENFORCE_INSPECTION_YEARLY_CAP = 3
        assert make_plan(approver).yearly_cap == 3
        assert make_plan(approver, yearly_cap=1).yearly_cap == 1

    @pytest.mark.parametrize(
        ("fields", "field", "code"),
        [
            ({"pools": [{"kind": "general", "ratio": "0"}]}, "pools.0.ratio", "ratio_out_of_range"),
            (
                {"pools": [{"kind": "general", "ratio": "100.01"}]},
                "pools.0.ratio",
                "ratio_out_of_range",
            ),
            (
                {"pools": [{"kind": "key", "ratio": "5"}, {"kind": "key", "ratio": "9"}]},
                "pools.1.kind",
                "duplicate_pool",
            ),
            ({"pools": [{"kind": "vip", "ratio": "5"}]}, "pools.0.kind", "invalid_choice"),
            ({"period_end": date(2026, 6, 30)}, "period_end", "period_reversed"),
            ({"period_end": date(2027, 7, 1)}, "period_end", "period_too_long"),
            ({"regions": ["999999"]}, "regions", "unknown_region"),
            ({"regions": [BAZHOU]}, "regions", "region_out_of_scope"),
            ({"name": "  "}, "name", "required"),
            ({"yearly_cap": 0}, "yearly_cap", "out_of_range"),
            (
                {"period_start": date(1, 1, 1), "period_end": date(1, 12, 31)},
                "period_start",
                "out_of_range",
            ),
        ],
    )
    def test_bad_input_is_refused_and_nothing_written(self, approver, fields, field, code):
        with pytest.raises(ValidationFailed) as excinfo:
            make_plan(approver, **fields)
        assert (field, code) in [(item.field, item.code) for item in excinfo.value.items]
        assert not InspectionPlan.objects.exists()

    def test_an_out_of_scope_region_is_named(self, approver):
        with pytest.raises(ValidationFailed) as excinfo:
            make_plan(approver, regions=[SANHE, BAZHOU])
        assert "霸州市" in excinfo.value.message

    def test_only_an_approver_creates_plans(self, inspector):
        with pytest.raises(Forbidden):
            make_plan(inspector)
        assert not InspectionPlan.objects.exists()


# --- the draw -------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestDraw:
    def test_records_seed_status_and_items_with_two_officers_each(self, approver, squad, general):
        plan = make_plan(approver, pools=[{"kind": "general", "ratio": "25"}])
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=20260701)
        assert plan.seed == 20260701
        assert plan.status == PlanStatus.DRAWN
        assert plan.drawn_by == approver and plan.drawn_at is not None
        items = drawn(plan)
        assert len(items) == 5  # ⌈25 % × 20⌉
        assert all(len(officers) == 2 for _, _, officers in items)
        assert all(officers <= {o.pk for o in squad} for _, _, officers in items)
        positions = list(
            PlanDrawItem.objects.filter(plan=plan).order_by("position").values_list("position")
        )
        assert positions == [(n,) for n in range(1, 6)]

    def test_without_a_seed_one_is_drawn_and_recorded(self, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver)
        assert plan.seed is not None and 0 <= plan.seed <= plan_services.SEED_MAX
        assert plan_services.plan_verify(plan=plan).matches

    def test_same_seed_same_pools_same_enterprises_and_officers(self, approver, squad, general):
        pools = [{"kind": "general", "ratio": "30"}]
        first = make_plan(approver, pools=pools, yearly_cap=5)
        second = make_plan(approver, pools=pools, yearly_cap=5)
        plan_services.plan_draw(plan=first, actor=approver, seed=424242)
        plan_services.plan_draw(plan=second, actor=approver, seed=424242)
        assert drawn(first) == drawn(second)
        assert len(drawn(first)) == 6

    def test_a_different_seed_draws_differently(self, approver, squad, general):
        pools = [{"kind": "general", "ratio": "30"}]
        first = make_plan(approver, pools=pools, yearly_cap=5)
        second = make_plan(approver, pools=pools, yearly_cap=5)
        plan_services.plan_draw(plan=first, actor=approver, seed=1)
        plan_services.plan_draw(plan=second, actor=approver, seed=2)
        assert [e for e, _, _ in drawn(first)] != [e for e, _, _ in drawn(second)]

    def test_the_draw_does_not_depend_on_the_order_rows_come_in(self, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=7)
        snapshot = dict(plan.draw_snapshot)
        snapshot["pools"] = [
            {**pool, "candidates": list(reversed(pool["candidates"]))} for pool in snapshot["pools"]
        ]
        snapshot["officers"] = {k: list(reversed(v)) for k, v in snapshot["officers"].items()}
        assert plan_services.draw_from_snapshot(7, snapshot) == plan_services.plan_replay(plan=plan)

    def test_pools_follow_the_flags_and_the_ratios(self, approver, squad):
        key = EnterpriseFactory.create_batch(3, region_id=SANHE, key_discharge_unit=True)
        # A key discharge unit that also produces hazardous waste is in the key pool.
        key.append(
            EnterpriseFactory(
                region_id=SANHE, key_discharge_unit=True, hazardous_waste_producer=True
            )
        )
        special = [
            EnterpriseFactory(region_id=SANHE, hazardous_waste_producer=True),
            EnterpriseFactory(region_id=SANHE, hazardous_waste_producer=True),
            EnterpriseFactory(region_id=SANHE, key_soil_pollution_unit=True),
            EnterpriseFactory(region_id=SANHE, key_soil_pollution_unit=True),
            EnterpriseFactory(region_id=SANHE, vocs_related=True),
            EnterpriseFactory(region_id=SANHE, vocs_related=True),
        ]
        ordinary = EnterpriseFactory.create_batch(10, region_id=SANHE)
        plan = make_plan(
            approver,
            pools=[
                {"kind": "general", "ratio": "25"},
                {"kind": "key", "ratio": "100"},
                {"kind": "special", "ratio": "50"},
            ],
        )
        plan_services.plan_draw(plan=plan, actor=approver, seed=99)
        items = drawn(plan)
        by_pool = {kind: [e for e, pool, _ in items if pool == kind] for kind in PoolKind.values}
        assert set(by_pool["key"]) == {e.pk for e in key}  # 100 % of 4
        assert len(by_pool["special"]) == 3 and set(by_pool["special"]) <= {e.pk for e in special}
        assert len(by_pool["general"]) == 3 and set(by_pool["general"]) <= {e.pk for e in ordinary}
        # Pools are drawn key, special, general whatever order they were given in.
        assert [pool for _, pool, _ in items] == ["key"] * 4 + ["special"] * 3 + ["general"] * 3

    def test_a_pool_the_plan_does_not_name_is_not_drawn(self, approver, squad, general):
        EnterpriseFactory(region_id=SANHE, key_discharge_unit=True)
        plan = make_plan(approver, pools=[{"kind": "key", "ratio": "100"}])
        plan_services.plan_draw(plan=plan, actor=approver, seed=3)
        assert [pool for _, pool, _ in drawn(plan)] == ["key"]

    def test_only_operating_enterprises_of_the_plans_regions(
        self, approver, squad, bazhou_enterprise
    ):
        here = EnterpriseFactory(region_id=SANHE)
        EnterpriseFactory(region_id=SANHE, status="closed")
        EnterpriseFactory(region_id=SANHE, status="suspended")
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=5)
        assert drawn_enterprises(plan) == {here.pk}

    def test_positive_list_enterprises_are_not_drawn(self, approver, squad, general):
        spared = EnterpriseFactory(region_id=SANHE, on_positive_list=True)
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=5)
        assert drawn_enterprises(plan) == {e.pk for e in general}
        assert plan.draw_snapshot["excluded"]["positive_list"] == [spared.pk]

    def test_enterprises_inspected_recently_are_not_drawn(self, approver, squad, general):
        recent, long_ago, cancelled = general[:3]
        inspect(recent, squad[:2], START - timedelta(days=10))
        inspect(long_ago, squad[:2], START - timedelta(days=91))
        inspect(cancelled, squad[:2], START - timedelta(days=5), status="cancelled")
        plan = make_plan(approver, exclude_inspected_within_days=90)
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=5)
        assert drawn_enterprises(plan) == {e.pk for e in general} - {recent.pk}
        assert plan.draw_snapshot["excluded"]["recently_inspected"] == [recent.pk]

    def test_no_recency_exclusion_with_zero_days(self, approver, squad, general):
        inspect(general[0], squad[:2], START - timedelta(days=1))
        plan = make_plan(approver, exclude_inspected_within_days=0)
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=5)
        assert general[0].pk in drawn_enterprises(plan)

    def test_the_yearly_cap_counts_inspections_and_other_plans_draws(
        self, approver, squad, general
    ):
        twice, once_and_drawn, last_year, once = general[:4]
        inspect(twice, squad[:2], date(2026, 1, 10))
        inspect(twice, squad[2:], date(2026, 2, 10))
        inspect(once_and_drawn, squad[:2], date(2026, 1, 10))
        inspect(last_year, squad[:2], date(2025, 12, 30))
        inspect(last_year, squad[2:], date(2025, 11, 30))
        inspect(once, squad[:2], date(2026, 3, 1))
        # A plan of this year drew ``once_and_drawn``; no inspection made of it yet.
        earlier = InspectionPlan.objects.create(
            name="上半年", period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
        )
        PlanDrawItem.objects.create(
            plan=earlier, enterprise=once_and_drawn, region_id=SANHE, pool="general", position=1
        )
        plan = make_plan(approver, yearly_cap=2, exclude_inspected_within_days=0)
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=5)
        assert drawn_enterprises(plan) == {e.pk for e in general} - {twice.pk, once_and_drawn.pk}
        assert sorted(plan.draw_snapshot["excluded"]["cap"]) == sorted(
            [twice.pk, once_and_drawn.pk]
        )

    def test_a_drawn_item_made_into_an_inspection_counts_once(self, approver, squad, general):
        enterprise = general[0]
        earlier = InspectionPlan.objects.create(
            name="上半年", period_start=date(2026, 1, 1), period_end=date(2026, 6, 30)
        )
        item = PlanDrawItem.objects.create(
            plan=earlier, enterprise=enterprise, region_id=SANHE, pool="general", position=1
        )
        inspect(enterprise, squad[:2], date(2026, 3, 1), plan=earlier, draw_item=item)
        plan = make_plan(approver, yearly_cap=2, exclude_inspected_within_days=0)
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=5)
        assert enterprise.pk in drawn_enterprises(plan)

    def test_the_last_pair_is_never_drawn_again(self, approver):
        enterprise = EnterpriseFactory(region_id=SANHE)
        first, second, third = inspectors(3)
        inspect(enterprise, [first, second], date(2026, 1, 5))
        inspect(enterprise, [second, third], date(2025, 6, 5))  # an older pair: allowed
        plan = make_plan(approver, exclude_inspected_within_days=0)
        plan = plan_services.plan_draw(plan=plan, actor=approver, seed=11)
        assert plan.draw_snapshot["last_pairs"] == {
            str(enterprise.pk): sorted([first.pk, second.pk])
        }
        pairs = {
            frozenset(plan_services.draw_from_snapshot(seed, plan.draw_snapshot)[0].officer_ids)
            for seed in range(60)
        }
        assert pairs == {frozenset([first.pk, third.pk]), frozenset([second.pk, third.pk])}

    def test_only_the_last_pair_left_is_refused(self, approver):
        enterprise = EnterpriseFactory(region_id=SANHE)
        pair = inspectors(2)
        inspect(enterprise, pair, date(2026, 1, 5))
        plan = make_plan(approver, exclude_inspected_within_days=0)
        with pytest.raises(DomainError) as excinfo:
            plan_services.plan_draw(plan=plan, actor=approver, seed=1)
        assert excinfo.value.code == "officers_insufficient"
        assert "三河市" in excinfo.value.message

    def test_officers_must_be_certified_inspectors_covering_the_region(self, approver):
        EnterpriseFactory(region_id=SANHE)
        valid = inspectors(1, certificate_valid_until=START)  # valid on the first day
        city_wide = OfficerFactory(roles=[Role.INSPECTOR])  # no regions: the whole city
        inspectors(1, certificate_valid_until=START - timedelta(days=1))  # expired
        inspectors(1, badge_number=None)  # no badge
        inspectors(1, region=BAZHOU)  # another county
        OfficerFactory(roles=[Role.LEGAL_REVIEWER], regions=[SANHE])  # not an inspector
        inactive = inspectors(1)[0]
        inactive.user.is_active = False
        inactive.user.save()
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        assert plan.draw_snapshot["officers"] == {SANHE: sorted([valid[0].pk, city_wide.pk])}
        assert drawn(plan)[0][2] == {valid[0].pk, city_wide.pk}

    @staticmethod
    def _draw_queries(approver, size: int) -> int:
        squad = inspectors(size // 4 + 2)
        enterprises = EnterpriseFactory.create_batch(size, region_id=SANHE)
        for enterprise in enterprises[: size // 2]:
            inspect(enterprise, squad[:2], START - timedelta(days=200))
        plan = make_plan(approver, pools=[{"kind": "general", "ratio": "50"}])
        with CaptureQueriesContext(connection) as queries:
            plan_services.plan_draw(plan=plan, actor=approver, seed=3)
        return len(queries)

    def test_the_draw_queries_do_not_grow_with_enterprises_or_officers(self, approver):
        # Scopes of officers are worked out once from prefetched regions, and
        # the exclusions are one aggregate each, whatever the size of the pools.
        assert self._draw_queries(approver, 4) == self._draw_queries(approver, 40)

    def test_too_few_officers_names_the_region_and_writes_nothing(self, approver, general):
        inspectors(1)
        inspectors(3, region=BAZHOU)
        plan = make_plan(approver)
        with pytest.raises(DomainError) as excinfo:
            plan_services.plan_draw(plan=plan, actor=approver, seed=1)
        assert excinfo.value.code == "officers_insufficient"
        assert "三河市" in excinfo.value.message
        plan.refresh_from_db()
        assert plan.status == PlanStatus.DRAFT and plan.seed is None and not plan.draw_snapshot
        assert not PlanDrawItem.objects.exists()

    def test_no_candidates_is_refused(self, approver, squad):
        EnterpriseFactory(region_id=SANHE, on_positive_list=True)
        with pytest.raises(DomainError) as excinfo:
            plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        assert excinfo.value.code == "no_candidates"

    def test_a_drawn_plan_is_not_drawn_again(self, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        before = drawn(plan)
        with pytest.raises(ConflictError) as excinfo:
            plan_services.plan_draw(plan=plan, actor=approver, seed=2)
        assert excinfo.value.code == "already_drawn"
        plan.refresh_from_db()
        assert plan.seed == 1 and drawn(plan) == before

    def test_a_bad_seed_is_refused(self, approver, squad, general):
        plan = make_plan(approver)
        for seed in (-1, plan_services.SEED_MAX + 1, "12"):
            with pytest.raises(DomainError) as excinfo:
                plan_services.plan_draw(plan=plan, actor=approver, seed=seed)
            assert excinfo.value.field == "seed"
        assert not PlanDrawItem.objects.exists()

    def test_only_an_approver_of_every_region_draws(self, approver, inspector, squad, general):
        plan = make_plan(approver)
        with pytest.raises(Forbidden):
            plan_services.plan_draw(plan=plan, actor=inspector, seed=1)
        bazhou_approver = OfficerFactory(roles=[Role.APPROVER], regions=[BAZHOU]).user
        with pytest.raises(plan_services.PlanNotFound):
            plan_services.plan_draw(plan=plan, actor=bazhou_approver, seed=1)
        city = OfficerFactory(roles=[Role.APPROVER]).user
        city_plan = make_plan(city, regions=[CITY])
        with pytest.raises(Forbidden) as excinfo:
            plan_services.plan_draw(plan=city_plan, actor=approver, seed=1)
        assert excinfo.value.code == "region_out_of_scope"
        assert not PlanDrawItem.objects.exists()


# --- replay and publish --------------------------------------------------------------------------


@pytest.mark.django_db
class TestReplayAndPublish:
    def test_replay_verifies_the_stored_draw(self, approver, squad, general):
        plan = plan_services.plan_draw(
            plan=make_plan(approver, pools=[{"kind": "general", "ratio": "40"}]),
            actor=approver,
            seed=31337,
        )
        verification = plan_services.plan_verify(plan=plan)
        assert verification.matches and verification.seed == 31337
        assert [
            (i.enterprise_id, i.pool, frozenset(i.officer_ids)) for i in verification.items
        ] == (drawn(plan))

    def test_replay_uses_the_pools_drawn_from_not_todays(self, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=8)
        # Later: new enterprises, an inspection, a new inspector.
        EnterpriseFactory.create_batch(5, region_id=SANHE)
        inspect(general[0], squad[:2], START)
        inspectors(2)
        assert plan_services.plan_verify(plan=plan).matches

    def test_a_changed_record_fails_the_replay(self, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=8)
        item = PlanDrawItem.objects.get(plan=plan, position=3)
        item.officers.set(squad[:2] if set(item.officers.all()) != set(squad[:2]) else squad[2:])
        verification = plan_services.plan_verify(plan=plan)
        assert not verification.matches
        assert verification.differences == ["第 3 项：抽中的执法人员不一致"]

    def test_a_draft_has_nothing_to_replay(self, approver):
        with pytest.raises(ConflictError):
            plan_services.plan_replay(plan=make_plan(approver))

    def test_publish_after_the_draw_only(self, approver, squad, general):
        plan = make_plan(approver)
        with pytest.raises(ConflictError) as excinfo:
            plan_services.plan_publish(plan=plan, actor=approver)
        assert excinfo.value.code == "not_drawn"
        plan_services.plan_draw(plan=plan, actor=approver, seed=1)
        plan = plan_services.plan_publish(plan=plan, actor=approver)
        assert plan.status == PlanStatus.PUBLISHED and plan.published_at is not None
        published_at = plan.published_at
        again = plan_services.plan_publish(plan=plan, actor=approver)
        assert again.published_at == published_at


# --- the public disclosure (一公开) ------------------------------------------------------------


@pytest.fixture
def published(approver, squad, general):
    plan = make_plan(approver, name="2026年下半年三河市双随机抽查")
    plan_services.plan_draw(plan=plan, actor=approver, seed=20260701)
    return plan_services.plan_publish(plan=plan, actor=approver)


@pytest.mark.django_db
class TestPublic:
    def test_list_shows_published_plans_only(self, client, approver, published, squad):
        make_plan(approver, name="编制中的计划")
        plan_services.plan_draw(
            plan=make_plan(approver, name="已抽取未公开"), actor=approver, seed=1
        )
        page = client.get(PUBLIC).content.decode()
        assert "2026年下半年三河市双随机抽查" in page
        assert "编制中的计划" not in page and "已抽取未公开" not in page

    def test_detail_lists_enterprises_seed_and_replay_without_officers(
        self, client, published, squad, general
    ):
        item = PlanDrawItem.objects.filter(plan=published).select_related("enterprise").first()
        inspect(
            item.enterprise,
            list(item.officers.all()),
            START,
            draw_item=item,
            outcome="rectification",
        )
        response = client.get(f"{PUBLIC}{published.pk}/")
        assert response.status_code == 200
        page = response.content.decode()
        assert item.enterprise.name in page and item.enterprise.uscc in page
        assert "三河市" in page and "一般监管对象" in page
        assert "20260701" in page and "可复核" in page
        assert "责令改正" in page  # the outcome of the completed inspection
        assert "待检查" in page  # the others
        for officer in squad:
            assert officer.name not in page
            assert officer.badge_number not in page

    def test_unpublished_plans_are_not_public(self, client, approver, squad, general):
        plan = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        assert client.get(f"{PUBLIC}{plan.pk}/").status_code == 404
        assert client.get(f"{PUBLIC_API}{plan.pk}/").status_code == 404

    def test_public_api_is_anonymous_and_carries_no_officers(self, api, published, squad):
        response = api.get(f"{PUBLIC_API}{published.pk}/")
        assert response.status_code == 200
        data = response.json()
        assert data["seed"] == 20260701 and data["verified"] is True
        assert len(data["items"]) == 20
        assert set(data["items"][0]) == {
            "position",
            "enterprise_name",
            "uscc",
            "region",
            "region_name",
            "pool",
            "pool_display",
            "inspection_status",
            "outcome",
            "outcome_display",
        }
        text = response.content.decode()
        for officer in squad:
            assert officer.name not in text and officer.badge_number not in text
        listing = api.get(PUBLIC_API).json()
        assert [plan["id"] for plan in listing["results"]] == [published.pk]

    def test_public_page_query_count(self, client, published, django_assert_num_queries):
        # 1 the plan with its item count, 2 its regions, 3 its pools, 4 the items
        # with enterprise, region and inspection, 5–6 the replay's items and
        # officer ids, 7 the city's name.
        with django_assert_num_queries(7):
            assert client.get(f"{PUBLIC}{published.pk}/").status_code == 200


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAPI:
    def test_create_draw_publish_and_replay(self, api_as, approver, squad, general):
        client = api_as(approver)
        response = client.post(
            URL,
            {
                "name": "2026年下半年双随机抽查",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "regions": [SANHE],
                "pools": [{"kind": "general", "ratio": "10"}],
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        plan = response.json()
        assert plan["status"] == "draft" and plan["yearly_cap"] == 2
        assert plan["pools"] == [
            {"kind": "general", "kind_display": "一般监管对象", "ratio": "10.00"}
        ]

        response = client.post(f"{URL}{plan['id']}/draw/", {"seed": 77}, format="json")
        assert response.status_code == 200, response.json()
        data = response.json()
        assert data["seed"] == 77 and data["status"] == "drawn" and len(data["items"]) == 2
        assert len(data["items"][0]["officers"]) == 2
        assert data["draw_summary"]["pools"] == [
            {"kind": "general", "label": "一般监管对象", "ratio": "10.00", "candidates": 20}
        ]

        again = client.post(f"{URL}{plan['id']}/draw/", {}, format="json")
        assert again.status_code == 409
        assert again.json()["errors"][0]["code"] == "already_drawn"

        replay = client.get(f"{URL}{plan['id']}/replay/").json()
        assert replay["matches"] is True and replay["seed"] == 77

        published = client.post(f"{URL}{plan['id']}/publish/")
        assert published.status_code == 200 and published.json()["status"] == "published"

    def test_bad_input_answers_400_and_writes_nothing(self, api_as, approver):
        response = api_as(approver).post(
            URL,
            {
                "name": "计划",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "regions": [SANHE],
                "pools": [{"kind": "general", "ratio": "0"}],
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "pools.0.ratio",
                "code": "ratio_out_of_range",
                "message": "抽取比例应大于 0 且不超过 100",
            }
        ]
        assert not InspectionPlan.objects.exists()

    # A year after 9999-01-01 is off the calendar; so is 90 days before 0001-01-01.
    @pytest.mark.parametrize(
        ("start", "end"), [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-12-31")]
    )
    def test_a_period_at_the_ends_of_the_calendar_is_400(self, api_as, approver, start, end):
        response = api_as(approver).post(
            URL,
            {
                "name": "计划",
                "period_start": start,
                "period_end": end,
                "regions": [SANHE],
                "pools": [{"kind": "general", "ratio": "5"}],
            },
            format="json",
        )
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "period_start",
                "code": "out_of_range",
                "message": "起始日期应在 0010-12-30 至 9998-12-31 之间",
            }
        ]
        assert not InspectionPlan.objects.exists()

    def test_inspectors_read_but_do_not_draw(self, api_as, approver, inspector, squad, general):
        plan = make_plan(approver)
        client = api_as(inspector)
        assert client.get(f"{URL}{plan.pk}/").status_code == 200
        assert client.post(f"{URL}{plan.pk}/draw/", {}, format="json").status_code == 403
        assert client.post(URL, {}, format="json").status_code == 403
        assert not PlanDrawItem.objects.exists()

    def test_other_regions_plans_are_404(self, api_as, approver, other_inspector):
        plan = make_plan(approver)
        client = api_as(other_inspector)
        assert client.get(f"{URL}{plan.pk}/").status_code == 404
        assert client.get(f"{URL}{plan.pk}/replay/").status_code == 404
        assert client.get(URL).json()["count"] == 0

    def test_a_city_plan_shows_each_county_its_own_items(
        self, api_as, inspector, manager, squad, general
    ):
        inspectors(2, region=BAZHOU)
        elsewhere = EnterpriseFactory.create_batch(3, region_id=BAZHOU)
        city = OfficerFactory(roles=[Role.APPROVER]).user
        plan = make_plan(city, regions=[CITY])
        plan_services.plan_draw(plan=plan, actor=city, seed=1)
        mine = api_as(inspector).get(f"{URL}{plan.pk}/").json()["items"]
        assert {item["enterprise"] for item in mine} == {e.pk for e in general}
        everyone = api_as(manager).get(f"{URL}{plan.pk}/").json()["items"]
        assert len(everyone) == len(general) + len(elsewhere)

    def test_filters(self, api_as, approver, manager, squad, general):
        city = OfficerFactory(roles=[Role.APPROVER]).user
        bazhou = make_plan(
            city, regions=[BAZHOU], period_start=date(2026, 1, 1), period_end=date(2026, 3, 31)
        )
        sanhe = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        whole = make_plan(
            city, regions=[CITY], period_start=date(2025, 7, 1), period_end=date(2025, 12, 31)
        )
        client = api_as(manager)

        def ids(**query):
            return {plan["id"] for plan in client.get(URL, query).json()["results"]}

        assert ids(status="drawn") == {sanhe.pk}
        assert ids(status="draft") == {bazhou.pk, whole.pk}
        assert ids(region=SANHE) == {sanhe.pk, whole.pk}
        assert ids(region=BAZHOU) == {bazhou.pk, whole.pk}
        assert ids(period_from="2026-04-01") == {sanhe.pk}
        assert ids(period_to="2025-12-31") == {whole.pk}
        assert ids(year=2026) == {sanhe.pk, bazhou.pk}
        assert ids(updated_since=sanhe.updated_at.isoformat()) >= {sanhe.pk}
        later = (whole.updated_at + timedelta(days=1)).isoformat()
        assert ids(updated_since=later) == set()

    @pytest.mark.parametrize("year", ["0", "0.0", "-99999999999", "10000"])
    def test_a_year_outside_the_calendar_is_400(self, api_as, manager, year):
        response = api_as(manager).get(URL, {"year": year})
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert error["field"] == "year"
        assert error["code"] in ("min_value", "max_value")

    @pytest.mark.parametrize("size", [2, 12])
    def test_list_query_count_does_not_grow(
        self, api_as, approver, inspector, size, django_assert_num_queries
    ):
        for _ in range(size):
            make_plan(
                approver, pools=[{"kind": "key", "ratio": "10"}, {"kind": "general", "ratio": "5"}]
            )
        client = api_as(fresh(inspector))
        # 1 the officer profile, 2 its regions (scope roots), 3 the region codes
        # under them, 4–5 the user's and its groups' permissions, 6 COUNT(*),
        # 7 the page with item counts, 8 the plans' regions, 9 their pools.
        with django_assert_num_queries(9):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size


# --- the admin ----------------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    def test_list_is_scoped(self, client_as, approver, other_inspector, inspector):
        plan = make_plan(approver)
        assert plan.name in client_as(inspector).get(ADMIN).content.decode()
        assert plan.name not in client_as(other_inspector).get(ADMIN).content.decode()
        assert client_as(other_inspector).get(f"{ADMIN}{plan.pk}/change/").status_code == 404

    def test_list_filters_state_and_region(self, client_as, approver, manager, squad, general):
        city = OfficerFactory(roles=[Role.APPROVER]).user
        bazhou = make_plan(city, regions=[BAZHOU])
        whole = make_plan(city, regions=[CITY])
        sanhe = plan_services.plan_draw(plan=make_plan(approver), actor=approver, seed=1)
        client = client_as(manager)

        def listed(**query):
            response = client.get(ADMIN, query)
            return {plan.pk for plan in response.context["cl"].result_list}

        assert listed(region=BAZHOU) == {bazhou.pk, whole.pk}
        assert listed(region=CITY) == {bazhou.pk, whole.pk, sanhe.pk}
        assert listed(status__exact="drawn") == {sanhe.pk}

    @pytest.mark.parametrize("size", [2, 12])
    def test_list_query_count_does_not_grow(
        self, client_as, approver, inspector, size, django_assert_num_queries
    ):
        for _ in range(size):
            make_plan(approver)
        client = client_as(inspector)
        # 1 session, 2 user, 3–4 the user's own and group permissions, 5 officer,
        # 6 its regions, 7 region codes, 8 region filter choices, 9 count,
        # 10 the page with item counts, 11 the plans' regions.
        with django_assert_num_queries(11):
            response = client.get(ADMIN)
        assert len(response.context["cl"].result_list) == size

    def test_add_draw_and_publish_through_the_buttons(self, client_as, approver, squad, general):
        client = client_as(approver)
        response = client.post(
            f"{ADMIN}add/",
            {
                "name": "后台编制的计划",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "regions": [SANHE],
                "general_ratio": "10",
                "yearly_cap": "2",
                "exclude_inspected_within_days": "90",
            },
        )
        assert response.status_code == 302, response.content.decode()
        plan = InspectionPlan.objects.get(name="后台编制的计划")
        page = client.get(f"{ADMIN}{plan.pk}/change/").content.decode()
        assert f"{ADMIN}{plan.pk}/draw/" in page

        assert client.post(f"{ADMIN}{plan.pk}/draw/", {"seed": "5"}).status_code == 302
        plan.refresh_from_db()
        assert plan.seed == 5 and plan.status == PlanStatus.DRAWN
        page = client.get(f"{ADMIN}{plan.pk}/change/").content.decode()
        officer = PlanDrawItem.objects.filter(plan=plan).first().officers.first()
        assert officer.name in page and officer.badge_number in page
        assert "复核一致" in page

        refused = client.post(f"{ADMIN}{plan.pk}/draw/", {"seed": "6"})
        assert refused.status_code == 409 and "不能重新抽取" in refused.content.decode()

        assert client.post(f"{ADMIN}{plan.pk}/publish/").status_code == 302
        plan.refresh_from_db()
        assert plan.status == PlanStatus.PUBLISHED

    def test_add_form_shows_the_services_refusal(self, client_as, approver):
        response = client_as(approver).post(
            f"{ADMIN}add/",
            {
                "name": "比例错误",
                "period_start": "2026-07-01",
                "period_end": "2026-12-31",
                "regions": [SANHE],
                "general_ratio": "0",
                "yearly_cap": "2",
                "exclude_inspected_within_days": "90",
            },
        )
        assert response.status_code == 400
        assert "抽取比例应大于 0 且不超过 100" in response.content.decode()
        assert not InspectionPlan.objects.exists()

    def test_inspectors_have_no_draw_button(self, client_as, approver, inspector):
        plan = make_plan(approver)
        page = client_as(inspector).get(f"{ADMIN}{plan.pk}/change/").content.decode()
        assert f"{ADMIN}{plan.pk}/draw/" not in page
        assert client_as(inspector).post(f"{ADMIN}{plan.pk}/draw/", {}).status_code == 403
