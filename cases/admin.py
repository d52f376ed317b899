"""Admin pages of the cases app.

The violation library comes first: administrators edit it (the role table
gives them ``cases.*``, everyone else ``cases.view_*``), every staff member
reads it and uses its discretion calculator. A type a case uses is never
deleted: the admin offers no delete for it, the service refuses it, and the
foreign key protects it.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import BooleanRadioFilter, ChoicesDropdownFilter
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminDecimalFieldWidget, UnfoldAdminIntegerFieldWidget

from cases import violation_services
from cases.choices import FineRule
from cases.discretion import factor_table, fine_rule_text, recommend_fine
from cases.models import ViolationType
from cases.violation_selectors import violation_type_in_use, with_in_use
from ecoenforce.errors import DomainError

# --- Violation library (违法行为库) ------------------------------------------------


def _signed(percent) -> str:
    text = format(percent.normalize(), "f")
    return text if percent < 0 else f"+{text}"


class DiscretionForm(forms.Form):
    """One choice per discretion factor of the type, and the facts its fine rule needs."""

    def __init__(self, *args, violation_type: ViolationType, **kwargs):
        super().__init__(*args, **kwargs)
        self.violation_type = violation_type
        for factor in factor_table(violation_type):
            self.fields[f"factor_{factor.key}"] = forms.ChoiceField(
                label=factor.label,
                choices=[
                    (option.key, f"{option.label}（{_signed(option.percent)}%）")
                    for option in factor.options
                ],
                widget=forms.RadioSelect,
            )
        rule = violation_type.fine_rule
        if rule == FineRule.PERCENT:
            self.fields["base_amount"] = forms.DecimalField(
                label=f"{violation_type.base_amount_label or '计罚基数'}（元）",
                max_digits=14,
                decimal_places=2,
                min_value=0,
                widget=UnfoldAdminDecimalFieldWidget,
            )
        elif rule == FineRule.PER_DAY:
            self.fields["days"] = forms.IntegerField(
                label="违法天数", min_value=1, widget=UnfoldAdminIntegerFieldWidget
            )
        elif rule == FineRule.PER_OCCURRENCE:
            self.fields["occurrences"] = forms.IntegerField(
                label="违法次数", min_value=1, widget=UnfoldAdminIntegerFieldWidget
            )

    def factors(self) -> dict[str, str]:
        return {
            name.removeprefix("factor_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("factor_")
        }

    def add_domain_error(self, error: DomainError) -> None:
        for item in error.items:
            name = item.field or ""
            name = (
                f"factor_{name.removeprefix('factors.')}" if name.startswith("factors.") else name
            )
            self.add_error(name if name in self.fields else None, item.message)


@admin.register(ViolationType)
class ViolationTypeAdmin(ModelAdmin):
    """违法行为库. Administrators edit; other staff read and use the calculator."""

    list_display = [
        "code",
        "name",
        "category",
        "fine_range",
        "display_waiver_eligible",
        "display_is_active",
    ]
    list_display_links = ["code", "name"]
    list_filter = [
        ("category", ChoicesDropdownFilter),
        ("fine_rule", ChoicesDropdownFilter),
        ("waiver_eligible", BooleanRadioFilter),
        ("is_active", BooleanRadioFilter),
    ]
    list_filter_submit = True
    search_fields = ["code", "name", "legal_basis", "penalty_basis"]
    ordering = ["category", "code"]
    readonly_fields = ["factor_table_display", "updated_at"]
    fieldsets = [
        (None, {"fields": ["code", "name", "category", "is_active"]}),
        ("法律依据", {"fields": ["legal_basis", "penalty_basis"]}),
        (
            "罚款",
            {
                "fields": [
                    "fine_rule",
                    ("fine_min", "fine_max"),
                    ("percent_min", "percent_max"),
                    "base_amount_label",
                    "other_penalties",
                ],
                "description": "按日、按次计罚时，罚款上下限为每日、每次的金额；"
                "“处五万元以下罚款”的下限留空。",
            },
        ),
        (
            "裁量",
            {
                "fields": ["waiver_eligible", "discretion_factors", "factor_table_display"],
                "description": "裁量因素留空（[]）即适用默认裁量表；"
                '可按因素 key 替换、增加或以 {"key": …, "omit": true} 省略，'
                "各因素最高百分值之和不得超过 100%。",
            },
        ),
        (None, {"fields": ["updated_at"]}),
    ]
    actions = ["deactivate_selected", "activate_selected"]
    actions_detail = ["discretion_calculator"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ViolationType]:
        return with_in_use(super().get_queryset(request))

    @display(description="法定罚款")
    def fine_range(self, obj: ViolationType) -> str:
        return fine_rule_text(obj)

    @display(description="可免罚", boolean=True)
    def display_waiver_eligible(self, obj: ViolationType) -> bool:
        return obj.waiver_eligible

    @display(description="启用", boolean=True)
    def display_is_active(self, obj: ViolationType) -> bool:
        return obj.is_active

    @display(description="适用的裁量表")
    def factor_table_display(self, obj: ViolationType) -> str:
        try:
            table = factor_table(obj)
        except DomainError as exc:
            return exc.message
        return "；".join(
            f"{factor.label}："
            + "、".join(f"{o.label} {_signed(o.percent)}%" for o in factor.options)
            for factor in table
        )

    # A type that a case charges is retired, never deleted.
    def has_delete_permission(self, request: HttpRequest, obj: ViolationType | None = None):
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return True
        in_use = getattr(obj, "in_use", None)
        return not (in_use if in_use is not None else violation_type_in_use(obj))

    def get_actions(self, request: HttpRequest):
        actions = super().get_actions(request)
        # Bulk delete would skip the per-type check above.
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        violation_services.violation_type_save(violation_type=obj)

    def delete_model(self, request, obj):
        violation_services.violation_type_delete(violation_type=obj)

    @admin.action(description="停用所选违法行为类型", permissions=["change"])
    def deactivate_selected(self, request: HttpRequest, queryset: QuerySet[ViolationType]):
        for violation_type in queryset:
            violation_services.violation_type_deactivate(violation_type=violation_type)
        self.message_user(request, f"已停用 {len(queryset)} 个违法行为类型", messages.SUCCESS)

    @admin.action(description="启用所选违法行为类型", permissions=["change"])
    def activate_selected(self, request: HttpRequest, queryset: QuerySet[ViolationType]):
        for violation_type in queryset:
            violation_services.violation_type_activate(violation_type=violation_type)
        self.message_user(request, f"已启用 {len(queryset)} 个违法行为类型", messages.SUCCESS)

    @action(
        description="裁量计算",
        url_path="discretion",
        permissions=["view"],
        icon="calculate",
    )
    def discretion_calculator(self, request: HttpRequest, object_id: str):
        """A read-only calculator: pick the factors, see the recommended fine and why."""
        violation_type = get_object_or_404(ViolationType, pk=object_id)
        recommendation = None
        table_error = None
        try:
            form = DiscretionForm(request.POST or None, violation_type=violation_type)
        except DomainError as exc:
            form, table_error = None, exc.message
        if form is not None and request.method == "POST" and form.is_valid():
            try:
                recommendation = recommend_fine(
                    violation_type=violation_type,
                    factors=form.factors(),
                    base_amount=form.cleaned_data.get("base_amount"),
                    days=form.cleaned_data.get("days"),
                    occurrences=form.cleaned_data.get("occurrences"),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
        context = {
            **self.admin_site.each_context(request),
            "title": f"裁量计算：{violation_type.code} {violation_type.name}",
            "opts": self.model._meta,
            "original": violation_type,
            "violation_type": violation_type,
            "fine_range": fine_rule_text(violation_type),
            "form": form,
            "table_error": table_error,
            "recommendation": recommendation,
        }
        return TemplateResponse(request, "admin/cases/violationtype/discretion.html", context)


# Importing the other admin modules registers their models.
from cases import (  # noqa: E402
    admin_calendar,  # noqa: F401
    admin_cases,  # noqa: F401
    admin_feedback,  # noqa: F401
    admin_inspections,  # noqa: F401
    admin_offsite,  # noqa: F401
    admin_plans,  # noqa: F401
)
