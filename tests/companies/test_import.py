"""Enterprise bulk import: the service, its three doors and the Celery task."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connections
from openpyxl import Workbook

from accounts.roles import Role

# companies/admin.py registers the admin module too; importing it here keeps
# the admin tests independent of that wiring.
from companies import admin_import, imports  # noqa: F401
from companies.choices import ImportStatus
from companies.imports import ImportFileError, enterprise_import_start, import_enterprises
from companies.models import Enterprise, EnterpriseImport
from companies.services import positive_list_add
from companies.tasks import run_enterprise_import
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, OfficerFactory, make_uscc

User = get_user_model()
API_URL = "/api/v1/enterprises/import/"

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "所在县（市、区）",
    "地址",
    "行业代码",
    "法定代表人",
    "联系电话",
    "排污许可管理类别",
    "排污许可证编号",
    "环保绩效等级",
    "重点排污单位",
    "土壤污染重点监管单位",
    "涉VOCs企业",
    "危险废物产生单位",
    "纬度",
    "经度",
    "经营状态",
    "历史代码说明",
]


def uscc(n: int, region: str = SANHE) -> str:
    # Seeds from 10,000 up stay clear of EnterpriseFactory's sequence.
    return make_uscc(10_000 + n, region)


def enterprise_row(n: int, region: str = "三河市", **cells) -> dict[str, str]:
    """A valid row with Chinese headers; override any cell by its header."""
    code = uscc(n, SANHE if region in ("三河市", SANHE) else BAZHOU)
    row = {
        "统一社会信用代码": code,
        "企业名称": f"三河市导入测试{n}有限公司",
        "所在县（市、区）": region,
        "地址": f"三河市燕郊镇{n}号",
        "行业代码": "26",
        "法定代表人": "张三",
        "联系电话": "0316-3211234",
        "排污许可管理类别": "重点管理",
        "排污许可证编号": f"{code}001P",
        "环保绩效等级": "B",
        "重点排污单位": "是",
        "土壤污染重点监管单位": "否",
        "涉VOCs企业": "1",
        "危险废物产生单位": "false",
        "纬度": "39.982",
        "经度": "116.8",
        "经营状态": "在营",
        "历史代码说明": "",
    }
    row.update(cells)
    return row


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding="utf-8-sig") -> bytes:
    header = header or list(rows[0]) if rows else header or HEADER
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "") for name in header])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list], header: list[str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(data: bytes, user, name: str = "企业.csv", **kwargs):
    return import_enterprises(file=io.BytesIO(data), file_name=name, user=user, **kwargs)


def fresh(user):
    """The same account without the region scope cached on the object."""
    return User.objects.get(pk=user.pk)


@pytest.fixture(autouse=True)
def media_root_and_fast_hashing(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The personas' passwords are never checked here; PBKDF2 would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Reading files ---------------------------------------------------------------------


@pytest.mark.django_db
class TestReading:
    def test_csv_with_chinese_headers_creates_enterprises(self, inspector):
        result = run(csv_bytes([enterprise_row(1), enterprise_row(2, 联系电话="")]), inspector)
        assert (result.created, result.updated, result.error_rows) == (2, 0, 0)
        enterprise = Enterprise.objects.get(uscc=uscc(1))
        assert enterprise.name == "三河市导入测试1有限公司"
        assert enterprise.region_id == SANHE
        assert enterprise.industry_id == "26"
        assert enterprise.permit_category == "key"
        assert enterprise.permit_number == f"{uscc(1)}001P"
        assert enterprise.performance_grade == "B"
        assert enterprise.key_discharge_unit is True
        assert enterprise.key_soil_pollution_unit is False
        assert enterprise.vocs_related is True
        assert enterprise.hazardous_waste_producer is False
        assert enterprise.latitude == Decimal("39.982")
        assert enterprise.longitude == Decimal("116.8")
        assert enterprise.status == "operating"
        assert enterprise.on_positive_list is False
        assert Enterprise.objects.get(uscc=uscc(2)).contact_phone == ""

    @pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
    def test_csv_encodings(self, inspector, encoding):
        result = run(csv_bytes([enterprise_row(1)], encoding=encoding), inspector)
        assert result.created == 1
        assert Enterprise.objects.get(uscc=uscc(1)).name == "三河市导入测试1有限公司"

    def test_tab_separated_text(self, inspector):
        data = f"统一社会信用代码\t企业名称\t行政区划代码\n{uscc(1)}\t制表符企业\t131082\n"
        result = run(data.encode("utf-8"), inspector, name="企业.txt")
        assert result.created == 1

    def test_api_field_names_and_codes(self, inspector):
        rows = [
            {
                "uscc": uscc(1).lower(),
                "name": "代码企业",
                "region": SANHE,
                "industry": "C2614",
                "permit_category": "simplified",
                "permit_number": f"{uscc(1)}002Q".lower(),
                "performance_grade": "a",
                "vocs_related": "TRUE",
                "status": "suspended",
            }
        ]
        result = run(csv_bytes(rows), inspector)
        assert result.created == 1, result.errors
        enterprise = Enterprise.objects.get(uscc=uscc(1))
        assert enterprise.industry_id == "26"  # the class code falls under its division
        assert (enterprise.permit_category, enterprise.performance_grade) == ("simplified", "A")
        assert enterprise.permit_number == f"{uscc(1)}002Q"
        assert enterprise.vocs_related is True
        assert enterprise.status == "suspended"

    def test_headers_tolerate_half_width_brackets_spaces_and_required_marks(self, inspector):
        data = f"*统一社会信用代码, 企业名称 ,所在县(市、区)\n{uscc(1)},甲公司,三河市（131082）\n"
        assert run(data.encode(), inspector).created == 1

    def test_xlsx_with_chinese_headers_and_typed_cells(self, inspector):
        header = [
            "统一社会信用代码",
            "企业名称",
            "行政区划代码",
            "行业代码",
            "纬度",
            "重点排污单位",
        ]
        rows = [
            [uscc(1), "表格企业一", 131082, 26, 39.950000000000003, True],
            [None, None, None, None, None, None],  # a blank row is skipped, not refused
            [uscc(2), "表格企业二", "三河市", 6, 40.1, "否"],
        ]
        result = run(xlsx_bytes(rows, header), inspector, name="企业.xlsx")
        assert (result.total_rows, result.created, result.errors) == (2, 2, [])
        first = Enterprise.objects.get(uscc=uscc(1))
        assert (first.region_id, first.industry_id, first.latitude) == (
            SANHE,
            "26",
            Decimal("39.95"),
        )
        assert first.key_discharge_unit is True
        assert Enterprise.objects.get(uscc=uscc(2)).industry_id == "06"

    def test_xlsx_row_numbers_count_blank_rows(self, inspector):
        header = ["统一社会信用代码", "企业名称", "所在县（市、区）"]
        rows = [[uscc(1), "甲", "三河市"], [None, None, None], [uscc(2), "", "三河市"]]
        result = run(xlsx_bytes(rows, header), inspector, name="企业.xlsx")
        assert [(item["row"], item["code"]) for item in result.errors] == [(4, "required")]

    def test_unknown_columns_are_ignored_and_positive_list_is_never_written(self, inspector):
        existing = EnterpriseFactory(uscc=uscc(1), region_id=SANHE)
        positive_list_add(user=inspector, enterprise=existing, reason="守法企业")
        rows = [enterprise_row(1, 正面清单="否", 备注="x"), enterprise_row(2, 正面清单="是")]
        result = run(csv_bytes(rows), inspector)
        assert result.ignored_columns == ["正面清单", "备注"]
        assert Enterprise.objects.get(uscc=uscc(1)).on_positive_list is True
        assert Enterprise.objects.get(uscc=uscc(2)).on_positive_list is False

    def test_template_headers_are_the_import_headers(self, inspector):
        template = imports.template_csv().decode("utf-8-sig").strip().split(",")
        assert template == HEADER
        result = run(csv_bytes([enterprise_row(1)], header=template), inspector)
        assert result.created == 1


@pytest.mark.django_db
class TestFileErrors:
    @pytest.mark.parametrize(
        ("name", "data", "code", "message"),
        [
            (
                "企业.xls",
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100,
                "unsupported_file_type",
                "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
            ),
            (
                "企业.pdf",
                b"%PDF-1.7",
                "unsupported_file_type",
                "不支持的文件类型“.pdf”，请上传 CSV 或 XLSX 文件",
            ),
            ("企业.xlsx", b"not a zip", "unreadable_file", "无法读取该 Excel 文件，文件可能已损坏"),
            (
                "企业.xlsx",
                b"PK\x03\x04broken",
                "unreadable_file",
                "无法读取该 Excel 文件，文件可能已损坏",
            ),
            (
                "企业.csv",
                b"\x00\x01\x02\xff\xfe\x00",
                "unreadable_file",
                "无法识别文件编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV",
            ),
            ("企业.csv", b"", "empty_file", "文件为空：第 1 行应为表头"),
            (
                "企业.csv",
                "统一社会信用代码,地址\n".encode(),
                "missing_column",
                "缺少必填列：企业名称、所在县（市、区）（第 1 行应为表头）",
            ),
            (
                "企业.csv",
                "统一社会信用代码,企业名称,所在县（市、区）,行政区划代码\n".encode(),
                "duplicate_column",
                "表头“所在县（市、区）”与“行政区划代码”重复，同一字段只能有一列",
            ),
        ],
    )
    def test_file_is_refused_as_a_whole(self, inspector, name, data, code, message):
        with pytest.raises(ImportFileError) as exc:
            run(data, inspector, name=name)
        assert (exc.value.code, exc.value.message) == (code, message)
        assert not Enterprise.objects.exists()


# --- Row errors: each class, its message, and nothing written -----------------------------

# A row whose USCC is wrong on purpose, without a permit number that would
# then also disagree with it.
NO_PERMIT = {"排污许可管理类别": "登记管理", "排污许可证编号": ""}

ROW_ERRORS = [
    pytest.param(
        {
            "统一社会信用代码": uscc(2)[:17] + ("1" if uscc(2)[17] != "1" else "2"),
            **NO_PERMIT,
        },
        "统一社会信用代码",
        "uscc",
        "invalid_checksum",
        "统一社会信用代码校验位错误",
        id="checksum",
    ),
    pytest.param(
        {"统一社会信用代码": "91131082MA0", **NO_PERMIT},
        "统一社会信用代码",
        "uscc",
        "invalid_length",
        "统一社会信用代码应为 18 位，实际为 11 位",
        id="length",
    ),
    pytest.param(
        {"企业名称": ""}, "企业名称", "name", "required", "企业名称不能为空", id="required"
    ),
    pytest.param(
        {"企业名称": "长" * 201},
        "企业名称",
        "name",
        "max_length",
        "确保该变量包含不超过 200 字符 (目前字符数 201)。",  # Django's own message
        id="max-length",
    ),
    pytest.param(
        {"所在县（市、区）": "燕郊市"},
        "所在县（市、区）",
        "region",
        "unknown_region",
        "未找到行政区划“燕郊市”，请填写 6 位区划代码或县（市、区）全称",
        id="unknown-region",
    ),
    pytest.param(
        {"所在县（市、区）": "131000"},
        "所在县（市、区）",
        "region",
        "region_not_county",
        "企业应登记在县级行政区划，廊坊市 不是县级区划",
        id="not-county",
    ),
    pytest.param(
        {"所在县（市、区）": "霸州市"},
        "所在县（市、区）",
        "region",
        "region_out_of_scope",
        "霸州市 不在您的管辖范围内",
        id="out-of-scope",
    ),
    pytest.param(
        {"行业代码": "99"},
        "行业代码",
        "industry",
        "unknown_industry",
        "行业代码“99”不在国民经济行业分类（GB/T 4754-2017）的门类或大类中",
        id="industry",
    ),
    pytest.param(
        {"排污许可管理类别": "特别管理"},
        "排污许可管理类别",
        "permit_category",
        "invalid_choice",
        "排污许可管理类别应为重点管理、简化管理、登记管理、未纳入排污许可管理之一"
        "（或代码 key、simplified、registration、none），实际为“特别管理”",
        id="choice",
    ),
    pytest.param(
        {"排污许可证编号": ""},
        "排污许可证编号",
        "permit_number",
        "permit_number_required",
        "重点管理和简化管理的企业须填写排污许可证编号",
        id="permit-required",
    ),
    pytest.param(
        {"排污许可证编号": "91130200699229617X001P"},
        "排污许可证编号",
        "permit_number",
        "permit_uscc_mismatch",
        "排污许可证编号的前 18 位应与企业的统一社会信用代码一致",
        id="permit-holder",
    ),
    pytest.param(
        {"排污许可证编号": "ABC"},
        "排污许可证编号",
        "permit_number",
        "invalid_permit_number",
        "排污许可证编号格式应为：统一社会信用代码 + 3 位数字 + 1 位字母，如 91130200699229617X001P",
        id="permit-format",
    ),
    pytest.param(
        {"重点排污单位": "也许"},
        "重点排污单位",
        "key_discharge_unit",
        "invalid_boolean",
        "重点排污单位应填“是”或“否”（也可填 1/0、true/false），实际为“也许”",
        id="flag",
    ),
    pytest.param(
        {"纬度": "北纬39度"},
        "纬度",
        "latitude",
        "invalid_number",
        "纬度应为数字（十进制度），实际为“北纬39度”",
        id="number",
    ),
    pytest.param(
        {"纬度": "116.8", "经度": "39.9"},
        "纬度",
        "latitude",
        "latitude_out_of_range",
        "纬度应在 -90 到 90 之间，实际为 116.800000",
        id="latitude-range",
    ),
    pytest.param(
        {"环保绩效等级": "E"},
        "环保绩效等级",
        "performance_grade",
        "invalid_choice",
        "环保绩效等级应为A级、B级、C级、D级之一（或代码 A、B、C、D），实际为“E”",
        id="grade",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("cells", "column", "field", "code", "message"), ROW_ERRORS)
def test_each_row_error_is_reported_and_nothing_is_written(
    inspector, cells, column, field, code, message
):
    data = csv_bytes([enterprise_row(1), enterprise_row(2, **cells), enterprise_row(3)])
    result = run(data, inspector)
    assert result.refused
    assert result.errors == [
        {"row": 3, "column": column, "field": field, "code": code, "message": message}
    ]
    assert (result.created, result.updated, result.error_rows) == (0, 0, 1)
    assert not Enterprise.objects.exists()


@pytest.mark.django_db
class TestRowRules:
    def test_duplicate_uscc_in_the_file(self, inspector):
        rows = [enterprise_row(1), enterprise_row(2), enterprise_row(1, 企业名称="重复企业")]
        result = run(csv_bytes(rows), inspector)
        assert result.errors == [
            {
                "row": 4,
                "column": "统一社会信用代码",
                "field": "uscc",
                "code": "duplicate_in_file",
                "message": f"统一社会信用代码 {uscc(1)} 与第 2 行重复",
            }
        ]
        assert not Enterprise.objects.exists()

    def test_every_error_of_a_row_is_reported_at_once(self, inspector):
        row = enterprise_row(1, 环保绩效等级="Z", 纬度="abc", 企业名称="")
        result = run(csv_bytes([row]), inspector)
        assert [(item["column"], item["code"]) for item in result.errors] == [
            ("企业名称", "required"),
            ("环保绩效等级", "invalid_choice"),
            ("纬度", "invalid_number"),
        ]
        assert result.error_rows == 1

    def test_an_enterprise_of_another_region_cannot_be_taken_over(self, inspector):
        # The 霸州 enterprise's USCC in a 三河 row would move it into the inspector's scope.
        bazhou = EnterpriseFactory(uscc=uscc(7, BAZHOU), region_id=BAZHOU, name="霸州企业")
        row = enterprise_row(7, 统一社会信用代码=bazhou.uscc, 排污许可证编号="")
        row["排污许可管理类别"] = "登记管理"
        result = run(csv_bytes([row]), inspector)
        assert [(item["code"], item["message"]) for item in result.errors] == [
            (
                "enterprise_out_of_scope",
                f"统一社会信用代码 {bazhou.uscc} 的企业登记在霸州市，不在您的管辖范围内",
            )
        ]
        bazhou.refresh_from_db()
        assert (bazhou.region_id, bazhou.name) == (BAZHOU, "霸州企业")

    def test_legacy_code_needs_its_reason_as_by_hand(self, inspector):
        legacy = uscc(1)[:17] + ("1" if uscc(1)[17] != "1" else "2")
        rows = [enterprise_row(1, 统一社会信用代码=legacy, 排污许可证编号=f"{legacy}001P")]
        assert run(csv_bytes(rows), inspector).errors[0]["code"] == "invalid_checksum"
        rows[0]["历史代码说明"] = "2014 年试点代码，已核实"
        assert run(csv_bytes(rows), inspector).created == 1

    def test_region_scope_per_persona(self, inspector, other_inspector, administrator):
        data = csv_bytes([enterprise_row(1, region="霸州市")])
        assert run(data, inspector).errors[0]["code"] == "region_out_of_scope"
        assert run(data, other_inspector).created == 1
        assert run(data, administrator).updated == 1

    def test_command_without_user_is_a_system_import_but_still_county_only(self):
        data = csv_bytes([enterprise_row(1, region="霸州市"), enterprise_row(2, region="廊坊市")])
        result = run(data, None, partial=True)
        assert result.created == 1
        assert [item["code"] for item in result.errors] == ["region_not_county"]


# --- Partial mode and re-import -----------------------------------------------------------


@pytest.mark.django_db
class TestModes:
    def test_partial_writes_the_valid_rows_and_reports_the_rest(self, inspector):
        rows = [
            enterprise_row(1),
            enterprise_row(2, 统一社会信用代码="BAD", **NO_PERMIT),
            enterprise_row(3),
            enterprise_row(4, region="霸州市"),
        ]
        result = run(csv_bytes(rows), inspector, partial=True)
        assert not result.refused
        assert (result.created, result.updated, result.error_rows) == (2, 0, 2)
        assert [(item["row"], item["code"]) for item in result.errors] == [
            (3, "invalid_length"),
            (5, "region_out_of_scope"),
        ]
        assert set(Enterprise.objects.values_list("uscc", flat=True)) == {uscc(1), uscc(3)}

    def test_all_or_nothing_rolls_back_chunks_already_written(self, inspector):
        rows = [enterprise_row(n) for n in range(1, 6)] + [enterprise_row(6, 企业名称="")]
        result = run(csv_bytes(rows), inspector, chunk_size=2)
        assert result.refused
        assert not Enterprise.objects.exists()

    def test_reimport_updates_by_uscc_and_is_idempotent(self, inspector):
        data = csv_bytes([enterprise_row(n) for n in range(1, 4)])
        assert run(data, inspector).created == 3
        stamps = dict(Enterprise.objects.values_list("uscc", "updated_at"))
        ids = dict(Enterprise.objects.values_list("uscc", "id"))

        again = run(data, fresh(inspector))
        assert (again.created, again.updated, again.unchanged, again.errors) == (0, 3, 3, [])
        # Nothing rewritten: reporting clients pulling by updated_since see no change.
        assert dict(Enterprise.objects.values_list("uscc", "updated_at")) == stamps

        changed = csv_bytes(
            [enterprise_row(1), enterprise_row(2, 环保绩效等级="A"), enterprise_row(3)]
        )
        result = run(changed, fresh(inspector))
        assert (result.created, result.updated, result.unchanged) == (0, 3, 2)
        assert dict(Enterprise.objects.values_list("uscc", "id")) == ids
        second = Enterprise.objects.get(uscc=uscc(2))
        assert second.performance_grade == "A"
        assert second.updated_at > stamps[uscc(2)]
        assert Enterprise.objects.get(uscc=uscc(1)).updated_at == stamps[uscc(1)]

    def test_columns_left_out_or_left_empty_keep_the_stored_values(self, inspector):
        run(csv_bytes([enterprise_row(1)]), inspector)
        short = {"统一社会信用代码": uscc(1), "企业名称": "改名后", "所在县（市、区）": "三河市"}
        result = run(csv_bytes([{**short, "地址": ""}]), fresh(inspector))
        assert (result.updated, result.unchanged) == (1, 0)
        enterprise = Enterprise.objects.get(uscc=uscc(1))
        assert enterprise.name == "改名后"
        assert enterprise.address == "三河市燕郊镇1号"
        assert enterprise.permit_category == "key"

    def test_merged_row_is_checked_against_the_stored_permit(self, inspector):
        EnterpriseFactory(uscc=uscc(1), region_id=SANHE)  # registration-free, no permit number
        row = {
            "统一社会信用代码": uscc(1),
            "企业名称": "甲",
            "所在县（市、区）": "三河市",
            "排污许可管理类别": "重点管理",
        }
        result = run(csv_bytes([row]), inspector)
        assert [(item["column"], item["code"]) for item in result.errors] == [
            ("排污许可证编号", "permit_number_required")
        ]


# --- Speed: progress and query count ---------------------------------------------------------


@pytest.mark.django_db
class TestSpeed:
    def test_progress_is_reported_every_chunk(self, inspector):
        calls = []
        data = csv_bytes([enterprise_row(n) for n in range(1, 8)])
        run(data, inspector, progress=lambda done, total: calls.append((done, total)), chunk_size=3)
        assert calls == [(0, 7), (3, 7), (6, 7), (7, 7)]

    def test_query_count_does_not_grow_with_rows(self, inspector, django_assert_num_queries):
        small = csv_bytes([enterprise_row(n) for n in range(1, 51)])
        large = csv_bytes([enterprise_row(n) for n in range(51, 551)])
        # All regions; all industries; SAVEPOINT; the stored enterprises of the
        # chunk (FOR NO KEY UPDATE); the officer, the scope roots and the scope's
        # codes (once per user object); one INSERT … ON CONFLICT, absent when
        # nothing changed; RELEASE SAVEPOINT.
        runs = ((small, "created", 9), (large, "created", 9), (large, "unchanged", 8))
        for data, outcome, queries in runs:
            user = fresh(inspector)
            with django_assert_num_queries(queries):
                result = run(data, user)
            assert getattr(result, outcome) == result.total_rows


# --- The API door -------------------------------------------------------------------------


@pytest.mark.django_db
class TestApi:
    def post(self, client, data: bytes, name="企业.csv", **extra):
        return client.post(
            API_URL, {"file": SimpleUploadedFile(name, data), **extra}, format="multipart"
        )

    def test_import_answers_counts(self, api_as, inspector):
        response = self.post(api_as(inspector), csv_bytes([enterprise_row(1), enterprise_row(2)]))
        assert response.status_code == 200, response.json()
        assert response.json() == {
            "total_rows": 2,
            "created": 2,
            "updated": 0,
            "unchanged": 0,
            "error_rows": 0,
            "errors": [],
            "ignored_columns": [],
            "partial": False,
        }
        assert Enterprise.objects.count() == 2

    def test_refused_rows_answer_400_in_the_error_format(self, api_as, inspector):
        data = csv_bytes([enterprise_row(1), enterprise_row(2, region="霸州市")])
        response = self.post(api_as(inspector), data)
        assert response.status_code == 400
        assert response.json() == {
            "errors": [
                {
                    "field": "region",
                    "code": "region_out_of_scope",
                    "message": "霸州市 不在您的管辖范围内",
                    "row": 3,
                    "column": "所在县（市、区）",
                }
            ]
        }
        assert not Enterprise.objects.exists()

    def test_partial_answers_200_with_the_skipped_rows(self, api_as, inspector):
        data = csv_bytes([enterprise_row(1), enterprise_row(2, region="霸州市")])
        response = self.post(api_as(inspector), data, partial="true")
        assert response.status_code == 200
        body = response.json()
        assert (body["created"], body["error_rows"], body["partial"]) == (1, 1, True)
        assert body["errors"][0]["code"] == "region_out_of_scope"
        assert Enterprise.objects.count() == 1

    def test_xlsx_upload(self, api_as, inspector):
        data = xlsx_bytes([[uscc(1), "表格企业", "三河市"]], ["uscc", "name", "region"])
        response = self.post(api_as(inspector), data, name="企业.xlsx")
        assert response.status_code == 200
        assert response.json()["created"] == 1

    @pytest.mark.parametrize(
        ("name", "data", "code"),
        [
            ("企业.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", "unsupported_file_type"),
            ("企业.xlsx", b"PK\x03\x04oops", "unreadable_file"),
            ("企业.csv", "企业名称\n甲\n".encode(), "missing_column"),
        ],
    )
    def test_bad_file_answers_400_with_a_code(self, api_as, inspector, name, data, code):
        response = self.post(api_as(inspector), data, name=name)
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert (error["field"], error["code"], error["row"]) == ("file", code, None)

    def test_missing_file_is_400(self, api_as, inspector):
        response = api_as(inspector).post(API_URL, {}, format="multipart")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "file"

    def test_manager_cannot_import(self, api_as, manager):
        response = self.post(api_as(manager), csv_bytes([enterprise_row(1)]))
        assert response.status_code == 403
        assert not Enterprise.objects.exists()

    def test_anonymous_is_401(self, api):
        assert self.post(api, csv_bytes([enterprise_row(1)])).status_code == 401

    def test_schema_documents_the_endpoint(self, api_as, administrator):
        response = api_as(administrator).get("/api/schema/?format=json")
        operation = response.json()["paths"]["/api/v1/enterprises/import/"]["post"]
        assert "multipart/form-data" in operation["requestBody"]["content"]
        assert set(operation["responses"]) >= {"200", "400"}


# --- The management command -----------------------------------------------------------------


@pytest.mark.django_db
class TestCommand:
    def write(self, tmp_path, rows, name="企业.csv"):
        path = tmp_path / name
        path.write_bytes(csv_bytes(rows))
        return path

    def test_imports_and_prints_progress_and_summary(self, tmp_path):
        path = self.write(tmp_path, [enterprise_row(n) for n in range(1, 6)])
        out = io.StringIO()
        call_command("import_enterprises", str(path), "--progress-every", "2", stdout=out)
        output = out.getvalue()
        assert "共 5 行，开始导入" in output
        assert "已处理 2/5 行（40%）" in output
        assert "已处理 5/5 行（100%）" in output
        assert "导入完成：新增 5 家，更新 0 家（其中 0 家无变化），跳过 0 行" in output
        assert Enterprise.objects.count() == 5

    def test_refused_rows_exit_non_zero_with_the_report(self, tmp_path):
        path = self.write(tmp_path, [enterprise_row(1), enterprise_row(2, 企业名称="")])
        out = io.StringIO()
        with pytest.raises(CommandError, match="1 行未通过校验，整个文件未导入"):
            call_command("import_enterprises", str(path), stdout=out)
        assert "第 3 行［企业名称］ 企业名称不能为空（required）" in out.getvalue()
        assert not Enterprise.objects.exists()

    def test_partial_and_user_scope(self, tmp_path, inspector):
        path = self.write(tmp_path, [enterprise_row(1), enterprise_row(2, region="霸州市")])
        out = io.StringIO()
        call_command(
            "import_enterprises",
            str(path),
            "--partial",
            "--user",
            inspector.username,
            stdout=out,
        )
        assert "第 3 行［所在县（市、区）］ 霸州市 不在您的管辖范围内" in out.getvalue()
        assert list(Enterprise.objects.values_list("uscc", flat=True)) == [uscc(1)]

    def test_unknown_user_and_bad_file(self, tmp_path):
        path = self.write(tmp_path, [enterprise_row(1)])
        with pytest.raises(CommandError, match="账号 nobody 不存在"):
            call_command("import_enterprises", str(path), "--user", "nobody")
        bad = tmp_path / "企业.xls"
        bad.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
        with pytest.raises(CommandError, match="unsupported_file_type"):
            call_command("import_enterprises", str(bad))


# --- Stored imports: the service behind the admin, and the Celery task ------------------------


def upload(rows, name="企业.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows))


@pytest.mark.django_db
class TestStoredImport:
    def test_start_stores_the_file_and_queues_the_task_on_commit(
        self, inspector, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1)]), partial=False
            )
        assert record.status == ImportStatus.PENDING
        assert record.file_name == "企业.csv"
        assert record.file.read().startswith(b"\xef\xbb\xbf")
        assert len(callbacks) == 1
        assert not Enterprise.objects.exists()  # nothing runs before the commit

    def test_task_runs_the_import_and_records_the_outcome(
        self, inspector, django_capture_on_commit_callbacks
    ):
        rows = [enterprise_row(1), enterprise_row(2), enterprise_row(3, region="霸州市")]
        with django_capture_on_commit_callbacks(execute=True):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload(rows), partial=True
            )
        record.refresh_from_db()
        assert record.status == ImportStatus.SUCCEEDED
        assert (record.total_rows, record.processed_rows, record.progress) == (3, 3, 100)
        assert (record.created_count, record.updated_count, record.error_count) == (2, 0, 1)
        assert record.report[0]["code"] == "region_out_of_scope"
        assert record.finished_at is not None

        # Run twice (a redelivered task): the finished import is left alone.
        Enterprise.objects.filter(uscc=uscc(1)).delete()
        assert run_enterprise_import.delay(record.pk).get()["status"] == "succeeded"
        assert not Enterprise.objects.filter(uscc=uscc(1)).exists()

    def test_refused_file_is_failed_with_its_report(
        self, inspector, django_capture_on_commit_callbacks
    ):
        rows = [enterprise_row(1), enterprise_row(2, 企业名称="")]
        with django_capture_on_commit_callbacks(execute=True):
            record = enterprise_import_start(user=inspector, uploaded_file=upload(rows))
        record.refresh_from_db()
        assert record.status == ImportStatus.FAILED
        assert (record.created_count, record.error_count) == (0, 1)
        assert record.report[0]["message"] == "企业名称不能为空"
        assert not Enterprise.objects.exists()

    def test_unreadable_file_is_failed_with_the_reason(
        self, inspector, django_capture_on_commit_callbacks
    ):
        bad = SimpleUploadedFile("企业.csv", "名称\n甲\n".encode())
        with django_capture_on_commit_callbacks(execute=True):
            record = enterprise_import_start(user=inspector, uploaded_file=bad)
        record.refresh_from_db()
        assert record.status == ImportStatus.FAILED
        assert record.report[0]["code"] == "missing_column"

    def test_an_import_running_elsewhere_is_not_run_again(
        self, inspector, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1)])
            )
        other_worker = connections.create_connection("default")
        try:
            with other_worker.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [imports._LOCK_CLASS, record.pk])
            assert imports.enterprise_import_run(import_id=record.pk).status == "pending"
            assert not Enterprise.objects.exists()
            with other_worker.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [imports._LOCK_CLASS, record.pk]
                )
        finally:
            other_worker.close()
        assert imports.enterprise_import_run(import_id=record.pk).status == "succeeded"

    def test_an_import_whose_officer_is_gone_is_not_run_without_a_scope(
        self, inspector, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1, region="霸州市")])
            )
        inspector.is_active = False
        inspector.save(update_fields=["is_active"])
        record = imports.enterprise_import_run(import_id=record.pk)
        assert record.status == ImportStatus.FAILED
        assert record.report[0]["code"] == "importer_gone"
        assert not Enterprise.objects.exists()

    def test_a_lost_file_fails_the_import(self, inspector, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1)])
            )
        record.file.storage.delete(record.file.name)
        record = imports.enterprise_import_run(import_id=record.pk)
        assert (record.status, record.report[0]["code"]) == (ImportStatus.FAILED, "file_missing")

    def test_wrong_file_type_is_refused_at_upload(self, inspector):
        with pytest.raises(ImportFileError):
            enterprise_import_start(
                user=inspector, uploaded_file=SimpleUploadedFile("企业.docx", b"PK")
            )
        assert not EnterpriseImport.objects.exists()

    def test_transient_error_is_retried(self, inspector, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1)])
            )
        real = imports.import_enterprises
        calls = []

        def flaky(**kwargs):
            calls.append(1)
            if len(calls) == 1:
                raise OperationalError("server closed the connection unexpectedly")
            return real(**kwargs)

        # apply(throw=False) lets eager Celery follow the retry, as a worker would.
        with mock.patch.object(imports, "import_enterprises", flaky):
            run_enterprise_import.apply(args=[record.pk], throw=False)
        record.refresh_from_db()
        assert len(calls) == 2
        assert (record.status, record.created_count) == (ImportStatus.SUCCEEDED, 1)

    def test_a_task_that_gives_up_marks_the_import_failed(
        self, inspector, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=False):
            record = enterprise_import_start(
                user=inspector, uploaded_file=upload([enterprise_row(1)])
            )
        with (
            mock.patch.object(imports, "import_enterprises", side_effect=RuntimeError("bug")),
            pytest.raises(RuntimeError),
        ):
            run_enterprise_import.delay(record.pk)
        record.refresh_from_db()
        assert record.status == ImportStatus.FAILED
        assert record.report[0]["code"] == "not_run"


@pytest.fixture(scope="module", autouse=True)
def _seed_data_put_back(django_db_setup, django_db_blocker):
    """Load the seeded rows (regions, industries, role groups) again after this module.

    The transactional test below ends, as such tests do, with a flush of
    every table; with --reuse-db the next run would find them gone.
    """
    yield
    from django.db import connection

    contents = getattr(connection, "_test_serialized_contents", None)
    if contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


# Committed rows, as a worker sees them: no transaction around the test.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_progress_is_visible_to_other_sessions_while_the_import_runs(settings, tmp_path):
    """The admin page reads the row on another connection while the import's
    transaction is still open: it sees the progress move, not the rows."""
    seen: list[tuple[int, int, str]] = []
    seen_enterprises: list[int] = []
    observer = connections.create_connection("default")
    real_write = imports._ProgressWriter.__call__

    def write_and_observe(self, processed, total):
        real_write(self, processed, total)
        with observer.cursor() as cursor:
            cursor.execute(
                "SELECT processed_rows, total_rows, status FROM companies_enterpriseimport "
                "WHERE id = %s",
                [self.import_id],
            )
            seen.append(cursor.fetchone())
            cursor.execute("SELECT count(*) FROM companies_enterprise")
            seen_enterprises.append(cursor.fetchone()[0])

    user = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE]).user
    record = EnterpriseImport.objects.create(file_name="企业.csv", created_by=user)
    record.file.save("企业.csv", upload([enterprise_row(n) for n in range(1, 6)]))
    try:
        with (
            mock.patch.object(imports._ProgressWriter, "__call__", write_and_observe),
            mock.patch.object(imports, "CHUNK_SIZE", 2),
        ):
            record = imports.enterprise_import_run(import_id=record.pk)
    finally:
        observer.close()
    assert seen == [(0, 5, "running"), (2, 5, "running"), (4, 5, "running"), (5, 5, "running")]
    # All or nothing: the rows appear only when the import commits.
    assert seen_enterprises == [0, 0, 0, 0]
    assert (record.status, record.created_count) == (ImportStatus.SUCCEEDED, 5)
    assert Enterprise.objects.count() == 5


# --- The admin door ---------------------------------------------------------------------------


@pytest.mark.django_db
class TestAdmin:
    ADD_URL = "/admin/companies/enterpriseimport/add/"

    def test_upload_runs_the_import_and_shows_progress_and_report(
        self, client, administrator, django_capture_on_commit_callbacks
    ):
        client.force_login(administrator)
        assert client.get(self.ADD_URL).status_code == 200
        rows = [enterprise_row(1), enterprise_row(2, 统一社会信用代码="BAD", **NO_PERMIT)]
        # The task is queued on commit of the admin's transaction, before the redirect.
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(self.ADD_URL, {"file": upload(rows), "partial": "on"})
        record = EnterpriseImport.objects.get()
        assert response.status_code == 302
        assert response.url == f"/admin/companies/enterpriseimport/{record.pk}/change/"
        response = client.get(response.url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "已上传“企业.csv”，正在导入" in page
        assert 'id="import-progress"' in page
        assert "导入完成：新增 1 家，更新 0 家，跳过有错误的 1 行（部分导入）" in page
        assert "第 3 行" in page
        assert "统一社会信用代码应为 18 位，实际为 3 位" in page
        assert (record.created_by, record.partial, record.status) == (
            administrator,
            True,
            ImportStatus.SUCCEEDED,
        )
        assert Enterprise.objects.filter(uscc=uscc(1)).exists()

        progress = client.get(f"/admin/companies/enterpriseimport/{record.pk}/progress/")
        assert progress.json() == {
            "status": "succeeded",
            "status_label": "已完成",
            "total_rows": 2,
            "processed_rows": 2,
            "progress": 100,
            "finished": True,
        }

    def test_wrong_file_type_is_refused_by_the_form(self, client, administrator):
        client.force_login(administrator)
        response = client.post(
            self.ADD_URL, {"file": SimpleUploadedFile("企业.xls", b"\xd0\xcf\x11\xe0\xa1\xb1")}
        )
        assert response.status_code == 200
        assert "不支持旧版 Excel（.xls）文件" in response.content.decode()
        assert not EnterpriseImport.objects.exists()

    def test_running_import_page_polls_for_progress(self, client, inspector):
        record = EnterpriseImport.objects.create(
            file_name="企业.csv",
            created_by=inspector,
            status=ImportStatus.RUNNING,
            total_rows=4000,
            processed_rows=1000,
        )
        client.force_login(inspector)
        page = client.get(f"/admin/companies/enterpriseimport/{record.pk}/change/")
        content = page.content.decode()
        assert 'data-finished="0"' in content
        assert f"/admin/companies/enterpriseimport/{record.pk}/progress/" in content
        assert "已处理 1000 / 4000 行（25%）" in content
        assert (
            client.get(f"/admin/companies/enterpriseimport/{record.pk}/progress/").json()[
                "progress"
            ]
            == 25
        )

    def test_officers_see_only_their_own_imports(
        self, client, inspector, other_inspector, administrator
    ):
        mine = EnterpriseImport.objects.create(file_name="我的.csv", created_by=inspector)
        theirs = EnterpriseImport.objects.create(file_name="别人的.csv", created_by=other_inspector)
        client.force_login(inspector)
        listing = client.get("/admin/companies/enterpriseimport/").content.decode()
        assert "我的.csv" in listing
        assert "别人的.csv" not in listing
        assert (
            client.get(f"/admin/companies/enterpriseimport/{theirs.pk}/progress/").status_code
            == 404
        )
        assert (
            client.get(f"/admin/companies/enterpriseimport/{mine.pk}/progress/").status_code == 200
        )
        client.force_login(administrator)
        listing = client.get("/admin/companies/enterpriseimport/").content.decode()
        assert "我的.csv" in listing and "别人的.csv" in listing

    def test_imports_are_read_only_and_managers_cannot_upload(self, client, inspector, manager):
        record = EnterpriseImport.objects.create(file_name="企业.csv", created_by=inspector)
        client.force_login(inspector)
        page = client.get(f"/admin/companies/enterpriseimport/{record.pk}/change/")
        assert 'name="_save"' not in page.content.decode()
        client.force_login(manager)
        assert client.get(self.ADD_URL).status_code == 403

    def test_template_download(self, client, inspector):
        client.force_login(inspector)
        response = client.get("/admin/companies/enterpriseimport/template.csv")
        assert response.status_code == 200
        assert response.content.decode("utf-8-sig").strip().split(",") == HEADER
