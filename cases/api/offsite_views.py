"""``offsite-records/``: non-site enforcement records (非现场执法记录).

Monitoring platforms write (``POST offsite-records/`` one record,
``POST offsite-records/bulk/`` up to 5,000); officers read and triage
(``POST offsite-records/{id}/triage/``). Thin doors into
``cases.offsite_services``; the region scope comes from
``cases.offsite_selectors``.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from cases import offsite_selectors, offsite_services
from cases.api.offsite_serializers import (
    OffsiteBulkInSerializer,
    OffsiteBulkResultSerializer,
    OffsiteRecordDetailSerializer,
    OffsiteRecordInSerializer,
    OffsiteRecordSerializer,
    OffsiteTriageInSerializer,
)
from cases.offsite_filters import OffsiteRecordFilter
from ecoenforce.errors import DomainError


class OffsiteRecordPermission(permissions.BasePermission):
    """Reading needs ``view_offsiterecord`` (officers, managers, reporting
    clients); sending records ``add_offsiterecord`` (monitoring platforms,
    which read nothing); triage ``change_offsiterecord`` (inspectors,
    approvers). Who may take a step is for the service to say."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("cases.view_offsiterecord")
        if view.action in ("create", "bulk"):
            return user.has_perm("cases.add_offsiterecord")
        return user.has_perm("cases.change_offsiterecord")


class OffsiteRecordViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """非现场执法记录. A record outside the caller's regions is 404. Records are
    never edited or deleted: they change through the triage only."""

    permission_classes = [OffsiteRecordPermission]
    filterset_class = OffsiteRecordFilter
    parser_classes = [JSONParser]

    def get_queryset(self):
        return offsite_selectors.offsite_record_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return OffsiteRecordDetailSerializer
        return OffsiteRecordSerializer

    def _detail(self, record, *, status_code=status.HTTP_200_OK) -> Response:
        record = offsite_selectors.offsite_record_list(user=self.request.user).get(pk=record.pk)
        context = self.get_serializer_context()
        return Response(
            OffsiteRecordDetailSerializer(record, context=context).data, status=status_code
        )

    @extend_schema(
        summary="报送一条非现场执法记录",
        request=OffsiteRecordInSerializer,
        responses={
            201: OffsiteRecordSerializer,
            200: OpenApiResponse(OffsiteRecordSerializer, description="该记录已存在，未作修改"),
        },
    )
    def create(self, request, *args, **kwargs):
        """Idempotent by (source, external_id): a record already stored answers 200 unchanged."""
        if not isinstance(request.data, dict):
            raise DomainError("请求体应为 JSON 对象", code="invalid")
        record, created = offsite_services.offsite_record_create(
            actor=request.user, data=request.data
        )
        return Response(
            OffsiteRecordSerializer(record, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="批量报送非现场执法记录（幂等）",
        request=OffsiteBulkInSerializer,
        responses={
            200: OffsiteBulkResultSerializer,
            400: OpenApiResponse(description="请求整体格式错误，或超过 5000 条（batch_too_large）"),
        },
        examples=[
            OpenApiExample(
                "部分记录有误",
                response_only=True,
                value={
                    "ids": [101, None, 102],
                    "created": 2,
                    "existing": 0,
                    "errors": [
                        {
                            "index": 1,
                            "field": "started_at",
                            "code": "timezone_required",
                            "message": "开始时间须带时区偏移，如 +08:00",
                        }
                    ],
                },
            )
        ],
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Up to 5,000 records; one id per item in order, ``null`` with an entry in
        ``errors`` for a refused item while the others are stored. Idempotent by
        (source, external_id): a re-sent batch creates nothing and answers the
        same ids. 200 even when some items are refused."""
        body = request.data
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise DomainError('请求体应为 {"items": [记录, …]}', code="invalid", field="items")
        result = offsite_services.offsite_bulk_ingest(actor=request.user, items=items)
        return Response(result.as_dict())

    @extend_schema(
        summary="核查处置",
        request=OffsiteTriageInSerializer,
        responses={
            200: OffsiteRecordDetailSerializer,
            403: OpenApiResponse(description="角色不能处置"),
            409: OpenApiResponse(description="非法流转：记录已处置或状态不允许"),
        },
    )
    @action(detail=True, methods=["post"])
    def triage(self, request, pk=None):
        """``{"to", "reason", "on"?, …}``: verifying, dismissed (``dismissal_reason``),
        rectified_online (``enterprise_response``), inspection_requested
        (``officers``) or case_opened (``violations``, ``officers``)."""
        record = self.get_object()
        serializer = OffsiteTriageInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = offsite_services.offsite_triage(
            record=record,
            actor=request.user,
            to=data["to"],
            reason=data["reason"],
            on=data.get("on"),
            dismissal_reason=data.get("dismissal_reason"),
            enterprise_response=data["enterprise_response"],
            officers=data.get("officers"),
            violations=data.get("violations"),
        )
        return self._detail(record)
