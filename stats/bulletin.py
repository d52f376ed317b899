"""The half-year bulletin (半年公报): its enforcement and service paragraphs.

The formatting functions are pure (no database) and follow DESIGN.md's
"Bulletin conventions": counts as integers with their unit, money in 万元 with
one decimal (亿元 from 1 亿 up), year on year as "同比增长/下降 X%" with one
decimal rounded half up, "同比增加/减少 N 件" as the absolute form, "同比持平"
when equal, and no percentage when last year's value is zero.

``bulletin_text`` reads only the snapshot's cells, so the text a manager reads
is the numbers the snapshot holds, reproducibly.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
ONE_DECIMAL = Decimal("0.1")

MONEY_UNIT = "元"


def _decimal(value) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, Decimal):
        return value
    # str() first: Decimal(0.1) would carry the float's binary error.
    return Decimal(str(value))


def round_half_up(value, places: int = 1) -> Decimal:
    """Round as a person does (40.25 → 40.3), not banker's rounding."""
    quantum = Decimal(1).scaleb(-places)
    return _decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)


def _plain(number: Decimal) -> str:
    """A count without exponent or trailing zeros: 52, 3.5."""
    return format(number.normalize(), "f")


def format_count(n, unit: str) -> str:
    """``format_count(52, "件")`` → ``"52件"``."""
    number = _decimal(n)
    if number == number.to_integral_value():
        return f"{int(number)}{unit}"
    return f"{_plain(round_half_up(number))}{unit}"


def format_money(yuan) -> str:
    """Yuan as the bulletin writes them: 1,835,000 → "183.5万元", ≥ 1亿 → "1.2亿元"."""
    amount = _decimal(yuan)
    if abs(amount) >= YI:
        return f"{round_half_up(amount / YI)}亿元"
    return f"{round_half_up(amount / WAN)}万元"


def change_pct(value, previous) -> Decimal | None:
    """Year-on-year change in percent, one decimal half up; None when last year is 0."""
    now, before = _decimal(value), _decimal(previous)
    if before == 0:
        return None
    return round_half_up((now - before) * 100 / before)


def format_change_pct(value, previous) -> str | None:
    """Year on year: "同比增长40.2%" / "同比下降40.2%" / "同比持平"; None when last year is 0.

    A change that rounds to 0.0% reads "同比持平" too: "同比增长0.0%" is not
    something the bureau would print.
    """
    now, before = _decimal(value), _decimal(previous)
    if now == before:
        return "同比持平"
    pct = change_pct(now, before)
    if pct is None:
        return None
    if pct == 0:
        return "同比持平"
    if pct > 0:
        return f"同比增长{pct}%"
    return f"同比下降{-pct}%"


def format_change_abs(value, previous, unit: str) -> str:
    """Absolute form: "同比增加3件" / "同比减少3件" / "同比持平"; money differences in 万元/亿元."""
    now, before = _decimal(value), _decimal(previous)
    diff = now - before
    if diff == 0:
        return "同比持平"
    word = "增加" if diff > 0 else "减少"
    amount = format_money(abs(diff)) if unit == MONEY_UNIT else format_count(abs(diff), unit)
    return f"同比{word}{amount}"


def format_change(value, previous, unit: str) -> str:
    """The percentage form, or the absolute form when last year's value is zero."""
    return format_change_pct(value, previous) or format_change_abs(value, previous, unit)


def format_value(value, unit: str) -> str:
    if unit == MONEY_UNIT:
        return format_money(value)
    return format_count(value, unit)


# ---------------------------------------------------------------------------
# The two paragraphs, from a snapshot's cells.

PERIOD_WORDS = {1: "上半年", 2: "下半年", 0: "全年"}

# Special measures (配套办法), in the order the bulletin names them.
SPECIAL_MEASURES = [
    ("daily_penalty_cases", "按日连续处罚"),
    ("seal_seize_cases", "查封扣押"),
    ("production_restriction_cases", "限产停产"),
    ("detention_transfers", "移送行政拘留"),
    ("crime_transfers", "移送涉嫌环境污染犯罪"),
]


def unit_of(metric: str) -> str:
    """The metric's unit from the registry (the one definition of every number)."""
    from stats.metrics import get_metric

    definition = get_metric(metric)
    return definition.unit if definition else "件"


def _cells(snapshot, region_code: str) -> dict[str, tuple]:
    return {
        metric: (value, previous)
        for metric, value, previous in snapshot.cells.filter(region=region_code).values_list(
            "metric", "value", "previous"
        )
    }


