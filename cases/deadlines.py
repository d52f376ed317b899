"""The legal deadlines of a penalty case, computed from its fields.

Pure functions over a ``PenaltyCase`` (and, for seal/seize, its measures): the
workflow service calls ``filing_deadline``, ``decision_deadline`` and
``hearing_request_deadline`` to refuse a late step, the API and the admin show
``case_deadlines``, and the daily job (``cases.deadline_services``) stores
``deadline_flags`` on every open case for the list filters.

Periods are calendar days unless the law says working days: 行政处罚法 (2021)
art. 85 makes "二日、三日、五日、七日" working days, so of the periods below only
the hearing request (5 days) is counted in working days (``cases.workdays``).
A period excludes the day it starts from (民法典 art. 201).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone

from cases.choices import CaseStatus, MeasureKind
from cases.workdays import WorkdayResult, add_workdays, estimated_warning

S = CaseStatus

# 生态环境行政处罚办法 (2023), 立案: decide on filing within 15 days of
# discovering the clue; the approver may extend this by 15 days.
FILING_DAYS = 15
FILING_EXTENSION_DAYS = 15
# 行政处罚法 art. 60: decide within 90 days of filing. 生态环境行政处罚办法
# (2023): +30 days with the approver's approval, then +30 more after the
# leaders' collective discussion; time suspended does not count.
DECISION_DAYS = 90
DECISION_EXTENSION_DAYS = 30
# 行政处罚法 art. 64 (1): the party asks for a hearing within 5 days of the
# notice; art. 85: working days.
HEARING_REQUEST_WORKDAYS = 5
# 行政处罚法 art. 67 para. 3: pay within 15 days of receiving the decision.
PAYMENT_DAYS = 15
# 行政强制法 art. 25: a seal or seizure lasts at most 30 days (+30 with
# approval); used when the measure records no end date.
SEAL_SEIZE_DAYS = 30
# A seal/seize measure stays on the list this long after its end, to prompt
# its release or a decision on the goods (行政强制法 art. 27, 28); there is no
# field recording the release.
SEAL_SEIZE_SHOWN_AFTER_END_DAYS = 7

# No deadline runs in these states; the daily job clears their flags.
NO_DEADLINE_STATUSES = frozenset({S.CLOSED, S.ARCHIVED, S.NOT_FILED, S.NO_PENALTY, S.TRANSFERRED})
# States between filing and the decision: the decision period runs.
DECISION_PENDING_STATUSES = frozenset(
    {
        S.FILED,
        S.INVESTIGATING,
        S.SUSPENDED,
        S.REVIEW,
        S.NOTIFIED,
        S.HEARING,
        S.LEGAL_REVIEW,
        S.COLLECTIVE_DISCUSSION,
    }
)
PAYMENT_STATUSES = frozenset({S.SERVED, S.EXECUTING})
# The party's own windows: once lapsed, nothing is late — the right has
# simply expired and the procedure goes on — so a lapsed window neither marks
# the case overdue nor counts as its next deadline.
PARTY_WINDOWS = frozenset({"hearing_request"})


@dataclass(frozen=True)
class Deadline:
    """One deadline of a case as shown to people (labels in Chinese)."""

    key: str
    label: str
    due_on: date
    days_left: int
    overdue: bool
    due_soon: bool
    working_days: bool
    estimated: bool = False
    warning: str | None = None


def due_soon_days() -> int:
    return settings.ECOENFORCE_DUE_SOON_DAYS


def _today(today: date | None) -> date:
    return today or timezone.localdate()


# --- the deadlines the workflow enforces ---------------------------------------------


def filing_deadline(case) -> date:
    """Last day to decide on filing: discovery + 15 days, + 15 when extended."""
    days = FILING_DAYS + (FILING_EXTENSION_DAYS if case.filing_extended else 0)
    return case.discovered_on + timedelta(days=days)


def decision_suspended(case) -> bool:
    """Whether the decision period is paused now (the case is suspended, 中止调查)."""
    return case.status == S.SUSPENDED and case.suspended_since is not None


def decision_deadline(case, *, today: date | None = None) -> date:
    """Last day to decide: filing + 90 days + 30 per extension + days suspended.

    While the case is suspended, the days from ``suspended_since`` to ``today``
    are added as well, so the deadline stands still until the case resumes.
    """
    if case.filed_on is None:
        raise ValueError("the case has not been filed")
    days = DECISION_DAYS + DECISION_EXTENSION_DAYS * case.decision_extensions
    days += case.suspended_days
    if decision_suspended(case):
        days += max((_today(today) - case.suspended_since).days, 0)
    return case.filed_on + timedelta(days=days)


def hearing_request_deadline(case) -> WorkdayResult:
    """Last day the party may ask for a hearing (and state or defend): the 5th
    working day after the notice was served (行政处罚法 art. 64 (1), art. 85)."""
    if case.notified_on is None:
        raise ValueError("the notice of the intended penalty has not been served")
    return add_workdays(case.notified_on, HEARING_REQUEST_WORKDAYS)


def payment_deadline(case) -> date | None:
    """Last day to pay the fine: the recorded due date (15 days after service,
    or a deferred date), else 15 days after service when there is a fine."""
    if case.payment_due_on is not None:
        return case.payment_due_on
    if case.served_on is not None and case.fine_amount:
        return case.served_on + timedelta(days=PAYMENT_DAYS)
    return None


def seal_seize_end(measure) -> date:
    """When a seal or seizure ends: its extension, its end, or 30 days after it."""
    return measure.extended_until or measure.ends_on or measure.on + timedelta(days=SEAL_SEIZE_DAYS)


# --- what is shown --------------------------------------------------------------------


def _deadline(
    key: str,
    label: str,
    due_on: date,
    today: date,
    *,
    working_days: bool = False,
    result: WorkdayResult | None = None,
) -> Deadline:
    days_left = (due_on - today).days
    return Deadline(
        key=key,
        label=label,
        due_on=due_on,
        days_left=days_left,
        overdue=days_left < 0,
        due_soon=0 <= days_left <= due_soon_days(),
        working_days=working_days,
        estimated=bool(result and result.estimated),
        warning=estimated_warning(result) if result else None,
    )


def _seal_seize_measures(case, measures: Iterable | None) -> list:
    if measures is None:
        prefetched = getattr(case, "_prefetched_objects_cache", {})
        if "measures" in prefetched:
            measures = prefetched["measures"]
        elif case.pk is None:
            measures = []
        else:
            measures = case.measures.filter(kind=MeasureKind.SEAL_SEIZE)
    return [m for m in measures if m.kind == MeasureKind.SEAL_SEIZE]


def case_deadlines(
    case, *, today: date | None = None, measures: Iterable | None = None
) -> list[Deadline]:
    """Every deadline running on ``case`` today, earliest first.

    ``measures``: the case's special measures when already loaded (the daily
    job passes them for a whole batch); otherwise a prefetch of
    ``measures`` is used, or one query is made.
    """
    today = _today(today)
    if case.status in NO_DEADLINE_STATUSES:
        return []
    deadlines: list[Deadline] = []

    if case.status == S.CLUE:
        label = "决定是否立案（已延长）" if case.filing_extended else "决定是否立案"
        deadlines.append(_deadline("filing", label, filing_deadline(case), today))

    if case.status in DECISION_PENDING_STATUSES and case.filed_on is not None:
        label = "作出处罚决定"
        if case.decision_extensions:
            label += f"（已延长 {case.decision_extensions} 次）"
        if decision_suspended(case):
            label += "（案件中止，期限暂停计算）"
        deadlines.append(_deadline("decision", label, decision_deadline(case, today=today), today))

    if (
        case.status == S.NOTIFIED
        and case.hearing_offered
        and case.hearing_requested_on is None
        and case.notified_on is not None
    ):
        result = hearing_request_deadline(case)
        deadlines.append(
            _deadline(
                "hearing_request",
                "当事人申请听证",
                result.day,
                today,
                working_days=True,
                result=result,
            )
        )

    if case.status in PAYMENT_STATUSES:
        due_on = payment_deadline(case)
        if due_on is not None:
            deadlines.append(_deadline("payment", "缴纳罚款", due_on, today))

    for measure in _seal_seize_measures(case, measures):
        end = seal_seize_end(measure)
        if (today - end).days <= SEAL_SEIZE_SHOWN_AFTER_END_DAYS:
            label = f"查封、扣押期限届满（{measure.on:%Y-%m-%d} 实施）"
            deadlines.append(_deadline(f"seal_seize:{measure.pk}", label, end, today))

    deadlines.sort(key=lambda d: d.due_on)
    return deadlines


def deadline_flags(case, *, today: date | None = None, measures: Iterable | None = None) -> dict:
    """The values of the stored fields ``next_deadline_on``, ``next_deadline_label``,
    ``due_soon`` and ``overdue`` for ``case`` as of ``today``."""
    deadlines = [
        d
        for d in case_deadlines(case, today=today, measures=measures)
        if not (d.key in PARTY_WINDOWS and d.overdue)
    ]
    first = deadlines[0] if deadlines else None
    return {
        "next_deadline_on": first.due_on if first else None,
        "next_deadline_label": first.label[:50] if first else "",
        "due_soon": any(d.due_soon for d in deadlines),
        "overdue": any(d.overdue for d in deadlines),
    }
