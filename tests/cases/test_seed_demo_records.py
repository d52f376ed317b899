"""``manage.py seed_demo_records``: the demo's enforcement and service records,
written through the services on top of ``seed_demo``.

Seeding takes a while, so the module seeds once and its tests read the result;
everything is rolled back at the end of the module.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from cases.models import (
    CaseTransition,
    Feedback,
    Finding,
    Inspection,
    InspectionPlan,
    LadderDecision,
    OffsiteRecord,
    PenaltyCase,
    SpecialMeasure,
)
from cases.penalties import case_balance
from cases.workflow import rights_window_end
from companies.models import Demand, Symposium, Visit

pytestmark = pytest.mark.django_db

MODELS = (
    PenaltyCase,
    CaseTransition,
    InspectionPlan,
    Inspection,
    Finding,
    LadderDecision,
    OffsiteRecord,
    SpecialMeasure,
    Visit,
    Demand,
    Symposium,
    Feedback,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Both commands once, in a transaction rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        out = StringIO()
        call_command("seed_demo_records", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_every_kind_of_record_is_created(seeded):
    assert "演示业务记录已生成" in seeded
    statuses = set(PenaltyCase.objects.values_list("status", flat=True))
    assert statuses >= {
        "clue",
        "filed",
        "investigating",
        "suspended",
        "review",
        "notified",
        "hearing",
        "legal_review",
        "decided",
        "served",
        "executing",
        "closed",
        "archived",
        "not_filed",
        "no_penalty",
        "transferred",
    }
    assert 40 <= PenaltyCase.objects.count() <= 50
    assert PenaltyCase.objects.filter(source_inspection__isnull=False).count() == 2
    assert PenaltyCase.objects.filter(source_offsite_record__isnull=False).count() == 2
    assert set(SpecialMeasure.objects.values_list("kind", flat=True)) == {
        "daily_penalty",
        "seal_seize",
    }

    plans = InspectionPlan.objects.all()
    assert [plan.status for plan in plans] == ["published", "published"]
    assert all(plan.items.exists() for plan in plans)
    assert Inspection.objects.filter(draw_item__isnull=False).count() == sum(
        plan.items.count() for plan in plans
    )
    assert 75 <= Inspection.objects.count() <= 90
    outcomes = set(Inspection.objects.values_list("outcome", flat=True))
    assert outcomes >= {"no_problem", "rectification", "case"}
    assert Inspection.objects.filter(trigger="follow_up").count() >= 5
    assert Inspection.objects.filter(status="requested", offsite_record__isnull=False).exists()
    assert LadderDecision.objects.count() >= 10

    assert OffsiteRecord.objects.count() == 300
    assert not OffsiteRecord.objects.exclude(external_id__startswith="DEMO-")
    assert len(set(OffsiteRecord.objects.values_list("source", flat=True))) >= 3
    assert set(OffsiteRecord.objects.values_list("status", flat=True)) == {
        "new",
        "verifying",
        "dismissed",
        "rectified_online",
        "inspection_requested",
        "case_opened",
    }

    assert Visit.objects.count() == 120
    assert all(visit.card_rows.exists() for visit in Visit.objects.all())
    assert Demand.objects.count() == 60
    assert set(Demand.objects.values_list("status", flat=True)) >= {
        "open",
        "in_progress",
        "resolved",
        "unresolvable",
    }
    assert Symposium.objects.count() == 4
    assert Feedback.objects.count() == 30
    assert Feedback.objects.filter(kind="complaint", status="new").count() == 3


def test_every_record_went_through_the_rules(seeded):
    today = timezone.localdate()
    assert PenaltyCase.objects.exists() and Inspection.objects.exists()
    for case in PenaltyCase.objects.prefetch_related("officers", "transitions"):
        assert len([o for o in case.officers.all() if o.certificate_valid_on(today)]) >= 2
        history = sorted(case.transitions.all(), key=lambda t: (t.on, t.id))
        assert [t.on for t in history] == sorted(t.on for t in history)
        assert all(case.discovered_on <= t.on <= today for t in history)
        if case.status != "clue":
            assert history and history[-1].to_status == case.status, case
        if case.filed_on:
            assert case.number, case
        if case.decided_on and case.status != "no_penalty":
            assert case.decided_on > rights_window_end(case) or case.hearing_requested_on
            assert case.fine_amount is not None and case.fine_amount <= case.proposed_fine
        if case.status in ("closed", "archived"):
            assert case_balance(case, as_of=case.closed_on).total_due == 0
    for inspection in Inspection.objects.prefetch_related("transitions"):
        assert inspection.transitions.exists()
        assert inspection.inspected_on <= today
        assert inspection.officers.count() >= 2
    assert not OffsiteRecord.objects.exclude(status="new").filter(triage_steps__isnull=True)
    assert not OffsiteRecord.objects.filter(status="new", triage_steps__isnull=False)
    assert not Visit.objects.filter(visited_on__gt=today)


def test_a_second_run_adds_nothing(seeded):
    before = counts()
    out = StringIO()
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_records", stdout=out)
    assert "已存在" in out.getvalue()
    assert counts() == before
