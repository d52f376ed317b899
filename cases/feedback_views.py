"""The enterprise's feedback pages (服务评价、监督投诉), without login, phone-size.

- ``/feedback/<token>/``: the one-time link handed over at the end of a visit
  or an inspection. GET shows who served the enterprise and when, and a form:
  rate the service 1–5 with a comment, or complain about the officers'
  conduct. POST submits once (``cases.feedback_services.feedback_submit``)
  and redirects to the thank-you page.
- ``/feedback/thanks/``: the thank-you page.

An unknown token answers a Chinese page with 404, a used, expired or revoked
link one with 409; more requests than the rate limits allow (per address and
per link, ``cases.feedback_ratelimit``) one with 429. Nothing is loaded from
outside the site.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cases import feedback_services as services
from cases.feedback_choices import FeedbackKind
from cases.feedback_ratelimit import feedback_rate_ok, retry_after
from ecoenforce.errors import DomainError

TEMPLATES = "cases/feedback"

RATING_CHOICES = [
    ("5", "★★★★★ 非常满意"),
    ("4", "★★★★ 满意"),
    ("3", "★★★ 一般"),
    ("2", "★★ 不满意"),
    ("1", "★ 非常不满意"),
]


class FeedbackForm(forms.Form):
    """Types only; what is required for which kind is the service's rule."""

    kind = forms.ChoiceField(
        label="您要",
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        initial=FeedbackKind.RATING,
        error_messages={"required": "请选择“服务评价”或“监督投诉”"},
    )
    rating = forms.ChoiceField(
        label="评分", choices=RATING_CHOICES, widget=forms.RadioSelect, required=False
    )
    comment = forms.CharField(
        label="评价意见（选填）",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
    )
    complaint_text = forms.CharField(
        label="投诉内容",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=services.COMMENT_MAX_LENGTH,
    )
    subject_officers = forms.MultipleChoiceField(
        label="被投诉人员（选填）", widget=forms.CheckboxSelectMultiple, required=False
    )
    contact = forms.CharField(label="联系方式（选填）", required=False, max_length=100)

    def __init__(self, *args, officers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["subject_officers"].choices = [
            (str(officer.pk), _officer_text(officer)) for officer in officers
        ]

    def add_domain_error(self, error: DomainError) -> None:
        name = error.field if error.field in self.fields else None
        self.add_error(name, error.message)


def _officer_text(officer) -> str:
    badge = f"（执法证号 {officer.badge_number}）" if officer.badge_number else ""
    return f"{officer.name}{badge}"


def _page(request, template: str, context: dict, status: int = 200) -> TemplateResponse:
    return TemplateResponse(request, f"{TEMPLATES}/{template}", context, status=status)


def _error(request, title: str, error: DomainError) -> TemplateResponse:
    return _page(
        request,
        "error.html",
        {"title": title, "message": error.message, "code": error.code},
        status=error.status,
    )


def too_many(request) -> TemplateResponse:
    response = _page(
        request,
        "error.html",
        {
            "title": "请求过于频繁",
            "message": "您的操作过于频繁，请稍后再试。",
            "code": "rate_limited",
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after())
    return response


ERROR_TITLES = {
    "link_invalid": "链接无效",
    "link_used": "链接已使用",
    "link_expired": "链接已过期",
    "link_revoked": "链接已作废",
    "already_rated": "本次服务已评价",
}


@never_cache
@require_http_methods(["GET", "POST"])
def feedback_page(request, token: str):
    """The one-time link: the form, and its single submission."""
    if not feedback_rate_ok(request, token):
        return too_many(request)
    try:
        link = services.feedback_link_get(token)
        services.ensure_usable(link)
    except DomainError as exc:
        return _error(request, ERROR_TITLES.get(exc.code, "链接无法使用"), exc)
    officers = list(link.officers.all())
    form = FeedbackForm(request.POST or None, officers=officers)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback = services.feedback_submit(
                    raw_token=token,
                    kind=data["kind"],
                    rating=data.get("rating") or None,
                    comment=data.get("comment", ""),
                    complaint_text=data.get("complaint_text", ""),
                    subject_officers=data.get("subject_officers") or [],
                    contact=data.get("contact", ""),
                )
            except (services.FeedbackLinkInvalid, services.FeedbackLinkUnusable) as exc:
                return _error(request, ERROR_TITLES.get(exc.code, "链接无法使用"), exc)
            except DomainError as exc:
                form.add_domain_error(exc)
                status = exc.status
            else:
                return redirect(f"{_thanks_path()}?kind={feedback.kind}")
        else:
            status = 400
    context = {
        "title": "服务评价与监督投诉",
        "link": link,
        "enterprise": link.enterprise,
        "subject": link.subject_text,
        "officers": [_officer_text(officer) for officer in officers],
        "form": form,
        "rating_choices": RATING_CHOICES,
        "selected_kind": form["kind"].value() or FeedbackKind.RATING,
    }
    return _page(request, "form.html", context, status=status)


def _thanks_path() -> str:
    return reverse("feedback-thanks")


@require_GET
def feedback_thanks(request):
    complaint = request.GET.get("kind") == FeedbackKind.COMPLAINT
    return _page(request, "thanks.html", {"title": "提交成功", "complaint": complaint})
