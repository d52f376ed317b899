"""Bulk import of enterprises from CSV and XLSX files (企业批量导入).

Three doors use this module: the admin upload (``enterprise_import_start``,
which queues ``enterprise_import_run`` on Celery), ``POST enterprises/import/``
and ``manage.py import_enterprises``; the last two call ``import_enterprises``
directly. Whatever the door, a row obeys the same rules as an enterprise typed
in by hand: the per-row checks are ``companies.services.enterprise_validate_row``
(field formats, ``Enterprise.clean()``) and ``check_region_in_scope``, plus
what only a file can get wrong (a cell that is no valid choice, a region name
that does not exist, a USCC twice in the same file).

A file is imported all or nothing by default: one refused row and nothing is
written. With ``partial=True`` the valid rows are written and the others
reported. Rows are matched to enterprises by USCC, so importing a file again
updates the same enterprises instead of adding new ones; a row identical to
the stored enterprise is not rewritten, so its ``updated_at`` (which reporting
clients pull by) does not move.

Speed: regions and industries are read once into dicts, existing enterprises
once per chunk of rows, and rows are written with one ``INSERT … ON CONFLICT
(uscc) DO UPDATE`` per batch; there is no query per row.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import string
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import partial as bind
from pathlib import PurePath
from typing import Any, BinaryIO

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.utils import timezone

from accounts.models import Region
from accounts.selectors import region_visible
from companies.choices import EnterpriseStatus, ImportStatus, PerformanceGrade, PermitCategory
from companies.models import Enterprise, EnterpriseImport, Industry
from companies.services import (
    ENTERPRISE_FIELDS,
    check_region_in_scope,
    check_region_is_county,
    enterprise_validate_row,
)
from companies.validators import normalize_uscc
from ecoenforce.errors import DomainError, ValidationFailed

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]

# Rows per chunk: existing enterprises are read, rows written and progress
# reported once per chunk. 1,000 rows × 21 columns keeps one INSERT well under
# PostgreSQL's 65,535 bind parameters.
CHUNK_SIZE = 1000
# A guard against a runaway file (a whole registry export by mistake); a
# province has far fewer regulated enterprises.
MAX_ROWS = 200_000
# The report keeps the first errors only: a file of 100,000 bad rows would
# otherwise store megabytes of JSON that nobody reads to the end.
MAX_REPORT_ITEMS = 2000
HEADER_ROW = 1

_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .xls
_CSV_SUFFIXES = {".csv", ".txt"}
_XLSX_SUFFIXES = {".xlsx", ".xlsm"}


class ImportFileError(DomainError):
    """The file as a whole cannot be imported (type, encoding, header)."""

    def __init__(self, message: str, *, code: str, column: str | None = None):
        super().__init__(message, code=code, field="file")
        self.column = column

    def report_item(self) -> dict:
        return {
            "row": None,
            "column": self.column,
            "field": "file",
            "code": self.code,
            "message": self.message,
        }


class _CellError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --- Columns ---------------------------------------------------------------------


@dataclass
class _Lookups:
    """Reference data read once per import, so rows cost no queries."""

    user: Any
    regions: dict[str, Region]
    regions_by_name: dict[str, list[Region]]
    industries: set[str]
    industries_by_name: dict[str, str]

    @classmethod
    def load(cls, user) -> _Lookups:
        regions = {
            region.code: region
            for region in Region.objects.only("code", "name", "level").order_by()
        }
        by_name: dict[str, list[Region]] = {}
        for region in regions.values():
            by_name.setdefault(region.name, []).append(region)
        industries = dict(Industry.objects.order_by().values_list("code", "name"))
        return cls(
            user=user,
            regions=regions,
            regions_by_name=by_name,
            industries=set(industries),
            industries_by_name={name: code for code, name in industries.items()},
        )


def _choice_parser(choices, label: str) -> Callable[[str, _Lookups], str]:
    """Accept a choice by its code or its Chinese label, case-insensitively."""
    table: dict[str, str] = {}
    for value, display in choices:
        table[str(value).lower()] = value
        table[str(display).lower()] = value
    shown = "、".join(str(display) for value, display in choices if value)
    codes = "、".join(str(value) for value, display in choices if value)

    def parse(text: str, lookups: _Lookups) -> str:
        try:
            return table[text.lower()]
        except KeyError:
            raise _CellError(
                "invalid_choice", f"{label}应为{shown}之一（或代码 {codes}），实际为“{text}”"
            ) from None

    return parse


_TRUE = {"是", "1", "true", "yes", "y", "√", "✓"}
_FALSE = {"否", "0", "false", "no", "n", "×", "✗"}


def _flag_parser(label: str) -> Callable[[str, _Lookups], bool]:
    def parse(text: str, lookups: _Lookups) -> bool:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise _CellError(
            "invalid_boolean", f"{label}应填“是”或“否”（也可填 1/0、true/false），实际为“{text}”"
        )

    return parse


_MICRODEGREE = Decimal("0.000001")


def _coordinate_parser(label: str) -> Callable[[str, _Lookups], Decimal]:
    def parse(text: str, lookups: _Lookups) -> Decimal:
        try:
            value = Decimal(text)
            if not value.is_finite():
                raise InvalidOperation
            # Spreadsheets hand over binary floats (39.950000000000003); six
            # decimals (about 0.1 m) is what the column stores anyway.
            return value.quantize(_MICRODEGREE, rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise _CellError(
                "invalid_number", f"{label}应为数字（十进制度），实际为“{text}”"
            ) from None

    return parse


_SIX_DIGITS = re.compile(r"(?<!\d)\d{6}(?!\d)")


def _parse_region(text: str, lookups: _Lookups) -> str:
    """A 6-digit code, a region's full name, or both as the admin shows them (三河市（131082）)."""
    match = _SIX_DIGITS.search(text)
    if match:
        if match.group() in lookups.regions:
            return match.group()
        raise _CellError("unknown_region", f"行政区划代码 {match.group()} 不存在")
    candidates = lookups.regions_by_name.get(text, [])
    if len(candidates) > 1:
        # Two cities may both have a 新华区; the one in the importer's scope wins.
        candidates = [r for r in candidates if _visible(lookups.user, r.code)]
    if len(candidates) == 1:
        return candidates[0].code
    if candidates:
        codes = "、".join(sorted(r.code for r in candidates))
        raise _CellError("ambiguous_region", f"区划名称“{text}”对应多个区划（{codes}），请填写代码")
    raise _CellError(
        "unknown_region", f"未找到行政区划“{text}”，请填写 6 位区划代码或县（市、区）全称"
    )


