"""Serializers of the feedback endpoints (服务评价、监督投诉): shapes only; the
rules are in cases.feedback_services."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.api.case_serializers import OfficerBriefSerializer
from cases.feedback_choices import ComplaintStatus, FeedbackKind
from cases.feedback_services import COMMENT_MAX_LENGTH, REPLY_MAX_LENGTH
from cases.models import ComplaintStep, Feedback


class FeedbackSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status = serializers.ChoiceField(
        choices=ComplaintStatus.choices,
        allow_blank=True,
        read_only=True,
        help_text="投诉的办理状态；服务评价为空",
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    officers = serializers.SerializerMethodField(help_text="本次服务的执法人员（链接所示）")
    subject_officers = OfficerBriefSerializer(many=True, read_only=True)
    handler_name = serializers.SerializerMethodField()

    class Meta:
        model = Feedback
        fields = [
            "id",
            "kind",
            "kind_display",
            "enterprise",
            "enterprise_name",
            "region",
            "visit",
            "inspection",
            "officers",
            "rating",
            "comment",
            "subject_officers",
            "contact",
            "submitted_on",
            "submitted_at",
            "status",
            "status_display",
            "handler",
            "handler_name",
            "taken_on",
            "reply",
            "replied_on",
            "closed_on",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(OfficerBriefSerializer(many=True))
    def get_officers(self, feedback: Feedback) -> list[dict]:
        return OfficerBriefSerializer(feedback.link.officers.all(), many=True).data

    def get_handler_name(self, feedback: Feedback) -> str | None:
        user = feedback.handler
        if user is None:
            return None
        officer = getattr(user, "officer", None)
        return officer.name if officer is not None else user.get_username()


class ComplaintStepSerializer(serializers.ModelSerializer):
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintStep
        fields = ["from_status", "to_status", "label", "on", "actor", "actor_name", "at", "note"]

    def get_actor_name(self, step: ComplaintStep) -> str | None:
        user = step.actor
        if user is None:
            return None
        officer = getattr(user, "officer", None)
        return officer.name if officer is not None else user.get_username()


class AllowedMoveSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()


class FeedbackDetailSerializer(FeedbackSerializer):
    steps = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text="当前用户现在可以办理的环节")

    class Meta(FeedbackSerializer.Meta):
        fields = [*FeedbackSerializer.Meta.fields, "steps", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(ComplaintStepSerializer(many=True))
    def get_steps(self, feedback: Feedback) -> list[dict]:
        from cases.feedback_selectors import complaint_history

        return ComplaintStepSerializer(complaint_history(feedback), many=True).data

    @extend_schema_field(AllowedMoveSerializer(many=True))
    def get_allowed_actions(self, feedback: Feedback) -> list[dict]:
        from cases.feedback_services import allowed_complaint_moves

        request = self.context.get("request")
        user = getattr(request, "user", None)
        return [
            {"name": move.name, "label": move.label}
            for move in allowed_complaint_moves(feedback, user)
        ]


class TakeInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReplyInSerializer(serializers.Serializer):
    reply = serializers.CharField(max_length=REPLY_MAX_LENGTH, help_text="答复内容")
    replied_on = serializers.DateField(required=False, help_text="答复日期，默认今天")


class CloseInSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")
    closed_on = serializers.DateField(required=False, help_text="办结日期，默认今天")


class LinkInSerializer(serializers.Serializer):
    """Name exactly one of ``visit`` and ``inspection``."""

    visit = serializers.IntegerField(required=False, allow_null=True, help_text="走访 id")
    inspection = serializers.IntegerField(required=False, allow_null=True, help_text="现场检查 id")


class LinkOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField(help_text="交给企业的一次性链接（仅此一次返回）")
    expires_at = serializers.DateTimeField()
    qr_svg = serializers.CharField(help_text="链接的二维码（SVG）")
    enterprise = serializers.IntegerField()
    visit = serializers.IntegerField(allow_null=True)
    inspection = serializers.IntegerField(allow_null=True)


class SubmitInSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=100, help_text="链接中的令牌")
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    rating = serializers.IntegerField(
        required=False, allow_null=True, help_text="服务评价的评分 1–5"
    )
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=COMMENT_MAX_LENGTH,
        help_text="评价意见，或投诉内容",
    )
    complaint_text = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=COMMENT_MAX_LENGTH
    )
    subject_officers = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        default=list,
        help_text="被投诉人员 id（须为链接所示人员）",
    )
    contact = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)


class SubmitOutSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    submitted_on = serializers.DateField()
    message = serializers.CharField()
