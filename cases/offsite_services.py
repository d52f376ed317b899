"""Writes to non-site enforcement records (非现场执法记录): ingestion from the
monitoring platforms and the off-site triage (核查处置) that closes each record.

Ingestion
    ``offsite_bulk_ingest`` takes up to 5,000 plain dicts (parsed JSON, no
    serializer per item) and answers one id per item, or an error with the
    item's index. It is idempotent by (source, external_id): a re-sent batch
    creates nothing, changes nothing and answers the same ids. Validation runs
    in Python with no query per item (the enterprises of the whole batch are
    read in one query, the actor's scope once); the write is one set-based
    ``INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO NOTHING`` and the
    ids come back from one ``SELECT`` joined to the same keys. Four queries a
    batch whatever its size. ``offsite_record_create`` is the same path for a
    single record.

Triage
    ``offsite_triage`` is the only code that changes ``OffsiteRecord.status``:
    new → verifying → dismissed (device fault, false alarm) | rectified online
    | inspection requested | case opened, with the reason of every step kept in
    ``OffsiteTriageStep``. "No evidence, no inspection" (无据不查): the record
    is the evidence an inspection or a case opened from it points back to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import region_visible, user_roles, visible_region_codes
from cases.choices import DismissalReason, OffsiteSource, OffsiteStatus
from cases.models import OffsiteRecord, OffsiteTriageStep
from companies.models import Enterprise
from ecoenforce.errors import ConflictError, DomainError, ErrorItem, Forbidden, ValidationFailed

S = OffsiteStatus

# One request carries at most this many records (API.md, offsite-records/bulk/).
MAX_BATCH = 5000

INGEST_ROLES = frozenset({Role.MONITORING_PLATFORM})
TRIAGE_ROLES = frozenset({Role.INSPECTOR, Role.APPROVER})

# Outcomes that end the loop; nothing moves out of them.
TERMINAL = frozenset({S.DISMISSED, S.RECTIFIED_ONLINE, S.INSPECTION_REQUESTED, S.CASE_OPENED})
# The statistics (API.md, half-year metrics): closed without a visit, and
# turned into on-site work.
CLOSED_OFFSITE = frozenset({S.DISMISSED, S.RECTIFIED_ONLINE})
TO_ONSITE = frozenset({S.INSPECTION_REQUESTED, S.CASE_OPENED})


@dataclass(frozen=True)
class TriageStep:
    source: OffsiteStatus
    target: OffsiteStatus
    label: str


def _steps(*rows: tuple[tuple[OffsiteStatus, ...], OffsiteStatus, str]) -> dict:
    return {
        (source, target): TriageStep(source, target, label)
        for sources, target, label in rows
        for source in sources
    }


# The one table of legal moves. Every step needs a reason; the outcomes need
# their own data too (see offsite_triage).
TRANSITIONS: dict[tuple[OffsiteStatus, OffsiteStatus], TriageStep] = _steps(
    ((S.NEW,), S.VERIFYING, "开始核查"),
    ((S.NEW, S.VERIFYING), S.DISMISSED, "排除（设备故障或误报）"),
    ((S.NEW, S.VERIFYING), S.RECTIFIED_ONLINE, "线上整改"),
    ((S.NEW, S.VERIFYING), S.INSPECTION_REQUESTED, "转现场检查"),
    ((S.NEW, S.VERIFYING), S.CASE_OPENED, "转立案查处"),
)


# --- ingestion ------------------------------------------------------------------------


@dataclass
class BulkResult:
    """One id per item (``None`` for a refused item), counts, and the refusals.

    ``created`` counts the records this request stored; ``existing`` the valid
    items that stored nothing because their (source, external_id) was already
    there, or came earlier in the same batch. ``created + existing`` plus the
    refused items is the number of items.
    """

    ids: list[int | None]
    created: int = 0
    existing: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "ids": self.ids,
            "created": self.created,
            "existing": self.existing,
            "errors": self.errors,
        }


_TEXT_LIMITS = {
    field_name: OffsiteRecord._meta.get_field(field_name).max_length
    for field_name in ("external_id", "monitoring_point", "indicator", "unit")
}
_LABELS = {
    f.name: str(f.verbose_name)
    for f in OffsiteRecord._meta.concrete_fields
    if f.name in ("source", "external_id", "enterprise", "monitoring_point", "indicator")
    or f.name in ("value", "limit", "unit", "started_at", "ended_at")
}
_SOURCES = frozenset(OffsiteSource.values)
# numeric(16, 4): twelve digits before the point.
_NUMBER_LIMIT = Decimal(10) ** 12
_BIGINT_MAX = 2**63 - 1
# Platforms' clocks drift; a detection further in the future than this is refused.
_CLOCK_SKEW = timedelta(minutes=10)


class _ItemErrors(Exception):
    def __init__(self, items: list[tuple[str | None, str, str]]):
        super().__init__(items[0][2])
        self.items = items


def _text(item: dict, key: str, errors: list, *, required: bool) -> str:
    value = item.get(key)
    if value is None or value == "":
        if required:
            errors.append((key, "required", f"请填写{_LABELS[key]}"))
        return ""
    if isinstance(value, int) and not isinstance(value, bool) and key == "external_id":
        value = str(value)  # platforms with numeric record numbers
    if not isinstance(value, str):
        errors.append((key, "invalid", f"{_LABELS[key]}应为字符串"))
        return ""
    value = value.strip()
    if required and not value:
        errors.append((key, "required", f"请填写{_LABELS[key]}"))
    elif len(value) > _TEXT_LIMITS[key]:
        errors.append((key, "max_length", f"{_LABELS[key]}不能超过 {_TEXT_LIMITS[key]} 个字符"))
    elif "\x00" in value:
        # PostgreSQL text cannot hold NUL; refused here rather than failing the batch.
        errors.append((key, "invalid", f"{_LABELS[key]}含有非法字符"))
    return value


def _number(item: dict, key: str, errors: list) -> Decimal | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors.append((key, "invalid_number", f"{_LABELS[key]}应为数字"))
        return None
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        errors.append((key, "invalid_number", f"{_LABELS[key]}应为数字，实际为“{value}”"))
        return None
    if not number.is_finite() or abs(number) >= _NUMBER_LIMIT:
        errors.append((key, "invalid_number", f"{_LABELS[key]}超出范围（整数部分最多 12 位）"))
        return None
    return number


def _moment(item: dict, key: str, errors: list, *, required: bool) -> datetime | None:
    value = item.get(key)
    if value is None or value == "":
        if required:
            errors.append((key, "required", f"请填写{_LABELS[key]}"))
        return None
    if not isinstance(value, str):
        errors.append((key, "invalid_datetime", f"{_LABELS[key]}应为 ISO 8601 时间字符串"))
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.append(
            (
                key,
                "invalid_datetime",
                f"{_LABELS[key]}应为带时区的 ISO 8601 时间，如 2024-05-06T08:30:00+08:00，"
                f"实际为“{value}”",
            )
        )
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        errors.append(
            (key, "timezone_required", f"{_LABELS[key]}须带时区偏移，如 +08:00，实际为“{value}”")
        )
        return None
    return moment


@dataclass
class _Row:
    index: int
    source: str
    external_id: str
    enterprise_id: int | None
    enterprise_uscc: str
    monitoring_point: str
    indicator: str
    value: Decimal | None
    limit: Decimal | None
    unit: str
    started_at: datetime
    ended_at: datetime | None


def _parse(index: int, item, now: datetime) -> _Row:
    """One item's own checks (everything but the enterprise, which needs the
    batch's one query); raises _ItemErrors with every problem found."""
    if not isinstance(item, dict):
        raise _ItemErrors([(None, "invalid", "每条记录应为 JSON 对象")])
    errors: list[tuple[str | None, str, str]] = []
    source = item.get("source")
    if source not in _SOURCES:
        if source in (None, ""):
            errors.append(("source", "required", "请填写来源"))
        else:
            errors.append(
                (
                    "source",
                    "invalid_choice",
                    f"来源应为 {'、'.join(OffsiteSource.values)} 之一，实际为“{source}”",
                )
            )
    external_id = _text(item, "external_id", errors, required=True)
    enterprise_id = item.get("enterprise")
    uscc = item.get("enterprise_uscc")
    if enterprise_id in (None, "") and uscc in (None, ""):
        errors.append(("enterprise", "required", "请填写企业（企业 id 或统一社会信用代码）"))
        enterprise_id, uscc = None, ""
    else:
        if enterprise_id in (None, ""):
            enterprise_id = None
        elif (
            isinstance(enterprise_id, bool)
            or not isinstance(enterprise_id, int)
            or not 0 < enterprise_id <= _BIGINT_MAX
        ):
            errors.append(("enterprise", "invalid", "企业应为企业 id（正整数）"))
            enterprise_id = None
        if uscc in (None, ""):
            uscc = ""
        elif not isinstance(uscc, str):
            errors.append(("enterprise_uscc", "invalid", "统一社会信用代码应为字符串"))
            uscc = ""
        else:
            uscc = uscc.strip().upper()
    monitoring_point = _text(item, "monitoring_point", errors, required=False)
    indicator = _text(item, "indicator", errors, required=True)
    value = _number(item, "value", errors)
    limit = _number(item, "limit", errors)
    unit = _text(item, "unit", errors, required=False)
    started_at = _moment(item, "started_at", errors, required=True)
    ended_at = _moment(item, "ended_at", errors, required=False)
    if started_at is not None:
        if started_at > now + _CLOCK_SKEW:
            errors.append(("started_at", "future_datetime", "开始时间不能晚于当前时间"))
        if ended_at is not None and ended_at < started_at:
            errors.append(("ended_at", "before_start", "结束时间不能早于开始时间"))
    if errors:
        raise _ItemErrors(errors)
    return _Row(
        index,
        source,
        external_id,
        enterprise_id,
        uscc,
        monitoring_point,
        indicator,
        value,
        limit,
        unit,
        started_at,
        ended_at,
    )