_LEADING_SECTION = re.compile(r"^[A-Za-z](?=\d)")


def _parse_industry(text: str, lookups: _Lookups) -> str:
    """A division code (26), a section letter (C), a finer GB/T 4754 code or a name."""
    code = _LEADING_SECTION.sub("", text.split()[0]).upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code  # a spreadsheet turned 06 into the number 6
    if code in lookups.industries:
        return code
    # Group (3 digits) and class (4 digits) codes fall under their division;
    # the registry records the division (大类) only.
    if code.isdigit() and len(code) in (3, 4) and code[:2] in lookups.industries:
        return code[:2]
    if text in lookups.industries_by_name:
        return lookups.industries_by_name[text]
    raise _CellError(
        "unknown_industry",
        f"行业代码“{text}”不在国民经济行业分类（GB/T 4754-2017）的门类或大类中",
    )


def _parse_text(text: str, lookups: _Lookups) -> str:
    return text


def _parse_uscc(text: str, lookups: _Lookups) -> str:
    return normalize_uscc(text)


@dataclass(frozen=True)
class ImportColumn:
    """One column of the import file and the Enterprise field it fills."""

    field: str
    label: str
    parse: Callable[[str, _Lookups], Any]
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def attname(self) -> str:
        return Enterprise._meta.get_field(self.field).attname


def _label(name: str) -> str:
    return str(Enterprise._meta.get_field(name).verbose_name)


