"""What the admin's record pages share: a case, an inspection, a non-site record.

Each of these admins shows one record on a page of its own, with a button per
step the user may take; every button opens a small form on a URL of its own
(``<object_id>/<route>``) that calls one service and shows its refusal on the
form. ``RecordPageMixin`` registers those URLs from a route table, loads the
record within the user's scope, renders the pages with the admin's context,
runs a service from a form and serves the record's evidence. What differs
between the admins is a class attribute, never a test on the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from cases.admin_case_forms import EvidenceForm, add_domain_error
from cases.services import evidence_open_verified
from companies.models import Enterprise
from companies.selectors import search_name_or_uscc
from ecoenforce.errors import ConflictError, DomainError

EVIDENCE_PERMISSION = "cases.add_evidence"


def posted(request):
    """The form data of a POST, even an empty one (a step with no required field)."""
    return request.POST if request.method == "POST" else None


def person(user) -> str:
    """An officer's name, else the login; for history rows (``actor__officer`` joined)."""
    if user is None:
        return "—"
    try:
        return user.officer.name
    except Exception:  # no officer profile: an API client or a bare login
        return user.get_username()


def run_service_form(
    request,
    form,
    call: Callable[[dict], Any],
    *,
    field_map: dict | None = None,
    invalid_status: int = 200,
) -> tuple[bool, Any, int]:
    """On a POST with a valid ``form``, run ``call(cleaned_data)``.

    Returns ``(done, result, status)``: ``done`` when the service accepted,
    with its result; otherwise the status to render the form with: 200 for a
    GET, ``invalid_status`` for input the form refused, the service's own
    status (400, 403 or 409) for a refusal, shown under the field it names
    (through ``field_map``) or above the fields.
    """
    if request.method != "POST":
        return False, None, 200
    if not form.is_valid():
        return False, None, invalid_status
    try:
        result = call(form.cleaned_data)
    except DomainError as exc:
        add_domain_error(form, exc, field_map)
        return False, None, exc.status
    return True, result, 200


class EnterpriseSearchMixin:
    """The list's search: the record's own ``search_q(term)`` or its enterprise,
    found by name or unified social credit code through the registry's
    indexed search (``companies.selectors.search_name_or_uscc``)."""

    def search_q(self, term: str) -> Q:
        return Q()

    def get_search_results(self, request, queryset, search_term):
        # The mixins first (autocomplete scoping), then our own search.
        queryset, may_have_duplicates = super().get_search_results(request, queryset, "")
        term = search_term.strip()
        if term:
            enterprises = search_name_or_uscc(Enterprise.objects.all(), term)
            queryset = queryset.filter(
                self.search_q(term) | Q(enterprise__in=enterprises.values("pk"))
            )
        return queryset, may_have_duplicates


class NoDirectEditMixin:
    """Records that change through the services only: no model form, no delete."""

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdminMixin(NoDirectEditMixin):
    """Records written elsewhere (a service, the API, another page): a list to read."""

    def has_add_permission(self, request) -> bool:
        return False