def _enterprises(rows: list[_Row]) -> tuple[dict[int, tuple[str, str]], dict[str, tuple[int, str]]]:
    """The batch's enterprises in one query: by id → (uscc, region), by USCC → (id, region)."""
    ids = {row.enterprise_id for row in rows if row.enterprise_id is not None}
    usccs = {row.enterprise_uscc for row in rows if row.enterprise_uscc}
    if not ids and not usccs:
        return {}, {}
    found = Enterprise.objects.filter(Q(pk__in=ids) | Q(uscc__in=usccs)).values_list(
        "pk", "uscc", "region_id"
    )
    by_id, by_uscc = {}, {}
    for pk, uscc, region in found.order_by():
        by_id[pk] = (uscc, region)
        by_uscc[uscc] = (pk, region)
    return by_id, by_uscc


_NOT_FOUND = "企业不存在或不在您的管辖范围内"


def _resolve_enterprise(
    row: _Row, by_id: dict, by_uscc: dict, codes: frozenset[str] | None
) -> tuple[int, str]:
    """(enterprise id, region) of the row; absent and out of scope answer alike,
    so a platform cannot probe other regions' enterprises."""
    if row.enterprise_id is not None:
        found = by_id.get(row.enterprise_id)
        if found is None:
            raise _ItemErrors([("enterprise", "enterprise_not_found", _NOT_FOUND)])
        uscc, region = found
        if row.enterprise_uscc and row.enterprise_uscc != uscc:
            raise _ItemErrors(
                [("enterprise_uscc", "enterprise_mismatch", "统一社会信用代码与企业 id 不一致")]
            )
        pk = row.enterprise_id
        field_name = "enterprise"
    else:
        found = by_uscc.get(row.enterprise_uscc)
        if found is None:
            raise _ItemErrors([("enterprise_uscc", "enterprise_not_found", _NOT_FOUND)])
        pk, region = found
        field_name = "enterprise_uscc"
    if codes is not None and region not in codes:
        raise _ItemErrors([(field_name, "enterprise_not_found", _NOT_FOUND)])
    return pk, region


