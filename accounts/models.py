from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models

from accounts.choices import RegionLevel, UnitKind

region_code_validator = RegexValidator(
    r"^\d{6}$", message="行政区划代码应为 6 位数字（GB/T 2260）", code="invalid_region_code"
)


class Region(models.Model):
    """行政区划: a node of the GB/T 2260 tree (province → city → county-level unit).

    It lives in ``accounts`` because region scopes are the lowest layer of
    access control; ``companies`` re-exports it. ``path`` holds the codes from
    the root down (``130000/131000/131082/``), so everything under a node is one
    indexed prefix match.
    """

    code = models.CharField(
        "区划代码", max_length=6, primary_key=True, validators=[region_code_validator]
    )
    name = models.CharField("名称", max_length=64)
    level = models.CharField("级别", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField("路径", max_length=64, editable=False, db_index=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [
            models.Index(
                fields=["path"], name="region_path_like", opclasses=["varchar_pattern_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Unit(models.Model):
    """执法单位: the city detachment or a county brigade, with the regions it covers."""

    name = models.CharField("单位名称", max_length=100, unique=True)
    kind = models.CharField("单位类型", max_length=16, choices=UnitKind.choices)
    regions = models.ManyToManyField(
        Region, verbose_name="管辖区划", blank=True, related_name="units"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "执法单位"
        verbose_name_plural = "执法单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Officer(models.Model):
    """执法人员: the profile of a staff account (or of an API client account).

    The region scope is the officer's own regions when set, else the unit's;
    with neither, the officer works for the whole city (accounts.selectors).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账号",
        on_delete=models.CASCADE,
        related_name="officer",
    )
    name = models.CharField("姓名", max_length=50)
    badge_number = models.CharField(
        "执法证号",
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="执法人员必填；接口客户端账号留空",
    )
    unit = models.ForeignKey(
        Unit,
        verbose_name="所属单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    certificate_valid_until = models.DateField("执法证有效期至", null=True, blank=True)
    regions = models.ManyToManyField(
        Region,
        verbose_name="管辖区划",
        blank=True,
        related_name="officers",
        help_text="留空表示随所属单位；单位也未设区划时为全市",
    )
    phone = models.CharField("联系电话", max_length=32, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "执法人员"
        verbose_name_plural = "执法人员"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.badge_number}）" if self.badge_number else self.name

    def certificate_valid_on(self, day) -> bool:
        """Whether the badge allows enforcement acts on ``day``."""
        return bool(self.badge_number) and (
            self.certificate_valid_until is None or self.certificate_valid_until >= day
        )
