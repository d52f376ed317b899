from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from companies import imports, selectors, service_visits, services
from companies.api.serializers import (
    DemandDetailSerializer,
    DemandResolveSerializer,
    DemandSerializer,
    DemandStartSerializer,
    DemandUnresolvableSerializer,
    EnterpriseImportRequestSerializer,
    EnterpriseImportResultSerializer,
    EnterpriseSerializer,
    ImportErrorResponseSerializer,
    ImportRowErrorSerializer,
    IndustrySerializer,
    PolicyCardSerializer,
    PositiveListChangeSerializer,
    SymposiumSerializer,
    VisitSerializer,
)
from companies.filters import (
    DemandFilter,
    EnterpriseFilter,
    PolicyCardFilter,
    SymposiumFilter,
    VisitFilter,
)
from companies.models import DemandTransition, Industry
from ecoenforce.api import RolePermission
from ecoenforce.errors import DomainError


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


# --- service to enterprises (走访解促) ------------------------------------------------
#
# Thin doors into companies.service_visits; lists and details come from
# companies.selectors, so a record outside the caller's regions is 404.
# Records of what happened are never deleted.


class PolicyCardViewSet(viewsets.ReadOnlyModelViewSet):
    """政策明白卡: the managed list, read-only here; administrators keep it in the admin."""

    serializer_class = PolicyCardSerializer
    filterset_class = PolicyCardFilter

    def get_queryset(self):
        return selectors.policy_card_list()


class _ServiceRecordViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _answer(self, obj, status_code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        serializer_class = self.get_serializer_class()
        return Response(
            serializer_class(obj, context=self.get_serializer_context()).data, status_code
        )

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.partial_update(request, *args, **kwargs)

    @staticmethod
    def _unchanged(data: dict, obj, name: str, label: str) -> None:
        value = data.pop(name, None)
        if value is not None and value != getattr(obj, name):
            raise DomainError(f"{label}不能修改", code="read_only", field=name)


class VisitViewSet(_ServiceRecordViewSet):
    """走访. ``visited_on`` defaults to today, ``officers`` to the caller."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter

    def get_queryset(self):
        return selectors.visit_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        visit = service_visits.visit_record(
            user=request.user,
            enterprise=data["enterprise"],
            kind=data["kind"],
            visited_on=data.get("visited_on"),
            officers=data.get("officers"),
            policy_cards=data.get("card_rows", ()),
            measures=data.get("measures", ""),
            notes=data.get("notes", ""),
        )
        return self._answer(visit, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        visit = self.get_object()
        serializer = self.get_serializer(visit, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        self._unchanged(data, visit, "enterprise", "走访企业")
        if "card_rows" in data:
            data["policy_cards"] = data.pop("card_rows")
        visit = service_visits.visit_update(user=request.user, visit=visit, **data)
        return self._answer(visit)


class DemandPermission(RolePermission):
    """The status moves need ``change_demand``, like any other change."""

    STEPS = ("start", "resolve", "unresolvable")

    def has_permission(self, request, view) -> bool:
        if getattr(view, "action", None) in self.STEPS:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perm("companies.change_demand"))
        return super().has_permission(request, view)


DEMAND_STEP_RESPONSES = {
    200: DemandDetailSerializer,
    400: OpenApiResponse(description="日期或必填内容不符合要求，未写入任何数据"),
    404: OpenApiResponse(description="诉求不存在或不在您的管辖范围内"),
    409: OpenApiResponse(description="当前状态不能办理该环节（答复中列明两个状态）"),
}


class DemandViewSet(_ServiceRecordViewSet):
    """诉求: 待办理 → 办理中 → 已解决 | 无法解决 (or straight from 待办理 to either end)."""

    filterset_class = DemandFilter
    permission_classes = [DemandPermission]

    def get_queryset(self):
        queryset = selectors.demand_list(user=self.request.user)
        if self.action not in ("list", "create"):
            history = DemandTransition.objects.select_related("actor__officer")
            queryset = queryset.prefetch_related(Prefetch("transitions", queryset=history))
        return queryset

    def get_serializer_class(self):
        return DemandSerializer if self.action in ("list", "create") else DemandDetailSerializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        demand = service_visits.demand_raise(
            user=request.user,
            enterprise=data["enterprise"],
            category=data["category"],
            description=data["description"],
            raised_on=data.get("raised_on"),
            visit=data.get("visit"),
            symposium=data.get("symposium"),
            owner=data.get("owner"),
            due_on=data.get("due_on"),
        )
        return self._answer(demand, status.HTTP_201_CREATED)

    @extend_schema(request=DemandSerializer, responses=DemandDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change an open demand's ``category``, ``description``, ``owner`` or ``due_on``."""
        demand = self.get_object()
        serializer = DemandSerializer(demand, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        self._unchanged(data, demand, "enterprise", "诉求企业")
        self._unchanged(data, demand, "visit", "提出场合")
        self._unchanged(data, demand, "symposium", "提出场合")
        self._unchanged(data, demand, "raised_on", "提出日期")
        demand = service_visits.demand_update(user=request.user, demand=demand, **data)
        return self._answer(demand)

    @extend_schema(
        summary="开始办理", request=DemandStartSerializer, responses=DEMAND_STEP_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        """待办理 → 办理中, effective ``on`` (default today)."""
        demand = self.get_object()
        serializer = DemandStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        demand = service_visits.demand_start(
            user=request.user,
            demand=demand,
            on=serializer.validated_data.get("on"),
            note=serializer.validated_data["note"],
        )
        return self._answer(demand)

    @extend_schema(
        summary="办结（已解决）", request=DemandResolveSerializer, responses=DEMAND_STEP_RESPONSES
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """→ 已解决 on ``resolved_on`` (default today) with the ``resolution`` (required)."""
        demand = self.get_object()
        serializer = DemandResolveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        demand = service_visits.demand_resolve(
            user=request.user,
            demand=demand,
            resolution=serializer.validated_data["resolution"],
            resolved_on=serializer.validated_data.get("resolved_on"),
        )
        return self._answer(demand)

    @extend_schema(
        summary="认定无法解决",
        request=DemandUnresolvableSerializer,
        responses=DEMAND_STEP_RESPONSES,
    )
    @action(detail=True, methods=["post"])
    def unresolvable(self, request, pk=None):
        """→ 无法解决 on ``on`` (default today) with the ``reason`` (required)."""
        demand = self.get_object()
        serializer = DemandUnresolvableSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        demand = service_visits.demand_mark_unresolvable(
            user=request.user,
            demand=demand,
            reason=serializer.validated_data["reason"],
            on=serializer.validated_data.get("on"),
        )
        return self._answer(demand)


class SymposiumViewSet(_ServiceRecordViewSet):
    """政企座谈会. Visible to the caller when it was held for, hosted by a unit of,
    or attended by an enterprise of the caller's regions."""

    serializer_class = SymposiumSerializer
    filterset_class = SymposiumFilter

    def get_queryset(self):
        return selectors.symposium_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        symposium = service_visits.symposium_record(
            user=request.user,
            host_unit=data.get("host_unit"),
            topic=data["topic"],
            enterprises=data["enterprises"],
            held_on=data.get("held_on"),
            region=data.get("region"),
            location=data.get("location", ""),
            notes=data.get("notes", ""),
        )
        return self._answer(symposium, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        symposium = self.get_object()
        serializer = self.get_serializer(symposium, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        symposium = service_visits.symposium_update(
            user=request.user, symposium=symposium, **serializer.validated_data
        )
        return self._answer(symposium)
