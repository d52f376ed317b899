from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.choices import InspectionStatus
from cases.models.inspections import Inspection
from companies.models import Enterprise

USER = settings.AUTH_USER_MODEL


class InspectionTransition(models.Model):
    """History of an inspection: who moved it from which state to which, and why.

    An emergency inspection approved afterwards (事后补批) leaves a row whose
    two states are the same, with the approver's reason.
    """

    inspection = models.ForeignKey(
        Inspection, verbose_name="现场检查", on_delete=models.CASCADE, related_name="transitions"
    )
    from_status = models.CharField(
        "原状态", max_length=16, choices=InspectionStatus.choices, blank=True
    )
    to_status = models.CharField("新状态", max_length=16, choices=InspectionStatus.choices)
    label = models.CharField("环节", max_length=50)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField("操作时间", auto_now_add=True)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "现场检查流转记录"
        verbose_name_plural = "现场检查流转记录"
        ordering = ["inspection", "at", "id"]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.from_status}→{self.to_status} {self.label}"


class CheckInCode(models.Model):
    """The enterprise's check-in code (扫码入企): the version and issue time that
    its signed token carries. Re-issuing raises the version, which revokes every
    code printed before."""

    enterprise = models.OneToOneField(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="checkin_code"
    )
    version = models.PositiveIntegerField("版本", default=1)
    issued_at = models.DateTimeField("生成时间")
    issued_by = models.ForeignKey(
        USER,
        verbose_name="生成人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField("重新生成理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "入企二维码"
        verbose_name_plural = "入企二维码"
        constraints = [models.CheckConstraint(condition=Q(version__gte=1), name="checkin_code_v1")]

    def __str__(self) -> str:
        return f"{self.enterprise} v{self.version}"
