"""Building half-year snapshots: contents, rebuilds and their diff, a failed
build, a killed worker's leftover, two builds at once, the Celery door and
the beat schedule."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from stats import services
from stats.metrics import DEFINITION_VERSION, METRICS, Period, metric_groups
from stats.models import HalfYearSnapshot, SnapshotStatus
from stats.services import build_half_year, snapshot_diff
from stats.tasks import build_half_year_task, period_for
from tests.cases.feedback_support import penalty_case
from tests.conftest import BAZHOU, SANHE
from tests.stats.city import EXPECTED, _fast_password_hasher, build_city  # noqa: F401


@pytest.fixture(scope="session", autouse=True)
def _stats_seed_put_back(django_db_setup, django_db_blocker):
    """The transactional tests below end with a flush of every table; put the
    seeded data back at the end of the session for a --reuse-db run (as
    tests/cases/conftest.py does for its own)."""
    yield
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


def cell_values(snapshot, region=""):
    return {
        metric: (value, previous)
        for metric, value, previous in snapshot.cells.filter(region=region).values_list(
            "metric", "value", "previous"
        )
    }


@pytest.mark.django_db
def test_a_build_stores_every_metric_for_the_city_and_its_regions(manager):
    build_city()
    snapshot = build_half_year(year=2024, half=1, actor=manager)
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.progress, snapshot.is_current) == ("ready", 100, True)
    assert snapshot.definition_version == DEFINITION_VERSION
    assert snapshot.as_of is not None and snapshot.built_by == manager
    city = cell_values(snapshot)
    assert set(city) == {metric.key for metric in METRICS}
    for key, (value, previous, regions) in EXPECTED.items():
        assert city[key] == (value, previous), key
        for code, pair in regions.items():
            assert cell_values(snapshot, code)[key] == pair, (key, code)


@pytest.mark.django_db
def test_a_region_snapshot_counts_only_that_region():
    build_city()
    snapshot = build_half_year(year=2024, half=1, region_code=SANHE)
    assert snapshot.scope_region_id == SANHE
    total = cell_values(snapshot)
    assert total["penalty_cases"] == (Decimal(2), Decimal(1))
    assert total["symposiums"] == (Decimal(1), Decimal(0))  # not the city-wide one
    assert not snapshot.cells.filter(region=BAZHOU).exists()


@pytest.mark.django_db
def test_a_rebuild_after_a_late_record_replaces_the_snapshot_and_names_the_record():
    city = build_city()
    first = build_half_year(year=2024, half=1)
    # A paper decision of March entered in July.
    late = penalty_case(
        city["b1"], discovered=date(2024, 2, 1), filed=date(2024, 2, 5),
        decided=date(2024, 3, 15), fine=Decimal("20000.00"),
    )  # fmt: skip
    second = build_half_year(year=2024, half=1)
    first.refresh_from_db()
    assert second.pk != first.pk
    assert (first.is_current, second.is_current) == (False, True)
    assert HalfYearSnapshot.objects.filter(year=2024, half=1, is_current=True).get() == second
    assert cell_values(second)["penalty_cases"] == (Decimal(4), Decimal(1))
    changes = {(c["metric"], c["region"]): c for c in snapshot_diff(first, second)}
    for key in ("penalty_cases", "penalty_amount", "cases_filed"):
        for region in ("", BAZHOU):
            assert changes[(key, region)]["entered"] == [late.pk], key
            assert changes[(key, region)]["left"] == []
    assert changes[("penalty_cases", "")]["entered_count"] == 1
    assert changes[("penalty_cases", "")]["left_count"] == 0
    assert changes[("penalty_amount", "")]["value_before"] == Decimal("180000.50")
    assert changes[("penalty_amount", "")]["value_after"] == Decimal("200000.50")
    assert ("visits", "") not in changes and ("penalty_cases", SANHE) not in changes


@pytest.mark.django_db
def test_the_diff_names_at_most_its_limit_of_ids_with_the_whole_count(monkeypatch):
    city = build_city()
    first = build_half_year(year=2024, half=1)
    late = [
        penalty_case(
            city["b1"],
            discovered=date(2024, 2, 1),
            filed=date(2024, 2, day),
            decided=date(2024, 3, day),
            fine=Decimal("1000.00"),
        )
        for day in (5, 6, 7)
    ]
    second = build_half_year(year=2024, half=1)
    monkeypatch.setattr(services, "DIFF_ID_LIMIT", 2)

    changes = {(c["metric"], c["region"]): c for c in snapshot_diff(first, second)}

    change = changes[("penalty_cases", BAZHOU)]
    assert change["entered"] == sorted(case.pk for case in late)[:2]
    assert change["entered_count"] == 3
    # One region's cells only.
    county = snapshot_diff(first, second, region=BAZHOU)
    assert county and {c["region"] for c in county} == {BAZHOU}
    assert snapshot_diff(first, second, region=SANHE) == []


@pytest.mark.django_db
def test_the_id_lists_never_leave_the_database():
    """Each metric's ids go from its query straight into the cells: the build
    reads no id list back (what used to cost a province-size worker a gigabyte)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    build_city()
    with CaptureQueriesContext(connection) as queries:
        snapshot = build_half_year(year=2024, half=1)
    aggregating = [q["sql"] for q in queries.captured_queries if "array_agg" in q["sql"]]
    # One statement per group of metrics reading the same rows.
    assert len(aggregating) == len(metric_groups()) < len(METRICS)
    assert all(sql.lstrip().upper().startswith("INSERT INTO") for sql in aggregating)
    # Nor does any other statement read a list back.
    reads = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    assert reads and not [sql for sql in reads if "record_ids" in sql]
    # The stored counts are the lists' lengths.
    for ids, count, previous_ids, previous_count in snapshot.cells.values_list(
        "record_ids", "record_count", "previous_record_ids", "previous_record_count"
    ):
        assert (len(ids), len(previous_ids)) == (count, previous_count)


