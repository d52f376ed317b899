"""The deadlines of a penalty case, and the nightly job that stores its flags."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.choices import CaseSource, CaseStatus, MeasureKind
from cases.deadline_services import case_deadline_flags_refresh
from cases.deadlines import (
    case_deadlines,
    deadline_flags,
    decision_deadline,
    filing_deadline,
    hearing_request_deadline,
)
from cases.models import PenaltyCase, SpecialMeasure
from cases.tasks import refresh_case_deadlines
from ecoenforce.celery import app
from tests.factories import EnterpriseFactory

pytestmark = pytest.mark.django_db
S = CaseStatus


@pytest.fixture
def enterprise():
    return EnterpriseFactory()


@pytest.fixture
def make_case(enterprise):
    def make(**fields) -> PenaltyCase:
        fields.setdefault("discovered_on", date(2026, 11, 2))
        return PenaltyCase.objects.create(
            enterprise=enterprise,
            region=enterprise.region,
            source=CaseSource.INSPECTION,
            **fields,
        )

    return make


def by_key(case, **kwargs):
    return {d.key: d for d in case_deadlines(case, **kwargs)}


# --- filing ------------------------------------------------------------------------


def test_filing_within_15_days_of_discovery(make_case):
    case = make_case(status=S.CLUE, discovered_on=date(2026, 11, 2))
    assert filing_deadline(case) == date(2026, 11, 17)
    [deadline] = case_deadlines(case, today=date(2026, 11, 14))
    assert deadline.key == "filing"
    assert deadline.label == "决定是否立案"
    assert deadline.due_on == date(2026, 11, 17)
    assert deadline.days_left == 3
    assert deadline.due_soon and not deadline.overdue
    assert not deadline.working_days and not deadline.estimated and deadline.warning is None


def test_filing_extension_adds_15_days(make_case):
    case = make_case(status=S.CLUE, discovered_on=date(2026, 11, 2), filing_extended=True)
    assert filing_deadline(case) == date(2026, 12, 2)
    assert by_key(case, today=date(2026, 11, 20))["filing"].label == "决定是否立案（已延长）"


def test_no_filing_deadline_once_filed(make_case):
    case = make_case(status=S.FILED, discovered_on=date(2026, 11, 2), filed_on=date(2026, 11, 5))
    assert "filing" not in by_key(case, today=date(2026, 11, 20))


# --- decision ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extensions", "due_on"),
    [(0, date(2026, 11, 1)), (1, date(2026, 12, 1)), (2, date(2026, 12, 31))],
)
def test_decision_within_90_days_then_30_and_30_more(make_case, extensions, due_on):
    case = make_case(
        status=S.INVESTIGATING,
        discovered_on=date(2026, 7, 30),
        filed_on=date(2026, 8, 3),
        decision_extensions=extensions,
    )
    assert decision_deadline(case) == due_on
    assert by_key(case, today=date(2026, 10, 1))["decision"].due_on == due_on


def test_decision_label_names_the_extensions(make_case):
    case = make_case(
        status=S.REVIEW,
        discovered_on=date(2026, 7, 30),
        filed_on=date(2026, 8, 3),
        decision_extensions=2,
    )
    assert by_key(case, today=date(2026, 10, 1))["decision"].label == "作出处罚决定（已延长 2 次）"


def test_days_suspended_do_not_count(make_case):
    case = make_case(
        status=S.INVESTIGATING,
        discovered_on=date(2026, 7, 30),
        filed_on=date(2026, 8, 3),
        suspended_days=12,
    )
    assert decision_deadline(case) == date(2026, 11, 13)


def test_while_suspended_the_decision_deadline_stands_still(make_case):
    case = make_case(
        status=S.SUSPENDED,
        discovered_on=date(2026, 7, 30),
        filed_on=date(2026, 8, 3),
        suspended_days=2,
        suspended_since=date(2026, 10, 1),
    )
    on_first = by_key(case, today=date(2026, 10, 10))["decision"]
    on_later = by_key(case, today=date(2026, 10, 30))["decision"]
    assert on_first.due_on == date(2026, 11, 12)  # 11-01 + 2 + 9 days suspended so far
    assert on_later.due_on == date(2026, 12, 2)
    assert on_first.days_left == on_later.days_left == 33
    assert "暂停" in on_first.label


def test_no_decision_deadline_before_filing_or_after_the_decision(make_case):
    clue = make_case(status=S.CLUE)
    with pytest.raises(ValueError):
        decision_deadline(clue)
    decided = make_case(
        status=S.DECIDED,
        discovered_on=date(2026, 7, 30),
        filed_on=date(2026, 8, 3),
        decided_on=date(2026, 10, 1),
    )
    assert case_deadlines(decided, today=date(2026, 10, 2)) == []


# --- hearing request ----------------------------------------------------------------


def notified(make_case, notified_on, **fields):
    return make_case(
        status=S.NOTIFIED,
        discovered_on=notified_on - timedelta(days=40),
        filed_on=notified_on - timedelta(days=30),
        notified_on=notified_on,
        proposed_fine=Decimal("300000"),
        hearing_offered=True,
        **fields,
    )


def test_hearing_request_window_across_the_national_day_holiday(make_case):
    case = notified(make_case, date(2024, 9, 30))
    assert hearing_request_deadline(case).day == date(2024, 10, 12)
    deadline = by_key(case, today=date(2024, 10, 9))["hearing_request"]
    assert deadline.due_on == date(2024, 10, 12)
    assert deadline.working_days
    assert deadline.days_left == 3 and deadline.due_soon
    assert not deadline.estimated and deadline.warning is None


def test_hearing_request_window_in_an_unrecorded_year_carries_a_warning(make_case):
    case = notified(make_case, date(2026, 12, 30))
    deadline = by_key(case, today=date(2026, 12, 30))["hearing_request"]
    assert deadline.due_on == date(2027, 1, 6)
    assert deadline.estimated
    assert deadline.warning == "2027 年节假日安排尚未录入，期限按周末推算，请核对"


def test_no_hearing_window_when_not_offered_or_already_requested(make_case):
    not_offered = notified(make_case, date(2024, 9, 30))
    not_offered.hearing_offered = False
    assert "hearing_request" not in by_key(not_offered, today=date(2024, 10, 8))
    requested = notified(make_case, date(2024, 9, 30), hearing_requested_on=date(2024, 10, 8))
    assert "hearing_request" not in by_key(requested, today=date(2024, 10, 8))


def test_a_lapsed_hearing_window_does_not_make_the_case_overdue(make_case):
    case = notified(make_case, date(2024, 9, 30))
    assert by_key(case, today=date(2024, 10, 14))["hearing_request"].overdue
    flags = deadline_flags(case, today=date(2024, 10, 14))
    assert not flags["overdue"]
    assert flags["next_deadline_label"] == "作出处罚决定"


# --- payment ----------------------------------------------------------------------


def served(make_case, served_on, **fields):
    return make_case(
        status=S.SERVED,
        discovered_on=served_on - timedelta(days=60),
        filed_on=served_on - timedelta(days=50),
        decided_on=served_on - timedelta(days=2),
        served_on=served_on,
        fine_amount=Decimal("150000"),
        **fields,
    )


def test_payment_within_15_days_of_service(make_case):
    case = served(make_case, date(2026, 11, 10), payment_due_on=date(2026, 11, 25))
    deadline = by_key(case, today=date(2026, 11, 26))["payment"]
    assert deadline.due_on == date(2026, 11, 25)
    assert deadline.overdue and deadline.days_left == -1
    assert not deadline.due_soon


def test_payment_falls_back_to_15_days_after_service(make_case):
    case = served(make_case, date(2026, 11, 10))
    assert by_key(case, today=date(2026, 11, 11))["payment"].due_on == date(2026, 11, 25)


def test_a_deferred_payment_date_is_used(make_case):
    case = served(make_case, date(2026, 11, 10), payment_due_on=date(2027, 2, 1))
    case.status = S.EXECUTING
    assert by_key(case, today=date(2026, 11, 26))["payment"].due_on == date(2027, 2, 1)


# --- seal and seizure ------------------------------------------------------------------


def test_seal_seize_until_its_end_and_shortly_after(make_case):
    case = make_case(status=S.INVESTIGATING, filed_on=date(2026, 11, 3))
    current = SpecialMeasure.objects.create(
        case=case, kind=MeasureKind.SEAL_SEIZE, on=date(2026, 11, 5), ends_on=date(2026, 12, 4)
    )
    extended = SpecialMeasure.objects.create(
        case=case,
        kind=MeasureKind.SEAL_SEIZE,
        on=date(2026, 9, 1),
        ends_on=date(2026, 9, 30),
        extended_until=date(2026, 10, 30),
    )
    SpecialMeasure.objects.create(
        case=case, kind=MeasureKind.SEAL_SEIZE, on=date(2026, 8, 1), ends_on=date(2026, 8, 30)
    )
    SpecialMeasure.objects.create(
        case=case, kind=MeasureKind.PRODUCTION_RESTRICTION, on=date(2026, 11, 5)
    )
    deadlines = by_key(case, today=date(2026, 11, 2))
    assert {k for k in deadlines if k.startswith("seal_seize")} == {
        f"seal_seize:{current.pk}",
        f"seal_seize:{extended.pk}",
    }
    assert deadlines[f"seal_seize:{extended.pk}"].due_on == date(2026, 10, 30)
    assert deadlines[f"seal_seize:{extended.pk}"].overdue
    assert deadlines[f"seal_seize:{current.pk}"].due_on == date(2026, 12, 4)
    # A week after its end, the extended one drops off the list.
    assert f"seal_seize:{extended.pk}" not in by_key(case, today=date(2026, 11, 7))


def test_measures_passed_in_are_not_queried(make_case, django_assert_num_queries):
    case = make_case(status=S.CLUE)
    with django_assert_num_queries(0):
        case_deadlines(case, today=date(2026, 11, 2), measures=[])


def test_closed_cases_have_no_deadlines(make_case):
    for status in (S.CLOSED, S.ARCHIVED, S.NOT_FILED, S.NO_PENALTY, S.TRANSFERRED):
        assert case_deadlines(make_case(status=status), today=date(2026, 11, 2)) == []


# --- the nightly job ------------------------------------------------------------------


def test_refresh_sets_due_soon_and_overdue_and_clears_closed_cases(make_case):
    today = date(2026, 11, 15)
    due_soon = make_case(status=S.CLUE, discovered_on=date(2026, 11, 1))  # due 11-16
    overdue = make_case(status=S.CLUE, discovered_on=date(2026, 10, 20))  # due 11-04
    calm = make_case(status=S.FILED, discovered_on=date(2026, 11, 1), filed_on=date(2026, 11, 2))
    closed = make_case(
        status=S.CLOSED,
        discovered_on=date(2026, 1, 5),
        next_deadline_on=date(2026, 3, 1),
        next_deadline_label="缴纳罚款",
        due_soon=True,
        overdue=True,
    )
    counts = case_deadline_flags_refresh(today=today)
    assert counts == {
        "today": "2026-11-15",
        "open": 3,
        "updated": 3,
        "due_soon": 1,
        "overdue": 1,
        "cleared": 1,
    }
    for case in (due_soon, overdue, calm, closed):
        case.refresh_from_db()
    assert (due_soon.due_soon, due_soon.overdue) == (True, False)
    assert due_soon.next_deadline_on == date(2026, 11, 16)
    assert due_soon.next_deadline_label == "决定是否立案"
    assert (overdue.due_soon, overdue.overdue) == (False, True)
    assert (calm.due_soon, calm.overdue) == (False, False)
    assert calm.next_deadline_on == date(2027, 1, 31)
    assert calm.next_deadline_label == "作出处罚决定"
    assert (closed.due_soon, closed.overdue, closed.next_deadline_on) == (False, False, None)
    assert closed.next_deadline_label == ""


def test_refresh_twice_changes_nothing_the_second_time(make_case):
    make_case(status=S.CLUE, discovered_on=date(2026, 11, 1))
    case_deadline_flags_refresh(today=date(2026, 11, 15))
    again = case_deadline_flags_refresh(today=date(2026, 11, 15))
    assert (again["open"], again["updated"], again["cleared"]) == (1, 0, 0)


def test_refresh_moves_a_case_from_due_soon_to_overdue(make_case):
    case = make_case(status=S.CLUE, discovered_on=date(2026, 11, 1))  # due 11-16
    case_deadline_flags_refresh(today=date(2026, 11, 15))
    case_deadline_flags_refresh(today=date(2026, 11, 17))
    case.refresh_from_db()
    assert (case.due_soon, case.overdue) == (False, True)


def test_refresh_honours_the_due_soon_setting(make_case, settings):
    settings.ECOENFORCE_DUE_SOON_DAYS = 7
    case = make_case(status=S.CLUE, discovered_on=date(2026, 11, 1))  # due 11-16
    case_deadline_flags_refresh(today=date(2026, 11, 10))
    case.refresh_from_db()
    assert case.due_soon


def _refresh_queries(make_case, n: int) -> int:
    for i in range(n):
        case = make_case(status=S.INVESTIGATING, filed_on=date(2026, 11, 2 + i % 5))
        SpecialMeasure.objects.create(
            case=case, kind=MeasureKind.SEAL_SEIZE, on=date(2026, 11, 5), ends_on=date(2026, 12, 4)
        )
    with CaptureQueriesContext(connection) as queries:
        case_deadline_flags_refresh(today=date(2026, 11, 15), batch_size=1000)
    PenaltyCase.objects.update(next_deadline_on=None, due_soon=False, overdue=False)
    return len(queries)


def test_refresh_queries_do_not_grow_with_the_number_of_cases(make_case):
    # Per batch: a savepoint, the locked cases, their seal/seize measures, one
    # bulk update, the release; then an empty batch ends the loop, and one
    # update clears the closed cases. Nothing per case.
    few = _refresh_queries(make_case, 3)
    many = _refresh_queries(make_case, 30)
    assert few == many


def test_the_celery_task_runs_the_refresh(make_case):
    today = timezone.localdate()
    case = make_case(status=S.CLUE, discovered_on=today - timedelta(days=14))
    result = refresh_case_deadlines.delay().get(timeout=10)
    assert result["open"] == 1 and result["due_soon"] == 1
    case.refresh_from_db()
    assert case.due_soon and case.next_deadline_on == today + timedelta(days=1)


def test_the_beat_runs_the_refresh_every_night_at_half_past_midnight():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-case-deadlines"]
    assert entry["task"] == refresh_case_deadlines.name
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=0, minute=30)
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
