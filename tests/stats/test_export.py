"""The XLSX export of a snapshot: every cell, the city first, and the bulletin."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from openpyxl import load_workbook

from accounts.roles import Role
from stats.export import HEADERS, snapshot_xlsx
from stats.models import HalfYearSnapshot, SnapshotCell, SnapshotStatus
from tests.conftest import BAZHOU, SANHE
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/half-years/2024-H1/export.xlsx"


@pytest.fixture
def snapshot():
    snapshot = HalfYearSnapshot.objects.create(
        year=2024,
        half=1,
        status=SnapshotStatus.READY,
        progress=100,
        definition_version=1,
        is_current=True,
    )
    rows = [
        ("penalty_cases", "", 52, 87),
        ("penalty_cases", SANHE, 30, 50),
        ("penalty_cases", BAZHOU, 22, 37),
        ("penalty_amount", "", Decimal("1835000.00"), Decimal("2085000.00")),
        ("penalty_amount", BAZHOU, Decimal("35000.50"), 0),
    ]
    SnapshotCell.objects.bulk_create(
        SnapshotCell(snapshot=snapshot, metric=m, region=r, value=v, previous=p)
        for m, r, v, p in rows
    )
    return snapshot


def _sheets(data: bytes):
    workbook = load_workbook(BytesIO(data))
    return workbook["统计数据"], workbook["公报文字"]


def test_the_workbook_lists_every_cell_city_first_with_the_change(snapshot):
    cells, text = _sheets(snapshot_xlsx(snapshot))

    rows = list(cells.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert rows[1] == ("环境违法处罚案件", "penalty_cases", "件", "全市", None, 52, 87, -35, -40.2)
    assert rows[2][3:6] == ("霸州市", BAZHOU, 22)
    assert rows[3][3:6] == ("三河市", SANHE, 30)
    assert rows[4] == (
        "处罚金额",
        "penalty_amount",
        "元",
        "全市",
        None,
        1835000,
        2085000,
        -250000,
        -12.0,
    )
    # Last year zero: a change in yuan but no percentage.
    assert rows[5][5:] == (35000.5, 0, 35000.5, None)
    assert cells["F5"].number_format == "#,##0.00"
    assert cells["F2"].number_format == "#,##0"
    assert cells.column_dimensions["A"].width == 24

    paragraphs = {row[0]: row[1] for row in text.iter_rows(min_row=2, values_only=True)}
    assert paragraphs["执法"].startswith("上半年，全市环境违法处罚案件52件，同比下降40.2%；")


def test_the_export_endpoint_answers_xlsx_to_a_manager(snapshot, manager, api_as):
    response = api_as(manager).get(URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    cells, _ = _sheets(response.content)
    assert cells.max_row == 6


def test_a_county_manager_gets_only_their_region_rows(snapshot, api_as):
    county = OfficerFactory(roles=[Role.MANAGER], regions=[SANHE], badge_number=None).user

    assert api_as(county).get(URL, {"region": BAZHOU}).status_code == 404
    response = api_as(county).get(URL, {"region": SANHE})

    assert response.status_code == 200
    cells, text = _sheets(response.content)
    rows = list(cells.iter_rows(min_row=2, values_only=True))
    assert [(row[1], row[4]) for row in rows] == [("penalty_cases", SANHE)]
    assert text["B2"].value.startswith("上半年，三河市环境违法处罚案件30件，同比下降40.0%")
    # Naming no region reads their county, as the detail does.
    default = api_as(county).get(URL)
    assert default.status_code == 200
    default_cells, _ = _sheets(default.content)
    assert list(default_cells.iter_rows(min_row=2, values_only=True)) == rows
    assert SANHE in default["Content-Disposition"]


def test_a_monitoring_platform_may_not_export(snapshot, monitoring_platform, api_as):
    assert api_as(monitoring_platform).get(URL).status_code == 403


def test_a_period_without_a_snapshot_is_404(manager, api_as):
    assert api_as(manager).get(URL).status_code == 404
