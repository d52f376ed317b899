"""The penalty-case procedure as one transition table and one service.

Legal sources cited below:
- 行政处罚法 (2021), abbreviated 处罚法;
- 生态环境行政处罚办法 (生态环境部令第30号, 2023), abbreviated 办法.

``case_transition`` is the only code that changes ``PenaltyCase.status``. It
locks the case row, checks the actor's role, the step's data and the legal
gates, writes the new state and a history row in one transaction, and refuses
an illegal move with a ConflictError that names both states.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from accounts.selectors import region_visible, user_roles
from cases.choices import (
    CaseStatus,
    ClosingReason,
    PartyKind,
    TransferKind,
    WaiverKind,
)
from cases.models import CaseNumberCounter, CaseTransition, PenaltyCase
from ecoenforce.errors import ConflictError, DomainError, Forbidden

S = CaseStatus
INSPECTOR, APPROVER, LEGAL = Role.INSPECTOR, Role.APPROVER, Role.LEGAL_REVIEWER

# States from which nothing moves any more, and states in which the case is
# read-only everywhere (closed cases may still be archived).
TERMINAL = frozenset({S.ARCHIVED, S.NOT_FILED, S.NO_PENALTY, S.TRANSFERRED})
READ_ONLY = frozenset({S.CLOSED}) | TERMINAL
# Open: the procedure is running and its deadlines apply.
OPEN = frozenset(set(S) - READ_ONLY)
BEFORE_DECISION = frozenset(
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


@dataclass(frozen=True)
class Step:
    source: CaseStatus
    target: CaseStatus
    label: str
    roles: frozenset[Role]


def _steps(*rows: tuple[CaseStatus, CaseStatus, str, tuple[Role, ...]]) -> dict:
    return {(src, dst): Step(src, dst, label, frozenset(roles)) for src, dst, label, roles in rows}


# The one table of legal moves. Filing, extensions, decisions and closing need
# an approver (负责人, 办法 art. 29, 55); legal review needs a legal reviewer.
TRANSITIONS: dict[tuple[CaseStatus, CaseStatus], Step] = _steps(
    (S.CLUE, S.FILED, "批准立案", (APPROVER,)),
    (S.CLUE, S.NOT_FILED, "不予立案", (APPROVER,)),
    (S.CLUE, S.TRANSFERRED, "移送", (APPROVER,)),
    (S.FILED, S.INVESTIGATING, "开始调查取证", (INSPECTOR, APPROVER)),
    (S.INVESTIGATING, S.SUSPENDED, "中止调查", (APPROVER,)),
    (S.INVESTIGATING, S.REVIEW, "调查终结，提交审查", (INSPECTOR, APPROVER)),
    (S.INVESTIGATING, S.TRANSFERRED, "移送", (APPROVER,)),
    (S.SUSPENDED, S.INVESTIGATING, "恢复调查", (APPROVER,)),
    (S.REVIEW, S.INVESTIGATING, "退回补充调查", (APPROVER, LEGAL)),
    (S.REVIEW, S.SUSPENDED, "中止", (APPROVER,)),
    (S.REVIEW, S.NOTIFIED, "送达行政处罚事先告知书", (APPROVER,)),
    (S.REVIEW, S.NO_PENALTY, "决定不予处罚", (APPROVER,)),
    (S.REVIEW, S.TRANSFERRED, "移送", (APPROVER,)),
    (S.NOTIFIED, S.HEARING, "当事人申请听证", (INSPECTOR, APPROVER)),
    (S.NOTIFIED, S.LEGAL_REVIEW, "提交法制审核", (INSPECTOR, APPROVER)),
    (S.NOTIFIED, S.DECIDED, "作出处罚决定", (APPROVER,)),
    (S.NOTIFIED, S.NO_PENALTY, "决定不予处罚", (APPROVER,)),
    (S.HEARING, S.LEGAL_REVIEW, "听证结束，提交法制审核", (INSPECTOR, APPROVER)),
    (S.LEGAL_REVIEW, S.REVIEW, "法制审核退回", (LEGAL,)),
    (S.LEGAL_REVIEW, S.COLLECTIVE_DISCUSSION, "提交集体讨论", (INSPECTOR, APPROVER, LEGAL)),
    (S.LEGAL_REVIEW, S.DECIDED, "作出处罚决定", (APPROVER,)),
    (S.LEGAL_REVIEW, S.NO_PENALTY, "决定不予处罚", (APPROVER,)),
    (S.COLLECTIVE_DISCUSSION, S.DECIDED, "集体讨论后作出处罚决定", (APPROVER,)),
    (S.COLLECTIVE_DISCUSSION, S.NO_PENALTY, "集体讨论后决定不予处罚", (APPROVER,)),
    (S.DECIDED, S.SERVED, "送达处罚决定书", (INSPECTOR, APPROVER)),
    (S.SERVED, S.EXECUTING, "进入执行", (INSPECTOR, APPROVER)),
    (S.SERVED, S.CLOSED, "结案", (APPROVER,)),
    (S.EXECUTING, S.CLOSED, "结案", (APPROVER,)),
    (S.CLOSED, S.ARCHIVED, "归档", (APPROVER,)),
)


def hearing_threshold(party_kind: str) -> Decimal:
    """较大数额罚款: above it the party has the right to a hearing (处罚法 art. 63;
    办法 art. 58). The amounts are set by the province; defaults follow Hebei."""
    if party_kind == PartyKind.INDIVIDUAL:
        return Decimal(settings.ECOENFORCE_HEARING_THRESHOLD_INDIVIDUAL)
    return Decimal(settings.ECOENFORCE_HEARING_THRESHOLD_ORGANISATION)


def allowed_transitions(case: PenaltyCase, user) -> list[Step]:
    """The steps ``user`` may take on ``case`` now, by state and role (gates are
    checked when the step is taken, with a message saying what is missing)."""
    roles = user_roles(user)
    return [
        step
        for (source, _), step in TRANSITIONS.items()
        if source == case.status and roles.intersection(step.roles)
    ]


# --- helpers -------------------------------------------------------------------


class CaseNotFound(DomainError):
    """The case does not exist or lies outside the user's regions: one answer
    for both, so that a case's existence does not leak (API.md: 404)."""

    status = 404
    default_code = "not_found"


