"""The enterprise file (一企一档): one timeline of everything that happened to an
enterprise, and a 12-quarter compliance strip.

Timeline
--------
``enterprise_timeline`` reads every kind of record in ONE SQL query: a
``UNION ALL`` of one ``SELECT`` per kind (built with the ORM's
``.values(...).union(..., all=True)``), each answering the same columns —
kind, date, record id, a related id, a few codes, two numbers and a text —
ordered by date (newest first), then kind and id, with ``LIMIT``/``OFFSET``
for the page, plus one ``COUNT`` over the same union. Titles and details are
written in Chinese from these columns in Python, from the choice labels, with
no further query. So a page costs the same number of queries whether the
enterprise has five records or five thousand. A kind filter leaves whole
``SELECT``s out; a period filter applies to each ``SELECT``'s own date.

The kinds (``TIMELINE_KINDS``) and the date each is placed by:

============================  =====================================================
``inspection``                现场检查, inspection date (cancelled ones included)
``finding``                   发现问题, found date (copies carried to a follow-up
                              are not repeated)
``offsite``                   非现场执法记录, detection date
``case_filed``                立案, the filing step's date
``case_decided``              处罚决定 (fine) or 不予处罚, the decision step's date
``case_closed``               结案, the closing step's date
``special_measure``           配套办法 (按日连续处罚, 查封扣押 …), the measure's date
``ladder``                    阶梯式措施决定, decision date
``visit``                     走访, visit date
``symposium``                 参加政企座谈会, date held
``demand_raised``             诉求提出, raised date
``demand_resolved``           诉求解决, resolved date
``demand_unresolvable``       诉求认定无法解决, that date
``feedback``                  服务评价 / 监督投诉, submission date (complaints only
                              for the readers ``feedback_visibility`` allows)
``positive_list_added``       纳入正面清单, date added
``positive_list_removed``     移出正面清单, date removed
============================  =====================================================

Compliance strip
----------------
``compliance_strip`` gives, for each of the last 12 calendar quarters (the
current one included), one status derived from the records, in this order
of precedence:

1. ``enforcement`` (处于执法程序) — a penalty case of the enterprise was open at
   some time in the quarter (filed on or before its last day and not ended
   — closed, decided without penalty, transferred — before its first day;
   the end day itself no longer counts as open), or a special measure
   (配套办法) is dated in it;
2. ``problem`` (发现问题) — an inspection dated in the quarter (not cancelled)
   recorded a problem: a new finding, or a finding carried from an earlier
   inspection that this inspection did not verify as corrected; or a non-site
   record detected in the quarter was not dismissed (an alert not yet
   triaged counts: nobody has cleared it);
3. ``no_problem`` (未发现问题) — at least one completed inspection, or one
   non-site record triaged (and so, by 2, dismissed), in the quarter;
4. ``not_checked`` (未检查) — nothing of the above.

Each quarter carries the records that decided its status; the pages link a
quarter to the timeline filtered to it. The strip reads four queries (the
inspections, the non-site records, the cases and the special measures of the
three years at once) and buckets them in Python.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    DecimalField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.selectors import region_visible
from cases.choices import (
    CaseStatus,
    ClosingReason,
    FindingSeverity,
    FindingStatus,
    InspectionOutcome,
    InspectionStatus,
    InspectionTrigger,
    LadderStep,
    MeasureKind,
    OffsiteSource,
    OffsiteStatus,
)
from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.models import (
    CaseTransition,
    Feedback,
    Finding,
    Inspection,
    LadderDecision,
    OffsiteRecord,
    PenaltyCase,
    SpecialMeasure,
)
from companies.choices import DemandCategory, DemandStatus, VisitKind
from companies.models import Demand, Enterprise, PositiveListEntry, Symposium, Visit

TIMELINE_KINDS: dict[str, str] = {
    "inspection": "现场检查",
    "finding": "发现问题",
    "offsite": "非现场执法记录",
    "case_filed": "立案",
    "case_decided": "处罚决定",
    "case_closed": "结案",
    "special_measure": "配套办法",
    "ladder": "阶梯式措施",
    "visit": "走访",
    "symposium": "政企座谈会",
    "demand_raised": "诉求提出",
    "demand_resolved": "诉求解决",
    "demand_unresolvable": "诉求无法解决",
    "feedback": "服务评价与投诉",
    "positive_list_added": "纳入正面清单",
    "positive_list_removed": "移出正面清单",
}

TIMELINE_KIND_CHOICES = list(TIMELINE_KINDS.items())

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50

# The columns every SELECT of the union answers, in this order.
COLUMNS = ("t_kind", "t_on", "t_id", "t_ref", "t_a", "t_b", "t_c", "t_n1", "t_n2", "t_text")
MONEY = DecimalField(max_digits=20, decimal_places=4)
CASE_ENDS = (CaseStatus.CLOSED, CaseStatus.NO_PENALTY, CaseStatus.TRANSFERRED)


def _text(expression) -> Cast:
    if expression is None:
        return Cast(Value(""), output_field=CharField())
    return Cast(Coalesce(F(expression), Value("")), output_field=CharField())


def _number(expression) -> Cast:
    # A bare NULL would reach PostgreSQL as a text parameter, which a UNION
    # cannot match with numeric: every column is cast to its type.
    return Cast(Value(None) if expression is None else F(expression), output_field=MONEY)


def _branch(
    queryset: QuerySet,
    kind: str,
    on: str,
    *,
    record_id: str = "pk",
    ref: str | None = None,
    a=None,
    b=None,
    c=None,
    n1: str | None = None,
    n2: str | None = None,
    text: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> QuerySet:
    """One SELECT of the union: ``queryset``'s rows in the period, as the common columns."""
    if start is not None:
        queryset = queryset.filter(**{f"{on}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{on}__lte": end})
    return (
        queryset.order_by()
        .annotate(
            t_kind=Value(kind, output_field=CharField()),
            t_on=Cast(F(on), output_field=DateField()),
            t_id=Cast(F(record_id), output_field=BigIntegerField()),
            t_ref=Cast(F(ref), output_field=BigIntegerField())
            if ref
            else Cast(Value(None), output_field=BigIntegerField()),
            t_a=_text(a),
            t_b=_text(b),
            t_c=_text(c),
            t_n1=_number(n1),
            t_n2=_number(n2),
            t_text=Cast(Coalesce(F(text), Value("")), output_field=TextField())
            if text
            else Value("", output_field=TextField()),
        )
        .values_list(*COLUMNS)
    )


