"""Serializers of the inspection endpoints: shapes only; rules are in the services."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Officer
from cases.api.case_serializers import EvidenceSerializer, OfficerBriefSerializer
from cases.choices import (
    FindingSeverity,
    FindingStatus,
    InspectionOutcome,
    InspectionTrigger,
    LadderStep,
)
from cases.models import (
    CheckIn,
    Finding,
    Inspection,
    InspectionPlan,
    InspectionTransition,
    LadderDecision,
    OffsiteRecord,
    PlanDrawItem,
)
from companies.models import Enterprise


class InspectionEvidenceSerializer(EvidenceSerializer):
    def get_download(self, evidence) -> str:
        return f"/api/v1/inspections/{evidence.inspection_id}/evidence/{evidence.id}/download/"


class FindingInSerializer(serializers.Serializer):
    violation_type = serializers.CharField(
        required=False, allow_blank=True, allow_null=True, help_text="违法行为类型编码"
    )
    description = serializers.CharField()
    severity = serializers.ChoiceField(choices=FindingSeverity.choices)
    corrected_on_spot = serializers.BooleanField(required=False, default=False)


class FindingSerializer(serializers.ModelSerializer):
    violation_type = serializers.CharField(
        source="violation_type.code", default=None, allow_null=True
    )
    violation_type_name = serializers.CharField(
        source="violation_type.name", default=None, allow_null=True
    )
    severity_display = serializers.CharField(source="get_severity_display")
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    verified_by = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Finding
        fields = [
            "id",
            "inspection",
            "violation_type",
            "violation_type_name",
            "description",
            "severity",
            "severity_display",
            "corrected_on_spot",
            "status",
            "status_display",
            "found_on",
            "carried_from",
            "corrected_on",
            "verified_by",
        ]
        read_only_fields = fields


class InspectionCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    officers = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.select_related("user"), many=True, help_text="不少于两人"
    )
    trigger = serializers.ChoiceField(choices=InspectionTrigger.choices)
    trigger_reason = serializers.CharField(required=False, allow_blank=True, default="")
    inspected_on = serializers.DateField(required=False, help_text="检查日期，默认今天")
    plan = serializers.PrimaryKeyRelatedField(
        queryset=InspectionPlan.objects.all(), required=False, allow_null=True
    )
    draw_item = serializers.PrimaryKeyRelatedField(
        queryset=PlanDrawItem.objects.all(), required=False, allow_null=True
    )
    offsite_record = serializers.PrimaryKeyRelatedField(
        queryset=OffsiteRecord.objects.all(), required=False, allow_null=True
    )
    follow_up_of = serializers.PrimaryKeyRelatedField(
        queryset=Inspection.objects.all(), required=False, allow_null=True
    )
    emergency = serializers.BooleanField(required=False, default=False)
    emergency_reason = serializers.CharField(required=False, allow_blank=True, default="")
    findings = FindingInSerializer(many=True, required=False, default=list)


class InspectionListSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    trigger_display = serializers.CharField(source="get_trigger_display", read_only=True)
    officers = OfficerBriefSerializer(many=True, read_only=True)
    findings = FindingSerializer(many=True, read_only=True)
    penalty_cases = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    approval_pending = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "plan",
            "draw_item",
            "trigger",
            "trigger_display",
            "trigger_reason",
            "offsite_record",
            "follow_up_of",
            "status",
            "status_display",
            "emergency",
            "emergency_reason",
            "approved_by",
            "approved_at",
            "approval_pending",
            "inspected_on",
            "started_at",
            "ended_at",
            "officers",
            "signature",
            "signed_by",
            "refusal_witness",
            "outcome",
            "rectification_due_on",
            "ladder_proposal",
            "summary",
            "findings",
            "penalty_cases",
            "updated_at",
        ]
        read_only_fields = fields

    def get_approval_pending(self, inspection) -> bool:
        from cases.inspection_services import late_approval_pending

        return late_approval_pending(inspection)


class CheckInSerializer(serializers.ModelSerializer):
    officer_name = serializers.CharField(source="officer.name", read_only=True)

    class Meta:
        model = CheckIn
        fields = ["id", "inspection", "officer", "officer_name", "at", "latitude", "longitude"]
        read_only_fields = fields


class InspectionTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, allow_null=True)

    class Meta:
        model = InspectionTransition
        fields = ["from_status", "to_status", "label", "actor", "at", "note"]
        read_only_fields = fields


class AllowedStepSerializer(serializers.Serializer):
    to = serializers.CharField(source="target")
    label = serializers.CharField()


class InspectionDetailSerializer(InspectionListSerializer):
    """The inspection with its check-ins, history and the moves the user may make."""

    check_ins = CheckInSerializer(many=True, read_only=True)
    history = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()

    class Meta(InspectionListSerializer.Meta):
        fields = [
            *InspectionListSerializer.Meta.fields,
            "check_ins",
            "history",
            "allowed_transitions",
        ]
        read_only_fields = fields

    def get_history(self, inspection) -> list[dict]:
        from cases.inspection_selectors import inspection_history

        return InspectionTransitionSerializer(inspection_history(inspection), many=True).data

    def get_allowed_transitions(self, inspection) -> list[dict]:
        from cases.inspection_services import allowed_steps

        steps = allowed_steps(inspection, self.context["request"].user)
        return AllowedStepSerializer(steps, many=True).data


class ApproveInSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="审批意见；事后补批必填"
    )


class CancelInSerializer(serializers.Serializer):
    reason = serializers.CharField()


class StartInSerializer(serializers.Serializer):
    started_at = serializers.DateTimeField(required=False, allow_null=True)


class CheckInInSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="入企二维码中的签名令牌（/checkin/<token>/ 中的部分）")
    latitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True
    )
    longitude = serializers.DecimalField(
        max_digits=12, decimal_places=8, required=False, allow_null=True
    )
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="扫码时间，默认现在")


class VerifyInSerializer(serializers.Serializer):
    corrected_on = serializers.DateField(required=False, help_text="核实日期，默认今天")


class SignInSerializer(serializers.Serializer):
    signed_by = serializers.CharField(help_text="签字人姓名")


class RefuseInSerializer(serializers.Serializer):
    witness = serializers.CharField(help_text="见证人")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CaseViolationItemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="违法行为类型编码")
    facts = serializers.CharField()


class CompleteInSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=InspectionOutcome.choices)
    rectification_due_on = serializers.DateField(required=False, allow_null=True)
    case_violations = CaseViolationItemSerializer(many=True, required=False, allow_null=True)
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    ended_at = serializers.DateTimeField(required=False, allow_null=True)


class LadderProposalSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField()
    as_of = serializers.DateField()
    step = serializers.ChoiceField(choices=LadderStep.choices)
    step_display = serializers.CharField()
    minor_count = serializers.IntegerField(help_text="窗口期内发现轻微问题的次数（按检查计）")
    window_start = serializers.DateField()
    window_months = serializers.IntegerField()


class CompleteOutSerializer(serializers.Serializer):
    inspection = InspectionDetailSerializer()
    case = serializers.IntegerField(allow_null=True, help_text="立案查处时打开的案件 id")
    ladder = LadderProposalSerializer()


class LadderDecisionSerializer(serializers.ModelSerializer):
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)

    class Meta:
        model = LadderDecision
        fields = [
            "id",
            "enterprise",
            "inspection",
            "minor_findings",
            "window_start",
            "proposed",
            "decided",
            "decided_on",
            "decided_by",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class LadderOutSerializer(serializers.Serializer):
    proposal = LadderProposalSerializer()
    decisions = LadderDecisionSerializer(many=True)


class LadderDecideInSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    inspection = serializers.PrimaryKeyRelatedField(
        queryset=Inspection.objects.all(), required=False, allow_null=True
    )
    decided = serializers.ChoiceField(choices=LadderStep.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    decided_on = serializers.DateField(required=False, help_text="决定日期，默认今天")
