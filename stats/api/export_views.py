"""``GET /api/v1/stats/half-years/{year}-H{half}/export.xlsx``: a snapshot as XLSX."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from accounts.selectors import region_visible, visible_region_codes
from stats.export import XLSX_CONTENT_TYPE, export_filename, snapshot_xlsx
from stats.models import HalfYearSnapshot, SnapshotStatus


def current_snapshot(*, year: int, half: int, region_code: str | None):
    """The current snapshot of a period for a scope (``None`` = the whole city)."""
    return (
        HalfYearSnapshot.objects.filter(
            year=year,
            half=half,
            scope_region_id=region_code or None,
            is_current=True,
            status=SnapshotStatus.READY,
        )
        .select_related("scope_region")
        .first()
    )


def readable_snapshot(user, *, year: int, half: int, region_code: str | None):
    """The snapshot ``user`` may read for a period and region, and the region
    codes to keep (``None``: all of it). A county user reads their region's own
    snapshot, or failing that their region's rows of the city's snapshot."""
    codes = visible_region_codes(user)
    if region_code and not region_visible(user, region_code):
        raise Http404
    if codes is not None and not region_code:
        raise Http404
    if region_code:
        own = current_snapshot(year=year, half=half, region_code=region_code)
        if own is not None:
            return own, None
        city = current_snapshot(year=year, half=half, region_code=None)
        if city is not None:
            return city, [region_code]
        raise Http404
    snapshot = current_snapshot(year=year, half=half, region_code=None)
    if snapshot is None:
        raise Http404
    return snapshot, None


class HalfYearExportView(APIView):
    """半年统计导出：全部统计单元（本期、上年同期、增减）与公报文字。"""

    queryset = HalfYearSnapshot.objects.all()

    @extend_schema(
        summary="半年统计导出（XLSX）",
        parameters=[
            OpenApiParameter("year", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("half", OpenApiTypes.INT, OpenApiParameter.PATH, enum=[1, 2]),
            OpenApiParameter(
                "region", OpenApiTypes.STR, description="县（市、区）代码；不填为全市"
            ),
        ],
        responses={
            (200, XLSX_CONTENT_TYPE): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="XLSX 工作簿"
            )
        },
    )
    def get(self, request, year: int, half: int):
        if half not in (1, 2):
            raise Http404
        region_code = request.query_params.get("region") or None
        snapshot, codes = readable_snapshot(
            request.user, year=year, half=half, region_code=region_code
        )
        response = HttpResponse(snapshot_xlsx(snapshot, region_codes=codes), XLSX_CONTENT_TYPE)
        filename = export_filename(snapshot, region_code)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