def _branches(enterprise: Enterprise, user, start, end) -> dict[str, QuerySet]:
    from cases.feedback_services import feedback_visibility

    e = enterprise.pk
    period = {"start": start, "end": end}
    transitions = CaseTransition.objects.filter(case__enterprise_id=e)
    feedback = Feedback.objects.filter(enterprise_id=e)
    visible = feedback_visibility(user)
    if visible is not None:
        feedback = feedback.filter(visible)
    return {
        "inspection": _branch(
            Inspection.objects.filter(enterprise_id=e),
            "inspection",
            "inspected_on",
            a="trigger",
            b="status",
            c="outcome",
            text="summary",
            **period,
        ),
        "finding": _branch(
            Finding.objects.filter(enterprise_id=e, carried_from__isnull=True),
            "finding",
            "found_on",
            ref="inspection_id",
            a="severity",
            b="status",
            c="violation_type__name",
            text="description",
            **period,
        ),
        "offsite": _branch(
            OffsiteRecord.objects.filter(enterprise_id=e),
            "offsite",
            "detected_on",
            a="source",
            b="status",
            c="indicator",
            n1="value",
            n2="limit",
            text="unit",
            **period,
        ),
        "case_filed": _branch(
            transitions.filter(to_status=CaseStatus.FILED),
            "case_filed",
            "on",
            ref="case_id",
            a="case__number",
            b="case__title",
            text="note",
            **period,
        ),
        "case_decided": _branch(
            transitions.filter(to_status__in=[CaseStatus.DECIDED, CaseStatus.NO_PENALTY]),
            "case_decided",
            "on",
            ref="case_id",
            a="case__number",
            b="to_status",
            c="case__title",
            n1="case__fine_amount",
            text="note",
            **period,
        ),
        "case_closed": _branch(
            transitions.filter(to_status=CaseStatus.CLOSED),
            "case_closed",
            "on",
            ref="case_id",
            a="case__number",
            b="case__closing_reason",
            text="note",
            **period,
        ),
        "special_measure": _branch(
            SpecialMeasure.objects.filter(case__enterprise_id=e),
            "special_measure",
            "on",
            ref="case_id",
            a="kind",
            b="case__number",
            n1="amount",
            n2="days",
            text="note",
            **period,
        ),
        "ladder": _branch(
            LadderDecision.objects.filter(enterprise_id=e),
            "ladder",
            "decided_on",
            ref="inspection_id",
            a="decided",
            b="proposed",
            n1="minor_findings",
            text="note",
            **period,
        ),
        "visit": _branch(
            Visit.objects.filter(enterprise_id=e),
            "visit",
            "visited_on",
            a="kind",
            text="notes",
            **period,
        ),
        "symposium": _branch(
            Symposium.enterprises.through.objects.filter(enterprise_id=e),
            "symposium",
            "symposium__held_on",
            record_id="symposium_id",
            a="symposium__topic",
            b="symposium__location",
            **period,
        ),
        "demand_raised": _branch(
            Demand.objects.filter(enterprise_id=e),
            "demand_raised",
            "raised_on",
            a="category",
            b="status",
            text="description",
            **period,
        ),
        "demand_resolved": _branch(
            Demand.objects.filter(enterprise_id=e, resolved_on__isnull=False),
            "demand_resolved",
            "resolved_on",
            a="category",
            text="resolution",
            **period,
        ),
        "demand_unresolvable": _branch(
            Demand.objects.filter(enterprise_id=e, unresolvable_on__isnull=False),
            "demand_unresolvable",
            "unresolvable_on",
            a="category",
            text="unresolvable_reason",
            **period,
        ),
        "feedback": _branch(
            feedback,
            "feedback",
            "submitted_on",
            a="kind",
            b="status",
            n1="rating",
            text="comment",
            **period,
        ),
        "positive_list_added": _branch(
            PositiveListEntry.objects.filter(enterprise_id=e),
            "positive_list_added",
            "added_on",
            text="reason",
            **period,
        ),
        "positive_list_removed": _branch(
            PositiveListEntry.objects.filter(enterprise_id=e, removed_on__isnull=False),
            "positive_list_removed",
            "removed_on",
            text="removal_reason",
            **period,
        ),
    }


