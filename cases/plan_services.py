"""Inspection plans (执法计划, 双随机、一公开): create a plan, draw it, publish
the draw, and replay a draw from its recorded seed.

The draw (docs/plans.md) is a pure function of two recorded things: the seed
and the draw snapshot, i.e. the candidate enterprises of each pool, the
region of each drawn enterprise, the officers eligible in each region and the
officers of each drawn enterprise's last inspection. ``plan_draw`` collects
the snapshot from the database, computes the draw with
``draw_from_snapshot`` and stores both; ``plan_replay`` runs the same
function on the stored seed and snapshot, so anybody holding them gets the
same enterprises and officers, whatever has happened in the database since.

Pools (from the enterprise's flags):

- 重点监管对象 (``key``): key discharge units (重点排污单位);
- 特殊监管对象 (``special``): hazardous-waste producers, key soil-pollution
  units or VOCs-related enterprises that are not key discharge units;
- 一般监管对象 (``general``): every other enterprise.

Candidates are the operating enterprises of the plan's regions (and the
regions under them), less those on the positive list (正面清单: spared
routine visits), those inspected within ``exclude_inspected_within_days``
days before the period starts, and those whose inspections in the calendar
year of the period's start already reach the plan's yearly cap.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import Officer, Region
from accounts.roles import Role
from accounts.selectors import scope_roots, user_roles, visible_region_codes
from cases.choices import InspectionStatus, PlanStatus, PoolKind
from cases.models import Inspection, InspectionPlan, PlanDrawItem, PlanPool
from companies.choices import EnterpriseStatus
from companies.models import Enterprise
from ecoenforce.errors import ConflictError, DomainError, ErrorItem, Forbidden, ValidationFailed

# Bumped whenever the draw method changes; a snapshot names the method that drew it.
DRAW_METHOD_VERSION = 1
# Seeds are stored in a signed 64-bit column.
SEED_MAX = 2**63 - 1
# Pools are drawn in this order, one random stream for the whole plan.
POOL_ORDER = (PoolKind.KEY, PoolKind.SPECIAL, PoolKind.GENERAL)
# Inspections that count as done or scheduled, for the exclusions, the yearly
# cap and the last pair; a request not yet approved or a cancelled visit does not.
COUNTED_INSPECTIONS = (
    InspectionStatus.APPROVED,
    InspectionStatus.IN_PROGRESS,
    InspectionStatus.COMPLETED,
)
MAX_EXCLUSION_DAYS = 3650
# The draw looks back up to MAX_EXCLUSION_DAYS before the start and a period is
# measured a year ahead of it: both must stay on the calendar.
EARLIEST_PLAN_START = date.min + timedelta(days=MAX_EXCLUSION_DAYS)
LATEST_PLAN_START = date(date.max.year - 1, 12, 31)


class PlanNotFound(DomainError):
    """The plan does not exist or lies outside the user's regions (API.md: 404)."""

    status = 404
    default_code = "not_found"


@dataclass(frozen=True)
class DrawnItem:
    """One line of a draw: the enterprise, its pool and the pair of officers."""

    position: int
    enterprise_id: int
    pool: str
    region: str
    officer_ids: tuple[int, int]

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "enterprise": self.enterprise_id,
            "pool": self.pool,
            "region": self.region,
            "officers": list(self.officer_ids),
        }


@dataclass
class Verification:
    """The outcome of replaying a plan's draw against what was stored."""

    seed: int
    items: list[DrawnItem]
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


# --- checks shared by the writes -----------------------------------------------------------


def _require_approver(actor) -> None:
    if Role.APPROVER not in user_roles(actor):
        raise Forbidden("编制、抽取和公开执法计划须由负责人办理", code="role_required")


def _ensure_writable_scope(plan: InspectionPlan, actor) -> None:
    """Every region of the plan must lie in the actor's scope: a county brigade
    cannot draw (and so send officers into) another county, nor a city-wide plan."""
    from cases.plan_selectors import restrict_plans_to_regions

    if not restrict_plans_to_regions(InspectionPlan.objects.filter(pk=plan.pk), actor).exists():
        raise PlanNotFound("执法计划不存在或不在您的管辖范围内")
    codes = visible_region_codes(actor)
    if codes is None:
        return
    outside = [r.name for r in plan.regions.order_by("code") if r.code not in codes]
    if outside:
        raise Forbidden(
            f"计划包含您管辖范围以外的区划：{'、'.join(outside)}", code="region_out_of_scope"
        )


