"""The admin door to enterprise imports (企业导入): upload a file, watch it run, read the report.

The add form stores the upload through ``companies.imports.enterprise_import_start``,
which queues the import on Celery; the change page is read-only and polls a
small JSON view for the progress until the import has finished. Registered
here and imported by ``companies/admin.py``.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin
from unfold.decorators import display

from accounts.roles import Role
from accounts.selectors import user_roles
from companies import imports
from companies.choices import ImportStatus
from companies.models import EnterpriseImport

REQUIRED_COLUMNS = "、".join(column.label for column in imports.COLUMNS if column.required)


class EnterpriseImportUploadForm(forms.ModelForm):
    """The add form: a file and the partial-import choice, nothing else."""

    class Meta:
        model = EnterpriseImport
        fields = ["file", "partial"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].required = True
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx"
        self.fields[
            "file"
        ].help_text = (
            f"CSV（UTF-8 或 GBK 编码）或 XLSX 文件，第 1 行为表头；必填列：{REQUIRED_COLUMNS}"
        )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            imports.check_uploaded_file(upload)
        except imports.ImportFileError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None
        return upload


READ_ONLY_FIELDS = [
    "file_name",
    "status",
    "partial",
    "total_rows",
    "processed_rows",
    "created_count",
    "updated_count",
    "error_count",
    "created_by",
    "created_at",
    "finished_at",
]


@admin.register(EnterpriseImport)
class EnterpriseImportAdmin(ModelAdmin):
    """企业导入: officers see their own uploads; administrators see everyone's."""

    form = EnterpriseImportUploadForm
    list_display = [
        "file_name",
        "status_label",
        "progress_display",
        "created_count",
        "updated_count",
        "error_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "partial"]
    search_fields = ["file_name"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    change_form_outer_after_template = "admin/companies/enterpriseimport/import_report.html"

    @display(
        description="状态",
        label={
            ImportStatus.PENDING: "warning",
            ImportStatus.RUNNING: "info",
            ImportStatus.SUCCEEDED: "success",
            ImportStatus.FAILED: "danger",
        },
    )
    def status_label(self, obj: EnterpriseImport):
        return obj.status, obj.get_status_display()

    @display(description="进度")
    def progress_display(self, obj: EnterpriseImport) -> str:
        return f"{obj.progress}%"

    # --- who sees what -------------------------------------------------------------

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("created_by")
        if request.user.is_superuser or Role.ADMINISTRATOR in user_roles(request.user):
            return queryset
        return queryset.filter(created_by=request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        # An import is a record of what happened: it is read, never edited.
        return False

    # --- the upload --------------------------------------------------------------------

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            template_url = reverse("admin:companies_enterpriseimport_template")
            description = format_html(
                "按统一社会信用代码新增或更新企业；默认任何一行有错则整个文件不导入。"
                '<a href="{}" class="text-primary-600 underline">下载导入模板（CSV）</a>',
                template_url,
            )
            return [(None, {"fields": ["file", "partial"], "description": description})]
        return [(None, {"fields": READ_ONLY_FIELDS})]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The upload form on the add page; the change page shows read-only fields.
        if obj is not None:
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return READ_ONLY_FIELDS if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return
        record = imports.enterprise_import_start(
            user=request.user,
            uploaded_file=form.cleaned_data["file"],
            partial=form.cleaned_data["partial"],
        )
        # The admin goes on with ``obj`` (history entry, redirect): make it
        # stand for the record the service stored.
        obj.pk = record.pk
        obj._state.adding = False
        for name in ("file_name", "status", "created_by_id", "created_at"):
            setattr(obj, name, getattr(record, name))

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(
            request, f"已上传“{obj.file_name}”，正在导入；本页会自动显示进度。", messages.SUCCESS
        )
        return HttpResponseRedirect(
            reverse("admin:companies_enterpriseimport_change", args=[obj.pk])
        )

    # --- the change page, its progress and the template ----------------------------------

    def get_urls(self):
        return [
            path(
                "template.csv",
                self.admin_site.admin_view(self.template_view),
                name="companies_enterpriseimport_template",
            ),
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="companies_enterpriseimport_progress",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "import_progress_url": reverse(
                "admin:companies_enterpriseimport_progress", args=[object_id]
            ),
            "import_finished_statuses": [ImportStatus.SUCCEEDED, ImportStatus.FAILED],
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def progress_view(self, request, object_id):
        record = self.get_object(request, object_id)
        if record is None or not self.has_view_permission(request, record):
            raise Http404
        return JsonResponse(
            {
                "status": record.status,
                "status_label": record.get_status_display(),
                "total_rows": record.total_rows,
                "processed_rows": record.processed_rows,
                "progress": record.progress,
                "finished": record.status in imports.FINISHED,
            }
        )

    def template_view(self, request):
        if not self.has_add_permission(request):
            raise Http404
        response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.csv"'
        return response
