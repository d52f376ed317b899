"""Case numbers: ``<prefix>〔<year>〕<n>号``, assigned at filing, a sequence per
filing year that is unique, gap-free and never reused."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from cases import workflow
from cases.models import CaseNumberCounter, CaseTransition, PenaltyCase
from ecoenforce.errors import DomainError
from tests.factories import case_walk

# Transactional tests: their threads need committed rows; the seed data is
# restored before each of them (serialized_rollback) and after the session.
COMMITTED = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def file(case, approver, on):
    return workflow.case_transition(case=case, to="filed", actor=approver, on=on)


@pytest.mark.django_db
def test_the_number_reads_prefix_year_and_sequence(case, approver, settings):
    settings.ECOENFORCE_CASE_NUMBER_PREFIX = "廊环罚"
    case = file(case, approver, date(2024, 5, 9))
    assert (case.number, case.number_year, case.number_sequence) == ("廊环罚〔2024〕1号", 2024, 1)


@pytest.mark.django_db
def test_the_prefix_comes_from_the_settings(case, approver, settings):
    settings.ECOENFORCE_CASE_NUMBER_PREFIX = "三环罚"
    assert file(case, approver, date(2024, 5, 9)).number == "三环罚〔2024〕1号"


@pytest.mark.django_db
def test_no_number_before_filing_nor_when_not_filed(case, approver):
    assert case.number is None
    case = workflow.case_transition(
        case=case, to="not_filed", actor=approver, on=date(2024, 5, 8), data={"reason": "不属实"}
    )
    assert case.number is None
    assert not CaseNumberCounter.objects.exists()


@pytest.mark.django_db
def test_each_filing_year_has_its_own_sequence(make_case, approver):
    first = file(make_case(discovered_on=date(2024, 12, 2)), approver, date(2024, 12, 5))
    second = file(make_case(discovered_on=date(2024, 12, 20)), approver, date(2024, 12, 30))
    # Discovered in 2024, filed in 2025: the filing year names the number.
    third = file(make_case(discovered_on=date(2024, 12, 27)), approver, date(2025, 1, 3))
    fourth = file(make_case(discovered_on=date(2025, 1, 6)), approver, date(2025, 1, 7))
    assert [c.number for c in (first, second, third, fourth)] == [
        "廊环罚〔2024〕1号",
        "廊环罚〔2024〕2号",
        "廊环罚〔2025〕1号",
        "廊环罚〔2025〕2号",
    ]
    assert dict(CaseNumberCounter.objects.values_list("year", "last")) == {2024: 2, 2025: 2}


@pytest.mark.django_db
def test_a_refused_filing_takes_no_number(make_case, approver):
    late = make_case(discovered_on=date(2024, 4, 1))
    with pytest.raises(DomainError) as refused:
        file(late, approver, date(2024, 5, 9))  # 15 days have passed
    assert refused.value.code == "filing_deadline_passed"
    late.refresh_from_db()
    assert late.number in (None, "") and late.status == "clue"
    assert file(make_case(), approver, date(2024, 5, 9)).number == "廊环罚〔2024〕1号"


@pytest.mark.django_db
def test_a_filing_that_fails_after_taking_its_number_gives_it_back(
    make_case, approver, monkeypatch
):
    create = CaseTransition.objects.create

    def fail(**kwargs):
        raise IntegrityError("history row refused")

    failing = make_case()
    monkeypatch.setattr(CaseTransition.objects, "create", fail)
    with pytest.raises(IntegrityError):
        file(failing, approver, date(2024, 5, 9))
    monkeypatch.setattr(CaseTransition.objects, "create", create)
    failing.refresh_from_db()
    assert (failing.status, failing.number) == ("clue", None)
    assert file(make_case(), approver, date(2024, 5, 9)).number == "廊环罚〔2024〕1号"
    assert file(failing, approver, date(2024, 5, 10)).number == "廊环罚〔2024〕2号"


@pytest.mark.django_db
def test_a_number_stays_with_its_case_and_is_never_reused(make_case, approver):
    first = case_walk(make_case(), "investigating", approver=approver)
    workflow.case_transition(
        case=first,
        to="transferred",
        actor=approver,
        on=date(2024, 5, 12),
        data={"transfer_kind": "police", "reason": "涉嫌环境犯罪"},
    )
    second = file(make_case(), approver, date(2024, 5, 12))
    assert PenaltyCase.objects.get(pk=first.pk).number == "廊环罚〔2024〕1号"
    assert second.number == "廊环罚〔2024〕2号"


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number(make_case, approver):
    taken = file(make_case(), approver, date(2024, 5, 9))
    other = make_case()
    other.number, other.number_year, other.number_sequence = "重复", 2024, taken.number_sequence
    with pytest.raises(IntegrityError), transaction.atomic():
        other.save()


# --- concurrent filings, on separate PostgreSQL connections ----------------------------


@COMMITTED
def test_concurrent_filings_get_unique_gap_free_numbers(make_case, approver, in_threads):
    cases = [make_case(discovered_on=date(2025, 3, 3)) for _ in range(8)]

    def filings(batch):
        return lambda: [file(case, approver, date(2025, 3, 10)).number for case in batch]

    outcomes = in_threads(*(filings(cases[i::4]) for i in range(4)))

    for outcome in outcomes:
        assert not isinstance(outcome, BaseException), repr(outcome)
    numbers = [number for batch in outcomes for number in batch]
    assert sorted(numbers) == sorted(f"廊环罚〔2025〕{n}号" for n in range(1, 9))
    stored = PenaltyCase.objects.filter(number_year=2025).values_list("number_sequence", flat=True)
    assert sorted(stored) == list(range(1, 9))
    assert CaseNumberCounter.objects.get(year=2025).last == 8


@COMMITTED
def test_concurrent_filings_with_failures_leave_no_gap(
    make_case, approver, in_threads, monkeypatch
):
    cases = [make_case(discovered_on=date(2025, 3, 3)) for _ in range(8)]
    failing = {cases[1].pk, cases[6].pk}
    create = CaseTransition.objects.create

    def create_or_fail(**kwargs):
        if kwargs["case"].pk in failing:
            raise IntegrityError("history row refused")
        return create(**kwargs)

    monkeypatch.setattr(CaseTransition.objects, "create", create_or_fail)

    def filings(batch):
        def work():
            results = []
            for case in batch:
                try:
                    results.append(file(case, approver, date(2025, 3, 10)).number_sequence)
                except IntegrityError:
                    results.append(None)
            return results

        return work

    outcomes = in_threads(*(filings(cases[i::4]) for i in range(4)))

    for outcome in outcomes:
        assert not isinstance(outcome, BaseException), repr(outcome)
    sequences = [n for batch in outcomes for n in batch if n is not None]
    assert sorted(sequences) == list(range(1, 7))
    assert CaseNumberCounter.objects.get(year=2025).last == 6
    assert set(PenaltyCase.objects.filter(number__isnull=True).values_list("pk", flat=True)) == (
        failing
    )
