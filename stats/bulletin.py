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
