"""The enterprise file (一企一档) in the API:

- ``GET enterprises/{id}/timeline/``: the enterprise's records of every kind
  in one timeline, newest first (``kind`` — repeatable or comma-separated —
  ``start``, ``end``, ``page``, ``page_size``); a page costs the same queries
  whatever the history's length (cases.enterprise_file);
- ``GET enterprises/{id}/compliance/``: the 12-quarter compliance strip
  (``as_of``, ``quarters``).

They read inspections and cases together with visits, so they live in
``cases``; the project's urls route them under ``enterprises/`` ahead of the
enterprise viewset of ``companies``, which may not import ``cases``.
An enterprise outside the caller's regions is 404.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView

from cases import enterprise_file
from companies.models import Enterprise
from companies.selectors import enterprise_list
from ecoenforce.errors import DomainError


class EnterpriseFilePermission(permissions.BasePermission):
    """The enterprise file is read by whoever may read enterprises."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.has_perm("companies.view_enterprise"))


def enterprise_in_scope(user, pk: int) -> Enterprise:
    enterprise = enterprise_list(user=user).filter(pk=pk).first()
    if enterprise is None:
        raise Http404("企业不存在或不在您的管辖范围内")
    return enterprise


class TimelineQuerySerializer(serializers.Serializer):
    kind = serializers.ListField(
        child=serializers.ChoiceField(choices=enterprise_file.TIMELINE_KIND_CHOICES),
        required=False,
        help_text="记录类型，可多选",
    )
    start = serializers.DateField(required=False, help_text="日期不早于")
    end = serializers.DateField(required=False, help_text="日期不晚于")
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=enterprise_file.MAX_PAGE_SIZE,
        default=enterprise_file.DEFAULT_PAGE_SIZE,
    )

    def validate(self, attrs):
        start, end = attrs.get("start"), attrs.get("end")
        if start and end and start > end:
            raise serializers.ValidationError({"end": "结束日期不能早于开始日期"})
        return attrs


def timeline_query(request) -> dict:
    """The query string as the serializer reads it: ``kind`` repeated or comma-separated."""
    params = request.query_params
    data = {key: params.get(key) for key in ("start", "end", "page", "page_size") if key in params}
    kinds = [part for value in params.getlist("kind") for part in value.split(",") if part]
    if kinds:
        data["kind"] = kinds
    serializer = TimelineQuerySerializer(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=enterprise_file.TIMELINE_KIND_CHOICES)
    kind_display = serializers.CharField()
    date = serializers.DateField()
    title = serializers.CharField()
    detail = serializers.CharField()
    record_id = serializers.IntegerField(help_text="记录 id（按 kind 所指的记录）")
    related_id = serializers.IntegerField(
        allow_null=True, help_text="关联记录 id：案件环节与配套办法为案件，问题与措施为检查"
    )
    link = serializers.CharField(allow_null=True, help_text="记录在管理后台的页面")


class TimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = TimelineEntrySerializer(many=True)


class QuarterRecordSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    date = serializers.DateField()
    label = serializers.CharField()
    link = serializers.CharField(allow_null=True)


class QuarterSerializer(serializers.Serializer):
    quarter = serializers.CharField(help_text="如 2025Q3")
    start = serializers.DateField()
    end = serializers.DateField()
    status = serializers.ChoiceField(choices=enterprise_file.STRIP_STATUS_CHOICES)
    status_display = serializers.CharField()
    records = QuarterRecordSerializer(many=True, help_text="决定该季度状态的记录")
    timeline = serializers.CharField(help_text="该季度的时间线（API）")


class ComplianceSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    as_of = serializers.DateField()
    quarters = QuarterSerializer(many=True)


class ComplianceQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text="截至日期，默认今天")
    quarters = serializers.IntegerField(
        required=False, min_value=1, max_value=40, default=enterprise_file.STRIP_QUARTERS
    )


class EnterpriseTimelineView(APIView):
    """一企一档：企业的全部记录，按日期倒序。"""

    permission_classes = [EnterpriseFilePermission]

    @extend_schema(
        summary="一企一档时间线",
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                many=True,
                enum=list(enterprise_file.TIMELINE_KINDS),
                description="记录类型，可重复或以逗号分隔",
            ),
            OpenApiParameter("start", OpenApiTypes.DATE, description="日期不早于"),
            OpenApiParameter("end", OpenApiTypes.DATE, description="日期不晚于"),
            OpenApiParameter("page", OpenApiTypes.INT),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="每页条数，最多 500"),
        ],
        responses=TimelinePageSerializer,
    )
    def get(self, request, pk: int):
        enterprise = enterprise_in_scope(request.user, pk)
        query = timeline_query(request)
        try:
            page = enterprise_file.enterprise_timeline(
                enterprise=enterprise,
                user=request.user,
                kinds=query.get("kind"),
                start=query.get("start"),
                end=query.get("end"),
                page=query["page"],
                page_size=query["page_size"],
            )
        except ValueError as exc:
            raise DomainError(str(exc), code="invalid_choice", field="kind") from None
        url = request.build_absolute_uri()
        body = {
            "count": page.count,
            "next": _page_link(url, page.page + 1) if page.has_next else None,
            "previous": _page_link(url, page.page - 1) if page.has_previous else None,
            "results": [entry.as_dict() for entry in page.entries],
        }
        return Response(TimelinePageSerializer(body).data)


def _page_link(url: str, number: int) -> str:
    if number <= 1:
        return remove_query_param(url, "page")
    return replace_query_param(url, "page", number)


class EnterpriseComplianceView(APIView):
    """一企一档：近 12 个季度的合规状态条。"""

    permission_classes = [EnterpriseFilePermission]

    @extend_schema(
        summary="一企一档季度合规状态",
        parameters=[
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="截至日期，默认今天"),
            OpenApiParameter("quarters", OpenApiTypes.INT, description="季度数，默认 12"),
        ],
        responses=ComplianceSerializer,
    )
    def get(self, request, pk: int):
        enterprise = enterprise_in_scope(request.user, pk)
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.localdate()
        cells = enterprise_file.compliance_strip(
            enterprise=enterprise, quarters=query.validated_data["quarters"], as_of=as_of
        )
        timeline = request.build_absolute_uri(
            reverse("v1:enterprise-timeline", kwargs={"pk": enterprise.pk})
        )
        quarters = [
            cell.as_dict() | {"timeline": f"{timeline}?start={cell.start}&end={cell.end}"}
            for cell in cells
        ]
        body = {
            "enterprise": enterprise.pk,
            "as_of": as_of,
            "quarters": quarters,
        }
        return Response(ComplianceSerializer(body).data)
