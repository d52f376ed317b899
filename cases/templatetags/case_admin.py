"""Template filters of the penalty-case admin pages."""

from __future__ import annotations

from django import template

from cases.admin_case_forms import yuan as format_yuan

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``Decimal("50000")`` or ``"50000.00"`` → ``50,000.00 元``; ``None`` → ``—``."""
    return format_yuan(value)
