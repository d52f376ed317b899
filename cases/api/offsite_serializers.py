"""Serializers of the non-site record endpoints: shapes only.

The write shapes (``OffsiteRecordInSerializer``, ``OffsiteBulkInSerializer``) document
the request in the OpenAPI schema; the views hand the parsed JSON to
``cases.offsite_services``, which validates it, so a batch of 5,000 records
costs no serializer per item and a single record obeys exactly the same rules.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Officer
from cases.api.case_serializers import CaseViolationInSerializer
from cases.choices import DismissalReason, OffsiteSource, OffsiteStatus
from cases.models import OffsiteRecord, OffsiteTriageStep
from cases.offsite_services import MAX_BATCH, allowed_triage, hours_to_triage

NUMBER = {"max_digits": 16, "decimal_places": 4}


class OffsiteRecordInSerializer(serializers.Serializer):
    """One record as a monitoring platform sends it. Name the enterprise by
    ``enterprise`` (id) or ``enterprise_uscc`` (统一社会信用代码)."""

    source = serializers.ChoiceField(choices=OffsiteSource.choices)
    external_id = serializers.CharField(max_length=100, help_text="平台记录号，同一来源内唯一")
    enterprise = serializers.IntegerField(required=False, help_text="企业 id")
    enterprise_uscc = serializers.CharField(
        required=False, max_length=18, help_text="统一社会信用代码（可代替企业 id）"
    )
    monitoring_point = serializers.CharField(required=False, max_length=100, allow_blank=True)
    indicator = serializers.CharField(
        max_length=100, help_text="监测指标，如 颗粒物、COD、治污设施电流"
    )
    value = serializers.DecimalField(required=False, allow_null=True, **NUMBER)
    limit = serializers.DecimalField(required=False, allow_null=True, **NUMBER)
    unit = serializers.CharField(required=False, max_length=32, allow_blank=True)
    started_at = serializers.DateTimeField(help_text="开始时间，ISO 8601，须带时区偏移")
    ended_at = serializers.DateTimeField(required=False, allow_null=True)


class OffsiteBulkInSerializer(serializers.Serializer):
    items = OffsiteRecordInSerializer(many=True, help_text=f"最多 {MAX_BATCH} 条")


class OffsiteBulkErrorSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="出错记录在 items 中的序号（从 0 起）")
    field = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()


class OffsiteBulkResultSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(allow_null=True),
        help_text="与 items 一一对应的记录 id；被拒绝的记录为 null",
    )
    created = serializers.IntegerField(help_text="本次新建的记录数")
    existing = serializers.IntegerField(help_text="已存在（或本批中重复）而未新建的记录数")
    errors = OffsiteBulkErrorSerializer(many=True)


class OffsiteRecordSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    enterprise_uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    source_display = serializers.CharField(source="get_source_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    hours_to_triage = serializers.SerializerMethodField(
        help_text="从开始时间到首次处置的小时数（未处置为 null）"
    )
    inspections = serializers.SerializerMethodField(help_text="由本记录发起的现场检查 id")
    cases = serializers.SerializerMethodField(help_text="由本记录立案查处的案件 id")

    class Meta:
        model = OffsiteRecord
        fields = [
            "id",
            "source",
            "source_display",
            "external_id",
            "enterprise",
            "enterprise_name",
            "enterprise_uscc",
            "region",
            "monitoring_point",
            "indicator",
            "value",
            "limit",
            "unit",
            "started_at",
            "ended_at",
            "detected_on",
            "status",
            "status_display",
            "dismissal_reason",
            "triage_note",
            "enterprise_response",
            "triaged_at",
            "triaged_by",
            "hours_to_triage",
            "inspections",
            "cases",
            "received_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_hours_to_triage(self, record) -> float | None:
        return hours_to_triage(record)

    def get_inspections(self, record) -> list[int]:
        return [inspection.pk for inspection in record.inspections.all()]

    def get_cases(self, record) -> list[int]:
        return [case.pk for case in record.penalty_cases.all()]


class OffsiteAllowedTriageSerializer(serializers.Serializer):
    to = serializers.CharField(source="target")
    label = serializers.CharField()


class OffsiteTriageStepSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)

    class Meta:
        model = OffsiteTriageStep
        fields = ["id", "from_status", "to_status", "on", "at", "actor", "reason", "data"]


class OffsiteRecordDetailSerializer(OffsiteRecordSerializer):
    """The record with the steps the user may take now and its triage history."""

    allowed_triage = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()

    class Meta(OffsiteRecordSerializer.Meta):
        fields = [*OffsiteRecordSerializer.Meta.fields, "allowed_triage", "history"]
        read_only_fields = fields

    @extend_schema_field(OffsiteAllowedTriageSerializer(many=True))
    def get_allowed_triage(self, record) -> list[dict]:
        steps = allowed_triage(record, self.context["request"].user)
        return OffsiteAllowedTriageSerializer(steps, many=True).data

    @extend_schema_field(OffsiteTriageStepSerializer(many=True))
    def get_history(self, record) -> list[dict]:
        from cases.offsite_selectors import offsite_triage_history

        return OffsiteTriageStepSerializer(offsite_triage_history(record), many=True).data


class OffsiteTriageInSerializer(serializers.Serializer):
    """A triage step. Every step needs ``reason``; ``dismissed`` also
    ``dismissal_reason``, ``rectified_online`` ``enterprise_response``,
    ``inspection_requested`` ``officers``, ``case_opened`` ``violations`` and
    ``officers``."""

    to = serializers.ChoiceField(choices=OffsiteStatus.choices)
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="处置理由（每一步必填）"
    )
    on = serializers.DateField(required=False, help_text="处置日期，默认今天；不得晚于今天")
    dismissal_reason = serializers.ChoiceField(choices=DismissalReason.choices, required=False)
    enterprise_response = serializers.CharField(required=False, allow_blank=True, default="")
    officers = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.select_related("user"), many=True, required=False
    )
    violations = CaseViolationInSerializer(many=True, required=False)
