"""Demands (诉求): raising them through the API and the admin, the lifecycle and
each illegal move, dates, scope, the overdue beat job, filters, query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from companies import service_visits
from companies.models import Demand, DemandTransition
from companies.tasks import flag_overdue_demands
from tests.conftest import BAZHOU, SANHE
from tests.factories import (
    DemandFactory,
    EnterpriseFactory,
    OfficerFactory,
    SymposiumFactory,
    VisitFactory,
)

URL = "/api/v1/demands/"
ADMIN = "/admin/companies/demand/"
RAISED = date(2024, 5, 6)


def today() -> date:
    return timezone.localdate()


def errors_of(response) -> list[dict]:
    return response.json()["errors"]


def snapshot(demand: Demand) -> tuple:
    """Everything a refused step must leave as it was."""
    demand.refresh_from_db()
    return (
        demand.status,
        demand.started_on,
        demand.resolved_on,
        demand.resolution,
        demand.unresolvable_on,
        demand.unresolvable_reason,
        demand.updated_at,
        DemandTransition.objects.filter(demand=demand).count(),
    )


@pytest.fixture
def demand(db, sanhe_enterprise, inspector):
    return DemandFactory(enterprise=sanhe_enterprise, owner=inspector.officer)


@pytest.fixture
def client_as():
    def login(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


def walk(demand: Demand, user, *steps: str) -> Demand:
    """Take ``demand`` through the named steps (start, resolve, unresolvable) via the API
    services, a day apart from the raising date."""
    for offset, step in enumerate(steps, start=1):
        on = demand.raised_on + timedelta(days=offset)
        if step == "start":
            demand = service_visits.demand_start(user=user, demand=demand, on=on)
        elif step == "resolve":
            demand = service_visits.demand_resolve(
                user=user, demand=demand, resolution="已协调办理", resolved_on=on
            )
        else:
            demand = service_visits.demand_mark_unresolvable(
                user=user, demand=demand, reason="超出本部门职权", on=on
            )
    return demand


# --- raising a demand ----------------------------------------------------------------


@pytest.mark.django_db
class TestRaise:
    def test_raised_directly_with_defaults(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL,
            {"enterprise": sanhe_enterprise.id, "category": "eia", "description": "环评批复咨询"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["raised_on"] == today().isoformat()
        assert body["due_on"] == (today() + timedelta(days=30)).isoformat()
        assert body["owner"] == inspector.officer.id
        assert body["region"] == SANHE
        assert body["raised_at"] == "direct"
        assert body["status"] == "open"
        assert body["overdue"] is False
        assert [step["to"] for step in body["allowed_transitions"]] == [
            "in_progress",
            "resolved",
            "unresolvable",
        ]
        demand = Demand.objects.get()
        assert demand.created_by == inspector
        assert demand.region_id == SANHE

    def test_raised_at_a_visit_takes_its_date(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise, visited_on=RAISED)
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "visit": visit.id,
                "category": "finance",
                "description": "申请绿色信贷贴息",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["raised_on"] == "2024-05-06"
        assert response.json()["raised_at"] == "visit"
        # Due 30 days after it was raised, so long overdue today.
        assert response.json()["overdue"] is True

    def test_raised_at_a_symposium_the_enterprise_attended(
        self, api_as, inspector, sanhe_enterprise
    ):
        symposium = SymposiumFactory(enterprises=[sanhe_enterprise], held_on=RAISED)
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "symposium": symposium.id,
                "category": "technique",
                "description": "VOCs 治理技术路线咨询",
                "raised_on": "2024-05-07",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["raised_at"] == "symposium"
        assert Demand.objects.get().symposium == symposium

    @pytest.mark.parametrize(
        ("change", "field", "code"),
        [
            ({"raised_on": "FUTURE"}, "raised_on", "future_date"),
            ({"due_on": "2024-05-01", "raised_on": "2024-05-06"}, "due_on", "due_before_raised"),
            ({"description": "  "}, "description", "blank"),
        ],
    )
    def test_bad_input_is_refused_and_nothing_written(
        self, api_as, inspector, sanhe_enterprise, change, field, code
    ):
        data = {"enterprise": sanhe_enterprise.id, "category": "eia", "description": "咨询"}
        data.update(change)
        if data.get("raised_on") == "FUTURE":
            data["raised_on"] = (today() + timedelta(days=1)).isoformat()
        response = api_as(inspector).post(URL, data, format="json")
        assert response.status_code == 400
        assert errors_of(response)[0]["field"] == field
        assert errors_of(response)[0]["code"] == code
        assert not Demand.objects.exists()

    def test_future_date_message_is_chinese(self, api_as, inspector, sanhe_enterprise):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "category": "eia",
                "description": "咨询",
                "raised_on": (today() + timedelta(days=3)).isoformat(),
            },
            format="json",
        )
        assert errors_of(response) == [
            {"field": "raised_on", "code": "future_date", "message": "提出日期不能晚于今天"}
        ]

    def test_not_before_the_visit(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise, visited_on=RAISED)
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "visit": visit.id,
                "category": "eia",
                "description": "咨询",
                "raised_on": "2024-05-01",
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "before_previous_step"
        assert not Demand.objects.exists()

    def test_not_both_a_visit_and_a_symposium(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        symposium = SymposiumFactory(enterprises=[sanhe_enterprise])
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "visit": visit.id,
                "symposium": symposium.id,
                "category": "eia",
                "description": "咨询",
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "one_occasion"
        assert not Demand.objects.exists()

    def test_visit_of_another_enterprise_is_refused(self, api_as, inspector, sanhe_enterprise):
        visit = VisitFactory(enterprise=EnterpriseFactory(region_id=SANHE))
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "visit": visit.id,
                "category": "eia",
                "description": "咨询",
            },
            format="json",
        )
        assert errors_of(response)[0]["code"] == "visit_enterprise_mismatch"

    def test_symposium_not_attended_is_refused(self, api_as, inspector, sanhe_enterprise):
        symposium = SymposiumFactory()
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "symposium": symposium.id,
                "category": "eia",
                "description": "咨询",
            },
            format="json",
        )
        assert errors_of(response)[0]["code"] == "not_attending"
        assert not Demand.objects.exists()

    def test_enterprise_of_another_region_is_refused(self, api_as, inspector, bazhou_enterprise):
        response = api_as(inspector).post(
            URL,
            {"enterprise": bazhou_enterprise.id, "category": "eia", "description": "咨询"},
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0] == {
            "field": "enterprise",
            "code": "region_out_of_scope",
            "message": "霸州市某钢管有限公司 不在您的管辖范围内",
        }
        assert not Demand.objects.exists()

    def test_owner_must_cover_the_enterprise_region(
        self, api_as, inspector, other_inspector, sanhe_enterprise
    ):
        response = api_as(inspector).post(
            URL,
            {
                "enterprise": sanhe_enterprise.id,
                "category": "eia",
                "description": "咨询",
                "owner": other_inspector.officer.id,
            },
            format="json",
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["field"] == "owner"
        assert errors_of(response)[0]["code"] == "officer_out_of_scope"

    def test_manager_may_not_raise(self, api_as, manager, sanhe_enterprise):
        response = api_as(manager).post(
            URL,
            {"enterprise": sanhe_enterprise.id, "category": "eia", "description": "咨询"},
            format="json",
        )
        assert response.status_code == 403

    def test_options_list_the_categories(self, api_as, inspector):
        response = api_as(inspector).options(URL)
        choices = response.json()["actions"]["POST"]["category"]["choices"]
        assert {"value": "finance", "display_name": "资金及绿色金融"} in choices


# --- the lifecycle ----------------------------------------------------------------------


@pytest.mark.django_db
class TestLifecycle:
    def test_open_in_progress_resolved(self, api_as, inspector, demand):
        client = api_as(inspector)
        response = client.post(
            f"{URL}{demand.id}/start/", {"on": "2024-05-07", "note": "已联系企业"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "in_progress"
        assert response.json()["started_on"] == "2024-05-07"
        response = client.post(
            f"{URL}{demand.id}/resolve/",
            {"resolved_on": "2024-05-20", "resolution": "协助完成排污许可证延续"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["status"] == "resolved"
        assert body["resolved_on"] == "2024-05-20"
        assert body["resolution"] == "协助完成排污许可证延续"
        assert body["allowed_transitions"] == []
        assert [(row["from_status"], row["to_status"], row["on"]) for row in body["history"]] == [
            ("open", "in_progress", "2024-05-07"),
            ("in_progress", "resolved", "2024-05-20"),
        ]
        assert body["history"][0]["actor"] == "三河检查员"
        assert body["history"][1]["note"] == "协助完成排污许可证延续"

    def test_resolved_on_defaults_to_today(self, api_as, inspector, demand):
        response = api_as(inspector).post(
            f"{URL}{demand.id}/resolve/", {"resolution": "当场解答"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["resolved_on"] == today().isoformat()

    def test_open_straight_to_resolved(self, inspector, demand):
        demand = walk(demand, inspector, "resolve")
        assert demand.status == "resolved"
        assert demand.started_on is None

    def test_unresolvable_with_reason(self, api_as, inspector, demand):
        walk(demand, inspector, "start")
        response = api_as(inspector).post(
            f"{URL}{demand.id}/unresolvable/",
            {"on": "2024-05-10", "reason": "诉求涉及调整法定排放标准，超出我局职权"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        demand.refresh_from_db()
        assert demand.status == "unresolvable"
        assert demand.unresolvable_on == date(2024, 5, 10)
        assert demand.unresolvable_reason.startswith("诉求涉及")

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_unresolvable_needs_a_reason(self, api_as, inspector, demand, reason):
        before = snapshot(demand)
        response = api_as(inspector).post(
            f"{URL}{demand.id}/unresolvable/", {"reason": reason}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response) == [
            {"field": "reason", "code": "required", "message": "请填写无法解决的原因"}
        ]
        assert snapshot(demand) == before

    def test_resolve_needs_a_resolution(self, api_as, inspector, demand):
        before = snapshot(demand)
        response = api_as(inspector).post(f"{URL}{demand.id}/resolve/", {}, format="json")
        assert response.status_code == 400
        assert errors_of(response)[0]["field"] == "resolution"
        assert errors_of(response)[0]["message"] == "请填写解决情况"
        assert snapshot(demand) == before

    @pytest.mark.parametrize(
        ("done", "step", "payload", "names"),
        [
            ("resolve", "start", {}, ("已解决", "办理中")),
            ("resolve", "unresolvable", {"reason": "无"}, ("已解决", "无法解决")),
            ("unresolvable", "start", {}, ("无法解决", "办理中")),
            ("unresolvable", "resolve", {"resolution": "已办"}, ("无法解决", "已解决")),
        ],
    )
    def test_illegal_moves_are_409_naming_both_states(
        self, api_as, inspector, demand, done, step, payload, names
    ):
        demand = walk(demand, inspector, done)
        before = snapshot(demand)
        response = api_as(inspector).post(f"{URL}{demand.id}/{step}/", payload, format="json")
        assert response.status_code == 409
        error = errors_of(response)[0]
        assert error["code"] == "illegal_transition"
        assert error["message"] == f"诉求不能从“{names[0]}”变更为“{names[1]}”"
        assert snapshot(demand) == before

    def test_in_progress_cannot_go_back_to_open(self, inspector, demand):
        demand = walk(demand, inspector, "start")
        with pytest.raises(service_visits.ConflictError, match="“办理中”变更为“待办理”"):
            service_visits.demand_transition(user=inspector, demand=demand, to="open")

    def test_unknown_state_is_400(self, inspector, demand):
        with pytest.raises(service_visits.DomainError) as exc:
            service_visits.demand_transition(user=inspector, demand=demand, to="closed")
        assert exc.value.status == 400
        assert exc.value.code == "invalid_choice"

    def test_same_state_is_a_no_op(self, api_as, inspector, demand):
        demand = walk(demand, inspector, "resolve")
        before = snapshot(demand)
        response = api_as(inspector).post(
            f"{URL}{demand.id}/resolve/", {"resolution": "另一种说法"}, format="json"
        )
        assert response.status_code == 200
        assert response.json()["resolution"] == "已协调办理"
        assert snapshot(demand) == before

    @pytest.mark.parametrize(
        ("step", "payload", "field", "code"),
        [
            ("resolve", {"resolution": "已办", "resolved_on": "FUTURE"}, "resolved_on",
             "future_date"),
            ("resolve", {"resolution": "已办", "resolved_on": "2024-05-01"}, "resolved_on",
             "before_previous_step"),
            ("start", {"on": "FUTURE"}, "on", "future_date"),
            ("start", {"on": "2024-05-05"}, "on", "before_previous_step"),
            ("unresolvable", {"reason": "无", "on": "2024-05-05"}, "on", "before_previous_step"),
        ],
    )  # fmt: skip
    def test_step_dates(self, api_as, inspector, demand, step, payload, field, code):
        payload = {
            key: (today() + timedelta(days=1)).isoformat() if value == "FUTURE" else value
            for key, value in payload.items()
        }
        before = snapshot(demand)
        response = api_as(inspector).post(f"{URL}{demand.id}/{step}/", payload, format="json")
        assert response.status_code == 400
        assert errors_of(response)[0]["field"] == field
        assert errors_of(response)[0]["code"] == code
        assert snapshot(demand) == before

    def test_not_resolved_before_it_was_started(self, api_as, inspector, demand):
        walk(demand, inspector, "start")  # started 2024-05-07
        response = api_as(inspector).post(
            f"{URL}{demand.id}/resolve/",
            {"resolution": "已办", "resolved_on": "2024-05-06"},
            format="json",
        )
        assert response.status_code == 400
        assert "早于开始办理日期" in errors_of(response)[0]["message"]

    def test_manager_may_not_take_a_step(self, api_as, manager, demand):
        response = api_as(manager).post(
            f"{URL}{demand.id}/resolve/", {"resolution": "已办"}, format="json"
        )
        assert response.status_code == 403
        demand.refresh_from_db()
        assert demand.status == "open"

    def test_manager_sees_no_allowed_transitions(self, api_as, manager, demand):
        assert api_as(manager).get(f"{URL}{demand.id}/").json()["allowed_transitions"] == []


@pytest.mark.django_db
class TestChange:
    def test_patch_owner_and_due_date(self, api_as, inspector, demand):
        colleague = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE])
        due = (today() + timedelta(days=10)).isoformat()
        response = api_as(inspector).patch(
            f"{URL}{demand.id}/", {"owner": colleague.id, "due_on": due}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["owner"] == colleague.id
        assert response.json()["overdue"] is False

    def test_extending_the_due_date_clears_overdue_at_once(self, inspector, demand):
        Demand.objects.filter(pk=demand.pk).update(overdue=True)
        demand = service_visits.demand_update(
            user=inspector, demand=demand, due_on=today() + timedelta(days=5)
        )
        assert demand.overdue is False

    def test_closed_demand_cannot_be_changed(self, api_as, inspector, demand):
        walk(demand, inspector, "resolve")
        response = api_as(inspector).patch(
            f"{URL}{demand.id}/", {"description": "改写"}, format="json"
        )
        assert response.status_code == 409
        assert errors_of(response)[0]["message"] == "诉求已“已解决”，不能再修改"

    def test_raising_date_cannot_be_changed(self, api_as, inspector, demand):
        response = api_as(inspector).patch(
            f"{URL}{demand.id}/", {"raised_on": "2024-05-01"}, format="json"
        )
        assert response.status_code == 400
        assert errors_of(response)[0]["code"] == "read_only"

    def test_demands_are_never_deleted(self, api_as, administrator, demand):
        assert api_as(administrator).delete(f"{URL}{demand.id}/").status_code == 405


# --- database constraints ---------------------------------------------------------------


@pytest.mark.django_db
class TestConstraints:
    @pytest.mark.parametrize(
        ("fields", "name"),
        [
            ({"status": "resolved"}, "demand_resolved_iff_status"),
            ({"resolved_on": RAISED, "resolution": "x"}, "demand_resolved_iff_status"),
            (
                {"status": "resolved", "resolved_on": date(2024, 5, 1), "resolution": "x"},
                "demand_resolved_after_raised",
            ),
            ({"status": "unresolvable", "unresolvable_on": RAISED}, "demand_unresolvable_iff"),
            ({"status": "in_progress"}, "demand_started_on_status"),
            ({"due_on": date(2024, 5, 1)}, "demand_due_after_raised"),
            ({"overdue": True, "status": "resolved", "resolved_on": RAISED, "resolution": "x"},
             "demand_overdue_only_open"),
        ],
    )  # fmt: skip
    def test_inconsistent_rows_are_refused_by_the_database(self, demand, fields, name):
        with pytest.raises(IntegrityError, match=name), transaction.atomic():
            Demand.objects.filter(pk=demand.pk).update(**fields)

    def test_not_raised_at_a_visit_and_a_symposium(self, demand, sanhe_enterprise):
        visit = VisitFactory(enterprise=sanhe_enterprise)
        symposium = SymposiumFactory(enterprises=[sanhe_enterprise])
        with pytest.raises(IntegrityError, match="demand_one_occasion"), transaction.atomic():
            Demand.objects.filter(pk=demand.pk).update(visit=visit, symposium=symposium)


# --- scope ------------------------------------------------------------------------------


@pytest.mark.django_db
class TestScope:
    def test_other_region_inspector_gets_404(self, api_as, other_inspector, demand):
        client = api_as(other_inspector)
        assert client.get(f"{URL}{demand.id}/").status_code == 404
        before = snapshot(demand)
        response = client.post(f"{URL}{demand.id}/resolve/", {"resolution": "x"}, format="json")
        assert response.status_code == 404
        assert snapshot(demand) == before

    def test_service_refuses_out_of_scope_with_404(self, other_inspector, demand):
        with pytest.raises(service_visits.RecordNotFound):
            service_visits.demand_start(user=other_inspector, demand=demand)

    def test_lists_are_scoped(self, api_as, inspector, other_inspector, manager, demand):
        bazhou = DemandFactory(enterprise=EnterpriseFactory(region_id=BAZHOU))
        assert [r["id"] for r in api_as(inspector).get(URL).json()["results"]] == [demand.id]
        assert [r["id"] for r in api_as(other_inspector).get(URL).json()["results"]] == [bazhou.id]
        assert api_as(manager).get(URL).json()["count"] == 2

    def test_reporting_client_reads(self, api_as, reporting_client, demand):
        assert api_as(reporting_client).get(URL).json()["count"] == 1


# --- the overdue beat job --------------------------------------------------------------


@pytest.mark.django_db
class TestOverdue:
    def test_beat_runs_it_every_night(self):
        entry = settings.CELERY_BEAT_SCHEDULE["flag-overdue-demands"]
        assert entry["task"] == flag_overdue_demands.name == "companies.flag_overdue_demands"
        assert entry["schedule"].hour == {0} and entry["schedule"].minute == {40}

    def test_flags_open_demands_past_due_and_clears_the_rest(self, inspector, sanhe_enterprise):
        yesterday, day = today() - timedelta(days=1), today()
        past_open = DemandFactory(enterprise=sanhe_enterprise, raised_on=RAISED, due_on=yesterday)
        past_started = walk(DemandFactory(enterprise=sanhe_enterprise, due_on=yesterday),
                            inspector, "start")  # fmt: skip
        due_today = DemandFactory(enterprise=sanhe_enterprise, due_on=day)
        resolved = walk(DemandFactory(enterprise=sanhe_enterprise, due_on=yesterday),
                        inspector, "resolve")  # fmt: skip
        stale = DemandFactory(enterprise=sanhe_enterprise, due_on=day + timedelta(days=9))
        Demand.objects.filter(pk=stale.pk).update(overdue=True)
        stamp = timezone.now()

        result = flag_overdue_demands.delay().get()

        assert result == {"today": day.isoformat(), "flagged": 2, "cleared": 1, "overdue": 2}
        flags = dict(Demand.objects.values_list("pk", "overdue"))
        assert flags == {
            past_open.pk: True,
            past_started.pk: True,
            due_today.pk: False,
            resolved.pk: False,
            stale.pk: False,
        }
        # Reporting clients pulling by updated_since see the change.
        assert Demand.objects.get(pk=past_open.pk).updated_at >= stamp
        assert Demand.objects.get(pk=due_today.pk).updated_at < stamp

    def test_safe_to_run_twice(self, sanhe_enterprise):
        DemandFactory(enterprise=sanhe_enterprise)
        assert flag_overdue_demands.delay().get()["flagged"] == 1
        again = flag_overdue_demands.delay().get()
        assert (again["flagged"], again["cleared"], again["overdue"]) == (0, 0, 1)

    def test_closing_an_overdue_demand_clears_the_flag(self, inspector, demand):
        flag_overdue_demands.delay().get()
        demand = walk(demand, inspector, "resolve")
        assert demand.overdue is False


# --- filters ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestFilters:
    @pytest.fixture
    def spread(self, db, inspector):
        sanhe = EnterpriseFactory(name="三河甲", region_id=SANHE)
        bazhou = EnterpriseFactory(name="霸州乙", region_id=BAZHOU)
        visit = VisitFactory(enterprise=sanhe)
        symposium = SymposiumFactory(enterprises=[bazhou], region_id=BAZHOU)
        owner = OfficerFactory(roles=[Role.INSPECTOR], regions=[BAZHOU])
        rows = {
            "visited": DemandFactory(
                enterprise=sanhe, visit=visit, category="eia", due_on=date(2024, 6, 1)
            ),
            "at_symposium": DemandFactory(
                enterprise=bazhou,
                symposium=symposium,
                category="finance",
                raised_on=date(2024, 3, 1),
                owner=owner,
            ),
            "direct": DemandFactory(enterprise=sanhe, raised_on=date(2024, 8, 1)),
        }
        admin_user = OfficerFactory(roles=[Role.APPROVER]).user
        rows["direct"] = walk(rows["direct"], admin_user, "resolve")  # resolved 2024-08-02
        Demand.objects.filter(pk=rows["visited"].pk).update(overdue=True)
        return rows, {"visit": visit, "symposium": symposium, "owner": owner, "sanhe": sanhe}

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"region": SANHE}, {"visited", "direct"}),
            ({"region": "131000"}, {"visited", "at_symposium", "direct"}),
            ({"enterprise": "@sanhe"}, {"visited", "direct"}),
            ({"visit": "@visit"}, {"visited"}),
            ({"symposium": "@symposium"}, {"at_symposium"}),
            ({"raised_at": "visit"}, {"visited"}),
            ({"raised_at": "symposium"}, {"at_symposium"}),
            ({"raised_at": "direct"}, {"direct"}),
            ({"category": "finance"}, {"at_symposium"}),
            ({"category": ["finance", "eia"]}, {"at_symposium", "visited"}),
            ({"status": "resolved"}, {"direct"}),
            ({"status": ["open", "in_progress"]}, {"visited", "at_symposium"}),
            ({"owner": "@owner"}, {"at_symposium"}),
            ({"overdue": "true"}, {"visited"}),
            ({"overdue": "false"}, {"at_symposium", "direct"}),
            ({"raised_after": "2024-05-01"}, {"visited", "direct"}),
            ({"raised_before": "2024-05-06"}, {"visited", "at_symposium"}),
            ({"resolved_after": "2024-08-02", "resolved_before": "2024-08-02"}, {"direct"}),
            ({"resolved_before": "2024-07-31"}, set()),
            ({"due_before": "2024-06-01"}, {"visited", "at_symposium"}),
            ({"due_before": "2024-05-31"}, {"at_symposium"}),
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
        assert {row["id"] for row in response.json()["results"]} == {
            rows[key].id for key in expected
        }

    def test_updated_since(self, api_as, manager, spread):
        rows, _ = spread
        Demand.objects.exclude(pk=rows["direct"].pk).update(
            updated_at=timezone.now() - timedelta(days=3)
        )
        since = (timezone.now() - timedelta(days=1)).isoformat()
        response = api_as(manager).get(URL, {"updated_since": since})
        assert [row["id"] for row in response.json()["results"]] == [rows["direct"].id]


# --- query counts -----------------------------------------------------------------------


@pytest.mark.django_db
class TestQueryCounts:
    @staticmethod
    def fresh(user):
        # A user as authentication loads it: nothing cached on it yet.
        return type(user).objects.get(pk=user.pk)

    @pytest.mark.parametrize("size", [3, 30])
    def test_list_query_count_does_not_grow(
        self, api_as, inspector, sanhe_enterprise, size, django_assert_num_queries
    ):
        owner = inspector.officer
        DemandFactory.create_batch(size, enterprise=sanhe_enterprise, owner=owner)
        client = api_as(self.fresh(inspector))
        # 1 the user's officer profile, 2 its regions (the scope roots), 3 the
        # region codes under those roots, 4-5 the user's and its groups'
        # permissions, 6 COUNT(*), 7 the page with enterprise, region and owner
        # joined. allowed_transitions reads the permissions already loaded.
        with django_assert_num_queries(7):
            response = client.get(URL, {"page_size": 100})
        assert response.json()["count"] == size

    def test_detail_query_count(self, api_as, inspector, demand, django_assert_num_queries):
        walk(demand, inspector, "start", "resolve")
        client = api_as(self.fresh(inspector))
        # officer, scope roots, scope codes, two permission queries, the row,
        # its history with the actors and their officer profiles.
        with django_assert_num_queries(7):
            response = client.get(f"{URL}{demand.id}/")
        assert len(response.json()["history"]) == 2


# --- the admin ----------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    def test_raise_through_the_admin(self, client_as, inspector, sanhe_enterprise):
        response = client_as(inspector).post(
            f"{ADMIN}add/",
            {
                "enterprise": sanhe_enterprise.pk,
                "category": "permit",
                "description": "排污许可变更咨询",
                "raised_on": "2024-05-06",
                "visit": "",
                "symposium": "",
                "owner": "",
                "due_on": "",
                "transitions-TOTAL_FORMS": "0",
                "transitions-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.context["adminform"].form.errors
        demand = Demand.objects.get()
        assert (demand.owner, demand.due_on, demand.region_id) == (
            inspector.officer,
            date(2024, 6, 5),
            SANHE,
        )

    def test_admin_form_shows_the_service_refusal(self, client_as, inspector, sanhe_enterprise):
        response = client_as(inspector).post(
            f"{ADMIN}add/",
            {
                "enterprise": sanhe_enterprise.pk,
                "category": "permit",
                "description": "咨询",
                "raised_on": (today() + timedelta(days=2)).isoformat(),
                "transitions-TOTAL_FORMS": "0",
                "transitions-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["raised_on"] == ["提出日期不能晚于今天"]
        assert not Demand.objects.exists()

    def test_changelist_highlights_overdue(self, client_as, inspector, demand):
        flag_overdue_demands.delay().get()
        response = client_as(inspector).get(ADMIN)
        assert response.status_code == 200
        assert "2024-06-05 已逾期" in response.content.decode()

    def test_changelist_is_scoped(self, client_as, other_inspector, demand):
        response = client_as(other_inspector).get(ADMIN)
        assert list(response.context["cl"].result_list) == []
        assert client_as(other_inspector).get(f"{ADMIN}{demand.pk}/change/").status_code == 404

    def test_buttons_offer_the_allowed_steps(self, client_as, inspector, demand):
        client = client_as(inspector)
        page = client.get(f"{ADMIN}{demand.pk}/change/").content.decode()
        assert f"{ADMIN}{demand.pk}/start/" in page
        assert f"{ADMIN}{demand.pk}/resolve/" in page
        walk(demand, inspector, "resolve")
        page = client.get(f"{ADMIN}{demand.pk}/change/").content.decode()
        assert f"{ADMIN}{demand.pk}/start/" not in page

    def test_start_then_resolve_through_the_buttons(self, client_as, inspector, demand):
        client = client_as(inspector)
        assert client.get(f"{ADMIN}{demand.pk}/start/").status_code == 200
        response = client.post(
            f"{ADMIN}{demand.pk}/start/", {"apply": "1", "on": "2024-05-08", "text": ""}
        )
        assert response.status_code == 302
        response = client.post(
            f"{ADMIN}{demand.pk}/resolve/",
            {"apply": "1", "on": "2024-05-09", "text": "已帮助企业办结"},
        )
        assert response.status_code == 302
        demand.refresh_from_db()
        assert (demand.status, demand.started_on, demand.resolved_on) == (
            "resolved",
            date(2024, 5, 8),
            date(2024, 5, 9),
        )

    def test_unresolvable_button_requires_the_reason(self, client_as, inspector, demand):
        before = snapshot(demand)
        response = client_as(inspector).post(
            f"{ADMIN}{demand.pk}/unresolvable/", {"apply": "1", "on": "2024-05-08", "text": ""}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["text"] == ["请填写无法解决的原因"]
        assert snapshot(demand) == before

    def test_illegal_step_through_the_admin_writes_nothing(self, client_as, inspector, demand):
        demand = walk(demand, inspector, "unresolvable")
        before = snapshot(demand)
        response = client_as(inspector).post(
            f"{ADMIN}{demand.pk}/resolve/",
            {"apply": "1", "on": "2024-05-09", "text": "已办"},
            follow=True,
        )
        assert "诉求不能从“无法解决”变更为“已解决”" in response.content.decode()
        assert snapshot(demand) == before

    def test_bulk_start(self, client_as, inspector, sanhe_enterprise, demand):
        done = walk(DemandFactory(enterprise=sanhe_enterprise), inspector, "resolve")
        response = client_as(inspector).post(
            ADMIN,
            {"action": "start_selected", "_selected_action": [demand.pk, done.pk]},
            follow=True,
        )
        assert response.status_code == 200
        demand.refresh_from_db()
        done.refresh_from_db()
        assert (demand.status, done.status) == ("in_progress", "resolved")

    def test_manager_has_no_buttons(self, client_as, manager, demand):
        response = client_as(manager).post(
            f"{ADMIN}{demand.pk}/resolve/", {"apply": "1", "on": "2024-05-09", "text": "x"}
        )
        assert response.status_code == 403

    @pytest.mark.parametrize("size", [3, 30])
    def test_changelist_query_count(
        self, client_as, inspector, sanhe_enterprise, size, django_assert_num_queries
    ):
        DemandFactory.create_batch(size, enterprise=sanhe_enterprise, owner=inspector.officer)
        client = client_as(inspector)
        client.get(ADMIN)
        # session, user, 2 permissions, officer, scope roots, scope codes, the
        # region filter's choices, the planner estimate, the capped COUNT, the
        # page with enterprise, region and owner joined.
        with django_assert_num_queries(11):
            response = client.get(ADMIN)
        assert len(response.context["cl"].result_list) == size
