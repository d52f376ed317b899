"""factory_boy factories and helpers shared by the whole suite."""

from __future__ import annotations

import random

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accounts.models import Officer, Region
from accounts.roles import STAFF_ROLES, Role
from companies.models import Enterprise, Industry
from companies.validators import USCC_CHARSET, uscc_check_char

User = get_user_model()
PASSWORD = "Secret-pass-123"


def make_uscc(rng: random.Random | int | None = None, region_code: str = "131082") -> str:
    """A valid 18-character USCC (registration authority 9, enterprise 1)."""
    rng = rng if isinstance(rng, random.Random) else random.Random(rng)
    body = "91" + region_code + "".join(rng.choice(USCC_CHARSET) for _ in range(9))
    return body + uscc_check_char(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class OfficerFactory(factory.django.DjangoModelFactory):
    """An officer with a user; pass ``roles=[...]`` and ``regions=[codes]``."""

    class Meta:
        model = Officer
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"执法员{n}")
    badge_number = factory.Sequence(lambda n: f"13100{n:05d}")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        roles = list(extracted or [])
        if roles:
            self.user.groups.set(Group.objects.filter(name__in=roles))
            self.user.is_staff = bool(STAFF_ROLES.intersection(Role(r) for r in roles))
            self.user.save(update_fields=["is_staff"])

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if extracted:
            self.regions.set(Region.objects.filter(code__in=extracted))


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: make_uscc(n))
    name = factory.Sequence(lambda n: f"廊坊测试企业{n}有限公司")
    region = factory.LazyFunction(lambda: Region.objects.get(code="131082"))
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="26"))
    address = "河北省廊坊市"


# --- penalty cases ----------------------------------------------------------------
#
# Cases use the seeded violation library (cases/migrations/0003) by code. The
# models are named by string and the cases modules imported inside the helpers,
# so this part can sit at the end of the module.

# Codes of seeded violation types the case tests rely on.
VIOLATION_MINOR = "AIR-100-2"  # 大气法 art. 100 (2): 20,000–200,000 yuan, waiver eligible
VIOLATION_MAJOR = "AIR-99-2"  # 大气法 art. 99 (2): 100,000–1,000,000 yuan, not eligible
VIOLATION_VOCS = "AIR-108-1"  # 大气法 art. 108 (1): 20,000–200,000 yuan, not eligible
VIOLATION_EIA = "EIA-31-1"  # 环评法 art. 31: 1 %–5 % of the total investment

# A mild choice of every default discretion factor: 25 % of the statutory
# maximum (50,000 yuan for VIOLATION_MINOR, 250,000 for VIOLATION_MAJOR).
MILD_FACTORS = {
    "harm": "general",
    "fault": "negligent",
    "method": "ordinary",
    "object": "general",
    "history": "first",
    "correction": "corrected",
    "sensitive_period": "normal",
}


def _date(year: int, month: int, day: int):
    from datetime import date

    return date(year, month, day)


def violation_items(violations) -> list[dict]:
    """``["AIR-99-2", {"type": …, "facts": …}]`` → the items case_register takes."""
    items = []
    for violation in violations:
        item = {"type": violation} if isinstance(violation, str) else dict(violation)
        item.setdefault("facts", f"现场检查发现{item['type']}违法行为")
        items.append(item)
    return items


