"""Admin pages for the service to enterprises (走访解促): visits, demands,
symposiums and the policy-card list.

Every write goes through ``companies.service_visits``: the forms through
``ServiceModelForm`` (a dry run while validating, the real call on save), the
demand's steps (开始办理, 办结, 认定无法解决) through a small intermediate page
that calls ``demand_transition``. Lists and pages are scoped like the API: a
visit or demand by the region stored on it, a symposium by
``companies.selectors.symposium_visibility``. Records of what happened are
never deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Prefetch
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    RangeDateFilter,
)
from unfold.decorators import action, display
from unfold.widgets import (
    UnfoldAdminIntegerFieldWidget,
    UnfoldAdminSingleDateWidget,
    UnfoldAdminTextareaWidget,
)

from accounts.admin_forms import ServiceAdminMixin, ServiceModelForm
from accounts.admin_scope import EstimatedCountPaginator, RegionScopedAdminMixin
from accounts.models import Officer
from accounts.selectors import restrict_to_regions
from companies import service_visits
from companies.admin import RegionFilter
from companies.choices import DemandStatus
from companies.models import (
    Demand,
    DemandTransition,
    Enterprise,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)
from companies.selectors import symposium_visibility
from ecoenforce.errors import ConflictError, DomainError

# At most this many demands per bulk step: each is a decision about one demand.
DEMAND_BATCH_LIMIT = 200


class _ListSettings:
    """Bounded counts and no facet counts (one COUNT per filter option) on long lists."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    list_filter_submit = True


class ServiceRegionFilter(RegionFilter):
    """A city or county of the user's scope, the counties under it included.

    Filters on ``region_id IN (codes)``, resolved from the choices already
    loaded, so the (region, date) indexes serve the list without a join.
    Hidden when the user's scope is one county: there is nothing to choose.
    """

    region_field = "region_id"

    def has_output(self) -> bool:
        return len(self.lookup_choices) > 1


# --- Policy cards -------------------------------------------------------------------


class PolicyCardForm(ServiceModelForm):
    class Meta:
        model = PolicyCard
        fields = list(service_visits.POLICY_CARD_FIELDS)

    def call_service(self) -> PolicyCard:
        fields = {
            name: self.cleaned_data[name]
            for name in service_visits.POLICY_CARD_FIELDS
            if name in self.cleaned_data
        }
        if self.instance.pk is None:
            return service_visits.policy_card_create(user=self.request.user, **fields)
        changed = {name: fields[name] for name in self.changed_data if name in fields}
        return service_visits.policy_card_update(
            user=self.request.user, card=self.instance, **changed
        )


