"""The admin door to penalty cases (行政处罚案件): the list, the clue form and the case page.

The list is scoped to the user's regions (accounts.admin_scope) and filters
on state, region, source, the deadline flags and the violation category. The
add form registers a clue through ``cases.services.case_register``. The
change page is the case page: state, deadlines, the next steps the user may
take (``cases.workflow.allowed_transitions``), events, discretion, payments,
special measures, evidence and history; every button opens a small form that
calls one service (``case_transition``, ``case_event_record``,
``case_discretion_compute``, ``payment_record``, ``payment_plan_approve``,
``measure_record``, ``seal_seize_extend``, ``evidence_attach``) and shows its
refusal on the form. No field of a case is edited here directly: status and
step data change through the services only, and cases are never deleted.

Registered here and imported by ``cases/admin.py``.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import (
    BooleanRadioFilter,
    ChoicesDropdownFilter,
    DropdownFilter,
    TextFilter,
)
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget

from accounts.admin_scope import RegionScopedAdminMixin
from accounts.roles import Role
from accounts.selectors import officer_list, user_roles
from cases import penalties, selectors, services, workflow
from cases.admin_case_forms import (
    BACK_STEPS,
    CaseRegisterForm,
    DiscretionForm,
    EventForm,
    EvidenceForm,
    MeasureForm,
    PaymentForm,
    PaymentPlanForm,
    SealExtensionForm,
    StepForm,
    ViolationFormSet,
    violation_type_choices,
    yuan,
)
from cases.admin_pages import (
    EVIDENCE_PERMISSION,
    EnterpriseSearchMixin,
    NoDirectEditMixin,
    RecordPageMixin,
    person,
)
from cases.choices import CaseStatus, MeasureKind, ViolationCategory
from cases.deadlines import PAYMENT_STATUSES, case_deadlines, due_soon_days
from cases.discretion import factor_table
from cases.models import CaseViolation, PenaltyCase
from companies.admin import RegionFilter
from companies.models import Enterprise
from companies.selectors import enterprise_list
from ecoenforce.errors import DomainError

S = CaseStatus
TEMPLATES = "admin/cases/penaltycase"

# Badge colours of the states (unfold label variants).
STATUS_LABELS = {
    S.CLUE: "info",
    S.FILED: "primary",
    S.INVESTIGATING: "primary",
    S.SUSPENDED: "warning",
    S.REVIEW: "primary",
    S.NOTIFIED: "primary",
    S.HEARING: "primary",
    S.LEGAL_REVIEW: "primary",
    S.COLLECTIVE_DISCUSSION: "primary",
    S.DECIDED: "warning",
    S.SERVED: "warning",
    S.EXECUTING: "warning",
    S.CLOSED: "success",
    S.ARCHIVED: "success",
    S.NOT_FILED: "",
    S.NO_PENALTY: "",
    S.TRANSFERRED: "",
}

# Steps that leave the main path or go back: shown as secondary buttons.
SIDE_TARGETS = {S.NOT_FILED, S.NO_PENALTY, S.TRANSFERRED, S.SUSPENDED}

# The "add a violation" button of the clue form (its script finds it by id).
ADD_ROW_ATTRS = {"id": "add-violation", "type": "button"}

EVENT_LABELS = {
    **{kind: spec[0] for kind, spec in services.EVENT_KINDS.items()},
    "discretion": "自由裁量计算",
    "payment_plan": "批准延期或分期缴纳",
}

# The door permissions of each kind of write (accounts.roles); which step a
# role may actually take is the services' decision.
WORK_PERMISSION = "cases.change_penaltycase"
EVENT_PERMISSION = "cases.add_caseevent"
PAYMENT_PERMISSION = "cases.add_payment"
MEASURE_PERMISSION = "cases.add_specialmeasure"
MEASURE_CHANGE_PERMISSION = "cases.change_specialmeasure"


def days_left_text(days: int) -> str:
    if days < 0:
        return f"已超期 {-days} 天"
    if days == 0:
        return "今天到期"
    return f"剩余 {days} 天"


# --- list filters ------------------------------------------------------------------


class ViolationCategoryFilter(DropdownFilter):
    title = "违法行为类别"
    parameter_name = "violation_category"

    def lookups(self, request, model_admin):
        return ViolationCategory.choices

    def queryset(self, request, queryset):
        if self.value() in ViolationCategory.values:
            # A subquery rather than a join: a case with two violations of the
            # category is still one row.
            cases = CaseViolation.objects.filter(violation_type__category=self.value())
            return queryset.filter(pk__in=cases.values("case_id"))
        return queryset


class ViolationTypeCodeFilter(TextFilter):
    """A violation type by its code (AIR-99-2): a text box, so the filter
    costs the list no query; the dashboard's fine spread links through it."""

    title = "违法行为编码"
    parameter_name = "violation_type"

    def queryset(self, request, queryset):
        code = (self.value() or "").strip()
        if code:
            cases = CaseViolation.objects.filter(violation_type__code__iexact=code)
            return queryset.filter(pk__in=cases.values("case_id"))
        return queryset


