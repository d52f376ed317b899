"""The admin door to non-site enforcement records (非现场执法记录).

The list is scoped to the user's regions (accounts.admin_scope) and filters
on source, triage state, region and detection date. The record page shows the
alert, its enterprise, the time to triage, the inspection or case opened from
it and the triage history, with a button per step the user may take now
(``cases.offsite_services.allowed_triage``); each opens a small form that
calls ``offsite_triage`` and shows its refusal on the form. Records arrive
from the monitoring platforms through the API and are never added, edited or
deleted here.

Registered here and imported by ``cases/admin.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, DropdownFilter, RangeDateFilter
from unfold.decorators import display
from unfold.widgets import UnfoldAdminRadioSelectWidget, UnfoldAdminSelect2MultipleWidget

from accounts.admin_scope import EstimatedCountPaginator, RegionScopedAdminMixin
from accounts.selectors import officer_list
from cases import offsite_selectors, offsite_services
from cases.admin_case_forms import (
    date_field,
    textarea_field,
    violation_type_choices,
)
from cases.admin_pages import (
    EnterpriseSearchMixin,
    ReadOnlyAdminMixin,
    RecordPageMixin,
    person,
    run_service_form,
)
from cases.choices import DismissalReason, OffsiteStatus
from cases.models import OffsiteRecord
from companies.admin import RegionFilter

S = OffsiteStatus
TEMPLATES = "admin/cases/offsiterecord"
TRIAGE_PERMISSION = "cases.change_offsiterecord"

STATUS_LABELS = {
    S.NEW: "danger",
    S.VERIFYING: "warning",
    S.DISMISSED: "",
    S.RECTIFIED_ONLINE: "success",
    S.INSPECTION_REQUESTED: "info",
    S.CASE_OPENED: "primary",
}

INTROS = {
    S.VERIFYING: "开始核查：调取历史数据、运维记录、视频等，核实报警是否属实。",
    S.DISMISSED: "排除：经核实为设备故障或误报，不属于违法行为。",
    S.RECTIFIED_ONLINE: "线上整改：企业已自行整改，登记企业的整改反馈及佐证材料说明。",
    S.INSPECTION_REQUESTED: (
        "转现场检查：以本记录为依据（无据不查）申请入企现场检查，须两名以上执法人员。"
    ),
    S.CASE_OPENED: "转立案查处：证据确凿，以本记录为来源登记案件线索，发现日期为本记录的发现日期。",
}

# Where case_register's refusals about the violations go on the form.
VIOLATION_FIELDS = {
    "violations": "violation_type",
    "violations.0.type": "violation_type",
    "violations.0.facts": "facts",
}


class TriageForm(forms.Form):
    """One triage step: the reason always, and what the chosen outcome needs.
    Whether the input is acceptable is for ``offsite_triage`` to say."""

    on = date_field("处置日期", required=True, today=True, help_text="补录时填写实际处置日期")
    reason = textarea_field("处置理由", required=True)

    def __init__(self, *args, target: OffsiteStatus, officers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        if target == S.DISMISSED:
            self.fields["dismissal_reason"] = forms.ChoiceField(
                label="排除原因",
                choices=DismissalReason.choices,
                widget=UnfoldAdminRadioSelectWidget(),
            )
        if target == S.RECTIFIED_ONLINE:
            self.fields["enterprise_response"] = textarea_field("企业整改反馈", required=True)
        if target in (S.INSPECTION_REQUESTED, S.CASE_OPENED):
            self.fields["officers"] = forms.ModelMultipleChoiceField(
                label="执法人员",
                queryset=officers,
                widget=UnfoldAdminSelect2MultipleWidget(),
                help_text="至少两名持有有效执法证的执法人员",
            )
        if target == S.CASE_OPENED:
            self.fields["violation_type"] = forms.ChoiceField(
                label="违法行为类型", choices=[("", "请选择"), *violation_type_choices()]
            )
            self.fields["facts"] = textarea_field("违法事实", required=True)

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "on": data["on"],
            "reason": data["reason"],
            "dismissal_reason": data.get("dismissal_reason"),
            "enterprise_response": data.get("enterprise_response", ""),
        }
        if "officers" in data:
            arguments["officers"] = list(data["officers"])
        if self.target == S.CASE_OPENED:
            arguments["violations"] = [{"type": data["violation_type"], "facts": data["facts"]}]
        return arguments


class InspectionFoundFilter(DropdownFilter):
    """Whether an on-site inspection made from the record found a problem: the
    test of "no evidence, no inspection" (无据不查), and the filter behind the
    dashboard's conversion figures."""

    title = "转现场检查后"
    parameter_name = "inspection_found"

    def lookups(self, request, model_admin):
        return [("yes", "发现问题"), ("no", "未发现问题")]

    def queryset(self, request, queryset):
        found = offsite_selectors.inspection_found()
        if self.value() == "yes":
            return queryset.filter(found)
        if self.value() == "no":
            return queryset.filter(~found)
        return queryset