def ensure_in_scope(case: PenaltyCase, actor) -> None:
    """Every door into a case enforces the actor's region scope (DESIGN.md, "Access")."""
    if not region_visible(actor, case.region_id):
        raise CaseNotFound("案件不存在或不在您的管辖范围内")


def ensure_writable(case: PenaltyCase) -> None:
    """Closed and archived cases, and cases that left the procedure, are read-only."""
    if case.status in READ_ONLY:
        raise ConflictError(
            f"案件处于“{case.get_status_display()}”状态，不能再修改",
            code="case_read_only",
        )


def check_effective_date(case: PenaltyCase, on: date, *, field: str = "on") -> None:
    """A step's date: not in the future, not before the step before it.

    Paper cases are entered later, so the date is the day the act happened,
    not the day it was typed in.
    """
    today = timezone.localdate()
    if on > today:
        raise DomainError(f"日期 {on} 晚于今天", code="future_date", field=field)
    if on < case.discovered_on:
        raise DomainError(
            f"日期 {on} 早于发现日期 {case.discovered_on}", code="before_previous_step", field=field
        )
    last = case.transitions.order_by("-on", "-id").values_list("on", flat=True).first()
    if last is not None and on < last:
        raise DomainError(
            f"日期 {on} 早于上一环节的日期 {last}", code="before_previous_step", field=field
        )


def check_officers(case: PenaltyCase, on: date) -> None:
    """At least two officers with enforcement certificates valid on ``on``
    (处罚法 art. 42, 55; 办法 art. 31)."""
    valid = [officer for officer in case.officers.all() if officer.certificate_valid_on(on)]
    if len(valid) < 2:
        raise DomainError(
            f"{on} 须有至少两名持有效执法证的承办人员，现有 {len(valid)} 名",
            code="officers_insufficient",
            field="officers",
        )


def _require(data: dict, key: str, message: str):
    value = data.get(key)
    if value in (None, ""):
        raise DomainError(message, code="required", field=key)
    return value


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except Exception:
        raise DomainError("金额格式错误", code="invalid_amount", field=field) from None
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise DomainError("金额应为非负数，最多两位小数", code="invalid_amount", field=field)
    return amount


def _assign_number(case: PenaltyCase, on: date) -> None:
    """``<prefix>〔<year>〕<n>号``, sequence per filing year, gap-free: the
    counter row is locked until this transaction commits, and a rollback
    returns the number."""
    counter, _ = CaseNumberCounter.objects.get_or_create(year=on.year)
    counter = CaseNumberCounter.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    case.number_year = on.year
    case.number_sequence = counter.last
    case.number = f"{settings.ECOENFORCE_CASE_NUMBER_PREFIX}〔{on.year}〕{counter.last}号"


# --- the steps' own rules ------------------------------------------------------------


