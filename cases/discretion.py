"""自由裁量: the recommended fine for a violation type, the Hebei way.

Pure functions, no database writes. The method follows the Hebei provincial
discretion standard (河北省生态环境厅环境行政处罚自由裁量权裁量标准, 第五条):
each discretion factor contributes a percentage, the percentages are summed,
and the sum is multiplied by the statutory maximum fine::

    罚款金额 = 百分值之和 × 法定最高罚款额

If the product is below the statutory minimum, the minimum is the amount; it
never exceeds the maximum either. The recommendation is rounded half up to
whole yuan (the decision documents state whole yuan), then kept inside the
statutory range; only a range whose bounds are not whole yuan (a percentage of
an investment) can leave a recommendation with fen.

The default factor table (each type may override it, see below)::

    factor            option                                       percent
    harm 危害后果      minor     危害后果轻微                          +5
                      general   造成一般危害后果                      +10
                      serious   造成较重危害后果                      +20
                      severe    造成严重危害后果                      +25
    fault 主观过错     negligent 过失                                  +5
                      intentional 故意                               +15
    method 违法手段    ordinary  一般违法手段                          +5
                      concealed 采取隐蔽手段或者弄虚作假              +15
    object 影响对象    general   一般区域                              +5
                      sensitive 居民区、学校、医院等环境敏感区域      +10
                      protected 饮用水水源保护区、自然保护地等        +15
    history 违法次数   first     首次违法                               0
                      repeat    两年内因同类违法行为受过行政处罚      +10
    correction 改正    proactive 主动消除或者减轻违法行为危害后果      -5
                      corrected 按要求及时改正                         0
                      refused   逾期未改正或者拒不改正                +10
    sensitive_period  normal    非敏感时期                              0
    敏感时期           sensitive 重污染天气预警、重大活动保障期间      +10

The most severe choice of every factor sums to 100 %, the mildest to 15 %.
A sum below zero counts as zero.

A ViolationType's ``discretion_factors`` JSON adjusts this table for the type:
a list of factor objects, merged into the default table by ``key``::

    [{"key": "method", "label": "逃避监管方式",
      "options": [{"key": "single", "label": "采用一种逃避监管方式", "percent": 10},
                  {"key": "multiple", "label": "采用多种方式或者持续时间较长", "percent": 15}]},
     {"key": "sensitive_period", "omit": true}]

An object with ``options`` replaces the default factor of that key (``label``
may be left out to keep the default label) or adds a new factor; one with
``"omit": true`` drops a default factor. Percentages lie in −100…100 and the
most severe options of the resulting table may sum to at most 100 %. An empty
list means the default table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from cases.choices import FineRule
from ecoenforce.errors import DomainError, ErrorItem, ValidationFailed

if TYPE_CHECKING:
    from cases.models import ViolationType

YUAN = Decimal("1")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_PERCENT_SUM = HUNDRED

_KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


@dataclass(frozen=True)
class FactorOption:
    key: str
    label: str
    percent: Decimal


@dataclass(frozen=True)
class Factor:
    """One discretion factor (裁量因素) and the options an officer chooses from."""

    key: str
    label: str
    options: tuple[FactorOption, ...]

    def option(self, key: str) -> FactorOption | None:
        for option in self.options:
            if option.key == key:
                return option
        return None

    @property
    def max_percent(self) -> Decimal:
        return max(option.percent for option in self.options)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "options": [
                {"key": o.key, "label": o.label, "percent": _percent_json(o.percent)}
                for o in self.options
            ],
        }


def _factor(key: str, label: str, *options: tuple[str, str, int]) -> Factor:
    return Factor(
        key=key,
        label=label,
        options=tuple(FactorOption(k, text, Decimal(p)) for k, text, p in options),
    )


DEFAULT_FACTORS: tuple[Factor, ...] = (
    _factor(
        "harm",
        "危害后果",
        ("minor", "危害后果轻微", 5),
        ("general", "造成一般危害后果", 10),
        ("serious", "造成较重危害后果（局部环境污染或者引发群众投诉）", 20),
        ("severe", "造成严重危害后果（环境污染事件、人身或者重大财产损害）", 25),
    ),
    _factor(
        "fault",
        "主观过错",
        ("negligent", "过失", 5),
        ("intentional", "故意", 15),
    ),
    _factor(
        "method",
        "违法手段",
        ("ordinary", "一般违法手段", 5),
        ("concealed", "采取隐蔽手段或者弄虚作假", 15),
    ),
    _factor(
        "object",
        "影响对象",
        ("general", "一般区域", 5),
        ("sensitive", "居民区、学校、医院等环境敏感区域", 10),
        ("protected", "饮用水水源保护区、自然保护地、生态保护红线等特别保护区域", 15),
    ),
    _factor(
        "history",
        "违法次数",
        ("first", "首次违法", 0),
        ("repeat", "两年内因同类违法行为受过行政处罚", 10),
    ),
    _factor(
        "correction",
        "改正情况",
        ("proactive", "主动消除或者减轻违法行为危害后果", -5),
        ("corrected", "按要求及时改正", 0),
        ("refused", "逾期未改正或者拒不改正", 10),
    ),
    _factor(
        "sensitive_period",
        "敏感时期",
        ("normal", "非敏感时期", 0),
        ("sensitive", "重污染天气预警、重大活动保障等敏感时期", 10),
    ),
)

DEFAULT_FACTOR_KEYS = tuple(factor.key for factor in DEFAULT_FACTORS)


# --- The factor table and its per-type overrides ---------------------------------


def _invalid_table(message: str) -> DomainError:
    return DomainError(message, code="invalid_discretion_factors", field="discretion_factors")


def _parse_percent(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise _invalid_table(f"{where}的百分值须为数字")
    try:
        percent = Decimal(str(value))
    except InvalidOperation:
        raise _invalid_table(f"{where}的百分值须为数字") from None
    if not percent.is_finite() or not -HUNDRED <= percent <= HUNDRED:
        raise _invalid_table(f"{where}的百分值须在 -100 至 100 之间")
    return percent


def _parse_label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 100:
        raise _invalid_table(f"{where}的名称须为 1 至 100 个字的文字")
    return value.strip()


def _parse_key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _KEY_RE.match(value):
        raise _invalid_table(f"{where}的 key 须为小写英文字母开头的标识（字母、数字、下划线）")
    return value


def _parse_factor(item: Any, index: int, defaults: Mapping[str, Factor]) -> Factor | str:
    """One override entry: a Factor, or the key of a default factor to omit."""
    where = f"裁量因素第 {index} 项"
    if not isinstance(item, dict):
        raise _invalid_table(f"{where}须为对象")
    key = _parse_key(item.get("key"), where)
    where = f"裁量因素 {key} "
    if item.get("omit") is True:
        if set(item) - {"key", "omit"}:
            raise _invalid_table(f"{where}已标记省略，不应再含其他内容")
        if key not in defaults:
            raise _invalid_table(f"{where}不是默认裁量因素，无法省略")
        return key
    unknown = set(item) - {"key", "label", "options"}
    if unknown:
        raise _invalid_table(f"{where}含有未知字段：{'、'.join(sorted(unknown))}")
    if "label" in item:
        label = _parse_label(item["label"], where)
    elif key in defaults:
        label = defaults[key].label
    else:
        raise _invalid_table(f"{where}须填写名称 label")
    raw_options = item.get("options")
    if not isinstance(raw_options, list) or not raw_options:
        raise _invalid_table(f"{where}须至少有一个选项 options")
    options: list[FactorOption] = []
    for number, raw in enumerate(raw_options, start=1):
        option_where = f"{where}选项第 {number} 项"
        if not isinstance(raw, dict):
            raise _invalid_table(f"{option_where}须为对象")
        if set(raw) - {"key", "label", "percent"}:
            raise _invalid_table(f"{option_where}只能含 key、label、percent")
        option_key = _parse_key(raw.get("key"), option_where)
        if any(option.key == option_key for option in options):
            raise _invalid_table(f"{where}的选项 {option_key} 重复")
        options.append(
            FactorOption(
                key=option_key,
                label=_parse_label(raw.get("label"), option_where),
                percent=_parse_percent(raw.get("percent"), option_where),
            )
        )
    return Factor(key=key, label=label, options=tuple(options))


def build_factor_table(overrides: Any = None) -> tuple[Factor, ...]:
    """The default table with a type's ``discretion_factors`` merged in.

    Raises DomainError (code ``invalid_discretion_factors``, field
    ``discretion_factors``) with a Chinese message when the JSON has the wrong
    shape or its most severe options would sum to more than 100 %.
    """
    if overrides in (None, [], {}):
        return DEFAULT_FACTORS
    if not isinstance(overrides, list):
        raise _invalid_table("裁量因素须为列表（JSON 数组）")
    defaults = {factor.key: factor for factor in DEFAULT_FACTORS}
    replaced: dict[str, Factor] = {}
    omitted: set[str] = set()
    added: list[Factor] = []
    seen: set[str] = set()
    for index, item in enumerate(overrides, start=1):
        parsed = _parse_factor(item, index, defaults)
        key = parsed if isinstance(parsed, str) else parsed.key
        if key in seen:
            raise _invalid_table(f"裁量因素 {key} 重复")
        seen.add(key)
        if isinstance(parsed, str):
            omitted.add(parsed)
        elif parsed.key in defaults:
            replaced[parsed.key] = parsed
        else:
            added.append(parsed)
    table = tuple(
        replaced.get(factor.key, factor) for factor in DEFAULT_FACTORS if factor.key not in omitted
    ) + tuple(added)
    if not table:
        raise _invalid_table("至少保留一个裁量因素")
    most_severe = sum((factor.max_percent for factor in table), Decimal(0))
    if most_severe > MAX_PERCENT_SUM:
        raise _invalid_table(
            f"各裁量因素最高百分值之和为 {_pct(most_severe)}%，不得超过 {_pct(MAX_PERCENT_SUM)}%"
        )
    return table


def factor_table(violation_type: ViolationType) -> tuple[Factor, ...]:
    """The factors an officer weighs for this violation type."""
    return build_factor_table(violation_type.discretion_factors)


# --- The statutory range ---------------------------------------------------------


@dataclass(frozen=True)
class StatutoryRange:
    """The fine the law allows for one violation, in yuan, with how it was computed."""

    minimum: Decimal
    maximum: Decimal
    description: str


def _money(value: Any, *, field: str, label: str, allow_zero: bool = True) -> Decimal:
    if isinstance(value, bool):
        value = None
    try:
        amount = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise DomainError(f"{label}须为金额（元）", code="invalid", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise DomainError(f"{label}须大于零", code="invalid", field=field)
    if amount != amount.quantize(CENT):
        raise DomainError(f"{label}最多保留两位小数", code="invalid", field=field)
    return amount.quantize(CENT)


def _count(value: Any, *, field: str, code: str, label: str) -> int:
    if value is None or value == "":
        raise DomainError(f"该违法行为按{label}计罚，须填写{label}", code=code, field=field)
    number = None
    if not isinstance(value, bool):
        try:
            number = int(value)
        except (TypeError, ValueError):
            number = None
    if number is None or number < 1 or str(number) != str(value).strip():
        raise DomainError(f"{label}须为正整数", code="invalid", field=field)
    return number


def _incomplete(violation_type: ViolationType) -> DomainError:
    return DomainError(
        f"违法行为类型 {violation_type.code} 的罚款幅度未设置完整，请联系系统管理员",
        code="violation_type_incomplete",
        field=None,
    )


def statutory_range(
    *,
    violation_type: ViolationType,
    base_amount: Decimal | int | str | None = None,
    days: int | None = None,
    occurrences: int | None = None,
) -> StatutoryRange:
    """The statutory minimum and maximum for this type and these facts.

    range → ``fine_min``–``fine_max`` (a missing minimum is 0: "处五万元以下");
    percent → ``base_amount`` × ``percent_min``/``percent_max`` ÷ 100;
    per_day → the daily range × ``days``; per_occurrence → × ``occurrences``;
    none → 0–0.
    """
    rule = violation_type.fine_rule
    low = violation_type.fine_min if violation_type.fine_min is not None else Decimal(0)
    high = violation_type.fine_max
    if rule == FineRule.NONE:
        return StatutoryRange(Decimal("0.00"), Decimal("0.00"), "该违法行为无罚款规定")
    if rule == FineRule.PERCENT:
        if violation_type.percent_min is None or violation_type.percent_max is None:
            raise _incomplete(violation_type)
        base_label = violation_type.base_amount_label or "计罚基数"
        if base_amount is None or base_amount == "":
            raise DomainError(
                f"该违法行为按{base_label}的比例计罚，须填写{base_label}",
                code="base_amount_required",
                field="base_amount",
            )
        base = _money(base_amount, field="base_amount", label=base_label, allow_zero=False)
        minimum = (base * violation_type.percent_min / HUNDRED).quantize(CENT, ROUND_CEILING)
        maximum = (base * violation_type.percent_max / HUNDRED).quantize(CENT, ROUND_FLOOR)
        return StatutoryRange(
            minimum,
            maximum,
            f"{base_label} {_yuan(base)} 元的 {_pct(violation_type.percent_min)}%"
            f"至 {_pct(violation_type.percent_max)}%，即 {_yuan(minimum)} 元至 {_yuan(maximum)} 元",
        )
    if high is None:
        raise _incomplete(violation_type)
    if rule == FineRule.PER_DAY:
        n = _count(days, field="days", code="days_required", label="违法天数")
        unit = "日"
    elif rule == FineRule.PER_OCCURRENCE:
        n = _count(occurrences, field="occurrences", code="occurrences_required", label="违法次数")
        unit = "次"
    else:
        return StatutoryRange(
            low.quantize(CENT), high.quantize(CENT), f"{_yuan(low)} 元至 {_yuan(high)} 元"
        )
    minimum, maximum = (low * n).quantize(CENT), (high * n).quantize(CENT)
    return StatutoryRange(
        minimum,
        maximum,
        f"每{unit} {_yuan(low)} 元至 {_yuan(high)} 元 × {n} {unit}，"
        f"即 {_yuan(minimum)} 元至 {_yuan(maximum)} 元",
    )


def fine_rule_text(violation_type: ViolationType) -> str:
    """The statutory fine in words, for lists: "100,000–1,000,000 元", "建设项目总投资额 1%–5%"."""
    rule = violation_type.fine_rule
    if rule == FineRule.NONE:
        return "无罚款"
    if rule == FineRule.PERCENT:
        if violation_type.percent_min is None or violation_type.percent_max is None:
            return "未设置"
        return (
            f"{violation_type.base_amount_label or '计罚基数'} "
            f"{_pct(violation_type.percent_min)}%–{_pct(violation_type.percent_max)}%"
        )
    if violation_type.fine_max is None:
        return "未设置"
    low = violation_type.fine_min if violation_type.fine_min is not None else Decimal(0)
    unit = {FineRule.PER_DAY: " 元/日", FineRule.PER_OCCURRENCE: " 元/次"}.get(rule, " 元")
    if violation_type.fine_min is None:
        return f"{_yuan(violation_type.fine_max)}{unit}以下"
    return f"{_yuan(low)}–{_yuan(violation_type.fine_max)}{unit}"


# --- The recommendation ----------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    """A recommended fine with its statutory range and one explanation line per factor.

    ``amount``, ``minimum`` and ``maximum`` are yuan (two decimal places);
    ``percent`` is the sum of the chosen options' percentages; ``lines`` has one
    line per factor in table order; ``summary`` says how the amount follows
    from the sum; ``factors`` is the choice it was computed from.
    """

    amount: Decimal
    minimum: Decimal
    maximum: Decimal
    percent: Decimal
    lines: tuple[str, ...]
    summary: str
    factors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready: money as decimal strings in yuan, like the API."""
        return {
            "amount": str(self.amount),
            "minimum": str(self.minimum),
            "maximum": str(self.maximum),
            "percent": _percent_json(self.percent),
            "lines": list(self.lines),
            "summary": self.summary,
            "factors": dict(self.factors),
        }


