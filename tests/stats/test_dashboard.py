"""The managers' dashboard: scope, links to the records, local assets, builds."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import Role
from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus
from tests.cases.feedback_support import penalty_case
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
PERIOD = {"year": 2024, "half": 1}


@pytest.fixture
def cases():
    sanhe = penalty_case(
        EnterpriseFactory(region_id=SANHE),
        discovered=date(2024, 2, 1),
        filed=date(2024, 2, 5),
        decided=date(2024, 3, 10),
        fine=Decimal("50000"),
    )
    bazhou = penalty_case(
        EnterpriseFactory(region_id=BAZHOU),
        discovered=date(2024, 2, 1),
        filed=date(2024, 2, 5),
        decided=date(2024, 4, 10),
        fine=Decimal("30000"),
    )
    return sanhe, bazhou


@pytest.fixture
def snapshot(cases):
    sanhe, bazhou = cases
    snapshot = HalfYearSnapshot.objects.create(
        **PERIOD,
        status=SnapshotStatus.READY,
        progress=100,
        definition_version=1,
        is_current=True,
    )
    rows = [
        ("penalty_cases", "", 2, 1, [sanhe.pk, bazhou.pk]),
        ("penalty_cases", SANHE, 1, 1, [sanhe.pk]),
        ("penalty_cases", BAZHOU, 1, 0, [bazhou.pk]),
        ("penalty_amount", "", Decimal("80000"), Decimal("40000"), [sanhe.pk, bazhou.pk]),
        ("penalty_amount", SANHE, Decimal("50000"), Decimal("40000"), [sanhe.pk]),
        ("penalty_amount", BAZHOU, Decimal("30000"), 0, [bazhou.pk]),
    ]
    SnapshotCell.objects.bulk_create(
        SnapshotCell(
            snapshot=snapshot,
            metric=m,
            region=r,
            value=v,
            previous=p,
            record_ids=ids,
            record_count=len(ids),
        )
        for m, r, v, p, ids in rows
    )
    return snapshot


@pytest.fixture
def county_manager(db):
    return OfficerFactory(
        name="三河统计", roles=[Role.MANAGER], regions=[SANHE], badge_number=None
    ).user


def _kpi(html: str, metric: str) -> str:
    match = re.search(rf'data-metric="{metric}">(.*?)</div>\s*</div>', html, re.S)
    assert match, metric
    return match.group(1)


def test_a_manager_sees_the_city_cards_with_change_and_links(snapshot, cases, manager, client):
    client.force_login(manager)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    card = _kpi(html, "penalty_cases")
    ids = ",".join(str(case.pk) for case in cases).replace(",", "%2C")
    assert f'href="/admin/cases/penaltycase/?id__in={ids}"' in card
    assert ">2件</a>" in card
    assert "▲ 同比增长100.0%" in card
    assert "kpi-up" in card
    amount = _kpi(html, "penalty_amount")
    assert ">8.0万元</a>" in amount and "上年同期" in amount and ">4.0万元</a>" in amount
    assert "上半年，全市环境违法处罚案件2件，同比增长100.0%" in html
    assert "统计看板" in html  # the sidebar entry


def test_a_region_with_nothing_last_year_shows_the_absolute_change(snapshot, manager, client):
    client.force_login(manager)

    html = client.get(URL, {**PERIOD, "region": BAZHOU}).content.decode()

    assert "▲ 同比增加1件" in _kpi(html, "penalty_cases")
    assert "▲ 同比增加3.0万元" in _kpi(html, "penalty_amount")


def test_the_record_links_open_the_admin_list_of_those_records(snapshot, cases, manager, client):
    client.force_login(manager)
    html = client.get(URL, PERIOD).content.decode()
    link = re.search(r'href="(/admin/cases/penaltycase/\?id__in=[^"]+)"', html).group(1)

    response = client.get(link.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response.context["cl"].result_count == 2


def test_assets_are_served_locally(snapshot, manager, client):
    client.force_login(manager)
    html = client.get(URL, PERIOD).content.decode()

    assert re.search(r'(src|href)="https?://', html) is None
    assert '<script src="/static/stats/vendor/echarts-5.6.0.common.min.js"></script>' in html


def test_a_county_manager_sees_only_their_region(snapshot, cases, county_manager, client):
    client.force_login(county_manager)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    html = response.content.decode()
    assert "霸州市" not in html
    card = _kpi(html, "penalty_cases")
    assert f"id__in={cases[0].pk}" in card and ">1件</a>" in card
    assert "上半年，三河市环境违法处罚案件1件，同比持平" in html
    assert client.get(URL, {**PERIOD, "region": BAZHOU}).status_code == 404


def test_an_inspector_may_not_open_the_dashboard(snapshot, inspector, client):
    client.force_login(inspector)

    assert client.get(URL, PERIOD).status_code == 403


def test_a_period_without_a_snapshot_renders_with_the_build_button(manager, client):
    client.force_login(manager)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    assert "该统计期尚无统计快照" in response.content.decode()
    assert "重新生成" in response.content.decode()


def test_the_progress_json_reports_a_running_build(manager, county_manager, client):
    running = HalfYearSnapshot.objects.create(
        **PERIOD, status=SnapshotStatus.BUILDING, progress=40, definition_version=1
    )
    client.force_login(manager)

    page = client.get(URL, PERIOD).content.decode()
    response = client.get(f"/dashboard/builds/{running.pk}/progress/")

    assert f'data-progress-url="/dashboard/builds/{running.pk}/progress/"' in page
    assert response.json() == {
        "id": running.pk,
        "period": "2024-H1",
        "region": None,
        "status": "building",
        "status_label": "生成中",
        "progress": 40,
        "done": False,
        "error": "",
    }
    client.force_login(county_manager)
    assert client.get(f"/dashboard/builds/{running.pk}/progress/").status_code == 404


def test_an_approver_reads_but_may_not_start_a_build(snapshot, client):
    approver = OfficerFactory(name="负责人", roles=[Role.APPROVER]).user
    client.force_login(approver)

    page = client.get(URL, PERIOD)
    build = client.post("/dashboard/build/", PERIOD)

    assert page.status_code == 200
    assert "重新生成" not in page.content.decode()
    assert build.status_code == 403
    assert not HalfYearSnapshot.objects.exclude(pk=snapshot.pk).exists()


def test_a_manager_starts_a_build_and_the_page_polls_its_progress(manager, client):
    client.force_login(manager)

    response = client.post("/dashboard/build/", PERIOD)

    pending = HalfYearSnapshot.objects.get(year=2024, half=1, status=SnapshotStatus.PENDING)
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/?year=2024&half=1&build={pending.pk}"
    page = client.get(response["Location"]).content.decode()
    assert f'data-progress-url="/dashboard/builds/{pending.pk}/progress/"' in page
    assert client.get(f"/dashboard/builds/{pending.pk}/progress/").json()["status"] == "pending"


def test_a_county_manager_builds_their_own_region(county_manager, client):
    client.force_login(county_manager)

    assert client.post("/dashboard/build/", PERIOD).status_code == 403
    assert client.post("/dashboard/build/", {**PERIOD, "region": BAZHOU}).status_code == 404
    response = client.post("/dashboard/build/", {**PERIOD, "region": SANHE})

    assert response.status_code == 302
    assert HalfYearSnapshot.objects.get().scope_region_id == SANHE


def test_a_cell_with_many_records_links_to_the_dashboards_records_list(
    monkeypatch, snapshot, cases
):
    from stats import dashboard_views

    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 1)
    cells = {(c.metric, c.region): c for c in dashboard_views.linked_cells(snapshot)}

    # Two records: more than a URL may carry here, so the paginated list.
    assert dashboard_views.cell_url(snapshot, cells[("penalty_cases", "")]) == (
        "/dashboard/records/2024-H1/penalty_cases/"
    )
    assert dashboard_views.cell_url(snapshot, cells[("penalty_cases", BAZHOU)]).endswith(
        f"?id__in={cases[1].pk}"
    )
    # One record (and none last year): the admin list of exactly that record.
    sanhe, _ = cases
    assert dashboard_views.cell_url(snapshot, cells[("penalty_cases", SANHE)]).endswith(
        f"?id__in={sanhe.pk}"
    )
    assert dashboard_views.cell_url(
        snapshot, cells[("penalty_cases", SANHE)], previous=True
    ).endswith("?id__in=0")


def test_the_dashboard_does_not_read_the_id_lists_of_large_cells(monkeypatch, snapshot):
    from stats import dashboard_views

    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 1)
    cell = next(
        c
        for c in dashboard_views.linked_cells(snapshot)
        if (c.metric, c.region) == ("penalty_cases", "")
    )
    assert cell.small_ids is None
    assert "record_ids" in cell.get_deferred_fields()


@pytest.fixture
def built_city():
    from stats.services import build_half_year
    from tests.stats.city import build_city

    records = build_city()
    build_half_year(year=2024, half=1)
    return records


def _funnel(client, **query) -> dict:
    response = client.get(URL, {**PERIOD, **query})
    assert response.status_code == 200
    return {stage["name"]: stage for stage in response.context["charts"]["funnel"]}


def test_the_funnel_splits_the_onsite_stage_by_the_cells_own_records(built_city, manager, client):
    client.force_login(manager)

    funnel = _funnel(client)

    # Fixture city, 2024-H1: one record turned into an inspection (三河), one into a case (霸州).
    assert funnel["转现场检查"]["value"] == 1 and funnel["转立案查处"]["value"] == 1
    response = client.get(funnel["转现场检查"]["url"])
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    assert "id__in=" in funnel["转立案查处"]["url"]
    county = _funnel(client, region=SANHE)
    assert county["转现场检查"]["value"] == 1 and county["转立案查处"]["value"] == 0


def test_a_large_funnel_stage_links_to_the_filtered_list(monkeypatch, built_city, manager, client):
    from stats import dashboard_views

    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 0)
    client.force_login(manager)

    url = _funnel(client, region=BAZHOU)["转立案查处"]["url"]

    assert "id__in" not in url and "status=case_opened" in url and "region__in" in url
    response = client.get(url)
    assert response.status_code == 200 and response.context["cl"].result_count == 1


def test_numbers_with_too_many_ids_for_a_url_link_to_the_same_records_by_filter(
    monkeypatch, cases, manager, client
):
    """Categories and the conversion figures of a province run to thousands of
    records: their links then filter the admin list by the selector's own
    definition, and the list holds exactly the number's records."""
    from stats import dashboard_views
    from tests.cases.feedback_support import finding, inspection, offsite

    enterprise = EnterpriseFactory(region_id=SANHE)
    found = offsite(enterprise, date(2024, 2, 1), 1, status="inspection_requested")
    clean = offsite(enterprise, date(2024, 2, 2), 2, status="inspection_requested")
    offsite(enterprise, date(2024, 2, 3), 3, status="dismissed")
    offsite(EnterpriseFactory(region_id=BAZHOU), date(2024, 2, 4), 4, status="inspection_requested")
    finding(inspection(enterprise, date(2024, 2, 5), trigger="offsite", offsite_record=found))
    inspection(enterprise, date(2024, 2, 6), trigger="offsite", offsite_record=clean)
    from stats.services import build_half_year

    build_half_year(**PERIOD)
    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 0)
    client.force_login(manager)

    def listed(url: str) -> int:
        assert "id__in" not in url
        response = client.get(url)
        assert response.status_code == 200
        return response.context["cl"].result_count

    context = client.get(URL, {**PERIOD, "region": SANHE}).context
    conversion = context["conversion"]
    assert (conversion["turned"]["value"], conversion["found"]["value"]) == (2, 1)
    assert listed(conversion["turned"]["url"]) == 2
    assert listed(conversion["found"]["url"]) == 1
    (category,) = context["charts"]["categories"]
    assert category["value"] == 1 and listed(category["url"]) == 1
    city = client.get(URL, PERIOD).context
    assert listed(city["conversion"]["turned"]["url"]) == 3
    assert listed(city["charts"]["categories"][0]["url"]) == 2
    assert city["fine_spread"]
    for row in city["fine_spread"]:
        assert listed(row["url"]) == row["count"]
    march = city["charts"]["trend"]["series"][0]["data"][2]  # 处罚案件, this year, March
    assert march["value"] == 1 and listed(march["url"]) == 1


