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
