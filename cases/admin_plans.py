"""The admin door to inspection plans (执法计划, 双随机、一公开).

The list is scoped like the API (a plan is listed when one of its regions
overlaps the user's, cases.plan_selectors) and filters on state and region.
The add form creates a plan through ``plan_services.plan_create``; the plan
page shows the pools, the draw (the drawn enterprises of the user's regions
with the officers drawn for each and the inspection made) and the replay
check, with buttons that call ``plan_draw`` and ``plan_publish``. Nothing of a
plan is edited directly, and plans are not deleted: a draw is a record.

Registered here and imported by ``cases/admin.py``.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, Prefetch
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display
from unfold.widgets import UnfoldAdminIntegerFieldWidget, UnfoldAdminSelect2MultipleWidget

from accounts.admin_scope import RegionScopedAdminMixin
from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.roles import Role
from accounts.selectors import restrict_to_regions, user_roles
from cases import plan_selectors, plan_services
from cases.admin_case_forms import date_field, text_field
from cases.admin_pages import run_service_form
from cases.choices import PlanStatus, PoolKind
from cases.models import InspectionPlan
from companies.admin import RegionFilter
from ecoenforce.errors import DomainError

TEMPLATES = "admin/cases/inspectionplan"
WORK_PERMISSION = "cases.change_inspectionplan"

STATUS_LABELS = {
    PlanStatus.DRAFT: "info",
    PlanStatus.DRAWN: "warning",
    PlanStatus.PUBLISHED: "success",
}


def ratio_field(label: str):
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=5,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
        help_text="百分比，留空则不抽取该对象库",
    )


class PlanCreateForm(forms.Form):
    """编制执法计划. Whether the input is acceptable is for plan_create to say."""

    name = text_field("计划名称", required=True, max_length=200)
    period_start = date_field("起始日期", required=True)
    period_end = date_field("截止日期", required=True)
    regions = forms.ModelMultipleChoiceField(
        label="抽查区划", queryset=None, widget=UnfoldAdminSelect2MultipleWidget()
    )
    key_ratio = ratio_field(f"{PoolKind.KEY.label}抽取比例（%）")
    special_ratio = ratio_field(f"{PoolKind.SPECIAL.label}抽取比例（%）")
    general_ratio = ratio_field(f"{PoolKind.GENERAL.label}抽取比例（%）")
    yearly_cap = forms.IntegerField(
        label="每企业年度检查上限",
        min_value=1,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text="本年度检查（含其他计划抽中）已达此次数的企业不参加抽取",
    )
    exclude_inspected_within_days = forms.IntegerField(
        label="近期已检查排除天数",
        min_value=0,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text="起始日期前此天数内已做过现场检查的企业不参加抽取；0 为不排除",
    )

    POOL_FIELDS = {
        "key_ratio": PoolKind.KEY,
        "special_ratio": PoolKind.SPECIAL,
        "general_ratio": PoolKind.GENERAL,
    }

    def __init__(self, *args, regions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = regions
        self.fields["regions"].label_from_instance = lambda region: region.name
        self.fields["yearly_cap"].initial = settings.ECOENFORCE_INSPECTION_YEARLY_CAP
        self.fields["exclude_inspected_within_days"].initial = InspectionPlan._meta.get_field(
            "exclude_inspected_within_days"
        ).default

    def pools(self) -> list[dict]:
        return [
            {"kind": kind.value, "ratio": self.cleaned_data[name]}
            for name, kind in self.POOL_FIELDS.items()
            if self.cleaned_data.get(name) is not None
        ]

    def field_for(self, error_field: str | None) -> str | None:
        """Where a service error goes: ``pools.1.ratio`` → the ratio's field."""
        if error_field and error_field.startswith("pools"):
            kinds = {kind.value: name for name, kind in self.POOL_FIELDS.items()}
            parts = error_field.split(".")
            pools = self.pools()
            if len(parts) > 1 and parts[1].isdigit() and int(parts[1]) < len(pools):
                return kinds[pools[int(parts[1])]["kind"]]
            return None
        return error_field