_SHANGHAI = ZoneInfo(settings.TIME_ZONE)


def detected_on_of(started_at: datetime) -> date:
    """The detection date statistics count by: the local (Asia/Shanghai) date of the start."""
    return started_at.astimezone(_SHANGHAI).date()


def _table_sql():
    meta = OffsiteRecord._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    # (column, array type) of what each item brings; the rest are constants.
    arrays = [
        ("source", "varchar"),
        ("external_id", "varchar"),
        ("enterprise", "bigint"),
        ("region", "varchar"),
        ("monitoring_point", "varchar"),
        ("indicator", "varchar"),
        ("value", "numeric"),
        ("limit", "numeric"),
        ("unit", "varchar"),
        ("started_at", "timestamptz"),
        ("ended_at", "timestamptz"),
        ("detected_on", "date"),
    ]
    constants = [
        ("status", "%s"),
        ("dismissal_reason", "''"),
        ("triage_note", "''"),
        ("enterprise_response", "''"),
        ("received_at", "%s"),
        ("updated_at", "%s"),
    ]
    names = [f"c{i}" for i in range(len(arrays))]
    insert = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(column(name) for name, _ in arrays + constants)}) "
        f"SELECT {', '.join(names)}, {', '.join(value for _, value in constants)} "
        f"FROM unnest({', '.join(f'%s::{kind}[]' for _, kind in arrays)}) "
        f"AS t({', '.join(names)}) "
        f"ON CONFLICT ({column('source')}, {column('external_id')}) DO NOTHING"
    )
    select = (
        f"SELECT r.{quote('id')}, r.{column('source')}, r.{column('external_id')}, "
        f"r.{column('region')} FROM {quote(meta.db_table)} r "
        f"JOIN unnest(%s::varchar[], %s::varchar[]) AS k(source, external_id) "
        f"ON r.{column('source')} = k.source AND r.{column('external_id')} = k.external_id"
    )
    columns = {name for name, _ in arrays + constants} | {"id"}
    return insert, select, columns