@admin.register(OffsiteRecord)
class OffsiteRecordAdmin(
    RecordPageMixin, EnterpriseSearchMixin, ReadOnlyAdminMixin, RegionScopedAdminMixin, ModelAdmin
):
    """非现场执法记录: a county brigade sees its regions' records; the rest answers 404.

    Read here (``ReadOnlyAdminMixin``), triaged through the service.
    """

    templates = TEMPLATES
    record_name = "record"
    status_labels = STATUS_LABELS

    list_display = [
        "record_display",
        "source_display",
        "enterprise_name",
        "region_name",
        "reading",
        "started_at",
        "status_badge",
        "hours_display",
    ]
    list_display_links = ["record_display"]
    list_select_related = ["enterprise", "region"]
    list_filter = [
        ("source", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        RegionFilter,
        ("detected_on", RangeDateFilter),
        InspectionFoundFilter,
    ]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["external_id"]
    search_help_text = "按平台记录号、企业名称或统一社会信用代码搜索"
    list_per_page = 50
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    actions = None

    # --- the list ------------------------------------------------------------------------------

    @display(description="平台记录号", ordering="external_id")
    def record_display(self, obj: OffsiteRecord) -> str:
        return obj.external_id

    @display(description="来源", ordering="source")
    def source_display(self, obj: OffsiteRecord) -> str:
        return obj.get_source_display()

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: OffsiteRecord) -> str:
        return obj.enterprise.name

    @display(description="县（市、区）", ordering="region__code")
    def region_name(self, obj: OffsiteRecord) -> str:
        return obj.region.name

    @display(description="监测值 / 限值")
    def reading(self, obj: OffsiteRecord) -> str:
        def number(value) -> str:
            return "—" if value is None else format(value.normalize(), "f")

        return f"{obj.indicator} {number(obj.value)} / {number(obj.limit)} {obj.unit}".strip()

    @display(description="处置状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj: OffsiteRecord):
        return obj.status, obj.get_status_display()

    @display(description="处置用时（小时）", ordering="triaged_at")
    def hours_display(self, obj: OffsiteRecord) -> str:
        hours = offsite_services.hours_to_triage(obj)
        return "—" if hours is None else f"{hours:g}"

    def search_q(self, term: str) -> Q:
        return Q(external_id=term)

    # --- urls ----------------------------------------------------------------------------------

    def record_routes(self):
        return [("triage/<str:to>/", self.triage_view, "triage")]

    # --- the record page -----------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        record = self._record(request, object_id)
        steps = []
        if request.user.has_perm(TRIAGE_PERMISSION):
            steps = [
                {"label": step.label, "url": self._url("triage", record, step.target.value)}
                for step in offsite_services.allowed_triage(record, request.user)
            ]
        history = offsite_selectors.offsite_triage_history(record)
        context = {
            "title": f"非现场执法记录 {record.external_id}",
            "hours_to_triage": offsite_services.hours_to_triage(record),
            "steps": steps,
            "closed": record.status in offsite_services.TERMINAL,
            "inspections": list(record.inspections.order_by("id")),
            "cases": list(record.penalty_cases.order_by("id")),
            "history": [
                {"row": row, "actor": person(row.actor), "text": row.reason} for row in history
            ],
            "triaged_by": person(record.triaged_by) if record.triaged_by_id else "—",
        }
        return self._render(request, "record_page.html", context, record=record)

    def triage_view(self, request, object_id, to: str):
        self._require(request, TRIAGE_PERMISSION)
        record = self._record(request, object_id)
        if to not in S.values:
            raise Http404("未知处置状态")
        target = S(to)
        step = offsite_services.TRANSITIONS.get((S(record.status), target))
        label = step.label if step else f"变更为“{target.label}”"
        officers = (
            officer_list(user=request.user)
            .filter(badge_number__isnull=False, user__is_active=True)
            .order_by("name")
        )
        form = TriageForm(request.POST or None, target=target, officers=officers)
        done, moved, status = run_service_form(
            request,
            form,
            lambda data: offsite_services.offsite_triage(
                record=record, actor=request.user, to=target, **form.service_arguments()
            ),
            field_map=VIOLATION_FIELDS,
        )
        if done:
            self.message_user(
                request,
                f"已办理“{label}”，处置状态：{moved.get_status_display()}",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._url("change", record))
        context = {
            "title": label,
            "intro": (
                f"当前状态：{record.get_status_display()} → {target.label}。"
                f"{INTROS.get(target, '')}"
            ),
            "form": form,
            "media": self.media + form.media,
        }
        return self._render(request, "triage_form.html", context, record=record, status=status)