class DrawForm(forms.Form):
    seed = forms.IntegerField(
        label="随机种子",
        required=False,
        min_value=0,
        max_value=plan_services.SEED_MAX,
        widget=UnfoldAdminIntegerFieldWidget(),
        help_text="留空由系统随机生成并记录；公开摇号时可填入现场产生的种子",
    )


class ConfirmForm(forms.Form):
    """A button only: the step takes no input."""


class PlanRegionFilter(RegionFilter):
    """A city or county of the user's scope; plans over it, under it or above it."""

    def queryset(self, request, queryset):
        if self.value():
            # The subtree's codes come with the choices already loaded.
            codes = self.subtrees.get(self.value(), [])
            return queryset.filter(Exists(plan_selectors.plans_overlapping(codes)))
        return queryset


@admin.register(InspectionPlan)
class InspectionPlanAdmin(RegionScopedAdminMixin, ModelAdmin):
    """执法计划（双随机）: the approver drafts, draws and publishes; staff read."""

    list_display = [
        "name",
        "regions_display",
        "period_display",
        "status_badge",
        "item_count_display",
        "published_at",
    ]
    list_filter = [("status", ChoicesDropdownFilter), PlanRegionFilter]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["name"]
    list_per_page = 50
    show_full_result_count = False
    actions = None

    # --- scope and permissions -----------------------------------------------------------

    def scope_queryset(self, request, queryset):
        return plan_selectors.restrict_plans_to_regions(queryset, request.user)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(item_count=Count("items"))
            .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("code")))
        )

    def has_change_permission(self, request, obj=None) -> bool:
        # The model form is never offered: a plan changes through the services.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def _may_work(self, request) -> bool:
        user = request.user
        return user.has_perm(WORK_PERMISSION) and Role.APPROVER in user_roles(user)

    # --- the list -------------------------------------------------------------------------

    @display(description="抽查区划")
    def regions_display(self, plan: InspectionPlan) -> str:
        return "、".join(region.name for region in plan.regions.all())

    @display(description="抽查期限", ordering="period_start")
    def period_display(self, plan: InspectionPlan) -> str:
        return f"{plan.period_start:%Y-%m-%d} 至 {plan.period_end:%Y-%m-%d}"

    @display(description="状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, plan: InspectionPlan):
        return plan.status, plan.get_status_display()

    @display(description="抽中企业", ordering="item_count")
    def item_count_display(self, plan: InspectionPlan) -> str:
        return f"{plan.item_count} 家" if plan.status != PlanStatus.DRAFT else "—"

    # --- urls --------------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/draw/", wrap(self.draw_view), name=f"{info}_draw"),
            path("<path:object_id>/publish/", wrap(self.publish_view), name=f"{info}_publish"),
            *super().get_urls(),
        ]

    def _url(self, name: str, plan: InspectionPlan | None = None) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        args = [plan.pk] if plan is not None else []
        return reverse(f"{self.admin_site.name}:{info}_{name}", args=args)

    def _plan(self, request, object_id) -> InspectionPlan:
        """The plan if the user may see it; 404 outside the user's regions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.get_object(request, unquote(object_id))

    def _render(self, request, template: str, context: dict, *, plan=None, status=200):
        request.current_app = self.admin_site.name
        page = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": plan,
            "plan": plan,
            "changelist_url": self._url("changelist"),
            **context,
        }
        if plan is not None:
            page.setdefault("plan_url", self._url("change", plan))
        return TemplateResponse(request, f"{TEMPLATES}/{template}", page, status=status)

    # --- add: plan_create ----------------------------------------------------------------------

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        regions = restrict_to_regions(
            Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY]),
            request.user,
            "code",
        ).order_by("path")
        form = PlanCreateForm(request.POST or None, regions=regions)
        status = 200
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                plan = plan_services.plan_create(
                    actor=request.user,
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    region_codes=[region.code for region in data["regions"]],
                    pools=form.pools(),
                    yearly_cap=data["yearly_cap"],
                    exclude_inspected_within_days=data["exclude_inspected_within_days"],
                )
            except DomainError as exc:
                for item in exc.items:
                    name = form.field_for(item.field)
                    form.add_error(name if name in form.fields else None, item.message)
                status = exc.status
            else:
                self.log_addition(request, plan, [{"added": {}}])
                self.message_user(request, f"已编制执法计划“{plan.name}”", messages.SUCCESS)
                return HttpResponseRedirect(self._url("change", plan))
        context = {
            "title": "编制执法计划",
            "form": form,
            "submit_label": "保存计划",
            "intro": "按对象库设置抽取比例；正面清单企业、近期已检查和年度检查次数"
            "已达上限的企业不参加抽取。",
            "media": self.media + form.media,
            "back_url": self._url("changelist"),
            "back_label": "返回列表",
        }
        return self._render(request, "form_page.html", context, status=status)

    # --- the plan page ------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        plan = self._plan(request, object_id)
        return self._render(
            request, "plan_page.html", self.plan_page_context(request, plan), plan=plan
        )

    def plan_page_context(self, request, plan: InspectionPlan) -> dict:
        may_work = self._may_work(request)
        verification = None
        if plan.status != PlanStatus.DRAFT:
            try:
                verification = plan_services.plan_verify(plan=plan)
            except DomainError as exc:
                verification = {"matches": False, "differences": [exc.message]}
        return {
            "title": plan.name,
            "status_variant": STATUS_LABELS.get(plan.status, ""),
            "regions": list(plan.regions.all()),
            "pools": list(plan.pools.all()),
            "summary": plan_selectors.draw_summary(plan),
            "items": list(plan_selectors.plan_items(plan=plan, user=request.user)),
            "verification": verification,
            "draw_url": self._url("draw", plan)
            if may_work and plan.status == PlanStatus.DRAFT
            else None,
            "publish_url": self._url("publish", plan)
            if may_work and plan.status == PlanStatus.DRAWN
            else None,
            "public_url": reverse("public_plans:detail", args=[plan.pk])
            if plan.status == PlanStatus.PUBLISHED
            else None,
            "drawn_by": getattr(getattr(plan.drawn_by, "officer", None), "name", None)
            or (plan.drawn_by.get_username() if plan.drawn_by else None),
        }

    # --- steps: plan_draw, plan_publish ------------------------------------------------------

    def _step(self, request, object_id, *, form_class, title, intro, submit_label, call, success):
        if not request.user.has_perm(WORK_PERMISSION):
            raise PermissionDenied
        plan = self._plan(request, object_id)
        form = form_class(request.POST if request.method == "POST" else None)
        done, result, status = run_service_form(request, form, lambda data: call(plan, data))
        if done:
            self.message_user(request, success(result), messages.SUCCESS)
            return HttpResponseRedirect(self._url("change", plan))
        context = {
            "title": title,
            "form": form,
            "submit_label": submit_label,
            "intro": intro,
            "media": self.media + form.media,
            "back_url": self._url("change", plan),
            "back_label": "返回计划",
        }
        return self._render(request, "form_page.html", context, plan=plan, status=status)

    def draw_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=DrawForm,
            title="双随机抽取",
            intro="按各对象库的比例随机抽取企业，并为每家企业从所在区划持有效执法证的执法人员中"
            "随机选派两名。抽取后不能重新抽取，随机种子和抽取底数一并记录，供复核。",
            submit_label="抽取",
            call=lambda plan, data: plan_services.plan_draw(
                plan=plan, actor=request.user, seed=data.get("seed")
            ),
            success=lambda plan: f"已抽取，随机种子 {plan.seed}，抽中企业 {plan.items.count()} 家",
        )

    def publish_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=ConfirmForm,
            title="公开抽查结果",
            intro="公开后，抽中的企业、对象库、检查结果和随机种子在公开页面展示（不含执法人员信息）。",
            submit_label="公开",
            call=lambda plan, data: plan_services.plan_publish(plan=plan, actor=request.user),
            success=lambda plan: (
                f"已于 {timezone.localtime(plan.published_at):%Y-%m-%d %H:%M} 公开"
            ),
        )
