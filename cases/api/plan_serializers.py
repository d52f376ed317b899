"""Serializers of the inspection-plan endpoints (执法计划, 双随机、一公开):
shapes only; rules are in cases.plan_services.

The public shapes (``Public…``) carry no officer: neither names nor badge
numbers leave the building through the disclosure (一公开).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cases.choices import InspectionOutcome, InspectionStatus, PlanStatus, PoolKind
from cases.models import InspectionPlan, PlanDrawItem, PlanPool
from cases.plan_selectors import draw_summary, public_outcome_text
from cases.plan_services import SEED_MAX

# --- shared pieces ----------------------------------------------------------------------------


class PlanPoolSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=PoolKind.choices)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    ratio = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="抽取比例（%），大于 0 且不超过 100"
    )

    class Meta:
        model = PlanPool
        fields = ["kind", "kind_display", "ratio"]


class RegionBriefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class InspectionBriefSerializer(serializers.Serializer):
    """The inspection made of a drawn enterprise; its outcome once completed."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=InspectionStatus.choices)
    inspected_on = serializers.DateField()
    outcome = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(choices=InspectionOutcome.choices, allow_null=True)
    )
    def get_outcome(self, inspection) -> str | None:
        if inspection.status != InspectionStatus.COMPLETED:
            return None
        return inspection.outcome or None


def _inspection_of(item: PlanDrawItem):
    try:
        return item.inspection
    except PlanDrawItem.inspection.RelatedObjectDoesNotExist:
        return None


class PoolSizeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PoolKind.choices)
    label = serializers.CharField()
    ratio = serializers.DecimalField(max_digits=5, decimal_places=2)
    candidates = serializers.IntegerField(help_text="参加抽取的企业数")


class DrawSummarySerializer(serializers.Serializer):
    method = serializers.IntegerField(help_text="抽取方法版本")
    pools = PoolSizeSerializer(many=True)
    excluded_positive_list = serializers.IntegerField(help_text="正面清单企业（不参加抽取）")
    excluded_recently_inspected = serializers.IntegerField(help_text="近期已检查的企业")
    excluded_yearly_cap = serializers.IntegerField(help_text="年度检查次数已达上限的企业")


# --- staff API --------------------------------------------------------------------------------


class PlanOfficerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    badge_number = serializers.CharField(allow_null=True)


class PlanItemSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    pool_display = serializers.CharField(source="get_pool_display", read_only=True)
    officers = PlanOfficerSerializer(many=True, read_only=True)
    inspection = serializers.SerializerMethodField()

    class Meta:
        model = PlanDrawItem
        fields = [
            "id",
            "position",
            "enterprise",
            "enterprise_name",
            "uscc",
            "region",
            "region_name",
            "pool",
            "pool_display",
            "officers",
            "inspection",
        ]
        read_only_fields = fields

    @extend_schema_field(InspectionBriefSerializer(allow_null=True))
    def get_inspection(self, item: PlanDrawItem) -> dict | None:
        inspection = _inspection_of(item)
        return InspectionBriefSerializer(inspection).data if inspection else None


class InspectionPlanListSerializer(serializers.ModelSerializer):
    regions = serializers.SerializerMethodField()
    pools = PlanPoolSerializer(many=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    item_count = serializers.IntegerField(read_only=True, help_text="抽中企业数")

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "name",
            "period_start",
            "period_end",
            "regions",
            "pools",
            "yearly_cap",
            "exclude_inspected_within_days",
            "status",
            "status_display",
            "seed",
            "drawn_at",
            "published_at",
            "item_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_regions(self, plan: InspectionPlan) -> list[str]:
        return [region.code for region in plan.regions.all()]


class InspectionPlanDetailSerializer(InspectionPlanListSerializer):
    # Set by the view (cases.plan_selectors.plan_items): the drawn enterprises
    # of the caller's regions, all of them for city staff.
    items = PlanItemSerializer(source="drawn_items", many=True, read_only=True)
    draw_summary = serializers.SerializerMethodField()

    class Meta(InspectionPlanListSerializer.Meta):
        fields = [*InspectionPlanListSerializer.Meta.fields, "draw_summary", "items"]
        read_only_fields = fields

    @extend_schema_field(DrawSummarySerializer(allow_null=True))
    def get_draw_summary(self, plan: InspectionPlan) -> dict | None:
        return draw_summary(plan)


class InspectionPlanCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    regions = serializers.ListField(
        child=serializers.CharField(max_length=6),
        allow_empty=False,
        help_text='抽查区划代码（含下级），如 ["131082"]',
    )
    pools = PlanPoolSerializer(many=True, help_text="对象库及抽取比例")
    yearly_cap = serializers.IntegerField(
        required=False, allow_null=True, help_text="每企业年度检查上限，默认取系统设置"
    )
    exclude_inspected_within_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="此天数内已检查的企业不参加抽取，默认 90；0 为不排除",
    )