def _to_filed(case, data, on):
    from cases.deadlines import filing_deadline

    # 办法 art. 29: file within 15 days of discovering the clue, extendable by
    # 15 days with the approver's approval.
    deadline = filing_deadline(case)
    if on > deadline:
        raise DomainError(
            f"立案期限已于 {deadline} 届满（发现之日起 15 日，经批准可延长 15 日）",
            code="filing_deadline_passed",
            field="on",
        )
    check_officers(case, on)
    case.filed_on = on
    _assign_number(case, on)


def _to_not_filed(case, data, on):
    _require(data, "reason", "请填写不予立案的理由")


def _to_transferred(case, data, on):
    kind = _require(data, "transfer_kind", "请选择移送类型")
    if kind not in TransferKind.values:
        raise DomainError("移送类型不正确", code="invalid_choice", field="transfer_kind")
    _require(data, "reason", "请填写移送理由")
    case.transfer_kind = kind


def _to_investigating(case, data, on):
    if case.status == S.SUSPENDED:
        # 办法 art. 40: the suspended period does not count toward the decision period.
        case.suspended_days += (on - case.suspended_since).days
        case.suspended_since = None
    else:
        check_officers(case, on)


def _to_suspended(case, data, on):
    _require(data, "reason", "请填写中止理由")
    case.suspended_since = on


def _to_review(case, data, on):
    if case.status == S.LEGAL_REVIEW:
        _back_to_review(case, data, on)
    if not case.violations.exists():
        raise DomainError("请先登记违法行为及事实", code="violations_required", field="violations")


def _to_notified(case, data, on):
    """The notice of the intended penalty has been served (处罚法 art. 44)."""
    proposed = _money(_require(data, "proposed_fine", "请填写拟罚款金额"), "proposed_fine")
    case.proposed_fine = proposed
    case.notified_on = on
    if "heavy_penalty" in data:
        case.heavy_penalty = bool(data["heavy_penalty"])
    if data.get("other_penalties"):
        case.other_penalties = data["other_penalties"]
    if "is_complex" in data:
        case.is_complex = bool(data["is_complex"])
    # 处罚法 art. 63: a large fine, or suspension of production or revocation
    # of a permit, gives the party the right to a hearing.
    case.hearing_offered = proposed > hearing_threshold(case.party_kind) or case.heavy_penalty


def _to_hearing(case, data, on):
    from cases.deadlines import hearing_request_deadline

    if not case.hearing_offered:
        raise DomainError(
            "本案未达到听证条件，告知书未告知听证权", code="hearing_not_offered", field="to"
        )
    # 处罚法 art. 64 (1) and art. 85: the request comes within 5 working days
    # of the notice.
    deadline = hearing_request_deadline(case).day
    if on > deadline:
        raise DomainError(
            f"听证申请期限已于 {deadline} 届满（告知后 5 个工作日）",
            code="hearing_request_late",
            field="on",
        )
    case.hearing_requested_on = on


def _to_legal_review(case, data, on):
    if case.status == S.HEARING:
        case.hearing_held_on = on


def _back_to_review(case, data, on):
    # 处罚法 art. 58: a case the legal reviewer sends back goes through the
    # review again before any decision; the reason goes into the dossier.
    _require(data, "reason", "请填写退回理由")
    case.legal_review_on = None


def _to_collective(case, data, on):
    if case.legal_review_on is None:
        raise DomainError(
            "法制审核尚未通过，不能提交集体讨论", code="legal_review_required", field="to"
        )
    if case.legal_review_on > on:
        # 处罚法 art. 58: the review is passed before the case goes further.
        raise DomainError(
            f"法制审核于 {case.legal_review_on} 通过，提交集体讨论不能早于该日",
            code="legal_review_required",
            field="on",
        )


def legal_review_required(case: PenaltyCase) -> bool:
    """办法 art. 52, 处罚法 art. 58: decisions after a hearing, heavy penalties and
    major or complex cases need legal review before the decision."""
    return bool(
        case.hearing_requested_on
        or case.heavy_penalty
        or case.is_complex
        or (case.proposed_fine or 0) > hearing_threshold(case.party_kind)
    )


def collective_discussion_required(case: PenaltyCase) -> bool:
    """处罚法 art. 57 para. 2, 办法 art. 55: complex cases and heavier penalties are
    decided by the collective discussion of the bureau's leaders."""
    return bool(
        case.heavy_penalty
        or case.is_complex
        or (case.proposed_fine or 0) > hearing_threshold(case.party_kind)
    )