# Every column the INSERT writes; a test checks that every other column of the
# table may be left to the database (nullable), so a field added to the model
# later does not break ingestion silently.
_INSERT_SQL, _SELECT_SQL, INSERT_FIELDS = _table_sql()


def _check_may_ingest(actor) -> None:
    if not INGEST_ROLES.intersection(user_roles(actor)):
        raise Forbidden("只有监控平台账号可以报送非现场执法记录", code="role_required")


def _ingest(actor, items: list) -> BulkResult:
    now = timezone.now()
    codes = visible_region_codes(actor)
    result = BulkResult(ids=[None] * len(items))
    parsed: list[_Row] = []
    for index, item in enumerate(items):
        try:
            parsed.append(_parse(index, item, now))
        except _ItemErrors as exc:
            result.errors.extend(
                {"index": index, "field": f, "code": c, "message": m} for f, c, m in exc.items
            )
    by_id, by_uscc = _enterprises(parsed)

    # The first valid item of a (source, external_id) is the one written;
    # later ones answer its id.
    first: dict[tuple[str, str], int] = {}
    valid: list[tuple[_Row, int, str]] = []
    keyed: list[tuple[int, tuple[str, str]]] = []
    for row in parsed:
        try:
            enterprise_id, region = _resolve_enterprise(row, by_id, by_uscc, codes)
        except _ItemErrors as exc:
            result.errors.extend(
                {"index": row.index, "field": f, "code": c, "message": m} for f, c, m in exc.items
            )
            continue
        key = (row.source, row.external_id)
        keyed.append((row.index, key))
        if key not in first:
            first[key] = row.index
            valid.append((row, enterprise_id, region))
    result.errors.sort(key=lambda error: error["index"])
    if not valid:
        return result

    columns: list[list] = [[] for _ in range(12)]
    for row, enterprise_id, region in valid:
        for position, value in enumerate(
            (
                row.source,
                row.external_id,
                enterprise_id,
                region,
                row.monitoring_point,
                row.indicator,
                row.value,
                row.limit,
                row.unit,
                row.started_at,
                row.ended_at,
                detected_on_of(row.started_at),
            )
        ):
            columns[position].append(value)
    with connection.cursor() as cursor:
        # The constants' placeholders come first in the statement, then the arrays.
        cursor.execute(_INSERT_SQL, [S.NEW.value, now, now, *columns])
        result.created = max(cursor.rowcount, 0)
        cursor.execute(_SELECT_SQL, [columns[0], columns[1]])
        stored = {(source, external_id): (pk, region) for pk, source, external_id, region in cursor}

    answered = 0
    for index, key in keyed:
        pk, region = stored[key]
        if codes is not None and region not in codes:
            # The key belongs to a record of another region (sent by another
            # platform): refuse rather than reveal its id.
            result.errors.append(
                {
                    "index": index,
                    "field": "external_id",
                    "code": "external_id_taken",
                    "message": "该来源下的平台记录号已被其他记录使用",
                }
            )
            continue
        result.ids[index] = pk
        answered += 1
    result.errors.sort(key=lambda error: error["index"])
    result.existing = answered - result.created
    return result


