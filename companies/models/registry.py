"""The enterprise registry: industries, enterprises, the positive list, imports."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from accounts.models import Region
from companies.choices import EnterpriseStatus, ImportStatus, PerformanceGrade, PermitCategory
from companies.validators import (
    validate_latitude,
    validate_longitude,
    validate_permit_number,
    validate_uscc,
)
from ecoenforce.errors import DomainError

__all__ = ["Enterprise", "EnterpriseImport", "Industry", "PositiveListEntry", "Region"]


class Industry(models.Model):
    """国民经济行业分类 (GB/T 4754-2017): sections (门类, letters) and divisions (大类, digits)."""

    code = models.CharField("行业代码", max_length=5, primary_key=True)
    name = models.CharField("行业名称", max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级门类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "行业分类"
        verbose_name_plural = "行业分类"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Enterprise(models.Model):
    """企业 (一企一档): a regulated unit, identified by its unified social credit code."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    uscc_legacy_reason = models.CharField(
        "历史代码说明",
        max_length=200,
        blank=True,
        help_text="2015 年前试点代码无法通过校验时，须写明原因方可保存",
    )
    name = models.CharField("企业名称", max_length=200, db_index=True)
    region = models.ForeignKey(
        Region, verbose_name="所在县（市、区）", on_delete=models.PROTECT, related_name="+"
    )
    address = models.CharField("地址", max_length=300, blank=True)
    industry = models.ForeignKey(
        Industry,
        verbose_name="行业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    permit_category = models.CharField(
        "排污许可管理类别",
        max_length=16,
        choices=PermitCategory.choices,
        default=PermitCategory.NONE,
    )
    permit_number = models.CharField("排污许可证编号", max_length=22, blank=True)
    performance_grade = models.CharField(
        "环保绩效等级",
        max_length=1,
        choices=PerformanceGrade.choices,
        blank=True,
        default=PerformanceGrade.UNRATED,
    )
    on_positive_list = models.BooleanField(
        "正面清单", default=False, help_text="由正面清单记录维护，请在正面清单中加入或移出"
    )
    key_discharge_unit = models.BooleanField("重点排污单位", default=False)
    key_soil_pollution_unit = models.BooleanField("土壤污染重点监管单位", default=False)
    vocs_related = models.BooleanField("涉VOCs企业", default=False)
    hazardous_waste_producer = models.BooleanField("危险废物产生单位", default=False)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    status = models.CharField(
        "经营状态",
        max_length=16,
        choices=EnterpriseStatus.choices,
        default=EnterpriseStatus.OPERATING,
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_index=True)

    class Meta:
        verbose_name = "企业"
        verbose_name_plural = "企业"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["region", "name"], name="enterprise_region_name"),
            models.Index(fields=["industry"], name="enterprise_industry"),
            # Substring search on names (?q=, the admin search) stays indexed
            # on province-size tables.
            GinIndex(fields=["name"], name="enterprise_name_trgm", opclasses=["gin_trgm_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(uscc__regex=r"^[0-9A-Z]{18}$"), name="enterprise_uscc_format"
            ),
            models.CheckConstraint(
                condition=Q(permit_number="") | Q(permit_number__startswith=models.F("uscc")),
                name="enterprise_permit_number_holder",
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="enterprise_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="enterprise_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Single-row rules shared by the admin, the API and imports."""
        errors: dict[str, list[ValidationError]] = {}
        self.uscc = (self.uscc or "").strip().upper()
        self.permit_number = (self.permit_number or "").strip().upper()
        for check in (
            lambda: validate_uscc(self.uscc, legacy_reason=self.uscc_legacy_reason),
            self._check_permit,
            lambda: validate_latitude(self.latitude),
            lambda: validate_longitude(self.longitude),
        ):
            try:
                check()
            except DomainError as exc:
                errors.setdefault(exc.field or "__all__", []).append(
                    ValidationError(exc.message, code=exc.code)
                )
        if errors:
            raise ValidationError(errors)

    def _check_permit(self) -> None:
        if self.permit_number:
            validate_permit_number(self.permit_number, uscc=self.uscc)
        elif self.permit_category in (PermitCategory.KEY, PermitCategory.SIMPLIFIED):
            raise DomainError(
                "重点管理和简化管理的企业须填写排污许可证编号",
                code="permit_number_required",
                field="permit_number",
            )


class PositiveListEntry(models.Model):
    """正面清单 membership: an enterprise is on the list from ``added_on`` until ``removed_on``."""

    enterprise = models.ForeignKey(
        Enterprise,
        verbose_name="企业",
        on_delete=models.PROTECT,
        related_name="positive_list_entries",
    )
    added_on = models.DateField("纳入日期")
    reason = models.CharField("纳入理由", max_length=300)
    removed_on = models.DateField("移出日期", null=True, blank=True)
    removal_reason = models.CharField("移出理由", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "正面清单记录"
        verbose_name_plural = "正面清单记录"
        ordering = ["-added_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(removed_on__isnull=True),
                name="positive_list_one_open_entry",
            ),
            models.CheckConstraint(
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=models.F("added_on")),
                name="positive_list_removed_after_added",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.added_on}–{self.removed_on or ''}"


class EnterpriseImport(models.Model):
    """A bulk import of enterprises from a CSV or XLSX file, with its row report."""

    file_name = models.CharField("文件名", max_length=200)
    file = models.FileField("文件", upload_to="imports/%Y/%m/", blank=True)
    partial = models.BooleanField(
        "部分导入",
        default=False,
        help_text="勾选后导入无误的行，跳过有错误的行；否则整文件有错即不导入",
    )
    status = models.CharField(
        "状态", max_length=16, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField("总行数", default=0)
    processed_rows = models.PositiveIntegerField("已处理行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    error_count = models.PositiveIntegerField("错误行数", default=0)
    report = models.JSONField("逐行报告", default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="导入人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "企业导入"
        verbose_name_plural = "企业导入"
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(processed_rows__lte=models.F("total_rows")),
                name="enterprise_import_progress_bounded",
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def progress(self) -> int:
        """Percentage done, 0–100."""
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED) else 0
        return int(self.processed_rows * 100 / self.total_rows)
