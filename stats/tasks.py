"""Celery tasks of the stats app: thin doors into stats.services.

Tasks take a year, a half and a region code (JSON values) and answer a small
JSON result. They are acknowledged late (settings), so a task whose worker
died is delivered again; a build is safe to run twice (it replaces the
period's snapshot, never adds a second current one).
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from ecoenforce.celery import TRANSIENT_ERRORS
from stats.metrics import Period
from stats.services import build_half_year


@shared_task(
    name="stats.build_half_year",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def build_half_year_task(year: int, half: int, region_code: str | None = None) -> dict:
    snapshot = build_half_year(year=year, half=half, region_code=region_code)
    return {
        "snapshot": snapshot.pk,
        "period": snapshot.period,
        "region": region_code,
        "status": snapshot.status,
    }


def period_for(which: str, today: dt.date) -> Period:
    """``current``: the half-year ``today`` lies in; ``previous``: the one before."""
    current = Period.containing(today)
    if which == "current":
        return current
    if which == "previous":
        return current.preceding
    raise ValueError(f"unknown period {which!r}")


@shared_task(name="stats.build_scheduled_half_year", autoretry_for=TRANSIENT_ERRORS, max_retries=3)
def build_scheduled_half_year(which: str) -> dict:
    """Beat: the previous half-year on 1 January and 1 July (final figures),
    the current one every night. The whole city's snapshot (its cells carry
    every region)."""
    period = period_for(which, timezone.localdate())
    return build_half_year_task(period.year, period.half)


def enqueue_build(year: int, half: int, region_code: str | None) -> None:
    """Queue a build; a broker that refuses the message is a 503 to the caller."""
    from kombu.exceptions import OperationalError as BrokerError

    from ecoenforce.errors import DependencyUnavailable

    try:
        build_half_year_task.delay(year, half, region_code)
    except BrokerError as exc:
        raise DependencyUnavailable(
            "任务队列（Redis）暂时不可用，统计未能开始生成，请稍后重试", code="broker_unavailable"
        ) from exc
