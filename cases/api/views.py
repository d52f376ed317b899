"""Views of the cases app's API."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from cases.api.serializers import (
    DiscretionRequestSerializer,
    DiscretionResultSerializer,
    ViolationTypeSerializer,
)
from cases.discretion import recommend_fine
from cases.filters import ViolationTypeFilter
from cases.violation_selectors import violation_type_list
from ecoenforce.api import RolePermission

# --- Violation library (违法行为库) ------------------------------------------------


class ComputePermission(RolePermission):
    """A POST that only computes and writes nothing needs the view permission."""

    perms_map = {**RolePermission.perms_map, "POST": ["%(app_label)s.view_%(model_name)s"]}


CODE_PARAMETER = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="违法行为编码，如 AIR-99-2"
)


@extend_schema(parameters=[CODE_PARAMETER])
class ViolationTypeViewSet(viewsets.ReadOnlyModelViewSet):
    """违法行为库: violation types with their legal basis and statutory fines, by code.

    Read-only here; administrators edit the library in the admin.
    """

    serializer_class = ViolationTypeSerializer
    filterset_class = ViolationTypeFilter
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9_-]+"

    def get_queryset(self):
        return violation_type_list()

    def get_permissions(self):
        if self.action == "discretion":
            return [ComputePermission()]
        return super().get_permissions()

    @extend_schema(
        summary="计算建议罚款（自由裁量）",
        request=DiscretionRequestSerializer,
        responses={200: DiscretionResultSerializer},
        examples=[
            OpenApiExample(
                "超标排放大气污染物",
                request_only=True,
                value={
                    "factors": {
                        "harm": "general",
                        "fault": "negligent",
                        "method": "ordinary",
                        "object": "sensitive",
                        "history": "first",
                        "correction": "corrected",
                        "sensitive_period": "normal",
                    }
                },
            ),
            OpenApiExample(
                "未批先建（按总投资额比例）",
                request_only=True,
                value={
                    "factors": {"harm": "minor", "fault": "intentional"},
                    "base_amount": "20000000.00",
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    def discretion(self, request, code=None):
        """Σ factor percentages × the statutory maximum, never below the minimum.

        Writes nothing. A missing or unknown factor or option, or a missing base
        amount, days or occurrences for the type's fine rule, answers 400.
        """
        violation_type = self.get_object()
        serializer = DiscretionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        recommendation = recommend_fine(
            violation_type=violation_type,
            factors=data["factors"],
            base_amount=data.get("base_amount"),
            days=data.get("days"),
            occurrences=data.get("occurrences"),
        )
        return Response(DiscretionResultSerializer(recommendation).data)
