from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Officer, Region, Unit
from companies.choices import DemandCategory, VisitKind
from companies.models import (
    Demand,
    DemandTransition,
    Enterprise,
    Industry,
    PolicyCard,
    Symposium,
    Visit,
    VisitPolicyCard,
)


class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Industry
        fields = ["code", "name", "parent", "updated_at"]


class EnterpriseSerializer(serializers.ModelSerializer):
    """An enterprise; ``region`` and ``industry`` by code. Rules are checked by the service."""

    # Declared by hand so that uniqueness and format are judged by the service,
    # with its codes (invalid_checksum, duplicate, …), not by DRF's validators.
    uscc = serializers.CharField(max_length=32)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    region_name = serializers.CharField(source="region.name", read_only=True)
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), required=False, allow_null=True
    )
    industry_name = serializers.CharField(source="industry.name", read_only=True, default=None)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "uscc",
            "uscc_legacy_reason",
            "name",
            "region",
            "region_name",
            "address",
            "industry",
            "industry_name",
            "legal_representative",
            "contact_phone",
            "permit_category",
            "permit_number",
            "performance_grade",
            "on_positive_list",
            "key_discharge_unit",
            "key_soil_pollution_unit",
            "vocs_related",
            "hazardous_waste_producer",
            "latitude",
            "longitude",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["on_positive_list", "created_at", "updated_at"]


class PositiveListChangeSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="纳入或移出日期，默认今天")
    reason = serializers.CharField(max_length=300)


class EnterpriseImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV（UTF-8 或 GBK 编码）或 XLSX 文件，第 1 行为表头")
    partial = serializers.BooleanField(
        required=False,
        default=False,
        help_text="true：导入无误的行并跳过有错误的行；默认任何一行有错则整个文件不导入",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="字段名（API 字段名）")
    code = serializers.CharField(help_text="稳定的错误代码，如 invalid_checksum、duplicate_in_file")
    message = serializers.CharField(help_text="中文说明")
    row = serializers.IntegerField(allow_null=True, help_text="表格行号，表头为第 1 行")
    column = serializers.CharField(allow_null=True, help_text="文件中的列名")


class EnterpriseImportResultSerializer(serializers.Serializer):
    total_rows = serializers.IntegerField(help_text="数据行数（不含表头和空行）")
    created = serializers.IntegerField(help_text="新增的企业数")
    updated = serializers.IntegerField(help_text="按统一社会信用代码匹配到已有企业的行数")
    unchanged = serializers.IntegerField(help_text="其中与已登记信息完全相同、未改写的行数")
    error_rows = serializers.IntegerField(help_text="被拒绝的行数（partial=true 时为跳过的行数）")
    errors = ImportRowErrorSerializer(many=True)
    ignored_columns = serializers.ListField(
        child=serializers.CharField(), help_text="未识别、已忽略的列名"
    )
    partial = serializers.BooleanField()


class ImportErrorResponseSerializer(serializers.Serializer):
    errors = ImportRowErrorSerializer(many=True)


# --- service to enterprises (走访解促) ------------------------------------------------
#
# Shapes only: each write is validated by companies.service_visits, which
# answers in its own words (future_date, region_out_of_scope, …).


class PolicyCardSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyCard
        fields = ["id", "code", "title", "summary", "issued_on", "active", "updated_at"]
        read_only_fields = fields


class VisitOfficerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Officer
        fields = ["id", "name", "badge_number"]
        read_only_fields = fields


class CardHandoutSerializer(serializers.ModelSerializer):
    """One card handed out on a visit and its copies."""

    card = serializers.PrimaryKeyRelatedField(
        queryset=PolicyCard.objects.all(), help_text="政策明白卡 id（policy-cards/）"
    )
    code = serializers.CharField(source="card.code", read_only=True)
    title = serializers.CharField(source="card.title", read_only=True)
    quantity = serializers.IntegerField(
        min_value=1, required=False, default=1, help_text="发放份数，默认 1"
    )

    class Meta:
        model = VisitPolicyCard
        fields = ["card", "code", "title", "quantity"]


