from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Officer, Region
from cases.choices import (
    CaseSource,
    CaseStatus,
    ClosingReason,
    MeasureKind,
    PartyKind,
    PaymentKind,
    PaymentPlan,
    TransferKind,
    WaiverKind,
)
from cases.models.violations import ViolationType
from companies.models import Enterprise

MONEY = {"max_digits": 14, "decimal_places": 2}


class CaseNumberCounter(models.Model):
    """The last case number issued in a year.

    Locked (SELECT … FOR UPDATE) by the filing transaction, so numbers are
    unique and gap-free: a filing that rolls back also rolls back its number.
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    last = models.PositiveIntegerField("已用最大序号", default=0)

    class Meta:
        verbose_name = "案件编号计数"
        verbose_name_plural = "案件编号计数"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class PenaltyCase(models.Model):
    """行政处罚案件: one case through the procedure of the 行政处罚法 (2021) and the
    生态环境行政处罚办法 (2023). Its status moves only through cases.workflow."""

    number = models.CharField("案件编号", max_length=40, unique=True, null=True, blank=True)
    number_year = models.PositiveSmallIntegerField("编号年度", null=True, blank=True)
    number_sequence = models.PositiveIntegerField("编号序号", null=True, blank=True)
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="当事企业", on_delete=models.PROTECT, related_name="penalty_cases"
    )
    region = models.ForeignKey(
        Region, verbose_name="所在县（市、区）", on_delete=models.PROTECT, related_name="+"
    )
    party_kind = models.CharField(
        "当事人类型", max_length=16, choices=PartyKind.choices, default=PartyKind.ORGANISATION
    )
    source = models.CharField("案件来源", max_length=16, choices=CaseSource.choices)
    source_reference = models.CharField(
        "来源记录", max_length=100, blank=True, help_text="投诉编号、交办文号等"
    )
    source_inspection = models.ForeignKey(
        "cases.Inspection",
        verbose_name="来源现场检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalty_cases",
    )
    source_offsite_record = models.ForeignKey(
        "cases.OffsiteRecord",
        verbose_name="来源非现场记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="penalty_cases",
    )
    discovered_on = models.DateField("发现日期")
    title = models.CharField("案由", max_length=300, blank=True)
    status = models.CharField(
        "状态", max_length=32, choices=CaseStatus.choices, default=CaseStatus.CLUE, db_index=True
    )
    officers = models.ManyToManyField(
        Officer, verbose_name="承办人员", related_name="penalty_cases"
    )
    # Dates of the steps, written by the workflow service only.
    filed_on = models.DateField("立案日期", null=True, blank=True)
    notified_on = models.DateField("告知书送达日期", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True, db_index=True)
    served_on = models.DateField("决定书送达日期", null=True, blank=True)
    closed_on = models.DateField("结案日期", null=True, blank=True)
    archived_on = models.DateField("归档日期", null=True, blank=True)
    # Deadline extensions granted by an approver.
    filing_extended = models.BooleanField("立案期限已延长", default=False)
    decision_extensions = models.PositiveSmallIntegerField("决定期限延长次数", default=0)
    suspended_since = models.DateField("中止起始日", null=True, blank=True)
    suspended_days = models.PositiveIntegerField("累计中止天数", default=0)
    # Notice of the intended penalty and the party's rights.
    proposed_fine = models.DecimalField("拟罚款金额（元）", null=True, blank=True, **MONEY)
    heavy_penalty = models.BooleanField(
        "较重处罚", default=False, help_text="责令停产停业、吊销许可证、较大数额罚款等"
    )
    hearing_offered = models.BooleanField("已告知听证权", default=False)
    hearing_requested_on = models.DateField("听证申请日期", null=True, blank=True)
    hearing_held_on = models.DateField("听证日期", null=True, blank=True)
    statement_made = models.BooleanField("当事人已陈述申辩", default=False)
    is_complex = models.BooleanField(
        "重大复杂案件", default=False, help_text="涉及重大公共利益或情节复杂，须法制审核与集体讨论"
    )
    legal_review_on = models.DateField("法制审核通过日期", null=True, blank=True)
    collective_discussion_on = models.DateField("集体讨论日期", null=True, blank=True)
    # The decision.
    recommended_fine = models.DecimalField("裁量建议金额（元）", null=True, blank=True, **MONEY)
    fine_amount = models.DecimalField("罚款金额（元）", null=True, blank=True, **MONEY)
    fine_reason = models.TextField("偏离裁量建议的理由", blank=True)
    other_penalties = models.TextField("其他处罚", blank=True)
    waiver_kind = models.CharField(
        "免罚情形", max_length=16, choices=WaiverKind.choices, blank=True
    )
    commitment_letter = models.CharField("承诺书", max_length=200, blank=True)
    transfer_kind = models.CharField(
        "移送类型", max_length=16, choices=TransferKind.choices, blank=True
    )
    # Payment.
    payment_plan = models.CharField(
        "缴款方式", max_length=16, choices=PaymentPlan.choices, default=PaymentPlan.FULL
    )
    payment_due_on = models.DateField("缴款期限", null=True, blank=True)
    closing_reason = models.CharField(
        "结案理由", max_length=32, choices=ClosingReason.choices, blank=True
    )
    # Maintained by the daily deadline job, for filters.
    next_deadline_on = models.DateField("最近期限", null=True, blank=True, db_index=True)
    next_deadline_label = models.CharField("最近期限事项", max_length=50, blank=True)
    due_soon = models.BooleanField("即将到期", default=False, db_index=True)
    overdue = models.BooleanField("已超期", default=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "行政处罚案件"
        verbose_name_plural = "行政处罚案件"
        ordering = ["-discovered_on", "-id"]
        indexes = [models.Index(fields=["region", "status"], name="case_region_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["number_year", "number_sequence"], name="case_number_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=True)
                | Q(number_year__isnull=False, number_sequence__isnull=False),
                name="case_number_has_sequence",
            ),
            models.CheckConstraint(
                condition=Q(fine_amount__isnull=True) | Q(fine_amount__gte=0),
                name="case_fine_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(filed_on__isnull=True) | Q(filed_on__gte=models.F("discovered_on")),
                name="case_filed_after_discovery",
            ),
            models.CheckConstraint(
                condition=Q(decision_extensions__lte=2), name="case_at_most_two_extensions"
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"线索 #{self.pk}（{self.enterprise}）"


class CaseViolation(models.Model):
    """One violation charged in a case, with its facts and what the fine is computed on."""

    case = models.ForeignKey(
        PenaltyCase, verbose_name="案件", on_delete=models.CASCADE, related_name="violations"
    )
    violation_type = models.ForeignKey(
        ViolationType, verbose_name="违法行为类型", on_delete=models.PROTECT, related_name="+"
    )
    facts = models.TextField("违法事实")
    base_amount = models.DecimalField(
        "计罚基数（元）",
        null=True,
        blank=True,
        help_text="按比例计罚时填写，如建设项目总投资额",
        **MONEY,
    )
    days = models.PositiveIntegerField("违法天数", null=True, blank=True)
    occurrences = models.PositiveIntegerField("违法次数", null=True, blank=True)

    class Meta:
        verbose_name = "违法行为"
        verbose_name_plural = "违法行为"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.violation_type.name}"


class CaseTransition(models.Model):
    """History of a case: who moved it from which state to which, effective when, and why."""

    case = models.ForeignKey(
        PenaltyCase, verbose_name="案件", on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField("原状态", max_length=32, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField("新状态", max_length=32, choices=CaseStatus.choices)
    on = models.DateField("生效日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("操作时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)
    data = models.JSONField("环节数据", default=dict, blank=True)

    class Meta:
        verbose_name = "案件流转记录"
        verbose_name_plural = "案件流转记录"
        ordering = ["case", "at", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.from_status}→{self.to_status} {self.on}"


class CaseEvent(models.Model):
    """A step that does not change the state: a deadline extension, a statement or
    defence, a hearing request, a payment plan approval. Kept for the dossier."""

    case = models.ForeignKey(
        PenaltyCase, verbose_name="案件", on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事项", max_length=32)
    on = models.DateField("日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("操作时间", auto_now_add=True)
    reason = models.TextField("理由或说明", blank=True)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "案件事项"
        verbose_name_plural = "案件事项"
        ordering = ["case", "on", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.on}"


class Payment(models.Model):
    """A payment received on a case's fine or late fee (加处罚款)."""

    case = models.ForeignKey(
        PenaltyCase, verbose_name="案件", on_delete=models.PROTECT, related_name="payments"
    )
    kind = models.CharField(
        "款项", max_length=16, choices=PaymentKind.choices, default=PaymentKind.FINE
    )
    paid_on = models.DateField("缴款日期")
    amount = models.DecimalField("金额（元）", **MONEY)
    receipt_number = models.CharField("票据号", max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "缴款记录"
        verbose_name_plural = "缴款记录"
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.case} {self.paid_on} {self.amount}"


