"""Personas: an inspector of 三河市, an inspector of 霸州市, a city manager,
an administrator, API clients, and an outsider with no role."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import EnterpriseFactory, OfficerFactory, UserFactory

SANHE = "131082"
BAZHOU = "131081"


@pytest.fixture
def inspector(db):
    return OfficerFactory(name="三河检查员", roles=[Role.INSPECTOR], regions=[SANHE]).user


@pytest.fixture
def other_inspector(db):
    return OfficerFactory(name="霸州检查员", roles=[Role.INSPECTOR], regions=[BAZHOU]).user


@pytest.fixture
def manager(db):
    return OfficerFactory(name="统计科长", roles=[Role.MANAGER], badge_number=None).user


@pytest.fixture
def administrator(db):
    return OfficerFactory(name="系统管理员", roles=[Role.ADMINISTRATOR]).user


@pytest.fixture
def reporting_client(db):
    return OfficerFactory(name="报表系统", roles=[Role.REPORTING_CLIENT], badge_number=None).user


@pytest.fixture
def monitoring_platform(db):
    return OfficerFactory(
        name="在线监控平台", roles=[Role.MONITORING_PLATFORM], badge_number=None
    ).user


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """``api_as(user)`` returns an APIClient authenticated as that user."""

    def login(user):
        api.force_authenticate(user=user)
        return api

    return login


@pytest.fixture
def sanhe_enterprise(db):
    return EnterpriseFactory(name="三河市某化工有限公司", region_id=SANHE)


@pytest.fixture
def bazhou_enterprise(db):
    return EnterpriseFactory(name="霸州市某钢管有限公司", region_id=BAZHOU)


@pytest.fixture(autouse=True)
def _fresh_working_day_calendar():
    """The working-day calendar is kept per process (cases.workdays); a test that
    adds a holiday rolls it back at the end, so no test may inherit another's."""
    from cases.workdays import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()
