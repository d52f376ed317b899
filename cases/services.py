"""Writes to penalty cases other than state moves (those are cases.workflow):
registering a clue, its violations and officers, in-state events (extensions,
statements, legal review), the discretion, and evidence."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Officer
from accounts.roles import Role
from accounts.selectors import region_visible, user_roles
from cases.choices import CaseSource, CaseStatus, PartyKind
from cases.models import CaseEvent, CaseViolation, Evidence, PenaltyCase, ViolationType
from cases.workflow import BEFORE_DECISION, ensure_in_scope, ensure_writable
from companies.models import Enterprise
from ecoenforce.errors import ConflictError, DomainError, ErrorItem, Forbidden, ValidationFailed


def _violations_from(items: list[dict]) -> list[CaseViolation]:
    """``[{"type": code, "facts": "…", "base_amount"?, "days"?, "occurrences"?}]``."""
    if not items:
        raise DomainError("请至少登记一项违法行为", code="required", field="violations")
    codes = [str(item.get("type") or "") for item in items]
    types = {t.code: t for t in ViolationType.objects.filter(code__in=codes, is_active=True)}
    errors: list[ErrorItem] = []
    violations = []
    for index, item in enumerate(items):
        code = codes[index]
        if code not in types:
            errors.append(
                ErrorItem(
                    f"violations.{index}.type",
                    "unknown_violation_type",
                    f"违法行为类型 {code} 不存在或已停用",
                )
            )
            continue
        facts = str(item.get("facts") or "").strip()
        if not facts:
            errors.append(ErrorItem(f"violations.{index}.facts", "required", "请填写违法事实"))
            continue
        violations.append(
            CaseViolation(
                violation_type=types[code],
                facts=facts,
                base_amount=item.get("base_amount"),
                days=item.get("days"),
                occurrences=item.get("occurrences"),
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return violations


def _officers_in_scope(officers: list[Officer], region_code: str) -> list[Officer]:
    """Officers must be able to act in the case's region (own scope covers it)."""
    outside = [o.name for o in officers if not region_visible(o.user, region_code)]
    if outside:
        raise DomainError(
            f"以下人员无权办理该地区案件：{'、'.join(outside)}",
            code="officer_out_of_scope",
            field="officers",
        )
    return officers


@transaction.atomic
def case_register(
    *,
    actor,
    enterprise: Enterprise,
    source: str,
    discovered_on: date | None = None,
    violations: list[dict],
    officers: list[Officer],
    title: str = "",
    source_reference: str = "",
    party_kind: str = PartyKind.ORGANISATION,
    source_inspection=None,
    source_offsite_record=None,
) -> PenaltyCase:
    """Register a case clue (案件线索) for an enterprise in the actor's regions.

    A case opened from an inspection or a non-site record keeps the link to it
    (``source_inspection`` / ``source_offsite_record``), which must concern the
    same enterprise.
    """
    discovered_on = discovered_on or timezone.localdate()
    if not region_visible(actor, enterprise.region_id):
        raise DomainError("企业不在您的管辖范围内", code="region_out_of_scope", field="enterprise")
    if not user_roles(actor).intersection({Role.INSPECTOR, Role.APPROVER}):
        raise Forbidden("登记案件线索须为执法人员或负责人", code="role_required")
    if source not in CaseSource.values:
        raise DomainError("案件来源不正确", code="invalid_choice", field="source")
    if discovered_on > timezone.localdate():
        raise DomainError("发现日期不能晚于今天", code="future_date", field="discovered_on")
    if len(set(officers)) < 2:
        # 处罚法 art. 42: enforcement is carried out by at least two officers.
        raise DomainError("承办人员不得少于两人", code="officers_insufficient", field="officers")
    _officers_in_scope(officers, enterprise.region_id)
    for origin, field in (
        (source_inspection, "source_inspection"),
        (source_offsite_record, "source_offsite_record"),
    ):
        if origin is not None and origin.enterprise_id != enterprise.pk:
            raise DomainError("来源记录与当事企业不一致", code="source_mismatch", field=field)
    rows = _violations_from(violations)
    case = PenaltyCase.objects.create(
        source_inspection=source_inspection,
        source_offsite_record=source_offsite_record,
        enterprise=enterprise,
        region_id=enterprise.region_id,
        party_kind=party_kind,
        source=source,
        source_reference=source_reference,
        discovered_on=discovered_on,
        title=title or "、".join(v.violation_type.name for v in rows)[:300],
        created_by=actor,
    )
    case.officers.set(officers)
    for row in rows:
        row.case = case
    CaseViolation.objects.bulk_create(rows)
    return case