# --- the admin ------------------------------------------------------------------------


@admin.register(PenaltyCase)
class PenaltyCaseAdmin(
    RecordPageMixin, EnterpriseSearchMixin, NoDirectEditMixin, RegionScopedAdminMixin, ModelAdmin
):
    """行政处罚案件: a county brigade sees its regions' cases; the rest answers 404.

    The model form is never offered (``NoDirectEditMixin``): state and step
    data change through the services, from the buttons of the case page.
    """

    templates = TEMPLATES
    record_name = "case"

    list_display = [
        "number_display",
        "enterprise_name",
        "region_name",
        "status_badge",
        "discovered_on",
        "next_deadline",
        "fine_display",
    ]
    list_display_links = ["number_display"]
    list_select_related = ["enterprise", "region"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        RegionFilter,
        ("source", ChoicesDropdownFilter),
        ("overdue", BooleanRadioFilter),
        ("due_soon", BooleanRadioFilter),
        ViolationCategoryFilter,
        ViolationTypeCodeFilter,
    ]
    list_filter_submit = True
    # Facet counts would be one COUNT per filter option.
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["number"]
    search_help_text = "按案件编号、企业名称或统一社会信用代码搜索"
    list_per_page = 50
    # One COUNT for the page links; the unfiltered total would be a second.
    show_full_result_count = False
    actions = None

    # --- permissions: read here, write through the services -----------------------------

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.concrete_fields]

    def get_queryset(self, request):
        # The list joins these anyway (list_select_related); the case page needs them too.
        return super().get_queryset(request).select_related("enterprise", "region")

    # --- the list ---------------------------------------------------------------------

    @display(description="案件编号", ordering="number")
    def number_display(self, obj: PenaltyCase) -> str:
        return obj.number or f"线索 #{obj.pk}"

    @display(description="当事企业", ordering="enterprise__name")
    def enterprise_name(self, obj: PenaltyCase) -> str:
        return obj.enterprise.name

    @display(description="县（市、区）", ordering="region__code")
    def region_name(self, obj: PenaltyCase) -> str:
        return obj.region.name

    @display(description="状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj: PenaltyCase):
        return obj.status, obj.get_status_display()

    @display(description="最近期限", ordering="next_deadline_on")
    def next_deadline(self, obj: PenaltyCase):
        if obj.next_deadline_on is None or obj.status in workflow.READ_ONLY:
            return "—"
        days = (obj.next_deadline_on - timezone.localdate()).days
        if days < 0:
            colour = "font-semibold text-red-600 dark:text-red-500"
        elif days <= due_soon_days():
            colour = "font-semibold text-orange-700 dark:text-orange-400"
        else:
            colour = ""
        return format_html(
            '<span class="{}" title="{}">{} {}<br><span class="text-xs">{}</span></span>',
            colour,
            obj.next_deadline_label,
            obj.next_deadline_on.isoformat(),
            days_left_text(days),
            obj.next_deadline_label,
        )

    @display(description="罚款（元）", ordering="fine_amount")
    def fine_display(self, obj: PenaltyCase) -> str:
        if obj.fine_amount is not None:
            return f"{obj.fine_amount:,.2f}"
        if obj.proposed_fine is not None:
            return f"拟 {obj.proposed_fine:,.2f}"
        return "—"

    def search_q(self, term: str) -> Q:
        return Q(number__icontains=term)

    # --- urls ------------------------------------------------------------------------------

    def record_routes(self):
        return [
            ("step/<str:to>/", self.step_view, "step"),
            ("event/<str:kind>/", self.event_view, "event"),
            ("edit/", self.edit_view, "edit"),
            ("discretion/", self.discretion_view, "discretion"),
            ("payment/", self.payment_view, "payment"),
            ("payment-plan/", self.payment_plan_view, "payment_plan"),
            ("measure/", self.measure_view, "measure"),
            ("measure/<int:measure_id>/extend/", self.seal_extend_view, "seal_extend"),
            ("evidence/", self.evidence_upload_view, "evidence"),
            ("evidence/<int:evidence_id>/", self.evidence_download_view, "evidence_download"),
        ]

    # --- the case page ---------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        case = self._record(request, object_id)
        return self._render(
            request, "case_page.html", self.case_page_context(request, case), record=case
        )

    def case_page_context(self, request, case: PenaltyCase) -> dict:
        user = request.user
        roles = user_roles(user)
        read_only = case.status in workflow.READ_ONLY
        measures = list(case.measures.select_related("recorded_by__officer"))
        can_work = user.has_perm(WORK_PERMISSION)

        steps = []
        if can_work:
            for step in workflow.allowed_transitions(case, user):
                url = self._url("step", case, step.target.value)
                steps.append(
                    {
                        "label": step.label,
                        "url": f"{url}?from={case.status}",
                        "primary": step.target not in SIDE_TARGETS
                        and (step.source, step.target) not in BACK_STEPS,
                    }
                )
        events = []
        if not read_only and user.has_perm(EVENT_PERMISSION):
            for kind, (label, kind_roles, states) in services.EVENT_KINDS.items():
                if case.status in states and roles.intersection(kind_roles):
                    events.append({"label": label, "url": self._url("event", case, kind)})

        deadlines = case_deadlines(case, measures=measures)
        discretion = case.events.filter(kind="discretion").order_by("-at", "-id").first()
        show_money = case.fine_amount is not None or case.status in PAYMENT_STATUSES
        payable = case.status in PAYMENT_STATUSES
        balance = penalties.case_balance(case) if show_money else None
        approver = Role.APPROVER in roles

        measure_rows = [
            {
                "measure": measure,
                "extend_url": self._url("seal_extend", case, measure.pk)
                if (
                    not read_only
                    and approver
                    and user.has_perm(MEASURE_CHANGE_PERMISSION)
                    and measure.kind == MeasureKind.SEAL_SEIZE
                    and measure.extended_until is None
                )
                else None,
            }
            for measure in measures
        ]
        evidence = self.evidence_rows(case)
        editable = (
            not read_only
            and case.status in workflow.BEFORE_DECISION | {S.CLUE}
            and can_work
            and bool(roles.intersection({Role.INSPECTOR, Role.APPROVER}))
        )
        return {
            "title": str(case),
            "status_variant": STATUS_LABELS.get(case.status, ""),
            "read_only": read_only,
            "officers": list(case.officers.all()),
            "violations": list(case.violations.select_related("violation_type")),
            "deadlines": [
                {"deadline": d, "days_text": days_left_text(d.days_left)} for d in deadlines
            ],
            "steps": steps,
            "events": events,
            "discretion": discretion,
            "discretion_url": self._url("discretion", case) if not read_only and can_work else None,
            "edit_url": self._url("edit", case) if editable else None,
            "show_money": show_money,
            "balance": balance,
            "payments": list(case.payments.select_related("recorded_by__officer")),
            "payment_url": self._url("payment", case)
            if payable and user.has_perm(PAYMENT_PERMISSION)
            else None,
            "payment_plan_url": self._url("payment_plan", case)
            if payable and approver and user.has_perm(WORK_PERMISSION)
            else None,
            "measures": measure_rows,
            "measure_url": self._url("measure", case)
            if not read_only and user.has_perm(MEASURE_PERMISSION)
            else None,
            "evidence": evidence,
            "evidence_form": EvidenceForm()
            if not read_only and user.has_perm(EVIDENCE_PERMISSION)
            else None,
            "evidence_url": self._url("evidence", case),
            "history": [
                {"row": row, "actor": person(row.actor), "text": row.note}
                for row in selectors.case_history(case).select_related("actor__officer")
            ],
            "case_events": [
                {
                    "row": row,
                    "label": EVENT_LABELS.get(row.kind, row.kind),
                    "actor": person(row.actor),
                }
                for row in case.events.select_related("actor__officer").order_by("on", "id")
            ],
        }

    # --- steps of the procedure -----------------------------------------------------------

    def step_view(self, request, object_id, to: str):
        self._require(request, WORK_PERMISSION)
        case = self._record(request, object_id)
        if to not in S.values:
            raise Http404("未知状态")
        target = S(to)
        source = request.POST.get("expected_status") or request.GET.get("from") or case.status
        if source not in S.values:
            source = case.status
        step = workflow.TRANSITIONS.get((S(source), target))
        label = step.label if step else f"变更为“{target.label}”"
        form = StepForm(request.POST or None, case=case, source=source, target=target)

        def call(data):
            return workflow.case_transition(
                case=case,
                to=target,
                actor=request.user,
                on=data["on"],
                note=data["note"],
                data=form.step_data(),
                expected_status=data["expected_status"] or None,
            )

        def success(moved: PenaltyCase) -> str:
            message = f"已办理“{label}”，案件状态：{moved.get_status_display()}"
            if moved.number and not case.number:
                message += f"，案件编号 {moved.number}"
            return message

        intro = f"当前状态：{S(source).label} → {target.label}"
        return self._form_page(
            request, case, form=form, title=label, call=call, success=success, intro=intro
        )

    def event_view(self, request, object_id, kind: str):
        self._require(request, EVENT_PERMISSION)
        case = self._record(request, object_id)
        if kind not in services.EVENT_KINDS:
            raise Http404("未知事项")
        label = services.EVENT_KINDS[kind][0]
        form = EventForm(request.POST or None, kind=kind)

        def call(data):
            return services.case_event_record(
                case=case, kind=kind, actor=request.user, on=data["on"], reason=data["reason"]
            )

        return self._form_page(
            request,
            case,
            form=form,
            title=label,
            call=call,
            success=lambda event: f"已登记“{label}”（{event.on}）",
        )

    # --- violations and officers before the decision --------------------------------------

    def edit_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        case = self._record(request, object_id)
        violations = list(case.violations.select_related("violation_type"))
        initial = [
            {
                "violation_type": v.violation_type.code,
                "facts": v.facts,
                "base_amount": v.base_amount,
                "days": v.days,
                "occurrences": v.occurrences,
            }
            for v in violations
        ]
        form = self._register_form(request, initial_case=case)
        formset = self._violation_formset(request, initial=initial)
        for name in ("enterprise", "party_kind", "source", "source_reference", "discovered_on"):
            form.fields.pop(name)
        status = 200
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            items, index = self._violation_items(formset)
            try:
                services.case_update(
                    case=case,
                    actor=request.user,
                    violations=items,
                    officers=list(form.cleaned_data["officers"]),
                    title=form.cleaned_data["title"] or None,
                )
            except DomainError as exc:
                self._register_errors(form, formset, index, exc)
                status = exc.status
            else:
                self.message_user(request, "已修改违法行为和承办人员", messages.SUCCESS)
                return HttpResponseRedirect(self._url("change", case))
        context = {
            "title": "修改违法行为和承办人员",
            "form": form,
            "formset": formset,
            "submit_label": "保存",
            "intro": "处罚决定作出前可修改；修改违法行为后须重新进行自由裁量计算。",
            "media": self.media + form.media + formset.media,
            "add_row_attrs": ADD_ROW_ATTRS,
        }
        return self._render(request, "register_form.html", context, record=case, status=status)

    # --- discretion ------------------------------------------------------------------------

    def discretion_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        case = self._record(request, object_id)
        violations = list(case.violations.select_related("violation_type"))
        factors, seen, table_error = [], set(), ""
        try:
            for violation in violations:
                for factor in factor_table(violation.violation_type):
                    if factor.key not in seen:
                        seen.add(factor.key)
                        factors.append(factor)
        except DomainError as exc:
            table_error = exc.message
        last = case.events.filter(kind="discretion").order_by("-at", "-id").first()
        initial = (
            {
                f"factor_{key}": value
                for key, value in ((last.data or {}).get("factors") or {}).items()
            }
            if last
            else {}
        )
        form = DiscretionForm(request.POST or None, factors=factors, initial=initial)
        result, status = None, 200
        if request.method == "POST" and form.is_valid():
            save = "save" in request.POST
            try:
                result = services.case_discretion_compute(
                    case=case, actor=request.user, factors=form.factors(), save=save
                )
            except DomainError as exc:
                form.add_service_error(exc)
                status = exc.status
            else:
                if save:
                    self.message_user(
                        request,
                        f"裁量建议金额 {yuan(Decimal(result['amount']))} 已保存",
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(self._url("change", case))
        names = {v.violation_type.code: v.violation_type.name for v in violations}
        context = {
            "title": "自由裁量",
            "form": form,
            "violations": violations,
            "table_error": table_error,
            "result": result,
            "result_items": [
                {**item, "name": names.get(item["violation_type"], item["violation_type"])}
                for item in (result or {}).get("violations", [])
            ],
            "read_only": case.status in workflow.READ_ONLY,
            "media": self.media + form.media,
        }
        return self._render(request, "discretion.html", context, record=case, status=status)

    # --- money and measures ------------------------------------------------------------------

    def payment_view(self, request, object_id):
        self._require(request, PAYMENT_PERMISSION)
        case = self._record(request, object_id)
        form = PaymentForm(request.POST or None)

        def call(data):
            return penalties.payment_record(
                case=case,
                amount=data["amount"],
                paid_on=data["paid_on"],
                kind=data["kind"],
                receipt_number=data["receipt_number"],
                actor=request.user,
            )

        balance = penalties.case_balance(case)
        intro = (
            f"应缴罚款 {yuan(balance.fine_outstanding)}，"
            f"加处罚款 {yuan(balance.late_fee_outstanding)}（截至今天）"
        )
        return self._form_page(
            request,
            case,
            form=form,
            title="登记缴款",
            call=call,
            success=lambda p: f"已登记缴款 {yuan(p.amount)}（{p.get_kind_display()}）",
            intro=intro,
        )

    def payment_plan_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        case = self._record(request, object_id)
        form = PaymentPlanForm(request.POST or None)

        def call(data):
            return penalties.payment_plan_approve(
                case=case,
                plan=data["plan"],
                due_on=data["due_on"],
                reason=data["reason"],
                actor=request.user,
                on=data["on"],
            )

        return self._form_page(
            request,
            case,
            form=form,
            title="批准延期或分期缴纳",
            call=call,
            success=lambda c: f"已批准{c.get_payment_plan_display()}，缴款期限 {c.payment_due_on}",
            intro=f"现缴款期限：{case.payment_due_on or '—'}",
        )

    def measure_view(self, request, object_id):
        self._require(request, MEASURE_PERMISSION)
        case = self._record(request, object_id)
        form = MeasureForm(request.POST or None)

        def call(data):
            return penalties.measure_record(
                case=case,
                kind=data["kind"],
                on=data["on"],
                actor=request.user,
                ends_on=data["ends_on"],
                correction_served_on=data["correction_served_on"],
                reinspected_on=data["reinspected_on"],
                note=data["note"],
            )

        return self._form_page(
            request,
            case,
            form=form,
            title="登记配套办法",
            call=call,
            success=lambda m: f"已登记{m.get_kind_display()}（{m.on}）",
        )

    def seal_extend_view(self, request, object_id, measure_id: int):
        self._require(request, MEASURE_CHANGE_PERMISSION)
        case = self._record(request, object_id)
        measure = get_object_or_404(case.measures, pk=measure_id, kind=MeasureKind.SEAL_SEIZE)
        form = SealExtensionForm(request.POST or None)

        def call(data):
            return penalties.seal_seize_extend(
                measure=measure, until=data["until"], reason=data["reason"], actor=request.user
            )

        return self._form_page(
            request,
            case,
            form=form,
            title="延长查封、扣押期限",
            call=call,
            success=lambda m: f"查封、扣押期限已延长至 {m.extended_until}",
            intro=f"{measure.on} 实施，期限届满日 {measure.ends_on or '—'}",
        )

    # --- evidence ---------------------------------------------------------------------------

    def evidence_attach(self, case, *, uploaded_file, actor, description):
        return services.evidence_attach(
            case=case, uploaded_file=uploaded_file, actor=actor, description=description
        )

    # --- registering a clue ------------------------------------------------------------------

    def _register_form(self, request, *, initial_case=None) -> CaseRegisterForm:
        field = PenaltyCase._meta.get_field("enterprise")
        if self.admin_site.is_registered(Enterprise):
            # Search as you type, answered by the enterprise admin within the
            # user's regions (accounts.admin_scope).
            widget = AutocompleteSelect(field, self.admin_site)
        else:
            widget = UnfoldAdminSelectWidget()
        initial = {}
        if initial_case is not None:
            initial = {
                "officers": list(initial_case.officers.all()),
                "title": initial_case.title,
            }
        return CaseRegisterForm(
            request.POST or None,
            enterprises=enterprise_list(user=request.user),
            officers=officer_list(user=request.user)
            .filter(badge_number__isnull=False, user__is_active=True)
            .order_by("name"),
            enterprise_widget=widget,
            initial=initial,
        )

    def _violation_formset(self, request, *, initial=None):
        return ViolationFormSet(
            request.POST or None,
            initial=initial,
            prefix="violations",
            form_kwargs={"type_choices": violation_type_choices()},
        )

    @staticmethod
    def _violation_items(formset) -> tuple[list[dict], list[int]]:
        """The filled rows as ``case_register`` items, and each item's row number."""
        items, index = [], []
        for number, row in enumerate(formset.forms):
            if row.cleaned_data and not row.cleaned_data.get("DELETE"):
                items.append(row.item())
                index.append(number)
        return items, index

    @staticmethod
    def _register_errors(form, formset, index: list[int], error: DomainError) -> None:
        """A refusal of ``case_register`` / ``case_update`` under the field it names;
        ``violations.<i>.<name>`` goes to the i-th filled violation row."""
        for item in error.items:
            field = item.field or ""
            if field.startswith("violations."):
                _, position, name = [*field.split("."), "", ""][:3]
                name = {"type": "violation_type"}.get(name, name)
                if position.isdigit() and int(position) < len(index):
                    row = formset.forms[index[int(position)]]
                    row.add_error(name if name in row.fields else None, item.message)
                    continue
            form.add_error(field if field in form.fields else None, item.message)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        form = self._register_form(request)
        formset = self._violation_formset(request)
        status = 200
        if request.method == "POST" and form.is_valid() and formset.is_valid():
            data = form.cleaned_data
            items, index = self._violation_items(formset)
            try:
                case = services.case_register(
                    actor=request.user,
                    enterprise=data["enterprise"],
                    source=data["source"],
                    discovered_on=data["discovered_on"],
                    violations=items,
                    officers=list(data["officers"]),
                    title=data["title"],
                    source_reference=data["source_reference"],
                    party_kind=data["party_kind"],
                )
            except DomainError as exc:
                self._register_errors(form, formset, index, exc)
                status = exc.status
            else:
                self.log_addition(request, case, [{"added": {}}])
                self.message_user(
                    request, f"已登记案件线索（{case.enterprise.name}）", messages.SUCCESS
                )
                return HttpResponseRedirect(self._url("change", case))
        context = {
            "title": "登记案件线索",
            "form": form,
            "formset": formset,
            "submit_label": "登记",
            "intro": "登记后由负责人审批立案（发现之日起 15 日内）。",
            "media": self.media + form.media + formset.media,
            "add_row_attrs": ADD_ROW_ATTRS,
            "changelist_url": reverse(f"{self.admin_site.name}:{info}_changelist"),
        }
        return self._render(request, "register_form.html", context, status=status)