# The order of the downloadable template. The Chinese header is the field's
# verbose name, so the file speaks the same words as the admin.
COLUMNS: tuple[ImportColumn, ...] = (
    ImportColumn("uscc", _label("uscc"), _parse_uscc, required=True),
    ImportColumn("name", _label("name"), _parse_text, required=True),
    ImportColumn(
        "region", _label("region"), _parse_region, ("行政区划代码", "行政区划"), required=True
    ),
    ImportColumn("address", _label("address"), _parse_text),
    ImportColumn("industry", "行业代码", _parse_industry, (_label("industry"),)),
    ImportColumn("legal_representative", _label("legal_representative"), _parse_text),
    ImportColumn("contact_phone", _label("contact_phone"), _parse_text),
    ImportColumn(
        "permit_category",
        _label("permit_category"),
        _choice_parser(PermitCategory.choices, _label("permit_category")),
    ),
    ImportColumn("permit_number", _label("permit_number"), _parse_uscc),
    ImportColumn(
        "performance_grade",
        _label("performance_grade"),
        _choice_parser(PerformanceGrade.choices, _label("performance_grade")),
    ),
    *(
        ImportColumn(name, _label(name), _flag_parser(_label(name)))
        for name in (
            "key_discharge_unit",
            "key_soil_pollution_unit",
            "vocs_related",
            "hazardous_waste_producer",
        )
    ),
    ImportColumn("latitude", _label("latitude"), _coordinate_parser(_label("latitude"))),
    ImportColumn("longitude", _label("longitude"), _coordinate_parser(_label("longitude"))),
    ImportColumn(
        "status", _label("status"), _choice_parser(EnterpriseStatus.choices, _label("status"))
    ),
    ImportColumn("uscc_legacy_reason", _label("uscc_legacy_reason"), _parse_text),
)
_BY_FIELD = {column.field: column for column in COLUMNS}
assert set(_BY_FIELD) == set(ENTERPRISE_FIELDS), "every settable field has a column"

# What an upsert rewrites: every field a user may set except the key itself.
# on_positive_list is absent on purpose: it follows the positive-list records.
UPDATE_FIELDS = [name for name in ENTERPRISE_FIELDS if name != "uscc"] + ["updated_at"]
_COMPARED = [_BY_FIELD[name].attname for name in ENTERPRISE_FIELDS if name != "uscc"]
# Rows become Enterprise(*values) in the order of the concrete fields: Django's
# positional constructor is about three times faster than keyword arguments,
# which counts at 10,000 rows.
_FIELDS = [field.attname for field in Enterprise._meta.concrete_fields]
_POSITION = {attname: index for index, attname in enumerate(_FIELDS)}
_DEFAULTS = [field.get_default() for field in Enterprise._meta.concrete_fields]


def _header_key(text: str) -> str:
    """Headers match whatever the spreadsheet did to them: full-width
    brackets, stray spaces, a ``*`` marking required columns, letter case."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s*]", "", text).lower()


_HEADER_KEYS: dict[str, ImportColumn] = {}
for _column in COLUMNS:
    for _name in (_column.field, _column.label, *_column.aliases):
        _HEADER_KEYS[_header_key(_name)] = _column


def template_csv() -> bytes:
    """An empty import file with every header, UTF-8 with BOM so Excel opens it right."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(column.label for column in COLUMNS)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


# --- Reading files -----------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (spreadsheet row number, cell texts), no blank rows


def check_file_type(file_name: str, head: bytes) -> str:
    """``"csv"`` or ``"xlsx"`` from the content's first bytes and the name; raise otherwise."""
    suffix = PurePath(file_name or "").suffix.lower()
    if head.startswith(_XLSX_MAGIC):
        return "xlsx"
    if head.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ImportFileError(
            "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入",
            code="unsupported_file_type",
        )
    if suffix in _XLSX_SUFFIXES:
        raise ImportFileError("无法读取该 Excel 文件，文件可能已损坏", code="unreadable_file")
    if suffix in _CSV_SUFFIXES:
        return "csv"
    raise ImportFileError(
        f"不支持的文件类型“{suffix or file_name}”，请上传 CSV 或 XLSX 文件",
        code="unsupported_file_type",
    )