def rights_window_end(case: PenaltyCase) -> date:
    """Last day the party may state, defend or ask for a hearing: 5 working days
    after the notice (处罚法 art. 64, 85; 办法 art. 47)."""
    from cases.deadlines import hearing_request_deadline

    return hearing_request_deadline(case).day


def _check_decision_gates(case, data, on):
    from cases.deadlines import decision_deadline

    # 处罚法 art. 62: no decision without the notice and the party's rights.
    if case.notified_on is None:
        raise DomainError(
            "未送达行政处罚事先告知书，不得作出处罚决定", code="notice_required", field="to"
        )
    # 处罚法 art. 44, 45: only a waiver made by the decision date closes the window.
    waived = case.events.filter(kind="rights_waived", on__lte=on).exists()
    if not waived and on <= rights_window_end(case) and case.hearing_requested_on is None:
        raise DomainError(
            f"当事人陈述、申辩和听证申请期限至 {rights_window_end(case)}，期满后方可作出决定",
            code="rights_window_open",
            field="on",
        )
    # A requested hearing needs no gate here: the table's only way out of
    # ``hearing`` is to legal review, which records the hearing as held.
    # 处罚法 art. 58: without passing legal review, no decision; a case submitted
    # for review waits for the reviewer even where the law would not require it.
    needs_review = legal_review_required(case) or case.status == S.LEGAL_REVIEW
    if needs_review and case.legal_review_on is None:
        raise DomainError(
            "本案须经法制审核且审核通过后方可作出决定", code="legal_review_required", field="to"
        )
    if case.legal_review_on is not None and case.legal_review_on > on:
        raise DomainError(
            f"法制审核于 {case.legal_review_on} 通过，处罚决定不能早于该日",
            code="legal_review_required",
            field="on",
        )
    if collective_discussion_required(case) and case.collective_discussion_on is None:
        raise DomainError(
            "本案须经负责人集体讨论后方可作出决定",
            code="collective_discussion_required",
            field="to",
        )
    deadline = decision_deadline(case)
    if on > deadline:
        raise DomainError(
            f"作出决定的期限已于 {deadline} 届满，请先办理延期审批",
            code="decision_deadline_passed",
            field="on",
        )
    check_officers(case, on)


def _to_decided(case, data, on):
    from cases.penalties import check_decided_fine

    if case.status == S.COLLECTIVE_DISCUSSION:
        discussed = data.get("discussion_on") or on
        if discussed > on or discussed < case.transitions.order_by("-on").first().on:
            raise DomainError(
                "集体讨论日期应在提交讨论之后、决定之前", code="invalid_date", field="discussion_on"
            )
        case.collective_discussion_on = discussed
    _check_decision_gates(case, data, on)
    fine = _money(_require(data, "fine_amount", "请填写罚款金额（无罚款填 0）"), "fine_amount")
    if case.proposed_fine is not None and fine > case.proposed_fine:
        # 处罚法 art. 45: no heavier penalty because the party stated or defended;
        # any rise beyond the notice needs a new notice.
        if case.statement_made:
            message = "不得因当事人陈述、申辩而加重处罚：罚款不得高于告知的拟罚款金额"
        else:
            message = "罚款高于告知的拟罚款金额，须重新告知当事人"
        raise DomainError(message, code="fine_above_notice", field="fine_amount")
    check_decided_fine(case, fine, reason=data.get("reason") or data.get("fine_reason") or "")
    case.fine_amount = fine
    case.fine_reason = data.get("fine_reason") or data.get("reason") or ""
    if data.get("other_penalties"):
        case.other_penalties = data["other_penalties"]
    case.decided_on = on


def _to_no_penalty(case, data, on):
    """轻微免罚 / 首违不罚 (处罚法 art. 33): eligible types, first violation,
    corrected in time, no harmful consequence; the commitment letter is kept."""
    kind = _require(data, "waiver_kind", "请选择不予处罚的情形")
    if kind not in WaiverKind.values:
        raise DomainError("不予处罚情形不正确", code="invalid_choice", field="waiver_kind")
    _require(data, "reason", "请填写不予处罚的理由")
    if kind in (WaiverKind.MINOR, WaiverKind.FIRST):
        ineligible = [
            v.violation_type.name
            for v in case.violations.select_related("violation_type")
            if not v.violation_type.waiver_eligible
        ]
        if ineligible:
            raise DomainError(
                f"以下违法行为不适用轻微免罚或首违不罚：{'、'.join(ineligible)}",
                code="waiver_not_eligible",
                field="waiver_kind",
            )
        for key, message in (
            ("first_violation", "须确认为初次违法"),
            ("corrected", "须确认已及时改正"),
            ("no_harm", "须确认危害后果轻微或未造成危害后果"),
        ):
            if not data.get(key):
                raise DomainError(message, code="waiver_condition_unmet", field=key)
        case.commitment_letter = _require(data, "commitment_letter", "请登记当事人的承诺书")
    case.waiver_kind = kind
    case.fine_amount = Decimal("0")
    case.decided_on = on


