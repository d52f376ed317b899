"""Two platforms, or two officers, at the same moment, each on a PostgreSQL
connection of its own: overlapping batches store each record once and answer
the same ids; two triage decisions on one record, one wins and the other 409."""

from __future__ import annotations

import time

import pytest

from cases import offsite_services
from cases.models import OffsiteRecord
from ecoenforce.errors import ConflictError
from tests.cases.offsite_support import make_record, record_item

# Their threads need committed rows; the seed data is restored before each
# test (serialized_rollback) and after the session (tests/cases/conftest.py).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_overlapping_batches_store_each_record_once(
    monitoring_platform, sanhe_enterprise, in_threads
):
    shared = [record_item(sanhe_enterprise, n) for n in range(2000)]
    # The same records in opposite orders, each after records of its own: in
    # the order given, each INSERT would hold keys the other one waits for.
    first = [record_item(sanhe_enterprise, 10_000 + n) for n in range(100)] + shared
    second = [record_item(sanhe_enterprise, 20_000 + n) for n in range(100)] + shared[::-1]

    def send(items):
        return lambda: offsite_services.offsite_bulk_ingest(actor=monitoring_platform, items=items)

    one, two = in_threads(send(first), send(second))
    assert not isinstance(one, Exception), one
    assert not isinstance(two, Exception), two
    assert one.errors == [] and two.errors == []
    assert one.ids[100:] == two.ids[100:][::-1]
    assert one.created + two.created == 2200
    assert OffsiteRecord.objects.count() == 2200


@pytest.fixture
def slow_triage(monkeypatch):
    """Hold each triage for a moment after it has locked the record, so that the
    other thread's triage starts while the first is still in its transaction."""
    moment = offsite_services._triage_moment

    def slow(record, on, now):
        time.sleep(0.3)
        return moment(record, on, now)

    monkeypatch.setattr(offsite_services, "_triage_moment", slow)


def test_two_decisions_on_one_record_one_wins(
    sanhe_enterprise, inspector, colleague, in_threads, slow_triage
):
    record = make_record(sanhe_enterprise)

    def dismiss():
        return offsite_services.offsite_triage(
            record=record,
            actor=inspector,
            to="dismissed",
            reason="误报",
            dismissal_reason="false_alarm",
        ).status

    def rectified():
        return offsite_services.offsite_triage(
            record=record,
            actor=colleague,
            to="rectified_online",
            reason="已整改",
            enterprise_response="更换滤袋",
        ).status

    outcomes = in_threads(dismiss, rectified)
    conflicts = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(conflicts) == 1, outcomes
    assert conflicts[0].code == "illegal_transition"
    winner = next(o for o in outcomes if not isinstance(o, Exception))
    record.refresh_from_db()
    assert record.status == winner
    assert record.triage_steps.count() == 1
