"""Half-year statistics: stored snapshots, one cell per metric and region.

A snapshot is built by ``stats.services.build_half_year`` from the metric
registry (``stats.metrics``); readers only ever read the current one
(``is_current``), so a rebuild in progress never shows half a table.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from accounts.models import Region


class SnapshotStatus(models.TextChoices):
    PENDING = "pending", "待生成"
    BUILDING = "building", "生成中"
    READY = "ready", "已生成"
    FAILED = "failed", "生成失败"


class Half(models.IntegerChoices):
    FIRST = 1, "上半年"
    SECOND = 2, "下半年"


class HalfYearSnapshot(models.Model):
    """半年统计快照: every metric of a half-year for the whole city or one region,
    with last year's values and the ids of the records behind every number.

    A rebuild writes a new row and switches ``is_current`` to it when complete;
    the rows it replaced stay (not current) so a difference can be explained.
    """

    year = models.PositiveSmallIntegerField("年度")
    half = models.PositiveSmallIntegerField("半年", choices=Half.choices)
    scope_region = models.ForeignKey(
        Region,
        verbose_name="统计范围",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空表示全市",
    )
    status = models.CharField(
        "状态", max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.PENDING
    )
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    as_of = models.DateTimeField("数据截至", null=True, blank=True)
    definition_version = models.PositiveIntegerField("指标口径版本")
    is_current = models.BooleanField("当前版本", default=False)
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发起人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    error = models.TextField("错误信息", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "半年统计快照"
        verbose_name_plural = "半年统计快照"
        ordering = ["-year", "-half", "-created_at"]
        # The managers' dashboard; a permission (not a role lookup) so that the
        # admin sidebar can decide on its link from the permissions it has loaded.
        permissions = [("read_dashboard", "可查看统计看板")]
        constraints = [
            # One current snapshot per period and scope; the whole city is the
            # NULL scope, hence nulls_distinct=False.
            models.UniqueConstraint(
                fields=["year", "half", "scope_region"],
                condition=Q(is_current=True),
                nulls_distinct=False,
                name="snapshot_one_current_per_period",
            ),
            models.CheckConstraint(condition=Q(half__in=[1, 2]), name="snapshot_half_1_or_2"),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="snapshot_progress_max_100"
            ),
            models.CheckConstraint(
                condition=~Q(is_current=True) | Q(status=SnapshotStatus.READY),
                name="snapshot_current_is_ready",
            ),
        ]
        indexes = [
            models.Index(
                fields=["year", "half", "scope_region", "status"], name="snapshot_period_status"
            )
        ]

    def __str__(self) -> str:
        scope = self.scope_region_id or "全市"
        return f"{self.year}-H{self.half} {scope} #{self.pk}"

    @property
    def period(self) -> str:
        return f"{self.year}-H{self.half}"


class SnapshotCell(models.Model):
    """统计单元: one metric for one region of a snapshot (region '' is the
    snapshot's whole scope), with the record ids it counted in the period and
    in the same period a year earlier."""

    snapshot = models.ForeignKey(
        HalfYearSnapshot, verbose_name="快照", on_delete=models.CASCADE, related_name="cells"
    )
    metric = models.CharField("指标", max_length=64)
    region = models.CharField("区划代码", max_length=6, blank=True, help_text="空表示统计范围合计")
    value = models.DecimalField("本期值", max_digits=18, decimal_places=2, null=True)
    previous = models.DecimalField("上年同期值", max_digits=18, decimal_places=2, null=True)
    record_ids = ArrayField(models.BigIntegerField(), verbose_name="本期记录", default=list)
    previous_record_ids = ArrayField(
        models.BigIntegerField(), verbose_name="上年同期记录", default=list
    )
    # The lengths of the two lists, so that a reader can decide how to link a
    # number (and page through its records) without reading the list itself.
    record_count = models.PositiveIntegerField("本期记录数", default=0)
    previous_record_count = models.PositiveIntegerField("上年同期记录数", default=0)

    class Meta:
        verbose_name = "统计单元"
        verbose_name_plural = "统计单元"
        ordering = ["snapshot", "metric", "region"]
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "metric", "region"], name="snapshot_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.metric} {self.region or '合计'} {self.value}"