def _lock(plan: InspectionPlan) -> InspectionPlan:
    try:
        return InspectionPlan.objects.select_for_update().get(pk=plan.pk)
    except InspectionPlan.DoesNotExist:
        raise PlanNotFound("执法计划不存在或不在您的管辖范围内") from None


def _ratio(value, index: int, errors: list[ErrorItem]) -> Decimal | None:
    field_name = f"pools.{index}.ratio"
    try:
        ratio = Decimal(str(value))
    except (InvalidOperation, ValueError):
        errors.append(ErrorItem(field_name, "invalid", "抽取比例应为数字"))
        return None
    if not ratio.is_finite() or not (0 < ratio <= 100):
        errors.append(ErrorItem(field_name, "ratio_out_of_range", "抽取比例应大于 0 且不超过 100"))
        return None
    if ratio != ratio.quantize(Decimal("0.01")):
        errors.append(ErrorItem(field_name, "invalid", "抽取比例最多保留两位小数"))
        return None
    return ratio


def _pools(pools: list[dict], errors: list[ErrorItem]) -> list[PlanPool]:
    if not pools:
        errors.append(ErrorItem("pools", "required", "请至少设置一个抽查对象库及其抽取比例"))
        return []
    rows: list[PlanPool] = []
    seen: set[str] = set()
    for index, item in enumerate(pools):
        kind = str(item.get("kind") or "")
        if kind not in PoolKind.values:
            errors.append(ErrorItem(f"pools.{index}.kind", "invalid_choice", "对象库不正确"))
            continue
        if kind in seen:
            errors.append(
                ErrorItem(
                    f"pools.{index}.kind",
                    "duplicate_pool",
                    f"“{PoolKind(kind).label}”重复设置",
                )
            )
            continue
        seen.add(kind)
        ratio = _ratio(item.get("ratio"), index, errors)
        if ratio is not None:
            rows.append(PlanPool(kind=kind, ratio=ratio))
    return rows