# --- rows: titles, details, links -------------------------------------------------------------


def admin_link(model: str, pk) -> str | None:
    """The admin change page of a record, or ``None`` when that model has no admin page."""
    if pk is None:
        return None
    try:
        return reverse(f"admin:{model}_change", args=[pk])
    except NoReverseMatch:
        return None


def _label(choices, value: str) -> str:
    try:
        return choices(value).label
    except ValueError:
        return value or ""


def _amount(value: Decimal | None) -> str:
    if value is None:
        return ""
    value = Decimal(value).quantize(Decimal("0.01"))
    return f"{value:,.2f}"


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(Decimal(value).normalize(), "f")


def _short(text: str, limit: int = 120) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(*parts: str) -> str:
    return "；".join(part for part in parts if part)


def _case_name(number: str) -> str:
    return f"案件 {number}" if number else "案件"


def _row_inspection(r) -> tuple[str, str, str | None]:
    title = f"现场检查（{_label(InspectionTrigger, r.a)}）"
    outcome = _label(InspectionOutcome, r.c) if r.c else ""
    detail = _join(_label(InspectionStatus, r.b), outcome, _short(r.text))
    return title, detail, admin_link("cases_inspection", r.id)


def _row_finding(r):
    title = f"发现问题（{_label(FindingSeverity, r.a)}）"
    detail = _join(_short(r.text), r.c, _label(FindingStatus, r.b))
    return title, detail, admin_link("cases_finding", r.id)


def _row_offsite(r):
    title = f"非现场执法记录：{_label(OffsiteSource, r.a)}"
    reading = ""
    if r.n1 is not None:
        reading = f"{r.c} {_plain(r.n1)}{r.text}"
        if r.n2 is not None:
            reading += f"（限值 {_plain(r.n2)}{r.text}）"
    else:
        reading = r.c
    detail = _join(reading, _label(OffsiteStatus, r.b))
    return title, detail, admin_link("cases_offsiterecord", r.id)


def _row_case_filed(r):
    return f"立案：{_case_name(r.a)}", _join(r.b, _short(r.text)), _case_link(r)


def _case_link(r):
    return admin_link("cases_penaltycase", r.ref)


