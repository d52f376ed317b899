from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.choices import OffsiteStatus
from cases.models.inspections import OffsiteRecord


class OffsiteTriageStep(models.Model):
    """History of a non-site record's triage (非现场核查处置): who moved it from which
    state to which, effective when, and why. Every step keeps its reason, so the
    closed loop (闭环) reads from the first look to the outcome."""

    record = models.ForeignKey(
        OffsiteRecord,
        verbose_name="非现场执法记录",
        on_delete=models.CASCADE,
        related_name="triage_steps",
    )
    from_status = models.CharField("原状态", max_length=32, choices=OffsiteStatus.choices)
    to_status = models.CharField("新状态", max_length=32, choices=OffsiteStatus.choices)
    on = models.DateField("处置日期")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处置人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField("操作时间", auto_now_add=True)
    reason = models.TextField("理由")
    data = models.JSONField("处置数据", default=dict, blank=True)

    class Meta:
        verbose_name = "非现场记录处置记录"
        verbose_name_plural = "非现场记录处置记录"
        ordering = ["record", "at", "id"]

    def __str__(self) -> str:
        return f"{self.record} {self.from_status}→{self.to_status} {self.on}"
