"""Service evaluation and complaints (服务评价、监督投诉): the one-time links, the
enterprise's submission, and the supervisors' handling of complaints.

A link is issued by an officer of the visit or inspection (or an approver or
administrator of its region) at its end: ``feedback_link_create`` answers the
link, the raw token and the URL; only the token's SHA-256 is stored, so the
database alone cannot be used to submit feedback. Issuing a new link for the
same visit or inspection revokes the unused one (a link photographed by the
wrong person is made useless by issuing another).

``feedback_submit`` is the enterprise's door, without login: the link row is
locked (``select_for_update``), so two submissions of one link at once give
one feedback and a clear 409 for the other. An expired or revoked link answers
409 as well, an unknown token 404. One rating per visit or inspection, however
many links were issued; complaints are not limited.

Complaints move 待受理 → 办理中 → 已办结 (``complaint_take``,
``complaint_reply``, ``complaint_close``), by approvers and administrators
(``accounts.roles.COMPLAINT_HANDLER_ROLES``) of the complaint's region, never
by an officer the complaint is about. Every move writes a ``ComplaintStep``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Officer
from accounts.roles import COMPLAINT_HANDLER_ROLES, FEEDBACK_READER_ROLES
from accounts.selectors import officer_of, region_visible, user_roles
from cases.choices import InspectionStatus
from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.models import ComplaintStep, Feedback, FeedbackLink, Inspection
from companies.models import Visit
from ecoenforce.errors import ConflictError, DomainError, Forbidden

S = ComplaintStatus

# Inspections at whose end a link may be handed out.
LINKABLE_INSPECTION_STATES = frozenset({InspectionStatus.IN_PROGRESS, InspectionStatus.COMPLETED})
COMMENT_MAX_LENGTH = 2000
REPLY_MAX_LENGTH = 4000


class FeedbackNotFound(DomainError):
    """A feedback or a link outside the actor's regions, or none at all."""

    status = 404
    default_code = "not_found"


class FeedbackLinkInvalid(DomainError):
    """An unknown token: never issued, mistyped, or cut short."""

    status = 404
    default_code = "link_invalid"


class FeedbackLinkUnusable(ConflictError):
    """A link that was issued but may not be used any more: used, expired or revoked."""


# --- links ----------------------------------------------------------------------------


def token_hash(raw_token: str) -> str:
    return hashlib.sha256((raw_token or "").encode()).hexdigest()


def link_days() -> int:
    days = int(settings.ECOENFORCE_FEEDBACK_LINK_DAYS)
    if days < 1:
        raise DomainError("ECOENFORCE_FEEDBACK_LINK_DAYS 须为正整数", code="bad_setting")
    return days


def feedback_path(raw_token: str) -> str:
    return reverse("feedback-public", kwargs={"token": raw_token})


def feedback_url(raw_token: str, *, request=None) -> str:
    """The URL handed to the enterprise: absolute when a request tells the host."""
    path = feedback_path(raw_token)
    return request.build_absolute_uri(path) if request is not None else path


def feedback_qr_svg(url: str) -> str:
    """The link as a QR code, an inline ``<svg>`` drawn here (no external service)."""
    import segno

    return segno.make(url, error="m", micro=False).svg_inline(scale=5, border=4)


def link_state(link: FeedbackLink, *, now: datetime | None = None) -> str:
    """``used``, ``revoked``, ``expired`` or ``open``."""
    now = now or timezone.now()
    if link.used_at is not None:
        return "used"
    if link.revoked_at is not None:
        return "revoked"
    if link.expires_at <= now:
        return "expired"
    return "open"


LINK_STATE_LABELS = {"used": "已使用", "revoked": "已作废", "expired": "已过期", "open": "有效"}


def _subject(visit: Visit | None, inspection: Inspection | None):
    if (visit is None) == (inspection is None):
        raise DomainError(
            "请指定一次走访或一次现场检查（二者选一）", code="subject_required", field="visit"
        )
    if visit is not None:
        return Visit.objects.select_for_update().get(pk=visit.pk), "visit"
    return Inspection.objects.select_for_update().get(pk=inspection.pk), "inspection"