def _choose(table: Iterable[Factor], factors: Any) -> list[tuple[Factor, FactorOption]]:
    """The chosen option of every factor; every problem reported at once."""
    table = tuple(table)
    if factors is None:
        factors = {}
    if not isinstance(factors, Mapping):
        raise DomainError('裁量因素须为对象，如 {"harm": "general"}', field="factors")
    known = {factor.key for factor in table}
    errors: list[ErrorItem] = []
    for key in factors:
        if key not in known:
            errors.append(
                ErrorItem(
                    f"factors.{key}",
                    "unknown_factor",
                    f"该违法行为没有裁量因素“{key}”，可选：{'、'.join(sorted(known))}",
                )
            )
    chosen: list[tuple[Factor, FactorOption]] = []
    for factor in table:
        value = factors.get(factor.key)
        if value in (None, ""):
            errors.append(
                ErrorItem(
                    f"factors.{factor.key}", "factor_required", f"请选择裁量因素“{factor.label}”"
                )
            )
            continue
        option = factor.option(value) if isinstance(value, str) else None
        if option is None:
            keys = "、".join(o.key for o in factor.options)
            errors.append(
                ErrorItem(
                    f"factors.{factor.key}",
                    "unknown_option",
                    f"裁量因素“{factor.label}”没有选项“{value}”，可选：{keys}",
                )
            )
            continue
        chosen.append((factor, option))
    if errors:
        raise ValidationFailed(errors)
    return chosen


