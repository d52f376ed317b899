"""Benchmark: the enterprise bulk import against a hand-written COPY baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecoenforce \\
        .venv/bin/python bench/import_enterprises.py [--rows 10000] [--out DIR] [--keep-db]

The database DATABASE_URL names is never touched: the bench creates a scratch
database beside it on the same server (its name plus ``_import_bench``),
migrates it, measures, and drops it again (``--keep-db`` keeps it for a look).

It generates a deterministic file of valid enterprises spread over Langfang's
ten counties, as CSV (UTF-8 with BOM, Chinese headers, counties by name), as
XLSX laid out as Excel and WPS save it (shared strings) and as XLSX written by
openpyxl (inline strings, which openpyxl reads more slowly), and a second CSV
in which every row has changed. Then it times, as a city-level officer whose
region scope is checked on every row:

1. the service (``companies.imports.import_enterprises``) on the CSV into an
   empty table: inserts;
2. the service on the changed CSV: updates;
3. the service on the changed CSV again: nothing to write;
4. the service on each XLSX into an empty table: inserts;

and a baseline that does the least a hand-written script could: read the same
CSV, map county names and labels to codes, ``COPY`` the rows into a temporary
table and ``INSERT … ON CONFLICT (uscc) DO UPDATE`` them, without validating
anything, first into an empty table, then with the changed file.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import secrets
import sys
import tempfile
import time
import zipfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

COUNTIES = {
    "131002": "安次区",
    "131003": "广阳区",
    "131022": "固安县",
    "131023": "永清县",
    "131024": "香河县",
    "131025": "大城县",
    "131026": "文安县",
    "131028": "大厂回族自治县",
    "131081": "霸州市",
    "131082": "三河市",
}
INDUSTRIES = ["13", "14", "17", "22", "25", "26", "27", "29", "30", "31", "33", "34", "36", "44"]
TRADES = ["化工", "钢管", "家具", "印刷", "包装", "食品", "建材", "塑料", "金属制品", "电子"]
PERMITS = ["重点管理", "简化管理", "登记管理", "未纳入排污许可管理"]
GRADES = ["A", "B", "C", "D", ""]
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
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"


def scratch_url(database_url: str) -> tuple[str, str, str]:
    """(scratch URL, scratch name, maintenance URL) on the server of ``database_url``."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/") or "postgres"
    scratch = f"{name}_import_bench"
    return (
        urlunsplit(parts._replace(path=f"/{scratch}")),
        scratch,
        urlunsplit(parts._replace(path="/postgres")),
    )


def generate(rows: int, seed: int = 20240630) -> tuple[list[list[str]], list[list[str]]]:
    """The rows of the first file and of the changed one, same USCCs in the same order."""
    from companies.validators import USCC_CHARSET, uscc_check_char

    rng = random.Random(seed)
    codes = list(COUNTIES)
    seen: set[str] = set()
    first, changed = [], []
    while len(first) < rows:
        region = codes[len(first) % len(codes)]
        body = "91" + region + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
        uscc = body + uscc_check_char(body)
        if uscc in seen:
            continue
        seen.add(uscc)
        n = len(first) + 1
        permit = rng.choice(PERMITS)
        number = (
            f"{uscc}{rng.randint(1, 3):03d}{rng.choice('PUVW')}" if permit in PERMITS[:2] else ""
        )
        county = COUNTIES[region]
        row = [
            uscc,
            f"廊坊{county}{rng.choice(TRADES)}{n}有限公司",
            county,
            f"河北省廊坊市{county}工业园区{rng.randint(1, 300)}号",
            rng.choice(INDUSTRIES),
            rng.choice(SURNAMES) + rng.choice(["伟", "芳", "强", "磊", "静", "军"]),
            f"0316-{rng.randint(2000000, 8999999)}",
            permit,
            number,
            rng.choice(GRADES),
            rng.choice(["是", "否"]),
            rng.choice(["是", "否"]),
            rng.choice(["是", "否"]),
            rng.choice(["是", "否"]),
            f"{rng.uniform(38.9, 40.1):.6f}",
            f"{rng.uniform(116.3, 117.3):.6f}",
            rng.choice(["在营", "在营", "在营", "停产"]),
        ]
        first.append(row)
        again = list(row)
        again[6] = f"0316-{rng.randint(2000000, 8999999)}"  # every row changes its phone
        again[3] = again[3].replace("工业园区", "经济开发区")
        changed.append(again)
    return first, changed


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)


def xlsx_cells(rows: list[list[str]]) -> list[list]:
    """Header and rows with the coordinates as numbers, as a spreadsheet holds them."""
    return [HEADER] + [[*row[:14], float(row[14]), float(row[15]), row[16]] for row in rows]


