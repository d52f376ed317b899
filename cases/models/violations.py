from __future__ import annotations

from django.core.exceptions import ValidationError
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

    def clean(self) -> None:
        """The amounts the fine rule needs are present, and the factor JSON is valid."""
        from cases.discretion import build_factor_table
        from ecoenforce.errors import DomainError

        errors: dict[str, ValidationError] = {}
        rule = self.fine_rule
        if rule in (FineRule.RANGE, FineRule.PER_DAY, FineRule.PER_OCCURRENCE):
            if self.fine_max is None:
                errors["fine_max"] = ValidationError("该罚款方式须填写罚款上限", code="required")
        elif rule == FineRule.PERCENT:
            if self.percent_min is None:
                errors["percent_min"] = ValidationError("按比例计罚须填写比例下限", code="required")
            if self.percent_max is None:
                errors["percent_max"] = ValidationError("按比例计罚须填写比例上限", code="required")
            if not self.base_amount_label:
                errors["base_amount_label"] = ValidationError(
                    "按比例计罚须写明计罚基数，如“建设项目总投资额”", code="required"
                )
        elif rule == FineRule.NONE and (self.fine_min or self.fine_max):
            errors["fine_rule"] = ValidationError(
                "“无罚款”的违法行为不应填写罚款金额", code="invalid"
            )
        for name in ("fine_min", "fine_max", "percent_min", "percent_max"):
            value = getattr(self, name)
            if value is not None and value < 0 and name not in errors:
                errors[name] = ValidationError("不能为负数", code="min_value")
        try:
            build_factor_table(self.discretion_factors)
        except DomainError as exc:
            errors["discretion_factors"] = ValidationError(exc.message, code=exc.code)
        if errors:
            raise ValidationError(errors)
