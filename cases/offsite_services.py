"""Writes to non-site enforcement records (非现场执法记录): ingestion from the
monitoring platforms and the off-site triage (核查处置) that closes each record.

Ingestion
    ``offsite_bulk_ingest`` takes up to 5,000 plain dicts (parsed JSON, no
    serializer per item) and answers one id per item, or an error with the
    item's index. It is idempotent by (source, external_id): a re-sent batch
    creates nothing, changes nothing and answers the same ids. Validation runs
    in Python with no query per item (the enterprises of the whole batch are
    read in one query, the actor's scope once); the write is one set-based
    ``INSERT … SELECT FROM unnest(arrays) … ON CONFLICT DO NOTHING RETURNING``
    the new ids, and the ids of the keys that were already stored come back
    from one ``SELECT`` joined to those keys (skipped when every record is
    new). A handful of queries a batch whatever its size.
    ``offsite_record_create`` is the same path for a single record.

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
from django.db.backends.postgresql.base import ServerBindingCursor
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
_NOT_FOUND = "企业不存在或不在您的管辖范围内"

# An item once checked: (source, external_id, enterprise id or None, USCC or "",
# monitoring point, indicator, value, limit, unit, started_at, ended_at), the
# numbers as canonical decimal strings.
_Row = tuple


class _ItemErrors(Exception):
    def __init__(self, items: list[tuple[str | None, str, str]]):
        super().__init__(items[0][2])
        self.items = items


# --- the fast path: a well-formed item, checked with as few operations as possible


_BAD = object()


def _plain_text(value, limit: int):
    """A stripped string within ``limit`` without NUL, else _BAD; absent is ""."""
    if value is None:
        return ""
    if type(value) is not str:
        return _BAD
    value = value.strip()
    if len(value) > limit or "\x00" in value:
        return _BAD
    return value


def _plain_number(value):
    """A finite decimal in range as its canonical string, None if absent, else _BAD."""
    if value is None or value == "":
        return None
    kind = type(value)
    try:
        if kind is str or kind is int:
            number = Decimal(value)
        elif kind is float:
            number = Decimal(repr(value))
        else:
            return _BAD
    except InvalidOperation:
        return _BAD
    if not number.is_finite() or not -_NUMBER_LIMIT < number < _NUMBER_LIMIT:
        return _BAD
    # str() is ASCII and without underscores whatever the input was
    # (Decimal("１_２") is 12), so PostgreSQL's numeric input takes it.
    return str(number)


def _plain_moment(value):
    if type(value) is not str:
        return _BAD
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return _BAD
    if moment.utcoffset() is None:
        return _BAD
    return moment


def _fast(item, latest: datetime) -> _Row | None:
    """The item as a row when it is well-formed in the ordinary way, else None
    (then ``_parse`` says what is wrong, or accepts an unusual but valid form)."""
    if type(item) is not dict:
        return None
    get = item.get
    source = get("source")
    if source not in _SOURCES:
        return None
    external_id = _plain_text(get("external_id"), 100)
    indicator = _plain_text(get("indicator"), 100)
    monitoring_point = _plain_text(get("monitoring_point"), 100)
    unit = _plain_text(get("unit"), 32)
    if not external_id or not indicator or monitoring_point is _BAD or unit is _BAD:
        return None
    if external_id is _BAD or indicator is _BAD:
        return None
    enterprise_id = get("enterprise")
    if enterprise_id is not None and (
        type(enterprise_id) is not int or not 0 < enterprise_id <= _BIGINT_MAX
    ):
        return None
    uscc = get("enterprise_uscc")
    if uscc is None:
        if enterprise_id is None:
            return None
        uscc = ""
    elif type(uscc) is str and uscc:
        uscc = uscc.strip().upper()
    else:
        return None
    value = _plain_number(get("value"))
    limit = _plain_number(get("limit"))
    if value is _BAD or limit is _BAD:
        return None
    started_at = _plain_moment(get("started_at"))
    if started_at is _BAD or started_at > latest:
        return None
    ended_at = get("ended_at")
    if ended_at is not None:
        ended_at = _plain_moment(ended_at)
        if ended_at is _BAD or ended_at < started_at:
            return None
    return (
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


# --- the careful path: every problem of an item, with its field and reason


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


def _number(item: dict, key: str, errors: list) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        errors.append((key, "invalid_number", f"{_LABELS[key]}应为数字"))
        return None
    number = _plain_number(value.strip() if isinstance(value, str) else value)
    if number is _BAD:
        errors.append(
            (
                key,
                "invalid_number",
                f"{_LABELS[key]}应为数字，整数部分最多 12 位，实际为“{str(value)[:50]}”",
            )
        )
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
    shown = value[:50]
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.append(
            (
                key,
                "invalid_datetime",
                f"{_LABELS[key]}应为带时区的 ISO 8601 时间，如 2024-05-06T08:30:00+08:00，"
                f"实际为“{shown}”",
            )
        )
        return None
    if moment.utcoffset() is None:
        errors.append(
            (key, "timezone_required", f"{_LABELS[key]}须带时区偏移，如 +08:00，实际为“{shown}”")
        )
        return None
    return moment


def _parse(item, latest: datetime) -> _Row:
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
                    f"来源应为 {'、'.join(OffsiteSource.values)} 之一，实际为“{str(source)[:50]}”",
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
        if started_at > latest:
            errors.append(("started_at", "future_datetime", "开始时间不能晚于当前时间"))
        if ended_at is not None and ended_at < started_at:
            errors.append(("ended_at", "before_start", "结束时间不能早于开始时间"))
    if errors:
        raise _ItemErrors(errors)
    return (
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


def _enterprises(
    rows: list[_Row],
) -> tuple[dict[int, tuple[str, str]], dict[str, tuple[int, str]]]:
    """The batch's enterprises in one query: by id → (uscc, region), by USCC → (id, region)."""
    ids = {row[2] for row in rows if row[2] is not None}
    usccs = {row[3] for row in rows if row[3]}
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


