"""``manage.py load_regions FILE``: load GB/T 2260 region codes from a CSV file.

Each row is ``code,name[,parent]`` (a header row ``code,name,parent`` is
optional). When the parent is absent it is inferred from the code:
``XX0000`` is a province, ``XXXX00`` a city under ``XX0000``, anything else a
county-level unit under ``XXXX00`` — or directly under the province when that
city node is not known, as for the districts of a municipality (北京市 110101)
or a county-level city governed by the province (湖北省 仙桃市 429004) in
editions of GB/T 2260 that list no intermediate node. Every row goes through
``accounts.services.region_upsert``, so each region's path, and the paths below
a region that moves, stay right. The whole file is checked before anything is
written, and it is loaded in one transaction.

``accounts/data/hebei_cities.csv`` holds the eleven cities of Hebei.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.services import region_upsert
from ecoenforce.errors import DomainError

CODE_RE = re.compile(r"^\d{6}$")
HEADER_NAMES = {"code", "代码", "区划代码", "行政区划代码"}


@dataclass
class Row:
    line: int
    code: str
    name: str
    parent: str | None
    explicit_parent: bool


def level_of(code: str) -> str:
    if code.endswith("0000"):
        return RegionLevel.PROVINCE
    if code.endswith("00"):
        return RegionLevel.CITY
    return RegionLevel.COUNTY


def inferred_parent(code: str, known: set[str]) -> str | None:
    """The parent GB/T 2260 implies for ``code``, given the codes known so far."""
    if code.endswith("0000"):
        return None
    province = code[:2] + "0000"
    if code.endswith("00"):
        return province
    city = code[:4] + "00"
    return city if city in known else province


def read_text(path: Path, encoding: str | None) -> str:
    data = path.read_bytes()
    if encoding:
        return data.decode(encoding)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Spreadsheets saved on Chinese Windows write GBK.
        return data.decode("gb18030")


class Command(BaseCommand):
    help = "从 CSV 文件（code,name[,parent]）导入 GB/T 2260 行政区划代码"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV 文件：区划代码,名称[,上级代码]")
        parser.add_argument(
            "--encoding", help="文件编码，默认先按 UTF-8 读取，失败再按 GB18030（GBK）读取"
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查和统计，不写入")

    def handle(self, *args, file: Path, encoding: str | None, dry_run: bool, **options):
        if not file.is_file():
            raise CommandError(f"文件不存在：{file}")
        try:
            text = read_text(file, encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise CommandError(f"无法读取 {file}：{exc}") from None
        rows = self.parse(text)
        if not rows:
            raise CommandError(f"{file} 中没有行政区划数据")

        existing = {
            region.code: region
            for region in Region.objects.select_related("parent").filter(
                code__in=self.codes_needed(rows)
            )
        }
        ordered = self.resolve(rows, existing)

        created = updated = unchanged = 0
        with transaction.atomic():
            loaded: dict[str, Region] = {}
            for row in ordered:
                before = existing.get(row.code)
                level = level_of(row.code)
                parent = None
                if row.parent is not None:
                    # Read afresh unless loaded just now: moving a region above
                    # it in this file may have changed its path.
                    parent = loaded.get(row.parent) or Region.objects.get(code=row.parent)
                if before is None:
                    created += 1
                elif (before.name, before.level, before.parent_id) == (
                    row.name,
                    level,
                    row.parent,
                ):
                    unchanged += 1
                else:
                    updated += 1
                try:
                    loaded[row.code] = region_upsert(
                        code=row.code, name=row.name, level=level, parent=parent
                    )
                except DomainError as exc:
                    raise CommandError(f"第 {row.line} 行：{exc.message}") from None
            if dry_run:
                transaction.set_rollback(True)

        verb = "将" if dry_run else "已"
        self.stdout.write(
            self.style.SUCCESS(
                f"行政区划{verb}导入：新增 {created} 个，更新 {updated} 个，"
                f"未变 {unchanged} 个（共 {len(ordered)} 行）"
            )
        )

    def parse(self, text: str) -> list[Row]:
        rows: list[Row] = []
        errors: list[str] = []
        seen: dict[str, int] = {}
        for index, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if not rows and not errors and cells[0].lower() in HEADER_NAMES:
                continue
            code = cells[0]
            name = cells[1] if len(cells) > 1 else ""
            parent = cells[2] if len(cells) > 2 and cells[2] else None
            if not CODE_RE.match(code):
                errors.append(f"第 {index} 行：区划代码应为 6 位数字，实际为 {code!r}")
                continue
            if code == "000000":
                errors.append(f"第 {index} 行：000000 不是行政区划代码")
                continue
            if not name:
                errors.append(f"第 {index} 行：{code} 缺少名称")
                continue
            if parent is not None and not CODE_RE.match(parent):
                errors.append(f"第 {index} 行：上级代码应为 6 位数字，实际为 {parent!r}")
                continue
            if parent == code:
                errors.append(f"第 {index} 行：{code} 不能以自身为上级")
                continue
            if code in seen:
                errors.append(f"第 {index} 行：{code} 与第 {seen[code]} 行重复")
                continue
            seen[code] = index
            rows.append(Row(index, code, name, parent, parent is not None))
        if errors:
            raise CommandError("文件有误，未导入任何数据：\n" + "\n".join(errors))
        return rows

    @staticmethod
    def codes_needed(rows: list[Row]) -> set[str]:
        """Codes of the file and every parent a row may name or imply."""
        codes: set[str] = set()
        for row in rows:
            codes |= {row.code, row.code[:2] + "0000", row.code[:4] + "00"}
            if row.parent:
                codes.add(row.parent)
        return codes

    def resolve(self, rows: list[Row], existing: dict[str, Region]) -> list[Row]:
        """Fill in inferred parents, check every parent exists, order parents first."""
        in_file = {row.code: row for row in rows}
        known = set(in_file) | set(existing)
        errors: list[str] = []
        for row in rows:
            if not row.explicit_parent:
                row.parent = inferred_parent(row.code, known)
            if row.parent is not None and row.parent not in known:
                errors.append(
                    f"第 {row.line} 行：{row.code} {row.name} 的上级区划 {row.parent} "
                    "既不在文件中，也不在系统中，请先导入上级区划"
                )
        if errors:
            raise CommandError("文件有误，未导入任何数据：\n" + "\n".join(errors))

        depth: dict[str, int] = {}

        def depth_of(row: Row, chain: tuple[str, ...] = ()) -> int:
            if row.code in depth:
                return depth[row.code]
            if row.code in chain:
                raise CommandError(f"第 {row.line} 行：上级关系成环：{' → '.join(chain)}")
            parent_row = in_file.get(row.parent) if row.parent else None
            value = 0 if parent_row is None else depth_of(parent_row, (*chain, row.code)) + 1
            depth[row.code] = value
            return value

        return sorted(rows, key=lambda row: (depth_of(row), row.code))
