"""Reads of inspection plans (执法计划), always through the user's region scope.

A plan covers several regions, possibly a whole city. It is visible to a user
when one of its regions overlaps the user's scope: the region lies in the
scope, or the scope lies under it (a city-wide plan concerns every county
brigade). City-level staff see every plan. Inside a visible plan, a user
sees the drawn enterprises of their own regions only (``plan_items``).
"""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.http import Http404

from accounts.models import Officer, Region
from accounts.selectors import restrict_to_regions, visible_region_codes
from cases.choices import InspectionStatus, PlanStatus, PoolKind
from cases.models import InspectionPlan, PlanDrawItem


def restrict_plans_to_regions(queryset: QuerySet[InspectionPlan], user) -> QuerySet:
    """Keep the plans one of whose regions overlaps the user's scope.

    An ``EXISTS`` rather than a join, so a plan of three regions stays one row.
    """
    codes = visible_region_codes(user)
    if codes is None:
        return queryset
    return queryset.filter(Exists(plans_overlapping(codes)))


def plans_overlapping(codes) -> QuerySet:
    """Plan–region rows (for ``OuterRef("pk")``, the plan) whose region contains
    one of ``codes`` (the region itself or one under it) or lies under one."""
    through = InspectionPlan.regions.through
    # ``codes`` holds a scope's whole subtree, so a plan region inside the
    # scope finds itself, and a plan region above the scope (the city) finds
    # the scope's regions under its path.
    return through.objects.filter(inspectionplan_id=OuterRef("pk")).filter(
        Exists(Region.objects.filter(code__in=codes, path__startswith=OuterRef("region__path")))
    )


def plan_list(*, user, filters: dict | None = None) -> QuerySet[InspectionPlan]:
    """Plans the user may see, with their regions, pools and item count."""
    queryset = restrict_plans_to_regions(
        InspectionPlan.objects.annotate(item_count=Count("items"))
        .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("code")), "pools")
        # Meta.ordering does not apply to a GROUP BY query: say it again.
        .order_by("-period_start", "-id"),
        user,
    )
    if filters is not None:
        from cases.plan_filters import InspectionPlanFilter

        queryset = InspectionPlanFilter(filters, queryset=queryset).qs
    return queryset


def plan_get(*, user, pk: int) -> InspectionPlan:
    """One plan in the user's scope; InspectionPlan.DoesNotExist otherwise."""
    return plan_list(user=user).get(pk=pk)


def plan_items(*, plan: InspectionPlan, user=None) -> QuerySet[PlanDrawItem]:
    """The drawn enterprises of a plan in draw order, with the enterprise, the
    region, the drawn officers and the inspection made of each.

    With ``user``, only the items of the user's regions; without, all of them
    (the public disclosure, which never shows the officers).
    """
    queryset = (
        PlanDrawItem.objects.filter(plan=plan)
        .select_related("enterprise", "region", "inspection")
        .order_by("position")
    )
    if user is not None:
        queryset = restrict_to_regions(queryset, user).prefetch_related(
            Prefetch("officers", queryset=Officer.objects.order_by("id"))
        )
    return queryset


def published_plans() -> QuerySet[InspectionPlan]:
    """Plans whose draw is public (一公开), newest first; for anyone, no login."""
    return (
        InspectionPlan.objects.filter(status=PlanStatus.PUBLISHED)
        .annotate(item_count=Count("items"))
        .prefetch_related(Prefetch("regions", queryset=Region.objects.order_by("code")), "pools")
        .order_by("-published_at", "-id")
    )


def public_plan(*, pk: int) -> InspectionPlan:
    """A published plan for the disclosure: its drawn items (``drawn_items``),
    the digest of its snapshot and whether replaying the seed gives the
    published list (``verified``). Http404 for any other plan."""
    from cases import plan_services
    from ecoenforce.errors import DomainError

    plan = published_plans().filter(pk=pk).first()
    if plan is None:
        raise Http404("执法计划不存在或尚未公开")
    plan.drawn_items = list(plan_items(plan=plan))
    plan.snapshot_digest = plan_services.snapshot_digest(plan.draw_snapshot)
    try:
        plan.verified = plan_services.plan_verify(plan=plan).matches
    except DomainError:
        plan.verified = False
    return plan


def draw_summary(plan: InspectionPlan) -> dict | None:
    """Pool sizes and exclusions of a draw, from its snapshot (counts only)."""
    snapshot = plan.draw_snapshot or {}
    if not snapshot:
        return None
    excluded = snapshot.get("excluded", {})
    return {
        "method": snapshot.get("method"),
        "pools": [
            {
                "kind": pool["kind"],
                "label": PoolKind(pool["kind"]).label,
                "ratio": pool["ratio"],
                "candidates": len(pool["candidates"]),
            }
            for pool in snapshot.get("pools", [])
        ],
        "excluded_positive_list": len(excluded.get("positive_list", [])),
        "excluded_recently_inspected": len(excluded.get("recently_inspected", [])),
        "excluded_yearly_cap": len(excluded.get("cap", [])),
    }


def public_outcome_text(inspection) -> str:
    """What the disclosure says about a drawn enterprise's inspection."""
    if inspection is None or inspection.status in (
        InspectionStatus.REQUESTED,
        InspectionStatus.APPROVED,
    ):
        return "待检查"
    if inspection.status == InspectionStatus.CANCELLED:
        return "未检查"
    if inspection.status == InspectionStatus.IN_PROGRESS:
        return "检查中"
    return inspection.get_outcome_display() or "已检查"
