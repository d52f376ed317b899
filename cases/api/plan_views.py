"""``inspection-plans/``: 执法计划 and their 双随机 draws. Thin doors into
cases.plan_services; the region scope comes from cases.plan_selectors.

``public/inspection-plans/`` is the anonymous, read-only disclosure (一公开)
of published plans, without any officer's name or badge number.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from cases import plan_selectors, plan_services
from cases.api.plan_serializers import (
    DrawInSerializer,
    InspectionPlanCreateSerializer,
    InspectionPlanDetailSerializer,
    InspectionPlanListSerializer,
    PublicPlanDetailSerializer,
    PublicPlanListSerializer,
    ReplaySerializer,
)
from cases.models import InspectionPlan
from cases.plan_filters import InspectionPlanFilter


class PlanPermission(permissions.BasePermission):
    """Reading needs ``view_inspectionplan``; creating ``add_inspectionplan``;
    drawing and publishing ``change_inspectionplan`` (accounts/roles.py). The
    services check the approver role and the regions as well."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("cases.view_inspectionplan")
        if view.action == "create":
            return user.has_perm("cases.add_inspectionplan")
        return user.has_perm("cases.change_inspectionplan")


class InspectionPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """执法计划（双随机）. A plan is visible when one of its regions overlaps the
    caller's; otherwise 404. The detail lists the drawn enterprises of the
    caller's regions with the officers drawn for each. Plans are not edited
    once created and never deleted; the seed of a draw is part of the record."""

    permission_classes = [PlanPermission]
    filterset_class = InspectionPlanFilter

    def get_queryset(self):
        return plan_selectors.plan_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return InspectionPlanListSerializer
        if self.action == "create":
            return InspectionPlanCreateSerializer
        return InspectionPlanDetailSerializer

    def _detail(
        self, plan: InspectionPlan, status_code: int = status.HTTP_200_OK, *, reload: bool = True
    ) -> Response:
        if reload:
            plan = plan_selectors.plan_get(user=self.request.user, pk=plan.pk)
        plan.drawn_items = list(plan_selectors.plan_items(plan=plan, user=self.request.user))
        data = InspectionPlanDetailSerializer(plan, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), reload=False)

    @extend_schema(
        request=InspectionPlanCreateSerializer,
        responses={201: InspectionPlanDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = InspectionPlanCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        plan = plan_services.plan_create(
            actor=request.user,
            name=data["name"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            region_codes=data["regions"],
            pools=[dict(pool) for pool in data["pools"]],
            yearly_cap=data.get("yearly_cap"),
            exclude_inspected_within_days=data.get("exclude_inspected_within_days"),
        )
        return self._detail(plan, status.HTTP_201_CREATED)

    @extend_schema(
        summary="双随机抽取",
        request=DrawInSerializer,
        responses={
            200: InspectionPlanDetailSerializer,
            400: OpenApiResponse(description="可抽取的执法人员不足、没有可抽取的企业或种子无效"),
            403: OpenApiResponse(description="须由负责人办理，或计划含管辖范围以外的区划"),
            409: OpenApiResponse(description="计划已抽取（不能重新抽取）"),
        },
    )
    @action(detail=True, methods=["post"])
    def draw(self, request, pk=None):
        """Draw the enterprises and a pair of inspectors for each, from ``seed``
        (random and recorded when not given). A drawn plan is not drawn again."""
        plan = self.get_object()
        serializer = DrawInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = plan_services.plan_draw(
            plan=plan, actor=request.user, seed=serializer.validated_data.get("seed")
        )
        return self._detail(plan)

    @extend_schema(
        summary="公开抽查结果",
        request=None,
        responses={
            200: InspectionPlanDetailSerializer,
            409: OpenApiResponse(description="计划尚未抽取"),
        },
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """一公开: the drawn enterprises appear on the public page (without officers)."""
        plan = plan_services.plan_publish(plan=self.get_object(), actor=request.user)
        return self._detail(plan)

    @extend_schema(
        summary="按种子复核抽取结果",
        responses={200: ReplaySerializer, 409: OpenApiResponse(description="计划尚未抽取")},
    )
    @action(detail=True, methods=["get"])
    def replay(self, request, pk=None):
        """Recompute the draw from the recorded seed and snapshot and compare it,
        line by line, with the stored result. Writes nothing."""
        verification = plan_services.plan_verify(plan=self.get_object())
        return Response(
            ReplaySerializer(
                {
                    "seed": verification.seed,
                    "matches": verification.matches,
                    "differences": verification.differences,
                    "items": [item.as_dict() for item in verification.items],
                }
            ).data
        )


# --- public disclosure (一公开) -------------------------------------------------------------


class PublicPlanList(generics.ListAPIView):
    """已公开的双随机抽查计划（无需登录）。"""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = PublicPlanListSerializer
    filter_backends: list = []

    def get_queryset(self):
        return plan_selectors.published_plans()


class PublicPlanDetail(generics.GenericAPIView):
    """一份已公开的双随机抽查结果：抽中的企业、对象库、检查结果、随机种子与复核结论。
    不含执法人员姓名和执法证号（无需登录）。"""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonRateThrottle]
    serializer_class = PublicPlanDetailSerializer
    filter_backends: list = []

    def get_queryset(self):
        return plan_selectors.published_plans()

    def get(self, request, pk: int):
        return Response(PublicPlanDetailSerializer(plan_selectors.public_plan(pk=pk)).data)