def _a_year_after(day: date) -> date:
    """The same day a year later (1 March for 29 February): a plan ends before it."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def _whole(value, name: str, label: str, low: int, high: int, errors: list[ErrorItem]):
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.append(ErrorItem(name, "out_of_range", f"{label}应为 {low}–{high} 的整数"))
        return None
    return value


# --- create ---------------------------------------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    actor,
    name: str,
    period_start: date,
    period_end: date,
    region_codes: list[str],
    pools: list[dict],
    yearly_cap: int | None = None,
    exclude_inspected_within_days: int | None = None,
) -> InspectionPlan:
    """编制执法计划: a plan over ``region_codes`` for a period, with its pools
    (``[{"kind": "key", "ratio": "20"}, …]``, a percentage of each pool to draw).

    ``yearly_cap`` defaults to ``settings.ECOENFORCE_INSPECTION_YEARLY_CAP``;
    ``exclude_inspected_within_days`` to the model's default (90), 0 meaning no
    such exclusion. Every region must lie in the actor's scope.
    """
    _require_approver(actor)
    errors: list[ErrorItem] = []
    name = (name or "").strip()
    if not name:
        errors.append(ErrorItem("name", "required", "请填写计划名称"))
    elif len(name) > InspectionPlan._meta.get_field("name").max_length:
        errors.append(ErrorItem("name", "too_long", "计划名称不得超过 200 字"))
    if period_start is None:
        errors.append(ErrorItem("period_start", "required", "请填写起始日期"))
    if period_end is None:
        errors.append(ErrorItem("period_end", "required", "请填写截止日期"))
    if period_start is not None and not EARLIEST_PLAN_START <= period_start <= LATEST_PLAN_START:
        errors.append(
            ErrorItem(
                "period_start",
                "out_of_range",
                f"起始日期应在 {EARLIEST_PLAN_START} 至 {LATEST_PLAN_START} 之间",
            )
        )
    elif period_start is not None and period_end is not None:
        if period_end < period_start:
            errors.append(ErrorItem("period_end", "period_reversed", "截止日期不能早于起始日期"))
        elif period_end >= _a_year_after(period_start):
            errors.append(ErrorItem("period_end", "period_too_long", "计划期限不得超过一年"))

    codes = list(dict.fromkeys(str(code).strip() for code in region_codes or []))
    regions: list[Region] = []
    if not codes:
        errors.append(ErrorItem("regions", "required", "请选择抽查区划"))
    else:
        found = {r.code: r for r in Region.objects.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            errors.append(
                ErrorItem("regions", "unknown_region", f"行政区划不存在：{'、'.join(missing)}")
            )
        visible = visible_region_codes(actor)
        outside = [
            found[code].name
            for code in codes
            if code in found and visible is not None and code not in visible
        ]
        if outside:
            errors.append(
                ErrorItem(
                    "regions",
                    "region_out_of_scope",
                    f"以下区划不在您的管辖范围内：{'、'.join(outside)}",
                )
            )
        regions = [found[code] for code in codes if code in found]

    pool_rows = _pools(pools, errors)
    if yearly_cap is None:
        yearly_cap = settings.ECOENFORCE_INSPECTION_YEARLY_CAP
    yearly_cap = _whole(yearly_cap, "yearly_cap", "每企业年度检查上限", 1, 365, errors)
    if exclude_inspected_within_days is None:
        exclude_inspected_within_days = InspectionPlan._meta.get_field(
            "exclude_inspected_within_days"
        ).default
    exclude_inspected_within_days = _whole(
        exclude_inspected_within_days,
        "exclude_inspected_within_days",
        "近期已检查排除天数",
        0,
        MAX_EXCLUSION_DAYS,
        errors,
    )
    if errors:
        raise ValidationFailed(errors)

    plan = InspectionPlan.objects.create(
        name=name,
        period_start=period_start,
        period_end=period_end,
        yearly_cap=yearly_cap,
        exclude_inspected_within_days=exclude_inspected_within_days,
        created_by=actor,
    )
    plan.regions.set(regions)
    for row in pool_rows:
        row.plan = plan
    PlanPool.objects.bulk_create(pool_rows)
    return plan


# --- the draw: pure functions of the seed and the snapshot ----------------------------------


def uniform_index(rng: random.Random, n: int) -> int:
    """An index in ``range(n)`` from ``rng.random()`` only.

    ``random.random()`` is the one method whose sequence Python promises to keep
    for a given seed across versions; ``sample``, ``choice`` and ``randrange``
    have changed before. Building on it keeps old draws replayable.
    """
    return min(int(rng.random() * n), n - 1)


def sample(rng: random.Random, ids: list[int], count: int) -> list[int]:
    """``count`` of ``ids`` in draw order: the first steps of a Fisher–Yates shuffle."""
    pool = list(ids)
    for i in range(count):
        j = i + uniform_index(rng, len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return pool[:count]


def _pair_at(k: int, n: int) -> tuple[int, int]:
    """The ``k``-th pair (i < j) of ``range(n)`` in lexicographic order."""
    i = 0
    while k >= n - 1 - i:
        k -= n - 1 - i
        i += 1
    return i, i + 1 + k


def _pair_index(i: int, j: int, n: int) -> int:
    return i * n - i * (i + 1) // 2 + (j - i - 1)


def pick_pair(
    rng: random.Random, officers: list[int], avoid: frozenset[int]
) -> tuple[int, int] | None:
    """Two distinct officers of ``officers`` (sorted ids), every pair equally
    likely except ``avoid`` (the pair of the last inspection), which is never
    drawn. ``None`` when no pair is left."""
    n = len(officers)
    total = n * (n - 1) // 2
    skipped = None
    if len(avoid) == 2 and avoid <= set(officers):
        i, j = sorted(officers.index(officer) for officer in avoid)
        skipped = _pair_index(i, j, n)
    available = total - (skipped is not None)
    if available <= 0:
        return None
    k = uniform_index(rng, available)
    if skipped is not None and k >= skipped:
        k += 1
    i, j = _pair_at(k, n)
    return officers[i], officers[j]


def pool_count(ratio, size: int) -> int:
    """How many of a pool to draw: ⌈ratio % × size⌉, computed exactly."""
    return math.ceil(Decimal(str(ratio)) * size / 100)


def draw_enterprises(rng: random.Random, pools: list[dict]) -> list[tuple[str, int]]:
    """(pool, enterprise id) in draw order, from the snapshot's pools."""
    drawn: list[tuple[str, int]] = []
    for pool in pools:
        candidates = sorted(pool["candidates"])
        count = pool_count(pool["ratio"], len(candidates))
        drawn.extend((pool["kind"], enterprise) for enterprise in sample(rng, candidates, count))
    return drawn