_SHANGHAI = ZoneInfo(settings.TIME_ZONE)


def detected_on_of(started_at: datetime) -> date:
    """The detection date statistics count by: the local (Asia/Shanghai) date of the start."""
    return started_at.astimezone(_SHANGHAI).date()


def _table_sql():
    meta = OffsiteRecord._meta
    quote = connection.ops.quote_name

    def column(name: str) -> str:
        return quote(meta.get_field(name).column)

    # (column, array type, expression) of what each item brings, in the order
    # of the rows _ingest builds. Arrays go in PostgreSQL's binary format (%b):
    # psycopg's text quoting of 5,000-element arrays costs more than the whole
    # INSERT. Numbers travel as canonical decimal strings, cast by the server.
    arrays = [
        ("source", "varchar", "c0"),
        ("external_id", "varchar", "c1"),
        ("enterprise", "bigint", "c2"),
        ("region", "varchar", "c3"),
        ("monitoring_point", "varchar", "c4"),
        ("indicator", "varchar", "c5"),
        ("value", "varchar", "c6::numeric"),
        ("limit", "varchar", "c7::numeric"),
        ("unit", "varchar", "c8"),
        ("started_at", "timestamptz", "c9"),
        ("ended_at", "timestamptz", "c10"),
    ]
    computed = [
        # The detection date: the local date of the start in the bureau's
        # time zone (the same rule as detected_on_of).
        ("detected_on", "(c9 AT TIME ZONE %(tz)s)::date"),
        ("status", "%(status)s"),
        ("dismissal_reason", "''"),
        ("triage_note", "''"),
        ("enterprise_response", "''"),
        ("received_at", "%(now)s"),
        ("updated_at", "%(now)s"),
    ]
    unnest = ", ".join(f"%(c{i})b::{kind}[]" for i, (_, kind, _) in enumerate(arrays))
    aliases = ", ".join(f"c{i}" for i in range(len(arrays)))
    insert = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(column(name) for name, *_ in arrays + computed)}) "
        f"SELECT {', '.join(expression for *_, expression in arrays + computed)} "
        f"FROM unnest({unnest}) AS t({aliases}) "
        f"ON CONFLICT ({column('source')}, {column('external_id')}) DO NOTHING "
        f"RETURNING {quote('id')}, {column('source')}, {column('external_id')}, "
        f"{column('region')}"
    )
    select = (
        f"SELECT r.{quote('id')}, r.{column('source')}, r.{column('external_id')}, "
        f"r.{column('region')} FROM {quote(meta.db_table)} r "
        f"JOIN unnest(%(c0)b::varchar[], %(c1)b::varchar[]) AS k(source, external_id) "
        f"ON r.{column('source')} = k.source AND r.{column('external_id')} = k.external_id"
    )
    columns = {name for name, *_ in arrays + computed} | {"id"}
    return insert, select, columns


# Every column the INSERT writes; a test checks that every other column of the
# table may be left to the database (nullable), so a field added to the model
# later does not break ingestion silently.
_INSERT_SQL, _SELECT_SQL, INSERT_FIELDS = _table_sql()


class _UnpreparedBindingCursor(ServerBindingCursor):
    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=False, binary=binary)