@transaction.atomic
def case_update(
    *,
    case: PenaltyCase,
    actor,
    violations: list[dict] | None = None,
    officers: list[Officer] | None = None,
    title: str | None = None,
    is_complex: bool | None = None,
) -> PenaltyCase:
    """Change the charged violations, the officers or the title before the decision."""
    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    ensure_writable(case)
    if not user_roles(actor).intersection({Role.INSPECTOR, Role.APPROVER}):
        raise Forbidden("修改案件须为执法人员或负责人", code="role_required")
    if case.status not in BEFORE_DECISION | {CaseStatus.CLUE}:
        raise ConflictError("处罚决定作出后不能修改违法行为和承办人员", code="case_decided")
    if violations is not None:
        rows = _violations_from(violations)
        case.violations.all().delete()
        for row in rows:
            row.case = case
        CaseViolation.objects.bulk_create(rows)
        case.recommended_fine = None  # the discretion must be computed again
    if officers is not None:
        if len(set(officers)) < 2:
            raise DomainError(
                "承办人员不得少于两人", code="officers_insufficient", field="officers"
            )
        case.officers.set(_officers_in_scope(officers, case.region_id))
    if title is not None:
        case.title = title
    if is_complex is not None:
        case.is_complex = is_complex
    case.save()
    return case


# --- in-state events ------------------------------------------------------------------

EVENT_KINDS = {
    # kind: (label, roles, states in which it may be recorded)
    "filing_extension": ("立案期限延长", {Role.APPROVER}, {CaseStatus.CLUE}),
    "decision_extension": ("决定期限延长", {Role.APPROVER}, BEFORE_DECISION),
    "statement": (
        "当事人陈述、申辩",
        {Role.INSPECTOR, Role.APPROVER},
        {CaseStatus.NOTIFIED, CaseStatus.HEARING},
    ),
    "rights_waived": (
        "当事人放弃陈述、申辩和听证",
        {Role.INSPECTOR, Role.APPROVER},
        {CaseStatus.NOTIFIED},
    ),
    "legal_review_pass": ("法制审核通过", {Role.LEGAL_REVIEWER}, {CaseStatus.LEGAL_REVIEW}),
}
EVENT_CHOICES = [(kind, spec[0]) for kind, spec in EVENT_KINDS.items()]


@transaction.atomic
def case_event_record(
    *,
    case: PenaltyCase,
    kind: str,
    actor,
    on: date | None = None,
    reason: str = "",
    data: dict | None = None,
) -> CaseEvent:
    """Record a step that does not move the case: extensions (办法 art. 29, 58),
    a statement or defence (处罚法 art. 45), a waiver of rights, a legal review pass."""
    from cases.deadlines import decision_deadline, filing_deadline
    from cases.workflow import check_effective_date

    on = on or timezone.localdate()
    if kind not in EVENT_KINDS:
        raise DomainError(f"未知事项：{kind}", code="invalid_choice", field="kind")
    label, roles, states = EVENT_KINDS[kind]
    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    ensure_writable(case)
    if case.status not in states:
        raise ConflictError(
            f"案件处于“{case.get_status_display()}”状态，不能办理“{label}”", code="illegal_event"
        )
    if not user_roles(actor).intersection(roles):
        needed = "、".join(role.label for role in roles)
        raise Forbidden(f"“{label}”须由{needed}办理", code="role_required")
    check_effective_date(case, on)
    if kind in ("filing_extension", "decision_extension") and not reason.strip():
        raise DomainError("延长期限须写明理由", code="required", field="reason")
    if kind == "filing_extension":
        if case.filing_extended:
            raise ConflictError("立案期限只能延长一次（15 日）", code="already_extended")
        # 办法 art. 29: the 15 days are extended while they run; a lapsed
        # deadline is not revived.
        deadline = filing_deadline(case)
        if on > deadline:
            raise DomainError(
                f"立案期限已于 {deadline} 届满，不能再延长",
                code="filing_deadline_passed",
                field="on",
            )
        case.filing_extended = True
    elif kind == "decision_extension":
        # 办法 art. 58: 90 days, extendable by 30 with approval, and by 30 more
        # after collective discussion for special cases; an extension is
        # approved before the period it extends has run out.
        if case.decision_extensions >= 2:
            raise ConflictError("决定期限最多延长两次，每次 30 日", code="already_extended")
        deadline = decision_deadline(case, today=on)
        if on > deadline:
            raise DomainError(
                f"作出决定的期限已于 {deadline} 届满，不能再延长",
                code="decision_deadline_passed",
                field="on",
            )
        case.decision_extensions += 1
    elif kind == "statement":
        case.statement_made = True
    elif kind == "legal_review_pass":
        case.legal_review_on = on
    case.save()
    return CaseEvent.objects.create(
        case=case, kind=kind, on=on, actor=actor, reason=reason.strip(), data=data or {}
    )