def _row_case_decided(r):
    if r.b == CaseStatus.NO_PENALTY:
        title = f"不予处罚决定：{_case_name(r.a)}"
        detail = _join(r.c, _short(r.text))
    else:
        title = f"行政处罚决定：{_case_name(r.a)}"
        fine = f"罚款 {_amount(r.n1)} 元" if r.n1 is not None else ""
        detail = _join(fine, r.c, _short(r.text))
    return title, detail, _case_link(r)


def _row_case_closed(r):
    reason = _label(ClosingReason, r.b) if r.b else ""
    return f"结案：{_case_name(r.a)}", _join(reason, _short(r.text)), _case_link(r)


def _row_special_measure(r):
    title = f"配套办法：{_label(MeasureKind, r.a)}"
    amount = f"金额 {_amount(r.n1)} 元" if r.n1 is not None else ""
    days = f"计罚 {_plain(r.n2)} 天" if r.n2 is not None else ""
    detail = _join(_case_name(r.b), days, amount, _short(r.text))
    return title, detail, _case_link(r)


def _row_ladder(r):
    title = f"阶梯式措施：{_label(LadderStep, r.a)}"
    proposed = f"系统建议：{_label(LadderStep, r.b)}"
    times = f"窗口期内轻微问题 {_plain(r.n1)} 次" if r.n1 is not None else ""
    return title, _join(proposed, times, _short(r.text)), admin_link("cases_ladderdecision", r.id)


def _row_visit(r):
    return (
        f"走访（{_label(VisitKind, r.a)}）",
        _short(r.text),
        admin_link("companies_visit", r.id),
    )


def _row_symposium(r):
    return (
        f"参加政企座谈会：{r.a}",
        r.b,
        admin_link("companies_symposium", r.id),
    )


def _row_demand_raised(r):
    return (
        f"提出诉求（{_label(DemandCategory, r.a)}）",
        _join(_short(r.text), _label(DemandStatus, r.b)),
        admin_link("companies_demand", r.id),
    )


def _row_demand_resolved(r):
    return (
        f"诉求已解决（{_label(DemandCategory, r.a)}）",
        _short(r.text),
        admin_link("companies_demand", r.id),
    )


def _row_demand_unresolvable(r):
    return (
        f"诉求认定无法解决（{_label(DemandCategory, r.a)}）",
        _short(r.text),
        admin_link("companies_demand", r.id),
    )


def _row_feedback(r):
    if r.a == FeedbackKind.RATING:
        title = f"服务评价：{_plain(r.n1)} 星"
        detail = _short(r.text)
    else:
        title = f"监督投诉（{_label(ComplaintStatus, r.b)}）"
        detail = _short(r.text)
    return title, detail, admin_link("cases_feedback", r.id)


def _row_positive_list_added(r):
    return "纳入正面清单", _short(r.text), admin_link("companies_positivelistentry", r.id)


def _row_positive_list_removed(r):
    return "移出正面清单", _short(r.text), admin_link("companies_positivelistentry", r.id)


ROW_WRITERS = {
    "inspection": _row_inspection,
    "finding": _row_finding,
    "offsite": _row_offsite,
    "case_filed": _row_case_filed,
    "case_decided": _row_case_decided,
    "case_closed": _row_case_closed,
    "special_measure": _row_special_measure,
    "ladder": _row_ladder,
    "visit": _row_visit,
    "symposium": _row_symposium,
    "demand_raised": _row_demand_raised,
    "demand_resolved": _row_demand_resolved,
    "demand_unresolvable": _row_demand_unresolvable,
    "feedback": _row_feedback,
    "positive_list_added": _row_positive_list_added,
    "positive_list_removed": _row_positive_list_removed,
}
assert set(ROW_WRITERS) == set(TIMELINE_KINDS)


