"""Personas and cases for the penalty-case tests: the approver (负责人) and the
legal reviewer (法制审核) of 三河, a second 三河 inspector, and a case clue
of a 三河 enterprise handled by the two inspectors."""

from __future__ import annotations

from datetime import date

import pytest

from accounts.roles import Role
from tests.conftest import SANHE
from tests.factories import OfficerFactory, PenaltyCaseFactory

# Certificates of the personas run to the end of 2027, past every date used.
CERTIFICATE_VALID_UNTIL = date(2027, 12, 31)


@pytest.fixture(scope="session", autouse=True)
def _seed_data_put_back(django_db_setup, django_db_blocker):
    """Put the seed data back at the end of the session.

    A test with ``django_db(transaction=True, serialized_rollback=True)`` (the
    concurrency tests, whose threads need committed rows) starts from the data
    the migrations seeded (regions, role groups, the working-day calendar, the
    violation library) and ends with a flush of every table. With --reuse-db
    the next run would then find the kept database empty, so the same copy is
    loaded once more after the last test.
    """
    yield
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


@pytest.fixture
def in_threads():
    """``in_threads(f, g, …)`` runs each callable in a thread of its own, with its
    own database connection (closed at the end), released together by a
    barrier; answers what each returned or raised, in order."""
    import threading

    from django.db import connections

    def run(*functions, timeout: float = 60):
        barrier = threading.Barrier(len(functions))
        outcomes: list = [None] * len(functions)

        def work(index, function):
            try:
                barrier.wait(timeout)
                outcomes[index] = function()
            except BaseException as exc:  # reported to the test, not lost in the thread
                outcomes[index] = exc
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=work, args=(index, function))
            for index, function in enumerate(functions)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout)
        assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
        return outcomes

    return run


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Every persona is a user with a password; the production hasher's
    deliberate slowness would dominate these tests' run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def approver(db):
    return OfficerFactory(
        name="三河负责人",
        roles=[Role.APPROVER],
        regions=[SANHE],
        certificate_valid_until=CERTIFICATE_VALID_UNTIL,
    ).user


@pytest.fixture
def legal_reviewer(db):
    return OfficerFactory(
        name="三河法制审核员",
        roles=[Role.LEGAL_REVIEWER],
        regions=[SANHE],
        certificate_valid_until=CERTIFICATE_VALID_UNTIL,
    ).user


@pytest.fixture
def colleague(db):
    """The inspector's partner on the case (two officers act together)."""
    return OfficerFactory(
        name="三河检查员乙",
        roles=[Role.INSPECTOR],
        regions=[SANHE],
        certificate_valid_until=CERTIFICATE_VALID_UNTIL,
    ).user


@pytest.fixture
def make_case(sanhe_enterprise, inspector, colleague):
    """``make_case(**fields)``: a clue of the 三河 enterprise, discovered on
    2024-05-06 unless given, handled by ``inspector`` and ``colleague``."""

    def make(**fields):
        fields.setdefault("enterprise", sanhe_enterprise)
        fields.setdefault("officers", [inspector.officer, colleague.officer])
        return PenaltyCaseFactory(**fields)

    return make


@pytest.fixture
def case(make_case):
    return make_case()


def case_snapshot(case) -> dict:
    """Everything a refused step must leave as it was: the case row and its
    history, events, payments, measures and evidence, and the number counters."""
    from cases.models import CaseNumberCounter, PenaltyCase

    row = PenaltyCase.objects.filter(pk=case.pk).values().get()
    row.pop("updated_at")
    return {
        "case": row,
        "officers": sorted(case.officers.values_list("pk", flat=True)),
        "violations": list(case.violations.values_list("violation_type__code", "facts")),
        "transitions": case.transitions.count(),
        "events": case.events.count(),
        "payments": case.payments.count(),
        "measures": list(case.measures.values()),
        "evidence": case.evidence.count(),
        "counters": list(CaseNumberCounter.objects.order_by("year").values_list("year", "last")),
    }


@pytest.fixture
def refused():
    """``with refused(case, "code", error=ConflictError, message="…"):`` expects the
    block to raise ``error`` with that code (and a message containing
    ``message``), and checks that nothing of the case was written."""
    from contextlib import contextmanager

    from ecoenforce.errors import DomainError

    @contextmanager
    def expect(case, code: str, *, error=DomainError, message: str | None = None):
        before = case_snapshot(case)
        with pytest.raises(error) as excinfo:
            yield excinfo
        assert excinfo.value.code == code, excinfo.value.message
        if message is not None:
            assert message in excinfo.value.message
        assert case_snapshot(case) == before

    return expect
