from __future__ import annotations

from django.db import models

from cases.choices import CalendarSource


class CalendarYear(models.Model):
    """A year whose official holiday arrangement (国务院办公厅放假安排) is recorded.

    Working days of a year not listed here are estimated from weekends alone,
    and deadlines falling in it carry a warning (DESIGN.md, "Working days").
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    source = models.CharField(
        "来源", max_length=16, choices=CalendarSource.choices, default=CalendarSource.MANUAL
    )
    notice = models.CharField(
        "通知文号", max_length=100, blank=True, help_text="如 国办发明电〔2025〕7号"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "节假日安排年度"
        verbose_name_plural = "节假日安排年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年"


class CalendarDay(models.Model):
    """A day off the weekday rule: a public holiday, or a make-up workday (调休上班)."""

    day = models.DateField("日期", primary_key=True)
    year = models.ForeignKey(
        CalendarYear, verbose_name="年度", on_delete=models.CASCADE, related_name="days"
    )
    is_workday = models.BooleanField("是否工作日", help_text="勾选：调休上班日；不勾选：法定节假日")
    name = models.CharField("名称", max_length=50, blank=True, help_text="如 国庆节、调休上班")

    class Meta:
        verbose_name = "节假日与调休"
        verbose_name_plural = "节假日与调休"
        ordering = ["day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day__year=models.F("year_id")), name="calendar_day_in_its_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {'上班' if self.is_workday else '休息'} {self.name}"
