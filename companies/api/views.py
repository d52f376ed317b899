from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from companies import imports, selectors, services
from companies.api.serializers import (
    EnterpriseImportRequestSerializer,
    EnterpriseImportResultSerializer,
    EnterpriseSerializer,
    ImportErrorResponseSerializer,
    ImportRowErrorSerializer,
    IndustrySerializer,
    PositiveListChangeSerializer,
)
from companies.filters import EnterpriseFilter
from companies.models import Industry


class IndustryViewSet(viewsets.ReadOnlyModelViewSet):
    """国民经济行业分类 (GB/T 4754-2017), addressed by code."""

    queryset = Industry.objects.all()
    serializer_class = IndustrySerializer
    lookup_field = "code"
    filterset_fields = ["parent"]


class CanImportEnterprises(permissions.BasePermission):
    """Importing is its own right (``companies.add_enterpriseimport``, accounts/roles.py)."""

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and request.user.has_perm("companies.add_enterpriseimport")
        )


class EnterpriseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """企业. Only enterprises in the caller's regions exist for the caller (404 otherwise).

    Enterprises are never deleted: one that stopped operating is set to
    ``status=closed`` and keeps its history.
    """

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter

    def get_queryset(self):
        return selectors.enterprise_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(user=request.user, **serializer.validated_data)
        return Response(self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        enterprise = self.get_object()
        serializer = self.get_serializer(enterprise, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            user=request.user, enterprise=enterprise, **serializer.validated_data
        )
        return Response(self.get_serializer(enterprise).data)

    @extend_schema(request=PositiveListChangeSerializer, responses=EnterpriseSerializer)
    @action(detail=True, methods=["post"], url_path="positive-list-add")
    def positive_list_add(self, request, pk=None):
        """纳入正面清单 with a date (default today) and a reason."""
        enterprise = self.get_object()
        serializer = PositiveListChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.positive_list_add(
            user=request.user,
            enterprise=enterprise,
            reason=serializer.validated_data["reason"],
            added_on=serializer.validated_data.get("on"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=enterprise.pk)).data)

    @extend_schema(request=PositiveListChangeSerializer, responses=EnterpriseSerializer)
    @action(detail=True, methods=["post"], url_path="positive-list-remove")
    def positive_list_remove(self, request, pk=None):
        """移出正面清单 with a date (default today) and a reason."""
        enterprise = self.get_object()
        serializer = PositiveListChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.positive_list_remove(
            user=request.user,
            enterprise=enterprise,
            reason=serializer.validated_data["reason"],
            removed_on=serializer.validated_data.get("on"),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=enterprise.pk)).data)

    @extend_schema(
        summary="批量导入企业（CSV / XLSX）",
        description=(
            "multipart/form-data 上传 `file`（CSV 或 XLSX，第 1 行为表头，中文列名或 API "
            "字段名均可）和可选的 `partial`。按统一社会信用代码新增或更新企业，重复导入同一"
            "文件不会新增企业。默认整文件校验：任何一行有错则不写入任何数据，答 400，"
            "`errors` 逐行列出（`row` 为表格行号，表头为第 1 行；`column` 为文件中的列名）。"
            "`partial=true` 时导入无误的行，答 200，跳过的行列在 `errors` 中。文件类型不支持、"
            "无法读取或缺少必填列时答 400，`field` 为 `file`，`code` 为 "
            "`unsupported_file_type`、`unreadable_file`、`missing_column` 等。"
        ),
        request={"multipart/form-data": EnterpriseImportRequestSerializer},
        responses={
            200: EnterpriseImportResultSerializer,
            400: OpenApiResponse(
                ImportErrorResponseSerializer, description="文件或数据行未通过校验，未写入任何数据"
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
        permission_classes=[CanImportEnterprises],
    )
    def import_file(self, request):
        """批量导入企业: the same service as the admin upload and the command, run at once."""
        serializer = EnterpriseImportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = imports.import_enterprises(
                file=serializer.validated_data["file"],
                user=request.user,
                partial=serializer.validated_data["partial"],
            )
        except imports.ImportFileError as exc:
            return self._import_refused([exc.report_item()])
        if result.refused:
            return self._import_refused(result.errors)
        return Response(EnterpriseImportResultSerializer(result.as_dict()).data)

    @staticmethod
    def _import_refused(items: list[dict]) -> Response:
        # API.md's error format, each item with the row and column it is about.
        errors = ImportRowErrorSerializer(items, many=True).data
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
