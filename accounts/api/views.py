from __future__ import annotations

from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from accounts import selectors, services
from accounts.api.serializers import OfficerSerializer, RegionSerializer, UnitSerializer
from accounts.filters import OfficerFilter, RegionFilter
from accounts.models import Officer, Region, Unit
from ecoenforce.errors import DomainError


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """行政区划 (GB/T 2260), addressed by code."""

    queryset = Region.objects.all()
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"


class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """执法单位 and the regions each covers."""

    queryset = Unit.objects.prefetch_related("regions")
    serializer_class = UnitSerializer


class OfficerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """执法人员 accounts. Administrators create and change them; staff read them in scope."""

    serializer_class = OfficerSerializer
    filterset_class = OfficerFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation runs without a user; it only needs the model.
            return Officer.objects.none()
        return selectors.officer_list(user=self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        officer = services.officer_create(
            username=data["user"]["username"],
            password=data.get("password", ""),
            name=data["name"],
            roles=data.get("roles", []),
            badge_number=data.get("badge_number"),
            unit=data.get("unit"),
            certificate_valid_until=data.get("certificate_valid_until"),
            region_codes=data.get("regions", []),
            phone=data.get("phone", ""),
            actor=request.user,
        )
        officer = self.get_queryset().get(pk=officer.pk)
        return Response(self.get_serializer(officer).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        officer = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(officer, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if (
            "user" in data
            and "username" in data["user"]
            and (data["user"]["username"] != officer.user.username)
        ):
            raise DomainError("用户名创建后不能修改", code="immutable", field="username")
        if data.get("password"):
            raise DomainError("请在管理后台修改密码", code="immutable", field="password")
        services.officer_update(
            officer=officer,
            name=data.get("name"),
            roles=data["roles"] if "roles" in request.data else None,
            badge_number=data.get("badge_number") if "badge_number" in data else None,
            unit=data.get("unit", services.UNSET),
            certificate_valid_until=data.get("certificate_valid_until", services.UNSET),
            region_codes=data["regions"] if "regions" in request.data else None,
            phone=data.get("phone"),
            is_active=data.get("user", {}).get("is_active"),
            actor=request.user,
        )
        officer = self.get_queryset().get(pk=officer.pk)
        return Response(self.get_serializer(officer).data)