class DrawInSerializer(serializers.Serializer):
    seed = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=SEED_MAX,
        help_text="随机种子；留空由系统随机生成并记录",
    )


class ReplayItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    enterprise = serializers.IntegerField()
    pool = serializers.ChoiceField(choices=PoolKind.choices)
    region = serializers.CharField()
    officers = serializers.ListField(child=serializers.IntegerField())


class ReplaySerializer(serializers.Serializer):
    seed = serializers.IntegerField()
    matches = serializers.BooleanField(help_text="按种子复核的结果与记录一致")
    differences = serializers.ListField(child=serializers.CharField())
    items = ReplayItemSerializer(many=True)


# --- public disclosure (一公开): no officers --------------------------------------------------


class PublicPlanItemSerializer(serializers.Serializer):
    position = serializers.IntegerField()
    enterprise_name = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    region = serializers.CharField(source="region_id")
    region_name = serializers.CharField(source="region.name")
    pool = serializers.ChoiceField(choices=PoolKind.choices)
    pool_display = serializers.CharField(source="get_pool_display")
    inspection_status = serializers.SerializerMethodField()
    outcome = serializers.SerializerMethodField()
    outcome_display = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=InspectionStatus.choices, allow_null=True))
    def get_inspection_status(self, item) -> str | None:
        inspection = _inspection_of(item)
        return inspection.status if inspection else None

    @extend_schema_field(
        serializers.ChoiceField(choices=InspectionOutcome.choices, allow_null=True)
    )
    def get_outcome(self, item) -> str | None:
        inspection = _inspection_of(item)
        if inspection is None or inspection.status != InspectionStatus.COMPLETED:
            return None
        return inspection.outcome or None

    def get_outcome_display(self, item) -> str:
        inspection = _inspection_of(item)
        return public_outcome_text(inspection)


class PublicPlanListSerializer(serializers.ModelSerializer):
    regions = serializers.SerializerMethodField()
    pools = PlanPoolSerializer(many=True, read_only=True)
    item_count = serializers.IntegerField(read_only=True, help_text="抽中企业数")

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "name",
            "period_start",
            "period_end",
            "regions",
            "pools",
            "seed",
            "drawn_at",
            "published_at",
            "item_count",
        ]
        read_only_fields = fields

    @extend_schema_field(RegionBriefSerializer(many=True))
    def get_regions(self, plan: InspectionPlan) -> list[dict]:
        return [{"code": r.code, "name": r.name} for r in plan.regions.all()]


class PublicPlanDetailSerializer(PublicPlanListSerializer):
    status = serializers.ChoiceField(choices=PlanStatus.choices, read_only=True)
    yearly_cap = serializers.IntegerField(read_only=True)
    exclude_inspected_within_days = serializers.IntegerField(read_only=True)
    draw_summary = serializers.SerializerMethodField()
    snapshot_digest = serializers.CharField(
        read_only=True, help_text="抽取底数的 SHA-256 摘要，用于核对复核所用底数"
    )
    verified = serializers.BooleanField(
        read_only=True, help_text="按记录的随机种子重新计算，结果与公开名单一致（可复核）"
    )
    items = PublicPlanItemSerializer(source="drawn_items", many=True, read_only=True)

    class Meta(PublicPlanListSerializer.Meta):
        fields = [
            *PublicPlanListSerializer.Meta.fields,
            "status",
            "yearly_cap",
            "exclude_inspected_within_days",
            "draw_summary",
            "snapshot_digest",
            "verified",
            "items",
        ]
        read_only_fields = fields

    @extend_schema_field(DrawSummarySerializer(allow_null=True))
    def get_draw_summary(self, plan: InspectionPlan) -> dict | None:
        return draw_summary(plan)
