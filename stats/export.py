"""A snapshot as an XLSX workbook: every cell with last year's value and the
change, and the bulletin text, for the office that types up the report."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from accounts.models import Region
from stats.bulletin import bulletin_text, scope_name
from stats.metrics import METRICS, change_of, get_metric

HEADERS = [
    "指标",
    "指标代码",
    "单位",
    "区划",
    "区划代码",
    "本期",
    "上年同期",
    "增减",
    "增减率（%）",
]
WIDTHS = [24, 28, 6, 18, 10, 14, 14, 14, 12]

MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
AVERAGE_FORMAT = "0.00"
PERCENT_FORMAT = "0.0"

HEADER_FILL = PatternFill("solid", fgColor="D1FAE5")
TOTAL_FONT = Font(bold=True)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _number_format(unit: str, kind: str) -> str:
    if unit == "元":
        return MONEY_FORMAT
    if kind == "avg":
        return AVERAGE_FORMAT
    return COUNT_FORMAT


def _metric_order(keys: Iterable[str]) -> list[str]:
    """The registry's order first, then any key a later definition dropped."""
    present = set(keys)
    ordered = [metric.key for metric in METRICS if metric.key in present]
    return ordered + sorted(present - set(ordered))


def _number(value: Decimal | None):
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def snapshot_xlsx(snapshot, *, region_codes: Iterable[str] | None = None) -> bytes:
    """The workbook of a snapshot: sheet 统计数据 (the scope's total first for
    every metric, then its regions by code) and sheet 公报文字.

    ``region_codes`` keeps only those regions' rows (a county manager reading
    the city's snapshot); the scope total is then left out unless the caller
    may see the whole scope (``None``).
    """
    cells = list(
        snapshot.cells.defer("record_ids", "previous_record_ids").order_by("metric", "region")
    )
    if region_codes is not None:
        allowed = set(region_codes)
        cells = [cell for cell in cells if cell.region in allowed]
    names = dict(
        Region.objects.filter(code__in={cell.region for cell in cells if cell.region}).values_list(
            "code", "name"
        )
    )
    total_name = scope_name(snapshot)
    by_metric: dict[str, list] = {}
    for cell in cells:
        by_metric.setdefault(cell.metric, []).append(cell)

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "统计数据"
    sheet.append(HEADERS)
    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
        header = sheet.cell(row=1, column=column)
        header.font = TOTAL_FONT
        header.fill = HEADER_FILL
        header.alignment = Alignment(horizontal="center", vertical="center")
    sheet.freeze_panes = "A2"

    row = 1  # the header; counted here, as openpyxl's max_row scans every row
    for key in _metric_order(by_metric):
        metric = get_metric(key)
        label = metric.label if metric else key
        unit = metric.unit if metric else ""
        kind = metric.kind if metric else "count"
        # '' (the scope's total) sorts before every code: the total row comes first.
        for cell in sorted(by_metric[key], key=lambda c: c.region):
            change, pct = change_of(cell.value, cell.previous)
            region_name = names.get(cell.region, cell.region) if cell.region else total_name
            sheet.append(
                [
                    label,
                    key,
                    unit,
                    region_name,
                    cell.region or (snapshot.scope_region_id or ""),
                    _number(cell.value),
                    _number(cell.previous),
                    _number(change),
                    _number(pct),
                ]
            )
            row += 1
            number_format = _number_format(unit, kind)
            for column in (6, 7, 8):
                sheet.cell(row=row, column=column).number_format = number_format
            sheet.cell(row=row, column=9).number_format = PERCENT_FORMAT
            if not cell.region:
                for column in range(1, len(HEADERS) + 1):
                    sheet.cell(row=row, column=column).font = TOTAL_FONT

    text_sheet = workbook.create_sheet("公报文字")
    text_sheet.column_dimensions["A"].width = 12
    text_sheet.column_dimensions["B"].width = 100
    text_sheet.append(["段落", "内容"])
    for column in (1, 2):
        text_sheet.cell(row=1, column=column).font = TOTAL_FONT
        text_sheet.cell(row=1, column=column).fill = HEADER_FILL
    paragraph_regions = [None] if region_codes is None else sorted(set(region_codes))
    for code in paragraph_regions:
        if code is not None and not any(cell.region == code for cell in cells):
            continue
        text = bulletin_text(snapshot, region_code=code)
        prefix = f"{names.get(code, code)}：" if code else ""
        text_sheet.append([f"{prefix}执法", text["enforcement"]])
        text_sheet.append([f"{prefix}服务企业", text["service"]])
    for row in text_sheet.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")

    note = f"{snapshot.year}年{snapshot.get_half_display()}"
    if snapshot.as_of:
        note += f"，数据截至{timezone.localtime(snapshot.as_of):%Y-%m-%d %H:%M}"
    text_sheet.append([])
    text_sheet.append(["说明", f"{note}，指标口径第{snapshot.definition_version}版。"])

    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_filename(snapshot, region_code: str | None = None) -> str:
    scope = region_code or snapshot.scope_region_id or "city"
    return f"half-year-{snapshot.year}-H{snapshot.half}-{scope}.xlsx"