class RecordPageMixin:
    """The page of one record and the small forms its buttons open.

    ``record_routes()`` lists ``(route, view, name)``; each is served at
    ``<object_id>/<route>`` under the URL name ``<app>_<model>_<name>``.
    """

    #: The folder of the admin's templates.
    templates: str = ""
    #: The record's name in the templates ("case", "inspection", "record");
    #: the change page's URL is ``<name>_url``.
    record_name: str = "record"
    #: Badge colours of the states, given to the templates as ``status_variant``;
    #: ``None`` when the page context sets it itself.
    status_labels: dict | None = None
    #: Whether an empty POST binds the forms (and so shows what is required).
    bind_empty_post: bool = False
    #: The status of a page whose form refused the input.
    invalid_form_status: int = 200
    #: The title of the evidence upload form.
    evidence_title: str = "上传证据"

    def record_routes(self) -> list[tuple[str, Callable, str]]:
        return []

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path(
                f"<path:object_id>/{route}",
                self.admin_site.admin_view(view),
                name=f"{info}_{name}",
            )
            for route, view, name in self.record_routes()
        ] + super().get_urls()

    def _url(self, name: str, record, *args) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"{self.admin_site.name}:{info}_{name}", args=[record.pk, *args])

    def _require(self, request, permission: str) -> None:
        if not request.user.has_perm(permission):
            raise PermissionDenied

    def _record(self, request, object_id):
        """The record if the user may see it; 404 outside the user's regions."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return self.get_object(request, unquote(object_id))

    def _form_data(self, request):
        return posted(request) if self.bind_empty_post else request.POST or None

    def _form_files(self, request):
        if self.bind_empty_post:
            return request.FILES if request.method == "POST" else None
        return request.FILES or None

    def _render(self, request, template: str, context: dict, *, record=None, status=200):
        request.current_app = self.admin_site.name
        page = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": record,
            self.record_name: record,
            "is_fullwidth": "0",
            **context,
        }
        if record is not None:
            page.setdefault(f"{self.record_name}_url", self._url("change", record))
            if self.status_labels is not None:
                page.setdefault("status_variant", self.status_labels.get(record.status, ""))
        return TemplateResponse(request, f"{self.templates}/{template}", page, status=status)

    def _form_page(
        self,
        request,
        record,
        *,
        form,
        title: str,
        call,
        success,
        submit_label: str = "确认",
        intro: str = "",
        multipart: bool = False,
        field_map: dict | None = None,
        template: str = "form_page.html",
        extra: dict | None = None,
    ):
        """GET shows ``form``; POST validates it and runs ``call(cleaned_data)``.

        A refusal is shown on the form (``run_service_form``); on success the
        user returns to the record's page with ``success(result)`` as the message.
        """
        done, result, status = run_service_form(
            request, form, call, field_map=field_map, invalid_status=self.invalid_form_status
        )
        if done:
            self.message_user(request, success(result), messages.SUCCESS)
            return HttpResponseRedirect(self._url("change", record))
        context = {
            "title": title,
            "form": form,
            "submit_label": submit_label,
            "intro": intro,
            "multipart": multipart,
            "media": self.media + form.media,
            **(extra or {}),
        }
        return self._render(request, template, context, record=record, status=status)

    # --- evidence ----------------------------------------------------------------------

    def evidence_attach(self, record, *, uploaded_file, actor, description):
        """Store an uploaded file as evidence of ``record`` (a service call)."""
        raise NotImplementedError

    def evidence_rows(self, record) -> list[dict]:
        return [
            {"evidence": item, "url": self._url("evidence_download", record, item.pk)}
            for item in record.evidence.select_related("uploaded_by__officer")
        ]

    def evidence_upload_view(self, request, object_id):
        self._require(request, EVIDENCE_PERMISSION)
        record = self._record(request, object_id)
        form = EvidenceForm(self._form_data(request), self._form_files(request))
        return self._form_page(
            request,
            record,
            form=form,
            title=self.evidence_title,
            call=lambda data: self.evidence_attach(
                record,
                uploaded_file=data["file"],
                actor=request.user,
                description=data["description"],
            ),
            success=lambda e: f"已上传证据“{e.original_name}”，SHA-256 {e.sha256[:12]}…",
            submit_label="上传",
            multipart=True,
        )

    def evidence_download_view(self, request, object_id, evidence_id: int):
        record = self._record(request, object_id)
        evidence = get_object_or_404(record.evidence, pk=evidence_id)
        try:
            handle = evidence_open_verified(evidence)
        except ConflictError as exc:
            message, status = exc.message, exc.status
        except FileNotFoundError:
            message, status = "证据文件已不在存储中，请联系系统管理员", 404
        else:
            return FileResponse(
                handle,
                as_attachment=True,
                filename=evidence.original_name,
                content_type=evidence.content_type,
            )
        context = {"title": "证据无法下载", "message": message, "evidence": evidence}
        return self._render(request, "error.html", context, record=record, status=status)