@transaction.atomic
def offsite_bulk_ingest(*, actor, items: list[dict]) -> BulkResult:
    """Store a monitoring platform's batch; answer one id per item (see BulkResult).

    Valid items are kept when others are refused; a refused item is answered
    with its index, the field and the reason. An existing record is never
    changed by a re-send.
    """
    if not isinstance(items, list):
        raise DomainError('请求体应为 {"items": [记录, …]}', code="invalid", field="items")
    if len(items) > MAX_BATCH:
        raise DomainError(
            f"一次最多报送 {MAX_BATCH} 条记录，本次 {len(items)} 条，请拆分后分批报送",
            code="batch_too_large",
            field="items",
        )
    _check_may_ingest(actor)
    return _ingest(actor, items)


@transaction.atomic
def offsite_record_create(*, actor, data: dict) -> tuple[OffsiteRecord, bool]:
    """One record, with the same checks as a batch; answers (record, created).

    Sending a record that is already stored answers the stored record and
    ``created=False``, exactly as a re-sent batch would.
    """
    _check_may_ingest(actor)
    result = _ingest(actor, [data])
    if result.errors:
        raise ValidationFailed(
            [ErrorItem(error["field"], error["code"], error["message"]) for error in result.errors]
        )
    record = OffsiteRecord.objects.select_related("enterprise").get(pk=result.ids[0])
    return record, bool(result.created)


# --- triage -------------------------------------------------------------------------------


class OffsiteRecordNotFound(DomainError):
    """Absent or outside the actor's regions: one answer for both (API.md: 404)."""

    status = 404
    default_code = "not_found"


def ensure_in_scope(record: OffsiteRecord, actor) -> None:
    if not region_visible(actor, record.region_id):
        raise OffsiteRecordNotFound("记录不存在或不在您的管辖范围内")


def allowed_triage(record: OffsiteRecord, user) -> list[TriageStep]:
    """The steps ``user`` may take on ``record`` now."""
    if not TRIAGE_ROLES.intersection(user_roles(user)):
        return []
    return [step for (source, _), step in TRANSITIONS.items() if source == record.status]


def hours_to_triage(record: OffsiteRecord) -> float | None:
    """Hours from the start of the alert to the first triage decision out of 新 (待核查)."""
    if record.triaged_at is None:
        return None
    return round((record.triaged_at - record.started_at).total_seconds() / 3600, 2)


def _triage_moment(record: OffsiteRecord, on: date | datetime | None, now: datetime) -> datetime:
    """When the decision was taken. Today's decisions are stamped now; one
    entered later for an earlier day counts at the end of that day, so the
    statistics never show a faster response than there was."""
    if isinstance(on, datetime):
        if timezone.is_naive(on):
            on = timezone.make_aware(on)
        moment = on
    elif on is None or on == timezone.localdate(now):
        moment = now
    else:
        moment = datetime.combine(on + timedelta(days=1), time.min, tzinfo=_SHANGHAI) - timedelta(
            microseconds=1
        )
    day = timezone.localdate(moment)
    if moment > now + _CLOCK_SKEW or day > timezone.localdate(now):
        raise DomainError(f"处置日期 {day} 晚于今天", code="future_date", field="on")
    if moment < record.started_at:
        raise DomainError(
            f"处置日期 {day} 早于记录的开始时间"
            f"（{timezone.localtime(record.started_at):%Y-%m-%d %H:%M}）",
            code="before_detection",
            field="on",
        )
    return moment


