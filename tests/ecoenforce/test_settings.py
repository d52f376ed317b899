"""Settings come from the environment, fail loudly on bad values, and pass check --deploy."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ecoenforce.env import env_bool, env_int, env_list, env_str

# The documented production settings (docs/deployment.md, docker/.env.example).
PRODUCTION_ENV = {
    "DEBUG": "0",
    "ALLOWED_HOSTS": "hbj.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://hbj.example.gov.cn",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
}


def run_python(
    args: list[str], env: dict[str, str], *, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """Run ``python *args`` in the project with the test environment changed by ``env``."""
    full_env = {key: value for key, value in os.environ.items() if key not in unset}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def django_setup(
    env: dict[str, str], *, unset: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    return run_python(["-c", "import django; django.setup()"], env, unset=unset)


class TestTypedHelpers:
    def test_bool_accepts_the_usual_spellings(self, monkeypatch):
        for value, expected in [
            ("1", True),
            ("TRUE", True),
            ("on", True),
            ("0", False),
            ("no", False),
        ]:
            monkeypatch.setenv("ECOENFORCE_TEST_FLAG", value)
            assert env_bool("ECOENFORCE_TEST_FLAG", not expected) is expected

    def test_bool_refuses_anything_else_naming_the_variable(self, monkeypatch):
        monkeypatch.setenv("ECOENFORCE_TEST_FLAG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="ECOENFORCE_TEST_FLAG must be a boolean"):
            env_bool("ECOENFORCE_TEST_FLAG", False)

    def test_int_refuses_a_non_number(self, monkeypatch):
        monkeypatch.setenv("ECOENFORCE_TEST_INT", "ten")
        with pytest.raises(ImproperlyConfigured, match="ECOENFORCE_TEST_INT must be an integer"):
            env_int("ECOENFORCE_TEST_INT", 10)

    def test_unset_or_empty_int_takes_the_default(self, monkeypatch):
        monkeypatch.delenv("ECOENFORCE_TEST_INT", raising=False)
        assert env_int("ECOENFORCE_TEST_INT", 10) == 10
        monkeypatch.setenv("ECOENFORCE_TEST_INT", " ")
        assert env_int("ECOENFORCE_TEST_INT", 10) == 10
        monkeypatch.setenv("ECOENFORCE_TEST_INT", "25")
        assert env_int("ECOENFORCE_TEST_INT", 10) == 25

    def test_list_is_comma_separated_and_trimmed(self, monkeypatch):
        monkeypatch.setenv("ECOENFORCE_TEST_LIST", " a.example.cn, ,b.example.cn ")
        assert env_list("ECOENFORCE_TEST_LIST", []) == ["a.example.cn", "b.example.cn"]
        monkeypatch.delenv("ECOENFORCE_TEST_LIST")
        assert env_list("ECOENFORCE_TEST_LIST", ["x"]) == ["x"]

    def test_str_keeps_an_empty_value(self, monkeypatch):
        monkeypatch.setenv("ECOENFORCE_TEST_STR", "")
        assert env_str("ECOENFORCE_TEST_STR", "default") == ""
        monkeypatch.delenv("ECOENFORCE_TEST_STR")
        assert env_str("ECOENFORCE_TEST_STR", "default") == "default"


class TestStartup:
    def test_production_refuses_to_start_without_a_secret_key(self):
        result = django_setup({"DEBUG": "0"}, unset=("SECRET_KEY",))
        assert result.returncode != 0
        assert "SECRET_KEY must be set when DEBUG=0" in result.stderr

    def test_production_starts_with_a_secret_key(self):
        result = django_setup({"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(64)})
        assert result.returncode == 0, result.stderr

    def test_a_misspelt_boolean_stops_the_process(self):
        result = django_setup({"DEBUG": "flase"})
        assert result.returncode != 0
        assert "DEBUG must be a boolean" in result.stderr

    def test_a_database_other_than_postgresql_is_refused(self):
        result = django_setup({"DATABASE_URL": "sqlite:///demo.sqlite3"})
        assert result.returncode != 0
        assert "DATABASE_URL must point to PostgreSQL" in result.stderr

    def test_check_deploy_reports_nothing_with_the_documented_settings(self):
        env = {
            **PRODUCTION_ENV,
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": os.environ["DATABASE_URL"],
        }
        result = run_python(["manage.py", "check", "--deploy", "--fail-level", "DEBUG"], env)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "System check identified no issues (0 silenced)." in result.stdout