def _records_link(client, monkeypatch, **query) -> str:
    from stats import dashboard_views

    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 1)
    html = client.get(URL, {**PERIOD, **query}).content.decode()
    card = _kpi(html, "penalty_cases")
    return re.search(r'href="(/dashboard/records/[^"]+)"', card).group(1).replace("&amp;", "&")


def test_a_large_number_opens_the_dashboards_own_list_of_its_records(
    monkeypatch, snapshot, cases, manager, client
):
    client.force_login(manager)
    link = _records_link(client, monkeypatch)
    assert link == "/dashboard/records/2024-H1/penalty_cases/"

    response = client.get(link)

    assert response.status_code == 200
    html = response.content.decode()
    for case in cases:
        assert f'href="/admin/cases/penaltycase/{case.pk}/change/"' in html
    assert "计入的记录共 2 条" in html and "三河市" in html and "霸州市" in html
    assert "环境违法处罚案件：全市，2024年上半年" in html


def test_the_records_list_pages_with_a_fixed_number_of_queries(
    monkeypatch, snapshot, cases, manager, client, django_assert_num_queries
):
    from stats import dashboard_views

    client.force_login(manager)
    url = "/dashboard/records/2024-H1/penalty_cases/"
    client.get(url)
    # session, user, its two permission sets (may read the dashboard), officer
    # and regions (scope), snapshots, the cell's count, the page's slice of
    # ids, the records with their enterprise, the region names: the same for
    # every page and size.
    for size, page, rows in ((1, 1, 1), (1, 2, 1), (50, 1, 2)):
        monkeypatch.setattr(dashboard_views, "RECORDS_PER_PAGE", size)
        with django_assert_num_queries(11):
            response = client.get(url, {"page": page})
        assert response.status_code == 200
        assert len(response.context["rows"]) == rows
        if size == 1:
            assert f"第 {page} / 2 页" in response.content.decode()
    monkeypatch.setattr(dashboard_views, "RECORDS_PER_PAGE", 1)
    first = client.get(url, {"page": 1}).content.decode()
    assert f"/admin/cases/penaltycase/{min(c.pk for c in cases)}/change/" in first


