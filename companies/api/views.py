from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from companies import selectors, services
from companies.api.serializers import (
    EnterpriseSerializer,
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