def draw_from_snapshot(seed: int, snapshot: dict) -> list[DrawnItem]:
    """The whole draw from a seed and a snapshot: enterprises pool by pool,
    then a pair of officers for each drawn enterprise, in draw order, from one
    random stream. Raises DomainError when a region has no pair to offer."""
    rng = random.Random(seed)
    drawn = draw_enterprises(rng, snapshot["pools"])
    regions = snapshot.get("enterprise_regions", {})
    officers_by_region = snapshot.get("officers", {})
    last_pairs = snapshot.get("last_pairs", {})
    region_names = snapshot.get("region_names", {})
    items = []
    for position, (pool, enterprise) in enumerate(drawn, start=1):
        region = regions.get(str(enterprise))
        if region is None:
            raise ConflictError(f"抽取底数缺少企业 {enterprise} 的区划", code="snapshot_invalid")
        officers = sorted(officers_by_region.get(region, []))
        label = region_names.get(region, region)
        if len(officers) < 2:
            raise DomainError(
                f"{label}符合条件的执法人员不足两名（须为执法人员角色、执法证在计划起始日有效），"
                "无法抽取检查人员",
                code="officers_insufficient",
            )
        pair = pick_pair(rng, officers, frozenset(last_pairs.get(str(enterprise), ())))
        if pair is None:
            raise DomainError(
                f"{label}符合条件的执法人员只有上次检查该企业的两名，无法另行抽取检查人员",
                code="officers_insufficient",
            )
        items.append(DrawnItem(position, enterprise, pool, region, pair))
    return items


def snapshot_digest(snapshot: dict) -> str:
    """SHA-256 of the snapshot's canonical JSON: published beside the seed, it
    lets anyone check that a snapshot handed to them is the one drawn from."""
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- the draw: collecting the snapshot from the database ------------------------------------


def pool_of(enterprise: dict) -> str:
    if enterprise["key_discharge_unit"]:
        return PoolKind.KEY
    if (
        enterprise["hazardous_waste_producer"]
        or enterprise["key_soil_pollution_unit"]
        or enterprise["vocs_related"]
    ):
        return PoolKind.SPECIAL
    return PoolKind.GENERAL


def _candidate_pools(plan: InspectionPlan) -> dict:
    """The plan's pools with their candidate ids, and who was left out and why."""
    paths = [region.path for region in plan.regions.all()]
    in_regions = Q()
    for path in paths:
        in_regions |= Q(region__path__startswith=path)
    enterprises = Enterprise.objects.filter(in_regions, status=EnterpriseStatus.OPERATING)
    rows = list(
        enterprises.order_by("id").values(
            "id",
            "on_positive_list",
            "key_discharge_unit",
            "hazardous_waste_producer",
            "key_soil_pollution_unit",
            "vocs_related",
        )
    )
    counted = Inspection.objects.filter(
        status__in=COUNTED_INSPECTIONS, enterprise__in=enterprises.values("id")
    )
    start = plan.period_start
    recent: set[int] = set()
    if plan.exclude_inspected_within_days:
        recent = set(
            counted.filter(
                inspected_on__gte=start - timedelta(days=plan.exclude_inspected_within_days),
                inspected_on__lt=start,
            ).values_list("enterprise_id", flat=True)
        )
    # The yearly cap counts this year's inspections and the other plans' draws
    # in this year not yet made into a counted inspection (so none counts twice).
    year_start, year_end = date(start.year, 1, 1), date(start.year, 12, 31)
    this_year: dict[int, int] = {}
    for row in (
        counted.filter(inspected_on__range=(year_start, year_end))
        .values("enterprise_id")
        .annotate(n=Count("id"))
    ):
        this_year[row["enterprise_id"]] = row["n"]
    for row in (
        PlanDrawItem.objects.filter(
            plan__period_start__range=(year_start, year_end),
            enterprise__in=enterprises.values("id"),
        )
        .exclude(plan=plan)
        .exclude(inspection__status__in=COUNTED_INSPECTIONS)
        .values("enterprise_id")
        .annotate(n=Count("id"))
    ):
        this_year[row["enterprise_id"]] = this_year.get(row["enterprise_id"], 0) + row["n"]

    ratios = {pool.kind: pool.ratio for pool in plan.pools.all()}
    candidates: dict[str, list[int]] = {kind: [] for kind in ratios}
    excluded: dict[str, list[int]] = {"positive_list": [], "recently_inspected": [], "cap": []}
    for row in rows:
        enterprise = row["id"]
        if row["on_positive_list"]:
            excluded["positive_list"].append(enterprise)
        elif enterprise in recent:
            excluded["recently_inspected"].append(enterprise)
        elif this_year.get(enterprise, 0) >= plan.yearly_cap:
            excluded["cap"].append(enterprise)
        else:
            kind = pool_of(row)
            if kind in candidates:
                candidates[kind].append(enterprise)
    return {
        "pools": [
            {"kind": kind, "ratio": str(ratios[kind]), "candidates": candidates[kind]}
            for kind in POOL_ORDER
            if kind in candidates
        ],
        "excluded": excluded,
    }