def _require(value, field_name: str, message: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if not text:
        raise DomainError(message, code="required", field=field_name)
    return text


@transaction.atomic
def offsite_triage(
    *,
    record: OffsiteRecord,
    actor,
    to: str,
    reason: str,
    on: date | datetime | None = None,
    dismissal_reason: str | None = None,
    enterprise_response: str = "",
    officers=None,
    violations=None,
) -> OffsiteRecord:
    """Move ``record`` to ``to`` with the step's ``reason`` (required at every step).

    - ``dismissed`` needs ``dismissal_reason`` (device_fault or false_alarm);
    - ``rectified_online`` the enterprise's response;
    - ``inspection_requested`` requests an on-site inspection triggered by the
      record (``cases.inspection_services.inspection_request``) with
      ``officers``;
    - ``case_opened`` registers a penalty-case clue from the record
      (``cases.services.case_register``) with ``violations`` and ``officers``,
      discovered on the detection date.

    The first decision out of 新 (待核查) stamps ``triaged_at``/``triaged_by``:
    the time from detection to triage is ``triaged_at − started_at``. Refusals
    write nothing, the inspection or case included.
    """
    if to not in S.values:
        raise DomainError(f"未知处置状态：{to}", code="invalid_choice", field="to")
    target = S(to)
    # Lock the row: two officers triaging one record queue here, and the
    # second sees the first one's outcome (409) instead of doubling it.
    record = OffsiteRecord.objects.select_for_update().get(pk=record.pk)
    ensure_in_scope(record, actor)
    if not TRIAGE_ROLES.intersection(user_roles(actor)):
        raise Forbidden("核查处置非现场执法记录须为执法人员或负责人", code="role_required")
    if record.status == target:
        return record
    current = S(record.status)
    step = TRANSITIONS.get((current, target))
    if step is None:
        if current in TERMINAL:
            message = f"记录已处置为“{current.label}”，不能再变更为“{target.label}”"
        else:
            message = f"不能从“{current.label}”变更为“{target.label}”"
        raise ConflictError(message, code="illegal_transition")
    reason = _require(reason, "reason", "请填写处置理由")
    now = timezone.now()
    moment = _triage_moment(record, on, now)
    step_on = timezone.localdate(moment)
    data: dict = {}

    if target == S.DISMISSED:
        if dismissal_reason not in DismissalReason.values:
            raise DomainError(
                "请选择排除原因（设备故障或误报）",
                code="required" if not dismissal_reason else "invalid_choice",
                field="dismissal_reason",
            )
        record.dismissal_reason = dismissal_reason
        data["dismissal_reason"] = dismissal_reason
    elif target == S.RECTIFIED_ONLINE:
        response = _require(enterprise_response, "enterprise_response", "请登记企业的整改反馈")
        record.enterprise_response = response
        data["enterprise_response"] = response
    elif target == S.INSPECTION_REQUESTED:
        from cases.inspection_services import inspection_request

        inspection = inspection_request(
            actor=actor,
            enterprise=record.enterprise,
            trigger="offsite",
            offsite_record=record,
            officers=list(officers or []),
            trigger_reason=reason,
        )
        data["inspection"] = inspection.pk
    elif target == S.CASE_OPENED:
        from cases.services import case_register

        case = case_register(
            actor=actor,
            enterprise=record.enterprise,
            source="offsite",
            source_offsite_record=record,
            source_reference=f"{record.get_source_display()} {record.external_id}"[:100],
            violations=list(violations or []),
            officers=list(officers or []),
            discovered_on=record.detected_on,
        )
        data["case"] = case.pk

    if record.triaged_at is None:
        record.triaged_at = moment
        record.triaged_by = actor
    record.status = target
    record.triage_note = reason
    record.save()
    OffsiteTriageStep.objects.create(
        record=record,
        from_status=current,
        to_status=target,
        on=step_on,
        actor=actor,
        reason=reason,
        data=data,
    )
    return record
