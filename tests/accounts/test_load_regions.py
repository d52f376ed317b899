"""``manage.py load_regions``: another city's or a province's GB/T 2260 codes from a CSV file."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import Region
from accounts.roles import Role
from accounts.selectors import visible_region_codes
from accounts.services import region_upsert
from ecoenforce.errors import DomainError
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db

HEBEI_CITIES = Path(settings.BASE_DIR) / "accounts" / "data" / "hebei_cities.csv"


def load(tmp_path: Path, text: str, *args, encoding: str = "utf-8") -> str:
    path = tmp_path / "regions.csv"
    path.write_bytes(text.encode(encoding))
    out = StringIO()
    call_command("load_regions", str(path), *args, stdout=out)
    return out.getvalue()


def tree(*codes: str) -> dict[str, tuple[str, str | None, str]]:
    return {
        region.code: (region.level, region.parent_id, region.path)
        for region in Region.objects.filter(code__in=codes)
    }


def test_the_shipped_hebei_file_loads_the_eleven_cities_under_the_province():
    out = StringIO()
    call_command("load_regions", str(HEBEI_CITIES), stdout=out)

    cities = Region.objects.filter(parent_id="130000", level="city")
    assert sorted(cities.values_list("code", flat=True)) == [f"13{n:02d}00" for n in range(1, 12)]
    assert Region.objects.get(code="130600").name == "保定市"
    assert Region.objects.get(code="130100").path == "130000/130100/"
    # 河北省 and 廊坊市 were seeded by the migration and are left as they were.
    assert "新增 10 个，更新 0 个，未变 2 个（共 12 行）" in out.getvalue()
    assert Region.objects.get(code="131082").path == "130000/131000/131082/"


def test_loading_twice_changes_nothing():
    call_command("load_regions", str(HEBEI_CITIES), stdout=StringIO())
    count = Region.objects.count()
    out = StringIO()
    call_command("load_regions", str(HEBEI_CITIES), stdout=out)
    assert Region.objects.count() == count
    assert "新增 0 个，更新 0 个，未变 12 个" in out.getvalue()


def test_parents_are_inferred_from_the_codes(tmp_path):
    load(
        tmp_path,
        # Children before parents, no header, no parent column.
        "140105,小店区\n140100,太原市\n140000,山西省\n140202,城区\n140200,大同市\n",
    )
    assert tree("140000", "140100", "140105", "140200", "140202") == {
        "140000": ("province", None, "140000/"),
        "140100": ("city", "140000", "140000/140100/"),
        "140105": ("county", "140100", "140000/140100/140105/"),
        "140200": ("city", "140000", "140000/140200/"),
        "140202": ("county", "140200", "140000/140200/140202/"),
    }


def test_a_municipality_district_hangs_from_the_municipality_when_no_city_node_is_given(
    tmp_path,
):
    load(tmp_path, "code,name\n110000,北京市\n110101,东城区\n110105,朝阳区\n")
    assert tree("110101", "110105") == {
        "110101": ("county", "110000", "110000/110101/"),
        "110105": ("county", "110000", "110000/110105/"),
    }


def test_a_municipality_district_uses_the_city_node_when_the_file_has_one(tmp_path):
    load(tmp_path, "code,name\n110000,北京市\n110100,市辖区\n110101,东城区\n")
    assert tree("110101")["110101"] == ("county", "110100", "110000/110100/110101/")


def test_a_county_level_city_governed_by_the_province(tmp_path):
    load(tmp_path, "420000,湖北省\n429004,仙桃市\n")
    assert tree("429004")["429004"] == ("county", "420000", "420000/429004/")


def test_an_explicit_parent_wins_over_the_inferred_one(tmp_path):
    load(
        tmp_path,
        "code,name,parent\n420000,湖北省,\n429000,省直辖县级行政区划,\n429004,仙桃市,429000\n",
    )
    assert tree("429000", "429004") == {
        "429000": ("city", "420000", "420000/429000/"),
        "429004": ("county", "429000", "420000/429000/429004/"),
    }


def test_a_county_of_a_city_already_in_the_system(tmp_path):
    load(tmp_path, "131099,测试新区\n")
    assert tree("131099")["131099"] == ("county", "131000", "130000/131000/131099/")


def test_a_gbk_file_from_a_spreadsheet_is_read(tmp_path):
    load(tmp_path, "区划代码,名称\r\n130100,石家庄市\r\n130102,长安区\r\n", encoding="gbk")
    assert Region.objects.get(code="130102").name == "长安区"


def test_a_missing_parent_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(CommandError) as exc:
        load(tmp_path, "320100,南京市\n320102,玄武区\n")
    assert "第 1 行：320100 南京市 的上级区划 320000 既不在文件中，也不在系统中" in str(exc.value)
    assert not Region.objects.filter(code__startswith="32").exists()


def test_bad_rows_are_reported_by_line_and_nothing_is_written(tmp_path):
    with pytest.raises(CommandError) as exc:
        load(tmp_path, "140000,山西省\n14010,太原市\n140200,\n140000,山西\n")
    message = str(exc.value)
    assert "第 2 行：区划代码应为 6 位数字，实际为 '14010'" in message
    assert "第 3 行：140200 缺少名称" in message
    assert "第 4 行：140000 与第 1 行重复" in message
    assert not Region.objects.filter(code="140000").exists()


def test_a_parent_cycle_is_refused(tmp_path):
    with pytest.raises(CommandError, match="上级关系成环"):
        load(tmp_path, "code,name,parent\n140100,太原市,140200\n140200,大同市,140100\n")
    assert not Region.objects.filter(code__in=["140100", "140200"]).exists()


def test_dry_run_writes_nothing(tmp_path):
    out = load(tmp_path, "140000,山西省\n140100,太原市\n", "--dry-run")
    assert "行政区划将导入：新增 2 个" in out
    assert not Region.objects.filter(code="140000").exists()


def test_a_province_scope_covers_the_loaded_cities(tmp_path):
    load(tmp_path, "130100,石家庄市\n130102,长安区\n")
    # The province takes in every county of the installation: unrestricted.
    province = OfficerFactory(roles=[Role.INSPECTOR], regions=["130000"])
    assert visible_region_codes(province.user) is None
    # A city of it no longer does once another city is loaded.
    city = OfficerFactory(roles=[Role.INSPECTOR], regions=["131000"])
    codes = visible_region_codes(city.user)
    assert {"131000", "131082"} <= codes and not {"130100", "130102"} & codes


def test_moving_a_region_moves_the_paths_below_it():
    region_upsert(code="140000", name="山西省", level="province", parent=None)
    shanxi = Region.objects.get(code="140000")
    # A city filed under the wrong province by mistake, then corrected.
    city = region_upsert(
        code="140100", name="太原市", level="city", parent=Region.objects.get(code="130000")
    )
    region_upsert(code="140105", name="小店区", level="county", parent=city)
    assert Region.objects.get(code="140105").path == "130000/140100/140105/"

    region_upsert(code="140100", name="太原市", level="city", parent=shanxi)

    assert Region.objects.get(code="140100").path == "140000/140100/"
    assert Region.objects.get(code="140105").path == "140000/140100/140105/"
    assert Region.objects.get(code="131082").path == "130000/131000/131082/"


def test_a_region_cannot_be_moved_under_its_own_descendant():
    with pytest.raises(DomainError) as exc:
        region_upsert(
            code="131000", name="廊坊市", level="city", parent=Region.objects.get(code="131082")
        )
    assert exc.value.code == "region_cycle"
    assert Region.objects.get(code="131000").parent_id == "130000"