def _eligible_officers(region_codes: set[str], on: date) -> tuple[dict, dict]:
    """Officers who may be drawn for each region: the inspector role, a badge
    valid on ``on``, an active account, and a scope covering the region.

    Each officer's scope is worked out once, from prefetched regions, by the
    same rule as ``accounts.selectors.scope_roots`` (own regions, else the
    unit's, else the whole city).
    """
    regions = {r.code: r for r in Region.objects.filter(code__in=region_codes)}
    officers = (
        Officer.objects.filter(
            user__groups__name=Role.INSPECTOR.value,
            user__is_active=True,
            badge_number__isnull=False,
        )
        .exclude(badge_number="")
        .filter(Q(certificate_valid_until__isnull=True) | Q(certificate_valid_until__gte=on))
        .select_related("user", "unit")
        .prefetch_related("regions", "unit__regions")
        .distinct()
        .order_by("id")
    )
    eligible: dict[str, list[int]] = {code: [] for code in regions}
    for officer in officers:
        if not officer.certificate_valid_on(on):
            continue
        roots = scope_roots(officer.user)
        for code, region in regions.items():
            if roots is None or any(region.path.startswith(root.path) for root in roots):
                eligible[code].append(officer.pk)
    return eligible, {code: region.name for code, region in regions.items()}


def _last_pairs(enterprise_ids: list[int]) -> dict[str, list[int]]:
    """The officers of each enterprise's latest counted inspection."""
    latest = (
        Inspection.objects.filter(enterprise_id__in=enterprise_ids, status__in=COUNTED_INSPECTIONS)
        .order_by("enterprise_id", "-inspected_on", "-id")
        .distinct("enterprise_id")
        .values_list("id", "enterprise_id")
    )
    by_inspection = dict(latest)
    pairs: dict[str, list[int]] = {str(e): [] for e in by_inspection.values()}
    through = Inspection.officers.through
    for inspection, officer in (
        through.objects.filter(inspection_id__in=by_inspection)
        .order_by("officer_id")
        .values_list("inspection_id", "officer_id")
    ):
        pairs[str(by_inspection[inspection])].append(officer)
    return pairs


def collect_snapshot(plan: InspectionPlan, seed: int) -> dict:
    """Everything the draw reads from the database, as JSON."""
    snapshot = {"method": DRAW_METHOD_VERSION, **_candidate_pools(plan)}
    drawn = [
        enterprise for _, enterprise in draw_enterprises(random.Random(seed), snapshot["pools"])
    ]
    regions = dict(
        Enterprise.objects.filter(pk__in=drawn).values_list("id", "region_id").order_by("id")
    )
    snapshot["enterprise_regions"] = {str(e): regions[e] for e in sorted(regions)}
    officers, names = _eligible_officers(set(regions.values()), plan.period_start)
    snapshot["officers"] = officers
    snapshot["region_names"] = names
    snapshot["last_pairs"] = _last_pairs(drawn)
    return snapshot


def _seed(seed) -> int:
    if seed is None:
        return secrets.randbelow(SEED_MAX + 1)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
        raise DomainError(f"随机种子应为 0–{SEED_MAX} 的整数", code="invalid_seed", field="seed")
    return seed


