"""Public disclosure of random inspections (双随机、一公开): the published plans
and, for each, the drawn enterprises, their pool and the inspection's outcome,
the seed and the replay check. No login; no officer's name or badge number.

Plain Django views and templates (templates/public/inspection_plans/), light
enough for a phone, with nothing loaded from elsewhere.
"""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.models import Region
from cases.plan_selectors import draw_summary, public_outcome_text, public_plan, published_plans

PAGE_SIZE = 20


def _publisher() -> str:
    """ "廊坊市生态环境局", from the city this installation serves."""
    region = Region.objects.filter(code=settings.ECOENFORCE_CITY_REGION).only("name").first()
    return f"{region.name if region else ''}生态环境局"


@require_safe
def plan_list(request):
    page = Paginator(published_plans(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "public/inspection_plans/list.html",
        {"page": page, "plans": page.object_list, "publisher": _publisher()},
    )


@require_safe
def plan_detail(request, pk: int):
    plan = public_plan(pk=pk)
    summary = draw_summary(plan)
    drawn_by_pool: dict[str, int] = {}
    for item in plan.drawn_items:
        drawn_by_pool[item.pool] = drawn_by_pool.get(item.pool, 0) + 1
    pools = [
        {
            "label": pool["label"],
            "ratio": pool["ratio"],
            "candidates": pool["candidates"],
            "drawn": drawn_by_pool.get(pool["kind"], 0),
        }
        for pool in (summary or {}).get("pools", [])
    ]
    rows = [
        {"item": item, "outcome": public_outcome_text(getattr(item, "inspection", None))}
        for item in plan.drawn_items
    ]
    return render(
        request,
        "public/inspection_plans/detail.html",
        {
            "plan": plan,
            "summary": summary,
            "pools": pools,
            "rows": rows,
            "publisher": _publisher(),
        },
    )
