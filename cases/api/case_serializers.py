"""Serializers of the penalty-case endpoints: shapes only; rules are in the services."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Officer
from cases.choices import (
    CaseSource,
    CaseStatus,
    ClosingReason,
    MeasureKind,
    PartyKind,
    PaymentKind,
    PaymentPlan,
    TransferKind,
    WaiverKind,
)
from cases.models import CaseEvent, CaseTransition, Evidence, Payment, PenaltyCase, SpecialMeasure
from cases.services import EVENT_CHOICES
from companies.models import Enterprise

MONEY = {"max_digits": 14, "decimal_places": 2}


class CaseViolationInSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="违法行为类型编码（violation-types/）")
    facts = serializers.CharField()
    base_amount = serializers.DecimalField(required=False, allow_null=True, **MONEY)
    days = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    occurrences = serializers.IntegerField(required=False, allow_null=True, min_value=1)


class CaseViolationOutSerializer(serializers.Serializer):
    type = serializers.CharField(source="violation_type.code")
    type_name = serializers.CharField(source="violation_type.name")
    category = serializers.CharField(source="violation_type.category")
    facts = serializers.CharField()
    base_amount = serializers.DecimalField(allow_null=True, **MONEY)
    days = serializers.IntegerField(allow_null=True)
    occurrences = serializers.IntegerField(allow_null=True)


class OfficerBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Officer
        fields = ["id", "name", "badge_number"]


class PenaltyCaseCreateSerializer(serializers.Serializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    source = serializers.ChoiceField(choices=CaseSource.choices)
    source_reference = serializers.CharField(required=False, allow_blank=True, default="")
    discovered_on = serializers.DateField(required=False, help_text="发现日期，默认今天")
    title = serializers.CharField(required=False, allow_blank=True, default="")
    party_kind = serializers.ChoiceField(
        choices=PartyKind.choices, required=False, default=PartyKind.ORGANISATION
    )
    violations = CaseViolationInSerializer(many=True)
    officers = serializers.PrimaryKeyRelatedField(queryset=Officer.objects.all(), many=True)


class PenaltyCaseUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True)
    is_complex = serializers.BooleanField(required=False)
    violations = CaseViolationInSerializer(many=True, required=False)
    officers = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.all(), many=True, required=False
    )


class PenaltyCaseListSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    officers = OfficerBriefSerializer(many=True, read_only=True)
    violations = CaseViolationOutSerializer(many=True, read_only=True)

    class Meta:
        model = PenaltyCase
        fields = [
            "id",
            "number",
            "status",
            "status_display",
            "enterprise",
            "enterprise_name",
            "region",
            "party_kind",
            "source",
            "source_reference",
            "title",
            "discovered_on",
            "filed_on",
            "notified_on",
            "decided_on",
            "served_on",
            "closed_on",
            "archived_on",
            "proposed_fine",
            "recommended_fine",
            "fine_amount",
            "waiver_kind",
            "transfer_kind",
            "officers",
            "violations",
            "next_deadline_on",
            "next_deadline_label",
            "due_soon",
            "overdue",
            "updated_at",
        ]
        read_only_fields = fields


class DeadlineSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    due_on = serializers.DateField()
    days_left = serializers.IntegerField()
    overdue = serializers.BooleanField()
    due_soon = serializers.BooleanField()
    working_days = serializers.BooleanField()
    estimated = serializers.BooleanField()
    warning = serializers.CharField(allow_null=True)


class AllowedTransitionSerializer(serializers.Serializer):
    to = serializers.CharField(source="target")
    label = serializers.CharField()


class BalanceSerializer(serializers.Serializer):
    fine = serializers.DecimalField(**MONEY)
    fine_paid = serializers.DecimalField(**MONEY)
    fine_outstanding = serializers.DecimalField(**MONEY)
    days_late = serializers.IntegerField()
    late_fee = serializers.DecimalField(**MONEY)
    late_fee_paid = serializers.DecimalField(**MONEY)
    late_fee_outstanding = serializers.DecimalField(**MONEY)
    total_due = serializers.DecimalField(**MONEY)


class PenaltyCaseDetailSerializer(PenaltyCaseListSerializer):
    """The case with what the user may do next and its running deadlines."""

    allowed_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    balance = serializers.SerializerMethodField()

    class Meta(PenaltyCaseListSerializer.Meta):
        fields = [
            *PenaltyCaseListSerializer.Meta.fields,
            "heavy_penalty",
            "is_complex",
            "hearing_offered",
            "hearing_requested_on",
            "hearing_held_on",
            "statement_made",
            "legal_review_on",
            "collective_discussion_on",
            "fine_reason",
            "other_penalties",
            "commitment_letter",
            "filing_extended",
            "decision_extensions",
            "suspended_days",
            "payment_plan",
            "payment_due_on",
            "closing_reason",
            "allowed_transitions",
            "deadlines",
            "balance",
        ]
        read_only_fields = fields

    @staticmethod
    def _user(serializer):
        return serializer.context["request"].user

    def get_allowed_transitions(self, case) -> list[dict]:
        from cases.workflow import allowed_transitions

        steps = allowed_transitions(case, self._user(self))
        return AllowedTransitionSerializer(steps, many=True).data

    def get_deadlines(self, case) -> list[dict]:
        from cases.deadlines import case_deadlines

        return DeadlineSerializer(case_deadlines(case), many=True).data

    def get_balance(self, case) -> dict | None:
        from cases.penalties import case_balance

        if case.fine_amount is None or case.status not in (
            CaseStatus.SERVED,
            CaseStatus.EXECUTING,
            CaseStatus.CLOSED,
            CaseStatus.ARCHIVED,
        ):
            return None
        balance = case_balance(case)
        data = BalanceSerializer(balance).data
        return data


# The fields every step may carry; which are required depends on the step
# (cases.workflow). Unknown fields are ignored.
class TransitionInSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=CaseStatus.choices)
    on = serializers.DateField(required=False, help_text="生效日期，默认今天；不得晚于今天")
    note = serializers.CharField(required=False, allow_blank=True, default="")
    expected_status = serializers.ChoiceField(
        choices=CaseStatus.choices,
        required=False,
        help_text="调用方看到的当前状态；若已被他人改变则返回 409",
    )
    reason = serializers.CharField(required=False, allow_blank=True)
    proposed_fine = serializers.DecimalField(required=False, min_value=0, **MONEY)
    heavy_penalty = serializers.BooleanField(required=False)
    is_complex = serializers.BooleanField(required=False)
    other_penalties = serializers.CharField(required=False, allow_blank=True)
    fine_amount = serializers.DecimalField(required=False, min_value=0, **MONEY)
    fine_reason = serializers.CharField(required=False, allow_blank=True)
    discussion_on = serializers.DateField(required=False)
    waiver_kind = serializers.ChoiceField(choices=WaiverKind.choices, required=False)
    commitment_letter = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=PenaltyCase._meta.get_field("commitment_letter").max_length,
    )
    first_violation = serializers.BooleanField(required=False)
    corrected = serializers.BooleanField(required=False)
    no_harm = serializers.BooleanField(required=False)
    transfer_kind = serializers.ChoiceField(choices=TransferKind.choices, required=False)
    closing_reason = serializers.ChoiceField(choices=ClosingReason.choices, required=False)


class TransitionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = CaseTransition
        fields = ["id", "from_status", "to_status", "on", "at", "actor", "note", "data"]


class EventInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=EVENT_CHOICES)
    on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "on", "at", "actor", "reason", "data"]


class DiscretionInSerializer(serializers.Serializer):
    factors = serializers.DictField(
        child=serializers.CharField(), help_text='裁量因素及所选情形，如 {"harm": "general"}'
    )
    save = serializers.BooleanField(
        required=False, default=True, help_text="保存为本案裁量建议（作出决定时据此核对）"
    )


class PaymentSerializer(serializers.ModelSerializer):
    paid_on = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=PaymentKind.choices, required=False)

    class Meta:
        model = Payment
        fields = ["id", "kind", "paid_on", "amount", "receipt_number", "recorded_at"]
        read_only_fields = ["recorded_at"]


class PaymentPlanInSerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=[PaymentPlan.DEFERRED, PaymentPlan.INSTALMENT])
    due_on = serializers.DateField(help_text="批准后的最终缴款期限")
    reason = serializers.CharField()
    on = serializers.DateField(required=False)
    instalments = serializers.ListField(child=serializers.DictField(), required=False)


class MeasureSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MeasureKind.choices)

    class Meta:
        model = SpecialMeasure
        fields = [
            "id",
            "kind",
            "on",
            "ends_on",
            "extended_until",
            "correction_served_on",
            "reinspected_on",
            "days",
            "amount",
            "note",
            "updated_at",
        ]
        read_only_fields = ["extended_until", "days", "amount", "updated_at"]


class SealExtensionInSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField()


class EvidenceSerializer(serializers.ModelSerializer):
    file = serializers.FileField(write_only=True)
    download = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "file",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "description",
            "uploaded_at",
            "download",
        ]
        read_only_fields = ["original_name", "content_type", "size", "sha256", "uploaded_at"]

    def get_download(self, evidence) -> str:
        return f"/api/v1/cases/{evidence.case_id}/evidence/{evidence.id}/download/"
