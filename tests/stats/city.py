"""A fixture city with known half-year counts for every metric.

Period 2024-H1 against 2023-H1, two counties: 三河 (131082) and 霸州 (131081),
plus a city-wide symposium. Records are written directly with the dates the
tests choose (the services that write them have their own tests). ``EXPECTED``
lists, per metric, ``(city value, city previous, {region: (value, previous)})``.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cases.models import Feedback, FeedbackLink
from companies.models import PolicyCard
from tests.cases.feedback_support import (
    demand,
    inspection,
    measure,
    moment,
    offsite,
    penalty_case,
    visit,
)
from tests.conftest import BAZHOU, SANHE
from tests.factories import EnterpriseFactory, SymposiumFactory

D = Decimal

EXPECTED: dict[str, tuple] = {
    "penalty_cases": (D(3), D(1), {SANHE: (D(2), D(1)), BAZHOU: (D(1), D(0))}),
    "penalty_amount": (
        D("180000.50"),
        D("40000.00"),
        {SANHE: (D("150000.50"), D("40000.00")), BAZHOU: (D("30000.00"), D(0))},
    ),
    "cases_filed": (D(5), D(1), {SANHE: (D(3), D(1)), BAZHOU: (D(2), D(0))}),
    "waived_cases": (D(1), D(0), {BAZHOU: (D(1), D(0))}),
    "daily_penalty_cases": (D(1), D(0), {SANHE: (D(1), D(0))}),
    "seal_seize_cases": (D(1), D(0), {SANHE: (D(1), D(0))}),
    "production_restriction_cases": (D(0), D(0), {}),
    "detention_transfers": (D(0), D(1), {SANHE: (D(0), D(1))}),
    "crime_transfers": (D(1), D(0), {BAZHOU: (D(1), D(0))}),
    "inspections": (D(4), D(1), {SANHE: (D(3), D(1)), BAZHOU: (D(1), D(0))}),
    "enterprises_inspected": (D(3), D(1), {SANHE: (D(2), D(1)), BAZHOU: (D(1), D(0))}),
    "random_inspections": (D(2), D(0), {SANHE: (D(2), D(0))}),
    "offsite_records": (D(5), D(1), {SANHE: (D(3), D(0)), BAZHOU: (D(2), D(1))}),
    "offsite_closed_offsite": (D(2), D(0), {SANHE: (D(2), D(0))}),
    "offsite_to_onsite": (D(2), D(0), {SANHE: (D(1), D(0)), BAZHOU: (D(1), D(0))}),
    "enterprises_visited": (D(2), D(1), {SANHE: (D(1), D(1)), BAZHOU: (D(1), D(0))}),
    "visits": (D(3), D(1), {SANHE: (D(2), D(1)), BAZHOU: (D(1), D(0))}),
    "policy_cards": (D(6), D(4), {SANHE: (D(6), D(4))}),
    # The city-wide symposium counts for the city only.
    "symposiums": (D(2), D(1), {SANHE: (D(1), D(0)), BAZHOU: (D(0), D(1))}),
    "demands_raised": (D(2), D(1), {SANHE: (D(1), D(0)), BAZHOU: (D(1), D(1))}),
    "demands_resolved": (D(2), D(1), {SANHE: (D(2), D(0)), BAZHOU: (D(0), D(1))}),
    "service_rating_avg": (
        D("4.33"),
        D("3.00"),
        {SANHE: (D("4.50"), D("3.00")), BAZHOU: (D("4.00"), None)},
    ),
    "complaints": (D(1), D(0), {BAZHOU: (D(1), D(0))}),
}


def feedback(enterprise, on: date, *, rating: int | None = None) -> Feedback:
    """A rating (``rating`` given) or a complaint submitted on ``on``, about a
    visit of 2020 (outside every period the tests count)."""
    subject = visit(enterprise, date(2020, 1, 6))
    link = FeedbackLink.objects.create(
        token_hash=secrets.token_hex(32),
        enterprise=enterprise,
        region_id=enterprise.region_id,
        visit=subject,
        expires_at=timezone.now() + timedelta(days=30),
        used_at=timezone.now(),
    )
    return Feedback.objects.create(
        link=link,
        kind="rating" if rating else "complaint",
        enterprise=enterprise,
        region_id=enterprise.region_id,
        visit=subject,
        rating=rating,
        status="" if rating else "new",
        comment="" if rating else "执法人员态度生硬",
        submitted_on=on,
        submitted_at=moment(on),
    )


def build_city() -> dict:
    """Write the fixture city; answers the records a test may need by name."""
    s1 = EnterpriseFactory(name="三河甲化工有限公司", region_id=SANHE)
    s2 = EnterpriseFactory(name="三河乙印刷有限公司", region_id=SANHE)
    b1 = EnterpriseFactory(name="霸州丙钢管有限公司", region_id=BAZHOU)
    r = {}
    # Penalty cases.
    r["c1"] = penalty_case(
        s1, discovered=date(2024, 1, 20), filed=date(2024, 2, 1), decided=date(2024, 3, 1),
        fine=D("100000.00"),
    )  # fmt: skip
    r["c2"] = penalty_case(
        s1, discovered=date(2023, 12, 1), filed=date(2023, 12, 20), decided=date(2024, 4, 10),
        fine=D("50000.50"),
    )  # fmt: skip
    r["c3"] = penalty_case(
        b1, discovered=date(2024, 1, 5), filed=date(2024, 1, 15), decided=date(2024, 5, 20),
        fine=D("30000.00"),
    )  # fmt: skip
    c4 = penalty_case(b1, discovered=date(2024, 2, 20), filed=date(2024, 3, 1))
    c4.status, c4.decided_on, c4.fine_amount, c4.waiver_kind = (
        "no_penalty",
        date(2024, 4, 1),
        D(0),
        "minor",
    )
    c4.save()
    r["c4"] = c4
    r["c5"] = penalty_case(s2, discovered=date(2024, 6, 20), filed=date(2024, 6, 30))
    r["c6"] = penalty_case(
        s2, discovered=date(2023, 1, 20), filed=date(2023, 2, 1), decided=date(2023, 3, 1),
        fine=D("40000.00"),
    )  # fmt: skip
    r["c7"] = penalty_case(
        s2, discovered=date(2024, 5, 20), filed=date(2024, 6, 1), decided=date(2024, 7, 1),
        fine=D("1.00"),
    )  # fmt: skip
    # Special measures: a second seal of the same case counts once.
    measure(r["c1"], date(2024, 3, 5), kind="seal_seize")
    measure(r["c1"], date(2024, 3, 20), kind="seal_seize")
    measure(r["c1"], date(2024, 4, 1), kind="daily_penalty")
    measure(r["c3"], date(2024, 5, 25), kind="crime_transfer")
    measure(r["c3"], date(2024, 8, 1), kind="production_restriction")
    measure(r["c6"], date(2023, 3, 10), kind="detention_transfer")
    # Inspections (only completed ones count).
    inspection(s1, date(2024, 2, 10), trigger="random")
    inspection(s1, date(2024, 3, 10))
    inspection(s2, date(2024, 4, 10), trigger="random")
    inspection(b1, date(2024, 5, 10), trigger="complaint")
    inspection(b1, date(2024, 5, 11), status="approved")
    inspection(s2, date(2023, 5, 5))
    # Non-site records.
    offsite(s1, date(2024, 1, 5), 1, status="dismissed")
    offsite(s1, date(2024, 2, 5), 2, status="rectified_online")
    offsite(s1, date(2024, 3, 5), 3, status="inspection_requested")
    offsite(b1, date(2024, 4, 5), 4, status="case_opened")
    offsite(b1, date(2024, 5, 5), 5)
    offsite(b1, date(2023, 6, 30), 6)
    # Visits and policy cards.
    card_a = PolicyCard.objects.create(code="stats-a", title="排污许可政策明白卡")
    card_b = PolicyCard.objects.create(code="stats-b", title="轻微违法免罚政策明白卡")
    visit(s1, date(2024, 1, 10), policy_cards=[(card_a, 3), (card_b, 2)])
    visit(s1, date(2024, 2, 10), policy_cards=[(card_a, 1)])
    visit(b1, date(2024, 3, 10))
    visit(s2, date(2023, 3, 1), policy_cards=[(card_a, 4)])
    # Symposiums: one for 三河, one city-wide, one for 霸州 a year earlier.
    SymposiumFactory(held_on=date(2024, 5, 6), enterprises=[s1])
    SymposiumFactory(held_on=date(2024, 6, 1), region=None, enterprises=[s1, b1])
    SymposiumFactory(held_on=date(2023, 6, 1), region_id=BAZHOU, enterprises=[b1])
    # Demands.
    demand(s1, date(2024, 1, 20), resolved=date(2024, 2, 20))
    demand(s1, date(2023, 12, 1), resolved=date(2024, 1, 10))
    demand(b1, date(2024, 3, 1))
    demand(b1, date(2023, 4, 1), resolved=date(2023, 5, 1))
    # Ratings and complaints.
    feedback(s1, date(2024, 2, 1), rating=5)
    feedback(s2, date(2024, 3, 1), rating=4)
    feedback(b1, date(2024, 4, 1), rating=4)
    feedback(s1, date(2023, 2, 1), rating=3)
    feedback(b1, date(2024, 5, 1))
    r.update(s1=s1, s2=s2, b1=b1)
    return r


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The fixture city makes many officers (each a user with a password); the
    production hasher's deliberate slowness would dominate the run time.
    Imported by the stats test modules."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