def test_the_records_list_keeps_to_the_readers_regions(snapshot, cases, county_manager, client):
    client.force_login(county_manager)
    url = "/dashboard/records/2024-H1/penalty_cases/"
    sanhe, bazhou = cases

    own = client.get(url).content.decode()  # their county by default

    assert f"/{sanhe.pk}/change/" in own and f"/{bazhou.pk}/change/" not in own
    assert client.get(url, {"region": BAZHOU}).status_code == 404
    assert client.get(url, {"previous": "1"}).status_code == 200
    assert client.get("/dashboard/records/2024-H1/no_such_metric/").status_code == 404
    assert client.get("/dashboard/records/2024-H3/penalty_cases/").status_code == 404
    assert client.get("/dashboard/records/2023-H1/penalty_cases/").status_code == 404


def test_an_inspector_may_not_open_the_records_list(snapshot, inspector, client):
    client.force_login(inspector)
    assert client.get("/dashboard/records/2024-H1/penalty_cases/").status_code == 403


def test_a_county_snapshots_total_links_to_that_countys_records(
    monkeypatch, cases, county_manager, client
):
    from stats import dashboard_views

    sanhe, _ = cases
    other = penalty_case(
        EnterpriseFactory(region_id=SANHE),
        discovered=date(2024, 2, 1),
        filed=date(2024, 2, 5),
        decided=date(2024, 5, 10),
        fine=Decimal("10000"),
    )
    county = HalfYearSnapshot.objects.create(
        **PERIOD, scope_region_id=SANHE, status="ready", definition_version=1, is_current=True
    )
    ids = sorted([sanhe.pk, other.pk])
    county.cells.create(
        metric="penalty_cases", region="", value=2, previous=0, record_ids=ids, record_count=2
    )
    monkeypatch.setattr(dashboard_views, "MAX_IDS_IN_URL", 1)
    client.force_login(county_manager)

    link = _records_link(client, monkeypatch)

    assert link == f"/dashboard/records/2024-H1/penalty_cases/?region={SANHE}"
    html = client.get(link).content.decode()
    assert "计入的记录共 2 条" in html and f"/{other.pk}/change/" in html


def test_city_staff_whose_scope_names_the_city_see_the_whole_city(snapshot, cases, client):
    # The demo's city detachment: its scope is the city, i.e. the whole installation.
    manager = OfficerFactory(roles=[Role.MANAGER], regions=["131000"], badge_number=None).user
    client.force_login(manager)

    response = client.get(URL, PERIOD)

    assert response.context["region"] is None and response.context["city_wide"]
    assert ">2件</a>" in _kpi(response.content.decode(), "penalty_cases")
    build = client.post("/dashboard/build/", PERIOD)
    assert build.status_code == 302
    assert HalfYearSnapshot.objects.filter(scope_region=None).count() == 2
