"""Two users acting on one case at the same moment, each on a PostgreSQL
connection of its own: the row lock makes one win and the other get 409
(or, for money, the second payment is measured against the first)."""

from __future__ import annotations

import time
from datetime import date
from decimal import Decimal

import pytest

from cases import penalties, workflow
from cases.choices import CaseStatus as S
from ecoenforce.errors import ConflictError, DomainError
from tests.factories import case_walk

# Their threads need committed rows; the seed data is restored before each
# test (serialized_rollback) and after the session (tests/cases/conftest.py).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def slow_steps(monkeypatch):
    """Hold each move for a moment after it has read the case, so that the other
    thread's move starts while the first is still inside its transaction."""
    check = workflow.check_effective_date

    def slow_check(case, on, **kwargs):
        time.sleep(0.3)
        return check(case, on, **kwargs)

    monkeypatch.setattr(workflow, "check_effective_date", slow_check)


@pytest.mark.parametrize(
    ("expected_status", "loser_code"),
    [(None, "illegal_transition"), ("review", "concurrent_change")],
)
def test_two_moves_of_one_case_one_wins_the_other_gets_409(
    case, approver, in_threads, slow_steps, expected_status, loser_code
):
    case = case_walk(case, "review", approver=approver)  # on 2024-05-26

    def to_notified():
        return workflow.case_transition(
            case=case,
            to="notified",
            actor=approver,
            on=date(2024, 5, 31),
            data={"proposed_fine": "50000"},
            expected_status=expected_status,
        ).status

    def to_suspended():
        return workflow.case_transition(
            case=case,
            to="suspended",
            actor=approver,
            on=date(2024, 5, 31),
            data={"reason": "等待检测报告"},
            expected_status=expected_status,
        ).status

    outcomes = in_threads(to_notified, to_suspended)

    won = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    lost = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert isinstance(lost[0], ConflictError), repr(lost[0])
    assert (lost[0].status, lost[0].code) == (409, loser_code)
    case.refresh_from_db()
    assert case.status == won[0]
    moves = case.transitions.filter(from_status=S.REVIEW)
    assert list(moves.values_list("to_status", flat=True)) == [won[0]]
    if won[0] == S.SUSPENDED:
        assert (case.notified_on, case.proposed_fine) == (None, None)
    else:
        assert case.suspended_since is None


def test_the_same_move_twice_at_once_writes_one_history_row(case, approver, in_threads, slow_steps):
    case = case_walk(case, "filed", approver=approver)

    def start_investigation():
        return workflow.case_transition(
            case=case, to="investigating", actor=approver, on=date(2024, 5, 10)
        ).status

    outcomes = in_threads(start_investigation, start_investigation)

    # The second finds the case already there: a no-op, not a second row.
    assert outcomes == [S.INVESTIGATING, S.INVESTIGATING]
    assert case.transitions.filter(to_status=S.INVESTIGATING).count() == 1


def test_two_payments_of_the_whole_fine_at_once_are_not_both_taken(
    case, approver, in_threads, monkeypatch
):
    case = case_walk(case, "served", approver=approver)  # fine 50,000, served 2024-06-10
    balance = penalties.case_balance

    def slow_balance(case, **kwargs):
        time.sleep(0.3)
        return balance(case, **kwargs)

    monkeypatch.setattr(penalties, "case_balance", slow_balance)

    def pay():
        return penalties.payment_record(
            case=case, amount=Decimal("50000"), paid_on=date(2024, 6, 12), actor=approver
        ).amount

    outcomes = in_threads(pay, pay)

    paid = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert paid == [Decimal("50000")]
    assert isinstance(refused[0], DomainError) and refused[0].code == "overpayment"
    assert case.payments.count() == 1
