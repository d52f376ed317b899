"""Service evaluation and complaints (服务评价、监督投诉).

At the end of a visit (走访) or an inspection (现场检查) the officer hands the
enterprise a one-time link (and its QR code). Without logging in, the
enterprise rates the service 1–5 with a comment, or complains about the
officers' conduct. The link's token is stored hashed (SHA-256): the raw token
exists only in the link. A link is single-use, expires, and is revoked when a
new one is issued for the same visit or inspection.

Complaints go to the supervisors' queue (approvers, administrators):
待受理 → 办理中 → 已办结, with a handler, a reply and a history row per step
(``ComplaintStep``). Writes go through ``cases.feedback_services``.

``submitted_on`` is the feedback date: the statistics ``service_rating_avg``
and ``complaints`` place feedback in a period by it. ``region`` and
``enterprise`` are stored for the region scope and the statistics.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Officer, Region
from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.models.inspections import Inspection
from companies.models import Enterprise, Visit

USER = settings.AUTH_USER_MODEL

__all__ = ["ComplaintStep", "Feedback", "FeedbackLink"]


class FeedbackLink(models.Model):
    """评价链接: a one-time link for an enterprise to rate a visit or an inspection
    or complain about it. Only the SHA-256 of its token is stored."""

    token_hash = models.CharField("令牌摘要（SHA-256）", max_length=64, unique=True, editable=False)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="feedback_links"
    )
    region = models.ForeignKey(
        Region, verbose_name="所在县（市、区）", on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="走访",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_links",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name="现场检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback_links",
    )
    officers = models.ManyToManyField(
        Officer, verbose_name="执法人员", related_name="+", help_text="链接页面向企业展示的人员"
    )
    created_by = models.ForeignKey(
        USER, verbose_name="生成人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField(
        "作废时间", null=True, blank=True, help_text="为同一走访或检查重新生成链接时作废"
    )

    class Meta:
        verbose_name = "评价链接"
        verbose_name_plural = "评价链接"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["region", "created_at"], name="feedback_link_region_day")]
        constraints = [
            # Handed out at exactly one visit or one inspection.
            models.CheckConstraint(
                condition=Q(visit__isnull=False, inspection__isnull=True)
                | Q(visit__isnull=True, inspection__isnull=False),
                name="feedback_link_one_subject",
            ),
            # One usable link per visit and per inspection: issuing anew revokes the old.
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(visit__isnull=False, used_at__isnull=True, revoked_at__isnull=True),
                name="feedback_link_one_open_per_visit",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(
                    inspection__isnull=False, used_at__isnull=True, revoked_at__isnull=True
                ),
                name="feedback_link_one_open_per_inspection",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="feedback_link_expires_after_created",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.subject_text}"

    @property
    def subject_text(self) -> str:
        if self.visit_id:
            return f"走访（{self.visit.visited_on}）"
        return f"现场检查（{self.inspection.inspected_on}）"

    @property
    def subject_date(self):
        return self.visit.visited_on if self.visit_id else self.inspection.inspected_on


class Feedback(models.Model):
    """服务评价 / 监督投诉 submitted through a one-time link.

    A rating (1–5) with a comment, or a complaint about enforcement conduct
    that the supervisors handle (``status``: 待受理 → 办理中 → 已办结).
    """

    link = models.OneToOneField(
        FeedbackLink, verbose_name="评价链接", on_delete=models.PROTECT, related_name="feedback"
    )
    kind = models.CharField("类型", max_length=16, choices=FeedbackKind.choices)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="feedback"
    )
    region = models.ForeignKey(
        Region, verbose_name="所在县（市、区）", on_delete=models.PROTECT, related_name="+"
    )
    visit = models.ForeignKey(
        Visit,
        verbose_name="走访",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name="现场检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="feedback",
    )
    rating = models.PositiveSmallIntegerField("评分（1–5）", null=True, blank=True)
    comment = models.TextField("评价意见或投诉内容", blank=True)
    subject_officers = models.ManyToManyField(
        Officer,
        verbose_name="被投诉人员",
        related_name="complaints_received",
        blank=True,
        help_text="留空表示未指明具体人员",
    )
    contact = models.CharField("联系方式", max_length=100, blank=True)
    submitted_on = models.DateField("提交日期", db_index=True)
    submitted_at = models.DateTimeField("提交时间")
    status = models.CharField(
        "办理状态", max_length=16, choices=ComplaintStatus.choices, blank=True
    )
    handler = models.ForeignKey(
        USER,
        verbose_name="办理人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    taken_on = models.DateField("受理日期", null=True, blank=True)
    reply = models.TextField("答复", blank=True)
    replied_on = models.DateField("答复日期", null=True, blank=True)
    closed_on = models.DateField("办结日期", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "服务评价与投诉"
        verbose_name_plural = "服务评价与投诉"
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["region", "submitted_on"], name="feedback_region_day"),
            models.Index(fields=["enterprise", "submitted_on"], name="feedback_enterprise_day"),
            models.Index(
                fields=["region", "status"],
                condition=Q(kind=FeedbackKind.COMPLAINT),
                name="feedback_complaint_queue",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=FeedbackKind.values), name="feedback_kind_valid"
            ),
            # A rating carries 1–5 and no handling; a complaint a handling status.
            models.CheckConstraint(
                condition=Q(kind=FeedbackKind.RATING, rating__gte=1, rating__lte=5, status="")
                | Q(
                    kind=FeedbackKind.COMPLAINT,
                    rating__isnull=True,
                    status__in=ComplaintStatus.values,
                ),
                name="feedback_rating_or_complaint",
            ),
            models.CheckConstraint(
                condition=Q(visit__isnull=False, inspection__isnull=True)
                | Q(visit__isnull=True, inspection__isnull=False),
                name="feedback_one_subject",
            ),
            # One rating per visit and per inspection, however many links were issued.
            models.UniqueConstraint(
                fields=["visit"],
                condition=Q(kind=FeedbackKind.RATING, visit__isnull=False),
                name="feedback_one_rating_per_visit",
            ),
            models.UniqueConstraint(
                fields=["inspection"],
                condition=Q(kind=FeedbackKind.RATING, inspection__isnull=False),
                name="feedback_one_rating_per_inspection",
            ),
            models.CheckConstraint(
                condition=~Q(status=ComplaintStatus.CLOSED)
                | (Q(closed_on__isnull=False, replied_on__isnull=False) & ~Q(reply="")),
                name="feedback_closed_has_reply",
            ),
            models.CheckConstraint(
                condition=Q(replied_on__isnull=True) | Q(replied_on__gte=models.F("submitted_on")),
                name="feedback_replied_after_submitted",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == FeedbackKind.RATING:
            return f"{self.enterprise} 评价 {self.rating} 星（{self.submitted_on}）"
        return f"{self.enterprise} 投诉（{self.submitted_on}）"

    @property
    def is_complaint(self) -> bool:
        return self.kind == FeedbackKind.COMPLAINT


class ComplaintStep(models.Model):
    """History of a complaint's handling: who moved it from which status to which, and why."""

    feedback = models.ForeignKey(
        Feedback, verbose_name="投诉", on_delete=models.CASCADE, related_name="steps"
    )
    from_status = models.CharField(
        "原状态", max_length=16, choices=ComplaintStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=16, choices=ComplaintStatus.choices)
    label = models.CharField("环节", max_length=50)
    on = models.DateField("日期")
    actor = models.ForeignKey(
        USER, verbose_name="办理人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("操作时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "投诉办理记录"
        verbose_name_plural = "投诉办理记录"
        ordering = ["feedback", "at", "id"]

    def __str__(self) -> str:
        return f"{self.feedback_id} {self.from_status}→{self.to_status} {self.label}"