def _read(file: BinaryIO, file_name: str) -> _Table:
    if hasattr(file, "seek"):
        file.seek(0)
    head = file.read(8)
    kind = check_file_type(file_name, head)
    file.seek(0)
    rows = _read_xlsx(file) if kind == "xlsx" else _read_csv(file.read())
    header: list[str] | None = None
    data: list[tuple[int, list[str]]] = []
    for number, cells in rows:
        if header is None:
            header = cells
        elif any(cells):
            data.append((number, cells))
            if len(data) > MAX_ROWS:
                raise ImportFileError(
                    f"一次最多导入 {MAX_ROWS} 行，请拆分文件", code="too_many_rows"
                )
    if header is None or not any(header):
        raise ImportFileError("文件为空：第 1 行应为表头", code="empty_file")
    return _Table(header, data)


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]  # Excel's "Unicode text"
    else:
        # Excel in China saves "CSV" as GBK; GB18030 is its superset.
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise ImportFileError(
        "无法识别文件编码，请将文件另存为 UTF-8 或 GBK 编码的 CSV", code="unreadable_file"
    )


def _read_csv(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # Records, not physical lines, are numbered: a quoted cell with a line
        # break is still one spreadsheet row.
        for number, record in enumerate(reader, start=HEADER_ROW):
            yield number, [cell.strip(_BLANKS) for cell in record]
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式有误：{exc}", code="unreadable_file") from None


def _read_xlsx(file: BinaryIO) -> list[tuple[int, list[str]]]:
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            # Some generators write a wrong <dimension>; read what is really there.
            sheet.reset_dimensions()
            return [
                (number, [_cell_text(value) for value in values])
                for number, values in enumerate(sheet.iter_rows(values_only=True), start=HEADER_ROW)
            ]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, InvalidFileException, ParseError, KeyError, OSError, ValueError):
        raise ImportFileError(
            "无法读取该 Excel 文件，文件可能已损坏", code="unreadable_file"
        ) from None


# Spaces a spreadsheet leaves around values, the full-width one and invisible
# marks (BOM, zero-width space) included.
_BLANKS = string.whitespace + "\xa0\u3000\ufeff\u200b\u2002\u2003\u2009"


def _cell_text(value: Any) -> str:
    if value.__class__ is str:  # most cells: the fast path first
        return value.strip(_BLANKS)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 131082.0 from a numeric cell
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip(_BLANKS)


# --- The import ------------------------------------------------------------------


@dataclass
class ImportResult:
    """What an import did, and the row report (API.md items plus row and column)."""

    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    error_rows: int = 0
    errors: list[dict] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    partial: bool = False

    @property
    def refused(self) -> bool:
        """All-or-nothing and some row was refused: nothing has been written."""
        return bool(self.error_rows) and not self.partial

    def as_dict(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_rows": self.error_rows,
            "errors": self.errors,
            "ignored_columns": self.ignored_columns,
            "partial": self.partial,
        }


@dataclass
class _Layout:
    """Which file column holds which field, and the header the user wrote for it."""

    positions: list[tuple[int, ImportColumn]]
    headers: dict[str, str]
    ignored: list[str]

    def column_name(self, field_name: str | None) -> str | None:
        if field_name is None:
            return None
        column = _BY_FIELD.get(field_name)
        return self.headers.get(field_name) or (column.label if column else field_name)


def _layout(header: list[str]) -> _Layout:
    positions: list[tuple[int, ImportColumn]] = []
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for index, text in enumerate(header):
        if not text:
            continue
        key = _header_key(text)
        column = _HEADER_KEYS.get(key)
        if column is None:
            ignored.append(text)
            continue
        if column.field in headers:
            raise ImportFileError(
                f"表头“{headers[column.field]}”与“{text}”重复，同一字段只能有一列",
                code="duplicate_column",
                column=text,
            )
        headers[column.field] = text
        positions.append((index, column))
    missing = [
        column.label for column in COLUMNS if column.required and column.field not in headers
    ]
    if missing:
        raise ImportFileError(
            f"缺少必填列：{'、'.join(missing)}（第 1 行应为表头）",
            code="missing_column",
            column=missing[0],
        )
    return _Layout(positions, headers, ignored)


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str | None, str, str]] = field(default_factory=list)

    def error(self, field_name: str | None, code: str, message: str) -> None:
        self.errors.append((field_name, code, message))

    @property
    def uscc(self) -> str:
        return self.values.get("uscc", "")


def _visible(user, code: str) -> bool:
    # No user: a system import (the management command without --user).
    return user is None or region_visible(user, code)


