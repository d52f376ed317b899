"""The enterprise file page (一企一档), ``/enterprise-file/<id>/``: staff only,
the enterprise in the user's regions (404 otherwise).

One page: the registry data and positive-list status, the escalation
ladder's proposal (cases.ladder), the 12-quarter compliance strip (each
quarter links to the timeline of that quarter), the timeline with kind and
period filters and paging (cases.enterprise_file), and the enterprise's
printable check-in QR code (cases.checkin) with a print button. The
enterprise's admin page links here by URL name. Nothing is loaded from
outside the site.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cases import checkin, enterprise_file
from cases.ladder import ladder_proposal, window_months
from companies.models import PositiveListEntry
from companies.selectors import enterprise_list

LADDER_COLOURS = {"none": "ok", "assistance": "info", "supervision": "warn", "penalty": "bad"}


class TimelineFilterForm(forms.Form):
    kind = forms.MultipleChoiceField(
        label="记录类型",
        choices=list(enterprise_file.TIMELINE_KINDS.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    start = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", "截止日期不能早于起始日期")
        return data


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "", [])}, doseq=True)


@never_cache
@staff_member_required
@require_GET
def enterprise_file_page(request, pk: int):
    user = request.user
    if not user.has_perm("companies.view_enterprise"):
        raise PermissionDenied
    enterprise = enterprise_list(user=user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404("企业不存在或不在您的管辖范围内")
    form = TimelineFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    timeline = enterprise_file.enterprise_timeline(
        enterprise=enterprise,
        user=user,
        kinds=filters.get("kind") or None,
        start=filters.get("start"),
        end=filters.get("end"),
        page=filters.get("page") or 1,
        page_size=50,
    )
    base = reverse("enterprise-file", kwargs={"pk": enterprise.pk})
    kept = {
        "kind": filters.get("kind") or [],
        "start": filters.get("start"),
        "end": filters.get("end"),
    }
    strip = enterprise_file.compliance_strip(enterprise=enterprise)
    for cell in strip:
        cell.url = f"{base}?{_query({'start': cell.start, 'end': cell.end})}#timeline"
    proposal = ladder_proposal(enterprise)
    code = checkin.checkin_code_current(enterprise)
    open_entry = (
        PositiveListEntry.objects.filter(enterprise=enterprise, removed_on__isnull=True)
        .order_by("-added_on")
        .first()
    )
    may_issue_links = user.has_perm("cases.add_feedbacklink")
    rows = []
    for entry in timeline.entries:
        issue = None
        if may_issue_links and entry.kind in ("visit", "inspection"):
            issue = (
                reverse("admin:cases_feedbacklink_issue")
                + "?"
                + _query({entry.kind: entry.record_id})
            )
        rows.append({"entry": entry, "issue_link": issue})
    context = {
        "title": f"一企一档：{enterprise.name}",
        "enterprise": enterprise,
        "open_entry": open_entry,
        "admin_url": reverse("admin:companies_enterprise_change", args=[enterprise.pk]),
        "ladder": proposal,
        "ladder_colour": LADDER_COLOURS.get(proposal.step, "ok"),
        "ladder_months": window_months(),
        "strip": strip,
        "strip_labels": enterprise_file.STRIP_STATUS_LABELS,
        "form": form,
        "kinds": enterprise_file.TIMELINE_KINDS,
        "selected_kinds": set(filters.get("kind") or []),
        "timeline": timeline,
        "rows": rows,
        "previous_url": f"{base}?{_query({**kept, 'page': timeline.page - 1})}#timeline"
        if timeline.has_previous
        else None,
        "next_url": f"{base}?{_query({**kept, 'page': timeline.page + 1})}#timeline"
        if timeline.has_next
        else None,
        "filtered": any(kept.values()),
        "base_url": base,
        "qr_svg": checkin.checkin_qr_svg(enterprise, request=request, code=code),
        "qr_code": code,
        "qr_valid_until": checkin.code_valid_until(code),
        "qr_page": reverse("enterprise_checkin_qr", kwargs={"pk": enterprise.pk}),
    }
    return TemplateResponse(request, "cases/enterprise_file/page.html", context)
