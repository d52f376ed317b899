"""Helpers of the non-site record tests: an item as a platform sends it, and a
stored record to triage."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
STARTED_AT = datetime(2024, 5, 6, 8, 30, tzinfo=SHANGHAI)


def record_item(enterprise=None, n: int = 1, /, **fields) -> dict:
    """A valid item of a batch: a particulate alert at the enterprise's outlet."""
    item = {
        "source": "online_monitoring",
        "external_id": f"OM-2024-{n:06d}",
        "monitoring_point": "1号排放口",
        "indicator": "颗粒物",
        "value": "35.2",
        "limit": "20",
        "unit": "mg/m³",
        "started_at": STARTED_AT.isoformat(),
        "ended_at": (STARTED_AT + timedelta(hours=2)).isoformat(),
    }
    if enterprise is not None:
        item["enterprise"] = enterprise.pk
    item.update(fields)
    return {key: value for key, value in item.items() if value is not ...}


def make_record(enterprise, n: int = 1, **fields):
    """A stored record in state 新 (待核查), written as ingestion writes it."""
    from cases.models import OffsiteRecord
    from cases.offsite_services import detected_on_of

    started_at = fields.pop("started_at", STARTED_AT)
    values = {
        "source": "online_monitoring",
        "external_id": f"OM-2024-{n:06d}",
        "enterprise": enterprise,
        "region_id": enterprise.region_id,
        "monitoring_point": "1号排放口",
        "indicator": "颗粒物",
        "value": "35.2",
        "limit": "20",
        "unit": "mg/m³",
        "started_at": started_at,
        "ended_at": started_at + timedelta(hours=2),
        "detected_on": detected_on_of(started_at),
    }
    values.update(fields)
    return OffsiteRecord.objects.create(**values)
