"""Serializers of the cases app's API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.discretion import factor_table
from cases.models import ViolationType

# --- Violation library (违法行为库) ------------------------------------------------


class DiscretionOptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    percent = serializers.FloatField(help_text="该选项的百分值，可为负（从轻）")


class DiscretionFactorSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    options = DiscretionOptionSerializer(many=True)


class ViolationTypeSerializer(serializers.ModelSerializer):
    """A violation type with its legal basis, statutory fine and discretion factors.

    ``discretion_factors`` is the table an officer chooses from for this type:
    the default Hebei table with the type's own adjustments merged in.
    """

    category_label = serializers.CharField(source="get_category_display", read_only=True)
    fine_rule_label = serializers.CharField(source="get_fine_rule_display", read_only=True)
    discretion_factors = serializers.SerializerMethodField()

    class Meta:
        model = ViolationType
        fields = [
            "code",
            "name",
            "category",
            "category_label",
            "legal_basis",
            "penalty_basis",
            "fine_rule",
            "fine_rule_label",
            "fine_min",
            "fine_max",
            "percent_min",
            "percent_max",
            "base_amount_label",
            "other_penalties",
            "waiver_eligible",
            "discretion_factors",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(DiscretionFactorSerializer(many=True))
    def get_discretion_factors(self, obj: ViolationType) -> list[dict]:
        return [factor.as_dict() for factor in factor_table(obj)]


class DiscretionRequestSerializer(serializers.Serializer):
    """The facts a recommended fine is computed from."""

    factors = serializers.DictField(
        child=serializers.CharField(),
        help_text='每个裁量因素选定的选项，如 {"harm": "general", "fault": "negligent", …}',
    )
    base_amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="计罚基数（元），按比例计罚时必填，如建设项目总投资额",
    )
    days = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="违法天数，按日计罚时必填"
    )
    occurrences = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="违法次数，按次计罚时必填"
    )


class DiscretionResultSerializer(serializers.Serializer):
    """A recommended fine, its statutory range and one explanation line per factor."""

    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="建议罚款（元）")
    minimum = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="法定最低罚款（元）"
    )
    maximum = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="法定最高罚款（元）"
    )
    percent = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="百分值合计")
    lines = serializers.ListField(child=serializers.CharField(), help_text="每个裁量因素一行说明")
    summary = serializers.CharField(help_text="金额的计算过程")
    factors = serializers.DictField(child=serializers.CharField(), help_text="所依据的选项")