# --- discretion -------------------------------------------------------------------------


@transaction.atomic
def case_discretion_compute(
    *, case: PenaltyCase, actor, factors: dict[str, str], save: bool = True
) -> dict:
    """Recommend the fine of a case: the discretion of each violation, added up.

    With ``save`` the recommendation is kept on the case (and its explanation
    in the dossier) and the decision is measured against it.
    """
    from cases.discretion import recommend_fine

    case = PenaltyCase.objects.select_for_update().get(pk=case.pk) if save else case
    ensure_in_scope(case, actor)
    if save:
        ensure_writable(case)
    items = []
    total = Decimal("0")
    for violation in case.violations.select_related("violation_type"):
        result = recommend_fine(
            violation_type=violation.violation_type,
            factors=factors,
            base_amount=violation.base_amount,
            days=violation.days,
            occurrences=violation.occurrences,
        )
        total += result.amount
        items.append(
            {
                "violation_type": violation.violation_type.code,
                "amount": str(result.amount),
                "minimum": str(result.minimum),
                "maximum": str(result.maximum),
                "percent": str(result.percent),
                "lines": list(result.lines),
            }
        )
    answer = {"amount": str(total), "violations": items, "factors": factors}
    if save:
        case.recommended_fine = total
        case.save(update_fields=["recommended_fine", "updated_at"])
        CaseEvent.objects.create(
            case=case, kind="discretion", on=timezone.localdate(), actor=actor, data=answer
        )
    return answer


# --- evidence ---------------------------------------------------------------------------

EVIDENCE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".heic": "image/heic",
    ".mp4": "video/mp4",
    ".mov": "video/quicktime",
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".pdf": "application/pdf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".ofd": "application/ofd",
}


def sha256_of(file) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in iter(lambda: file.read(1024 * 1024), b""):
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def evidence_attach(*, case: PenaltyCase, uploaded_file, actor, description: str = "") -> Evidence:
    """Attach a file to a case; its SHA-256 is taken now and checked on every download."""
    case = PenaltyCase.objects.select_for_update().get(pk=case.pk)
    ensure_in_scope(case, actor)
    ensure_writable(case)
    return evidence_store(
        uploaded_file=uploaded_file, actor=actor, description=description, case=case
    )


def evidence_store(
    *, uploaded_file, actor, description: str = "", case=None, inspection=None
) -> Evidence:
    """Check the file's type and size, take its SHA-256 and store it as evidence of
    ``case`` or ``inspection`` (exactly one). The owner's own rules (scope, state)
    are checked by the caller: ``evidence_attach``,
    ``cases.inspection_services.inspection_evidence_attach``."""
    name = os.path.basename(uploaded_file.name or "")
    extension = os.path.splitext(name)[1].lower()
    if extension not in EVIDENCE_TYPES:
        raise DomainError(
            f"不支持的文件类型 {extension or '（无扩展名）'}，"
            f"可上传：{'、'.join(sorted(EVIDENCE_TYPES))}",
            code="unsupported_file_type",
            field="file",
        )
    limit = settings.ECOENFORCE_EVIDENCE_MAX_BYTES
    if uploaded_file.size > limit:
        raise DomainError(
            f"文件超过 {limit // (1024 * 1024)} MB 上限", code="file_too_large", field="file"
        )
    if uploaded_file.size == 0:
        raise DomainError("文件为空", code="empty_file", field="file")
    evidence = Evidence(
        case=case,
        inspection=inspection,
        original_name=name[:200],
        content_type=EVIDENCE_TYPES[extension],
        size=uploaded_file.size,
        sha256=sha256_of(uploaded_file),
        description=description,
        uploaded_by=actor,
    )
    evidence.file.save(name, uploaded_file, save=False)
    evidence.save()
    return evidence


def evidence_open_verified(evidence: Evidence):
    """Open the stored file after checking it still has the hash taken at upload."""
    handle = evidence.file.open("rb")
    if sha256_of(handle) != evidence.sha256:
        handle.close()
        raise ConflictError(
            "证据文件与上传时的 SHA-256 校验值不一致，可能已被篡改，已拒绝下载",
            code="evidence_tampered",
        )
    return handle