def scope_name(snapshot, region_code: str | None = None) -> str:
    """全市 for the city, the county's name for a county (or a region of the snapshot)."""
    from accounts.models import Region

    if region_code:
        name = Region.objects.filter(code=region_code).values_list("name", flat=True).first()
        return name or region_code
    if snapshot.scope_region_id:
        return snapshot.scope_region.name
    return "全市"


class _Clauses:
    """Collects "label value，change" clauses, skipping metrics the snapshot lacks."""

    def __init__(self, cells: dict[str, tuple]):
        self.cells = cells
        self.parts: list[str] = []

    def has(self, metric: str) -> bool:
        return metric in self.cells and self.cells[metric][0] is not None

    def value(self, metric: str):
        return _decimal(self.cells[metric][0])

    def previous(self, metric: str):
        return _decimal(self.cells[metric][1])

    def text(self, metric: str, label: str, *, change: bool = True) -> str | None:
        if not self.has(metric):
            return None
        unit = unit_of(metric)
        value, previous = self.value(metric), self.previous(metric)
        clause = f"{label}{format_value(value, unit)}"
        if change:
            clause += f"，{format_change(value, previous, unit)}"
        return clause

    def add(self, clause: str | None) -> None:
        if clause:
            self.parts.append(clause)


def _enforcement(cells: dict[str, tuple], lead: str) -> str:
    c = _Clauses(cells)
    penalty = c.text("penalty_cases", "环境违法处罚案件")
    c.add(f"{lead}{penalty}" if penalty else None)
    c.add(c.text("penalty_amount", "处罚金额"))
    c.add(c.text("cases_filed", "立案查处"))
    c.add(c.text("waived_cases", "轻微违法依法不予处罚"))

    measures = [(key, label) for key, label in SPECIAL_MEASURES if c.has(key)]
    if measures:
        total = sum(c.value(key) for key, _ in measures)
        total_previous = sum(c.previous(key) for key, _ in measures)
        # A measure not used this period is left out of the list, not printed as 0件.
        detail = "、".join(
            f"{label}{format_count(c.value(key), '件')}" for key, label in measures if c.value(key)
        )
        c.add(
            f"适用配套办法案件{format_count(total, '件')}"
            + (f"（{detail}）" if detail else "")
            + f"，{format_change(total, total_previous, '件')}"
        )

    inspections = c.text("inspections", "开展现场检查")
    if inspections:
        extras = []
        if c.has("enterprises_inspected"):
            extras.append(f"检查企业{format_count(c.value('enterprises_inspected'), '家')}")
        if c.has("random_inspections"):
            extras.append(f"其中“双随机”抽查{format_count(c.value('random_inspections'), '次')}")
        c.add("，".join([inspections, *extras]))

    offsite = c.text("offsite_records", "接收非现场执法记录")
    if offsite:
        extras = []
        if c.has("offsite_closed_offsite"):
            extras.append(f"非现场核查办结{format_count(c.value('offsite_closed_offsite'), '件')}")
        if c.has("offsite_to_onsite"):
            extras.append(f"转现场检查或立案查处{format_count(c.value('offsite_to_onsite'), '件')}")
        c.add(f"{offsite}，其中{'、'.join(extras)}" if extras else offsite)

    if not c.parts:
        return f"{lead}无执法统计数据。"
    if not c.parts[0].startswith(lead):
        c.parts[0] = lead + c.parts[0]
    return "；".join(c.parts) + "。"


def _service(cells: dict[str, tuple], lead: str) -> str:
    c = _Clauses(cells)
    first = [
        clause
        for clause in (
            c.text("symposiums", "召开政企座谈会", change=False),
            c.text("enterprises_visited", "走访企业", change=False),
            c.text("policy_cards", "发放政策明白卡", change=False),
            c.text("demands_resolved", "帮助企业解决问题诉求", change=False),
        )
        if clause
    ]
    if first:
        c.add("，".join(first))
    if c.has("service_rating_avg"):
        c.add(f"企业对执法服务的平均评价为{round_half_up(c.value('service_rating_avg'))}分")
    c.add(c.text("complaints", "收到监督投诉"))
    if not c.parts:
        return f"{lead}无服务企业统计数据。"
    return lead + "；".join(c.parts) + "。"


def bulletin_text(snapshot, *, region_code: str | None = None) -> dict[str, str]:
    """The enforcement and the service paragraph for the snapshot's scope, or
    for one region of it (``region_code``), from the snapshot's cells only."""
    cells = _cells(snapshot, region_code or "")
    lead = f"{PERIOD_WORDS.get(snapshot.half, '')}，{scope_name(snapshot, region_code)}"
    return {"enforcement": _enforcement(cells, lead), "service": _service(cells, lead)}