def _parse_row(number: int, cells: list[str], layout: _Layout, lookups: _Lookups) -> _Row:
    row = _Row(number)
    for index, column in layout.positions:
        text = cells[index] if index < len(cells) else ""
        if not text:
            # An empty cell means "not given": a new enterprise takes the
            # field's default, an existing one keeps what it has.
            if column.required:
                row.error(column.field, "required", f"{column.label}不能为空")
            continue
        try:
            row.values[column.attname] = column.parse(text, lookups)
        except _CellError as exc:
            row.error(column.field, exc.code, exc.message)
    return row


def _existing(usccs: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Stored enterprises of one chunk, locked until the import commits.

    The lock keeps the scope check and the "unchanged" comparison true until
    the upsert; NO KEY UPDATE (the USCC is never changed) still lets other
    transactions insert inspections and cases that reference these rows.
    Ordering by USCC makes concurrent imports lock in the same order.
    """
    usccs = sorted(set(usccs))
    if not usccs:
        return {}
    rows = (
        Enterprise.objects.select_for_update(no_key=True)
        .filter(uscc__in=usccs)
        .order_by("uscc")
        .values("uscc", *_COMPARED)
    )
    return {row["uscc"]: row for row in rows}


def _check_row(
    row: _Row,
    stored: dict[str, Any] | None,
    seen: dict[str, int],
    lookups: _Lookups,
) -> Enterprise | None:
    """The enterprise this row makes (new, or the stored one with the file's
    values over it), or None when the row is refused (reasons in ``row.errors``)."""
    uscc = row.uscc
    if uscc:
        first = seen.setdefault(uscc, row.number)
        if first != row.number:
            row.error("uscc", "duplicate_in_file", f"统一社会信用代码 {uscc} 与第 {first} 行重复")
        if stored is not None and not _visible(lookups.user, stored["region_id"]):
            region = lookups.regions.get(stored["region_id"])
            where = region.name if region else stored["region_id"]
            row.error(
                "uscc",
                "enterprise_out_of_scope",
                f"统一社会信用代码 {uscc} 的企业登记在{where}，不在您的管辖范围内",
            )
    region_code = row.values.get("region_id")
    if region_code:
        region = lookups.regions[region_code]
        try:
            if lookups.user is None:
                check_region_is_county(region=region)
            else:
                check_region_in_scope(user=lookups.user, region=region)
        except DomainError as exc:
            row.error(exc.field or "region", exc.code, exc.message)
    values = list(_DEFAULTS)
    for source in (stored or {}, row.values):
        for attname, value in source.items():
            values[_POSITION[attname]] = value
    enterprise = Enterprise(*values)
    try:
        enterprise_validate_row(enterprise, relations_loaded=True)
    except ValidationFailed as exc:
        # A cell that could not be read has said so already; the model would
        # only repeat it less clearly (an empty name is also "blank").
        reported = {field_name for field_name, _, _ in row.errors}
        for item in exc.items:
            if item.field is None or item.field not in reported:
                row.error(item.field, item.code, item.message)
    return None if row.errors else enterprise


def _unchanged(enterprise: Enterprise, stored: dict[str, Any]) -> bool:
    return all(getattr(enterprise, name) == stored[name] for name in _COMPARED)


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_enterprises(
    *,
    file: BinaryIO,
    user,
    partial: bool = False,
    file_name: str | None = None,
    progress: ProgressCallback | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportResult:
    """Create or update enterprises from a CSV or XLSX file, matched by USCC.

    ``user`` is the importing officer: rows outside their regions are refused.
    ``None`` is a system import without a scope (the management command run
    without ``--user``). ``progress(processed, total)`` is called before the
    first row and after every ``chunk_size`` rows.

    Raises ImportFileError when the file as a whole cannot be read; a refused
    row is reported in the result instead. All or nothing unless ``partial``:
    with any refused row the transaction is rolled back and the counts are 0.
    """
    table = _read(file, file_name if file_name is not None else getattr(file, "name", ""))
    layout = _layout(table.header)
    lookups = _Lookups.load(user)
    result = ImportResult(
        total_rows=len(table.rows), ignored_columns=layout.ignored, partial=partial
    )
    seen: dict[str, int] = {}
    processed = 0
    if progress is not None:
        progress(0, result.total_rows)
    with transaction.atomic():
        for chunk in _chunks(table.rows, chunk_size):
            rows = [_parse_row(number, cells, layout, lookups) for number, cells in chunk]
            existing = _existing(row.uscc for row in rows if row.uscc)
            to_write: list[Enterprise] = []
            for row in rows:
                stored = existing.get(row.uscc)
                enterprise = _check_row(row, stored, seen, lookups)
                if enterprise is None:
                    _report(result, layout, row)
                elif stored is None:
                    result.created += 1
                    to_write.append(enterprise)
                else:
                    result.updated += 1
                    if _unchanged(enterprise, stored):
                        result.unchanged += 1
                    else:
                        to_write.append(enterprise)
            # Once a row is refused in all-or-nothing mode the rest is only
            # checked, for the report; the rollback below undoes the chunks
            # already written.
            if to_write and (partial or not result.error_rows):
                Enterprise.objects.bulk_create(
                    to_write,
                    update_conflicts=True,
                    unique_fields=["uscc"],
                    update_fields=UPDATE_FIELDS,
                )
            processed += len(chunk)
            if progress is not None:
                progress(processed, result.total_rows)
        if result.refused:
            transaction.set_rollback(True)
            result.created = result.updated = result.unchanged = 0
    return result


def _report(result: ImportResult, layout: _Layout, row: _Row) -> None:
    result.error_rows += 1
    for field_name, code, message in row.errors:
        if len(result.errors) == MAX_REPORT_ITEMS:
            result.errors.append(
                {
                    "row": None,
                    "column": None,
                    "field": None,
                    "code": "report_truncated",
                    "message": f"错误过多，仅列出前 {MAX_REPORT_ITEMS} 条",
                }
            )
        if len(result.errors) > MAX_REPORT_ITEMS:
            return
        result.errors.append(
            {
                "row": row.number,
                "column": layout.column_name(field_name),
                "field": field_name,
                "code": code,
                "message": message,
            }
        )


# --- Imports as records: the admin door and its Celery task ------------------------------

FINISHED = (ImportStatus.SUCCEEDED, ImportStatus.FAILED)
# Key space of the advisory lock that keeps two workers off the same import.
_LOCK_CLASS = zlib.crc32(b"companies.enterprise_import") & 0x7FFFFFFF


class _ProgressWriter:
    """Writes an import's status and progress on a connection of its own.

    The import runs in one transaction, so an UPDATE of the EnterpriseImport
    row made inside it would stay invisible until the end. This second
    connection is in autocommit: each UPDATE is committed at once and the
    admin page that polls the row sees it move. The import transaction does
    not touch the row until its very last statement, so neither connection
    ever waits for the other's row lock; the lock_timeout is a guard should a
    caller break that rule, and then progress is dropped, never the import.
    """

    def __init__(self, import_id: int):
        self.import_id = import_id
        self.connection = None
        self.broken = False
        self.table = connection.ops.quote_name(EnterpriseImport._meta.db_table)

    def start(self) -> None:
        self._write("status = %s, processed_rows = 0", [ImportStatus.RUNNING])

    def __call__(self, processed: int, total: int) -> None:
        self._write("total_rows = %s, processed_rows = %s", [total, processed])

    def _write(self, assignments: str, params: list) -> None:
        if self.broken:
            return
        try:
            if self.connection is None:
                self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
                with self.connection.cursor() as cursor:
                    cursor.execute("SET lock_timeout = '2s'")
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {self.table} SET {assignments}, updated_at = %s WHERE id = %s",
                    [*params, timezone.now(), self.import_id],
                )
        except DatabaseError:
            logger.warning("progress of enterprise import %s not recorded", self.import_id)
            self.broken = True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _lock(import_id: int) -> bool:
    """Take this import's advisory lock for the current transaction, without waiting."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_try_advisory_xact_lock(%s, %s)", [_LOCK_CLASS, import_id & 0x7FFFFFFF]
        )
        return cursor.fetchone()[0]


