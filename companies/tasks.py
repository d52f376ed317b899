"""Celery tasks of the enterprise registry: thin doors into companies services."""

from __future__ import annotations

from celery import shared_task

from companies import imports
from ecoenforce.celery import TRANSIENT_ERRORS

GAVE_UP = "导入过程中出现系统错误，未写入任何数据，请重新上传"


@shared_task(bind=True, max_retries=3)
def run_enterprise_import(self, import_id: int) -> dict:
    """Run one uploaded enterprise import (``companies.imports.enterprise_import_run``).

    Safe to run twice (acks_late redelivers a task whose worker died): the
    service leaves a finished import alone and restarts an interrupted one,
    whose transaction was rolled back with the worker's connection. Only a
    transient error (the database or broker gone for a moment) is retried;
    any other error, or the last retry, marks the import failed, or the
    upload would show "导入中" for ever.
    """
    try:
        record = imports.enterprise_import_run(import_id=import_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries < self.max_retries:
            raise self.retry(exc=exc, countdown=10 * 2**self.request.retries) from exc
        imports.enterprise_import_fail(import_id=import_id, message=GAVE_UP)
        raise
    except Exception:
        imports.enterprise_import_fail(import_id=import_id, message=GAVE_UP)
        raise
    return {
        "id": record.pk,
        "status": record.status,
        "created": record.created_count,
        "updated": record.updated_count,
        "errors": record.error_count,
    }


@shared_task(
    name="companies.flag_overdue_demands",
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=True,
    max_retries=3,
)
def flag_overdue_demands() -> dict:
    """Flag open demands past their due date (daily, by beat); clear the rest.

    Answers the counts: ``today``, ``flagged``, ``cleared``, ``overdue``.
    """
    from companies.service_visits import demands_flag_overdue

    return demands_flag_overdue()