@admin.register(PolicyCard)
class PolicyCardAdmin(ServiceAdminMixin, ModelAdmin):
    """政策明白卡: the managed list. Administrators add and withdraw cards; everybody
    else reads it. A withdrawn card (在用 unticked) stays on past visits."""

    form = PolicyCardForm
    list_display = ["code", "title", "issued_on", "active", "updated_at"]
    list_filter = [("active", BooleanRadioFilter)]
    list_filter_submit = True
    search_fields = ["code", "title"]
    search_help_text = "按编号或名称搜索"
    ordering = ["code"]
    readonly_fields = ["updated_at"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Visits -------------------------------------------------------------------------


class CardQuantitiesWidget(forms.Widget):
    """One number per card: the copies handed out (empty or 0: none)."""

    template_name = "admin/companies/visit/card_quantities.html"

    def __init__(self, cards=(), attrs=None):
        super().__init__(attrs)
        self.cards = list(cards)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        values = value if isinstance(value, dict) else {}
        number = UnfoldAdminIntegerFieldWidget(attrs={"min": 0, "step": 1})
        context["widget"]["rows"] = [
            {
                "card": card,
                "id": f"id_{name}_{card.pk}",
                "input": number.render(
                    f"{name}_{card.pk}", values.get(card.pk, ""), {"id": f"id_{name}_{card.pk}"}
                ),
                "inactive": not card.active,
            }
            for card in self.cards
        ]
        return context

    def value_from_datadict(self, data, files, name):
        return {card.pk: data.get(f"{name}_{card.pk}", "") for card in self.cards}

    def value_omitted_from_data(self, data, files, name) -> bool:
        return False


class CardQuantitiesField(forms.Field):
    """``{card id: copies}`` in, a list of ``CardHandout`` out."""

    def __init__(self, *, cards=(), **kwargs):
        self.cards = list(cards)
        kwargs.setdefault("required", False)
        super().__init__(widget=CardQuantitiesWidget(cards=self.cards), **kwargs)

    def _quantities(self, value) -> dict[int, int]:
        quantities = {}
        for card in self.cards:
            raw = str((value or {}).get(card.pk, "") or "").strip()
            if not raw:
                continue
            try:
                quantity = int(raw)
            except ValueError:
                raise forms.ValidationError(
                    f"“{card.title}”的发放份数应为整数", code="invalid_quantity"
                ) from None
            if quantity < 0:
                raise forms.ValidationError(
                    f"“{card.title}”的发放份数不能为负数", code="invalid_quantity"
                )
            if quantity:
                quantities[card.pk] = quantity
        return quantities

    def to_python(self, value):
        quantities = self._quantities(value)
        return [
            service_visits.CardHandout(card, quantities[card.pk])
            for card in self.cards
            if card.pk in quantities
        ]

    def has_changed(self, initial, data) -> bool:
        try:
            return dict(initial or {}) != self._quantities(data)
        except forms.ValidationError:
            return True


class VisitForm(ServiceModelForm):
    cards = CardQuantitiesField(label="发放政策明白卡（份数）")

    class Meta:
        model = Visit
        fields = ["enterprise", "visited_on", "kind", "officers", "measures", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        handed_out = {}
        if self.instance.pk is not None:
            handed_out = {row.card_id: row.quantity for row in self.instance.card_rows.all()}
        cards = PolicyCard.objects.filter(active=True) | PolicyCard.objects.filter(
            pk__in=list(handed_out)
        )
        self.fields["cards"] = CardQuantitiesField(
            cards=cards.order_by("code"),
            label="发放政策明白卡（份数）",
            help_text="填写每种明白卡的发放份数，未发放的留空",
            initial=handed_out,
        )
        if "visited_on" in self.fields:
            self.fields["visited_on"].required = False
            self.fields["visited_on"].help_text = "默认今天；补录纸质记录时填写实际日期"
        if "officers" in self.fields:
            self.fields["officers"].required = False
            self.fields["officers"].help_text = "默认为登记人本人"

    def call_service(self) -> Visit:
        data = self.cleaned_data
        if self.instance.pk is None:
            return service_visits.visit_record(
                user=self.request.user,
                enterprise=data["enterprise"],
                kind=data["kind"],
                visited_on=data.get("visited_on"),
                officers=list(data.get("officers") or []),
                policy_cards=data.get("cards") or [],
                measures=data.get("measures", ""),
                notes=data.get("notes", ""),
            )
        fields = {
            name: data[name]
            for name in self.changed_data
            if name in ("visited_on", "kind", "measures", "notes") and data.get(name) is not None
        }
        if "officers" in self.changed_data:
            fields["officers"] = list(data["officers"])
        if "cards" in self.changed_data:
            fields["policy_cards"] = data["cards"]
        return service_visits.visit_update(user=self.request.user, visit=self.instance, **fields)


class _ReadOnlyInline(TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DemandOfRecordInline(_ReadOnlyInline):
    """Demands raised at this visit or symposium, those of the user's regions."""

    model = Demand
    fields = ["enterprise", "raised_on", "category", "description", "status", "owner"]
    readonly_fields = fields
    verbose_name_plural = "提出的诉求"

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("enterprise", "owner")
        return restrict_to_regions(queryset, request.user)


class VisitDemandInline(DemandOfRecordInline):
    fk_name = "visit"


class SymposiumDemandInline(DemandOfRecordInline):
    fk_name = "symposium"


@admin.register(Visit)
class VisitAdmin(ServiceAdminMixin, RegionScopedAdminMixin, _ListSettings, ModelAdmin):
    """走访: scoped by the region stored on the visit; saved through visit_record."""

    form = VisitForm
    list_display = [
        "visited_on",
        "enterprise",
        "region_name",
        "kind",
        "officer_names",
        "cards_handed_out",
    ]
    list_select_related = ["enterprise", "region"]
    list_filter = [
        ServiceRegionFilter,
        ("kind", ChoicesDropdownFilter),
        ("visited_on", RangeDateFilter),
    ]
    search_fields = ["enterprise__name", "enterprise__uscc"]
    search_help_text = "按企业名称或统一社会信用代码搜索"
    autocomplete_fields = ["enterprise", "officers"]
    ordering = ["-visited_on", "-id"]
    sortable_by = ["visited_on"]
    readonly_fields = ["region", "created_by", "created_at", "updated_at"]
    inlines = [VisitDemandInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("officers", queryset=Officer.objects.order_by("name", "id")),
                Prefetch(
                    "card_rows", queryset=VisitPolicyCard.objects.only("visit_id", "quantity")
                ),
            )
        )

    def get_fieldsets(self, request, obj=None):
        record = ["enterprise"] if obj is None else ["enterprise", "region"]
        fieldsets = [
            ("走访", {"fields": [*record, "visited_on", "kind", "officers"]}),
            ("政策明白卡", {"fields": ["cards"]}),
            ("帮扶与情况", {"fields": ["measures", "notes"]}),
        ]
        if obj is not None:
            fieldsets.append(("记录", {"fields": ["created_by", "created_at", "updated_at"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        # The enterprise stays: a visit recorded at the wrong one is another visit.
        return ["enterprise", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @display(description="所在县（市、区）", ordering="region__name")
    def region_name(self, obj: Visit) -> str:
        return obj.region.name

    @display(description="走访人员")
    def officer_names(self, obj: Visit) -> str:
        return "、".join(officer.name for officer in obj.officers.all()) or "—"

    @display(description="明白卡（份）")
    def cards_handed_out(self, obj: Visit) -> int:
        return sum(row.quantity for row in obj.card_rows.all())


# --- Demands ------------------------------------------------------------------------


class DemandForm(ServiceModelForm):
    class Meta:
        model = Demand
        fields = [
            "enterprise",
            "visit",
            "symposium",
            "raised_on",
            "category",
            "description",
            "owner",
            "due_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        optional = {
            "raised_on": "默认为走访或座谈会日期，直接提出的默认今天",
            "owner": "默认为登记人本人",
            "due_on": f"默认提出后 {service_visits.DEMAND_DUE_DAYS} 日",
            "visit": "在走访中提出时选择；与座谈会二选一",
            "symposium": "在座谈会上提出时选择；与走访二选一",
        }
        for name, help_text in optional.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = help_text

    def call_service(self) -> Demand:
        data = self.cleaned_data
        if self.instance.pk is None:
            return service_visits.demand_raise(
                user=self.request.user,
                enterprise=data["enterprise"],
                category=data["category"],
                description=data["description"],
                raised_on=data.get("raised_on"),
                visit=data.get("visit"),
                symposium=data.get("symposium"),
                owner=data.get("owner"),
                due_on=data.get("due_on"),
            )
        fields = {
            name: data[name]
            for name in self.changed_data
            if name in service_visits.DEMAND_FIELDS and data.get(name) is not None
        }
        return service_visits.demand_update(user=self.request.user, demand=self.instance, **fields)


class DemandStepForm(forms.Form):
    """The date of a demand's step and its text (resolution, reason or a note)."""

    on = forms.DateField(widget=UnfoldAdminSingleDateWidget)
    text = forms.CharField(
        required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 4}), max_length=4000
    )

    LABELS = {
        DemandStatus.IN_PROGRESS: ("开始办理日期", "说明（选填）"),
        DemandStatus.RESOLVED: ("解决日期", "解决情况"),
        DemandStatus.UNRESOLVABLE: ("认定日期", "无法解决的原因"),
    }

    def __init__(self, *args, step: DemandStatus, **kwargs):
        super().__init__(*args, **kwargs)
        date_label, text_label = self.LABELS[step]
        self.fields["on"].label = date_label
        self.fields["on"].initial = timezone.localdate()
        self.fields["on"].help_text = "默认今天；补录时填写实际日期"
        self.fields["text"].label = text_label


class DemandTransitionInline(_ReadOnlyInline):
    model = DemandTransition
    fields = ["on", "from_status", "to_status", "actor", "note", "created_at"]
    readonly_fields = fields
    show_change_link = False
    verbose_name_plural = "办理记录"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")


@admin.register(Demand)
class DemandAdmin(ServiceAdminMixin, RegionScopedAdminMixin, _ListSettings, ModelAdmin):
    """诉求: scoped by the region stored on the demand; overdue ones stand out.

    Raised and corrected through the form (demand_raise, demand_update); moved
    through the buttons 开始办理 / 办结 / 认定无法解决 on its page, each with a
    small form for the date and the resolution or reason.
    """

    form = DemandForm
    list_display = [
        "raised_on",
        "enterprise",
        "region_name",
        "category",
        "status_label",
        "owner",
        "due_label",
        "raised_at_display",
    ]
    list_select_related = ["enterprise", "region", "owner"]
    list_filter = [
        ServiceRegionFilter,
        ("status", ChoicesDropdownFilter),
        ("overdue", BooleanRadioFilter),
        ("category", ChoicesDropdownFilter),
        ("raised_on", RangeDateFilter),
        ("resolved_on", RangeDateFilter),
        ("due_on", RangeDateFilter),
    ]
    search_fields = ["enterprise__name", "enterprise__uscc", "description"]
    search_help_text = "按企业名称、统一社会信用代码或诉求内容搜索"
    autocomplete_fields = ["enterprise", "visit", "symposium", "owner"]
    ordering = ["-raised_on", "-id"]
    sortable_by = ["raised_on", "due_on"]
    inlines = [DemandTransitionInline]
    actions = ["start_selected"]
    actions_detail = ["start_detail", "resolve_detail", "unresolvable_detail"]

    STATUS_READONLY = [
        "status",
        "overdue",
        "started_on",
        "resolved_on",
        "resolution",
        "unresolvable_on",
        "unresolvable_reason",
    ]
    RECORD_READONLY = ["region", "created_by", "created_at", "updated_at"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (
                "诉求",
                {
                    "fields": [
                        "enterprise",
                        *(["region"] if obj is not None else []),
                        "visit",
                        "symposium",
                        "raised_on",
                        "category",
                        "description",
                    ]
                },
            ),
            ("办理", {"fields": ["owner", "due_on"]}),
        ]
        if obj is not None:
            fieldsets.append(("办理结果", {"fields": self.STATUS_READONLY}))
            fieldsets.append(("记录", {"fields": ["created_by", "created_at", "updated_at"]}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fixed = ["enterprise", "visit", "symposium", "raised_on"]
        return [*fixed, *self.STATUS_READONLY, *self.RECORD_READONLY]

    def has_change_permission(self, request, obj=None) -> bool:
        # A closed demand is read: its page shows the result and the history.
        if obj is not None and obj.status in service_visits.TERMINAL_STATUSES:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @display(description="所在县（市、区）", ordering="region__name")
    def region_name(self, obj: Demand) -> str:
        return obj.region.name

    @display(
        description="办理状态",
        label={
            DemandStatus.OPEN: "info",
            DemandStatus.IN_PROGRESS: "warning",
            DemandStatus.RESOLVED: "success",
            DemandStatus.UNRESOLVABLE: "danger",
        },
    )
    def status_label(self, obj: Demand):
        return obj.status, obj.get_status_display()

    @display(description="办理期限", ordering="due_on", label={"overdue": "danger"})
    def due_label(self, obj: Demand):
        if obj.overdue:
            return "overdue", f"{obj.due_on} 已逾期"
        return "due", str(obj.due_on)

    @display(description="提出场合")
    def raised_at_display(self, obj: Demand) -> str:
        return obj.raised_at

    # --- Status steps ---------------------------------------------------------------

    STEPS = {
        "start": (DemandStatus.IN_PROGRESS, "开始办理"),
        "resolve": (DemandStatus.RESOLVED, "办结（已解决）"),
        "unresolvable": (DemandStatus.UNRESOLVABLE, "认定无法解决"),
    }

    def has_demand_step_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("companies.change_demand")

    @action(
        description="开始办理", url_path="start", icon="play_arrow", permissions=["demand_step"]
    )
    def start_detail(self, request, object_id):
        return self._step_page(request, object_id, "start")

    @action(
        description="办结（已解决）",
        url_path="resolve",
        icon="task_alt",
        permissions=["demand_step"],
    )
    def resolve_detail(self, request, object_id):
        return self._step_page(request, object_id, "resolve")

    @action(
        description="认定无法解决",
        url_path="unresolvable",
        icon="block",
        permissions=["demand_step"],
    )
    def unresolvable_detail(self, request, object_id):
        return self._step_page(request, object_id, "unresolvable")

    def get_actions_detail(self, request, object_id):
        """Offer only the steps the demand's status allows now."""
        actions = super().get_actions_detail(request, object_id)
        demand = self.get_queryset(request).filter(pk=object_id).only("status").first()
        allowed = set(service_visits.allowed_demand_transitions(demand)) if demand else set()
        return [
            a
            for a in actions
            if any(
                a.action_name.endswith(f"_{name}_detail") and target in allowed
                for name, (target, _) in self.STEPS.items()
            )
        ]

    def _step_page(self, request, object_id, step: str):
        demand = self.get_object(request, object_id)
        target, verb = self.STEPS[step]
        change_url = reverse("admin:companies_demand_change", args=[demand.pk])
        submitted = request.method == "POST" and "apply" in request.POST
        form = DemandStepForm(request.POST if submitted else None, step=target)
        if submitted and form.is_valid():
            text = form.cleaned_data["text"]
            try:
                service_visits.demand_transition(
                    user=request.user,
                    demand=demand,
                    to=target,
                    on=form.cleaned_data["on"],
                    note=text if target == DemandStatus.IN_PROGRESS else "",
                    resolution=text if target == DemandStatus.RESOLVED else "",
                    reason=text if target == DemandStatus.UNRESOLVABLE else "",
                )
            except ConflictError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return HttpResponseRedirect(change_url)
            except DomainError as exc:
                field = {"on": "on", "resolved_on": "on", "resolution": "text", "reason": "text"}
                form.add_error(field.get(exc.field), exc.message)
            else:
                self.message_user(request, f"诉求已{verb}", messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": verb,
            "opts": self.opts,
            "form": form,
            "demand": demand,
            # The page header then reads 企业 › 诉求 › <the demand>.
            "original": demand,
            "submit_label": f"确认{verb}",
            "back_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/companies/demand/step.html", context)

    @admin.action(description="开始办理所选诉求", permissions=["demand_step"])
    def start_selected(self, request, queryset):
        """Start each selected open demand today; the others are named and skipped."""
        demands = list(queryset.order_by("pk")[: DEMAND_BATCH_LIMIT + 1])
        if len(demands) > DEMAND_BATCH_LIMIT:
            self.message_user(
                request,
                f"一次最多处理 {DEMAND_BATCH_LIMIT} 条诉求，请缩小选择范围",
                messages.ERROR,
            )
            return
        started, skipped = 0, []
        for demand in demands:
            if demand.status != DemandStatus.OPEN:
                skipped.append(f"{demand.enterprise.name}（{demand.get_status_display()}）")
                continue
            try:
                service_visits.demand_start(user=request.user, demand=demand)
            except DomainError as exc:
                skipped.append(f"{demand.enterprise.name}：{exc.message}")
            else:
                started += 1
        if started:
            self.message_user(request, f"已开始办理 {started} 条诉求", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"以下诉求未处理：{'；'.join(skipped[:10])}", messages.WARNING
            )


# --- Symposiums ---------------------------------------------------------------------


class SymposiumForm(ServiceModelForm):
    class Meta:
        model = Symposium
        fields = ["held_on", "host_unit", "topic", "region", "location", "enterprises", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hints = {
            "held_on": "默认今天；补录时填写实际日期",
            "host_unit": "默认为登记人所属单位",
            "region": "默认为主办单位所辖的县（市、区）；全市性座谈会留空",
        }
        for name, help_text in hints.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = help_text

    def call_service(self) -> Symposium:
        data = self.cleaned_data
        if self.instance.pk is None:
            return service_visits.symposium_record(
                user=self.request.user,
                host_unit=data.get("host_unit"),
                topic=data.get("topic", ""),
                enterprises=list(data.get("enterprises") or []),
                held_on=data.get("held_on"),
                region=data.get("region"),
                location=data.get("location", ""),
                notes=data.get("notes", ""),
            )
        fields = {
            name: data.get(name)
            for name in self.changed_data
            if name in service_visits.SYMPOSIUM_FIELDS
        }
        if "enterprises" in fields:
            fields["enterprises"] = list(fields["enterprises"] or [])
        return service_visits.symposium_update(
            user=self.request.user, symposium=self.instance, **fields
        )


@admin.register(Symposium)
class SymposiumAdmin(ServiceAdminMixin, RegionScopedAdminMixin, _ListSettings, ModelAdmin):
    """政企座谈会: seen by the units whose regions it concerns (symposium_visibility)."""

    form = SymposiumForm
    list_display = ["held_on", "topic", "host_unit", "region_label", "enterprise_count"]
    list_select_related = ["host_unit", "region"]
    list_filter = [ServiceRegionFilter, ("held_on", RangeDateFilter)]
    search_fields = ["topic"]
    search_help_text = "按主题搜索"
    autocomplete_fields = ["host_unit", "region", "enterprises"]
    ordering = ["-held_on", "-id"]
    sortable_by = ["held_on"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    inlines = [SymposiumDemandInline]
    fieldsets = [
        ("座谈会", {"fields": ["held_on", "host_unit", "topic", "region", "location"]}),
        ("参会企业", {"fields": ["enterprises"]}),
        ("会议情况", {"fields": ["notes"]}),
    ]

    def scope_queryset(self, request, queryset):
        visible = symposium_visibility(request.user)
        return queryset if visible is None else queryset.filter(visible)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("enterprises", queryset=Enterprise.objects.only("id")))
        )

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return [*self.fieldsets, ("记录", {"fields": self.readonly_fields})]

    def has_change_permission(self, request, obj=None) -> bool:
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        # Visible through an attending enterprise is not enough to change it.
        return service_visits.unit_in_reach(request.user, obj.host_unit)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @display(description="所属县（市、区）")
    def region_label(self, obj: Symposium) -> str:
        return obj.region.name if obj.region_id else "全市"

    @display(description="参会企业（家）")
    def enterprise_count(self, obj: Symposium) -> int:
        return len(obj.enterprises.all())
