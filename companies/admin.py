"""Admin pages for the enterprise registry (一企一档) and the positive list (正面清单).

Every write goes through ``companies.services``: the enterprise form through
``enterprise_create`` / ``enterprise_update`` (see accounts.admin_forms), the
positive list through ``positive_list_add`` / ``positive_list_remove``.
Enterprises are never deleted here; one that stopped operating gets the
status 关停 and keeps its history.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import (
    AutocompleteSelectFilter,
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import action, display
from unfold.widgets import UnfoldAdminSingleDateWidget, UnfoldAdminTextareaWidget

from accounts.admin_forms import ServiceAdminMixin, ServiceModelForm
from accounts.admin_scope import (
    EstimatedCountPaginator,
    RegionScopedAdminMixin,
    ScopedChoicesMixin,
)
from accounts.choices import RegionLevel
from accounts.models import Region
from accounts.selectors import restrict_to_regions
from companies import services
from companies.choices import PerformanceGrade
from companies.models import Enterprise, Industry, PositiveListEntry
from companies.selectors import search_name_or_uscc
from ecoenforce.errors import ConflictError, DomainError

# At most this many enterprises per positive-list action: the list is a
# decision about each enterprise, not a bulk flag.
POSITIVE_LIST_BATCH_LIMIT = 200


# --- Industries ------------------------------------------------------------------


@admin.register(Industry)
class IndustryAdmin(ScopedChoicesMixin, ModelAdmin):
    """GB/T 4754-2017, seeded by a migration: read here, picked in forms and filters."""

    list_display = ["code", "name", "section"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    search_help_text = "按行业代码或名称搜索"
    ordering = ["code"]
    list_per_page = 50

    @display(description="所属门类")
    def section(self, obj: Industry) -> str:
        return str(obj.parent) if obj.parent_id else "（门类）"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Enterprise list filters ------------------------------------------------------


class RegionFilter(DropdownFilter):
    """A city or county of the user's scope, the counties under it included.

    Filters on ``region_id IN (codes)``, resolved from the choices already
    loaded, rather than a join on the region path: with the codes the
    planner reads the enterprises through the (region, name) index. The
    join made it walk the name index across the other regions' enterprises
    (names start with their county's name), 20 s on 2,000,000 rows.
    """

    title = "行政区划"
    parameter_name = "region"
    region_field = "region"

    def lookups(self, request, model_admin):
        regions = list(
            restrict_to_regions(
                Region.objects.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY]),
                request.user,
                "code",
            ).order_by("path")
        )
        self.subtrees = {
            region.code: [other.code for other in regions if other.path.startswith(region.path)]
            for region in regions
        }
        return [
            (region.code, region.name if region.level == RegionLevel.CITY else f"　{region.name}")
            for region in regions
        ]

    def queryset(self, request, queryset):
        if self.value():
            codes = self.subtrees.get(self.value(), [])
            return queryset.filter(**{f"{self.region_field}__in": codes})
        return queryset


class IndustrySectionFilter(DropdownFilter):
    """GB/T 4754 section (门类): its divisions, as ``industry_id IN (codes)`` without a join."""

    title = "行业门类"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        industries = list(Industry.objects.order_by("code"))
        self.codes = {}
        for industry in industries:
            section = industry.parent_id or industry.code
            self.codes.setdefault(section, []).append(industry.code)
        return [
            (industry.code, f"{industry.code} {industry.name}")
            for industry in industries
            if industry.parent_id is None
        ]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(industry_id__in=self.codes.get(self.value(), []))
        return queryset


class GradeFilter(DropdownFilter):
    """Grades A–D and 未评级 (stored as the empty string, which the stock filter cannot pick)."""

    title = "环保绩效等级"
    parameter_name = "grade"
    UNRATED = "unrated"

    def lookups(self, request, model_admin):
        return [(grade.value or self.UNRATED, grade.label) for grade in PerformanceGrade]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.UNRATED:
            return queryset.filter(performance_grade=PerformanceGrade.UNRATED)
        if value in PerformanceGrade.values:
            return queryset.filter(performance_grade=value)
        return queryset


# --- Enterprises -------------------------------------------------------------------


class EnterpriseForm(ServiceModelForm):
    class Meta:
        model = Enterprise
        fields = list(services.ENTERPRISE_FIELDS)

    def call_service(self) -> Enterprise:
        if self.instance.pk is None:
            fields = {
                name: self.cleaned_data[name]
                for name in services.ENTERPRISE_FIELDS
                if name in self.cleaned_data
            }
            return services.enterprise_create(user=self.request.user, **fields)
        fields = {
            name: self.cleaned_data[name]
            for name in self.changed_data
            if name in services.ENTERPRISE_FIELDS
        }
        return services.enterprise_update(
            user=self.request.user, enterprise=self.instance, **fields
        )


class PositiveListForm(forms.Form):
    """Reason and date of putting an enterprise on, or taking it off, the positive list."""

    reason = forms.CharField(max_length=300, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3}))
    on = forms.DateField(widget=UnfoldAdminSingleDateWidget)

    def __init__(self, *args, adding: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "纳入理由" if adding else "移出理由"
        self.fields["on"].label = "纳入日期" if adding else "移出日期"
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].help_text = "默认今天；补录纸质记录时填写实际日期"


class PositiveListEntryInline(TabularInline):
    """The enterprise's positive-list history, read-only: changes go through the actions."""

    model = PositiveListEntry
    fields = ["added_on", "reason", "removed_on", "removal_reason", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "正面清单记录"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ServiceAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """企业: scoped to the user's regions; saved through the registry services."""

    form = EnterpriseForm
    list_display = [
        "name",
        "uscc",
        "region_name",
        "industry",
        "permit_category",
        "performance_grade_display",
        "on_positive_list",
        "status",
    ]
    list_select_related = ["region", "industry"]
    # Sorting by the other columns would sort the whole table for one page.
    sortable_by = ["name", "uscc"]
    search_fields = ["name", "uscc"]
    search_help_text = "按企业名称或统一社会信用代码搜索"
    list_filter = [
        RegionFilter,
        IndustrySectionFilter,
        ("industry", AutocompleteSelectFilter),
        ("permit_category", ChoicesDropdownFilter),
        GradeFilter,
        ("on_positive_list", BooleanRadioFilter),
        ("status", ChoicesDropdownFilter),
        ("key_discharge_unit", BooleanRadioFilter),
        ("key_soil_pollution_unit", BooleanRadioFilter),
        ("vocs_related", BooleanRadioFilter),
        ("hazardous_waste_producer", BooleanRadioFilter),
    ]
    list_filter_submit = True
    # Facet counts are one COUNT per filter option over the whole list.
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50
    autocomplete_fields = ["region", "industry"]
    related_choice_filters = {"region": {"level": RegionLevel.COUNTY}}
    readonly_fields = ["on_positive_list", "created_at", "updated_at"]
    fieldsets = [
        (
            "基本信息",
            {
                "fields": [
                    "name",
                    "uscc",
                    "uscc_legacy_reason",
                    "region",
                    "address",
                    "industry",
                    "legal_representative",
                    "contact_phone",
                    "status",
                ]
            },
        ),
        (
            "排污许可与绩效分级",
            {"fields": ["permit_category", "permit_number", "performance_grade"]},
        ),
        (
            "监管标记",
            {
                "fields": [
                    "on_positive_list",
                    "key_discharge_unit",
                    "key_soil_pollution_unit",
                    "vocs_related",
                    "hazardous_waste_producer",
                ]
            },
        ),
        ("位置", {"fields": ["latitude", "longitude"]}),
        ("记录", {"fields": ["created_at", "updated_at"]}),
    ]
    inlines = [PositiveListEntryInline]
    actions = ["positive_list_add_selected", "positive_list_remove_selected"]
    actions_detail = ["positive_list_add_detail", "positive_list_remove_detail"]

    @display(description="所在县（市、区）", ordering="region__name")
    def region_name(self, obj: Enterprise) -> str:
        return obj.region.name

    @display(description="环保绩效等级")
    def performance_grade_display(self, obj: Enterprise) -> str:
        return obj.get_performance_grade_display()

    def get_search_results(self, request, queryset, search_term):
        # An empty term through the mixins: only the autocomplete scoping applies.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, "")
        return search_name_or_uscc(queryset, search_term), may_have_duplicates

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    # --- Positive list --------------------------------------------------------------

    def has_positive_list_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("companies.add_positivelistentry") and request.user.has_perm(
            "companies.change_positivelistentry"
        )

    @admin.action(description="纳入正面清单", permissions=["positive_list"])
    def positive_list_add_selected(self, request, queryset):
        return self._positive_list_page(request, queryset, adding=True, bulk=True)

    @admin.action(description="移出正面清单", permissions=["positive_list"])
    def positive_list_remove_selected(self, request, queryset):
        return self._positive_list_page(request, queryset, adding=False, bulk=True)

    @action(
        description="纳入正面清单",
        url_path="positive-list-add",
        icon="playlist_add",
        permissions=["positive_list"],
    )
    def positive_list_add_detail(self, request, object_id):
        enterprise = self.get_object(request, object_id)
        return self._positive_list_page(request, [enterprise], adding=True, bulk=False)

    @action(
        description="移出正面清单",
        url_path="positive-list-remove",
        icon="playlist_remove",
        permissions=["positive_list"],
    )
    def positive_list_remove_detail(self, request, object_id):
        enterprise = self.get_object(request, object_id)
        return self._positive_list_page(request, [enterprise], adding=False, bulk=False)

    def get_actions_detail(self, request, object_id):
        """Offer only the positive-list step that applies to this enterprise now."""
        actions = super().get_actions_detail(request, object_id)
        listed = self.get_queryset(request).filter(pk=object_id, on_positive_list=True).exists()
        unwanted = "positive_list_add_detail" if listed else "positive_list_remove_detail"
        return [a for a in actions if not a.action_name.endswith(unwanted)]

    def _positive_list_page(self, request, enterprises, *, adding: bool, bulk: bool):
        """The intermediate page: a reason and a date, then the service for each enterprise."""
        enterprises = list(enterprises[: POSITIVE_LIST_BATCH_LIMIT + 1])
        if len(enterprises) > POSITIVE_LIST_BATCH_LIMIT:
            self.message_user(
                request,
                f"一次最多处理 {POSITIVE_LIST_BATCH_LIMIT} 家企业，请缩小选择范围",
                messages.ERROR,
            )
            return None
        submitted = request.method == "POST" and "apply" in request.POST
        form = PositiveListForm(request.POST if submitted else None, adding=adding)
        if submitted and form.is_valid():
            done = self._positive_list_apply(request, form, enterprises, adding=adding)
            if done is not None:
                if bulk:
                    return None
                url = reverse("admin:companies_enterprise_change", args=[enterprises[0].pk])
                return HttpResponseRedirect(url)
        verb = "纳入正面清单" if adding else "移出正面清单"
        context = {
            **self.admin_site.each_context(request),
            "title": verb,
            "opts": self.opts,
            "form": form,
            "enterprises": enterprises,
            "bulk": bulk,
            "action_name": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "submit_label": f"确认{verb}",
            "media": self.media + form.media,
        }
        if not bulk:
            # The page header then reads 企业 › 企业 › <the enterprise>.
            context["original"] = enterprises[0]
            context["back_url"] = reverse(
                "admin:companies_enterprise_change", args=[enterprises[0].pk]
            )
        return TemplateResponse(request, "admin/companies/enterprise/positive_list.html", context)

    def _positive_list_apply(self, request, form, enterprises, *, adding: bool):
        """Call the service for each enterprise; all or nothing on a field error.

        An enterprise already on (or not on) the list is skipped with a
        warning, the others go ahead; a refused reason or date names its
        enterprise on the form and nothing is written.
        """
        service = services.positive_list_add if adding else services.positive_list_remove
        date_arg = "added_on" if adding else "removed_on"
        done, skipped = [], []
        try:
            with transaction.atomic():
                for enterprise in enterprises:
                    try:
                        service(
                            user=request.user,
                            enterprise=enterprise,
                            reason=form.cleaned_data["reason"],
                            **{date_arg: form.cleaned_data["on"]},
                        )
                    except ConflictError as exc:
                        skipped.append(exc.message)
                    else:
                        done.append(enterprise)
        except DomainError as exc:
            field = {"reason": "reason", date_arg: "on"}.get(exc.field)
            prefix = f"{enterprise.name}：" if len(enterprises) > 1 else ""
            form.add_error(field, prefix + exc.message)
            return None
        verb = "纳入" if adding else "移出"
        if done:
            names = "、".join(enterprise.name for enterprise in done[:5])
            more = f"等 {len(done)} 家企业" if len(done) > 5 else ""
            self.message_user(request, f"已将 {names}{more} {verb}正面清单", messages.SUCCESS)
        for message in skipped:
            self.message_user(request, message, messages.WARNING)
        return done


# --- Positive list entries -------------------------------------------------------------


class CurrentEntryFilter(DropdownFilter):
    title = "状态"
    parameter_name = "current"

    def lookups(self, request, model_admin):
        return [("yes", "在清单中"), ("no", "已移出")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(removed_on__isnull=True)
        if self.value() == "no":
            return queryset.filter(removed_on__isnull=False)
        return queryset


class EntryRegionFilter(RegionFilter):
    region_field = "enterprise__region"


@admin.register(PositiveListEntry)
class PositiveListEntryAdmin(RegionScopedAdminMixin, ModelAdmin):
    """正面清单 history, read-only: entries are made by the enterprise page's actions."""

    region_field = "enterprise__region"
    list_display = [
        "enterprise",
        "region_name",
        "added_on",
        "reason",
        "removed_on",
        "removal_reason",
        "created_by",
    ]
    list_select_related = ["enterprise__region", "created_by"]
    list_filter = [
        CurrentEntryFilter,
        EntryRegionFilter,
        ("added_on", RangeDateFilter),
        ("removed_on", RangeDateFilter),
    ]
    list_filter_submit = True
    search_fields = ["enterprise__name", "enterprise__uscc"]
    search_help_text = "按企业名称或统一社会信用代码搜索"
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50

    @display(description="所在县（市、区）")
    def region_name(self, obj: PositiveListEntry) -> str:
        return obj.enterprise.region.name

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, "")
        if search_term.strip():
            enterprises = search_name_or_uscc(Enterprise.objects.all(), search_term)
            queryset = queryset.filter(enterprise__in=enterprises.values("pk"))
        return queryset, may_have_duplicates

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


from companies import admin_import  # noqa: F401,E402

# Service to enterprises (走访解促): visits, demands, symposiums, policy cards.
# isort: split
from companies import admin_service  # noqa: E402,F401
