from __future__ import annotations

from rest_framework import serializers

from accounts.models import Region
from companies.models import Enterprise, Industry


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
