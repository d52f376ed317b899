"""``GET /api/v1/stats/half-years/{year}-H{half}/export.xlsx``: a snapshot as XLSX."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from stats.dashboard_selectors import readable_snapshot
from stats.export import XLSX_CONTENT_TYPE, export_filename, snapshot_xlsx
from stats.models import HalfYearSnapshot


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
        # A county user who names no region reads their county.
        filename = export_filename(snapshot, region_code or (codes[0] if codes else None))
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