def enterprise_import_run(*, import_id: int) -> EnterpriseImport:
    """Run a stored import and record its counts and row report.

    Safe to run twice, as a redelivered Celery task does: a finished import
    is returned as it is, and while one worker runs an import (it holds an
    advisory lock) another one returns at once. A run cut short (a killed
    worker) left nothing behind but ``status=running``, so it starts again.
    """
    rows = EnterpriseImport.objects.filter(pk=import_id)
    # Inside a caller's transaction the side connection could not see the
    # row (nor should it wait for it): progress then shows at the end only.
    progress = None if connection.in_atomic_block else _ProgressWriter(import_id)
    try:
        with transaction.atomic():
            if not _lock(import_id):
                logger.info("enterprise import %s is already running elsewhere", import_id)
                return EnterpriseImport.objects.get(pk=import_id)
            # Read under the lock: a run that finished meanwhile has committed.
            record = EnterpriseImport.objects.select_related("created_by").get(pk=import_id)
            if record.status in FINISHED:
                return record
            if progress is not None:
                progress.start()
            else:
                rows.update(status=ImportStatus.RUNNING, processed_rows=0)
            outcome = _run(record, progress)
            rows.update(**outcome, finished_at=timezone.now(), updated_at=timezone.now())
    finally:
        if progress is not None:
            progress.close()
    record.refresh_from_db()
    return record