def write_xlsx_openpyxl(path: Path, rows: list[list[str]]) -> None:
    """openpyxl writes every string inline in the sheet (``t="inlineStr"``)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("企业")
    for row in xlsx_cells(rows):
        sheet.append(row)
    workbook.save(path)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def write_xlsx_excel_style(path: Path, rows: list[list[str]]) -> None:
    """The layout Excel and WPS save: strings in a shared-string table (``t="s"``).

    openpyxl cannot write it, and it reads it about twice as fast as its own
    inline strings, so the bench measures both kinds of file.
    """
    from openpyxl.utils import get_column_letter

    strings: dict[str, int] = {}
    sheet_rows = []
    for number, row in enumerate(xlsx_cells(rows), start=1):
        cells = []
        for index, value in enumerate(row, start=1):
            ref = f"{get_column_letter(index)}{number}"
            if isinstance(value, float):
                cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            elif value != "":
                cells.append(
                    f'<c r="{ref}" t="s"><v>{strings.setdefault(value, len(strings))}</v></c>'
                )
        sheet_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    shared = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
    parts = {
        "[Content_Types].xml": (
            f'{head}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            f'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'{head}<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{head}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>'
            f'<sheet name="企业" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{head}<Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" '
            f'Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" '
            f'Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'{head}<worksheet xmlns="{_MAIN}"><dimension ref="A1:Q{len(sheet_rows)}"/>'
            f"<sheetData>{''.join(sheet_rows)}</sheetData></worksheet>"
        ),
        "xl/sharedStrings.xml": (
            f'{head}<sst xmlns="{_MAIN}" count="{len(strings)}" '
            f'uniqueCount="{len(strings)}">{shared}</sst>'
        ),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)


@contextmanager
def scratch_database(maintenance_url: str, name: str, keep: bool):
    import psycopg

    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(maintenance_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(label: str, results: list, rows: int, function):
    """Wall-clock seconds, and this process's CPU seconds: on a busy machine
    the second shows how much of the first was waiting for a core."""
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome = function()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    results.append((label, seconds, rows / seconds))
    width = 56 - sum(1 for char in label if ord(char) > 0x2E80)  # CJK is two columns wide
    print(
        f"  {label}{' ' * max(width - len(label), 1)}{seconds:7.2f} s {rows / seconds:7.0f} 行/秒"
        f"   （本进程 CPU {cpu:5.2f} s）"
    )
    return outcome


def service_import(path: Path, user):
    from companies.imports import import_enterprises

    with path.open("rb") as handle:
        return import_enterprises(file=handle, file_name=path.name, user=user)


BASELINE_COLUMNS = [
    "uscc",
    "name",
    "region_id",
    "address",
    "industry_id",
    "legal_representative",
    "contact_phone",
    "permit_category",
    "permit_number",
    "performance_grade",
    "key_discharge_unit",
    "key_soil_pollution_unit",
    "vocs_related",
    "hazardous_waste_producer",
    "latitude",
    "longitude",
    "status",
]


def baseline_import(path: Path, database_url: str) -> int:
    """Read the CSV, map names and labels to codes, COPY, upsert: no checks at all."""
    import psycopg

    region = {name: code for code, name in COUNTIES.items()}
    permit = dict(zip(PERMITS, ["key", "simplified", "registration", "none"], strict=True))
    flag = {"是": True, "否": False}
    status = {"在营": "operating", "停产": "suspended", "关停": "closed"}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        records = [
            (
                r[0],
                r[1],
                region[r[2]],
                r[3],
                r[4],
                r[5],
                r[6],
                permit[r[7]],
                r[8],
                r[9],
                flag[r[10]],
                flag[r[11]],
                flag[r[12]],
                flag[r[13]],
                r[14],
                r[15],
                status[r[16]],
            )
            for r in reader
        ]
    columns = ", ".join(BASELINE_COLUMNS)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in BASELINE_COLUMNS if c != "uscc")
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE import_rows ON COMMIT DROP AS "
            f"SELECT {columns} FROM companies_enterprise WITH NO DATA"
        )
        with cursor.copy(f"COPY import_rows ({columns}) FROM STDIN") as copy:
            for record in records:
                copy.write_row(record)
        cursor.execute(
            f"INSERT INTO companies_enterprise ({columns}, uscc_legacy_reason, "
            "on_positive_list, created_at, updated_at) "
            f"SELECT {columns}, '', false, now(), now() FROM import_rows "
            f"ON CONFLICT (uscc) DO UPDATE SET {updates}, updated_at = now()"
        )
        return cursor.rowcount


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--out", type=Path, help="keep the generated files in this directory")
    parser.add_argument("--keep-db", action="store_true", help="do not drop the scratch database")
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        parser.error("set DATABASE_URL to the PostgreSQL server to run on (postgres://…)")
    bench_url, bench_name, maintenance_url = scratch_url(database_url)
    # Production-like settings: no debug cursor logging every query.
    os.environ.update(
        DATABASE_URL=bench_url, DEBUG="0", DJANGO_SETTINGS_MODULE="ecoenforce.settings"
    )
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

    workdir = args.out or Path(tempfile.mkdtemp(prefix="import-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"临时数据库 {bench_name}；生成 {args.rows} 行测试数据 → {workdir}")
    with scratch_database(maintenance_url, bench_name, args.keep_db):
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        first, changed = generate(args.rows)
        names = ("企业.csv", "企业-变更.csv", "企业.xlsx", "企业-openpyxl.xlsx")
        paths = {name: workdir / name for name in names}
        write_csv(paths["企业.csv"], first)
        write_csv(paths["企业-变更.csv"], changed)
        write_xlsx_excel_style(paths["企业.xlsx"], first)
        write_xlsx_openpyxl(paths["企业-openpyxl.xlsx"], first)
        for path in paths.values():
            print(f"  {path.name}: {path.stat().st_size / 1e6:.1f} MB")
        return run(args.rows, paths, bench_url)


def run(rows: int, paths: dict[str, Path], database_url: str) -> int:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import Officer, Region
    from accounts.roles import Role

    user = get_user_model().objects.create_user("bench", password=secrets.token_urlsafe())
    user.groups.set(Group.objects.filter(name=Role.INSPECTOR))
    officer = Officer.objects.create(user=user, name="基准测试", badge_number="BENCH0001")
    officer.regions.set(Region.objects.filter(code="131000"))

    def truncate():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE companies_enterprise CASCADE")

    def fresh_user():
        # Each import reads the scope once, as one request or task would.
        return get_user_model().objects.get(pk=user.pk)

    results: list[tuple[str, float, float]] = []
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n测量（秒，行/秒；机器负载 {load:.1f}，{os.cpu_count()} 核）：")
    checks = [
        (
            timed(
                "服务 CSV 首次导入（新增）",
                results,
                rows,
                lambda: service_import(paths["企业.csv"], fresh_user()),
            ),
            {"created": rows},
        ),
        (
            timed(
                "服务 CSV 再次导入（每行都有变更，更新）",
                results,
                rows,
                lambda: service_import(paths["企业-变更.csv"], fresh_user()),
            ),
            {"updated": rows, "unchanged": 0},
        ),
        (
            timed(
                "服务 CSV 重复导入同一文件（无变更）",
                results,
                rows,
                lambda: service_import(paths["企业-变更.csv"], fresh_user()),
            ),
            {"updated": rows, "unchanged": rows},
        ),
    ]
    for label, name in (
        ("服务 XLSX（Excel 格式，共享字符串）首次导入（新增）", "企业.xlsx"),
        ("服务 XLSX（openpyxl 写出，内联字符串）首次导入（新增）", "企业-openpyxl.xlsx"),
    ):
        truncate()
        checks.append(
            (
                timed(
                    label,
                    results,
                    rows,
                    lambda name=name: service_import(paths[name], fresh_user()),
                ),
                {"created": rows},
            )
        )
    truncate()
    inserted = timed(
        "基线 COPY + ON CONFLICT（新增）",
        results,
        rows,
        lambda: baseline_import(paths["企业.csv"], database_url),
    )
    updated = timed(
        "基线 COPY + ON CONFLICT（更新）",
        results,
        rows,
        lambda: baseline_import(paths["企业-变更.csv"], database_url),
    )

    failures = [
        f"{key}={getattr(result, key)}, expected {value} ({result.errors[:3]})"
        for result, expected in checks
        for key, value in expected.items()
        if getattr(result, key) != value
    ]
    if inserted != rows or updated != rows:
        failures.append(f"baseline wrote {inserted} and {updated} rows, expected {rows}")
    if failures:
        print("\n基准数据有误：" + "; ".join(failures))
        return 1

    seconds = {label: value for label, value, _ in results}
    service_insert = seconds["服务 CSV 首次导入（新增）"]
    service_update = seconds["服务 CSV 再次导入（每行都有变更，更新）"]
    baseline_insert = seconds["基线 COPY + ON CONFLICT（新增）"]
    baseline_update = seconds["基线 COPY + ON CONFLICT（更新）"]
    print(
        f"\n服务/基线 用时之比：新增 {service_insert / baseline_insert:.1f} 倍，"
        f"更新 {service_update / baseline_update:.1f} 倍"
    )
    # The target is for the files people upload: CSV, and XLSX as Excel and
    # WPS save it. The openpyxl-written file is shown for comparison only.
    slowest = max(
        value for label, value, _ in results if label.startswith("服务") and "openpyxl" not in label
    )
    verdict = "达标" if slowest < 10 * rows / 10_000 else "未达标"
    print(
        f"目标：CSV 与 Excel 格式 XLSX 每 10,000 行 10 秒以内 —— {verdict}（最慢 {slowest:.2f} 秒）"
    )
    return 0 if verdict == "达标" else 2


if __name__ == "__main__":
    sys.exit(main())
