"""``cases/``: penalty cases and their procedure. Thin doors into cases.services,
cases.workflow and cases.penalties; the region scope comes from cases.selectors."""

from __future__ import annotations

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases import penalties, selectors, services, workflow
from cases.api.case_serializers import (
    BalanceSerializer,
    DiscretionInSerializer,
    EventInSerializer,
    EventSerializer,
    EvidenceSerializer,
    MeasureSerializer,
    PaymentPlanInSerializer,
    PaymentSerializer,
    PenaltyCaseCreateSerializer,
    PenaltyCaseDetailSerializer,
    PenaltyCaseListSerializer,
    PenaltyCaseUpdateSerializer,
    SealExtensionInSerializer,
    TransitionInSerializer,
    TransitionSerializer,
)
from cases.case_filters import PenaltyCaseFilter
from cases.choices import MeasureKind


class CaseWorkPermission(permissions.BasePermission):
    """Reading needs ``view_penaltycase``; registering a clue ``add_penaltycase``;
    every other write ``change_penaltycase``. Which step a role may take is
    decided by the workflow service, with 403 and the role it needs."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("cases.view_penaltycase")
        if view.action == "create":
            return user.has_perm("cases.add_penaltycase")
        return user.has_perm("cases.change_penaltycase")


def _detail(view, case):
    case = selectors.case_get(user=view.request.user, pk=case.pk)
    return Response(PenaltyCaseDetailSerializer(case, context=view.get_serializer_context()).data)


class PenaltyCaseViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """行政处罚案件. A case outside the caller's regions is 404. Cases are never deleted."""

    permission_classes = [CaseWorkPermission]
    filterset_class = PenaltyCaseFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.case_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return PenaltyCaseListSerializer
        if self.action == "create":
            return PenaltyCaseCreateSerializer
        if self.action == "partial_update":
            return PenaltyCaseUpdateSerializer
        return PenaltyCaseDetailSerializer

    @extend_schema(
        request=PenaltyCaseCreateSerializer, responses={201: PenaltyCaseDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = PenaltyCaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = services.case_register(
            actor=request.user,
            enterprise=data["enterprise"],
            source=data["source"],
            source_reference=data["source_reference"],
            discovered_on=data.get("discovered_on"),
            title=data["title"],
            party_kind=data["party_kind"],
            violations=data["violations"],
            officers=data["officers"],
        )
        response = _detail(self, case)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=PenaltyCaseUpdateSerializer, responses=PenaltyCaseDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        case = self.get_object()
        serializer = PenaltyCaseUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        case = services.case_update(case=case, actor=request.user, **serializer.validated_data)
        return _detail(self, case)

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        methods=["POST"],
        request=TransitionInSerializer,
        responses={
            200: PenaltyCaseDetailSerializer,
            403: OpenApiResponse(description="角色不能办理该环节"),
            409: OpenApiResponse(description="非法流转、并发修改或案件只读"),
        },
    )
    @extend_schema(methods=["GET"], request=None, responses=TransitionSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def transitions(self, request, pk=None):
        """GET: the case's history. POST ``{"to", "on", "note", …step data}``: move it."""
        case = self.get_object()
        if request.method == "GET":
            rows = selectors.case_history(case)
            return Response(TransitionSerializer(rows, many=True).data)
        serializer = TransitionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        to = data.pop("to")
        on = data.pop("on", None)
        note = data.pop("note", "")
        expected = data.pop("expected_status", None)
        case = workflow.case_transition(
            case=case,
            to=to,
            actor=request.user,
            on=on,
            note=note,
            data=data,
            expected_status=expected,
        )
        return _detail(self, case)

    @extend_schema(methods=["POST"], request=EventInSerializer, responses={201: EventSerializer})
    @extend_schema(methods=["GET"], request=None, responses=EventSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def events(self, request, pk=None):
        """Steps that do not change the state: extensions, statements, legal review pass."""
        case = self.get_object()
        if request.method == "GET":
            return Response(EventSerializer(case.events.select_related("actor"), many=True).data)
        serializer = EventInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = services.case_event_record(
            case=case, actor=request.user, **serializer.validated_data
        )
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=DiscretionInSerializer, responses={200: OpenApiResponse(description="裁量建议")}
    )
    @action(detail=True, methods=["post"])
    def discretion(self, request, pk=None):
        """Recommended fine for the case's violations and the chosen factors (河北省裁量基准)."""
        case = self.get_object()
        serializer = DiscretionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answer = services.case_discretion_compute(
            case=case,
            actor=request.user,
            factors=serializer.validated_data["factors"],
            save=serializer.validated_data["save"],
        )
        return Response(answer)

    @extend_schema(methods=["POST"], request=PaymentSerializer, responses={201: PaymentSerializer})
    @extend_schema(methods=["GET"], request=None, responses=PaymentSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def payments(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(PaymentSerializer(case.payments.all(), many=True).data)
        serializer = PaymentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        payment = penalties.payment_record(
            case=case,
            amount=data["amount"],
            paid_on=data.get("paid_on"),
            kind=data.get("kind") or "fine",
            receipt_number=data.get("receipt_number", ""),
            actor=request.user,
        )
        return Response(PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=BalanceSerializer)
    @action(detail=True, methods=["get"])
    def balance(self, request, pk=None):
        """Fine and late fee (3 % a day, capped at the fine) owed today."""
        return Response(BalanceSerializer(penalties.case_balance(self.get_object())).data)

    @extend_schema(request=PaymentPlanInSerializer, responses=PenaltyCaseDetailSerializer)
    @action(detail=True, methods=["post"], url_path="payment-plan")
    def payment_plan(self, request, pk=None):
        case = self.get_object()
        serializer = PaymentPlanInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = penalties.payment_plan_approve(
            case=case, actor=request.user, **serializer.validated_data
        )
        return _detail(self, case)

    @extend_schema(methods=["POST"], request=MeasureSerializer, responses={201: MeasureSerializer})
    @extend_schema(methods=["GET"], request=None, responses=MeasureSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def measures(self, request, pk=None):
        """配套办法: daily penalty, seal/seize, restricted production, transfers."""
        case = self.get_object()
        if request.method == "GET":
            return Response(MeasureSerializer(case.measures.all(), many=True).data)
        serializer = MeasureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        measure = penalties.measure_record(
            case=case,
            actor=request.user,
            kind=data["kind"],
            on=data["on"],
            ends_on=data.get("ends_on"),
            correction_served_on=data.get("correction_served_on"),
            reinspected_on=data.get("reinspected_on"),
            note=data.get("note", ""),
        )
        return Response(MeasureSerializer(measure).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SealExtensionInSerializer, responses=MeasureSerializer)
    @action(detail=True, methods=["post"], url_path=r"measures/(?P<measure_id>\d+)/extend")
    def extend_measure(self, request, pk=None, measure_id=None):
        """Extend a seal/seize once, by at most 30 days, with approval."""
        case = self.get_object()
        measure = get_object_or_404(case.measures, pk=measure_id, kind=MeasureKind.SEAL_SEIZE)
        serializer = SealExtensionInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        measure = penalties.seal_seize_extend(
            measure=measure, actor=request.user, **serializer.validated_data
        )
        return Response(MeasureSerializer(measure).data)

    @extend_schema(
        methods=["POST"], request=EvidenceSerializer, responses={201: EvidenceSerializer}
    )
    @extend_schema(methods=["GET"], request=None, responses=EvidenceSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def evidence(self, request, pk=None):
        """Evidence files; the SHA-256 is taken at upload and checked on download."""
        case = self.get_object()
        if request.method == "GET":
            return Response(EvidenceSerializer(case.evidence.all(), many=True).data)
        serializer = EvidenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.evidence_attach(
            case=case,
            uploaded_file=serializer.validated_data["file"],
            actor=request.user,
            description=serializer.validated_data.get("description", ""),
        )
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)/download")
    def evidence_download(self, request, pk=None, evidence_id=None):
        case = self.get_object()
        evidence = get_object_or_404(case.evidence, pk=evidence_id)
        handle = services.evidence_open_verified(evidence)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )
