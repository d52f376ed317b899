"""``manage.py seed_demo``: the demo city that ``make run`` starts with."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from accounts.models import Unit
from accounts.roles import Role
from accounts.selectors import user_roles, visible_region_codes
from companies.choices import PermitCategory
from companies.models import Enterprise, PositiveListEntry
from companies.validators import uscc_error, validate_permit_number

pytestmark = pytest.mark.django_db

User = get_user_model()
LANGFANG_COUNTIES = {
    "131002", "131003", "131022", "131023", "131024",
    "131025", "131026", "131028", "131081", "131082",
}  # fmt: skip


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def logins(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+)\s+密码 (\S+)", output, re.MULTILINE))


def tokens(output: str) -> dict[str, str]:
    return dict(re.findall(r"^  (\w+)\s+([0-9a-f]{40})$", output, re.MULTILINE))


def test_enterprises_are_valid_and_spread_over_the_ten_counties():
    seed()
    enterprises = list(Enterprise.objects.all())
    assert len(enterprises) >= 300
    assert {e.region_id for e in enterprises} == LANGFANG_COUNTIES
    for enterprise in enterprises:
        assert uscc_error(enterprise.uscc) is None, enterprise.uscc
        assert enterprise.uscc[2:8] == enterprise.region_id
        if enterprise.permit_number:
            validate_permit_number(enterprise.permit_number, uscc=enterprise.uscc)
        assert enterprise.industry_id is not None
        assert enterprise.address.startswith("河北省廊坊市")
    assert len({e.name for e in enterprises}) == len(enterprises)
    assert {e.permit_category for e in enterprises} == set(PermitCategory.values)
    assert {e.performance_grade for e in enterprises} == {"A", "B", "C", "D", ""}
    assert any(e.vocs_related for e in enterprises)
    assert any(e.key_soil_pollution_unit for e in enterprises)
    assert any(e.hazardous_waste_producer for e in enterprises)


def test_the_positive_list_is_kept_through_its_entries():
    seed()
    listed = Enterprise.objects.filter(on_positive_list=True)
    assert listed.count() == 30
    assert PositiveListEntry.objects.filter(removed_on__isnull=True).count() == 30
    assert set(listed.values_list("performance_grade", flat=True)) <= {"A", "B"}


def test_one_account_per_role_with_its_scope_and_the_printed_password():
    output = seed()
    printed = logins(output)
    assert set(printed) == {
        "admin",
        "manager",
        "approver",
        "legal_reviewer",
        "inspector_sanhe",
        "inspector_bazhou",
        "inspector_sanhe2",
        "inspector_bazhou2",
        "reporting_client",
        "monitoring_platform",
    }
    for username, password in printed.items():
        assert authenticate(username=username, password=password) is not None, username

    users = {user.username: user for user in User.objects.all()}
    assert set().union(*(user_roles(user) for user in users.values())) == set(Role.values)
    assert users["admin"].is_superuser and users["admin"].is_staff
    assert not users["reporting_client"].is_staff
    assert visible_region_codes(users["inspector_sanhe"]) == {"131082"}
    assert visible_region_codes(users["inspector_bazhou"]) == {"131081"}
    # The city detachment's scope names the city, which is the whole
    # installation: unrestricted, as city-level staff are.
    assert visible_region_codes(users["manager"]) is None
    assert users["inspector_sanhe"].officer.badge_number
    assert users["inspector_sanhe"].officer.unit.name == "廊坊市生态环境综合执法支队三河大队"
    assert Unit.objects.count() == 11


def test_the_printed_tokens_open_the_api(client):
    printed = tokens(seed())
    assert set(printed) == {"reporting_client", "monitoring_platform"}
    response = client.get(
        "/api/v1/regions/",
        {"page_size": 500},
        HTTP_AUTHORIZATION=f"Token {printed['reporting_client']}",
    )
    assert response.status_code == 200
    assert {r["code"] for r in response.json()["results"]} >= LANGFANG_COUNTIES
    assert client.get("/api/v1/regions/").status_code == 401


def test_running_twice_duplicates_nothing_and_prints_the_same_logins():
    first = seed()
    counts = (User.objects.count(), Enterprise.objects.count(), PositiveListEntry.objects.count())
    second = seed()
    assert (
        User.objects.count(),
        Enterprise.objects.count(),
        PositiveListEntry.objects.count(),
    ) == counts
    assert "新增 0，更新 320" in second
    assert logins(second) == logins(first)
    assert tokens(second) == tokens(first)


def test_the_same_seed_gives_the_same_city():
    seed("--seed", "7")
    first = sorted(Enterprise.objects.values_list("uscc", "name", "address"))
    Enterprise.objects.filter(on_positive_list=False).delete()
    seed("--seed", "7")
    assert sorted(Enterprise.objects.values_list("uscc", "name", "address")) == first


def test_another_seed_gives_other_enterprises_and_passwords():
    first = seed()
    second = seed("--seed", "7")
    assert Enterprise.objects.count() == 640
    assert logins(first).keys() == logins(second).keys()
    assert logins(first)["admin"] != logins(second)["admin"]