def recommend_fine(
    *,
    violation_type: ViolationType,
    factors: Mapping[str, str],
    base_amount: Decimal | int | str | None = None,
    days: int | None = None,
    occurrences: int | None = None,
) -> Recommendation:
    """Recommend a fine: Σ percentages × statutory maximum, kept inside the range.

    ``factors`` maps every factor key of the type's table to an option key.
    Raises DomainError (a ValidationFailed listing every problem) for a missing
    factor (``factor_required``), an unknown factor (``unknown_factor``) or
    option (``unknown_option``), a missing base amount for a percentage rule
    (``base_amount_required``), missing days or occurrences
    (``days_required``, ``occurrences_required``).
    """
    table = factor_table(violation_type)
    legal = statutory_range(
        violation_type=violation_type,
        base_amount=base_amount,
        days=days,
        occurrences=occurrences,
    )
    chosen = _choose(table, factors)
    percent = sum((option.percent for _, option in chosen), Decimal(0))
    lines = tuple(
        f"{factor.label}：{option.label}，{_signed_pct(option.percent)}"
        for factor, option in chosen
    )
    effective = max(percent, Decimal(0))
    raw = (legal.maximum * effective / HUNDRED).quantize(YUAN, ROUND_HALF_UP)
    lower = legal.minimum.quantize(YUAN, ROUND_CEILING)
    upper = legal.maximum.quantize(YUAN, ROUND_FLOOR)
    summary = (
        f"法定罚款幅度：{legal.description}。百分值合计 {_pct(percent)}%，"
        f"{_pct(effective)}% × {_yuan(legal.maximum)} 元 = {_yuan(raw)} 元"
    )
    if lower > upper:
        # A range narrower than one yuan (a percentage of a small base).
        amount = legal.minimum
        summary += f"，按法定最低罚款 {_yuan(amount)} 元"
    elif raw < lower:
        amount = lower
        summary += f"，低于法定最低罚款，按最低限额 {_yuan(amount)} 元"
    elif raw > upper:
        amount = upper
        summary += f"，超过法定最高罚款，按最高限额 {_yuan(amount)} 元"
    else:
        amount = raw
    if violation_type.fine_rule == FineRule.NONE:
        summary = "该违法行为无罚款规定，不计罚款"
    return Recommendation(
        amount=amount.quantize(CENT),
        minimum=legal.minimum,
        maximum=legal.maximum,
        percent=percent,
        lines=lines,
        summary=summary,
        factors={factor.key: option.key for factor, option in chosen},
    )