class PenaltyCaseFactory(factory.django.DjangoModelFactory):
    """A case clue (案件线索) of an enterprise of 三河, discovered on 2024-05-06,
    with two certified inspectors of the enterprise's region and one violation.

    ``officers=[Officer, …]`` and ``violations=[code or item, …]`` replace the
    defaults. Other fields (a state, step dates) may be set directly for a
    test that needs a case in a given state without its history; walk a case
    with ``case_walk`` to get there through the workflow instead.
    """

    class Meta:
        model = "cases.PenaltyCase"
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(EnterpriseFactory)
    region = factory.SelfAttribute("enterprise.region")
    source = "inspection"
    discovered_on = factory.LazyFunction(lambda: _date(2024, 5, 6))
    title = "未按照规定对所排放的工业废气进行监测"

    @factory.post_generation
    def officers(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [
                OfficerFactory(roles=[Role.INSPECTOR], regions=[self.region_id]) for _ in range(2)
            ]
        self.officers.set(extracted)

    @factory.post_generation
    def violations(self, create, extracted, **kwargs):
        from cases.models import CaseViolation, ViolationType

        if not create:
            return
        for item in violation_items(extracted if extracted is not None else [VIOLATION_MINOR]):
            CaseViolation.objects.create(
                case=self,
                violation_type=ViolationType.objects.get(code=item["type"]),
                facts=item["facts"],
                base_amount=item.get("base_amount"),
                days=item.get("days"),
                occurrences=item.get("occurrences"),
            )


# The happy path of a case, in order; case_walk follows it.
CASE_PATH = (
    "filed",
    "investigating",
    "review",
    "notified",
    "hearing",
    "legal_review",
    "collective_discussion",
    "decided",
    "served",
    "executing",
    "closed",
    "archived",
)


def case_walk(
    case,
    to: str,
    *,
    approver=None,
    legal_reviewer=None,
    fine=None,
    factors: dict | None = None,
    hearing: bool = False,
    notice_data: dict | None = None,
):
    """Walk ``case`` from where it is to state ``to`` through
    ``cases.workflow.case_transition``, one step a few days after the previous.

    From the discovery: filed +3 days, investigating +4, review +20, the
    discretion computed and the notice of ``fine`` (default: the discretion's
    recommendation) served +25 (each step no earlier than the one before). A
    hearing is requested on the 2nd working day after the notice when
    ``hearing``; otherwise the decision waits for the 5-working-day window to
    close. Legal review (passed by ``legal_reviewer``) and collective
    discussion are taken when the law requires them (or when ``to`` names
    them). The decision is served two days later, the fine paid in full five
    days after service and the case closed the day after. Personas default to
    a new approver and legal
    reviewer of the case's region. Answers the case as stored.
    """
    from datetime import timedelta
    from decimal import Decimal

    from cases import workflow
    from cases.deadlines import hearing_request_deadline
    from cases.models import PenaltyCase
    from cases.penalties import case_balance, payment_record
    from cases.services import case_discretion_compute, case_event_record
    from cases.workdays import add_workdays

    approver = approver or OfficerFactory(roles=[Role.APPROVER], regions=[case.region_id]).user
    case = PenaltyCase.objects.get(pk=case.pk)
    if to not in CASE_PATH:
        raise ValueError(f"case_walk follows the happy path only, not to {to!r}")

    def last_on():
        transition = case.transitions.order_by("-on", "-id").first()
        return transition.on if transition else case.discovered_on

    def move(target, on, **data):
        nonlocal case
        case = workflow.case_transition(case=case, to=target, actor=approver, on=on, data=data)

    def reviewer():
        nonlocal legal_reviewer
        if legal_reviewer is None:
            legal_reviewer = OfficerFactory(
                roles=[Role.LEGAL_REVIEWER], regions=[case.region_id]
            ).user
        return legal_reviewer

    def wanted(state):
        return CASE_PATH.index(to) >= CASE_PATH.index(state) and case.status != to

    def day(offset):
        """``offset`` days after the discovery, or the last step's day if later."""
        return max(case.discovered_on + timedelta(days=offset), last_on())

    if case.status == "clue" and wanted("filed"):
        move("filed", day(3))
    if case.status == "filed" and wanted("investigating"):
        move("investigating", day(4))
    if case.status == "investigating" and wanted("review"):
        move("review", day(20))
    if case.status == "review" and wanted("notified"):
        if case.recommended_fine is None:
            case_discretion_compute(case=case, actor=approver, factors=factors or MILD_FACTORS)
            case.refresh_from_db()
        proposed = case.recommended_fine if fine is None else Decimal(str(fine))
        move("notified", day(25), proposed_fine=proposed, **(notice_data or {}))
    if case.status == "notified" and hearing and wanted("hearing"):
        move("hearing", add_workdays(case.notified_on, 2).day)
    if case.status == "hearing" and wanted("legal_review"):
        move("legal_review", last_on() + timedelta(days=7))
    if (
        case.status == "notified"
        and wanted("legal_review")
        and (to == "legal_review" or workflow.legal_review_required(case))
    ):
        move("legal_review", hearing_request_deadline(case).day + timedelta(days=1))
    if case.status == "legal_review" and wanted("collective_discussion"):
        if case.legal_review_on is None:
            case_event_record(case=case, kind="legal_review_pass", actor=reviewer(), on=last_on())
            case.refresh_from_db()
        if to == "collective_discussion" or workflow.collective_discussion_required(case):
            move("collective_discussion", last_on() + timedelta(days=1))
    if case.status in ("notified", "legal_review", "collective_discussion") and wanted("decided"):
        on = max(last_on(), hearing_request_deadline(case).day) + timedelta(days=1)
        data = {"fine_amount": case.proposed_fine if fine is None else Decimal(str(fine))}
        if case.status == "collective_discussion":
            data["discussion_on"] = on
        move("decided", on, **data)
    if case.status == "decided" and wanted("served"):
        move("served", last_on() + timedelta(days=2))
    if case.status == "served" and wanted("executing"):
        move("executing", last_on() + timedelta(days=1))
    if case.status in ("served", "executing") and wanted("closed"):
        paid_on = case.served_on + timedelta(days=5)
        owed = case_balance(case, as_of=paid_on).fine_outstanding
        if owed:
            payment_record(case=case, amount=owed, paid_on=paid_on, actor=approver)
        move("closed", max(paid_on, last_on()) + timedelta(days=1), closing_reason="paid")
    if case.status == "closed" and wanted("archived"):
        move("archived", last_on() + timedelta(days=1))
    if case.status != to:
        raise AssertionError(f"case_walk stopped at {case.status}, not {to}")
    return PenaltyCase.objects.get(pk=case.pk)


# --- service to enterprises (走访解促) ------------------------------------------------
#
# Visits, demands and symposiums of 三河 by default, dated 2024-05-06. Officers
# named on them are inspectors of the enterprise's region unless given.


class UnitFactory(factory.django.DjangoModelFactory):
    """A county brigade; ``regions=[codes]`` sets the regions it covers."""

    class Meta:
        model = "accounts.Unit"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试执法大队{n}")
    kind = "brigade"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(Region.objects.filter(code__in=extracted))


class PolicyCardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "companies.PolicyCard"

    code = factory.Sequence(lambda n: f"test-card-{n}")
    title = factory.Sequence(lambda n: f"测试政策明白卡{n}")
    summary = "政策要点"


def _region_inspector(region_code: str):
    return OfficerFactory(roles=[Role.INSPECTOR], regions=[region_code])


def _days_after(day, days: int):
    from datetime import timedelta

    return day + timedelta(days=days)


class VisitFactory(factory.django.DjangoModelFactory):
    """``officers=[Officer, …]``; ``policy_cards=[(card, copies), …]``."""

    class Meta:
        model = "companies.Visit"
        skip_postgeneration_save = True

    enterprise = factory.SubFactory(EnterpriseFactory)
    region = factory.SelfAttribute("enterprise.region")
    visited_on = factory.LazyFunction(lambda: _date(2024, 5, 6))
    kind = "routine"

    @factory.post_generation
    def officers(self, create, extracted, **kwargs):
        if create:
            self.officers.set(extracted or [_region_inspector(self.region_id)])

    @factory.post_generation
    def policy_cards(self, create, extracted, **kwargs):
        from companies.models import VisitPolicyCard

        if create and extracted:
            VisitPolicyCard.objects.bulk_create(
                VisitPolicyCard(visit=self, card=card, quantity=quantity)
                for card, quantity in extracted
            )


class DemandFactory(factory.django.DjangoModelFactory):
    """An open demand raised directly on 2024-05-06, due 30 days later."""

    class Meta:
        model = "companies.Demand"

    enterprise = factory.SubFactory(EnterpriseFactory)
    region = factory.SelfAttribute("enterprise.region")
    raised_on = factory.LazyFunction(lambda: _date(2024, 5, 6))
    category = "permit"
    description = "排污许可证延续办理咨询"
    owner = factory.LazyAttribute(lambda o: _region_inspector(o.enterprise.region_id))
    due_on = factory.LazyAttribute(lambda o: _days_after(o.raised_on, 30))


class SymposiumFactory(factory.django.DjangoModelFactory):
    """A symposium of a 三河 brigade for 三河; ``enterprises=[…]`` (default: one new)."""

    class Meta:
        model = "companies.Symposium"
        skip_postgeneration_save = True

    held_on = factory.LazyFunction(lambda: _date(2024, 5, 6))
    host_unit = factory.SubFactory(UnitFactory, regions=["131082"])
    topic = "优化营商环境政企座谈会"
    region = factory.LazyFunction(lambda: Region.objects.get(code="131082"))

    @factory.post_generation
    def enterprises(self, create, extracted, **kwargs):
        if create:
            self.enterprises.set(extracted if extracted is not None else [EnterpriseFactory()])