def _binding_cursor():
    """A cursor of Django's connection (its transaction, its error wrapping,
    its query log) that sends parameters separately, so that arrays may go in
    binary; the project's default cursor interpolates them client-side.

    It never prepares statements (psycopg would after five executions): a
    named prepared statement does not survive a transaction-pooling PgBouncer
    (docs/deployment.md), and planning this INSERT costs nothing next to it.
    """
    connection.ensure_connection()
    raw = _UnpreparedBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _check_may_ingest(actor) -> None:
    if not INGEST_ROLES.intersection(user_roles(actor)):
        raise Forbidden("只有监控平台账号可以报送非现场执法记录", code="role_required")


def _ingest(actor, items: list) -> BulkResult:
    now = timezone.now()
    latest = now + _CLOCK_SKEW
    codes = visible_region_codes(actor)
    result = BulkResult(ids=[None] * len(items))
    errors = result.errors
    parsed: list[tuple[int, _Row]] = []
    for index, item in enumerate(items):
        row = _fast(item, latest)
        if row is None:
            try:
                row = _parse(item, latest)
            except _ItemErrors as exc:
                errors.extend(
                    {"index": index, "field": f, "code": c, "message": m} for f, c, m in exc.items
                )
                continue
        parsed.append((index, row))
    by_id, by_uscc = _enterprises([row for _, row in parsed])

    # The first valid item of a (source, external_id) is the one written;
    # later ones answer its id.
    chosen: dict[tuple[str, str], tuple] = {}
    keyed: list[tuple[int, tuple[str, str]]] = []
    for index, row in parsed:
        enterprise_id, uscc = row[2], row[3]
        # Absent and out of scope answer alike, so a platform cannot probe
        # other regions' enterprises.
        if enterprise_id is not None:
            found = by_id.get(enterprise_id)
            field_name = "enterprise"
            if found is not None:
                if uscc and uscc != found[0]:
                    errors.append(
                        {
                            "index": index,
                            "field": "enterprise_uscc",
                            "code": "enterprise_mismatch",
                            "message": "统一社会信用代码与企业 id 不一致",
                        }
                    )
                    continue
                region = found[1]
        else:
            found = by_uscc.get(uscc)
            field_name = "enterprise_uscc"
            if found is not None:
                enterprise_id, region = found
        if found is None or (codes is not None and region not in codes):
            errors.append(
                {
                    "index": index,
                    "field": field_name,
                    "code": "enterprise_not_found",
                    "message": _NOT_FOUND,
                }
            )
            continue
        key = (row[0], row[1])
        keyed.append((index, key))
        if key not in chosen:
            chosen[key] = (
                row[0],
                row[1],
                enterprise_id,
                region,
                row[4],
                row[5],
                row[6],
                row[7],
                row[8],
                row[9],
                row[10],
            )
    if not chosen:
        errors.sort(key=lambda error: error["index"])
        return result

    # Rows go in key order: two batches sharing keys then take the unique
    # index's locks in the same order, so one waits for the other instead of
    # the two deadlocking.
    columns = [
        list(column) for column in zip(*(chosen[key] for key in sorted(chosen)), strict=True)
    ]
    sources, external_ids = columns[0], columns[1]
    params = {f"c{i}": column for i, column in enumerate(columns)}
    with _binding_cursor() as cursor:
        cursor.execute(
            _INSERT_SQL, {**params, "tz": settings.TIME_ZONE, "status": S.NEW.value, "now": now}
        )
        stored = {
            (source, external_id): (pk, region)
            for pk, source, external_id, region in cursor.fetchall()
        }
        result.created = len(stored)
        if result.created < len(sources):
            # Some keys were stored before (a re-send, or a concurrent request
            # that committed first): one SELECT for those. It runs after the
            # INSERT, so under READ COMMITTED it sees what that INSERT waited for.
            known = [key for key in zip(sources, external_ids, strict=True) if key not in stored]
            cursor.execute(
                _SELECT_SQL,
                {"c0": [key[0] for key in known], "c1": [key[1] for key in known]},
            )
            stored.update(
                ((source, external_id), (pk, region))
                for pk, source, external_id, region in cursor.fetchall()
            )

    ids = result.ids
    answered = 0
    for index, key in keyed:
        pk, region = stored[key]
        if codes is not None and region not in codes:
            # The key belongs to a record of another region (sent by another
            # platform): refuse rather than reveal its id.
            errors.append(
                {
                    "index": index,
                    "field": "external_id",
                    "code": "external_id_taken",
                    "message": "该来源下的平台记录号已被其他记录使用",
                }
            )
            continue
        ids[index] = pk
        answered += 1
    errors.sort(key=lambda error: error["index"])
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