@dataclass(frozen=True)
class _Raw:
    kind: str
    on: date
    id: int
    ref: int | None
    a: str
    b: str
    c: str
    n1: Decimal | None
    n2: Decimal | None
    text: str


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the enterprise file."""

    kind: str
    date: date
    title: str
    detail: str
    record_id: int
    related_id: int | None
    link: str | None

    @property
    def kind_display(self) -> str:
        return TIMELINE_KINDS[self.kind]

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "kind_display": self.kind_display,
            "date": self.date,
            "title": self.title,
            "detail": self.detail,
            "record_id": self.record_id,
            "related_id": self.related_id,
            "link": self.link,
        }


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    count: int
    page: int
    page_size: int
    kinds: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None

    @property
    def num_pages(self) -> int:
        return max(1, -(-self.count // self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.num_pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def ensure_visible(enterprise: Enterprise, user) -> None:
    """The enterprise file exists only for users whose regions hold the enterprise."""
    if not region_visible(user, enterprise.region_id):
        raise Http404("企业不存在或不在您的管辖范围内")


def clean_kinds(kinds: Iterable[str] | None) -> list[str]:
    """The asked kinds in the canonical order; an unknown kind is a ValueError."""
    if not kinds:
        return list(TIMELINE_KINDS)
    unknown = sorted(set(kinds) - set(TIMELINE_KINDS))
    if unknown:
        raise ValueError(f"未知的记录类型：{'、'.join(unknown)}")
    return [kind for kind in TIMELINE_KINDS if kind in set(kinds)]


def timeline_union(
    *, enterprise: Enterprise, user, kinds=None, start=None, end=None
) -> QuerySet | None:
    """The union of the asked kinds' SELECTs, ordered; ``None`` when no kind is asked."""
    branches = _branches(enterprise, user, start, end)
    selected = [branches[kind] for kind in clean_kinds(kinds)]
    first, rest = selected[0], selected[1:]
    union = first.union(*rest, all=True) if rest else first
    return union.order_by("-t_on", "t_kind", "-t_id")


