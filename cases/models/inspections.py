from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Officer, Region
from cases.choices import (
    DismissalReason,
    FindingSeverity,
    FindingStatus,
    InspectionOutcome,
    InspectionStatus,
    InspectionTrigger,
    LadderStep,
    OffsiteSource,
    OffsiteStatus,
    PlanStatus,
    PoolKind,
    SignatureStatus,
)
from cases.models.violations import ViolationType
from companies.models import Enterprise

USER = settings.AUTH_USER_MODEL


class InspectionPlan(models.Model):
    """执法计划: a 双随机、一公开 plan over some regions and a period; its draw is
    reproducible from the recorded seed."""

    name = models.CharField("计划名称", max_length=200)
    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    regions = models.ManyToManyField(Region, verbose_name="抽查区划", related_name="+")
    yearly_cap = models.PositiveSmallIntegerField(
        "每企业年度检查上限", default=2, help_text="同一企业一年内被抽中检查的次数上限"
    )
    exclude_inspected_within_days = models.PositiveSmallIntegerField(
        "近期已检查排除天数", default=90, help_text="此天数内已做过现场检查的企业不参加抽取"
    )
    seed = models.BigIntegerField("随机种子", null=True, blank=True)
    draw_snapshot = models.JSONField(
        "抽取底数",
        default=dict,
        blank=True,
        editable=False,
        help_text="抽取时的各对象库候选企业、各区划可抽执法人员及上次检查人员，供按种子复核",
    )
    status = models.CharField(
        "状态", max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    drawn_at = models.DateTimeField("抽取时间", null=True, blank=True)
    drawn_by = models.ForeignKey(
        USER,
        verbose_name="抽取人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField("公开时间", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, verbose_name="编制人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "执法计划"
        verbose_name_plural = "执法计划（双随机）"
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="plan_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return self.name


class PlanPool(models.Model):
    """One pool of a plan (重点 / 特殊 / 一般监管对象) and the share of it to draw."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name="计划", on_delete=models.CASCADE, related_name="pools"
    )
    kind = models.CharField("对象库", max_length=16, choices=PoolKind.choices)
    ratio = models.DecimalField("抽取比例（%）", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = "抽查对象库"
        verbose_name_plural = "抽查对象库"
        constraints = [
            models.UniqueConstraint(fields=["plan", "kind"], name="plan_pool_once"),
            models.CheckConstraint(
                condition=Q(ratio__gt=0, ratio__lte=100), name="plan_pool_ratio_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ratio}%"


class PlanDrawItem(models.Model):
    """An enterprise drawn by a plan, with the pair of inspectors drawn for it."""

    plan = models.ForeignKey(
        InspectionPlan, verbose_name="计划", on_delete=models.CASCADE, related_name="items"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    pool = models.CharField("对象库", max_length=16, choices=PoolKind.choices)
    officers = models.ManyToManyField(Officer, verbose_name="抽中的执法人员", related_name="+")
    position = models.PositiveIntegerField("抽取顺序")

    class Meta:
        verbose_name = "抽查结果"
        verbose_name_plural = "抽查结果"
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "enterprise"], name="plan_item_enterprise_once")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.enterprise}"


class OffsiteRecord(models.Model):
    """非现场执法记录: an alert from a monitoring platform, idempotent by
    (source, external_id), triaged off-site before any visit (无据不查)."""

    source = models.CharField("来源", max_length=32, choices=OffsiteSource.choices)
    external_id = models.CharField("平台记录号", max_length=100)
    # No single-column indexes on the foreign keys: the composite indexes
    # below lead with them, and every index costs the bulk ingestion (tens of
    # thousands of rows a minute) a write per row.
    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="offsite_records",
        db_index=False,
    )
    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    monitoring_point = models.CharField("监测点位", max_length=100, blank=True)
    indicator = models.CharField("监测指标", max_length=100)
    value = models.DecimalField("监测值", max_digits=16, decimal_places=4, null=True, blank=True)
    limit = models.DecimalField("限值", max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField("单位", max_length=32, blank=True)
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    detected_on = models.DateField("发现日期", db_index=True, help_text="按开始时间（北京时间）计")
    status = models.CharField(
        "处置状态", max_length=32, choices=OffsiteStatus.choices, default=OffsiteStatus.NEW
    )
    dismissal_reason = models.CharField(
        "排除原因", max_length=16, choices=DismissalReason.choices, blank=True
    )
    triage_note = models.TextField("处置说明", blank=True)
    enterprise_response = models.TextField("企业反馈", blank=True)
    triaged_at = models.DateTimeField("处置时间", null=True, blank=True)
    # Unindexed for the same reason; accounts are deactivated, not deleted.
    triaged_by = models.ForeignKey(
        USER,
        verbose_name="处置人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    received_at = models.DateTimeField("接收时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "非现场执法记录"
        verbose_name_plural = "非现场执法记录"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["region", "status"], name="offsite_region_status"),
            models.Index(fields=["enterprise", "detected_on"], name="offsite_enterprise_day"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], name="offsite_source_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                name="offsite_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.external_id}"


class Inspection(models.Model):
    """现场检查: an on-site check by at least two certified officers, pre-approved
    (入企审批), checked in by scanning the enterprise's code (扫码入企)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="inspections"
    )
    region = models.ForeignKey(
        Region, verbose_name="区划", on_delete=models.PROTECT, related_name="+"
    )
    plan = models.ForeignKey(
        InspectionPlan,
        verbose_name="执法计划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    draw_item = models.OneToOneField(
        PlanDrawItem,
        verbose_name="抽查结果",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection",
    )
    trigger = models.CharField("检查事由", max_length=16, choices=InspectionTrigger.choices)
    trigger_reason = models.TextField(
        "事由说明",
        blank=True,
        help_text="正面清单企业的现场检查须写明依据（非现场线索、投诉举报等）",
    )
    offsite_record = models.ForeignKey(
        OffsiteRecord,
        verbose_name="非现场线索",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    follow_up_of = models.ForeignKey(
        "self",
        verbose_name="复查对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
    )
    status = models.CharField(
        "状态", max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.REQUESTED
    )
    officers = models.ManyToManyField(Officer, verbose_name="检查人员", related_name="inspections")
    requested_by = models.ForeignKey(
        USER, verbose_name="申请人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    emergency = models.BooleanField("紧急检查（事后补批）", default=False)
    emergency_reason = models.TextField("紧急事由", blank=True)
    approved_by = models.ForeignKey(
        USER,
        verbose_name="审批人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    inspected_on = models.DateField("检查日期", db_index=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    signature = models.CharField(
        "当事人签字",
        max_length=16,
        choices=SignatureStatus.choices,
        default=SignatureStatus.PENDING,
    )
    signed_by = models.CharField("签字人", max_length=50, blank=True)
    refusal_witness = models.CharField("拒签见证人", max_length=100, blank=True)
    outcome = models.CharField(
        "检查结论", max_length=16, choices=InspectionOutcome.choices, blank=True
    )
    rectification_due_on = models.DateField("整改期限", null=True, blank=True)
    ladder_proposal = models.CharField(
        "阶梯式措施建议", max_length=16, choices=LadderStep.choices, blank=True
    )
    summary = models.TextField("检查情况", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "现场检查"
        verbose_name_plural = "现场检查"
        ordering = ["-inspected_on", "-id"]
        indexes = [
            models.Index(fields=["region", "inspected_on"], name="inspection_region_day"),
            models.Index(fields=["enterprise", "inspected_on"], name="inspection_enterprise_day"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True)
                | Q(started_at__isnull=False, ended_at__gte=models.F("started_at")),
                name="inspection_period_ordered",
            ),
            models.CheckConstraint(
                condition=~Q(signature=SignatureStatus.REFUSED) | ~Q(refusal_witness=""),
                name="inspection_refusal_has_witness",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.inspected_on} 现场检查"


class CheckIn(models.Model):
    """扫码入企: an officer scanned the enterprise's signed code at the gate."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="现场检查", on_delete=models.CASCADE, related_name="check_ins"
    )
    officer = models.ForeignKey(
        Officer, verbose_name="执法人员", on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("扫码时间")
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = "扫码入企记录"
        verbose_name_plural = "扫码入企记录"
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.officer} {self.at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """发现问题: one problem found at an inspection, from the violation library,
    open until a later inspection verifies it corrected."""

    inspection = models.ForeignKey(
        Inspection, verbose_name="现场检查", on_delete=models.CASCADE, related_name="findings"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="findings"
    )
    violation_type = models.ForeignKey(
        ViolationType,
        verbose_name="违法行为类型",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField("问题描述")
    severity = models.CharField("严重程度", max_length=16, choices=FindingSeverity.choices)
    corrected_on_spot = models.BooleanField("当场整改", default=False)
    status = models.CharField(
        "整改状态", max_length=16, choices=FindingStatus.choices, default=FindingStatus.OPEN
    )
    carried_from = models.ForeignKey(
        "self",
        verbose_name="上次检查的问题",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="carried_to",
    )
    corrected_on = models.DateField("整改核实日期", null=True, blank=True)
    verified_by = models.ForeignKey(
        Inspection,
        verbose_name="核实检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="verified_findings",
    )
    found_on = models.DateField("发现日期", db_index=True)

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ["inspection", "id"]
        indexes = [models.Index(fields=["enterprise", "found_on"], name="finding_enterprise_day")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=FindingStatus.OPEN) | Q(corrected_on__isnull=False),
                name="finding_corrected_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}：{self.description[:30]}"


class LadderDecision(models.Model):
    """一次帮扶、两次督导、三次严惩: what the system proposed for an enterprise
    from its minor findings in the window, and what the officer decided."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.PROTECT, related_name="ladder_decisions"
    )
    inspection = models.ForeignKey(
        Inspection,
        verbose_name="现场检查",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ladder_decisions",
    )
    minor_findings = models.PositiveIntegerField("窗口期内轻微问题次数")
    window_start = models.DateField("窗口起始日")
    proposed = models.CharField("系统建议", max_length=16, choices=LadderStep.choices)
    decided = models.CharField("决定措施", max_length=16, choices=LadderStep.choices)
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(
        USER, verbose_name="决定人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "阶梯式措施决定"
        verbose_name_plural = "阶梯式措施决定"
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_decided_display()}"
