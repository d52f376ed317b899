"""The admin door to on-site inspections (现场检查), their findings and the ladder.

The inspection list is scoped to the user's regions (accounts.admin_scope).
The add form requests an inspection through
``cases.inspection_services.inspection_request``. The change page is the
inspection page: state, officers, check-ins, findings, evidence, signature,
outcome and the ladder's proposal, with a button for each step the user may
take; every button opens a small form that calls one service and shows its
refusal on the form. No field of an inspection is edited directly, and
inspections are never deleted.

Findings and ladder decisions have read-only lists; the ladder of one
enterprise (its proposal and a decision form) is
``/admin/cases/ladderdecision/enterprise/<id>/``.

Registered here and imported by ``cases/admin.py``.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import BooleanRadioFilter, ChoicesDropdownFilter
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSelectWidget

from accounts.admin_scope import RegionScopedAdminMixin
from accounts.roles import Role
from accounts.selectors import officer_list, restrict_to_regions, user_roles
from cases import inspection_selectors as selectors
from cases import inspection_services as services
from cases.admin_case_forms import EvidenceForm
from cases.admin_inspection_forms import (
    CancelForm,
    CompleteForm,
    FindingForm,
    InspectionRequestForm,
    LadderDecisionForm,
    NoteForm,
    RefuseForm,
    SignForm,
    StartForm,
    VerifyForm,
)
from cases.admin_pages import (
    EVIDENCE_PERMISSION,
    EnterpriseSearchMixin,
    NoDirectEditMixin,
    ReadOnlyAdminMixin,
    RecordPageMixin,
    person,
    posted,
    run_service_form,
)
from cases.choices import (
    FindingStatus,
    InspectionOutcome,
    InspectionStatus,
    LadderStep,
    SignatureStatus,
)
from cases.ladder import ladder_decide, ladder_proposal, window_months
from cases.models import Finding, Inspection, LadderDecision, OffsiteRecord
from companies.admin import RegionFilter
from companies.models import Enterprise
from companies.selectors import enterprise_list

S = InspectionStatus
TEMPLATES = "admin/cases/inspection"

STATUS_LABELS = {
    S.REQUESTED: "info",
    S.APPROVED: "primary",
    S.IN_PROGRESS: "warning",
    S.COMPLETED: "success",
    S.CANCELLED: "",
}
LADDER_LABELS = {
    LadderStep.NONE: "",
    LadderStep.ASSISTANCE: "info",
    LadderStep.SUPERVISION: "warning",
    LadderStep.PENALTY: "danger",
}

# Door permissions (accounts.roles); the services decide which role takes which step.
WORK_PERMISSION = "cases.change_inspection"
FINDING_PERMISSION = "cases.add_finding"
VERIFY_PERMISSION = "cases.change_finding"
LADDER_PERMISSION = "cases.add_ladderdecision"


def _step_name(step: services.Step) -> str:
    return {
        S.APPROVED: "approve",
        S.IN_PROGRESS: "start",
        S.CANCELLED: "cancel",
        S.COMPLETED: "complete",
    }[step.target]


def ladder_context(proposal) -> dict:
    return {
        "step": proposal.step,
        "label": proposal.step.label,
        "variant": LADDER_LABELS.get(proposal.step, ""),
        "minor_count": proposal.minor_count,
        "window_start": proposal.window_start,
        "window_months": window_months(),
    }


@admin.register(Inspection)
class InspectionAdmin(
    RecordPageMixin, EnterpriseSearchMixin, NoDirectEditMixin, RegionScopedAdminMixin, ModelAdmin
):
    """现场检查: a county brigade sees its regions' inspections; the rest answers 404."""

    templates = TEMPLATES
    record_name = "inspection"
    status_labels = STATUS_LABELS
    bind_empty_post = True
    invalid_form_status = 400
    evidence_title = "上传检查证据"

    list_display = [
        "inspection_display",
        "enterprise_name",
        "region_name",
        "inspected_on",
        "trigger",
        "status_badge",
        "outcome_display",
        "ladder_badge",
    ]
    list_display_links = ["inspection_display"]
    list_select_related = ["enterprise", "region"]
    list_filter = [
        ("status", ChoicesDropdownFilter),
        RegionFilter,
        ("trigger", ChoicesDropdownFilter),
        ("outcome", ChoicesDropdownFilter),
        ("emergency", BooleanRadioFilter),
    ]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["enterprise__name"]
    search_help_text = "按企业名称或统一社会信用代码搜索"
    list_per_page = 50
    show_full_result_count = False
    date_hierarchy = None
    actions = None

    # --- read here, write through the services ---------------------------------------

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.concrete_fields]

    # --- the list ---------------------------------------------------------------------

    @display(description="现场检查", ordering="id")
    def inspection_display(self, obj: Inspection) -> str:
        return f"检查 #{obj.pk}"

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: Inspection) -> str:
        return obj.enterprise.name

    @display(description="县（市、区）", ordering="region__code")
    def region_name(self, obj: Inspection) -> str:
        return obj.region.name

    @display(description="状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj: Inspection):
        text = obj.get_status_display()
        if services.late_approval_pending(obj):
            text += "（待补批）"
        return obj.status, text

    @display(description="检查结论", ordering="outcome")
    def outcome_display(self, obj: Inspection) -> str:
        if not obj.outcome:
            return "—"
        if obj.outcome == InspectionOutcome.RECTIFICATION and obj.rectification_due_on:
            return f"{obj.get_outcome_display()}（{obj.rectification_due_on} 前）"
        return obj.get_outcome_display()

    @display(description="阶梯式措施建议", label=LADDER_LABELS)
    def ladder_badge(self, obj: Inspection):
        if not obj.ladder_proposal:
            return None
        return obj.ladder_proposal, obj.get_ladder_proposal_display()

    # --- urls -----------------------------------------------------------------------------

    def record_routes(self):
        return [
            ("approve/", self.approve_view, "approve"),
            ("start/", self.start_view, "start"),
            ("cancel/", self.cancel_view, "cancel"),
            ("complete/", self.complete_view, "complete"),
            ("finding/", self.finding_view, "finding"),
            ("finding/<int:finding_id>/verify/", self.verify_view, "verify"),
            ("sign/", self.sign_view, "sign"),
            ("refuse/", self.refuse_view, "refuse"),
            ("ladder/", self.ladder_view, "ladder"),
            ("evidence/", self.evidence_upload_view, "evidence"),
            ("evidence/<int:evidence_id>/", self.evidence_download_view, "evidence_download"),
        ]

    # --- the inspection page ----------------------------------------------------------------

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("enterprise", "region")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        inspection = self._record(request, object_id)
        context = self.page_context(request, inspection)
        return self._render(request, "inspection_page.html", context, record=inspection)

    def page_context(self, request, inspection: Inspection) -> dict:
        user = request.user
        roles = user_roles(user)
        can_work = user.has_perm(WORK_PERMISSION)
        steps = []
        if can_work:
            for step in services.allowed_steps(inspection, user):
                steps.append(
                    {
                        "label": step.label,
                        "url": self._url(_step_name(step), inspection),
                        "primary": step.target != S.CANCELLED,
                    }
                )
            if services.late_approval_pending(inspection) and Role.APPROVER in roles:
                steps.append(
                    {
                        "label": services.LATE_APPROVAL_LABEL,
                        "url": self._url("approve", inspection),
                        "primary": True,
                    }
                )
        in_progress = inspection.status == S.IN_PROGRESS
        open_state = inspection.status in services.OPEN
        findings = [
            {
                "finding": finding,
                "verify_url": self._url("verify", inspection, finding.pk)
                if finding.status == FindingStatus.OPEN
                and inspection.status in (S.IN_PROGRESS, S.COMPLETED)
                and user.has_perm(VERIFY_PERMISSION)
                else None,
            }
            for finding in inspection.findings.select_related(
                "violation_type", "carried_from__inspection", "verified_by"
            ).order_by("id")
        ]
        evidence = self.evidence_rows(inspection)
        signature_pending = inspection.signature == SignatureStatus.PENDING
        proposal = None
        decision = None
        if inspection.status == S.COMPLETED:
            proposal = ladder_context(
                ladder_proposal(inspection.enterprise, as_of=inspection.inspected_on)
            )
            decision = inspection.ladder_decisions.select_related("decided_by__officer").first()
        return {
            "title": f"现场检查 #{inspection.pk}：{inspection.enterprise.name}",
            "approval_pending": services.late_approval_pending(inspection),
            "officers": list(inspection.officers.order_by("name")),
            "check_ins": list(inspection.check_ins.select_related("officer")),
            "findings": findings,
            "finding_url": self._url("finding", inspection)
            if open_state and user.has_perm(FINDING_PERMISSION)
            else None,
            "evidence": evidence,
            "evidence_form": EvidenceForm()
            if inspection.status in (S.IN_PROGRESS, S.COMPLETED)
            and user.has_perm(EVIDENCE_PERMISSION)
            else None,
            "evidence_url": self._url("evidence", inspection),
            "sign_url": self._url("sign", inspection)
            if in_progress and signature_pending and can_work
            else None,
            "refuse_url": self._url("refuse", inspection)
            if in_progress and signature_pending and can_work
            else None,
            "steps": steps,
            "cases": list(inspection.penalty_cases.all()),
            "ladder": proposal,
            "stored_proposal": inspection.get_ladder_proposal_display()
            if inspection.ladder_proposal
            else "",
            "decision": decision,
            "decision_actor": person(decision.decided_by) if decision else "",
            "ladder_url": self._url("ladder", inspection)
            if proposal and decision is None and user.has_perm(LADDER_PERMISSION)
            else None,
            "follow_ups": list(inspection.follow_ups.order_by("id")),
            "history": [
                {"row": row, "actor": person(row.actor), "text": row.note}
                for row in selectors.inspection_history(inspection)
            ],
        }

    # --- steps -------------------------------------------------------------------------------

    def approve_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        late = services.late_approval_pending(inspection)
        form = NoteForm(
            posted(request),
            label="审批意见" if not late else "补批理由",
            required=late,
            help_text="紧急检查事后补批须写明理由" if late else "",
        )
        intro = (
            f"紧急事由：{inspection.emergency_reason}" if inspection.emergency else "入企检查审批"
        )
        return self._form_page(
            request,
            inspection,
            form=form,
            title=services.LATE_APPROVAL_LABEL if late else "批准入企检查",
            call=lambda data: services.inspection_approve(
                inspection=inspection, actor=request.user, note=data["note"]
            ),
            success=lambda i: "已批准入企检查" if not late else "已完成紧急检查事后补批",
            intro=intro,
        )

    def start_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        form = StartForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="开始检查",
            call=lambda data: services.inspection_start(
                inspection=inspection, actor=request.user, started_at=data["started_at"]
            ),
            success=lambda i: "检查已开始",
            intro="执法人员在企业现场扫描入企二维码也会开始检查。",
        )

    def cancel_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        form = CancelForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="取消检查",
            call=lambda data: services.inspection_cancel(
                inspection=inspection, actor=request.user, reason=data["reason"]
            ),
            success=lambda i: "检查已取消",
        )

    def complete_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        form = CompleteForm(posted(request))

        def call(data):
            violations = None
            if data["outcome"] == InspectionOutcome.CASE and data["case_facts"]:
                codes = list(
                    dict.fromkeys(
                        inspection.findings.filter(violation_type__isnull=False)
                        .order_by("id")
                        .values_list("violation_type__code", flat=True)
                    )
                )
                violations = [{"type": code, "facts": data["case_facts"]} for code in codes]
            return services.inspection_complete(
                inspection=inspection,
                actor=request.user,
                outcome=data["outcome"],
                rectification_due_on=data["rectification_due_on"],
                case_violations=violations,
                summary=data["summary"],
            )

        def success(result) -> str:
            message = f"检查已完成：{result.inspection.get_outcome_display()}"
            if result.case is not None:
                message += f"，已登记案件线索 #{result.case.pk}"
            return message + f"。阶梯式措施建议：{result.ladder.step.label}"

        open_count = inspection.findings.filter(status=FindingStatus.OPEN).count()
        return self._form_page(
            request,
            inspection,
            form=form,
            title="完成检查",
            call=call,
            success=success,
            intro=f"未整改的问题 {open_count} 个；当事人签字：{inspection.get_signature_display()}",
        )

    def finding_view(self, request, object_id):
        self._require(request, FINDING_PERMISSION)
        inspection = self._record(request, object_id)
        form = FindingForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="登记发现问题",
            call=lambda data: services.finding_add(
                inspection=inspection,
                actor=request.user,
                description=data["description"],
                severity=data["severity"],
                violation_type=data["violation_type"] or None,
                corrected_on_spot=data["corrected_on_spot"],
            ),
            success=lambda f: f"已登记问题：{f.description[:30]}",
        )

    def verify_view(self, request, object_id, finding_id: int):
        self._require(request, VERIFY_PERMISSION)
        inspection = self._record(request, object_id)
        finding = get_object_or_404(inspection.findings, pk=finding_id)
        form = VerifyForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="核实整改",
            call=lambda data: services.finding_verify_corrected(
                finding=finding,
                actor=request.user,
                corrected_on=data["corrected_on"],
                verified_by=inspection,
            ),
            success=lambda f: f"已核实整改：{f.description[:30]}",
            intro=f"{finding.get_severity_display()}：{finding.description}",
        )

    def sign_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        form = SignForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="登记当事人签字",
            call=lambda data: services.inspection_sign(
                inspection=inspection, actor=request.user, signed_by=data["signed_by"]
            ),
            success=lambda i: f"已登记签字：{i.signed_by}",
        )

    def refuse_view(self, request, object_id):
        self._require(request, WORK_PERMISSION)
        inspection = self._record(request, object_id)
        form = RefuseForm(posted(request))
        return self._form_page(
            request,
            inspection,
            form=form,
            title="登记当事人拒绝签字",
            call=lambda data: services.inspection_refuse_signature(
                inspection=inspection,
                actor=request.user,
                witness=data["witness"],
                note=data["note"],
            ),
            success=lambda i: f"已登记拒签，见证人：{i.refusal_witness}",
        )

    def ladder_view(self, request, object_id):
        self._require(request, LADDER_PERMISSION)
        inspection = self._record(request, object_id)
        proposal = ladder_proposal(inspection.enterprise, as_of=inspection.inspected_on)
        form = LadderDecisionForm(posted(request), initial={"decided": proposal.step.value})
        return self._form_page(
            request,
            inspection,
            form=form,
            title="阶梯式措施决定",
            call=lambda data: ladder_decide(
                enterprise=inspection.enterprise,
                inspection=inspection,
                decided=data["decided"],
                actor=request.user,
                note=data["note"],
                decided_on=data["decided_on"],
            ),
            success=lambda d: f"已记录阶梯式措施决定：{d.get_decided_display()}",
            intro=f"系统建议：{proposal.step.label}（{proposal.window_start} 起 "
            f"{window_months()} 个月内发现轻微问题 {proposal.minor_count} 次）",
        )

    # --- evidence ------------------------------------------------------------------------------

    def evidence_attach(self, inspection, *, uploaded_file, actor, description):
        return services.inspection_evidence_attach(
            inspection=inspection,
            uploaded_file=uploaded_file,
            actor=actor,
            description=description,
        )

    # --- requesting an inspection --------------------------------------------------------------

    def _request_form(self, request) -> InspectionRequestForm:
        field = Inspection._meta.get_field("enterprise")
        if self.admin_site.is_registered(Enterprise):
            widget = AutocompleteSelect(field, self.admin_site)
        else:
            widget = UnfoldAdminSelectWidget()
        user = request.user
        return InspectionRequestForm(
            posted(request),
            enterprises=enterprise_list(user=user),
            officers=officer_list(user=user)
            .filter(badge_number__isnull=False, user__is_active=True)
            .order_by("name"),
            offsite_records=restrict_to_regions(
                OffsiteRecord.objects.select_related("enterprise"), user
            ).order_by("-started_at")[:200],
            inspections=restrict_to_regions(
                Inspection.objects.filter(status=S.COMPLETED).select_related("enterprise"), user
            ).order_by("-inspected_on", "-id")[:200],
            enterprise_widget=widget,
            initial=request.GET.dict() if request.method == "GET" else None,
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self._request_form(request)

        def call(data):
            return services.inspection_request(
                actor=request.user,
                enterprise=data["enterprise"],
                trigger=data["trigger"],
                inspected_on=data["inspected_on"],
                officers=list(data["officers"]),
                offsite_record=data["offsite_record"],
                follow_up_of=data["follow_up_of"],
                trigger_reason=data["trigger_reason"],
                emergency=data["emergency"],
                emergency_reason=data["emergency_reason"],
            )

        done, inspection, status = run_service_form(
            request, form, call, invalid_status=self.invalid_form_status
        )
        if done:
            self.log_addition(request, inspection, [{"added": {}}])
            self.message_user(
                request,
                f"已提交入企检查申请（{inspection.enterprise.name}）",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(self._url("change", inspection))
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        context = {
            "title": "申请现场检查（入企审批）",
            "form": form,
            "submit_label": "提交申请",
            "intro": "经负责人批准后入企检查；紧急检查可先行检查，事后补批。",
            "media": self.media + form.media,
            "back_url": reverse(f"{self.admin_site.name}:{info}_changelist"),
        }
        return self._render(request, "form_page.html", context, status=status)


# --- findings and ladder decisions: read-only lists ----------------------------------------------


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """发现问题, across inspections; changed only from the inspection page."""

    region_field = "inspection__region"
    list_display = [
        "description_short",
        "enterprise_name",
        "severity",
        "status_badge",
        "found_on",
        "corrected_on",
        "inspection_link",
    ]
    list_select_related = ["enterprise", "inspection", "violation_type"]
    list_filter = [
        ("severity", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        ("corrected_on_spot", BooleanRadioFilter),
    ]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["description"]
    list_per_page = 50
    show_full_result_count = False
    actions = None

    @display(description="问题描述")
    def description_short(self, obj: Finding) -> str:
        text = obj.description
        return text if len(text) <= 40 else f"{text[:40]}…"

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: Finding) -> str:
        return obj.enterprise.name

    @display(
        description="整改状态",
        ordering="status",
        label={FindingStatus.OPEN: "warning", FindingStatus.CORRECTED: "success"},
    )
    def status_badge(self, obj: Finding):
        return obj.status, obj.get_status_display()

    @display(description="现场检查")
    def inspection_link(self, obj: Finding):
        url = reverse("admin:cases_inspection_change", args=[obj.inspection_id])
        return format_html(
            '<a class="text-primary-600 underline" href="{}">#{}</a>', url, obj.inspection_id
        )


@admin.register(LadderDecision)
class LadderDecisionAdmin(ReadOnlyAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """阶梯式措施决定: what was proposed and what was decided; recorded from an
    inspection page or the enterprise's ladder page, never edited."""

    region_field = "enterprise__region"
    list_display = [
        "enterprise_name",
        "decided_on",
        "minor_findings",
        "proposed",
        "decided_badge",
        "decided_by_name",
    ]
    list_select_related = ["enterprise", "decided_by__officer"]
    list_filter = [("decided", ChoicesDropdownFilter), ("proposed", ChoicesDropdownFilter)]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["enterprise__name"]
    list_per_page = 50
    show_full_result_count = False
    actions = None

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: LadderDecision) -> str:
        return obj.enterprise.name

    @display(description="决定措施", ordering="decided", label=LADDER_LABELS)
    def decided_badge(self, obj: LadderDecision):
        return obj.decided, obj.get_decided_display()

    @display(description="决定人")
    def decided_by_name(self, obj: LadderDecision) -> str:
        return person(obj.decided_by)

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        ladder = path(
            "enterprise/<int:enterprise_id>/",
            self.admin_site.admin_view(self.enterprise_ladder_view),
            name=f"{info}_enterprise",
        )
        return [ladder, *super().get_urls()]

    def enterprise_ladder_view(self, request, enterprise_id: int):
        """The ladder of one enterprise: the proposal today, the decisions, and a
        decision form (一次帮扶、两次督导、三次严惩)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        enterprise = enterprise_list(user=request.user).filter(pk=enterprise_id).first()
        if enterprise is None:
            raise Http404("企业不存在或不在您的管辖范围内")
        proposal = ladder_proposal(enterprise)
        may_decide = request.user.has_perm(LADDER_PERMISSION)
        form = LadderDecisionForm(
            posted(request) if may_decide else None,
            initial={"decided": proposal.step.value},
        )
        if request.method == "POST" and not may_decide:
            raise PermissionDenied

        def call(data):
            return ladder_decide(
                enterprise=enterprise,
                decided=data["decided"],
                actor=request.user,
                note=data["note"],
                decided_on=data["decided_on"],
            )

        done, decision, status = run_service_form(request, form, call, invalid_status=400)
        if done:
            self.message_user(
                request,
                f"已记录阶梯式措施决定：{decision.get_decided_display()}",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(request.path)
        findings = (
            Finding.objects.filter(
                enterprise=enterprise,
                carried_from__isnull=True,
                found_on__gte=proposal.window_start,
                inspection__status=S.COMPLETED,
            )
            .select_related("inspection", "violation_type")
            .order_by("-found_on", "-id")
        )
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"阶梯式措施：{enterprise.name}",
            "enterprise": enterprise,
            "ladder": ladder_context(proposal),
            "today": timezone.localdate(),
            "findings": findings[:100],
            "open_findings": selectors.open_findings(enterprise=enterprise)[:100],
            "decisions": enterprise.ladder_decisions.select_related("decided_by__officer")[:50],
            "form": form if may_decide else None,
            "media": self.media + form.media,
            "is_fullwidth": "0",
            "qr_url": reverse("enterprise_checkin_qr", args=[enterprise.pk]),
            "inspections_url": reverse("admin:cases_inspection_changelist")
            + f"?q={enterprise.uscc}",
        }
        return TemplateResponse(
            request, f"{TEMPLATES}/enterprise_ladder.html", context, status=status
        )