def check_fine_in_range(
    *,
    violation_type: ViolationType,
    amount: Decimal | int | str,
    recommended: Decimal | Recommendation | None,
    reason: str | None,
    base_amount: Decimal | int | str | None = None,
    days: int | None = None,
    occurrences: int | None = None,
) -> None:
    """Refuse a decided fine outside the statutory range, or off the recommendation
    without a written reason.

    Raises DomainError ``fine_out_of_range`` (field ``fine_amount``) when the
    amount lies outside the range the law allows for these facts, and
    ``fine_reason_required`` (field ``fine_reason``) when it differs from the
    recommended amount (or no recommendation was computed) and ``reason`` is
    blank. The statutory range needs the same ``base_amount``/``days``/
    ``occurrences`` the recommendation was computed with.
    """
    decided = _money(amount, field="fine_amount", label="罚款金额")
    legal = statutory_range(
        violation_type=violation_type,
        base_amount=base_amount,
        days=days,
        occurrences=occurrences,
    )
    if not legal.minimum <= decided <= legal.maximum:
        raise DomainError(
            f"罚款金额 {_yuan(decided)} 元超出法定罚款幅度（{legal.description}），"
            "不得作出该处罚决定",
            code="fine_out_of_range",
            field="fine_amount",
        )
    if isinstance(recommended, Recommendation):
        recommended = recommended.amount
    if (reason or "").strip():
        return
    if recommended is None:
        raise DomainError(
            "尚未计算裁量建议金额，须书面说明确定罚款金额的理由",
            code="fine_reason_required",
            field="fine_reason",
        )
    suggested = _money(recommended, field="recommended_fine", label="裁量建议金额")
    if decided != suggested:
        raise DomainError(
            f"罚款金额 {_yuan(decided)} 元与裁量建议金额 {_yuan(suggested)} 元不一致，"
            "须书面说明理由",
            code="fine_reason_required",
            field="fine_reason",
        )


# --- Formatting ------------------------------------------------------------------


def _pct(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _signed_pct(value: Decimal) -> str:
    return f"-{_pct(-value)}%" if value < 0 else f"+{_pct(value)}%"


def _percent_json(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _yuan(value: Decimal) -> str:
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value:,.2f}"