class SpecialMeasure(models.Model):
    """配套办法 applied in a case: daily continuous penalty, seal/seize, restricted
    production, transfer for detention or as a suspected crime."""

    case = models.ForeignKey(
        PenaltyCase, verbose_name="案件", on_delete=models.PROTECT, related_name="measures"
    )
    kind = models.CharField("措施", max_length=32, choices=MeasureKind.choices)
    on = models.DateField("决定或移送日期", db_index=True)
    ends_on = models.DateField("期限届满日", null=True, blank=True)
    extended_until = models.DateField("延长至", null=True, blank=True)
    correction_served_on = models.DateField("责令改正送达日期", null=True, blank=True)
    reinspected_on = models.DateField("复查日期", null=True, blank=True)
    days = models.PositiveIntegerField("计罚天数", null=True, blank=True)
    amount = models.DecimalField("金额（元）", null=True, blank=True, **MONEY)
    note = models.TextField("说明", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "配套办法"
        verbose_name_plural = "配套办法"
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.case} {self.get_kind_display()} {self.on}"


def evidence_path(instance: Evidence, filename: str) -> str:
    owner = (
        f"case-{instance.case_id}" if instance.case_id else f"inspection-{instance.inspection_id}"
    )
    return f"evidence/{owner}/{instance.sha256[:2]}/{instance.sha256}-{filename}"


class Evidence(models.Model):
    """证据: a photo, video or document of a case, hashed (SHA-256) at upload and
    checked against the hash whenever it is downloaded."""

    case = models.ForeignKey(
        PenaltyCase,
        verbose_name="案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    inspection = models.ForeignKey(
        "cases.Inspection",
        verbose_name="现场检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="evidence",
    )
    file = models.FileField("文件", upload_to=evidence_path, max_length=300)
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    description = models.CharField("说明", max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "证据"
        verbose_name_plural = "证据"
        ordering = ["uploaded_at", "id"]
        constraints = [
            # Evidence belongs to exactly one case or one inspection.
            models.CheckConstraint(
                condition=Q(case__isnull=False, inspection__isnull=True)
                | Q(case__isnull=True, inspection__isnull=False),
                name="evidence_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name}（{self.sha256[:12]}）"