def enterprise_timeline(
    *,
    enterprise: Enterprise,
    user,
    kinds: Iterable[str] | None = None,
    start: date | None = None,
    end: date | None = None,
    page: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> TimelinePage:
    """One page of the enterprise's timeline, newest first: two queries (the page
    and its count), whatever the length of the history. Raises Http404 when
    the enterprise is outside the user's regions, ValueError for an unknown kind."""
    ensure_visible(enterprise, user)
    kinds = clean_kinds(kinds)
    page = max(1, int(page))
    page_size = min(max(1, int(page_size)), MAX_PAGE_SIZE)
    union = timeline_union(enterprise=enterprise, user=user, kinds=kinds, start=start, end=end)
    offset = (page - 1) * page_size
    rows = [_Raw(*row) for row in union[offset : offset + page_size]]
    count = union.order_by().count()
    entries = []
    for raw in rows:
        title, detail, link = ROW_WRITERS[raw.kind](raw)
        entries.append(
            TimelineEntry(
                kind=raw.kind,
                date=raw.on,
                title=title,
                detail=detail,
                record_id=raw.id,
                related_id=raw.ref,
                link=link,
            )
        )
    return TimelinePage(
        entries=entries,
        count=count,
        page=page,
        page_size=page_size,
        kinds=kinds,
        start=start,
        end=end,
    )


# --- the compliance strip --------------------------------------------------------------------

NO_PROBLEM, PROBLEM, ENFORCEMENT, NOT_CHECKED = (
    "no_problem",
    "problem",
    "enforcement",
    "not_checked",
)
STRIP_STATUS_LABELS = {
    NO_PROBLEM: "未发现问题",
    PROBLEM: "发现问题",
    ENFORCEMENT: "处于执法程序",
    NOT_CHECKED: "未检查",
}
STRIP_STATUS_CHOICES = list(STRIP_STATUS_LABELS.items())
STRIP_QUARTERS = 12


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    next_start = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, next_start - timedelta(days=1)


def last_quarters(as_of: date, count: int) -> list[tuple[str, date, date]]:
    """``count`` quarters ending with ``as_of``'s, oldest first: ``("2025Q3", start, end)``."""
    year, quarter = quarter_of(as_of)
    index = year * 4 + quarter - 1
    result = []
    for i in range(index - count + 1, index + 1):
        y, q = divmod(i, 4)
        start, end = quarter_bounds(y, q + 1)
        result.append((f"{y}Q{q + 1}", start, end))
    return result


@dataclass
class QuarterCell:
    quarter: str
    start: date
    end: date
    status: str = NOT_CHECKED
    records: list[dict] = field(default_factory=list)

    @property
    def status_display(self) -> str:
        return STRIP_STATUS_LABELS[self.status]

    def as_dict(self) -> dict:
        return {
            "quarter": self.quarter,
            "start": self.start,
            "end": self.end,
            "status": self.status,
            "status_display": self.status_display,
            "records": self.records,
        }


def _record(kind: str, pk: int, day: date | None, model: str, label: str) -> dict:
    return {"kind": kind, "id": pk, "date": day, "label": label, "link": admin_link(model, pk)}


def compliance_strip(
    *, enterprise: Enterprise, quarters: int = STRIP_QUARTERS, as_of: date | None = None
) -> list[QuarterCell]:
    """The enterprise's status in each of the last ``quarters`` quarters, oldest
    first (see the module docstring for the rules). Four queries."""
    as_of = as_of or timezone.localdate()
    cells = [QuarterCell(q, s, e) for q, s, e in last_quarters(as_of, quarters)]
    first, last = cells[0].start, cells[-1].end
    e = enterprise.pk

    # A finding is a problem at its inspection unless it is a copy carried
    # forward that this very inspection verified as corrected.
    problem_findings = Finding.objects.filter(inspection_id=OuterRef("pk")).filter(
        Q(carried_from__isnull=True) | ~Q(verified_by_id=OuterRef("pk"))
    )
    inspections = list(
        Inspection.objects.filter(enterprise_id=e, inspected_on__range=(first, last))
        .exclude(status=InspectionStatus.CANCELLED)
        .annotate(has_problem=Exists(problem_findings))
        .values_list("pk", "inspected_on", "status", "has_problem")
    )
    offsite = list(
        OffsiteRecord.objects.filter(enterprise_id=e, detected_on__range=(first, last)).values_list(
            "pk", "detected_on", "status"
        )
    )
    ended = (
        CaseTransition.objects.filter(case_id=OuterRef("pk"), to_status__in=CASE_ENDS)
        .values("case_id")
        .annotate(first_end=Min("on"))
        .values("first_end")
    )
    cases = list(
        PenaltyCase.objects.filter(enterprise_id=e, filed_on__isnull=False, filed_on__lte=last)
        .annotate(ended_on=Subquery(ended, output_field=DateField()))
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=first))
        .values_list("pk", "filed_on", "ended_on", "number")
    )
    measures = list(
        SpecialMeasure.objects.filter(case__enterprise_id=e, on__range=(first, last)).values_list(
            "pk", "on", "kind", "case_id"
        )
    )

    def index(day: date) -> int:
        year, quarter = quarter_of(day)
        return year * 4 + quarter - 1

    def cell_of(day: date) -> QuarterCell:
        return cells[index(day) - index(first)]

    evidence: dict[str, dict[str, list[dict]]] = {
        cell.quarter: {ENFORCEMENT: [], PROBLEM: [], NO_PROBLEM: []} for cell in cells
    }
    for pk, filed_on, ended_on, number in cases:
        for cell in cells:
            if filed_on <= cell.end and (ended_on is None or ended_on > cell.start):
                evidence[cell.quarter][ENFORCEMENT].append(
                    _record("case", pk, filed_on, "cases_penaltycase", _case_name(number or ""))
                )
    for pk, on, kind, case_id in measures:
        evidence[cell_of(on).quarter][ENFORCEMENT].append(
            _record(
                "special_measure",
                pk,
                on,
                "cases_penaltycase",
                f"配套办法：{_label(MeasureKind, kind)}",
            )
            | {"link": admin_link("cases_penaltycase", case_id)}
        )
    for pk, on, status, has_problem in inspections:
        bucket = evidence[cell_of(on).quarter]
        record = _record("inspection", pk, on, "cases_inspection", "现场检查")
        if has_problem:
            bucket[PROBLEM].append(record | {"label": "现场检查发现问题"})
        elif status == InspectionStatus.COMPLETED:
            bucket[NO_PROBLEM].append(record | {"label": "现场检查未发现问题"})
    for pk, on, status in offsite:
        bucket = evidence[cell_of(on).quarter]
        label = f"非现场执法记录（{_label(OffsiteStatus, status)}）"
        record = _record("offsite", pk, on, "cases_offsiterecord", label)
        if status != OffsiteStatus.DISMISSED:
            bucket[PROBLEM].append(record)
        else:
            bucket[NO_PROBLEM].append(record)
    for cell in cells:
        found = evidence[cell.quarter]
        for status in (ENFORCEMENT, PROBLEM, NO_PROBLEM):
            if found[status]:
                cell.status = status
                cell.records = sorted(found[status], key=lambda r: (r["date"], r["id"]))
                break
    return cells
