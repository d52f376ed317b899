"""``stats/half-years/``: starting a build, reading a period, the records behind
a number, the changes of a rebuild; roles, region scope, the broker down."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import override_settings

from accounts.roles import Role
from stats.models import HalfYearSnapshot
from stats.services import build_half_year
from tests.cases.feedback_support import penalty_case
from tests.conftest import BAZHOU, SANHE
from tests.factories import OfficerFactory
from tests.stats.city import EXPECTED, _fast_password_hasher, build_city  # noqa: F401

pytestmark = pytest.mark.django_db

API = "/api/v1/stats/half-years/"
DETAIL = f"{API}2024-H1/"
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"


@pytest.fixture
def sanhe_approver(db):
    return OfficerFactory(name="三河负责人", roles=[Role.APPROVER], regions=[SANHE]).user


@pytest.fixture
def city():
    records = build_city()
    build_half_year(year=2024, half=1)
    return records


def rendered(key, number):
    if number is None:
        return None
    return f"{number:.2f}" if key in ("penalty_amount", "service_rating_avg") else int(number)


def test_a_manager_starts_a_build_and_reads_the_period(
    api_as, manager, django_capture_on_commit_callbacks
):
    build_city()
    client = api_as(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(API, {"year": 2024, "half": 1}, format="json")
    assert response.status_code == 202, response.content
    assert response.json()["url"].endswith(DETAIL)
    body = client.get(DETAIL).json()
    assert (body["status"], body["progress"]) == ("ready", 100)
    assert body["definition_version"] == 1 and body["as_of"]
    for key, (value, previous, _) in EXPECTED.items():
        metric = body["metrics"][key]
        assert (metric["value"], metric["previous"]) == (
            rendered(key, value),
            rendered(key, previous),
        ), key
    assert body["metrics"]["penalty_cases"] == {
        "value": 3,
        "previous": 1,
        "change": 2,
        "change_pct": "200.0",
        "unit": "件",
        "label": "环境违法处罚案件",
    }
    # No percentage against a zero previous value.
    assert body["metrics"]["waived_cases"]["change_pct"] is None
    assert body["metrics"]["penalty_amount"]["change"] == "140000.50"
    assert body["metrics"]["service_rating_avg"]["change_pct"] == "44.3"
    assert set(body["bulletin"]) == {"enforcement", "service"}
    assert "全市" in body["bulletin"]["enforcement"]


def test_the_detail_reads_a_fixed_number_of_queries(
    api_as, manager, city, django_assert_num_queries
):
    client = api_as(manager)
    client.get(DETAIL)  # warm the content types and permission caches of the user
    # (api_as authenticates the user object, whose officer, permissions and
    # region scope are cached by the first request.) 1 the user's role
    # groups, 2 the snapshots of the period, 3 its cells, 4 the bulletin's cells.
    with django_assert_num_queries(4):
        response = client.get(DETAIL)
    assert response.status_code == 200


def test_a_region_of_the_city(api_as, manager, city):
    body = api_as(manager).get(DETAIL, {"region": BAZHOU}).json()
    assert body["region"] == BAZHOU
    assert body["metrics"]["penalty_cases"]["value"] == 1
    assert body["metrics"]["symposiums"] == {
        "value": 0,
        "previous": 1,
        "change": -1,
        "change_pct": "-100.0",
        "unit": "次",
        "label": "政企座谈会",
    }
    assert "霸州" in body["bulletin"]["enforcement"]


def test_a_county_user_reads_only_their_county(api_as, sanhe_approver, city):
    client = api_as(sanhe_approver)
    body = client.get(DETAIL).json()
    assert body["region"] == SANHE
    assert body["metrics"]["penalty_cases"]["value"] == 2
    assert body["metrics"]["penalty_amount"]["value"] == "150000.50"
    assert client.get(DETAIL, {"region": BAZHOU}).status_code == 404
    assert client.get(f"{DETAIL}cells/penalty_cases/", {"region": BAZHOU}).status_code == 404
    ids = {row["id"] for row in client.get(f"{DETAIL}cells/penalty_cases/").json()["results"]}
    assert ids == {city["c1"].pk, city["c2"].pk}


def test_city_staff_whose_scope_names_the_city_read_the_whole_city(api_as, city):
    # As the demo's city detachment: the unit's region is the city itself.
    manager = OfficerFactory(roles=[Role.MANAGER], regions=["131000"], badge_number=None).user
    client = api_as(manager)
    whole = client.get(DETAIL).json()
    assert whole["region"] is None
    assert whole["metrics"]["penalty_cases"]["value"] == EXPECTED["penalty_cases"][0]
    # Naming the city reads the same total; the records behind it are the city's.
    named = client.get(DETAIL, {"region": "131000"}).json()
    assert named["metrics"] == whole["metrics"]
    cells = client.get(f"{DETAIL}cells/penalty_cases/", {"region": "131000"}).json()
    assert cells["count"] == EXPECTED["penalty_cases"][0]


def test_a_city_of_a_province_reads_its_own_snapshot_only(api_as, city):
    from accounts.models import Region
    from accounts.services import region_upsert

    region_upsert(
        code="130100", name="石家庄市", level="city", parent=Region.objects.get(code="130000")
    )
    region_upsert(
        code="130102", name="长安区", level="county", parent=Region.objects.get(code="130100")
    )
    manager = OfficerFactory(roles=[Role.MANAGER], regions=["131000"], badge_number=None).user
    client = api_as(manager)

    # The installation's snapshot has no cell for a city: build one for it.
    assert client.get(DETAIL).status_code == 404
    build_half_year(year=2024, half=1, region_code="131000")
    body = client.get(DETAIL).json()
    assert body["region"] == "131000"
    assert body["metrics"]["penalty_cases"]["value"] == EXPECTED["penalty_cases"][0]
    assert client.get(DETAIL, {"region": SANHE}).json()["metrics"]["penalty_cases"]["value"] == 2


def test_roles(api, api_as, inspector, reporting_client, sanhe_approver, administrator, city):
    assert api.get(DETAIL).status_code == 401
    assert api_as(inspector).get(DETAIL).status_code == 403
    assert api_as(reporting_client).get(DETAIL).status_code == 200
    assert api_as(sanhe_approver).get(DETAIL).status_code == 200
    for user in (reporting_client, sanhe_approver):
        assert api_as(user).post(API, {"year": 2024, "half": 1}, format="json").status_code == 403
    response = api_as(administrator).post(API, {"year": 2024, "half": 3}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "half"


def test_unknown_and_unbuilt_periods_are_404(api_as, manager, city):
    client = api_as(manager)
    assert client.get(f"{API}2023-H2/").status_code == 404
    assert client.get(f"{DETAIL}cells/no_such_metric/").status_code == 404
    assert client.get(DETAIL, {"region": "999999"}).status_code == 404


def test_the_records_behind_a_number(api_as, manager, city):
    client = api_as(manager)
    url = f"{DETAIL}cells/penalty_cases/"
    page = client.get(url, {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    first = page["results"][0]
    assert first["id"] == min(city[name].pk for name in ("c1", "c2", "c3"))
    assert first["number"] and first["enterprise"]["name"] and first["amount"]
    previous = client.get(url, {"previous": "true"}).json()
    assert [row["id"] for row in previous["results"]] == [city["c6"].pk]
    visits = client.get(f"{DETAIL}cells/policy_cards/").json()
    assert visits["count"] == 2 and {"date", "kind"} <= set(visits["results"][0])


def test_the_cells_list_reads_a_fixed_number_of_queries(
    api_as, manager, city, django_assert_num_queries
):
    client = api_as(manager)
    url = f"{DETAIL}cells/penalty_cases/"
    client.get(url)
    # 1 the user's role groups, 2 the snapshots, 3 the cell's count, 4 the
    # page's slice of its ids, 5 the page of records with their enterprise
    # (the region scope is cached on the user object, as in the test above);
    # the count does not grow with the page size.
    for size in (1, 3):
        with django_assert_num_queries(5):
            assert client.get(url, {"page_size": size}).status_code == 200


def test_the_changes_of_a_rebuild_name_the_late_record(api_as, manager, city):
    late = penalty_case(
        city["b1"], discovered=date(2024, 2, 1), filed=date(2024, 2, 5),
        decided=date(2024, 3, 15), fine=Decimal("20000.00"),
    )  # fmt: skip
    build_half_year(year=2024, half=1)
    body = api_as(manager).get(f"{DETAIL}changes/").json()
    assert body["before"] and body["after"] != body["before"]
    change = next(c for c in body["changes"] if (c["metric"], c["region"]) == ("penalty_cases", ""))
    assert change["entered"] == [late.pk] and change["left"] == []
    assert (change["value_before"], change["value_after"]) == ("3.00", "4.00")


def test_the_list(api_as, manager, sanhe_approver, city):
    build_half_year(year=2024, half=1, region_code=BAZHOU)
    rows = api_as(manager).get(API).json()["results"]
    assert {(row["period"], row["region"]) for row in rows} == {
        ("2024-H1", None),
        ("2024-H1", BAZHOU),
    }
    rows = api_as(sanhe_approver).get(API).json()["results"]
    assert [(row["period"], row["region"]) for row in rows] == [("2024-H1", None)]


@override_settings(CELERY_BROKER_URL=CLOSED_PORT_URL, CELERY_TASK_ALWAYS_EAGER=False)
def test_503_when_the_broker_is_down(api_as, manager):
    response = api_as(manager).post(API, {"year": 2024, "half": 1}, format="json")
    assert response.status_code == 503
    assert response.json()["errors"][0]["message"].startswith("任务队列")
    assert not HalfYearSnapshot.objects.exists()


def test_a_page_of_a_large_cell_reads_only_that_slice_of_its_ids(city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from stats.models import HalfYearSnapshot, SnapshotCell
    from stats.selectors import CellIds

    snapshot = HalfYearSnapshot.objects.get(is_current=True, scope_region=None)
    SnapshotCell.objects.create(
        snapshot=snapshot,
        metric="offsite_records",
        region="131099",
        value=100_000,
        previous=0,
        record_ids=list(range(1, 100_001)),
        record_count=100_000,
    )
    ids = CellIds(snapshot, metric="offsite_records", region="131099")
    with CaptureQueriesContext(connection) as queries:
        assert ids.count() == 100_000 and len(ids) == 100_000
        assert ids[50:55] == [51, 52, 53, 54, 55]
        assert ids[99_998:100_005] == [99_999, 100_000]
        assert ids[7:7] == []
    # The database cuts the slice (1-based, inclusive); the list never travels whole.
    assert any("[51:55]" in q["sql"] for q in queries.captured_queries)
    assert CellIds(snapshot, metric="offsite_records", region="131099", previous=True).count() == 0
