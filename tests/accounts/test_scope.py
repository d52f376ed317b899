"""The region scope: who counts as city-level staff."""

from __future__ import annotations

import pytest

from accounts.models import Unit
from accounts.roles import Role
from accounts.selectors import restrict_to_regions, takes_in_every_county, visible_region_codes
from accounts.services import region_upsert
from companies.models import Region, Symposium
from tests.conftest import SANHE
from tests.factories import OfficerFactory

pytestmark = pytest.mark.django_db


def test_staff_whose_scope_names_the_city_of_a_one_city_installation_see_everything():
    unit = Unit.objects.create(name="市支队", kind="detachment")
    unit.regions.set(["131000"])
    city_staff = OfficerFactory(roles=[Role.MANAGER], unit=unit, badge_number=None).user
    county = OfficerFactory(roles=[Role.INSPECTOR], regions=[SANHE]).user
    Symposium.objects.create(
        held_on="2024-03-01", host_unit=unit, topic="全市政企座谈会", region=None
    )

    assert visible_region_codes(city_staff) is None
    # Records without a region (a city-wide symposium) are theirs too.
    assert restrict_to_regions(Symposium.objects.all(), city_staff).count() == 1
    assert visible_region_codes(county) == {SANHE}
    assert restrict_to_regions(Symposium.objects.all(), county).count() == 0
    assert takes_in_every_county("131000") and takes_in_every_county("130000")
    assert not takes_in_every_county(SANHE) and not takes_in_every_county("999999")


def test_a_city_of_a_province_installation_is_a_scope_again():
    region_upsert(
        code="130100", name="石家庄市", level="city", parent=Region.objects.get(code="130000")
    )
    region_upsert(
        code="130102", name="长安区", level="county", parent=Region.objects.get(code="130100")
    )
    city_staff = OfficerFactory(roles=[Role.MANAGER], regions=["131000"], badge_number=None).user

    codes = visible_region_codes(city_staff)

    assert codes is not None and SANHE in codes and "130102" not in codes
    assert not takes_in_every_county("131000") and takes_in_every_county("130000")