@pytest.mark.django_db
def test_rebuilding_twice_keeps_one_current_and_one_replaced_snapshot():
    build_city()
    for _ in range(3):
        last = build_half_year(year=2024, half=1)
    rows = HalfYearSnapshot.objects.filter(year=2024, half=1, scope_region=None)
    assert rows.count() == 2
    assert rows.get(is_current=True) == last


@pytest.mark.django_db
def test_a_killed_workers_leftover_is_taken_over():
    build_city()
    leftover = HalfYearSnapshot.objects.create(
        year=2024, half=1, status="building", progress=40, definition_version=1
    )
    # Cells its worker wrote before it died between writing them and the switch.
    leftover.cells.create(metric="penalty_cases", region="", value=99, record_ids=[1, 2, 3])
    snapshot = build_half_year(year=2024, half=1)
    assert snapshot.pk == leftover.pk
    snapshot.refresh_from_db()
    assert (snapshot.status, snapshot.progress, snapshot.is_current) == ("ready", 100, True)
    assert HalfYearSnapshot.objects.filter(year=2024, half=1).count() == 1
    assert cell_values(snapshot)["penalty_cases"] == (Decimal(3), Decimal(1))


@pytest.mark.django_db
def test_bad_periods_are_refused():
    from ecoenforce.errors import DomainError

    with pytest.raises(DomainError, match="半年"):
        build_half_year(year=2024, half=3)
    with pytest.raises(DomainError, match="不存在"):
        build_half_year(year=2024, half=1, region_code="999999")
    assert not HalfYearSnapshot.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_failed_build_leaves_the_old_snapshot_current_and_progress_is_visible(monkeypatch):
    build_city()
    old = build_half_year(year=2024, half=1)
    seen = {}
    real = services.insert_cells
    calls = []

    def failing(group, period, codes, **target):
        calls.append(group)
        if len(calls) == 6:
            # What another session sees in the middle of the build.
            other = connections.create_connection(DEFAULT_DB_ALIAS)
            try:
                with other.cursor() as cursor:
                    cursor.execute(
                        "SELECT id, status, progress, is_current FROM stats_halfyearsnapshot"
                        " WHERE year = 2024 AND half = 1 ORDER BY id"
                    )
                    seen["rows"] = cursor.fetchall()
            finally:
                other.close()
            raise RuntimeError("worker lost its database")
        return real(group, period, codes, **target)

    monkeypatch.setattr(services, "insert_cells", failing)
    with pytest.raises(RuntimeError):
        build_half_year(year=2024, half=1)
    (old_row, new_row) = seen["rows"]
    assert old_row[0] == old.pk and old_row[3] is True
    assert new_row[1] == "building" and 0 < new_row[2] < 100 and new_row[3] is False
    old.refresh_from_db()
    assert old.is_current
    failed = HalfYearSnapshot.objects.exclude(pk=old.pk).get()
    assert (failed.status, failed.is_current) == ("failed", False)
    assert "worker lost" in failed.error and not failed.cells.exists()
    # The redelivered task completes it.
    monkeypatch.setattr(services, "insert_cells", real)
    again = build_half_year(year=2024, half=1)
    assert again.is_current and again.status == SnapshotStatus.READY


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_builds_of_one_period_at_once_give_one_snapshot(monkeypatch):
    build_city()
    real = services.insert_cells

    def slow(group, period, codes, **target):
        threading.Event().wait(0.04)
        return real(group, period, codes, **target)

    monkeypatch.setattr(services, "insert_cells", slow)
    barrier = threading.Barrier(2)
    outcomes: list = [None, None]

    def work(index):
        try:
            barrier.wait(10)
            outcomes[index] = build_half_year(year=2024, half=1)
        except BaseException as exc:  # reported to the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert all(isinstance(o, HalfYearSnapshot) for o in outcomes), outcomes
    assert outcomes[0].pk == outcomes[1].pk
    snapshot = HalfYearSnapshot.objects.get(year=2024, half=1)
    assert (snapshot.status, snapshot.is_current) == ("ready", True)
    assert cell_values(snapshot)["penalty_cases"] == (Decimal(3), Decimal(1))


