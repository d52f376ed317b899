"""The Celery application.

Serialization, acknowledgement, time limits and the beat schedule are set in
settings (``CELERY_*``). Tasks take ids and JSON values, call a service and
return a small JSON result; they retry only on transient errors (a lost
database or broker connection), never on a domain error.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecoenforce.settings")

app = Celery("ecoenforce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Errors worth a retry: the database or the broker went away for a moment.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (ConnectionError, TimeoutError)
try:
    from django.db import InterfaceError, OperationalError

    TRANSIENT_ERRORS += (OperationalError, InterfaceError)
except ImportError:  # pragma: no cover - Django is always installed
    pass