@transaction.atomic
def feedback_link_create(
    *, actor, visit: Visit | None = None, inspection: Inspection | None = None, request=None
) -> tuple[FeedbackLink, str, str]:
    """Issue a one-time feedback link for ``visit`` or ``inspection``: answers
    ``(link, raw_token, url)``. Revokes the previous unused link of the same
    visit or inspection.

    The actor must see the record's region (404 otherwise) and be one of its
    officers, or an approver or administrator (403 otherwise).
    """
    record, field = _subject(visit, inspection)
    # The row lock above serialises two issues for one record: one revokes the other.
    if not region_visible(actor, record.region_id):
        raise FeedbackNotFound("记录不存在或不在您的管辖范围内", field=field)
    officers = list(record.officers.order_by("name", "id"))
    officer = officer_of(actor)
    if (officer is None or officer.pk not in {o.pk for o in officers}) and not (
        user_roles(actor) & COMPLAINT_HANDLER_ROLES
    ):
        raise Forbidden(
            "只有本次走访或检查的执法人员、负责人可以生成评价链接", code="not_an_officer"
        )
    if field == "inspection" and record.status not in LINKABLE_INSPECTION_STATES:
        raise ConflictError(
            f"现场检查处于“{record.get_status_display()}”状态，检查开始后方可生成评价链接",
            code="inspection_not_started",
        )
    now = timezone.now()
    FeedbackLink.objects.filter(
        **{field: record}, used_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    raw_token = secrets.token_urlsafe(32)
    link = FeedbackLink.objects.create(
        token_hash=token_hash(raw_token),
        enterprise_id=record.enterprise_id,
        region_id=record.region_id,
        **{field: record},
        created_by=actor,
        expires_at=now + timedelta(days=link_days()),
    )
    link.officers.set(officers)
    return link, raw_token, feedback_url(raw_token, request=request)


def feedback_link_get(raw_token: str, *, lock: bool = False) -> FeedbackLink:
    """The link a raw token names, whatever its state; ``FeedbackLinkInvalid`` if none."""
    queryset = FeedbackLink.objects.select_related(
        "enterprise", "visit", "inspection", "region"
    ).prefetch_related("officers")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    if not raw_token or len(raw_token) > 100:
        raise FeedbackLinkInvalid("链接无效：请核对链接是否完整，或向执法人员索取新的链接")
    link = queryset.filter(token_hash=token_hash(raw_token)).first()
    if link is None:
        raise FeedbackLinkInvalid("链接无效：请核对链接是否完整，或向执法人员索取新的链接")
    return link


def ensure_usable(link: FeedbackLink, *, now: datetime | None = None) -> None:
    """Refuse a used, revoked or expired link with a message for the enterprise."""
    state = link_state(link, now=now)
    if state == "used":
        used = timezone.localtime(link.used_at)
        raise FeedbackLinkUnusable(
            f"该链接已于 {used:%Y-%m-%d %H:%M} 提交过，每个链接只能使用一次。"
            "如需再次反映情况，请向执法人员索取新的链接",
            code="link_used",
        )
    if state == "revoked":
        raise FeedbackLinkUnusable(
            "该链接已作废（执法人员已为本次服务重新生成链接），请使用最新的链接",
            code="link_revoked",
        )
    if state == "expired":
        expired = timezone.localtime(link.expires_at)
        raise FeedbackLinkUnusable(
            f"该链接已于 {expired:%Y-%m-%d} 过期，请向执法人员索取新的链接",
            code="link_expired",
        )


# --- the enterprise's submission ---------------------------------------------------------


def _rating(value) -> int:
    """1–5 from an int or a string of digits (a form's radio buttons send strings)."""
    rating = None
    if isinstance(value, int) and not isinstance(value, bool):
        rating = value
    elif isinstance(value, str) and value.strip().isdigit():
        rating = int(value.strip())
    if rating is None or not 1 <= rating <= 5:
        raise DomainError("请选择 1–5 星的评分", code="invalid_rating", field="rating")
    return rating


def _text(value, *, field: str, limit: int, label: str) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise DomainError(f"{label}格式不正确", code="invalid", field=field)
    if len(text) > limit:
        raise DomainError(f"{label}不能超过 {limit} 字", code="max_length", field=field)
    return text


@transaction.atomic
def feedback_submit(
    *,
    raw_token: str,
    kind: str,
    rating=None,
    comment: str = "",
    complaint_text: str = "",
    subject_officers: list | None = None,
    contact: str = "",
) -> Feedback:
    """Store the enterprise's rating or complaint and use up the link.

    A rating needs ``rating`` 1–5 and may carry a comment; a complaint needs
    its text (``complaint_text``, or ``comment``) and may name officers of the
    link (``subject_officers``: ids or Officer rows) and a contact.
    """
    link = feedback_link_get(raw_token, lock=True)
    ensure_usable(link)
    if kind not in FeedbackKind.values:
        raise DomainError("请选择“服务评价”或“监督投诉”", code="invalid_choice", field="kind")
    contact = _text(contact, field="contact", limit=100, label="联系方式")
    fields: dict = {}
    officers: list[Officer] = []
    if kind == FeedbackKind.RATING:
        fields["rating"] = _rating(rating)
        fields["comment"] = _text(
            comment, field="comment", limit=COMMENT_MAX_LENGTH, label="评价意见"
        )
        already = Feedback.objects.filter(
            kind=FeedbackKind.RATING, visit_id=link.visit_id, inspection_id=link.inspection_id
        )
        if already.exists():
            raise ConflictError(
                "本次服务已评价过。如需反映执法人员的问题，请选择“监督投诉”",
                code="already_rated",
            )
    else:
        text = _text(
            complaint_text or comment,
            field="complaint_text",
            limit=COMMENT_MAX_LENGTH,
            label="投诉内容",
        )
        if not text:
            raise DomainError("请填写投诉内容", code="required", field="complaint_text")
        fields.update(comment=text, status=S.NEW)
        allowed = {officer.pk: officer for officer in link.officers.all()}
        for value in subject_officers or []:
            pk = getattr(value, "pk", value)
            try:
                officers.append(allowed[int(pk)])
            except (KeyError, TypeError, ValueError):
                raise DomainError(
                    "被投诉人员须是本次服务的执法人员",
                    code="invalid_choice",
                    field="subject_officers",
                ) from None
    now = timezone.now()
    try:
        with transaction.atomic():
            feedback = Feedback.objects.create(
                link=link,
                kind=kind,
                enterprise_id=link.enterprise_id,
                region_id=link.region_id,
                visit_id=link.visit_id,
                inspection_id=link.inspection_id,
                contact=contact,
                submitted_at=now,
                submitted_on=timezone.localdate(now),
                **fields,
            )
    except IntegrityError:
        # Two links of one visit rated at the same moment: the unique index decides.
        raise ConflictError("本次服务已评价过", code="already_rated") from None
    if officers:
        feedback.subject_officers.set(officers)
    link.used_at = now
    link.save(update_fields=["used_at"])
    if feedback.is_complaint:
        ComplaintStep.objects.create(
            feedback=feedback,
            from_status="",
            to_status=S.NEW,
            label="企业提交投诉",
            on=feedback.submitted_on,
        )
    return feedback


# --- who sees what -----------------------------------------------------------------------


def feedback_visibility(user) -> Q | None:
    """Which feedback ``user`` may read besides the region scope: ``None`` for all.

    Supervisors, managers, administrators and reporting clients read all;
    other staff only the ratings of visits and inspections they took part in,
    so an officer never reads a complaint about them.
    """
    if getattr(user, "is_superuser", False) or user_roles(user) & FEEDBACK_READER_ROLES:
        return None
    officer = officer_of(user)
    if officer is None:
        return Q(pk__in=[])
    took_part = Exists(
        Visit.officers.through.objects.filter(visit_id=OuterRef("visit_id"), officer=officer)
    ) | Exists(
        Inspection.officers.through.objects.filter(
            inspection_id=OuterRef("inspection_id"), officer=officer
        )
    )
    return Q(kind=FeedbackKind.RATING) & took_part


# --- complaint handling --------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintMove:
    name: str
    label: str


MOVES = {
    "take": ComplaintMove("take", "受理"),
    "reply": ComplaintMove("reply", "答复"),
    "close": ComplaintMove("close", "办结"),
}


def _locked_complaint(feedback: Feedback, actor) -> Feedback:
    feedback = (
        Feedback.objects.select_for_update(of=("self",))
        .select_related("link")
        .filter(pk=feedback.pk)
        .first()
    )
    if feedback is None or not region_visible(actor, feedback.region_id):
        raise FeedbackNotFound("记录不存在或不在您的管辖范围内")
    if not (user_roles(actor) & COMPLAINT_HANDLER_ROLES):
        raise Forbidden("投诉须由负责人或系统管理员办理", code="role_required")
    if not feedback.is_complaint:
        raise DomainError("这是一条服务评价，不是投诉，无需办理", code="not_a_complaint")
    officer = officer_of(actor)
    if officer is not None and (
        feedback.subject_officers.filter(pk=officer.pk).exists()
        or feedback.link.officers.filter(pk=officer.pk).exists()
    ):
        raise Forbidden("不能办理涉及本人的投诉，请由其他负责人办理", code="own_complaint")
    return feedback


def _step_date(value: date | None, feedback: Feedback, field: str, label: str) -> date:
    today = timezone.localdate()
    value = value or today
    if value > today:
        raise DomainError(f"{label}不能晚于今天", code="future_date", field=field)
    if value < feedback.submitted_on:
        raise DomainError(
            f"{label}不能早于投诉提交日期（{feedback.submitted_on}）",
            code="before_previous_step",
            field=field,
        )
    return value


def _record(feedback: Feedback, actor, source: str, label: str, on: date, note: str = "") -> None:
    ComplaintStep.objects.create(
        feedback=feedback,
        from_status=source,
        to_status=feedback.status,
        label=label,
        on=on,
        actor=actor,
        note=note,
    )


def allowed_complaint_moves(feedback: Feedback, user) -> list[ComplaintMove]:
    """The moves ``user`` may make on ``feedback`` now (the services re-check)."""
    if not feedback.is_complaint or not (user_roles(user) & COMPLAINT_HANDLER_ROLES):
        return []
    if feedback.status == S.NEW:
        return [MOVES["take"]]
    if feedback.status == S.HANDLING:
        moves = [MOVES["reply"]]
        if feedback.reply:
            moves.append(MOVES["close"])
        return moves
    return []


@transaction.atomic
def complaint_take(*, feedback: Feedback, actor, note: str = "") -> Feedback:
    """待受理 → 办理中: the actor becomes the handler. Taking again a complaint
    one already handles is a no-op."""
    feedback = _locked_complaint(feedback, actor)
    if feedback.status == S.HANDLING and feedback.handler_id == actor.pk:
        return feedback
    if feedback.status != S.NEW:
        handler = ""
        if feedback.status == S.HANDLING:
            handler = "，已由其他人员受理"
        raise ConflictError(
            f"不能从“{feedback.get_status_display()}”变更为“{S.HANDLING.label}”{handler}",
            code="illegal_transition",
        )
    on = timezone.localdate()
    feedback.status = S.HANDLING
    feedback.handler = actor
    feedback.taken_on = on
    feedback.save(update_fields=["status", "handler", "taken_on", "updated_at"])
    _record(feedback, actor, S.NEW, "受理", on, (note or "").strip())
    return feedback


@transaction.atomic
def complaint_reply(
    *, feedback: Feedback, actor, reply: str, replied_on: date | None = None
) -> Feedback:
    """Answer a complaint being handled; a later answer replaces the earlier one
    (both stay in the history)."""
    feedback = _locked_complaint(feedback, actor)
    if feedback.status != S.HANDLING:
        hint = "，请先受理" if feedback.status == S.NEW else ""
        raise ConflictError(
            f"投诉处于“{feedback.get_status_display()}”状态，不能答复{hint}",
            code="illegal_transition",
        )
    reply = _text(reply, field="reply", limit=REPLY_MAX_LENGTH, label="答复")
    if not reply:
        raise DomainError("请填写答复内容", code="required", field="reply")
    replied_on = _step_date(replied_on, feedback, "replied_on", "答复日期")
    feedback.reply = reply
    feedback.replied_on = replied_on
    if feedback.handler_id is None:
        feedback.handler = actor
    feedback.save(update_fields=["reply", "replied_on", "handler", "updated_at"])
    _record(feedback, actor, S.HANDLING, "答复", replied_on, reply)
    return feedback


@transaction.atomic
def complaint_close(
    *, feedback: Feedback, actor, note: str = "", closed_on: date | None = None
) -> Feedback:
    """办理中 → 已办结, once the complaint has been answered."""
    feedback = _locked_complaint(feedback, actor)
    if feedback.status != S.HANDLING:
        raise ConflictError(
            f"不能从“{feedback.get_status_display()}”变更为“{S.CLOSED.label}”",
            code="illegal_transition",
        )
    if not feedback.reply:
        raise ConflictError("投诉须答复后方可办结", code="reply_required")
    closed_on = _step_date(closed_on, feedback, "closed_on", "办结日期")
    if closed_on < feedback.replied_on:
        raise DomainError(
            "办结日期不能早于答复日期", code="before_previous_step", field="closed_on"
        )
    feedback.status = S.CLOSED
    feedback.closed_on = closed_on
    feedback.save(update_fields=["status", "closed_on", "updated_at"])
    _record(feedback, actor, S.HANDLING, "办结", closed_on, (note or "").strip())
    return feedback
