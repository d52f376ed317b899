"""``stats/half-years/``: half-year snapshots (半年统计).

- ``GET stats/half-years/``: the current snapshots and the builds in progress
  the caller may read; ``POST {"year", "half", "region"?}`` starts a build
  (202 with the URL to follow; 503 when the task queue is down).
- ``GET stats/half-years/2024-H1/?region=131082``: status, progress, as_of,
  definition_version, every metric with last year's value and the change,
  and the bulletin's two paragraphs.
- ``…/cells/{metric}/?region=&previous=true``: the records behind a number.
- ``…/changes/``: what the last rebuild changed, cell by cell, record by record.

A county user reads their county (its own snapshot, or its cells in the
city's); another region is 404. Thin doors into stats.selectors and
stats.services.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.roles import STATS_BUILDER_ROLES, STATS_READER_ROLES
from accounts.selectors import user_roles, visible_region_codes
from ecoenforce.api import Pagination
from stats import selectors, services
from stats.api.serializers import (
    BuildAcceptedSerializer,
    BuildRequestSerializer,
    CellRecordSerializer,
    ChangeSerializer,
    ChangesSerializer,
    SnapshotDetailSerializer,
    SnapshotSerializer,
    render_metrics,
)
from stats.metrics import Period, get_metric
from stats.models import HalfYearSnapshot
from stats.services import snapshot_diff

try:  # stats.bulletin writes the bulletin's paragraphs from a snapshot's cells.
    from stats.bulletin import bulletin_text
except ImportError:  # pragma: no cover - the module ships with the app
    bulletin_text = None

PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, OpenApiParameter.PATH, description="半年，如 2024-H1"
)
REGION = OpenApiParameter(
    "region", OpenApiTypes.STR, description="县（市、区）代码；县级用户默认为本辖区"
)


def period_url(request, period: str, region: str | None) -> str:
    url = reverse("v1:half-year-detail", kwargs={"period": period})
    if region:
        url += f"?region={region}"
    return request.build_absolute_uri(url) if request is not None else url


class StatsPermission(permissions.BasePermission):
    """Reading: managers, reporting clients, approvers, administrators;
    starting a build: managers and administrators (accounts.roles)."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if user.is_superuser:
            return True
        roles = user_roles(user)
        if request.method in permissions.SAFE_METHODS:
            return bool(roles & STATS_READER_ROLES) and user.has_perm("stats.view_halfyearsnapshot")
        return bool(roles & STATS_BUILDER_ROLES) and user.has_perm("stats.add_halfyearsnapshot")


class HalfYearViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """半年统计快照."""

    permission_classes = [StatsPermission]
    serializer_class = SnapshotSerializer
    lookup_field = "period"
    lookup_value_regex = r"\d{4}-H[12]"
    filter_backends: list = []

    def get_queryset(self):
        queryset = (
            HalfYearSnapshot.objects.filter(is_current=True)
            | HalfYearSnapshot.objects.filter(status__in=selectors.UNFINISHED)
        ).order_by("-year", "-half", "scope_region_id", "-created_at")
        codes = visible_region_codes(self.request.user)
        if codes is not None:
            # County users: their regions' snapshots and the city's (whose
            # cells they read for their county only).
            queryset = queryset.filter(scope_region__isnull=True) | queryset.filter(
                scope_region_id__in=codes
            )
        return queryset

    def _view(self, request, period_text: str):
        period = Period.parse(period_text)
        if period is None:
            raise Http404
        try:
            return selectors.snapshot_view(
                user=request.user, period=period, region=request.query_params.get("region")
            )
        except selectors.NotVisible:
            raise Http404 from None

    @extend_schema(
        request=BuildRequestSerializer,
        responses={
            202: BuildAcceptedSerializer,
            503: OpenApiResponse(description="任务队列不可用"),
        },
    )
    def create(self, request):
        data = BuildRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        region = data.validated_data.get("region") or None
        snapshot = services.snapshot_request(
            year=data.validated_data["year"],
            half=data.validated_data["half"],
            region_code=region,
            actor=request.user,
        )
        snapshot.refresh_from_db(fields=["status"])
        return Response(
            {"url": period_url(request, snapshot.period, region), "status": snapshot.status},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(parameters=[PERIOD, REGION], responses=SnapshotDetailSerializer)
    def retrieve(self, request, period=None):
        view = self._view(request, period)
        current, shown = view.current, view.shown
        cells = {}
        if current is not None:
            cells = {
                metric: (value, previous)
                for metric, value, previous in current.cells.filter(
                    region=view.cell_region
                ).values_list("metric", "value", "previous")
            }
        answer = {
            "period": period,
            "region": view.region,
            "snapshot": current.pk if current else None,
            "status": shown.status,
            "progress": shown.progress,
            "as_of": current.as_of if current else None,
            "definition_version": current.definition_version if current else None,
            "metrics": render_metrics(cells) if current else {},
        }
        if bulletin_text is not None:
            answer["bulletin"] = (
                bulletin_text(current, region_code=view.cell_region or None) if current else None
            )
        return Response(answer)

    @extend_schema(
        parameters=[
            PERIOD,
            OpenApiParameter("metric", OpenApiTypes.STR, OpenApiParameter.PATH),
            REGION,
            OpenApiParameter("previous", OpenApiTypes.BOOL, description="上年同期的记录"),
        ],
        responses=CellRecordSerializer(many=True),
    )
    @action(detail=True, methods=["get"], url_path=r"cells/(?P<metric>[a-z_]+)")
    def cells(self, request, period=None, metric=None):
        definition = get_metric(metric)
        if definition is None:
            raise Http404
        view = self._view(request, period)
        if view.current is None:
            raise Http404
        ids = selectors.CellIds(
            view.current,
            metric=metric,
            region=view.cell_region,
            previous=request.query_params.get("previous") in ("1", "true"),
        )
        paginator = Pagination()
        page = paginator.paginate_queryset(ids, request, view=self)
        records = selectors.cell_records(user=request.user, metric=definition, ids=page)
        return paginator.get_paginated_response([selectors.record_row(r) for r in records])

    @extend_schema(parameters=[PERIOD, REGION], responses=ChangesSerializer)
    @action(detail=True, methods=["get"])
    def changes(self, request, period=None):
        view = self._view(request, period)
        current = view.current
        if current is None:
            raise Http404
        before = selectors.replaced_snapshot(current)
        # County users read their own cells only.
        region = view.cell_region if visible_region_codes(request.user) is not None else None
        changes = snapshot_diff(before, current, region=region) if before is not None else []
        return Response(
            {
                "before": before.pk if before else None,
                "after": current.pk,
                "before_as_of": before.as_of if before else None,
                "after_as_of": current.as_of,
                "changes": ChangeSerializer(changes, many=True).data,
            }
        )
