"""Fixtures of the companies tests."""

from __future__ import annotations

import pytest

# The service admin pages (visits, demands, symposiums, policy cards) are
# registered by importing companies.admin_service, which companies/admin.py
# does at its end; importing it here as well is then a no-op, and keeps these
# tests independent of the order in which the admin modules are wired.
import companies.admin_service  # noqa: F401


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Every persona is a user with a password, never checked here; the
    production hasher's deliberate slowness would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