@pytest.mark.django_db
def test_the_task_is_a_thin_door():
    build_city()
    result = build_half_year_task.apply(args=(2024, 1, SANHE)).get()
    snapshot = HalfYearSnapshot.objects.get(is_current=True)
    assert result == {
        "snapshot": snapshot.pk,
        "period": "2024-H1",
        "region": SANHE,
        "status": "ready",
    }


def test_scheduled_periods_and_the_beat_schedule():
    assert period_for("current", date(2024, 1, 1)) == Period(2024, 1)
    assert period_for("previous", date(2024, 1, 1)) == Period(2023, 2)
    assert period_for("previous", date(2024, 7, 1)) == Period(2024, 1)
    assert period_for("current", date(2024, 12, 31)) == Period(2024, 2)
    schedule = settings.CELERY_BEAT_SCHEDULE
    previous = schedule["build-previous-half-year"]
    assert previous["args"] == ("previous",)
    assert previous["schedule"].month_of_year == {1, 7} and previous["schedule"].day_of_month == {1}
    current = schedule["build-current-half-year"]
    assert current["args"] == ("current",) and current["schedule"].hour == {1}


@pytest.mark.django_db
def test_the_grouped_statements_store_what_each_metric_alone_answers():
    """The build runs the metrics that read the same rows in one statement;
    each cell must hold what that metric's own statement answers, ids too."""
    from stats.metrics import run_metric

    build_city()
    snapshot = build_half_year(year=2024, half=1)
    stored = {
        (metric, region): (value, previous, ids, previous_ids)
        for metric, region, value, previous, ids, previous_ids in snapshot.cells.values_list(
            "metric", "region", "value", "previous", "record_ids", "previous_record_ids"
        )
    }
    alone = {
        (metric.key, cell.region): (
            cell.value,
            cell.previous,
            cell.record_ids,
            cell.previous_record_ids,
        )
        for metric in METRICS
        for cell in run_metric(metric, Period(2024, 1))
    }
    assert {key: stored[key] for key in alone} == alone
    # A region that another metric of the statement reads gets its zero cell.
    for key in stored.keys() - alone.keys():
        value, previous, ids, previous_ids = stored[key]
        assert (value or 0, previous or 0, ids, previous_ids) == (0, 0, [], []), key
    assert any(len(group) > 1 for group in metric_groups())


@pytest.mark.django_db
def test_every_county_of_the_scope_has_every_metric():
    from accounts.models import Region
    from stats.bulletin import bulletin_text

    build_city()
    snapshot = build_half_year(year=2024, half=1)
    counties = set(Region.objects.filter(level="county").values_list("code", flat=True))
    keys = {metric.key for metric in METRICS}
    cells = set(snapshot.cells.exclude(region="").values_list("metric", "region"))
    assert {(key, code) for key in keys for code in counties} <= cells
    # 安次区 had nothing at all: zeros (an average: none), no ids.
    quiet = cell_values(snapshot, "131002")
    assert quiet["penalty_cases"] == (0, 0) and quiet["service_rating_avg"] == (None, None)
    text = bulletin_text(snapshot, region_code="131002")["enforcement"]
    assert text.startswith("上半年，安次区环境违法处罚案件0件，同比持平；")
    # A county's snapshot completes its own county only.
    county = build_half_year(year=2024, half=1, region_code=SANHE)
    assert set(county.cells.values_list("region", flat=True)) == {"", SANHE}
    assert county.cells.filter(region=SANHE).count() == len(METRICS)


@pytest.mark.django_db
def test_a_county_user_requests_builds_of_their_own_county_only():
    """The rule is the service's, so the API and the dashboard apply it alike."""
    from accounts.roles import Role
    from ecoenforce.errors import Forbidden
    from tests.factories import OfficerFactory

    county = OfficerFactory(roles=[Role.MANAGER], regions=[SANHE], badge_number=None).user
    for region in (None, BAZHOU):
        with pytest.raises(Forbidden) as refused:
            services.snapshot_request(year=2024, half=1, region_code=region, actor=county)
        assert refused.value.code == "outside_scope"
    assert not HalfYearSnapshot.objects.exists()
    own = services.snapshot_request(year=2024, half=1, region_code=SANHE, actor=county)
    assert own.scope_region_id == SANHE