class VisitSerializer(serializers.ModelSerializer):
    """走访. ``officers`` default to the caller; ``visited_on`` to today."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    visited_on = serializers.DateField(required=False, help_text="走访日期，默认今天")
    kind = serializers.ChoiceField(choices=VisitKind.choices)
    officers = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.select_related("user"),
        many=True,
        required=False,
        help_text="走访人员 id，默认为登记人本人",
    )
    officers_detail = VisitOfficerSerializer(source="officers", many=True, read_only=True)
    policy_cards = CardHandoutSerializer(
        source="card_rows", many=True, required=False, help_text="发放的政策明白卡及份数"
    )

    class Meta:
        model = Visit
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "region_name",
            "visited_on",
            "kind",
            "officers",
            "officers_detail",
            "policy_cards",
            "measures",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]


class AllowedDemandTransitionSerializer(serializers.Serializer):
    to = serializers.CharField()
    label = serializers.CharField()


class DemandTransitionSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField()

    class Meta:
        model = DemandTransition
        fields = ["from_status", "to_status", "on", "actor", "note", "created_at"]
        read_only_fields = fields

    def get_actor(self, row) -> str | None:
        if row.actor is None:
            return None
        officer = getattr(row.actor, "officer", None)
        return officer.name if officer else row.actor.get_username()


class DemandSerializer(serializers.ModelSerializer):
    """诉求. ``raised_on`` defaults to the visit's or symposium's date, else today;
    ``owner`` to the caller; ``due_on`` to 30 days after it was raised."""

    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), required=False, allow_null=True, help_text="提出于该次走访"
    )
    symposium = serializers.PrimaryKeyRelatedField(
        queryset=Symposium.objects.all(),
        required=False,
        allow_null=True,
        help_text="提出于该次座谈会（与 visit 不能同时填写）",
    )
    raised_at = serializers.SerializerMethodField(help_text="提出场合：visit、symposium 或 direct")
    raised_on = serializers.DateField(
        required=False, help_text="提出日期，默认走访或座谈会日期或今天"
    )
    category = serializers.ChoiceField(choices=DemandCategory.choices)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=Officer.objects.select_related("user"),
        required=False,
        help_text="责任人 id，默认为登记人本人",
    )
    owner_name = serializers.CharField(source="owner.name", read_only=True)
    due_on = serializers.DateField(required=False, help_text="办理期限，默认提出后 30 日")
    allowed_transitions = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "visit",
            "symposium",
            "raised_at",
            "raised_on",
            "category",
            "description",
            "owner",
            "owner_name",
            "due_on",
            "status",
            "overdue",
            "started_on",
            "resolved_on",
            "resolution",
            "unresolvable_on",
            "unresolvable_reason",
            "allowed_transitions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "overdue",
            "started_on",
            "resolved_on",
            "resolution",
            "unresolvable_on",
            "unresolvable_reason",
            "created_at",
            "updated_at",
        ]

    def get_raised_at(self, demand) -> str:
        if demand.visit_id:
            return "visit"
        if demand.symposium_id:
            return "symposium"
        return "direct"

    @extend_schema_field(AllowedDemandTransitionSerializer(many=True))
    def get_allowed_transitions(self, demand) -> list[dict]:
        from companies.service_visits import DEMAND_TRANSITIONS, allowed_demand_transitions

        request = self.context.get("request")
        if request is None or not request.user.has_perm("companies.change_demand"):
            return []
        return [
            {"to": target, "label": DEMAND_TRANSITIONS[(demand.status, target)]}
            for target in allowed_demand_transitions(demand)
        ]


class DemandDetailSerializer(DemandSerializer):
    history = DemandTransitionSerializer(source="transitions", many=True, read_only=True)

    class Meta(DemandSerializer.Meta):
        fields = [*DemandSerializer.Meta.fields, "history"]


class DemandStartSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="开始办理日期，默认今天")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DemandResolveSerializer(serializers.Serializer):
    resolved_on = serializers.DateField(required=False, help_text="解决日期，默认今天")
    resolution = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="解决情况（必填）"
    )


class DemandUnresolvableSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="认定日期，默认今天")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="无法解决的原因（必填）"
    )


class EnterpriseBriefSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region_id", read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "region"]
        read_only_fields = fields


class SymposiumSerializer(serializers.ModelSerializer):
    """政企座谈会. ``host_unit`` defaults to the caller's unit; ``held_on`` to today;
    ``region`` to the host unit's region when it covers exactly one."""

    held_on = serializers.DateField(required=False, help_text="召开日期，默认今天")
    host_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, help_text="主办单位 id，默认为登记人所属单位"
    )
    host_unit_name = serializers.CharField(source="host_unit.name", read_only=True)
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="座谈会所属县（市、区）代码；空为全市性座谈会",
    )
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)
    enterprises = serializers.PrimaryKeyRelatedField(
        queryset=Enterprise.objects.all(), many=True, help_text="参会企业 id"
    )
    enterprises_detail = EnterpriseBriefSerializer(source="enterprises", many=True, read_only=True)
    demands = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True, help_text="会上提出的诉求 id（您管辖范围内的）"
    )

    class Meta:
        model = Symposium
        fields = [
            "id",
            "held_on",
            "host_unit",
            "host_unit_name",
            "topic",
            "region",
            "region_name",
            "location",
            "enterprises",
            "enterprises_detail",
            "demands",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
