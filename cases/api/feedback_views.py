"""``feedback/``: service evaluation and complaints (服务评价、监督投诉).

Staff read the feedback of their regions (``GET feedback/``, filtered and
scoped; an inspector reads only the ratings of their own visits and
inspections), supervisors handle complaints (``POST feedback/{id}/take/``,
``reply/``, ``close/``), officers issue links (``POST feedback/links/`` →
the one-time URL, its expiry and its QR code). The enterprise submits
without login through ``POST feedback/submit/`` (throttled per address by
DRF's ScopedRateThrottle, scope ``feedback``, and per link like the pages).
Thin doors into cases.feedback_services.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import Throttled
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from accounts.selectors import restrict_to_regions
from cases import feedback_selectors as selectors
from cases import feedback_services as services
from cases.api.feedback_serializers import (
    CloseInSerializer,
    FeedbackDetailSerializer,
    FeedbackSerializer,
    LinkInSerializer,
    LinkOutSerializer,
    ReplyInSerializer,
    SubmitInSerializer,
    SubmitOutSerializer,
    TakeInSerializer,
)
from cases.feedback_choices import FeedbackKind
from cases.feedback_filters import FeedbackFilter
from cases.feedback_ratelimit import feedback_rate_ok, retry_after
from cases.models import Feedback, Inspection
from companies.models import Visit

ACTION_PERMISSIONS = {
    "links": "cases.add_feedbacklink",
    "take": "cases.change_feedback",
    "reply": "cases.change_feedback",
    "close": "cases.change_feedback",
}


class FeedbackPermission(permissions.BasePermission):
    """Reading needs ``view_feedback``; issuing links ``add_feedbacklink``;
    handling complaints ``change_feedback``. The services check the role and
    the scope again."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if view.action in ACTION_PERMISSIONS:
            return user.has_perm(ACTION_PERMISSIONS[view.action])
        return user.has_perm("cases.view_feedback")


class FeedbackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """服务评价与投诉. Feedback is never edited or deleted; complaints move through
    their actions only."""

    permission_classes = [FeedbackPermission]
    filterset_class = FeedbackFilter
    # Only the anonymous submit action is throttled (ScopedRateThrottle, per address).
    throttle_scope = "feedback"
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.feedback_list(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return FeedbackDetailSerializer
        return FeedbackSerializer

    def _detail(self, feedback) -> Response:
        feedback = selectors.feedback_get(user=self.request.user, pk=feedback.pk)
        data = FeedbackDetailSerializer(feedback, context=self.get_serializer_context()).data
        return Response(data)

    def _complaint(self, pk):
        # Out of the regions, or an id that is not a number (DRF's
        # get_object_or_404): 404; the role and "not about oneself" are the service's.
        return get_object_or_404(
            restrict_to_regions(Feedback.objects.all(), self.request.user), pk=pk
        )

    @extend_schema(
        summary="受理投诉",
        request=TakeInSerializer,
        responses={
            200: FeedbackDetailSerializer,
            403: OpenApiResponse(description="非负责人，或投诉涉及本人"),
            409: OpenApiResponse(description="投诉已被受理或已办结"),
        },
    )
    @action(detail=True, methods=["post"])
    def take(self, request, pk=None):
        serializer = TakeInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.complaint_take(
            feedback=self._complaint(pk), actor=request.user, **serializer.validated_data
        )
        return self._detail(feedback)

    @extend_schema(
        summary="答复投诉",
        request=ReplyInSerializer,
        responses={200: FeedbackDetailSerializer, 409: OpenApiResponse(description="未受理")},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request, pk=None):
        serializer = ReplyInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.complaint_reply(
            feedback=self._complaint(pk), actor=request.user, **serializer.validated_data
        )
        return self._detail(feedback)

    @extend_schema(
        summary="办结投诉",
        request=CloseInSerializer,
        responses={
            200: FeedbackDetailSerializer,
            409: OpenApiResponse(description="未受理或未答复"),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        serializer = CloseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feedback = services.complaint_close(
            feedback=self._complaint(pk), actor=request.user, **serializer.validated_data
        )
        return self._detail(feedback)

    @extend_schema(
        summary="生成评价链接",
        request=LinkInSerializer,
        responses={
            201: LinkOutSerializer,
            403: OpenApiResponse(description="非本次走访或检查的执法人员"),
            404: OpenApiResponse(description="走访或检查不存在或不在管辖范围内"),
        },
    )
    @action(detail=False, methods=["post"])
    def links(self, request):
        """A one-time link for a visit or an inspection, with its QR code; re-issuing
        revokes the previous unused link. The URL is answered once, never stored."""
        serializer = LinkInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        visit = inspection = None
        if data.get("visit") is not None:
            visit = get_object_or_404(Visit, pk=data["visit"])
        if data.get("inspection") is not None:
            inspection = get_object_or_404(Inspection, pk=data["inspection"])
        link, _token, url = services.feedback_link_create(
            actor=request.user, visit=visit, inspection=inspection, request=request
        )
        body = {
            "id": link.pk,
            "url": url,
            "expires_at": link.expires_at,
            "qr_svg": services.feedback_qr_svg(url),
            "enterprise": link.enterprise_id,
            "visit": link.visit_id,
            "inspection": link.inspection_id,
        }
        return Response(LinkOutSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="企业提交评价或投诉（无需登录）",
        request=SubmitInSerializer,
        responses={
            201: SubmitOutSerializer,
            404: OpenApiResponse(description="链接无效"),
            409: OpenApiResponse(description="链接已使用、已过期或已作废；本次服务已评价"),
            429: OpenApiResponse(description="请求过于频繁"),
        },
        auth=[],
    )
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[permissions.AllowAny],
        authentication_classes=[],
        throttle_classes=[ScopedRateThrottle],
    )
    def submit(self, request):
        """The enterprise's rating (1–5 and a comment) or complaint, through the
        one-time link's token. A link is used once."""
        serializer = SubmitInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not feedback_rate_ok(request, data["token"]):
            raise Throttled(wait=retry_after(), detail="请求过于频繁，请稍后再试")
        feedback = services.feedback_submit(raw_token=data.pop("token"), **data)
        message = (
            "感谢您的评价" if feedback.kind == FeedbackKind.RATING else "投诉已提交，将由负责人受理"
        )
        body = {"kind": feedback.kind, "submitted_on": feedback.submitted_on, "message": message}
        return Response(SubmitOutSerializer(body).data, status=status.HTTP_201_CREATED)
