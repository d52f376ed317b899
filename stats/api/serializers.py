"""Serializers of ``stats/half-years/``. Counts are integers; money (元),
averages (分) and percentages are decimal strings, like every amount of the API."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from stats.metrics import METRICS, Metric, change_of
from stats.models import Half, HalfYearSnapshot, SnapshotStatus


def render_number(metric: Metric, number: Decimal | None):
    if number is None:
        return None
    if metric.unit in ("元", "分"):
        return f"{number:.2f}"
    return int(number)


def render_metrics(cells: dict[str, tuple]) -> dict[str, dict]:
    """``{key: {value, previous, change, change_pct, unit, label}}`` for every
    metric of the registry, from ``{key: (value, previous)}``; a metric
    without a cell (nothing in either period for that region) is zero."""
    answer = {}
    for metric in METRICS:
        empty = None if metric.kind == "avg" else Decimal(0)
        value, previous = cells.get(metric.key, (empty, empty))
        change, change_pct = change_of(value, previous)
        answer[metric.key] = {
            "value": render_number(metric, value),
            "previous": render_number(metric, previous),
            "change": render_number(metric, change),
            "change_pct": None if change_pct is None else str(change_pct),
            "unit": metric.unit,
            "label": metric.label,
        }
    return answer


class SnapshotSerializer(serializers.ModelSerializer):
    period = serializers.CharField(read_only=True)
    region = serializers.CharField(source="scope_region_id", read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = HalfYearSnapshot
        fields = [
            "id",
            "period",
            "year",
            "half",
            "region",
            "status",
            "progress",
            "as_of",
            "definition_version",
            "is_current",
            "created_at",
            "updated_at",
            "url",
        ]

    def get_url(self, snapshot) -> str:
        from stats.api.views import period_url

        return period_url(self.context["request"], snapshot.period, snapshot.scope_region_id)


class BuildRequestSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    half = serializers.ChoiceField(choices=Half.choices)
    region = serializers.CharField(max_length=6, required=False, allow_null=True, allow_blank=True)


class BuildAcceptedSerializer(serializers.Serializer):
    url = serializers.CharField()
    status = serializers.ChoiceField(choices=SnapshotStatus.choices)


class MetricValueSerializer(serializers.Serializer):
    value = serializers.JSONField(help_text="计数为整数；金额（元）、平均分为两位小数字符串")
    previous = serializers.JSONField(help_text="上年同期值")
    change = serializers.JSONField(help_text="增减量 = 本期 − 上年同期")
    change_pct = serializers.CharField(
        allow_null=True, help_text="同比增减百分比，一位小数、四舍五入；上年同期为 0 时为 null"
    )
    unit = serializers.CharField()
    label = serializers.CharField()


class BulletinSerializer(serializers.Serializer):
    enforcement = serializers.CharField()
    service = serializers.CharField()


class SnapshotDetailSerializer(serializers.Serializer):
    period = serializers.CharField()
    region = serializers.CharField(allow_null=True)
    snapshot = serializers.IntegerField(allow_null=True, help_text="当前快照的 id")
    status = serializers.ChoiceField(choices=SnapshotStatus.choices)
    progress = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True)
    definition_version = serializers.IntegerField(allow_null=True)
    metrics = serializers.DictField(child=MetricValueSerializer())
    bulletin = BulletinSerializer(required=False, allow_null=True)


class CellRecordSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    region = serializers.CharField(allow_null=True)
    enterprise = serializers.DictField(allow_null=True)
    date = serializers.DateField(allow_null=True)


class ChangeSerializer(serializers.Serializer):
    metric = serializers.CharField()
    region = serializers.CharField()
    value_before = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    value_after = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    previous_before = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    previous_after = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    entered = serializers.ListField(
        child=serializers.IntegerField(), help_text="本期新计入的记录 id（最多 1000 个）"
    )
    entered_count = serializers.IntegerField(help_text="本期新计入的记录数")
    left = serializers.ListField(
        child=serializers.IntegerField(), help_text="本期不再计入的记录 id（最多 1000 个）"
    )
    left_count = serializers.IntegerField()
    previous_entered = serializers.ListField(child=serializers.IntegerField())
    previous_entered_count = serializers.IntegerField()
    previous_left = serializers.ListField(child=serializers.IntegerField())
    previous_left_count = serializers.IntegerField()


class ChangesSerializer(serializers.Serializer):
    before = serializers.IntegerField(allow_null=True)
    after = serializers.IntegerField()
    before_as_of = serializers.DateTimeField(allow_null=True)
    after_as_of = serializers.DateTimeField()
    changes = ChangeSerializer(many=True)