def _run(record: EnterpriseImport, progress: ProgressCallback | None) -> dict[str, Any]:
    """The import itself; what to store on the record."""
    user = record.created_by
    if user is None or not user.is_active:
        # Without its officer the file has no region scope; never run it as
        # a system import.
        return _failed(ImportFileError("导入人账号已删除或停用，导入未执行", code="importer_gone"))
    missing = ImportFileError("上传的文件已不存在，请重新上传", code="file_missing")
    if not record.file:
        return _failed(missing)
    try:
        file = record.file.open("rb")
    except FileNotFoundError:
        return _failed(missing)
    with file:
        try:
            result = import_enterprises(
                file=file,
                file_name=record.file_name,
                user=user,
                partial=record.partial,
                progress=progress,
                chunk_size=CHUNK_SIZE,
            )
        except ImportFileError as exc:
            return _failed(exc)
    return {
        "status": ImportStatus.FAILED if result.refused else ImportStatus.SUCCEEDED,
        "total_rows": result.total_rows,
        "processed_rows": result.total_rows,
        "created_count": result.created,
        "updated_count": result.updated,
        "error_count": result.error_rows,
        "report": result.errors,
    }


def _failed(error: ImportFileError) -> dict[str, Any]:
    return {"status": ImportStatus.FAILED, "processed_rows": 0, "report": [error.report_item()]}


def enterprise_import_fail(*, import_id: int, message: str) -> None:
    """Mark an import failed that could not run to its end (the task gave up)."""
    EnterpriseImport.objects.filter(pk=import_id).exclude(status__in=FINISHED).update(
        status=ImportStatus.FAILED,
        report=[
            {"row": None, "column": None, "field": None, "code": "not_run", "message": message}
        ],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def _enqueue(import_id: int) -> None:
    from kombu.exceptions import OperationalError as BrokerError

    from companies.tasks import run_enterprise_import

    try:
        run_enterprise_import.delay(import_id)
    except BrokerError:
        logger.exception("could not queue enterprise import %s", import_id)
        enterprise_import_fail(
            import_id=import_id, message="任务队列暂时不可用，导入未执行，请稍后重新上传"
        )


@transaction.atomic
def enterprise_import_start(*, user, uploaded_file, partial: bool = False) -> EnterpriseImport:
    """Store an uploaded file as an EnterpriseImport and queue it for a worker.

    The file type is checked at once, so a wrong file is refused at upload;
    everything else is reported by the run. The task is queued only once the
    record is committed, or the worker might look for a row not there yet.
    """
    check_uploaded_file(uploaded_file)
    name = PurePath(uploaded_file.name).name
    record = EnterpriseImport(file_name=name[:200], partial=partial, created_by=user)
    record.file.save(name, uploaded_file, save=False)
    record.save()
    transaction.on_commit(bind(_enqueue, record.pk))
    return record


def check_uploaded_file(uploaded_file) -> str:
    """``check_file_type`` for an upload: refuse a wrong file before storing it."""
    uploaded_file.seek(0)
    head = uploaded_file.read(8)
    uploaded_file.seek(0)
    return check_file_type(uploaded_file.name, head)
