"""Admin of the working-day calendar: a year's holiday arrangement with its days.

Imported by ``cases/admin.py``; importing it registers ``CalendarYear``.
Administrators may change it (the ``cases.*`` permissions of their role); the
other roles see it read-only.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Q
from django.forms.models import BaseInlineFormSet
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from cases.calendar_services import calendar_year_mark_manual
from cases.models import CalendarDay, CalendarYear

ENTRY_HELP = """
<p>每年 11—12 月，国务院办公厅发布下一年《关于××年部分节假日安排的通知》。通知发布后，
请按下列步骤录入下一年度；录入前，下一年的工作日期限（如听证申请期限）只按周末推算，并在期限旁提示“节假日安排尚未录入”。</p>
<ol style="list-style: decimal; margin-left: 1.5em;">
<li>新增年度：填写“年份”和“通知文号”（如 国办发明电〔2025〕7号）。</li>
<li>在下方“节假日与调休”中逐日录入：通知中放假的<strong>每一天</strong>（含其间的周六、周日）各占一行，
不勾选“是否工作日”，名称填节日名（如 春节）。</li>
<li>通知中调休上班的周六、周日各占一行，<strong>勾选</strong>“是否工作日”，名称填如“春节调休上班”。</li>
<li>普通的周一至周五、普通的周六周日不必录入。保存后立即生效，已录入年度的期限不再提示推算。</li>
</ol>
<p>在此保存过的年度来源记为“管理员按国务院通知录入”，此后运行 <code>manage.py sync_calendar</code>
（升级 chinese-calendar 软件包后）不会覆盖它，除非加 <code>--force</code>。</p>
"""


class CalendarDayFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The year is known only once the year's own form is valid (a new
        # year's days are built before it), hence here and not in the day's form.
        year = self.instance.year
        for form in self.forms:
            day = form.cleaned_data.get("day") if form.is_valid() else None
            if day and year and day.year != year and not self._should_delete_form(form):
                form.add_error("day", f"日期不在 {year} 年内，请在对应年度中录入")


class CalendarDayInline(TabularInline):
    model = CalendarDay
    formset = CalendarDayFormSet
    fields = ["day", "is_workday", "name"]
    extra = 0
    ordering = ["day"]
    verbose_name = "节假日或调休上班日"
    verbose_name_plural = "节假日与调休（只录入例外的日子：工作日放假，或周末调休上班）"


@admin.register(CalendarYear)
class CalendarYearAdmin(ModelAdmin):
    list_display = ["year", "source", "notice", "holiday_count", "workday_count", "updated_at"]
    list_filter = ["source"]
    search_fields = ["year", "notice"]
    readonly_fields = ["source", "updated_at"]
    inlines = [CalendarDayInline]
    fieldsets = [
        (None, {"fields": ["year", "notice", "source", "updated_at"], "description": ENTRY_HELP}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                holidays=Count("days", filter=Q(days__is_workday=False)),
                workdays=Count("days", filter=Q(days__is_workday=True)),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # The year is the key of its days: fixed once created.
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "year"] if obj else fields

    @display(description="放假天数", ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @display(description="调休上班天数", ordering="workdays")
    def workday_count(self, obj):
        return obj.workdays

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.has_changed() or any(formset.has_changed() for formset in formsets):
            calendar_year_mark_manual(form.instance)
