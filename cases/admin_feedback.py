"""The admin door to service evaluation and complaints (服务评价、监督投诉).

- 服务评价与投诉: the feedback of the user's regions (an inspector sees only the
  ratings of their own visits and inspections, cases.feedback_services), the
  complaints queue first (待受理, then 办理中), filters by kind, status,
  region and date. A complaint's page shows its history and the steps the
  user may take — 受理, 答复, 办结 — each a small form that calls one service
  and shows its refusal on the form. Nothing is edited directly or deleted.
- 评价链接: a read-only list of the links issued (their tokens are never
  stored), and ``issue/?visit=<id>`` or ``?inspection=<id>``: issue a link for
  a visit or an inspection and show it with its QR code to hand to the
  enterprise (re-issuing revokes the unused one).

Registered here and imported by ``cases/admin.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display
from unfold.widgets import UnfoldAdminSingleDateWidget, UnfoldAdminTextareaWidget

from accounts.admin_scope import RegionScopedAdminMixin
from cases import feedback_selectors as selectors
from cases import feedback_services as services
from cases.admin_pages import ReadOnlyAdminMixin, person, run_service_form
from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.models import Feedback, FeedbackLink, Inspection
from companies.admin import RegionFilter
from companies.models import Visit
from ecoenforce.errors import DomainError

TEMPLATES = "admin/cases/feedback"
STATUS_LABELS = {
    ComplaintStatus.NEW: "danger",
    ComplaintStatus.HANDLING: "warning",
    ComplaintStatus.CLOSED: "success",
}
LINK_STATE_VARIANTS = {"open": "info", "used": "success", "expired": "", "revoked": ""}
HANDLE_PERMISSION = "cases.change_feedback"
ISSUE_PERMISSION = "cases.add_feedbacklink"


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明（选填）", required=False, widget=UnfoldAdminTextareaWidget(attrs={"rows": 3})
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label="答复内容",
        max_length=services.REPLY_MAX_LENGTH,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 6}),
        error_messages={"required": "请填写答复内容"},
    )
    replied_on = forms.DateField(
        label="答复日期", required=False, widget=UnfoldAdminSingleDateWidget, help_text="默认今天"
    )


class CloseForm(NoteForm):
    closed_on = forms.DateField(
        label="办结日期", required=False, widget=UnfoldAdminSingleDateWidget, help_text="默认今天"
    )


def _stars(rating: int | None) -> str:
    if not rating:
        return ""
    return "★" * rating + "☆" * (5 - rating)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """服务评价与投诉: read-only; complaints move through their steps only."""

    list_display = [
        "submitted_on",
        "enterprise_name",
        "kind_badge",
        "rating_stars",
        "status_badge",
        "subject_text",
        "handler_name",
    ]
    list_display_links = ["submitted_on", "enterprise_name"]
    list_filter = [
        ("kind", ChoicesDropdownFilter),
        ("status", ChoicesDropdownFilter),
        RegionFilter,
        ("submitted_on", RangeDateFilter),
    ]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["enterprise__name", "comment"]
    list_per_page = 50
    show_full_result_count = False
    actions = None
    change_form_template = f"{TEMPLATES}/change_form.html"
    fieldsets = [
        (None, {"fields": ["kind", "enterprise", "region", "subject_display", "officers_display"]}),
        ("评价或投诉", {"fields": ["rating_display", "comment", "subject_officers_display"]}),
        ("提交", {"fields": ["contact", "submitted_on", "submitted_at"]}),
        (
            "投诉办理",
            {
                "fields": [
                    "status",
                    "handler_display",
                    "taken_on",
                    "reply",
                    "replied_on",
                    "closed_on",
                    "history_display",
                ]
            },
        ),
    ]
    readonly_fields = [
        "kind",
        "enterprise",
        "region",
        "subject_display",
        "officers_display",
        "rating_display",
        "comment",
        "subject_officers_display",
        "contact",
        "submitted_on",
        "submitted_at",
        "status",
        "handler_display",
        "taken_on",
        "reply",
        "replied_on",
        "closed_on",
        "history_display",
    ]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .select_related("enterprise", "region", "visit", "inspection", "handler__officer")
        )
        visible = services.feedback_visibility(request.user)
        if visible is not None:
            queryset = queryset.filter(visible)
        return queryset

    def get_ordering(self, request):
        # The complaints queue: waiting, then being handled, then the rest, newest first.
        return [selectors.queue_order().asc(), "-submitted_at", "-id"]

    # --- columns ------------------------------------------------------------------------

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: Feedback) -> str:
        return obj.enterprise.name

    @display(
        description="类型",
        ordering="kind",
        label={FeedbackKind.RATING: "info", FeedbackKind.COMPLAINT: "danger"},
    )
    def kind_badge(self, obj: Feedback):
        return obj.kind, obj.get_kind_display()

    @display(description="评分", ordering="rating")
    def rating_stars(self, obj: Feedback) -> str:
        return _stars(obj.rating)

    @display(description="办理状态", ordering="status", label=STATUS_LABELS)
    def status_badge(self, obj: Feedback):
        if not obj.status:
            return "", "—"
        return obj.status, obj.get_status_display()

    @display(description="服务")
    def subject_text(self, obj: Feedback) -> str:
        if obj.visit_id:
            return f"走访 {obj.visit.visited_on}"
        return f"现场检查 {obj.inspection.inspected_on}"

    @display(description="办理人")
    def handler_name(self, obj: Feedback) -> str:
        return person(obj.handler) if obj.handler_id else ""

    # --- the page -------------------------------------------------------------------------

    @display(description="服务")
    def subject_display(self, obj: Feedback):
        if obj.visit_id:
            url = reverse("admin:companies_visit_change", args=[obj.visit_id])
            text = f"走访（{obj.visit.visited_on}）"
        else:
            url = reverse("admin:cases_inspection_change", args=[obj.inspection_id])
            text = f"现场检查（{obj.inspection.inspected_on}）"
        return format_html('<a class="text-primary-600 underline" href="{}">{}</a>', url, text)

    @display(description="执法人员")
    def officers_display(self, obj: Feedback) -> str:
        return "、".join(officer.name for officer in obj.link.officers.all()) or "—"

    @display(description="评分")
    def rating_display(self, obj: Feedback) -> str:
        return f"{_stars(obj.rating)}（{obj.rating} 星）" if obj.rating else "—"

    @display(description="被投诉人员")
    def subject_officers_display(self, obj: Feedback) -> str:
        names = [officer.name for officer in obj.subject_officers.all()]
        if obj.is_complaint and not names:
            return "未指明"
        return "、".join(names) or "—"

    @display(description="办理人")
    def handler_display(self, obj: Feedback) -> str:
        return person(obj.handler) if obj.handler_id else "—"

    @display(description="办理记录")
    def history_display(self, obj: Feedback):
        steps = selectors.complaint_history(obj)
        if not obj.is_complaint or not steps:
            return "—"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} {} · {}{}</li>",
                (
                    (
                        step.on,
                        step.label,
                        person(step.actor) if step.actor_id else "企业",
                        f"：{step.note}" if step.note else "",
                    )
                    for step in steps
                ),
            ),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        moves = []
        if obj is not None and request.user.has_perm(HANDLE_PERMISSION):
            moves = [
                {"label": move.label, "url": self._url(move.name, obj)}
                for move in services.allowed_complaint_moves(obj, request.user)
            ]
        extra = {**(extra_context or {}), "complaint_moves": moves}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    # --- complaint steps ------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        routes = [
            ("take/", self.take_view, "take"),
            ("reply/", self.reply_view, "reply"),
            ("close/", self.close_view, "close"),
        ]
        return [
            path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(view),
                name=f"{info}_{name}",
            )
            for route, view, name in routes
        ] + super().get_urls()

    def _url(self, name: str, obj: Feedback) -> str:
        return reverse(f"{self.admin_site.name}:cases_feedback_{name}", args=[obj.pk])

    def _complaint(self, request, object_id) -> Feedback:
        if not request.user.has_perm(HANDLE_PERMISSION):
            raise PermissionDenied
        # Supervisors act on every complaint of their regions.
        obj = self.scope_queryset(request, Feedback.objects.all()).filter(pk=object_id).first()
        if obj is None:
            raise Http404("记录不存在或不在您的管辖范围内")
        return obj

    def _step(self, request, object_id, *, form_class, title: str, call, submit_label: str):
        feedback = self._complaint(request, unquote(object_id))
        form = form_class(request.POST if request.method == "POST" else None)
        done, _result, status = run_service_form(
            request, form, lambda data: call(feedback, data), invalid_status=400
        )
        if done:
            self.message_user(request, f"已{title}", messages.SUCCESS)
            return HttpResponseRedirect(self._url("change", feedback))
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": feedback,
            "feedback": feedback,
            "title": f"{title}投诉",
            "form": form,
            "submit_label": submit_label,
            "back_url": self._url("change", feedback),
            "media": self.media + form.media,
        }
        return TemplateResponse(request, f"{TEMPLATES}/form_page.html", context, status=status)

    def take_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=NoteForm,
            title="受理",
            submit_label="受理",
            call=lambda feedback, data: services.complaint_take(
                feedback=feedback, actor=request.user, note=data.get("note", "")
            ),
        )

    def reply_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=ReplyForm,
            title="答复",
            submit_label="保存答复",
            call=lambda feedback, data: services.complaint_reply(
                feedback=feedback,
                actor=request.user,
                reply=data["reply"],
                replied_on=data.get("replied_on"),
            ),
        )

    def close_view(self, request, object_id):
        return self._step(
            request,
            object_id,
            form_class=CloseForm,
            title="办结",
            submit_label="办结",
            call=lambda feedback, data: services.complaint_close(
                feedback=feedback,
                actor=request.user,
                note=data.get("note", ""),
                closed_on=data.get("closed_on"),
            ),
        )


class LinkStateFilter(admin.SimpleListFilter):
    title = "状态"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return list(services.LINK_STATE_LABELS.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        value = self.value()
        unused = {"used_at__isnull": True, "revoked_at__isnull": True}
        if value == "used":
            return queryset.filter(used_at__isnull=False)
        if value == "revoked":
            return queryset.filter(used_at__isnull=True, revoked_at__isnull=False)
        if value == "expired":
            return queryset.filter(**unused, expires_at__lte=now)
        if value == "open":
            return queryset.filter(**unused, expires_at__gt=now)
        return queryset


@admin.register(FeedbackLink)
class FeedbackLinkAdmin(ReadOnlyAdminMixin, RegionScopedAdminMixin, ModelAdmin):
    """评价链接: the links issued, read-only; ``issue/`` issues one."""

    list_display = [
        "created_at",
        "enterprise_name",
        "subject",
        "created_by_name",
        "expires_at",
        "state_badge",
    ]
    list_select_related = ["enterprise", "visit", "inspection", "created_by__officer"]
    list_filter = [LinkStateFilter, RegionFilter]
    list_filter_submit = True
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["enterprise__name"]
    list_per_page = 50
    show_full_result_count = False
    actions = None
    exclude = ["token_hash"]
    readonly_fields = [
        "enterprise",
        "region",
        "visit",
        "inspection",
        "officers",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
    ]

    @display(description="企业", ordering="enterprise__name")
    def enterprise_name(self, obj: FeedbackLink) -> str:
        return obj.enterprise.name

    @display(description="服务")
    def subject(self, obj: FeedbackLink) -> str:
        return obj.subject_text

    @display(description="生成人")
    def created_by_name(self, obj: FeedbackLink) -> str:
        return person(obj.created_by)

    @display(description="状态", label=LINK_STATE_VARIANTS)
    def state_badge(self, obj: FeedbackLink):
        state = services.link_state(obj)
        return state, services.LINK_STATE_LABELS[state]

    def get_urls(self):
        issue = path(
            "issue/",
            self.admin_site.admin_view(self.issue_view),
            name="cases_feedbacklink_issue",
        )
        return [issue, *super().get_urls()]

    def issue_view(self, request):
        """GET: which visit or inspection; POST: issue the link and show it with its QR code."""
        if not request.user.has_perm(ISSUE_PERMISSION):
            raise PermissionDenied
        source = request.POST if request.method == "POST" else request.GET
        visit = inspection = None
        try:
            if source.get("visit"):
                visit = Visit.objects.select_related("enterprise").get(pk=int(source["visit"]))
            elif source.get("inspection"):
                inspection = Inspection.objects.select_related("enterprise").get(
                    pk=int(source["inspection"])
                )
        except (ValueError, Visit.DoesNotExist, Inspection.DoesNotExist):
            raise Http404("记录不存在或不在您的管辖范围内") from None
        record = visit or inspection
        if record is None:
            raise Http404("请从走访或现场检查页面生成评价链接")
        scoped = self.scope_queryset(request, type(record).objects.filter(pk=record.pk))
        if not scoped.exists():
            raise Http404("记录不存在或不在您的管辖范围内")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "生成服务评价链接",
            "record": record,
            "subject": f"走访（{visit.visited_on}）"
            if visit
            else f"现场检查（{inspection.inspected_on}）",
            "field": "visit" if visit else "inspection",
            "error": "",
        }
        status = 200
        if request.method == "POST":
            try:
                link, _token, url = services.feedback_link_create(
                    actor=request.user, visit=visit, inspection=inspection, request=request
                )
            except DomainError as exc:
                context["error"], status = exc.message, exc.status
            else:
                context.update(
                    link=link, url=url, qr_svg=services.feedback_qr_svg(url), title="服务评价链接"
                )
        request.current_app = self.admin_site.name
        return TemplateResponse(request, f"{TEMPLATES}/issue.html", context, status=status)
