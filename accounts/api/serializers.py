from __future__ import annotations

from rest_framework import serializers

from accounts.models import Officer, Region, Unit
from accounts.roles import Role


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "updated_at"]


class RoleListField(serializers.ListField):
    """The user's role codes, read from its groups."""

    child = serializers.ChoiceField(choices=Role.choices)

    def get_attribute(self, instance: Officer) -> list[str]:
        groups = {group.name for group in instance.user.groups.all()}
        return [role.value for role in Role if role.value in groups]


class RegionCodeListField(serializers.ListField):
    """The officer's own scope regions as GB/T 2260 codes (empty: unit's or whole city)."""

    child = serializers.CharField(max_length=6)

    def get_attribute(self, instance: Officer) -> list[str]:
        return [region.code for region in instance.regions.all()]


class OfficerSerializer(serializers.ModelSerializer):
    """An officer and the login behind it. ``roles`` are role codes; ``regions`` GB/T 2260 codes."""

    username = serializers.CharField(source="user.username", max_length=150)
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    roles = RoleListField(required=False, default=list)
    regions = RegionCodeListField(required=False, default=list)
    unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    is_active = serializers.BooleanField(source="user.is_active", required=False)

    class Meta:
        model = Officer
        fields = [
            "id",
            "username",
            "password",
            "name",
            "badge_number",
            "unit",
            "certificate_valid_until",
            "phone",
            "roles",
            "regions",
            "is_active",
            "updated_at",
        ]
        extra_kwargs = {"badge_number": {"validators": []}}


class UnitSerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "kind", "regions", "updated_at"]