@transaction.atomic
def plan_draw(*, plan: InspectionPlan, actor, seed: int | None = None) -> InspectionPlan:
    """双随机抽取: draw the enterprises and a pair of inspectors for each.

    The seed is drawn from ``secrets`` unless given (a given seed lets a draw
    be made in public, e.g. from a lottery number). The plan row is locked, so
    two approvers pressing the button together draw once; a drawn plan is
    never drawn again (409): its draw is verified with ``plan_verify``.
    """
    _require_approver(actor)
    plan = _lock(plan)
    _ensure_writable_scope(plan, actor)
    if plan.status != PlanStatus.DRAFT:
        raise ConflictError(
            f"该计划已于 {timezone.localtime(plan.drawn_at):%Y-%m-%d %H:%M} 抽取，"
            "不能重新抽取；可按记录的随机种子复核",
            code="already_drawn",
        )
    seed = _seed(seed)
    snapshot = collect_snapshot(plan, seed)
    items = draw_from_snapshot(seed, snapshot)
    if not items:
        raise DomainError(
            "计划范围内没有可抽取的企业（已排除正面清单、近期已检查和达到年度上限的企业）",
            code="no_candidates",
        )
    rows = PlanDrawItem.objects.bulk_create(
        [
            PlanDrawItem(
                plan=plan,
                enterprise_id=item.enterprise_id,
                region_id=item.region,
                pool=item.pool,
                position=item.position,
            )
            for item in items
        ]
    )
    through = PlanDrawItem.officers.through
    through.objects.bulk_create(
        [
            through(plandrawitem_id=row.pk, officer_id=officer)
            for row, item in zip(rows, items, strict=True)
            for officer in item.officer_ids
        ]
    )
    plan.seed = seed
    plan.draw_snapshot = snapshot
    plan.status = PlanStatus.DRAWN
    plan.drawn_at = timezone.now()
    plan.drawn_by = actor
    plan.save(
        update_fields=["seed", "draw_snapshot", "status", "drawn_at", "drawn_by", "updated_at"]
    )
    return plan


@transaction.atomic
def plan_publish(*, plan: InspectionPlan, actor) -> InspectionPlan:
    """一公开: make the drawn plan's result public. Publishing twice is a no-op."""
    _require_approver(actor)
    plan = _lock(plan)
    _ensure_writable_scope(plan, actor)
    if plan.status == PlanStatus.PUBLISHED:
        return plan
    if plan.status != PlanStatus.DRAWN:
        raise ConflictError("计划尚未抽取，不能公开", code="not_drawn")
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = timezone.now()
    plan.save(update_fields=["status", "published_at", "updated_at"])
    return plan


# --- replay -----------------------------------------------------------------------------------


def plan_replay(*, plan: InspectionPlan) -> list[DrawnItem]:
    """The draw recomputed from the plan's recorded seed and snapshot."""
    if plan.seed is None or not plan.draw_snapshot:
        raise ConflictError("计划尚未抽取，无可复核的抽取结果", code="not_drawn")
    return draw_from_snapshot(plan.seed, plan.draw_snapshot)


def plan_verify(*, plan: InspectionPlan) -> Verification:
    """Replay the draw and compare it with the stored items, line by line."""
    items = plan_replay(plan=plan)
    stored = {
        row["position"]: row
        for row in PlanDrawItem.objects.filter(plan=plan).values(
            "id", "position", "enterprise_id", "pool"
        )
    }
    officers: dict[int, set[int]] = {}
    for item_id, officer in PlanDrawItem.officers.through.objects.filter(
        plandrawitem__plan=plan
    ).values_list("plandrawitem_id", "officer_id"):
        officers.setdefault(item_id, set()).add(officer)
    verification = Verification(seed=plan.seed, items=items)
    differences = verification.differences
    for item in items:
        row = stored.pop(item.position, None)
        if row is None:
            differences.append(f"第 {item.position} 项：记录中缺少")
        elif row["enterprise_id"] != item.enterprise_id or row["pool"] != item.pool:
            differences.append(f"第 {item.position} 项：抽中的企业不一致")
        elif officers.get(row["id"], set()) != set(item.officer_ids):
            differences.append(f"第 {item.position} 项：抽中的执法人员不一致")
    for position in sorted(stored):
        differences.append(f"第 {position} 项：复核结果中没有")
    return verification
