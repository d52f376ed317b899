"""Celery: the diagnostic task inline, and a round trip through Redis and a real worker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from accounts.tasks import ping

# pyproject.toml points the suite at Redis db 15 on 127.0.0.1.
REDIS_URL = os.environ["CELERY_BROKER_URL"]


@pytest.mark.django_db
def test_ping_runs_inline_in_the_demo_configuration():
    # CELERY_TASK_ALWAYS_EAGER=1 here, as in the demo: .delay() runs in this process.
    result = ping.delay({"n": 1}).get(timeout=5)
    assert result["pong"] == {"n": 1}
    assert result["database"] == "ok"
    assert result["pid"] == os.getpid()


def _test_database_url() -> str:
    """DATABASE_URL with the test database's name, so the worker reaches the same server."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real ``celery worker`` on a queue of its own, with Redis db 15 as broker and backend."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with django_db_blocker.unblock():
        database_url = _test_database_url()
    env = {
        **os.environ,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "ecoenforce",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--hostname",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    client = Celery("ecoenforce-test-client", broker=REDIS_URL, backend=REDIS_URL)
    try:
        yield client, queue, worker
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        with client.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        client.close()
        if worker.returncode not in (0, -15):
            print(output)


@pytest.mark.celery_worker
@pytest.mark.timeout(120)
def test_ping_round_trip_through_redis_and_a_real_worker(celery_worker_process):
    client, queue, worker = celery_worker_process
    token = uuid.uuid4().hex

    result = client.send_task("accounts.ping", args=[{"token": token}], queue=queue)
    answer = result.get(timeout=60)

    assert worker.poll() is None, "the worker is still running"
    assert answer["pong"] == {"token": token}
    assert answer["pid"] == worker.pid, "the task ran in the worker process"
    assert answer["database"] == "ok", "the worker reached the test database"
    assert result.status == "SUCCESS"