def _to_served(case, data, on):
    if on < case.decided_on:
        raise DomainError("送达日期不能早于决定日期", code="before_previous_step", field="on")
    case.served_on = on
    # 处罚法 art. 67: the fine is paid within 15 days of service.
    case.payment_due_on = on + timedelta(days=15)


def _to_executing(case, data, on):
    pass


def _to_closed(case, data, on):
    from cases.penalties import case_balance

    reason = _require(data, "closing_reason", "请选择结案理由")
    if reason not in ClosingReason.values:
        raise DomainError("结案理由不正确", code="invalid_choice", field="closing_reason")
    balance = case_balance(case, as_of=on)
    if reason == ClosingReason.PAID and balance.total_due > 0:
        raise DomainError(
            f"尚欠罚款 {balance.fine_outstanding} 元、"
            f"加处罚款 {balance.late_fee_outstanding} 元，不能以缴清结案",
            code="balance_outstanding",
            field="closing_reason",
        )
    if reason == ClosingReason.NO_FINE and (case.fine_amount or 0) > 0:
        raise DomainError(
            "本案有罚款，不能以无罚款结案", code="invalid_choice", field="closing_reason"
        )
    if reason in (ClosingReason.WAIVED_BY_LAW, ClosingReason.COURT_ENFORCEMENT):
        _require(data, "reason", "请说明依据（如法院受理文书、终结执行依据）")
    case.closing_reason = reason
    case.closed_on = on


def _to_archived(case, data, on):
    case.archived_on = on


HANDLERS = {
    S.FILED: _to_filed,
    S.NOT_FILED: _to_not_filed,
    S.TRANSFERRED: _to_transferred,
    S.INVESTIGATING: _to_investigating,
    S.SUSPENDED: _to_suspended,
    S.REVIEW: _to_review,
    S.NOTIFIED: _to_notified,
    S.HEARING: _to_hearing,
    S.LEGAL_REVIEW: _to_legal_review,
    S.COLLECTIVE_DISCUSSION: _to_collective,
    S.DECIDED: _to_decided,
    S.NO_PENALTY: _to_no_penalty,
    S.SERVED: _to_served,
    S.EXECUTING: _to_executing,
    S.CLOSED: _to_closed,
    S.ARCHIVED: _to_archived,
}


@transaction.atomic
def case_transition(
    *,
    case: PenaltyCase,
    to: str,
    actor,
    on: date | None = None,
    note: str = "",
    data: dict | None = None,
    expected_status: str | None = None,
) -> PenaltyCase:
    """Move ``case`` to state ``to`` effective ``on`` (default today).

    ``data`` carries the step's own fields (proposed_fine, fine_amount, reason,
    …). ``expected_status``, when given, is the state the caller saw: if
    another user moved the case meanwhile, the call is refused with 409.
    """
    data = dict(data or {})
    on = on or timezone.localdate()
    if to not in S.values:
        raise DomainError(f"未知状态：{to}", code="invalid_choice", field="to")
    target = S(to)
    # Lock the row: concurrent moves on one case queue here and see each
    # other's result.
    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    if expected_status and expected_status != case.status:
        raise ConflictError(
            f"案件状态已被他人改为“{case.get_status_display()}”，请刷新后重试",
            code="concurrent_change",
        )
    if case.status == target:
        return case
    current = S(case.status)
    step = TRANSITIONS.get((current, target))
    if step is None:
        raise ConflictError(
            f"不能从“{current.label}”变更为“{target.label}”", code="illegal_transition"
        )
    if current in READ_ONLY and target != S.ARCHIVED:
        ensure_writable(case)
    roles = user_roles(actor)
    if not roles.intersection(step.roles):
        needed = "、".join(role.label for role in step.roles)
        raise Forbidden(f"“{step.label}”须由{needed}办理", code="role_required")
    check_effective_date(case, on)
    HANDLERS[target](case, data, on)
    case.status = target
    case.save()
    CaseTransition.objects.create(
        case=case,
        from_status=current,
        to_status=target,
        on=on,
        actor=actor,
        note=note,
        data={key: str(value) for key, value in data.items() if value not in (None, "")},
    )
    return case
