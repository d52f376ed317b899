from __future__ import annotations

from django.db import models
from django.db.models import Q

from cases.choices import FineRule, ViolationCategory


class ViolationType(models.Model):
    """违法行为库: one kind of violation with its legal basis and statutory fine.

    ``fine_min``/``fine_max`` are yuan (per day or per occurrence for those
    rules); ``percent_min``/``percent_max`` apply to ``base_amount_label`` (e.g.
    the project's total investment). ``discretion_factors`` overrides the
    default Hebei factor table of cases.discretion when a type has its own.
    """

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("违法行为", max_length=200)
    category = models.CharField("类别", max_length=32, choices=ViolationCategory.choices)
    legal_basis = models.CharField("违法依据", max_length=300)
    penalty_basis = models.CharField("处罚依据", max_length=300)
    fine_rule = models.CharField("罚款方式", max_length=16, choices=FineRule.choices)
    fine_min = models.DecimalField(
        "罚款下限（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    fine_max = models.DecimalField(
        "罚款上限（元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    percent_min = models.DecimalField(
        "比例下限（%）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    percent_max = models.DecimalField(
        "比例上限（%）", max_digits=6, decimal_places=2, null=True, blank=True
    )
    base_amount_label = models.CharField("计罚基数", max_length=100, blank=True)
    other_penalties = models.TextField("其他处罚或措施", blank=True)
    waiver_eligible = models.BooleanField(
        "可适用轻微免罚/首违不罚",
        default=False,
        help_text="列入河北省生态环境轻微违法免罚清单的情形",
    )
    discretion_factors = models.JSONField("裁量因素", default=list, blank=True)
    is_active = models.BooleanField("启用", default=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "违法行为类型"
        verbose_name_plural = "违法行为库"
        ordering = ["category", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fine_min__isnull=True)
                | Q(fine_max__isnull=True)
                | Q(fine_min__lte=models.F("fine_max")),
                name="violation_fine_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(percent_min__isnull=True)
                | Q(percent_max__isnull=True)
                | Q(percent_min__lte=models.F("percent_max")),
                name="violation_percent_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
