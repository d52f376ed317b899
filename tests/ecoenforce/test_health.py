"""``/healthz``: database and broker status for load balancers and compose healthchecks."""

from __future__ import annotations

import os

import pytest
from django.test import override_settings

# pyproject.toml points the suite at Redis db 15 on 127.0.0.1.
REDIS_URL = os.environ["CELERY_BROKER_URL"]
# Nothing listens on port 1; connecting is refused at once.
CLOSED_PORT_URL = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def test_healthz_answers_anonymous_callers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    # The suite runs tasks inline (CELERY_TASK_ALWAYS_EAGER=1): there is no broker to ask.
    assert response.json() == {"status": "ok", "database": "ok", "broker": "inline"}


@override_settings(CELERY_BROKER_URL=REDIS_URL, CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_reports_a_reachable_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@override_settings(CELERY_BROKER_URL=CLOSED_PORT_URL, CELERY_TASK_ALWAYS_EAGER=False)
def test_healthz_is_503_when_the_broker_is_down(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "down", "database": "ok", "broker": "down"}


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
