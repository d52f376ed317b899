"""Celery tasks of the accounts app.

``ping`` is the diagnostic task: it proves that a worker consumes the queue,
that results come back through the result backend, and that the worker
reaches the database. Operators call it with
``celery -A ecoenforce call accounts.ping --args='["hello"]'`` and read the
result; the test suite runs it through a real worker.
"""

from __future__ import annotations

import os
import socket

from celery import shared_task
from django.utils import timezone

from ecoenforce.health import database_status


@shared_task(name="accounts.ping")
def ping(payload=None) -> dict:
    """Answer ``payload`` back with where and when it ran and whether the database answers."""
    return {
        "pong": payload,
        "database": database_status(),
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "at": timezone.now().isoformat(),
    }
