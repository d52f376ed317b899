"""Pages of the check-in codes (扫码入企), outside the admin:

- ``/checkin/<token>/``: what an officer's phone opens on scanning the code at
  an enterprise's gate. Login required; the officer picks their inspection of
  that enterprise today and checks in, with the phone's position when the
  browser gives it. A forged, expired or revoked code gets a Chinese error
  page (400).
- ``/enterprises/<id>/qr/``: the printable code of an enterprise (staff, in
  scope), with a button to re-issue it, which revokes the printed ones;
  ``/enterprises/<id>/qr.svg`` is the code alone.

Both are thin doors into cases.checkin and cases.inspection_services.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.selectors import officer_of
from cases import checkin
from cases.inspection_services import checkin_candidates, inspection_check_in
from companies.models import Enterprise
from companies.selectors import enterprise_list
from ecoenforce.errors import DomainError

REISSUE_PERMISSION = "cases.change_checkincode"


class CheckInForm(forms.Form):
    inspection = forms.ModelChoiceField(
        queryset=None,
        label="本次检查",
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "请选择本次检查", "invalid_choice": "请选择您的检查任务"},
    )
    latitude = forms.DecimalField(required=False, widget=forms.HiddenInput)
    longitude = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["inspection"]
        field.queryset = inspections
        field.label_from_instance = lambda i: (
            f"{i.inspected_on} {i.get_trigger_display()}（{i.get_status_display()}）"
        )
        if len(inspections) == 1:
            field.initial = inspections[0].pk


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def checkin_page(request, token: str):
    """The phone page behind an enterprise's code."""
    try:
        enterprise = checkin.checkin_code_verify(token)
    except checkin.CheckInCodeInvalid as exc:
        return TemplateResponse(
            request,
            "cases/checkin/error.html",
            {"title": "二维码无效", "message": exc.message, "code": exc.code},
            status=exc.status,
        )
    officer = officer_of(request.user)
    today = timezone.localdate()
    inspections = (
        checkin_candidates(enterprise=enterprise, officer=officer, on=today)
        if officer is not None
        else enterprise.inspections.none()
    )
    form = CheckInForm(request.POST or None, inspections=inspections)
    status, done = 200, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = inspection_check_in(
                token=token,
                officer_user=request.user,
                latitude=data.get("latitude"),
                longitude=data.get("longitude"),
                inspection=data["inspection"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = exc.status
    elif request.method == "POST":
        status = 400
    context = {
        "title": "扫码入企",
        "enterprise": enterprise,
        "today": today,
        "form": form,
        "has_inspections": inspections.exists(),
        "done": done,
        "officer": officer,
    }
    return TemplateResponse(request, "cases/checkin/page.html", context, status=status)


def _enterprise_in_scope(request, pk: int) -> Enterprise:
    if not request.user.has_perm("companies.view_enterprise"):
        raise PermissionDenied
    enterprise = enterprise_list(user=request.user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404("企业不存在或不在您的管辖范围内")
    return enterprise


@never_cache
@staff_member_required
@require_http_methods(["GET", "POST"])
def enterprise_qr(request, pk: int):
    """The enterprise's printable check-in code; POST re-issues it."""
    enterprise = _enterprise_in_scope(request, pk)
    error = ""
    may_reissue = request.user.has_perm(REISSUE_PERMISSION)
    status = 200
    if request.method == "POST":
        if not may_reissue:
            raise PermissionDenied
        try:
            checkin.checkin_code_reissue(
                enterprise=enterprise, actor=request.user, reason=request.POST.get("reason", "")
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect("enterprise_checkin_qr", pk=enterprise.pk)
    code = checkin.checkin_code_current(enterprise)
    context = {
        "title": f"入企二维码：{enterprise.name}",
        "enterprise": enterprise,
        "code": code,
        "valid_until": checkin.code_valid_until(code),
        "url": checkin.checkin_url(enterprise, request=request, code=code),
        "svg": checkin.checkin_qr_svg(enterprise, request=request, code=code),
        "may_reissue": may_reissue,
        "error": error,
    }
    return TemplateResponse(request, "cases/checkin/qr.html", context, status=status)


@never_cache
@staff_member_required
def enterprise_qr_svg(request, pk: int):
    """The code alone, as an SVG file to print elsewhere."""
    enterprise = _enterprise_in_scope(request, pk)
    svg = checkin.checkin_qr_svg(enterprise, request=request, inline=False)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="checkin-{enterprise.pk}.svg"'
    return response
