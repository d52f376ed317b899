"""``inspections/``: on-site inspections (现场检查). Thin doors into
cases.inspection_services and cases.ladder; the region scope comes from
cases.inspection_selectors (an inspection outside the caller's regions is 404).

The escalation ladder of an enterprise lives here too, as
``inspections/ladder/?enterprise=<id>`` (GET the proposal and the decisions)
and ``POST inspections/ladder/`` (record a decision): the ladder is read from
inspections' findings, and the enterprise endpoint belongs to ``companies``,
which may not depend on ``cases``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from cases import inspection_selectors as selectors
from cases import inspection_services as services
from cases.api.inspection_serializers import (
    ApproveInSerializer,
    CancelInSerializer,
    CheckInInSerializer,
    CheckInSerializer,
    CompleteInSerializer,
    CompleteOutSerializer,
    FindingInSerializer,
    FindingSerializer,
    InspectionCreateSerializer,
    InspectionDetailSerializer,
    InspectionEvidenceSerializer,
    InspectionListSerializer,
    LadderDecideInSerializer,
    LadderDecisionSerializer,
    LadderOutSerializer,
    RefuseInSerializer,
    SignInSerializer,
    StartInSerializer,
    VerifyInSerializer,
)
from cases.inspection_filters import InspectionFilter
from cases.ladder import LadderProposal, ladder_decide, ladder_proposal
from cases.services import evidence_open_verified
from companies.selectors import enterprise_list

# Door permissions of each action (accounts.roles); which role may take which
# step is the services' decision (403 with the role it needs).
ACTION_PERMISSIONS = {
    "create": "cases.add_inspection",
    "findings": "cases.add_finding",
    "verify_finding": "cases.change_finding",
    "evidence": "cases.add_evidence",
    "ladder": "cases.add_ladderdecision",
    "check_in": "cases.add_checkin",
}


class InspectionWorkPermission(permissions.BasePermission):
    """Reading needs ``view_inspection``; requesting ``add_inspection``; other
    writes the permission of what they write, else ``change_inspection``."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("cases.view_inspection")
        return user.has_perm(ACTION_PERMISSIONS.get(view.action, "cases.change_inspection"))


class LadderQuerySerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    as_of = serializers.DateField(required=False)


def ladder_data(enterprise_id: int, proposal: LadderProposal, as_of) -> dict:
    return {
        "enterprise": enterprise_id,
        "as_of": as_of,
        **proposal._asdict(),
        "step_display": proposal.step.label,
        "window_months": settings.ECOENFORCE_LADDER_WINDOW_MONTHS,
    }


class InspectionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """现场检查. Inspections are never deleted; one that will not take place is cancelled."""

    permission_classes = [InspectionWorkPermission]
    filterset_class = InspectionFilter
    serializer_class = InspectionDetailSerializer

    def get_queryset(self):
        queryset = selectors.inspection_list(user=self.request.user)
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("check_ins__officer")
        return queryset

    def get_serializer_class(self):
        if self.action == "list":
            return InspectionListSerializer
        if self.action == "create":
            return InspectionCreateSerializer
        return InspectionDetailSerializer

    def _detail(self, inspection, *, status_code=status.HTTP_200_OK) -> Response:
        inspection = (
            selectors.inspection_list(user=self.request.user)
            .prefetch_related("check_ins__officer")
            .get(pk=inspection.pk)
        )
        data = InspectionDetailSerializer(inspection, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(request=InspectionCreateSerializer, responses={201: InspectionDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Request an inspection (入企审批), with findings when the record is entered afterwards."""
        serializer = InspectionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        findings = data.pop("findings", [])
        with transaction.atomic():
            inspection = services.inspection_request(actor=request.user, **data)
            if findings:
                services.findings_add(inspection=inspection, actor=request.user, findings=findings)
        return self._detail(inspection, status_code=status.HTTP_201_CREATED)

    @extend_schema(
        request=ApproveInSerializer,
        responses={
            200: InspectionDetailSerializer,
            403: OpenApiResponse(description="非负责人"),
            409: OpenApiResponse(description="状态不允许审批"),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """入企审批 by an approver; an emergency inspection is approved afterwards with a reason."""
        inspection = self.get_object()
        serializer = ApproveInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_approve(
            inspection=inspection, actor=request.user, **serializer.validated_data
        )
        return self._detail(inspection)

    @extend_schema(request=StartInSerializer, responses=InspectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def start(self, request, pk=None):
        inspection = self.get_object()
        serializer = StartInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_start(
            inspection=inspection,
            actor=request.user,
            started_at=serializer.validated_data.get("started_at"),
        )
        return self._detail(inspection)

    @extend_schema(request=CancelInSerializer, responses=InspectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        inspection = self.get_object()
        serializer = CancelInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_cancel(
            inspection=inspection, actor=request.user, **serializer.validated_data
        )
        return self._detail(inspection)

    @extend_schema(
        request=CheckInInSerializer,
        responses={
            201: CheckInSerializer,
            400: OpenApiResponse(description="二维码伪造、过期、作废或不属于该企业"),
        },
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        """扫码入企: the scanned token, optional GPS; the first scan starts the inspection."""
        inspection = self.get_object()
        serializer = CheckInInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        check_in = services.inspection_check_in(
            token=data["token"],
            officer_user=request.user,
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            at=data.get("at"),
            inspection=inspection,
        )
        return Response(CheckInSerializer(check_in).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["POST"], request=FindingInSerializer, responses={201: FindingSerializer}
    )
    @extend_schema(methods=["GET"], request=None, responses=FindingSerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def findings(self, request, pk=None):
        """发现问题 of the inspection; POST adds one."""
        inspection = self.get_object()
        if request.method == "GET":
            return Response(FindingSerializer(inspection.findings.all(), many=True).data)
        serializer = FindingInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        finding = services.finding_add(
            inspection=inspection, actor=request.user, **serializer.validated_data
        )
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=VerifyInSerializer, responses=FindingSerializer)
    @action(
        detail=True, methods=["post"], url_path=r"findings/(?P<finding_id>\d+)/verify-corrected"
    )
    def verify_finding(self, request, pk=None, finding_id=None):
        """整改核实: the finding (and its carried copies) is closed as corrected,
        verified by this inspection."""
        inspection = self.get_object()
        finding = get_object_or_404(inspection.findings, pk=finding_id)
        serializer = VerifyInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        finding = services.finding_verify_corrected(
            finding=finding,
            actor=request.user,
            corrected_on=serializer.validated_data.get("corrected_on"),
            verified_by=inspection,
        )
        return Response(FindingSerializer(finding).data)

    @extend_schema(request=SignInSerializer, responses=InspectionDetailSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request, pk=None):
        inspection = self.get_object()
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_sign(
            inspection=inspection, actor=request.user, **serializer.validated_data
        )
        return self._detail(inspection)

    @extend_schema(request=RefuseInSerializer, responses=InspectionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="refuse-signature")
    def refuse_signature(self, request, pk=None):
        inspection = self.get_object()
        serializer = RefuseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        inspection = services.inspection_refuse_signature(
            inspection=inspection, actor=request.user, **serializer.validated_data
        )
        return self._detail(inspection)

    @extend_schema(request=CompleteInSerializer, responses=CompleteOutSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """End the inspection with its outcome; answers the inspection, the case
        opened (outcome ``case``) and the ladder's proposal for the enterprise."""
        inspection = self.get_object()
        serializer = CompleteInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.inspection_complete(
            inspection=inspection,
            actor=request.user,
            outcome=data["outcome"],
            rectification_due_on=data.get("rectification_due_on"),
            case_violations=data.get("case_violations"),
            summary=data.get("summary", ""),
            ended_at=data.get("ended_at"),
        )
        detail = self._detail(result.inspection).data
        return Response(
            {
                "inspection": detail,
                "case": result.case.pk if result.case else None,
                "ladder": ladder_data(
                    result.inspection.enterprise_id, result.ladder, result.inspection.inspected_on
                ),
            }
        )

    @extend_schema(
        methods=["POST"],
        request=InspectionEvidenceSerializer,
        responses={201: InspectionEvidenceSerializer},
    )
    @extend_schema(methods=["GET"], request=None, responses=InspectionEvidenceSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def evidence(self, request, pk=None):
        """Photos, videos and documents; the SHA-256 is taken at upload and checked on download."""
        inspection = self.get_object()
        if request.method == "GET":
            return Response(InspectionEvidenceSerializer(inspection.evidence.all(), many=True).data)
        serializer = InspectionEvidenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = services.inspection_evidence_attach(
            inspection=inspection,
            uploaded_file=serializer.validated_data["file"],
            actor=request.user,
            description=serializer.validated_data.get("description", ""),
        )
        return Response(InspectionEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)/download")
    def evidence_download(self, request, pk=None, evidence_id=None):
        inspection = self.get_object()
        evidence = get_object_or_404(inspection.evidence, pk=evidence_id)
        handle = evidence_open_verified(evidence)
        return FileResponse(
            handle,
            as_attachment=True,
            filename=evidence.original_name,
            content_type=evidence.content_type,
        )

    @extend_schema(
        methods=["GET"],
        parameters=[
            OpenApiParameter("enterprise", OpenApiTypes.INT, required=True, description="企业 id"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="计算日期，默认今天"),
        ],
        request=None,
        responses=LadderOutSerializer,
    )
    @extend_schema(
        methods=["POST"],
        request=LadderDecideInSerializer,
        responses={201: LadderDecisionSerializer},
    )
    @action(detail=False, methods=["get", "post"])
    def ladder(self, request):
        """一次帮扶、两次督导、三次严惩: GET the proposal for an enterprise and the
        decisions recorded; POST a decision (deciding otherwise needs a reason)."""
        if request.method == "GET":
            query = LadderQuerySerializer(data=request.query_params)
            query.is_valid(raise_exception=True)
            enterprise = get_object_or_404(
                enterprise_list(user=request.user), pk=query.validated_data["enterprise"]
            )
            as_of = query.validated_data.get("as_of") or timezone.localdate()
            proposal = ladder_proposal(enterprise, as_of=as_of)
            decisions = enterprise.ladder_decisions.select_related("decided_by")[:50]
            return Response(
                {
                    "proposal": ladder_data(enterprise.pk, proposal, as_of),
                    "decisions": LadderDecisionSerializer(decisions, many=True).data,
                }
            )
        serializer = LadderDecideInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        decision = ladder_decide(
            enterprise=data["enterprise"],
            inspection=data.get("inspection"),
            decided=data["decided"],
            actor=request.user,
            note=data.get("note", ""),
            decided_on=data.get("decided_on"),
        )
        return Response(LadderDecisionSerializer(decision).data, status=status.HTTP_201_CREATED)
